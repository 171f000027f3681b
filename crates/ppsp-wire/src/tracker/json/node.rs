//! Lenient, path-aware reading of a parsed JSON body.
//!
//! Every accessor knows the JSON path it stands at, so any error reads like
//! `PPSPTrackerProtocol.connect.swarm_action[1].peer_mode: "LEACH" is not one of SEEDER, LEECH`.
//! The leniency RFC 7846's own examples need (standards.md 2.7) lives here, once:
//! a `<1..*>` member may be a single object instead of an array, integers may be written as
//! decimal strings, and `null` counts as absent.

use std::fmt::Display;
use std::str::FromStr;

use serde_json::{Map, Value};

use crate::tracker::error::DecodeErrorKind;

pub(super) type Result<T> = std::result::Result<T, DecodeErrorKind>;

/// A JSON value and the path that leads to it.
#[derive(Debug)]
pub(super) struct Node<'a> {
    value: &'a Value,
    path: String,
}

/// A JSON object and the path that leads to it.
#[derive(Debug)]
pub(super) struct Object<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

/// Unsigned integer types a member may be read into.
pub(super) trait Unsigned: TryFrom<u64> {
    /// The largest value, for the error message.
    const MAX: u64;
}

macro_rules! unsigned {
    ($($t:ty),+) => { $(impl Unsigned for $t { const MAX: u64 = <$t>::MAX as u64; })+ };
}
unsigned!(u8, u16, u32, u64);

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<'a> Node<'a> {
    /// The whole body.
    pub(super) fn document(value: &'a Value) -> Self {
        Self {
            value,
            path: String::new(),
        }
    }

    /// An error at this node.
    pub(super) fn fail(&self, problem: impl Into<String>) -> DecodeErrorKind {
        let path = if self.path.is_empty() {
            "body".to_string()
        } else {
            self.path.clone()
        };
        DecodeErrorKind::Field {
            path,
            problem: problem.into(),
        }
    }

    pub(super) fn object(&self) -> Result<Object<'a>> {
        match self.value {
            Value::Object(map) => Ok(Object {
                map,
                path: self.path.clone(),
            }),
            other => Err(self.fail(format!("expected an object, found {}", describe(other)))),
        }
    }

    pub(super) fn str(&self) -> Result<&'a str> {
        self.value
            .as_str()
            .ok_or_else(|| self.fail(format!("expected a string, found {}", describe(self.value))))
    }

    /// A non-negative integer, written as a JSON number or (as in RFC 7846's examples) a
    /// decimal string.
    pub(super) fn uint<T: Unsigned>(&self) -> Result<T> {
        let wide = match self.value {
            Value::Number(n) => n
                .as_u64()
                .ok_or_else(|| self.fail(format!("expected a whole number, found {n}")))?,
            Value::String(s) => s
                .parse::<u64>()
                .map_err(|_| self.fail(format!("{s:?} is not a whole number")))?,
            other => {
                return Err(self.fail(format!(
                    "expected a whole number, found {}",
                    describe(other)
                )));
            }
        };
        T::try_from(wide)
            .map_err(|_| self.fail(format!("{wide} is over the maximum of {}", T::MAX)))
    }

    /// A string parsed with `parse`, whose error already says what is wrong with the text.
    pub(super) fn parse_with<T>(
        &self,
        parse: impl FnOnce(&str) -> std::result::Result<T, String>,
    ) -> Result<T> {
        parse(self.str()?).map_err(|problem| self.fail(problem))
    }

    /// A string parsed with `FromStr` whose error already says what is wrong (fixed words,
    /// peer IDs).
    pub(super) fn parsed<T: FromStr<Err = String>>(&self) -> Result<T> {
        self.parse_with(str::parse)
    }

    /// A string parsed with `FromStr`, naming what it should have been on failure.
    pub(super) fn parse_as<T>(&self, what: &str) -> Result<T>
    where
        T: FromStr,
        T::Err: Display,
    {
        self.parse_with(|text| {
            text.parse()
                .map_err(|e| format!("{text:?} is not {what}: {e}"))
        })
    }
}

impl<'a> Object<'a> {
    fn child(&self, key: &str, value: &'a Value) -> Node<'a> {
        let path = if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        };
        Node { value, path }
    }

