//! An instance's attributes as compact JSON text.
//!
//! A state holds one attribute document per instance, and a large state
//! is mostly these. Kept as parsed JSON they cost about three times the
//! file (a tree of maps and strings); kept as compact text they cost less
//! than the file. The engine decodes them by the provider's schema when it
//! needs the values, and the state is written from the text again.
//!
//! The text is canonical (what [`serde_json::to_string`] gives for the
//! parsed value: keys sorted, no layout), so equal attributes are equal
//! text and the state's bytes stay a function of its content.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// Shared: a copy of a state (a snapshot written while an apply goes on)
/// shares its attributes' text.
#[derive(Clone, Debug)]
pub struct Attributes(std::sync::Arc<RawValue>);

impl Attributes {
    /// The attributes of `value`.
    pub fn from_json(value: &serde_json::Value) -> Attributes {
        Attributes(
            serde_json::value::to_raw_value(value)
                .expect("JSON serializes")
                .into(),
        )
    }

    /// The attributes parsed.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::from_str(self.0.get()).expect("attributes hold valid JSON")
    }

    /// The attributes parsed as `T`.
    fn parse<'a, T: Deserialize<'a>>(&'a self) -> serde_json::Result<T> {
        serde_json::from_str(self.0.get())
    }

    /// The `id` attribute, when it is a string.
    pub fn id(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct Id {
            id: Option<serde_json::Value>,
        }
        match self.parse::<Id>().ok()?.id? {
            serde_json::Value::String(id) => Some(id),
            _ => None,
        }
    }

    /// The compact JSON text.
    pub fn text(&self) -> &str {
        self.0.get()
    }

    /// Attributes from JSON text in any layout.
    pub fn from_text(text: &str) -> serde_json::Result<Attributes> {
        match compact(text) {
            Some(compact) => Ok(Attributes(RawValue::from_string(compact)?.into())),
            None => Ok(Attributes::from_json(&serde_json::from_str(text)?)),
        }
    }
}

impl From<serde_json::Value> for Attributes {
    fn from(value: serde_json::Value) -> Attributes {
        Attributes::from_json(&value)
    }
}

impl PartialEq for Attributes {
    fn eq(&self, other: &Attributes) -> bool {
        self.text() == other.text()
    }
}

impl Serialize for Attributes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Attributes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Attributes, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        Attributes::from_text(raw.get()).map_err(serde::de::Error::custom)
    }
}

/// `text` (valid JSON) without layout, when that is already canonical:
/// `None` when a string holds an escape or an object's keys are not in
/// strictly increasing order, which a parse and write puts right.
fn compact(text: &str) -> Option<String> {
    /// An open bracket; for an object, its last key's range in `out`.
    enum Open {
        Array,
        Object(Option<(usize, usize)>),
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut open: Vec<Open> = Vec::new();
    let mut expect_key = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b' ' | b'\n' | b'\r' | b'\t' => {}
            b'"' => {
                let end = i + 1 + bytes[i + 1..].iter().position(|&c| c == b'"')?;
                let body = &bytes[i + 1..end];
                if body.contains(&b'\\') {
                    return None;
                }
                let start = out.len() + 1;
                out.extend_from_slice(&bytes[i..=end]);
                if expect_key {
                    expect_key = false;
                    let Some(Open::Object(last)) = open.last_mut() else {
                        return None;
                    };
                    if let Some((s, e)) = *last {
                        if out[s..e] >= out[start..out.len() - 1] {
                            return None;
                        }
                    }
                    *last = Some((start, out.len() - 1));
                }
                i = end;
            }
            b'{' | b'[' => {
                open.push(if b == b'{' {
                    Open::Object(None)
                } else {
                    Open::Array
                });
                expect_key = b == b'{';
                out.push(b);
            }
            b'}' | b']' => {
                open.pop();
                expect_key = false;
                out.push(b);
            }
            b',' => {
                expect_key = matches!(open.last(), Some(Open::Object(_)));
                out.push(b);
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Appends `compact` (JSON without layout) to `out` laid out as
/// [`serde_json::to_vec_pretty`] lays it out, nested `depth` levels deep.
pub(crate) fn write_pretty(out: &mut Vec<u8>, compact: &[u8], mut depth: usize) {
    fn newline(out: &mut Vec<u8>, depth: usize) {
        out.push(b'\n');
        out.resize(out.len() + 2 * depth, b' ');
    }
    let mut i = 0;
    while i < compact.len() {
        let b = compact[i];
        match b {
            b'"' => {
                let mut j = i + 1;
                while compact[j] != b'"' {
                    j += if compact[j] == b'\\' { 2 } else { 1 };
                }
                out.extend_from_slice(&compact[i..=j]);
                i = j;
            }
            b'{' | b'[' => {
                out.push(b);
                if matches!(compact.get(i + 1), Some(b'}' | b']')) {
                    out.push(compact[i + 1]);
                    i += 1;
                } else {
                    depth += 1;
                    newline(out, depth);
                }
            }
            b'}' | b']' => {
                depth -= 1;
                newline(out, depth);
                out.push(b);
            }
            b',' => {
                out.push(b);
                newline(out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            _ => out.push(b),
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn layout_is_dropped_and_put_back_as_serde_json_lays_it_out() {
        let values = [
            json!({"a": 1, "b": [1, 2, {"c": null}], "d": {}, "e": [], "f": "x, y: {z}"}),
            json!([]),
            json!("plain"),
            json!({"id": "i-1", "tags": {"Name": "n"}, "list": [[], [[]], {}]}),
            json!(1.5e300),
        ];
        for v in values {
            let pretty = serde_json::to_string_pretty(&v).unwrap();
            let a = Attributes::from_text(&pretty).unwrap();
            assert_eq!(a.text(), serde_json::to_string(&v).unwrap());
            assert_eq!(a, Attributes::from_json(&v));
            let mut out = Vec::new();
            write_pretty(&mut out, a.text().as_bytes(), 0);
            assert_eq!(String::from_utf8(out).unwrap(), pretty);
        }
    }

    #[test]
    fn text_that_is_not_canonical_is_written_canonically() {
        for (text, canonical) in [
            (r#"{"b": 1, "a": 2}"#, r#"{"a":2,"b":1}"#),
            (r#"{"a": 1, "a": 2}"#, r#"{"a":2}"#),
            (r#"{"x": "\u0041\n"}"#, r#"{"x":"A\n"}"#),
            (r#"[{"b": 1, "a": 2}]"#, r#"[{"a":2,"b":1}]"#),
            (
                r#"{"a": {"z": 1}, "b": {"y": 2, "x": 1}}"#,
                r#"{"a":{"z":1},"b":{"x":1,"y":2}}"#,
            ),
        ] {
            assert_eq!(
                Attributes::from_text(text).unwrap().text(),
                canonical,
                "{text}"
            );
        }
        // Escapes are written back as written.
        let mut out = Vec::new();
        write_pretty(&mut out, br#"{"q":"a\"b, c: {d}"}"#, 0);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\n  \"q\": \"a\\\"b, c: {d}\"\n}"
        );
    }
}
