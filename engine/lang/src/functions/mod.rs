//! Terraform's built-in function library.
//!
//! Every call goes through one gate ([`call`]) that does what Terraform's
//! function machinery does for all functions: arity checks, null checks,
//! conversion of arguments to the parameter types, unknown propagation
//! (an unknown argument gives an unknown result) and the sensitive mark
//! (removed before the call, put back on the result). The functions
//! themselves see plain, known values.

mod collection;
mod encoding;
mod filesystem;
mod format;
mod network;
mod numeric;
pub mod provider;
mod string;
pub(crate) mod time;

use crate::convert::convert;
use std::path::PathBuf;
use strata_types::{Diagnostic, Span, Type, Value};

/// What file and time functions may use.
#[derive(Clone, Debug)]
pub struct FunctionEnv {
    /// Directory relative paths are resolved against (`path.module`).
    pub base_dir: PathBuf,
    /// The time `plantimestamp()` returns, RFC 3339.
    pub plan_timestamp: String,
    /// Set while a template `templatefile` read is rendered: templates
    /// cannot call `templatefile` again (Terraform's rule), so a template
    /// that includes itself is an error, not an endless recursion.
    pub in_template: bool,
    /// Renders a template's text with variables (`templatefile`,
    /// `templatestring`): the evaluator, reached through this table entry
    /// rather than a module cycle; set by `FunctionEnv::default` (in
    /// `template`).
    pub render_template: TemplateRenderer,
    /// The functions the module's providers offer
    /// (`provider::NAME::FUNCTION`).
    pub provider_functions: provider::Handle,
}

/// See [`FunctionEnv::render_template`].
pub type TemplateRenderer =
    fn(&str, std::collections::BTreeMap<String, Value>, &FunctionEnv) -> Result<Value, String>;

/// What a function reports when its arguments are wrong.
pub enum FnError {
    /// The argument at this position is invalid.
    Arg(usize, String),
    /// The call as a whole failed.
    Call(String),
}

pub type FnResult = Result<Value, FnError>;

struct Param {
    name: &'static str,
    ty: Type,
    allow_null: bool,
}

fn p(name: &'static str, ty: Type) -> Param {
    Param {
        name,
        ty,
        allow_null: false,
    }
}

fn nullable(name: &'static str, ty: Type) -> Param {
    Param {
        name,
        ty,
        allow_null: true,
    }
}

/// Functions whose result only moves their arguments' elements around:
/// unknown elements stay unknown elements of a known result.
const REARRANGING: &[&str] = &[
    "coalescelist",
    "concat",
    "element",
    "lookup",
    "merge",
    "one",
    "reverse",
    "slice",
    "values",
];

struct Signature {
    params: Vec<Param>,
    variadic: Option<Param>,
    /// The function accepts unknown arguments itself.
    handles_unknown: bool,
    /// The function handles sensitive marks itself.
    handles_marks: bool,
}

fn sig(params: Vec<Param>) -> Signature {
    Signature {
        params,
        variadic: None,
        handles_unknown: false,
        handles_marks: false,
    }
}

fn var(params: Vec<Param>, variadic: Param) -> Signature {
    Signature {
        params,
        variadic: Some(variadic),
        handles_unknown: false,
        handles_marks: false,
    }
}

use Type::{Bool as B, Dynamic as A, Number as N, String as S};

fn list(t: Type) -> Type {
    Type::list(t)
}
fn set(t: Type) -> Type {
    Type::set(t)
}
fn map(t: Type) -> Type {
    Type::map(t)
}

