//! Foundation types shared by every Strata crate: values and their types,
//! exact numbers, diagnostics and source spans.
//!
//! This crate knows nothing about HCL syntax, evaluation, providers, state
//! or the CLI; it has no I/O.

pub mod codes;
pub mod diagnostic;
pub mod field_map;
pub mod function;
pub mod json;
pub mod number;
pub mod parallel;
pub mod time;
pub mod ty;
pub mod value;

pub use diagnostic::{Diagnostic, Diagnostics, Severity, SourceFile, SourceMap, Span};
pub use field_map::FieldMap;
pub use number::Number;
pub use ty::{ObjectType, Type};
pub use value::{Elements, Fields, Kind, Value};
