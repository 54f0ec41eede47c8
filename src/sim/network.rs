//! The simulated network: latency distributions, partitions, loss and duplication.

use rand::Rng;
use rand::rngs::StdRng;
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// How long a message takes, in microseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Latency {
    /// Every message takes exactly this long.
    Constant(u64),
    /// Uniform in `[0, 2 × mean]`.
    Uniform(u64),
    /// Exponentially distributed with this mean.
    Exponential(u64),
}

impl Latency {
    /// Builds a latency from Maelstrom's flags: `--latency MS --latency-dist NAME`.
    pub fn from_flags(mean_ms: f64, dist: &str) -> Result<Latency, String> {
        let mean = (mean_ms * 1000.0).round().max(0.0) as u64;
        match dist {
            "constant" => Ok(Latency::Constant(mean)),
            "uniform" => Ok(Latency::Uniform(mean)),
            "exponential" => Ok(Latency::Exponential(mean)),
            other => Err(format!(
                "unknown latency distribution {other:?}: expected constant, uniform or exponential"
            )),
        }
    }

    /// The mean, in microseconds.
    pub fn mean(&self) -> u64 {
        match *self {
            Latency::Constant(m) | Latency::Uniform(m) | Latency::Exponential(m) => m,
        }
    }

    /// Draws one delay.
    pub fn sample(&self, rng: &mut StdRng) -> u64 {
        match *self {
            Latency::Constant(m) => m,
            Latency::Uniform(m) => rng.gen_range(0..=2 * m),
            Latency::Exponential(m) => {
                let u: f64 = rng.gen_range(f64::EPSILON..1.0);
                (-(m as f64) * u.ln()).round() as u64
            }
        }
    }
}

impl fmt::Display for Latency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, m) = match *self {
            Latency::Constant(m) => ("constant", m),
            Latency::Uniform(m) => ("uniform", m),
            Latency::Exponential(m) => ("exponential", m),
        };
        write!(f, "{name}:{}", m as f64 / 1000.0)
    }
}

impl FromStr for Latency {
    type Err = String;
    /// Parses `dist:mean_ms`, e.g. `exponential:5`.
    fn from_str(s: &str) -> Result<Latency, String> {
        let (dist, ms) = s
            .split_once(':')
            .ok_or_else(|| format!("latency {s:?} is not dist:ms"))?;
        let ms: f64 = ms.parse().map_err(|e| format!("latency {s:?}: {e}"))?;
        Latency::from_flags(ms, dist)
    }
}

/// Network settings.
#[derive(Clone, Debug, PartialEq)]
pub struct NetConfig {
    pub latency: Latency,
    /// Probability that a node-to-node message is lost.
    pub loss: f64,
    /// Probability that a node-to-node message is delivered twice.
    pub duplicate: f64,
}

impl Default for NetConfig {
    fn default() -> NetConfig {
        NetConfig {
            latency: Latency::Constant(0),
            loss: 0.0,
            duplicate: 0.0,
        }
    }
}

/// Which directed node-to-node links are cut.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Partition {
    cut: BTreeSet<(String, String)>,
}

impl Partition {
    /// No cuts.
    pub fn none() -> Partition {
        Partition::default()
    }

    /// Nodes talk only within their own group.
    pub fn groups(groups: &[Vec<String>]) -> Partition {
        let mut cut = BTreeSet::new();
        for (i, a) in groups.iter().enumerate() {
            for (j, b) in groups.iter().enumerate() {
                if i != j {
                    for x in a {
                        for y in b {
                            cut.insert((x.clone(), y.clone()));
                        }
                    }
                }
            }
        }
        Partition { cut }
    }

    /// Each node accepts messages only from the senders `accepts(receiver, sender)`
    /// allows; links are directional, as with Jepsen's per-node firewall rules.
    /// Used for the majorities ring.
    pub fn views(nodes: &[String], accepts: impl Fn(&str, &str) -> bool) -> Partition {
        let mut cut = BTreeSet::new();
        for receiver in nodes {
            for sender in nodes {
                if receiver != sender && !accepts(receiver, sender) {
                    cut.insert((sender.clone(), receiver.clone()));
                }
            }
        }
        Partition { cut }
    }

    /// Is the link from `a` to `b` cut?
    pub fn blocks(&self, a: &str, b: &str) -> bool {
        self.cut.contains(&(a.to_owned(), b.to_owned()))
    }

    /// True when nothing is cut.
    pub fn is_healed(&self) -> bool {
        self.cut.is_empty()
    }
}
