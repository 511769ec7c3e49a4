//! Values as Terraform has them: null, bool, exact numbers, strings, lists,
//! sets, maps, objects and tuples; plus *unknown* values ("known after
//! apply", typed) and the *sensitive* mark, carried on any value at any
//! depth.
//!
//! Values are immutable; operations that combine values live in the
//! language crate (operators, conversion, functions). This module owns only
//! the shape, the type of a value, equality and ordering of set elements.

use crate::field_map::FieldMap;
use crate::number::Number;
use crate::ty::Type;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: Kind,
    pub sensitive: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Null(Type),
    Unknown(Type),
    Bool(bool),
    Number(Number),
    String(String),
    /// Elements all of the element type.
    List(Type, Elements),
    /// Elements sorted by [`Value::set_order`] and deduplicated.
    Set(Type, Elements),
    Map(Type, Fields),
    Object(Fields),
    Tuple(Elements),
}

/// `s` in normal form C; unchanged (and not copied) when it already is.
fn nfc(s: String) -> String {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    if s.is_ascii() || is_nfc_quick(s.chars()) == IsNormalized::Yes {
        s
    } else {
        s.nfc().collect()
    }
}

impl From<Kind> for Value {
    fn from(kind: Kind) -> Value {
        Value {
            kind,
            sensitive: false,
        }
    }
}

impl Value {
    pub fn null(ty: Type) -> Value {
        Kind::Null(ty).into()
    }
    pub fn dynamic_null() -> Value {
        Kind::Null(Type::Dynamic).into()
    }
    pub fn unknown(ty: Type) -> Value {
        Kind::Unknown(ty).into()
    }
    pub fn bool(b: bool) -> Value {
        Kind::Bool(b).into()
    }
    pub fn number(n: Number) -> Value {
        Kind::Number(n).into()
    }
    pub fn int(i: i64) -> Value {
        Kind::Number(Number::from_i64(i)).into()
    }
    /// A string, in Unicode normal form C as Terraform keeps every string
    /// (`"e\u0301" == "\u00e9"` is true).
    pub fn string(s: impl Into<String>) -> Value {
        Kind::String(nfc(s.into())).into()
    }
    pub fn tuple(elements: Vec<Value>) -> Value {
        Kind::Tuple(elements.into()).into()
    }
    pub fn object(attributes: impl Into<Fields>) -> Value {
        Kind::Object(attributes.into()).into()
    }
    pub fn empty_object() -> Value {
        Kind::Object(Fields::new()).into()
    }

    /// A list; the element type is taken from the elements (which must
    /// already agree) or given for an empty list.
    pub fn list(element_type: Type, elements: Vec<Value>) -> Value {
        let ty = elements.first().map(Value::ty).unwrap_or(element_type);
        Kind::List(ty, elements.into()).into()
    }

    pub fn map(element_type: Type, elements: impl Into<Fields>) -> Value {
        let elements: Fields = elements.into();
        let ty = elements
            .values()
            .next()
            .map(Value::ty)
            .unwrap_or(element_type);
        Kind::Map(ty, elements).into()
    }

    /// A set: elements are sorted and duplicates dropped.
    pub fn set(element_type: Type, mut elements: Vec<Value>) -> Value {
        let ty = elements.first().map(Value::ty).unwrap_or(element_type);
        elements.sort_by(Value::set_order);
        elements.dedup_by(|a, b| a.set_order(b) == Ordering::Equal);
        Kind::Set(ty, elements.into()).into()
    }

    pub fn mark_sensitive(mut self, sensitive: bool) -> Value {
        self.sensitive |= sensitive;
        self
    }

    pub fn with_sensitive(mut self, sensitive: bool) -> Value {
        self.sensitive = sensitive;
        self
    }

