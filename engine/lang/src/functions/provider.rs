//! Provider-defined functions: `provider::NAME::FUNCTION(…)` calls a
//! function a provider of the module offers, by the provider's local
//! name. The language checks the arguments against the function's
//! signature (count, type, null, unknown) as Terraform does; the call
//! itself is the caller's ([`ProviderFunctions`]).

use crate::convert::convert;
use std::sync::Arc;
use strata_types::{Diagnostic, Span, Type, Value};

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

/// The provider functions a module can call.
pub trait ProviderFunctions: Send + Sync {
    /// The signature of `provider::PROVIDER::NAME`, when the module's
    /// provider of that local name offers it.
    fn signature(&self, provider: &str, name: &str) -> Option<Signature>;
    /// Calls it with arguments already checked; on failure the message and,
    /// when one argument is at fault, its position.
    fn call(
        &self,
        provider: &str,
        name: &str,
        args: Vec<Value>,
    ) -> Result<Value, (String, Option<usize>)>;
}

/// [`crate::functions::FunctionEnv`]'s provider functions: none by
/// default.
#[derive(Clone, Default)]
pub struct Handle(pub Option<Arc<dyn ProviderFunctions>>);

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "ProviderFunctions"
        } else {
            "NoProviderFunctions"
        })
    }
}

fn error(code: &'static str, summary: &str, detail: String, span: Span) -> Diagnostic {
    Diagnostic::error(code, summary, detail, span)
}

/// Calls `provider::PROVIDER::NAME` (`full` is the whole name).
pub(crate) fn call(
    full: &str,
    (name_span, span): (Span, Span),
    args: &[Value],
    arg_spans: &[Span],
    functions: &Handle,
) -> Result<Value, Diagnostic> {
    let mut parts = full.splitn(3, "::").skip(1);
    let (Some(provider), Some(name)) = (parts.next(), parts.next()) else {
        return Err(error(
            strata_types::codes::INVALID_FUNCTION_NAME,
            "Invalid function name",
            format!("{full:?} is not a provider function name: write provider::NAME::FUNCTION."),
            name_span,
        ));
    };
    let unknown = || {
        Diagnostic::error(
            strata_types::codes::UNKNOWN_FUNCTION,
            "Call to unknown function",
            format!("There is no function named \"{full}\": no provider of this module with the local name \"{provider}\" offers a function \"{name}\". A provider's functions are available where the module names it in required_providers."),
            name_span,
        )
    };
    let Some(host) = &functions.0 else {
        return Err(unknown());
    };
    let Some(signature) = host.signature(provider, name) else {
        return Err(unknown());
    };
    let min = signature.params.len();
    if args.len() < min || (signature.variadic.is_none() && args.len() > min) {
        return Err(error(
            if args.len() < min {
                strata_types::codes::NOT_ENOUGH_ARGUMENTS
            } else {
                strata_types::codes::TOO_MANY_ARGUMENTS
            },
            "Wrong number of arguments",
            format!(
                "Function \"{full}\" takes {}{} argument{}, not {}.",
                if signature.variadic.is_some() {
                    "at least "
                } else {
                    ""
                },
                min,
                if min == 1 { "" } else { "s" },
                args.len()
            ),
            span,
        ));
    }
    let mut given = Vec::with_capacity(args.len());
    let mut sensitive = false;
    let mut wait = false;
    for (i, arg) in args.iter().enumerate() {
        let param = signature
            .params
            .get(i)
            .or(signature.variadic.as_ref())
            .expect("the count was checked");
        let at = arg_spans.get(i).copied().unwrap_or(span);
        let (plain, marked) = arg.unmark_deep();
        sensitive |= marked;
        if plain.is_null() && !param.allow_null {
            return Err(error(
                strata_types::codes::INVALID_FUNCTION_ARGUMENT,
                "Invalid function argument",
                format!(
                    "Invalid value for \"{}\" parameter of {full}: argument must not be null.",
                    param.name
                ),
                at,
            ));
        }
        if !plain.is_wholly_known() && !param.allow_unknown {
            wait = true;
        }
        if plain.is_unknown() {
            given.push(plain);
            continue;
        }
        let converted = convert(&plain, &param.ty).map_err(|e| {
            error(
                strata_types::codes::INVALID_FUNCTION_ARGUMENT,
                "Invalid function argument",
                format!(
                    "Invalid value for \"{}\" parameter of {full}: {}.",
                    param.name,
                    e.describe()
                ),
                at,
            )
        })?;
        given.push(converted);
    }
    if wait {
        return Ok(Value::unknown(signature.ret).mark_sensitive(sensitive));
    }
    match host.call(provider, name, given) {
        Ok(v) => Ok(v.mark_sensitive(sensitive)),
        Err((message, argument)) => {
            let at = argument
                .and_then(|i| arg_spans.get(i).copied())
                .unwrap_or(span);
            Err(error(
                strata_types::codes::FUNCTION_CALL_FAILED,
                "Error in function call",
                format!("Call to function \"{full}\" failed: {message}."),
                at,
            ))
        }
    }
}
