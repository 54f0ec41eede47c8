//! Interning of keys and values (list elements, register versions) so that the
//! checkers work on small integers.

use crate::check::fx::FxMap;
use serde_json::Value;
use std::collections::HashMap;

/// A list element, interned (see [`Elems`]); elements are equal when their JSON
/// texts are.
pub(crate) type Elem = u32;

/// How an element is recognised: integers directly, anything else by JSON text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum ElemKey {
    Int(i64),
    Text(String),
}

/// Interned list elements.
#[derive(Debug, Default)]
pub(crate) struct Elems {
    ids: FxMap<ElemKey, Elem>,
    texts: Vec<String>,
}

impl Elems {
    /// The id of `v`, interning it if new.
    pub fn intern(&mut self, v: &Value) -> Elem {
        let key = match v.as_i64() {
            Some(i) => ElemKey::Int(i),
            None => ElemKey::Text(v.to_string()),
        };
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = self.texts.len() as Elem;
        self.texts.push(v.to_string());
        self.ids.insert(key, id);
        id
    }

    /// The element's JSON text.
    pub fn text(&self, e: Elem) -> &str {
        self.texts.get(e as usize).map_or("?", |s| s.as_str())
    }

    /// A list for messages: `[1, 2, 3]`, long lists shortened to their ends.
    pub fn show_list(&self, list: &[Elem]) -> String {
        const EDGE: usize = 3;
        let texts = |s: &[Elem]| -> Vec<&str> { s.iter().map(|&e| self.text(e)).collect() };
        if list.len() <= 3 * EDGE {
            format!("[{}]", texts(list).join(", "))
        } else {
            format!(
                "[{}, ..., {}] ({} elements)",
                texts(&list[..EDGE]).join(", "),
                texts(&list[list.len() - EDGE..]).join(", "),
                list.len()
            )
        }
    }
}

/// Interned keys.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    values: Vec<Value>,
    index: HashMap<String, usize>,
}

impl Keys {
    /// The index of `key`, interning it if new.
    pub fn intern(&mut self, key: &Value) -> usize {
        let text = key.to_string();
        if let Some(&i) = self.index.get(&text) {
            return i;
        }
        self.values.push(key.clone());
        self.index.insert(text, self.values.len() - 1);
        self.values.len() - 1
    }

    /// Number of distinct keys.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// A short label: `k3` for the number 3, the bare text for a string key.
    pub fn label(&self, key: usize) -> String {
        match self.values.get(key) {
            Some(Value::Number(n)) => format!("k{n}"),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => format!("key#{key}"),
        }
    }
}
