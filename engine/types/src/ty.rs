//! Types of values, as Terraform's type system has them.
//!
//! `Dynamic` is the `any` placeholder: in a constraint it accepts any type,
//! and it is the type of a value whose type is not known yet. Object types
//! may mark attributes optional, which only matters for type constraints.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Type {
    #[default]
    Dynamic,
    Bool,
    Number,
    String,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(std::sync::Arc<ObjectType>),
    Tuple(Vec<Type>),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectType {
    pub attributes: BTreeMap<String, Type>,
    pub optional: BTreeSet<String>,
}

impl Type {
    pub fn object(attributes: BTreeMap<String, Type>) -> Type {
        Type::Object(std::sync::Arc::new(ObjectType {
            attributes,
            optional: BTreeSet::new(),
        }))
    }

    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::Bool | Type::Number | Type::String)
    }

    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Set(_) | Type::Map(_))
    }

    /// The element type of a list, set or map.
    pub fn element(&self) -> Option<&Type> {
        match self {
            Type::List(e) | Type::Set(e) | Type::Map(e) => Some(e),
            _ => None,
        }
    }

    /// True when the type contains no `Dynamic` placeholder anywhere.
    pub fn is_fully_known(&self) -> bool {
        match self {
            Type::Dynamic => false,
            Type::Bool | Type::Number | Type::String => true,
            Type::List(e) | Type::Set(e) | Type::Map(e) => e.is_fully_known(),
            Type::Object(o) => o.attributes.values().all(Type::is_fully_known),
            Type::Tuple(t) => t.iter().all(Type::is_fully_known),
        }
    }

    /// The name Terraform uses in messages: "string", "list of number",
    /// "object", "tuple".
    pub fn friendly_name(&self) -> String {
        match self {
            Type::Dynamic => "dynamic".into(),
            Type::Bool => "bool".into(),
            Type::Number => "number".into(),
            Type::String => "string".into(),
            Type::List(e) => format!("list of {}", e.friendly_name()),
            Type::Set(e) => format!("set of {}", e.friendly_name()),
            Type::Map(e) => format!("map of {}", e.friendly_name()),
            Type::Object(_) => "object".into(),
            Type::Tuple(_) => "tuple".into(),
        }
    }
}

/// Renders the type in Terraform's type-constraint syntax, as `type()`
/// prints it.
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_type(f, self, 0)
    }
}

fn write_type(f: &mut fmt::Formatter<'_>, ty: &Type, indent: usize) -> fmt::Result {
    match ty {
        Type::Dynamic => f.write_str("dynamic"),
        Type::Bool => f.write_str("bool"),
        Type::Number => f.write_str("number"),
        Type::String => f.write_str("string"),
        Type::List(e) => {
            f.write_str("list(")?;
            write_type(f, e, indent)?;
            f.write_str(")")
        }
        Type::Set(e) => {
            f.write_str("set(")?;
            write_type(f, e, indent)?;
            f.write_str(")")
        }
        Type::Map(e) => {
            f.write_str("map(")?;
            write_type(f, e, indent)?;
            f.write_str(")")
        }
        Type::Object(o) => {
            if o.attributes.is_empty() {
                return f.write_str("object({})");
            }
            f.write_str("object({\n")?;
            for (name, attribute_type) in &o.attributes {
                write!(f, "{:width$}{name}: ", "", width = indent + 4)?;
                write_type(f, attribute_type, indent + 4)?;
                f.write_str(",\n")?;
            }
            write!(f, "{:width$}}})", "", width = indent)
        }
        Type::Tuple(elements) => {
            if elements.is_empty() {
                return f.write_str("tuple([])");
            }
            f.write_str("tuple([\n")?;
            for element in elements {
                write!(f, "{:width$}", "", width = indent + 4)?;
                write_type(f, element, indent + 4)?;
                f.write_str(",\n")?;
            }
            write!(f, "{:width$}])", "", width = indent)
        }
    }
}
