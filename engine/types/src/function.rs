//! The signature of a function a provider offers
//! (`provider::NAME::FUNCTION(…)`): what the provider declares and what the
//! language checks a call's arguments against.

use crate::ty::Type;

/// One parameter of a provider function.
#[derive(Clone, Debug)]
pub struct Parameter {
    pub name: String,
    pub ty: Type,
    pub allow_null: bool,
    /// When false, an unknown argument makes the result unknown without
    /// a call.
    pub allow_unknown: bool,
}

#[derive(Clone, Debug)]
pub struct Signature {
    pub params: Vec<Parameter>,
    pub variadic: Option<Parameter>,
    pub ret: Type,
}
