//! Client bodies: requests and replies whose vocabulary belongs to a state machine.
//!
//! The protocol layer does not know what `read` or `enqueue` mean. It hands every
//! body whose `type` is not one of its own (init, errors, Raft and node-internal
//! messages) to the node as a [`ClientBody`]: the `type` string and the other
//! fields, untouched. The machine decodes it into its own request type.

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// A body in a machine's vocabulary: its `type` and its other fields (without the
/// reserved `msg_id` and `in_reply_to`).
#[derive(Clone, Debug, PartialEq)]
pub struct ClientBody {
    /// The body's `type`, e.g. `read` or `read_ok`.
    pub ty: String,
    /// Every other field, sorted by name.
    pub fields: Map<String, Value>,
}

impl ClientBody {
    /// A body of type `ty` with the fields of `fields` (an object; anything else
    /// gives no fields).
    pub fn new(ty: impl Into<String>, fields: Value) -> ClientBody {
        let fields = match fields {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        ClientBody {
            ty: ty.into(),
            fields,
        }
    }

    /// The field `name`, if present.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }

    /// Encodes a typed body: `value` must serialize to an object with a string
    /// `type` (a `#[serde(tag = "type")]` enum, typically).
    pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<ClientBody, String> {
        let Value::Object(mut fields) = serde_json::to_value(value).map_err(|e| e.to_string())?
        else {
            return Err("a client body must encode to a JSON object".into());
        };
        match fields.remove("type") {
            Some(Value::String(ty)) => Ok(ClientBody { ty, fields }),
            _ => Err("a client body must have a string type".into()),
        }
    }

    /// Decodes the body (type and fields) into a typed value.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&Value::Object(self.to_map()))
    }

    /// The body as one JSON object, `type` included.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = self.fields.clone();
        map.insert("type".into(), Value::String(self.ty.clone()));
        map
    }
}

impl Serialize for ClientBody {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.fields.len() + 1))?;
        map.serialize_entry("type", &self.ty)?;
        for (k, v) in &self.fields {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ClientBody {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ClientBody, D::Error> {
        let mut fields = Map::deserialize(d)?;
        match fields.remove("type") {
            Some(Value::String(ty)) => Ok(ClientBody { ty, fields }),
            _ => Err(D::Error::custom("client body has no string type")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Req {
        Put { key: u64, value: String },
        Get { key: u64 },
    }

    #[test]
    fn typed_bodies_round_trip() {
        let body = ClientBody::encode(&Req::Put {
            key: 1,
            value: "a".into(),
        })
        .unwrap();
        assert_eq!(body.ty, "put");
        assert_eq!(body.get("key"), Some(&json!(1)));
        assert_eq!(
            body.decode::<Req>().unwrap(),
            Req::Put {
                key: 1,
                value: "a".into()
            }
        );
        let text = serde_json::to_string(&body).unwrap();
        assert_eq!(text, r#"{"type":"put","key":1,"value":"a"}"#);
        assert_eq!(serde_json::from_str::<ClientBody>(&text).unwrap(), body);
    }

    #[test]
    fn bad_fields_fail_to_decode() {
        let body = ClientBody::new("get", json!({"key": "not a number"}));
        assert!(body.decode::<Req>().is_err());
        assert!(ClientBody::encode(&json!([1])).is_err());
    }
}
