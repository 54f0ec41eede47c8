//! Entry payloads the core carries without interpreting them.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use std::fmt;
use std::sync::Arc;

/// The payload of a log entry: one JSON value, kept as its text.
///
/// The core never parses it. It measures it ([`Data::len`]) to bound message sizes
/// and carries it on the wire verbatim, so what the application encoded is what
/// every peer decodes. Clones share the text.
#[derive(Clone)]
pub struct Data(Arc<RawValue>);

impl Data {
    /// Encodes `value` as JSON.
    pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Data, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(|raw| Data(Arc::from(raw)))
    }

    /// Wraps JSON text, checking that it is one JSON value.
    pub fn from_text(text: String) -> Result<Data, serde_json::Error> {
        RawValue::from_string(text).map(|raw| Data(Arc::from(raw)))
    }

    /// Decodes the payload into `T`.
    pub fn decode<'a, T: Deserialize<'a>>(&'a self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// The payload as a raw JSON value, to embed in another structure.
    pub fn as_raw(&self) -> &RawValue {
        &self.0
    }

    /// Length of the JSON text in bytes.
    pub fn len(&self) -> usize {
        self.0.get().len()
    }

    /// True for an empty text (never, for valid JSON).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PartialEq for Data {
    fn eq(&self, other: &Data) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Data {}

impl fmt::Debug for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Data {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Data {
    /// Only from JSON text (serde_json's string or reader deserializers), not from
    /// an already parsed `serde_json::Value`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Data, D::Error> {
        Box::<RawValue>::deserialize(d).map(|raw| Data(Arc::from(raw)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_inside_other_json_verbatim() {
        let data = Data::encode(&json!({"b": 1, "a": [true, null]})).unwrap();
        #[derive(Serialize, Deserialize)]
        struct Wrapper {
            data: Data,
        }
        let text = serde_json::to_string(&Wrapper { data: data.clone() }).unwrap();
        assert_eq!(text, r#"{"data":{"a":[true,null],"b":1}}"#);
        let back: Wrapper = serde_json::from_str(&text).unwrap();
        assert_eq!(back.data, data);
        assert_eq!(data.len(), data.as_str().len());
    }

    #[test]
    fn rejects_text_that_is_not_one_json_value() {
        assert!(Data::from_text("{".into()).is_err());
        assert!(Data::from_text("1 2".into()).is_err());
        assert!(Data::from_text(" 7 ".into()).is_ok());
    }
}
