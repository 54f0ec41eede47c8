//! What the node appends to the log for a client request.

use crate::protocol::RequestId;
use crate::raft::Data;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeTuple;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A client request as a log entry: the machine's encoded command plus who asked
/// and who answers. Every node applies it; only `reply_from` (the leader that
/// appended it) answers the client, so the client gets one reply.
///
/// In the log (and on the wire, inside `append_entries`) it is a compact JSON
/// array, since every entry is kept in memory until compaction:
/// `[origin, incarnation, seq, floor, client, client_msg_id, reply_from, command]`,
/// e.g. `["n1",1763900000000000,7,5,"c3",12,"n0",{"type":"write","key":1,"value":2}]`.
/// The object form of earlier versions (`{"id":{...},"floor":..}`) still decodes,
/// so a `--data-dir` written by them can be recovered.
#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    pub id: RequestId,
    /// The origin's floor when it handed the request over (see `session.rs`).
    pub floor: u64,
    pub client: String,
    pub client_msg_id: u64,
    pub reply_from: String,
    /// The machine's command, opaque to the node.
    pub command: Data,
}

impl Serialize for Command {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(8)?;
        t.serialize_element(&self.id.node)?;
        t.serialize_element(&self.id.incarnation)?;
        t.serialize_element(&self.id.seq)?;
        t.serialize_element(&self.floor)?;
        t.serialize_element(&self.client)?;
        t.serialize_element(&self.client_msg_id)?;
        t.serialize_element(&self.reply_from)?;
        t.serialize_element(&self.command)?;
        t.end()
    }
}

/// The object form earlier versions wrote.
#[derive(Deserialize)]
struct ObjectForm {
    id: RequestId,
    #[serde(default)]
    floor: u64,
    client: String,
    client_msg_id: u64,
    reply_from: String,
    command: Data,
}

struct CommandVisitor;

impl<'de> Visitor<'de> for CommandVisitor {
    type Value = Command;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a command: [origin, incarnation, seq, floor, client, client_msg_id, reply_from, command]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Command, A::Error> {
        fn next<'de, T: Deserialize<'de>, A: SeqAccess<'de>>(
            seq: &mut A,
            i: usize,
        ) -> Result<T, A::Error> {
            seq.next_element()?
                .ok_or_else(|| de::Error::invalid_length(i, &CommandVisitor))
        }
        let command = Command {
            id: RequestId {
                node: next(&mut seq, 0)?,
                incarnation: next(&mut seq, 1)?,
                seq: next(&mut seq, 2)?,
            },
            floor: next(&mut seq, 3)?,
            client: next(&mut seq, 4)?,
            client_msg_id: next(&mut seq, 5)?,
            reply_from: next(&mut seq, 6)?,
            command: next(&mut seq, 7)?,
        };
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(9, &CommandVisitor));
        }
        Ok(command)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Command, A::Error> {
        let o = ObjectForm::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Command {
            id: o.id,
            floor: o.floor,
            client: o.client,
            client_msg_id: o.client_msg_id,
            reply_from: o.reply_from,
            command: o.command,
        })
    }
}

impl<'de> Deserialize<'de> for Command {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Command, D::Error> {
        d.deserialize_any(CommandVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command() -> Command {
        Command {
            id: RequestId {
                node: "n1".into(),
                incarnation: 1_763_900_000_000_000,
                seq: 7,
            },
            floor: 5,
            client: "c3".into(),
            client_msg_id: 12,
            reply_from: "n0".into(),
            command: Data::from_text(r#"{"type":"write","key":1,"value":2}"#.into()).unwrap(),
        }
    }

    #[test]
    fn encodes_as_a_compact_array_and_back() {
        let text = Data::encode(&command()).unwrap();
        assert_eq!(
            text.as_str(),
            r#"["n1",1763900000000000,7,5,"c3",12,"n0",{"type":"write","key":1,"value":2}]"#
        );
        assert_eq!(text.decode::<Command>().unwrap(), command());
    }

    #[test]
    fn the_object_form_of_earlier_versions_still_decodes() {
        let old = r#"{"id":{"node":"n1","incarnation":1763900000000000,"seq":7},"floor":5,"client":"c3","client_msg_id":12,"reply_from":"n0","command":{"type":"write","key":1,"value":2}}"#;
        assert_eq!(serde_json::from_str::<Command>(old).unwrap(), command());
    }

    #[test]
    fn arrays_of_the_wrong_length_are_refused() {
        assert!(serde_json::from_str::<Command>(r#"["n1",1,7,5,"c3",12,"n0"]"#).is_err());
        assert!(serde_json::from_str::<Command>(r#"["n1",1,7,5,"c3",12,"n0",1,2]"#).is_err());
    }
}