/// Names of every function, for "did you mean" suggestions.
pub const FUNCTION_NAMES: &[&str] = &[
    "abs",
    "abspath",
    "alltrue",
    "anytrue",
    "base64decode",
    "base64encode",
    "base64gzip",
    "base64sha256",
    "base64sha512",
    "basename",
    "bcrypt",
    "can",
    "ceil",
    "chomp",
    "chunklist",
    "cidrhost",
    "cidrnetmask",
    "cidrsubnet",
    "cidrsubnets",
    "coalesce",
    "coalescelist",
    "compact",
    "concat",
    "contains",
    "csvdecode",
    "dirname",
    "distinct",
    "element",
    "endswith",
    "file",
    "filebase64",
    "filebase64sha256",
    "filebase64sha512",
    "fileexists",
    "filemd5",
    "fileset",
    "filesha1",
    "filesha256",
    "filesha512",
    "flatten",
    "floor",
    "format",
    "formatdate",
    "formatlist",
    "indent",
    "index",
    "issensitive",
    "join",
    "jsondecode",
    "jsonencode",
    "keys",
    "length",
    "log",
    "lookup",
    "lower",
    "matchkeys",
    "max",
    "md5",
    "merge",
    "min",
    "nonsensitive",
    "one",
    "parseint",
    "pathexpand",
    "plantimestamp",
    "pow",
    "range",
    "regex",
    "regexall",
    "replace",
    "reverse",
    "rsadecrypt",
    "sensitive",
    "setintersection",
    "setproduct",
    "setsubtract",
    "setunion",
    "sha1",
    "sha256",
    "sha512",
    "signum",
    "slice",
    "sort",
    "split",
    "startswith",
    "strcontains",
    "strrev",
    "substr",
    "sum",
    "templatefile",
    "templatestring",
    "textdecodebase64",
    "textencodebase64",
    "timeadd",
    "timecmp",
    "timestamp",
    "title",
    "tobool",
    "tolist",
    "tomap",
    "tonumber",
    "toset",
    "tostring",
    "transpose",
    "trim",
    "trimprefix",
    "trimspace",
    "trimsuffix",
    "try",
    "type",
    "upper",
    "urlencode",
    "uuid",
    "uuidv5",
    "values",
    "yamldecode",
    "yamlencode",
    "zipmap",
];

