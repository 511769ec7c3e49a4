//! Values as the plugin protocol carries them: MessagePack, typed by the
//! schema, in cty's conventions.
//!
//! - null is `nil`; an unknown value is extension type 0 (a refined unknown,
//!   extension 12, is read as unknown: Strata keeps no refinements);
//! - numbers are integers when they are whole and fit 64 bits, floats when
//!   a 64-bit float holds them exactly, else their decimal text;
//! - lists, sets and tuples are arrays; maps and objects are maps with
//!   string keys (an object has every attribute of its type);
//! - a value whose type is `dynamic` in the schema is a two-element array:
//!   its type in cty's JSON notation (as bytes), then the value.

use std::collections::BTreeMap;
use strata_types::json::{type_from_json, type_to_json};
use strata_types::{Kind, Number, Type, Value};

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct MsgpackError(pub String);

fn err<T>(message: impl Into<String>) -> Result<T, MsgpackError> {
    Err(MsgpackError(message.into()))
}

/// Encodes `value` as a value of type `ty`.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, MsgpackError> {
    let mut out = Vec::with_capacity(256);
    write_value(&mut out, value, ty)?;
    Ok(out)
}

/// Decodes a value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, MsgpackError> {
    let mut reader = Reader { bytes, at: 0 };
    let value = reader.value(ty)?;
    if reader.at != bytes.len() {
        return err(format!(
            "{} bytes left over after the value",
            bytes.len() - reader.at
        ));
    }
    Ok(value)
}

fn write_value(out: &mut Vec<u8>, value: &Value, ty: &Type) -> Result<(), MsgpackError> {
    match &value.kind {
        Kind::Null(_) => {
            out.push(0xc0);
            return Ok(());
        }
        Kind::Unknown(_) => {
            // fixext1, type 0, one zero byte.
            out.extend_from_slice(&[0xd4, 0, 0]);
            return Ok(());
        }
        _ => {}
    }
    if *ty == Type::Dynamic {
        let actual = value.ty();
        let type_json = serde_json::to_vec(&type_to_json(&actual)).expect("types serialize");
        write_array_len(out, 2);
        write_bin(out, &type_json);
        return write_value(out, value, &actual);
    }
    match (&value.kind, ty) {
        (Kind::Bool(b), Type::Bool) => out.push(if *b { 0xc3 } else { 0xc2 }),
        (Kind::Number(n), Type::Number) => write_number(out, n),
        (Kind::String(s), Type::String) => write_str(out, s),
        (Kind::List(_, items) | Kind::Set(_, items), Type::List(e) | Type::Set(e)) => {
            write_array_len(out, items.len());
            for item in items {
                write_value(out, item, e)?;
            }
        }
        (Kind::Tuple(items), Type::List(e) | Type::Set(e)) => {
            write_array_len(out, items.len());
            for item in items {
                write_value(out, item, e)?;
            }
        }
        (Kind::Tuple(items) | Kind::List(_, items), Type::Tuple(types))
            if items.len() == types.len() =>
        {
            write_array_len(out, items.len());
            for (item, t) in items.iter().zip(types) {
                write_value(out, item, t)?;
            }
        }
        (Kind::Map(_, entries) | Kind::Object(entries), Type::Map(e)) => {
            write_map_len(out, entries.len());
            for (k, v) in entries {
                write_str(out, k);
                write_value(out, v, e)?;
            }
        }
        (Kind::Object(attributes) | Kind::Map(_, attributes), Type::Object(o)) => {
            write_map_len(out, o.attributes.len());
            for (name, t) in &o.attributes {
                write_str(out, name);
                match attributes.get(name) {
                    Some(v) => write_value(out, v, t)?,
                    None => out.push(0xc0),
                }
            }
        }
        // The engine converts configuration to the schema's types; a
        // primitive of another kind is converted as Terraform would.
        (Kind::Number(n), Type::String) => write_str(out, &n.to_decimal_string()),
        (Kind::Bool(b), Type::String) => write_str(out, if *b { "true" } else { "false" }),
        (Kind::String(s), Type::Number) => match Number::parse(s) {
            Some(n) => write_number(out, &n),
            None => return err(format!("{s:?} is not a number")),
        },
        (Kind::String(s), Type::Bool) if s == "true" || s == "false" => {
            out.push(if s == "true" { 0xc3 } else { 0xc2 })
        }
        (_, ty) => {
            return err(format!(
                "a {} value where the schema wants {}",
                value.ty().friendly_name(),
                ty.friendly_name()
            ))
        }
    }
    Ok(())
}