    pub fn ty(&self) -> Type {
        match &self.kind {
            Kind::Null(t) | Kind::Unknown(t) => t.clone(),
            Kind::Bool(_) => Type::Bool,
            Kind::Number(_) => Type::Number,
            Kind::String(_) => Type::String,
            Kind::List(t, _) => Type::list(t.clone()),
            Kind::Set(t, _) => Type::set(t.clone()),
            Kind::Map(t, _) => Type::map(t.clone()),
            Kind::Object(attributes) => Type::object(
                attributes
                    .iter()
                    .map(|(k, v)| (k.clone(), v.ty()))
                    .collect(),
            ),
            Kind::Tuple(elements) => Type::Tuple(elements.iter().map(Value::ty).collect()),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null(_))
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, Kind::Unknown(_))
    }

    /// True when neither this value nor anything inside it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match &self.kind {
            Kind::Unknown(_) => false,
            Kind::List(_, e) | Kind::Set(_, e) | Kind::Tuple(e) => {
                e.iter().all(Value::is_wholly_known)
            }
            Kind::Map(_, m) | Kind::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// True when this value or anything inside it is marked sensitive.
    pub fn contains_sensitive(&self) -> bool {
        self.sensitive
            || match &self.kind {
                Kind::List(_, e) | Kind::Set(_, e) | Kind::Tuple(e) => {
                    e.iter().any(Value::contains_sensitive)
                }
                Kind::Map(_, m) | Kind::Object(m) => m.values().any(Value::contains_sensitive),
                _ => false,
            }
    }

    /// The value with every sensitive mark removed, and whether it had any.
    pub fn unmark_deep(&self) -> (Value, bool) {
        let mut had = self.sensitive;
        let kind = match &self.kind {
            Kind::List(t, e) => Kind::List(t.clone(), unmark_all(e, &mut had).into()),
            Kind::Set(t, e) => Kind::Set(t.clone(), unmark_all(e, &mut had).into()),
            Kind::Tuple(e) => Kind::Tuple(unmark_all(e, &mut had).into()),
            Kind::Map(t, m) => Kind::Map(t.clone(), unmark_map(m, &mut had).into()),
            Kind::Object(m) => Kind::Object(unmark_map(m, &mut had).into()),
            other => other.clone(),
        };
        (
            Value {
                kind,
                sensitive: false,
            },
            had,
        )
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match &self.kind {
            Kind::Number(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Elements of a list, set or tuple.
    pub fn as_sequence(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::List(_, e) | Kind::Set(_, e) | Kind::Tuple(e) => Some(e),
            _ => None,
        }
    }

    /// Elements of a map or object.
    pub fn as_mapping(&self) -> Option<&FieldMap<Value>> {
        match &self.kind {
            Kind::Map(_, m) | Kind::Object(m) => Some(m),
            _ => None,
        }
    }

    /// A total order used to store set elements canonically: by type name
    /// first, then strings lexically, numbers numerically, bools false
    /// first; unknowns after known values.
    pub fn set_order(&self, other: &Value) -> Ordering {
        fn rank(v: &Value) -> u8 {
            match v.kind {
                Kind::Null(_) => 6,
                Kind::Unknown(_) => 7,
                Kind::Bool(_) => 0,
                Kind::Number(_) => 1,
                Kind::String(_) => 2,
                Kind::List(..) | Kind::Set(..) | Kind::Tuple(_) => 3,
                Kind::Map(..) | Kind::Object(_) => 4,
            }
        }
        match (&self.kind, &other.kind) {
            (Kind::String(a), Kind::String(b)) => a.cmp(b),
            (Kind::Number(a), Kind::Number(b)) => a.cmp_value(b),
            (Kind::Bool(a), Kind::Bool(b)) => a.cmp(b),
            (Kind::List(_, a), Kind::List(_, b))
            | (Kind::Set(_, a), Kind::Set(_, b))
            | (Kind::Tuple(a), Kind::Tuple(b)) => {
                for (x, y) in a.iter().zip(b) {
                    let o = x.set_order(y);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                a.len().cmp(&b.len())
            }
            (Kind::Map(_, a), Kind::Map(_, b)) | (Kind::Object(a), Kind::Object(b)) => {
                for ((ka, va), (kb, vb)) in a.iter().zip(b) {
                    let o = ka.cmp(kb).then_with(|| va.set_order(vb));
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                a.len().cmp(&b.len())
            }
            (Kind::Unknown(_), Kind::Unknown(_)) => Ordering::Less,
            _ => rank(self).cmp(&rank(other)),
        }
        .then_with(|| self.sensitive.cmp(&other.sensitive))
    }
}

fn unmark_all(elements: &[Value], had: &mut bool) -> Vec<Value> {
    elements
        .iter()
        .map(|e| {
            let (v, h) = e.unmark_deep();
            *had |= h;
            v
        })
        .collect()
}

fn unmark_map(elements: &FieldMap<Value>, had: &mut bool) -> FieldMap<Value> {
    elements
        .iter()
        .map(|(k, e)| {
            let (v, h) = e.unmark_deep();
            *had |= h;
            (k.clone(), v)
        })
        .collect()
}

/// A part of a value shared rather than copied. Values are copied often:
/// a resource's value sits in the prior state, the evaluation context, the
/// plan's before and after. A copy is a reference count; a change to one
/// makes it its own first (copy on write), so sharing never shows.
#[derive(Clone, Default)]
pub struct Shared<T>(Arc<T>);

impl<T: Clone> Shared<T> {
    /// What is shared, copied only when it is shared.
    pub fn into_inner(self) -> T {
        Arc::unwrap_or_clone(self.0)
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone> std::ops::DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut T {
        Arc::make_mut(&mut self.0)
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Shared<T>) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<T> From<T> for Shared<T> {
    fn from(inner: T) -> Shared<T> {
        Shared(Arc::new(inner))
    }
}

/// The attributes of an object value, or the elements of a map value.
pub type Fields = Shared<FieldMap<Value>>;

/// The elements of a list, set or tuple value.
pub type Elements = Shared<Vec<Value>>;

impl Fields {
    pub fn new() -> Fields {
        Fields::default()
    }

    /// The map, copied only when it is shared.
    pub fn into_map(self) -> FieldMap<Value> {
        self.into_inner()
    }
}

impl Elements {
    pub fn new() -> Elements {
        Elements::default()
    }

    /// The elements, copied only when they are shared.
    pub fn into_vec(self) -> Vec<Value> {
        self.into_inner()
    }
}

impl From<BTreeMap<String, Value>> for Fields {
    fn from(map: BTreeMap<String, Value>) -> Fields {
        FieldMap::from(map).into()
    }
}

impl FromIterator<(String, Value)> for Fields {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Fields {
        iter.into_iter().collect::<FieldMap<Value>>().into()
    }
}

impl FromIterator<Value> for Elements {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Elements {
        iter.into_iter().collect::<Vec<Value>>().into()
    }
}

impl IntoIterator for Fields {
    type Item = (String, Value);
    type IntoIter = crate::field_map::IntoIter<Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_map().into_iter()
    }
}

impl<'a> IntoIterator for &'a Fields {
    type Item = (&'a String, &'a Value);
    type IntoIter = crate::field_map::Iter<'a, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for Elements {
    type Item = Value;
    type IntoIter = std::vec::IntoIter<Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
}

impl<'a> IntoIterator for &'a Elements {
    type Item = &'a Value;
    type IntoIter = std::slice::Iter<'a, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod fields_tests {
    use super::*;

    #[test]
    fn a_copy_is_shared_until_one_side_changes() {
        let mut a: Fields = [("x".to_string(), Value::int(1))].into_iter().collect();
        let b = a.clone();
        assert!(Arc::ptr_eq(&a.0, &b.0));
        a.insert("y".into(), Value::int(2));
        assert_eq!(a.len(), 2);
        assert_eq!(b.len(), 1, "the copy keeps what it had");
        assert_ne!(a, b);
        let c = b.clone();
        assert_eq!(b.into_map().len(), 1);
        assert_eq!(c.len(), 1);
    }
}

#[cfg(test)]
mod elements_tests {
    use super::*;

    #[test]
    fn a_copy_of_elements_is_shared_until_one_side_changes() {
        let mut a: Elements = vec![Value::int(1)].into();
        let b = a.clone();
        assert!(Arc::ptr_eq(&a.0, &b.0));
        a.push(Value::int(2));
        assert_eq!((a.len(), b.len()), (2, 1), "the copy keeps what it had");
        assert_ne!(a, b);
        let c = b.clone();
        assert_eq!(b.into_vec(), vec![Value::int(1)]);
        assert_eq!(c.len(), 1);
    }
}

#[cfg(test)]
mod size_tests {
    /// A large state is mostly values: their size is held to what it is.
    #[test]
    fn a_value_takes_six_words() {
        assert_eq!(std::mem::size_of::<super::Value>(), 48);
    }
}