fn signature(name: &str) -> Option<Signature> {
    Some(match name {
        // numeric
        "abs" | "ceil" | "floor" | "signum" => sig(vec![p("num", N)]),
        "log" => sig(vec![p("num", N), p("base", N)]),
        "pow" => sig(vec![p("num", N), p("power", N)]),
        "max" | "min" => var(vec![], p("numbers", N)),
        "parseint" => sig(vec![p("number", A), p("base", N)]),
        // string
        "chomp" | "lower" | "upper" | "strrev" | "title" | "trimspace" => sig(vec![p("str", S)]),
        "endswith" => sig(vec![p("str", S), p("suffix", S)]),
        "startswith" => sig(vec![p("str", S), p("prefix", S)]),
        "strcontains" => sig(vec![p("str", S), p("substr", S)]),
        "format" => var(vec![p("format", S)], nullable("args", A)),
        "formatlist" => var(vec![p("format", S)], nullable("args", A)),
        "indent" => sig(vec![p("spaces", N), p("str", S)]),
        "join" => var(vec![p("separator", S)], p("lists", list(S))),
        "regex" | "regexall" => sig(vec![p("pattern", S), p("string", S)]),
        "replace" => sig(vec![p("str", S), p("substr", S), p("replace", S)]),
        "split" => sig(vec![p("separator", S), p("str", S)]),
        "substr" => sig(vec![p("str", S), p("offset", N), p("length", N)]),
        "templatestring" => sig(vec![p("template", S), p("vars", A)]),
        "trim" => sig(vec![p("str", S), p("cutset", S)]),
        "trimprefix" => sig(vec![p("str", S), p("prefix", S)]),
        "trimsuffix" => sig(vec![p("str", S), p("suffix", S)]),
        // collection
        "alltrue" | "anytrue" => sig(vec![p("list", list(B))]),
        "chunklist" => sig(vec![p("list", list(A)), p("size", N)]),
        "coalesce" => var(vec![], nullable("vals", A)),
        "coalescelist" => var(vec![], nullable("vals", A)),
        "compact" => sig(vec![p("list", list(S))]),
        "concat" => var(vec![], p("seqs", A)),
        "contains" => sig(vec![p("list", A), p("value", A)]),
        "distinct" => sig(vec![p("list", list(A))]),
        "element" => sig(vec![p("list", A), p("index", N)]),
        "flatten" => sig(vec![p("list", A)]),
        "index" => sig(vec![p("list", A), p("value", A)]),
        // An object's keys are in its type, and a map's may be known while
        // its values are not (Terraform's `keys` says so too).
        "keys" => Signature {
            params: vec![p("inputMap", A)],
            variadic: None,
            handles_unknown: true,
            handles_marks: false,
        },
        "values" => sig(vec![p("inputMap", A)]),
        // A tuple of unknown objects still has a known length (a counted
        // resource before apply); a set's may not (its elements may merge).
        "length" => Signature {
            params: vec![p("value", A)],
            variadic: None,
            handles_unknown: true,
            handles_marks: false,
        },
        "lookup" => var(vec![p("inputMap", A), p("key", S)], nullable("default", A)),
        "matchkeys" => sig(vec![
            p("values", list(A)),
            p("keys", list(A)),
            p("searchset", list(A)),
        ]),
        "merge" => var(vec![], nullable("maps", A)),
        "one" => sig(vec![nullable("list", A)]),
        "range" => var(vec![], p("params", N)),
        "reverse" => sig(vec![p("list", A)]),
        "setintersection" | "setunion" => {
            var(vec![p("first_set", set(A))], p("other_sets", set(A)))
        }
        "setsubtract" => sig(vec![p("a", set(A)), p("b", set(A))]),
        "setproduct" => var(vec![], p("sets", A)),
        "slice" => sig(vec![p("list", A), p("start_index", N), p("end_index", N)]),
        "sort" => sig(vec![p("list", list(S))]),
        "sum" => sig(vec![p("list", A)]),
        "transpose" => sig(vec![p("values", map(list(S)))]),
        "zipmap" => sig(vec![p("keys", list(S)), p("values", A)]),
        // encoding
        "base64decode" | "base64encode" | "base64gzip" | "urlencode" => sig(vec![p("str", S)]),
        "csvdecode" => sig(vec![p("str", S)]),
        "jsondecode" | "yamldecode" => sig(vec![p("str", S)]),
        "jsonencode" | "yamlencode" => sig(vec![nullable("val", A)]),
        "textdecodebase64" => sig(vec![p("source", S), p("encoding", S)]),
        "textencodebase64" => sig(vec![p("string", S), p("encoding", S)]),
        // filesystem
        "abspath" | "basename" | "dirname" | "pathexpand" => sig(vec![p("path", S)]),
        "file" | "fileexists" | "filebase64" | "filesha256" | "filesha512" | "filesha1"
        | "filemd5" | "filebase64sha256" | "filebase64sha512" => sig(vec![p("path", S)]),
        "fileset" => sig(vec![p("path", S), p("pattern", S)]),
        "templatefile" => sig(vec![p("path", S), p("vars", A)]),
        // time
        "formatdate" => sig(vec![p("format", S), p("time", S)]),
        "timeadd" => sig(vec![p("timestamp", S), p("duration", S)]),
        "timecmp" => sig(vec![p("timestamp_a", S), p("timestamp_b", S)]),
        "timestamp" | "plantimestamp" | "uuid" => sig(vec![]),
        // hash and crypto
        "base64sha256" | "base64sha512" | "md5" | "sha1" | "sha256" | "sha512" => {
            sig(vec![p("str", S)])
        }
        "uuidv5" => sig(vec![p("namespace", S), p("name", S)]),
        "bcrypt" => var(vec![p("str", S)], p("cost", N)),
        // network
        "cidrhost" => sig(vec![p("prefix", S), p("hostnum", N)]),
        "cidrnetmask" => sig(vec![p("prefix", S)]),
        "cidrsubnet" => sig(vec![p("prefix", S), p("newbits", N), p("netnum", N)]),
        "cidrsubnets" => var(vec![p("prefix", S)], p("newbits", N)),
        // types
        "sensitive" | "nonsensitive" | "issensitive" => Signature {
            params: vec![nullable("value", A)],
            variadic: None,
            handles_unknown: true,
            handles_marks: true,
        },
        "tobool" | "tonumber" | "tostring" | "tolist" | "toset" | "tomap" => Signature {
            params: vec![nullable("v", A)],
            variadic: None,
            handles_unknown: true,
            handles_marks: false,
        },
        "type" => Signature {
            params: vec![nullable("value", A)],
            variadic: None,
            handles_unknown: true,
            handles_marks: true,
        },
        _ => return None,
    })
}