fn write_number(out: &mut Vec<u8>, n: &Number) {
    if n.is_integer() {
        if let Some(i) = n.to_i64() {
            write_int(out, i);
            return;
        }
    }
    let f = n.to_f64();
    if Number::from_f64(f).is_some_and(|back| back == *n) {
        out.push(0xcb);
        out.extend_from_slice(&f.to_be_bytes());
        return;
    }
    write_str(out, &n.to_decimal_string());
}

fn write_int(out: &mut Vec<u8>, i: i64) {
    match i {
        0..=0x7f => out.push(i as u8),
        -32..=-1 => out.push(i as i8 as u8),
        0x80..=0xff => out.extend_from_slice(&[0xcc, i as u8]),
        0x100..=0xffff => {
            out.push(0xcd);
            out.extend_from_slice(&(i as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(0xce);
            out.extend_from_slice(&(i as u32).to_be_bytes());
        }
        _ if i > 0 => {
            out.push(0xcf);
            out.extend_from_slice(&(i as u64).to_be_bytes());
        }
        -128..=-33 => out.extend_from_slice(&[0xd0, i as i8 as u8]),
        -32768..=-129 => {
            out.push(0xd1);
            out.extend_from_slice(&(i as i16).to_be_bytes());
        }
        -2147483648..=-32769 => {
            out.push(0xd2);
            out.extend_from_slice(&(i as i32).to_be_bytes());
        }
        _ => {
            out.push(0xd3);
            out.extend_from_slice(&i.to_be_bytes());
        }
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    let len = s.len();
    match len {
        0..=31 => out.push(0xa0 | len as u8),
        32..=0xff => out.extend_from_slice(&[0xd9, len as u8]),
        0x100..=0xffff => {
            out.push(0xda);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(0xdb);
            out.extend_from_slice(&(len as u32).to_be_bytes());
        }
    }
    out.extend_from_slice(s.as_bytes());
}

fn write_bin(out: &mut Vec<u8>, b: &[u8]) {
    let len = b.len();
    match len {
        0..=0xff => out.extend_from_slice(&[0xc4, len as u8]),
        0x100..=0xffff => {
            out.push(0xc5);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(0xc6);
            out.extend_from_slice(&(len as u32).to_be_bytes());
        }
    }
    out.extend_from_slice(b);
}

fn write_array_len(out: &mut Vec<u8>, len: usize) {
    match len {
        0..=15 => out.push(0x90 | len as u8),
        16..=0xffff => {
            out.push(0xdc);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(0xdd);
            out.extend_from_slice(&(len as u32).to_be_bytes());
        }
    }
}

fn write_map_len(out: &mut Vec<u8>, len: usize) {
    match len {
        0..=15 => out.push(0x80 | len as u8),
        16..=0xffff => {
            out.push(0xde);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(0xdf);
            out.extend_from_slice(&(len as u32).to_be_bytes());
        }
    }
}

/// One MessagePack item's head.
enum Head<'a> {
    Nil,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(&'a [u8]),
    Bin(&'a [u8]),
    Array(usize),
    Map(usize),
    Ext,
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], MsgpackError> {
        if self.at + n > self.bytes.len() {
            return err("the value is cut short");
        }
        let out = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(out)
    }

    fn uint(&mut self, n: usize) -> Result<u64, MsgpackError> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    fn head(&mut self) -> Result<Head<'a>, MsgpackError> {
        let b = self.take(1)?[0];
        Ok(match b {
            0x00..=0x7f => Head::Int(i128::from(b)),
            0x80..=0x8f => Head::Map(usize::from(b & 0x0f)),
            0x90..=0x9f => Head::Array(usize::from(b & 0x0f)),
            0xa0..=0xbf => Head::Str(self.take(usize::from(b & 0x1f))?),
            0xc0 => Head::Nil,
            0xc2 => Head::Bool(false),
            0xc3 => Head::Bool(true),
            0xc4..=0xc6 => {
                let n = self.uint(1 << (b - 0xc4))? as usize;
                Head::Bin(self.take(n)?)
            }
            0xc7..=0xc9 => {
                let n = self.uint(1 << (b - 0xc7))? as usize;
                self.take(1 + n)?;
                Head::Ext
            }
            0xca => Head::Float(f64::from(f32::from_bits(self.uint(4)? as u32))),
            0xcb => Head::Float(f64::from_bits(self.uint(8)?)),
            0xcc..=0xcf => Head::Int(i128::from(self.uint(1 << (b - 0xcc))?)),
            0xd0 => Head::Int(i128::from(self.take(1)?[0] as i8)),
            0xd1 => Head::Int(i128::from(self.uint(2)? as u16 as i16)),
            0xd2 => Head::Int(i128::from(self.uint(4)? as u32 as i32)),
            0xd3 => Head::Int(i128::from(self.uint(8)? as i64)),
            0xd4..=0xd8 => {
                self.take(1 + (1 << (b - 0xd4)))?;
                Head::Ext
            }
            0xd9..=0xdb => {
                let n = self.uint(1 << (b - 0xd9))? as usize;
                Head::Str(self.take(n)?)
            }
            0xdc | 0xdd => Head::Array(self.uint(if b == 0xdc { 2 } else { 4 })? as usize),
            0xde | 0xdf => Head::Map(self.uint(if b == 0xde { 2 } else { 4 })? as usize),
            0xe0..=0xff => Head::Int(i128::from(b as i8)),
            0xc1 => return err("byte 0xc1 is never used in MessagePack"),
        })
    }

    fn string(&mut self) -> Result<String, MsgpackError> {
        match self.head()? {
            Head::Str(s) => String::from_utf8(s.to_vec()).map_err(|e| MsgpackError(e.to_string())),
            _ => err("a map key that is not a string"),
        }
    }

    fn value(&mut self, ty: &Type) -> Result<Value, MsgpackError> {
        let head = self.head()?;
        match head {
            Head::Nil => return Ok(Value::null(ty.clone())),
            Head::Ext => return Ok(Value::unknown(ty.clone())),
            _ => {}
        }
        if *ty == Type::Dynamic {
            let Head::Array(2) = head else {
                return err("a dynamic value that is not a [type, value] pair");
            };
            let type_json = match self.head()? {
                Head::Bin(b) | Head::Str(b) => b,
                _ => return err("a dynamic value's type is not bytes"),
            };
            let actual = serde_json::from_slice(type_json)
                .map_err(|e| MsgpackError(e.to_string()))
                .and_then(|j| type_from_json(&j).map_err(|e| MsgpackError(e.to_string())))?;
            return self.value(&actual);
        }
        Ok(match (head, ty) {
            (Head::Bool(b), Type::Bool) => Value::bool(b),
            (Head::Int(i), Type::Number) => {
                Value::number(Number::parse(&i.to_string()).expect("an integer's text parses"))
            }
            (Head::Float(f), Type::Number) => match Number::from_f64(f) {
                Some(n) => Value::number(n),
                None => return err("NaN is not a number"),
            },
            (Head::Str(s), Type::Number) => {
                let text = std::str::from_utf8(s).map_err(|e| MsgpackError(e.to_string()))?;
                match Number::parse(text) {
                    Some(n) => Value::number(n),
                    None => return err(format!("{text:?} is not a number")),
                }
            }
            (Head::Str(s), Type::String) => Value::string(
                String::from_utf8(s.to_vec()).map_err(|e| MsgpackError(e.to_string()))?,
            ),
            (Head::Array(n), Type::List(e)) => {
                let items = (0..n).map(|_| self.value(e)).collect::<Result<_, _>>()?;
                Value::list((**e).clone(), items)
            }
            (Head::Array(n), Type::Set(e)) => {
                let items = (0..n).map(|_| self.value(e)).collect::<Result<_, _>>()?;
                Value::set((**e).clone(), items)
            }
            (Head::Array(n), Type::Tuple(types)) if n == types.len() => Value::tuple(
                types
                    .iter()
                    .map(|t| self.value(t))
                    .collect::<Result<_, _>>()?,
            ),
            (Head::Map(n), Type::Map(e)) => {
                let mut entries = BTreeMap::new();
                for _ in 0..n {
                    let k = self.string()?;
                    entries.insert(k, self.value(e)?);
                }
                Value::map((**e).clone(), entries)
            }
            (Head::Map(n), Type::Object(o)) => {
                let mut attributes = BTreeMap::new();
                for _ in 0..n {
                    let k = self.string()?;
                    let Some(t) = o.attributes.get(&k) else {
                        return err(format!("unexpected attribute {k:?}"));
                    };
                    attributes.insert(k, self.value(t)?);
                }
                for (name, t) in &o.attributes {
                    attributes
                        .entry(name.clone())
                        .or_insert_with(|| Value::null(t.clone()));
                }
                Value::object(attributes)
            }
            (_, ty) => return err(format!("a value that is not {}", ty.friendly_name())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(pairs: &[(&str, Value)]) -> Value {
        Value::object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<strata_types::Fields>(),
        )
    }

    #[test]
    fn values_round_trip_through_their_types() {
        let ty = Type::object(
            [
                ("id".to_string(), Type::String),
                ("count".to_string(), Type::Number),
                ("tags".to_string(), Type::map(Type::String)),
                ("ports".to_string(), Type::set(Type::Number)),
                ("ok".to_string(), Type::Bool),
                ("anything".to_string(), Type::Dynamic),
                ("later".to_string(), Type::String),
            ]
            .into_iter()
            .collect(),
        );
        let value = object(&[
            ("id", Value::string("i-123")),
            ("count", Value::number(Number::parse("1.5").unwrap())),
            (
                "tags",
                Value::map(
                    Type::String,
                    [("team".to_string(), Value::string("ml"))]
                        .into_iter()
                        .collect::<strata_types::Fields>(),
                ),
            ),
            (
                "ports",
                Value::set(Type::Number, vec![Value::int(443), Value::int(-80000)]),
            ),
            ("ok", Value::bool(true)),
            (
                "anything",
                Value::tuple(vec![Value::string("a"), Value::int(1)]),
            ),
            ("later", Value::unknown(Type::String)),
        ]);
        let bytes = encode(&value, &ty).unwrap();
        assert_eq!(decode(&bytes, &ty).unwrap(), value);
    }

    #[test]
    fn numbers_take_the_narrowest_exact_form() {
        let int = encode(&Value::int(300), &Type::Number).unwrap();
        assert_eq!(int, vec![0xcd, 0x01, 0x2c]);
        let float = encode(&Value::number(Number::parse("0.5").unwrap()), &Type::Number).unwrap();
        assert_eq!(float[0], 0xcb);
        let third = Number::parse("0.1").unwrap();
        let text = encode(&Value::number(third.clone()), &Type::Number).unwrap();
        assert_eq!(
            text[0] & 0xe0,
            0xa0,
            "0.1 is not exact in 64 bits: {text:?}"
        );
        assert_eq!(decode(&text, &Type::Number).unwrap(), Value::number(third));
        let big = Number::parse("18446744073709551616").unwrap();
        let bytes = encode(&Value::number(big.clone()), &Type::Number).unwrap();
        assert_eq!(decode(&bytes, &Type::Number).unwrap(), Value::number(big));
    }

    #[test]
    fn unknowns_refined_or_not_decode_as_unknown() {
        assert_eq!(
            decode(&[0xd4, 0, 0], &Type::String).unwrap(),
            Value::unknown(Type::String)
        );
        // Extension 12 with a map of refinements.
        assert_eq!(
            decode(&[0xc7, 3, 12, 0x81, 0x01, 0xc3], &Type::String).unwrap(),
            Value::unknown(Type::String)
        );
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(decode(&[0x92, 0x01], &Type::list(Type::Number)).is_err());
        assert!(decode(&[0xc1], &Type::String).is_err());
        assert!(decode(&[0xa1, b'x', 0], &Type::String).is_err());
        assert!(decode(&[0x81, 0xa1, b'z', 0x01], &Type::object(BTreeMap::new())).is_err());
    }
}
