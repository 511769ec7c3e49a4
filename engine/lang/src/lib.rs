//! The Terraform language: parsing HCL into a syntax tree with spans,
//! evaluating expressions with Terraform's value semantics and function
//! library, loading a stack's configuration (files, variables, tfvars) and
//! validating it, and the canonical formatter.
//!
//! This crate is silent (no printing, no environment reads: callers pass
//! what it needs) and knows nothing about providers, state or the CLI.

pub mod ast;
pub mod config;
pub mod convert;
pub mod eval;
pub mod fmt;
pub mod format;
pub mod functions;
pub mod fuzzing;
pub mod json_config;
pub mod lexer;
pub mod lockfile;
pub mod modules;
pub mod overrides;
pub mod parser;
pub mod requirements;
pub mod stack;
pub mod suggest;
pub mod template;
pub mod testfile;
pub mod types;
pub mod versions;