    /// The member `key`; absent and `null` are the same.
    pub(super) fn get(&self, key: &str) -> Option<Node<'a>> {
        self.map
            .get(key)
            .filter(|v| !v.is_null())
            .map(|v| self.child(key, v))
    }

    /// The member `key`, which must be present.
    pub(super) fn required(&self, key: &str) -> Result<Node<'a>> {
        self.get(key).ok_or_else(|| {
            self.child(key, &Value::Null)
                .fail("required member is missing")
        })
    }

    /// Whether the member `key` is present (and not `null`).
    pub(super) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// A `<0..*>` or `<1..*>` member: an array, or a single object standing for a one-element
    /// array (standards.md 2.7 item 1); absent is empty. More than `max` items is an error.
    pub(super) fn list(&self, key: &str, max: usize) -> Result<Vec<Node<'a>>> {
        let Some(node) = self.get(key) else {
            return Ok(Vec::new());
        };
        let Value::Array(items) = node.value else {
            return Ok(vec![node]);
        };
        if items.len() > max {
            return Err(node.fail(format!("{} items, at most {max} allowed", items.len())));
        }
        Ok(items
            .iter()
            .enumerate()
            .map(|(i, value)| Node {
                value,
                path: format!("{}[{i}]", node.path),
            })
            .collect())
    }

    /// An error at the member `key` of this object, whether or not it is present.
    pub(super) fn fail_at(&self, key: &str, problem: impl Into<String>) -> DecodeErrorKind {
        self.child(key, &Value::Null).fail(problem)
    }
}

/// Whether `value` nests objects and arrays more than `max` levels deep (`{}` and `[]` are
/// one level, scalars none).
///
/// serde_json already stops at 128 levels while parsing; this check recurses at most `max` deep.
pub(super) fn deeper_than(value: &Value, max: usize) -> bool {
    match value {
        Value::Array(items) => max == 0 || items.iter().any(|c| deeper_than(c, max - 1)),
        Value::Object(map) => max == 0 || map.values().any(|c| deeper_than(c, max - 1)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn integers_may_be_numbers_or_decimal_strings() {
        let doc = parse(r#"{"a": 5, "b": "200", "c": -1, "d": "x", "e": 300, "f": 1.5}"#);
        let root = Node::document(&doc);
        let object = root.object().unwrap();
        let get = |k: &str| object.required(k).unwrap();
        assert_eq!(get("a").uint::<u8>(), Ok(5));
        assert_eq!(get("b").uint::<u8>(), Ok(200));
        assert!(
            get("c")
                .uint::<u8>()
                .unwrap_err()
                .to_string()
                .starts_with("c: expected a whole")
        );
        assert_eq!(
            get("d").uint::<u8>().unwrap_err().to_string(),
            "d: \"x\" is not a whole number"
        );
        assert_eq!(
            get("e").uint::<u8>().unwrap_err().to_string(),
            "e: 300 is over the maximum of 255"
        );
        assert!(get("f").uint::<u64>().is_err());
    }

    #[test]
    fn lists_accept_a_single_object_and_name_indices() {
        let doc = parse(r#"{"one": {"x": 1}, "many": [{"x": 1}, {"x": 2}], "none": null}"#);
        let root = Node::document(&doc);
        let object = root.object().unwrap();
        assert_eq!(object.list("one", 4).unwrap().len(), 1);
        let many = object.list("many", 4).unwrap();
        assert_eq!(many[1].fail("bad").to_string(), "many[1]: bad");
        assert!(object.list("none", 4).unwrap().is_empty());
        assert!(object.list("absent", 4).unwrap().is_empty());
        assert_eq!(
            object.list("many", 1).unwrap_err().to_string(),
            "many: 2 items, at most 1 allowed"
        );
        assert_eq!(
            object.required("none").unwrap_err().to_string(),
            "none: required member is missing"
        );
    }

    #[test]
    fn depth_counts_objects_and_arrays() {
        assert!(!deeper_than(&parse("1"), 0));
        assert!(deeper_than(&parse("{}"), 0));
        assert!(!deeper_than(&parse("{}"), 1));
        let four = parse(r#"{"a": [1, {"b": []}]}"#);
        assert!(!deeper_than(&four, 4));
        assert!(deeper_than(&four, 3));
        assert!(deeper_than(
            &parse(&format!("{}{}", "[".repeat(100), "]".repeat(100))),
            16
        ));
    }
}
