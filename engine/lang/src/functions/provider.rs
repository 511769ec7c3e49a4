//! Provider-defined functions: `provider::NAME::FUNCTION(…)` calls a
//! function a provider of the module offers, by the provider's local
//! name. The language checks the arguments against the function's
//! signature (count, type, null, unknown) as Terraform does; the call
//! itself is the caller's ([`ProviderFunctions`]).

use std::sync::Arc;
pub use strata_types::function::{Parameter, Signature};
use strata_types::{Diagnostic, Span, Value};

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
    let max = signature.variadic.is_none().then_some(min);
    if args.len() < min || max.is_some_and(|m| args.len() > m) {
        return Err(super::arity_error(full, min, max, args.len(), span));
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
        if !plain.is_wholly_known() && !param.allow_unknown {
            wait = true;
        }
        given.push(super::checked_argument(
            &param.name,
            &param.ty,
            param.allow_null,
            plain,
            at,
        )?);
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