/// A JSON document as a value, as `jsondecode` gives it.
pub fn json_value(v: &serde_json::Value) -> Value {
    encoding::from_json(v)
}

pub fn arity_error(
    name: &str,
    min: usize,
    max: Option<usize>,
    given: usize,
    span: Span,
) -> Diagnostic {
    let (summary, detail) = if given < min {
        let missing = min - given;
        (
            "Not enough function arguments",
            format!(
                "Function \"{name}\" expects {} argument(s). Missing value for {missing} more argument(s).",
                if max == Some(min) { min.to_string() } else { format!("at least {min}") }
            ),
        )
    } else {
        (
            "Too many function arguments",
            format!(
                "Function \"{name}\" expects only {} argument(s).",
                max.unwrap_or(min)
            ),
        )
    };
    Diagnostic::error(
        if given < min {
            strata_types::codes::NOT_ENOUGH_ARGUMENTS
        } else {
            strata_types::codes::TOO_MANY_ARGUMENTS
        },
        summary,
        detail,
        span,
    )
}

/// Checks that `name` exists and takes `count` arguments, without calling
/// it (used by `validate` on expressions it cannot evaluate).
pub fn check_call(
    name: &str,
    count: usize,
    expand: bool,
    name_span: Span,
    span: Span,
) -> Option<Diagnostic> {
    // Provider functions are checked when they are called, against the
    // signature the provider gives.
    if name == "try" || name == "can" || name.starts_with("provider::") {
        return None;
    }
    let Some(sig) = signature(name) else {
        return Some(unknown_function(name, name_span));
    };
    let min = sig.params.len();
    let max = if sig.variadic.is_some() {
        None
    } else {
        Some(min)
    };
    if expand {
        return None;
    }
    if count < min || max.is_some_and(|m| count > m) {
        return Some(arity_error(name, min, max, count, span));
    }
    None
}

/// An argument checked against its parameter: not null unless the
/// parameter allows it, and converted to the parameter's type (an unknown
/// argument is left as it is). Built-in and provider functions alike.
pub(crate) fn checked_argument(
    param: &str,
    ty: &Type,
    allow_null: bool,
    value: Value,
    at: Span,
) -> Result<Value, Diagnostic> {
    let invalid = |detail: String| {
        Diagnostic::error(
            strata_types::codes::INVALID_FUNCTION_ARGUMENT,
            "Invalid function argument",
            format!("Invalid value for \"{param}\" parameter: {detail}."),
            at,
        )
    };
    if value.is_null() && !allow_null {
        return Err(invalid("argument must not be null".into()));
    }
    if value.is_unknown() {
        return Ok(value);
    }
    convert(&value, ty).map_err(|e| invalid(e.describe()))
}

fn unknown_function(name: &str, span: Span) -> Diagnostic {
    let detail = if let Some(rest) = name.strip_prefix("provider::") {
        format!("There is no function named \"{name}\": provider functions ({rest}) are not available here.")
    } else if name == "list" || name == "map" {
        format!(
            "Call to function \"{name}\" failed: the \"{name}\" function was deprecated in Terraform v0.12 and is no longer available; use to{name}({}) syntax instead.",
            if name == "list" { "[ ... ]" } else { "{ ... }" }
        )
    } else {
        let suggestion = crate::suggest::did_you_mean(name, FUNCTION_NAMES.iter().copied());
        format!("There is no function named \"{name}\".{suggestion}")
    };
    Diagnostic::error(
        strata_types::codes::UNKNOWN_FUNCTION,
        "Call to unknown function",
        detail,
        span,
    )
}

