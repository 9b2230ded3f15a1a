//! A plain JSON-like value, so that options are checked for unknown fields:
//! serde-wasm-bindgen reads only a struct's own fields from an object and
//! never sees the others.

use serde::Deserialize;

/// A JavaScript value as data: what `JSON.stringify` would keep.
#[derive(Debug, Clone)]
pub(super) enum Plain {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Plain>),
    Object(Vec<(String, Plain)>),
}

impl<'de> Deserialize<'de> for Plain {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Plain, D::Error> {
        deserializer.deserialize_any(PlainVisitor)
    }
}

struct PlainVisitor;

impl<'de> serde::de::Visitor<'de> for PlainVisitor {
    type Value = Plain;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON-like value")
    }
    fn visit_unit<E>(self) -> Result<Plain, E> {
        Ok(Plain::Null)
    }
    fn visit_none<E>(self) -> Result<Plain, E> {
        Ok(Plain::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Plain, D::Error> {
        Plain::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Plain, E> {
        Ok(Plain::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Plain, E> {
        Ok(Plain::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Plain, E> {
        Ok(Plain::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Plain, E> {
        Ok(Plain::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Plain, E> {
        Ok(Plain::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Plain, E> {
        Ok(Plain::String(v))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Plain, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element()? {
            out.push(v);
        }
        Ok(Plain::Array(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Plain, A::Error> {
        let mut out = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Plain>()? {
            out.push((k, v));
        }
        Ok(Plain::Object(out))
    }
}

/// A deserialization error message.
#[derive(Debug)]
pub(super) struct PlainError(pub(super) String);

impl std::fmt::Display for PlainError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlainError {}

impl serde::de::Error for PlainError {
    fn custom<T: std::fmt::Display>(msg: T) -> PlainError {
        PlainError(msg.to_string())
    }
}

impl<'de> serde::Deserializer<'de> for Plain {
    type Error = PlainError;

    fn deserialize_any<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, PlainError> {
        use serde::de::value::{MapDeserializer, SeqDeserializer};
        match self {
            Plain::Null => visitor.visit_unit(),
            Plain::Bool(b) => visitor.visit_bool(b),
            // Whole numbers as integers, so that integer fields accept them.
            Plain::Number(n) if n.fract() == 0.0 && (0.0..9.0e15).contains(&n) => {
                visitor.visit_u64(n as u64)
            }
            Plain::Number(n) if n.fract() == 0.0 && n < 0.0 && n > -9.0e15 => {
                visitor.visit_i64(n as i64)
            }
            Plain::Number(n) => visitor.visit_f64(n),
            Plain::String(s) => visitor.visit_string(s),
            Plain::Array(v) => visitor.visit_seq(SeqDeserializer::new(v.into_iter())),
            Plain::Object(v) => visitor.visit_map(MapDeserializer::new(v.into_iter())),
        }
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, PlainError> {
        match self {
            Plain::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PlainError> {
        use serde::de::IntoDeserializer;
        match self {
            Plain::String(s) => visitor.visit_enum(s.into_deserializer()),
            other => Err(serde::de::Error::custom(format!(
                "expected a string naming a variant, got {}",
                other.kind()
            ))),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

impl<'de> serde::de::IntoDeserializer<'de, PlainError> for Plain {
    type Deserializer = Plain;

    fn into_deserializer(self) -> Plain {
        self
    }
}

impl Plain {
    fn kind(&self) -> &'static str {
        match self {
            Plain::Null => "null",
            Plain::Bool(_) => "a boolean",
            Plain::Number(_) => "a number",
            Plain::String(_) => "a string",
            Plain::Array(_) => "an array",
            Plain::Object(_) => "an object",
        }
    }
}
