//! Broadcast topologies (`--topology`), computed exactly as Maelstrom's broadcast
//! workload does, and the `topology` message each node gets before the clients
//! start.
//!
//! - `line`: nodes in a row, each linked to its neighbours (a single node gets an
//!   empty map, as in Maelstrom).
//! - `grid` (the default): a roughly square grid, side ⌈√n⌉, row by row; at most 4
//!   neighbours.
//! - `tree`/`tree2`, `tree3`, `tree4`: a tree with that branch factor, filled level
//!   by level; a node's neighbours are its parent (first) and its children.
//! - `total`: every node linked to every other.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// A topology shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Topology {
    Line,
    #[default]
    Grid,
    /// A tree with this branch factor (2, 3 or 4).
    Tree(usize),
    Total,
}

/// Neighbours per node.
pub type Neighbours = BTreeMap<String, Vec<String>>;

impl Topology {
    /// Every name `--topology` takes, with the shape it names.
    pub const NAMES: &'static [(&'static str, Topology)] = &[
        ("line", Topology::Line),
        ("grid", Topology::Grid),
        ("tree", Topology::Tree(2)),
        ("tree2", Topology::Tree(2)),
        ("tree3", Topology::Tree(3)),
        ("tree4", Topology::Tree(4)),
        ("total", Topology::Total),
    ];

    /// The neighbours of every node of `nodes` (in the order given).
    pub fn neighbours(self, nodes: &[String]) -> Neighbours {
        match self {
            Topology::Line => line(nodes),
            Topology::Grid => grid(nodes),
            Topology::Tree(b) => tree(b.max(1), nodes),
            Topology::Total => nodes
                .iter()
                .map(|n| {
                    (
                        n.clone(),
                        nodes.iter().filter(|m| *m != n).cloned().collect(),
                    )
                })
                .collect(),
        }
    }
}

fn line(nodes: &[String]) -> Neighbours {
    let n = nodes.len();
    if n < 2 {
        return Neighbours::new();
    }
    (0..n)
        .map(|i| {
            let mut near = Vec::new();
            if i > 0 {
                near.push(nodes[i - 1].clone());
            }
            if i + 1 < n {
                near.push(nodes[i + 1].clone());
            }
            (nodes[i].clone(), near)
        })
        .collect()
}

fn grid(nodes: &[String]) -> Neighbours {
    let n = nodes.len();
    let side = (n as f64).sqrt().ceil() as i64;
    let at = |i: i64, j: i64| -> Option<&String> {
        if i < 0 || j < 0 || j >= side {
            return None;
        }
        nodes.get(usize::try_from(i * side + j).ok()?)
    };
    let mut out = Neighbours::new();
    for i in 0..side {
        for j in 0..side {
            if let Some(me) = at(i, j) {
                let near = [at(i + 1, j), at(i - 1, j), at(i, j + 1), at(i, j - 1)];
                out.insert(me.clone(), near.into_iter().flatten().cloned().collect());
            }
        }
    }
    out
}

/// Level by level with branch factor `b`: node `k`'s children are `b·k + 1 ..=
/// b·k + b`, its parent `(k − 1) / b` (Maelstrom's `seq->tree`).
fn tree(b: usize, nodes: &[String]) -> Neighbours {
    (0..nodes.len())
        .map(|k| {
            let parent = (k > 0).then(|| nodes[(k - 1) / b].clone());
            let children = (b * k + 1..=b * k + b).filter_map(|c| nodes.get(c).cloned());
            (
                nodes[k].clone(),
                parent.into_iter().chain(children).collect(),
            )
        })
        .collect()
}

impl FromStr for Topology {
    type Err = String;
    fn from_str(s: &str) -> Result<Topology, String> {
        Topology::NAMES
            .iter()
            .find(|(name, _)| *name == s)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                let names: Vec<&str> = Topology::NAMES.iter().map(|(n, _)| *n).collect();
                format!(
                    "unknown topology {s:?}: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

impl fmt::Display for Topology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topology::Line => f.write_str("line"),
            Topology::Grid => f.write_str("grid"),
            Topology::Tree(b) => write!(f, "tree{b}"),
            Topology::Total => f.write_str("total"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    fn of(t: Topology, n: usize) -> Vec<(String, Vec<String>)> {
        t.neighbours(&ids(n)).into_iter().collect()
    }

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn grid_of_five_is_maelstroms() {
        // side 3: n0 n1 n2 / n3 n4
        let g = Topology::Grid.neighbours(&ids(5));
        assert_eq!(g["n0"], v(&["n3", "n1"]));
        assert_eq!(g["n1"], v(&["n4", "n2", "n0"]));
        assert_eq!(g["n2"], v(&["n1"]), "n5 does not exist");
        assert_eq!(g["n4"], v(&["n1", "n3"]));
        assert_eq!(g.len(), 5);
        let g25 = Topology::Grid.neighbours(&ids(25));
        assert!(g25.values().all(|near| (2..=4).contains(&near.len())));
    }

    #[test]
    fn line_tree_and_total() {
        assert_eq!(
            of(Topology::Line, 3),
            vec![
                ("n0".into(), v(&["n1"])),
                ("n1".into(), v(&["n0", "n2"])),
                ("n2".into(), v(&["n1"]))
            ]
        );
        assert!(of(Topology::Line, 1).is_empty());
        let t = Topology::Tree(2).neighbours(&ids(6));
        assert_eq!(t["n0"], v(&["n1", "n2"]));
        assert_eq!(t["n1"], v(&["n0", "n3", "n4"]));
        assert_eq!(t["n2"], v(&["n0", "n5"]));
        assert_eq!(t["n5"], v(&["n2"]));
        let t4 = Topology::Tree(4).neighbours(&ids(6));
        assert_eq!(t4["n0"], v(&["n1", "n2", "n3", "n4"]));
        assert_eq!(t4["n1"], v(&["n0", "n5"]));
        let total = Topology::Total.neighbours(&ids(3));
        assert_eq!(total["n1"], v(&["n0", "n2"]));
    }

    #[test]
    fn names_round_trip() {
        for (name, t) in Topology::NAMES {
            assert_eq!(name.parse::<Topology>(), Ok(*t));
        }
        assert_eq!(Topology::Tree(3).to_string().parse(), Ok(Topology::Tree(3)));
        assert!("ring".parse::<Topology>().is_err());
    }
}