pub fn call(
    name: &str,
    name_span: Span,
    span: Span,
    args: &[Value],
    arg_spans: &[Span],
    env: &FunctionEnv,
) -> Result<Value, Diagnostic> {
    if name.starts_with("provider::") {
        return provider::call(
            name,
            (name_span, span),
            args,
            arg_spans,
            &env.provider_functions,
        );
    }
    let Some(sig) = signature(name) else {
        return Err(unknown_function(name, name_span));
    };
    let min = sig.params.len();
    let max = if sig.variadic.is_some() {
        None
    } else {
        Some(min)
    };
    if args.len() < min || max.is_some_and(|m| args.len() > m) {
        return Err(arity_error(name, min, max, args.len(), span));
    }
    let mut sensitive = false;
    let mut prepared = Vec::with_capacity(args.len());
    let mut any_unknown = false;
    for (i, arg) in args.iter().enumerate() {
        let param = sig
            .params
            .get(i)
            .or(sig.variadic.as_ref())
            .expect("arity checked");
        let arg_span = arg_spans.get(i).copied().unwrap_or(span);
        let value = if sig.handles_marks {
            arg.clone()
        } else {
            let (unmarked, had) = arg.unmark_deep();
            sensitive |= had;
            unmarked
        };
        // Functions that only rearrange collections take one with unknown
        // elements as it is, as Terraform's do: `length(concat(a[*].id,
        // b[*].id))` is known before apply.
        let unknown = if REARRANGING.contains(&name) {
            value.is_unknown()
        } else {
            !value.is_wholly_known()
        };
        if unknown {
            any_unknown = true;
        }
        prepared.push(checked_argument(
            param.name,
            &param.ty,
            param.allow_null,
            value,
            arg_span,
        )?);
    }
    if any_unknown && !sig.handles_unknown {
        return Ok(Value::unknown(Type::Dynamic).mark_sensitive(sensitive));
    }
    // Messages quote argument values; never quote a sensitive one.
    let secrets: Vec<String> = args
        .iter()
        .filter(|a| a.contains_sensitive())
        .flat_map(|a| sensitive_texts(a, false))
        .collect();
    let redact = |message: String| {
        secrets.iter().fold(message, |m, s| {
            if s.is_empty() {
                m
            } else {
                m.replace(s.as_str(), "(sensitive value)")
            }
        })
    };
    let result = dispatch(name, &prepared, env).map_err(|e| match e {
        FnError::Arg(i, message) => {
            let param = sig
                .params
                .get(i)
                .or(sig.variadic.as_ref())
                .map(|p| p.name)
                .unwrap_or("argument");
            Diagnostic::error(
                strata_types::codes::INVALID_FUNCTION_ARGUMENT,
                "Invalid function argument",
                format!(
                    "Invalid value for \"{param}\" parameter: {}.",
                    redact(message)
                ),
                arg_spans.get(i).copied().unwrap_or(span),
            )
        }
        FnError::Call(message) => Diagnostic::error(
            strata_types::codes::FUNCTION_CALL_FAILED,
            "Error in function call",
            format!("Call to function \"{name}\" failed: {}.", redact(message)),
            span,
        ),
    })?;
    Ok(result.mark_sensitive(sensitive))
}

/// The texts of the sensitive parts of a value (strings and numbers as
/// they would be quoted in a message).
fn sensitive_texts(v: &Value, inside_sensitive: bool) -> Vec<String> {
    let sensitive = inside_sensitive || v.sensitive;
    match &v.kind {
        strata_types::Kind::String(s) if sensitive => vec![s.clone()],
        strata_types::Kind::Number(n) if sensitive => vec![n.to_decimal_string()],
        strata_types::Kind::List(_, items)
        | strata_types::Kind::Set(_, items)
        | strata_types::Kind::Tuple(items) => items
            .iter()
            .flat_map(|i| sensitive_texts(i, sensitive))
            .collect(),
        strata_types::Kind::Map(_, m) | strata_types::Kind::Object(m) => m
            .values()
            .flat_map(|i| sensitive_texts(i, sensitive))
            .collect(),
        _ => vec![],
    }
}

