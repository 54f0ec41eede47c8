//! Consistency models a transactional history can be checked against, with Elle's
//! names, and which anomalies each one forbids. `--consistency-models` takes these
//! names; a history is valid for a set of models when no anomaly found is
//! forbidden by any of them.

use super::elle::AnomalyKind;
use serde::Serialize;
use std::fmt;

/// One consistency model, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Model {
    ReadUncommitted,
    ReadCommitted,
    RepeatableRead,
    SnapshotIsolation,
    Serializable,
    StrictSerializable,
}

impl Model {
    /// Every model, weakest first.
    pub const ALL: [Model; 6] = [
        Model::ReadUncommitted,
        Model::ReadCommitted,
        Model::RepeatableRead,
        Model::SnapshotIsolation,
        Model::Serializable,
        Model::StrictSerializable,
    ];

    /// The name `--consistency-models` takes.
    pub fn name(self) -> &'static str {
        match self {
            Model::ReadUncommitted => "read-uncommitted",
            Model::ReadCommitted => "read-committed",
            Model::RepeatableRead => "repeatable-read",
            Model::SnapshotIsolation => "snapshot-isolation",
            Model::Serializable => "serializable",
            Model::StrictSerializable => "strict-serializable",
        }
    }

    /// Whether this model rules out histories with anomalies of `kind`.
    /// Anomalies that no execution can explain (ill-formed histories, garbage or
    /// internally inconsistent reads) are ruled out by every model; real-time
    /// cycles only by strict serializability.
    pub fn forbids(self, kind: AnomalyKind) -> bool {
        use AnomalyKind::*;
        use Model::*;
        match kind {
            IllFormed | IncompatibleOrder | DuplicateElements | GarbageRead | Internal | G0 => true,
            G1a | G1b | G1c => self >= ReadCommitted,
            GSingle | LostUpdate => self >= RepeatableRead,
            G2 => matches!(self, RepeatableRead | Serializable | StrictSerializable),
            G0Realtime | G1cRealtime | GSingleRealtime | G2Realtime => self == StrictSerializable,
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Model {
    type Err = String;
    fn from_str(s: &str) -> Result<Model, String> {
        // Maelstrom users pass `linearizable` for the strongest real-time model.
        if s == "linearizable" {
            return Ok(Model::StrictSerializable);
        }
        Model::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Model::ALL.iter().map(|m| m.name()).collect();
                format!(
                    "unknown consistency model {s:?}: expected one of {} (or linearizable, \
                     taken as strict-serializable)",
                    names.join(", ")
                )
            })
    }
}

/// A set of models (a small bit set, so it is `Copy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Models(u8);

impl Models {
    /// Strict serializability alone: what the platform's transactional machines
    /// promise, and the default.
    pub const STRICT: Models = Models(1 << Model::StrictSerializable as u8);

    /// The set of `models`.
    pub fn of(models: &[Model]) -> Models {
        Models(models.iter().fold(0, |bits, m| bits | 1 << *m as u8))
    }

    /// Parses model names (`--consistency-models`); none gives [`Models::STRICT`].
    pub fn parse(names: &[String]) -> Result<Models, String> {
        let models = names
            .iter()
            .map(|n| n.trim().parse())
            .collect::<Result<Vec<Model>, String>>()?;
        Ok(if models.is_empty() {
            Models::STRICT
        } else {
            Models::of(&models)
        })
    }

    /// Whether `model` is in the set.
    pub fn contains(self, model: Model) -> bool {
        self.0 & (1 << model as u8) != 0
    }

    /// The models in the set, weakest first.
    pub fn iter(self) -> impl Iterator<Item = Model> {
        Model::ALL.into_iter().filter(move |m| self.contains(*m))
    }

    /// Whether some model in the set forbids `kind`.
    pub fn forbid(self, kind: AnomalyKind) -> bool {
        self.iter().any(|m| m.forbids(kind))
    }

    /// Whether real-time order matters (strict serializability is in the set).
    pub fn realtime(self) -> bool {
        self.contains(Model::StrictSerializable)
    }

    /// Every model (of all known ones) that some anomaly of `kinds` rules out.
    pub fn ruled_out(kinds: &[AnomalyKind]) -> Vec<Model> {
        Model::ALL
            .into_iter()
            .filter(|m| kinds.iter().any(|k| m.forbids(*k)))
            .collect()
    }
}

impl fmt::Display for Models {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Model::name).collect();
        f.write_str(&names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_the_default_is_strict() {
        let m = Models::parse(&["serializable".into(), " read-committed".into()]).unwrap();
        assert_eq!(
            m.iter().collect::<Vec<_>>(),
            [Model::ReadCommitted, Model::Serializable]
        );
        assert_eq!(Models::parse(&[]), Ok(Models::STRICT));
        assert!(Models::parse(&["linearish".into()]).is_err());
        assert_eq!(m.to_string(), "read-committed, serializable");
    }

    #[test]
    fn stronger_models_forbid_more() {
        use AnomalyKind::*;
        assert!(!Model::ReadUncommitted.forbids(G1a));
        assert!(Model::ReadCommitted.forbids(G1c));
        assert!(!Model::ReadCommitted.forbids(GSingle));
        assert!(!Model::SnapshotIsolation.forbids(G2));
        assert!(Model::SnapshotIsolation.forbids(LostUpdate));
        assert!(Model::Serializable.forbids(G2));
        assert!(!Model::Serializable.forbids(GSingleRealtime));
        assert!(Model::StrictSerializable.forbids(GSingleRealtime));
        assert!(Models::STRICT.realtime() && !Models::of(&[Model::Serializable]).realtime());
        assert_eq!(
            Models::ruled_out(&[G2]),
            [
                Model::RepeatableRead,
                Model::Serializable,
                Model::StrictSerializable
            ]
        );
    }
}