fn dispatch(name: &str, a: &[Value], env: &FunctionEnv) -> FnResult {
    if let Some(r) = numeric::call(name, a) {
        return r;
    }
    if let Some(r) = string::call(name, a, env) {
        return r;
    }
    if let Some(r) = collection::call(name, a) {
        return r;
    }
    if let Some(r) = encoding::call(name, a) {
        return r;
    }
    if let Some(r) = filesystem::call(name, a, env) {
        return r;
    }
    if let Some(r) = time::call(name, a, env) {
        return r;
    }
    if let Some(r) = network::call(name, a) {
        return r;
    }
    match name {
        "sensitive" => Ok(a[0].clone().mark_sensitive(true)),
        "nonsensitive" => Ok(a[0].clone().with_sensitive(false)),
        "issensitive" => {
            if a[0].is_unknown() && !a[0].sensitive {
                return Ok(Value::unknown(Type::Bool));
            }
            Ok(Value::bool(a[0].sensitive))
        }
        "type" => Ok(Value::string(a[0].ty().to_string()).with_sensitive(false)),
        "tostring" => to_type(&a[0], Type::String),
        "tonumber" => to_type(&a[0], Type::Number),
        "tobool" => to_type(&a[0], Type::Bool),
        "tolist" => to_type(&a[0], list(A)),
        "toset" => to_type(&a[0], set(A)),
        "tomap" => to_type(&a[0], map(A)),
        _ => Err(FnError::Call(format!(
            "function \"{name}\" is not implemented"
        ))),
    }
}

fn to_type(v: &Value, ty: Type) -> FnResult {
    let (value, sensitive) = (v.clone().with_sensitive(false), v.sensitive);
    let result = convert(&value, &ty).map_err(|e| {
        let message = match (&ty, &value.kind) {
            (Type::Number, strata_types::Kind::String(s)) => format!("cannot convert \"{s}\" to number; given string must be a decimal representation of a number"),
            (Type::Bool, strata_types::Kind::String(s)) => format!("cannot convert \"{s}\" to bool; only the strings \"true\" or \"false\" are allowed"),
            (Type::String | Type::Number | Type::Bool, _) => {
                format!("cannot convert {} to {}", value.ty().friendly_name(), ty.friendly_name())
            }
            _ => format!("cannot convert {} to {}: {}", value.ty().friendly_name(), ty.friendly_name(), e.describe()),
        };
        FnError::Arg(0, message)
    })?;
    Ok(result.mark_sensitive(sensitive))
}

// ---- helpers shared by the function modules ------------------------------

/// The most padding a function may generate (indent, format widths): far
/// beyond any real configuration, well short of exhausting memory.
pub(crate) const MAX_GENERATED_WIDTH: usize = 1 << 20;

pub(crate) fn str_arg(a: &[Value], i: usize) -> &str {
    a.get(i).and_then(Value::as_str).unwrap_or("")
}

pub(crate) fn num_arg(a: &[Value], i: usize) -> strata_types::Number {
    a.get(i)
        .and_then(Value::as_number)
        .cloned()
        .unwrap_or_else(strata_types::Number::zero)
}

/// A whole-number argument as i64.
pub(crate) fn int_arg(a: &[Value], i: usize) -> Result<i64, FnError> {
    let n = num_arg(a, i);
    if !n.is_integer() {
        return Err(FnError::Arg(i, "value must be a whole number".into()));
    }
    n.to_i64()
        .ok_or_else(|| FnError::Arg(i, "value is out of range".into()))
}

pub(crate) fn seq_arg(a: &[Value], i: usize) -> &[Value] {
    a.get(i).and_then(Value::as_sequence).unwrap_or(&[])
}
