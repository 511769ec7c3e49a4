//! `format` and `formatlist`: Go-style verbs as Terraform implements them.

use super::{str_arg, FnError, FnResult};
use crate::convert::convert;
use strata_types::{Kind, Number, Type, Value};

pub(super) fn format(a: &[Value]) -> FnResult {
    format_with(str_arg(a, 0), &a[1..]).map(Value::string)
}

pub(super) fn formatlist(a: &[Value]) -> FnResult {
    let mut length: Option<usize> = None;
    for (i, v) in a[1..].iter().enumerate() {
        if let Kind::List(_, items) | Kind::Tuple(items) | Kind::Set(_, items) = &v.kind {
            match length {
                Some(l) if l != items.len() => {
                    return Err(FnError::Arg(i + 1, format!("argument {} has length {}, which is inconsistent with argument 1 of length {}", i + 2, items.len(), l)))
                }
                _ => length = Some(items.len()),
            }
        }
    }
    let n = length.unwrap_or(1);
    let mut out = Vec::with_capacity(n);
    for row in 0..n {
        let args: Vec<Value> = a[1..]
            .iter()
            .map(|v| match &v.kind {
                Kind::List(_, items) | Kind::Tuple(items) | Kind::Set(_, items) => {
                    items[row].clone()
                }
                _ => v.clone(),
            })
            .collect();
        out.push(Value::string(format_with(str_arg(a, 0), &args)?));
    }
    Ok(Value::list(Type::String, out))
}

struct Spec {
    minus: bool,
    plus: bool,
    space: bool,
    zero: bool,
    sharp: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

fn format_with(fmt: &str, args: &[Value]) -> Result<String, FnError> {
    let mut out = String::new();
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let mut next_arg = 0;
    let mut used = vec![false; args.len()];
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        if i < chars.len() && chars[i] == '%' {
            out.push('%');
            i += 1;
            continue;
        }
        let mut spec = Spec {
            minus: false,
            plus: false,
            space: false,
            zero: false,
            sharp: false,
            width: None,
            precision: None,
        };
        while i < chars.len() {
            match chars[i] {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '0' => spec.zero = true,
                '#' => spec.sharp = true,
                _ => break,
            }
            i += 1;
        }
        if i < chars.len() && chars[i] == '[' {
            let close = chars[i..].iter().position(|&c| c == ']').map(|p| p + i);
            let Some(close) = close else {
                return Err(FnError::Call("unterminated argument index".into()));
            };
            let n: usize = chars[i + 1..close]
                .iter()
                .collect::<String>()
                .parse()
                .map_err(|_| FnError::Call("invalid argument index".into()))?;
            if n == 0 || n > args.len() {
                return Err(FnError::Call(format!("invalid argument index {n}")));
            }
            next_arg = n - 1;
            i = close + 1;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i > start {
            spec.width = chars[start..i].iter().collect::<String>().parse().ok();
        }
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            spec.precision = Some(
                chars[start..i]
                    .iter()
                    .collect::<String>()
                    .parse()
                    .unwrap_or(0),
            );
        }
        if spec
            .width
            .max(spec.precision)
            .is_some_and(|w| w > super::MAX_GENERATED_WIDTH)
        {
            return Err(FnError::Call(format!(
                "width and precision may be at most {}",
                super::MAX_GENERATED_WIDTH
            )));
        }
        let Some(&verb) = chars.get(i) else {
            return Err(FnError::Call(
                "incomplete format verb at end of string".into(),
            ));
        };
        i += 1;
        let Some(arg) = args.get(next_arg) else {
            return Err(FnError::Call(format!(
                "not enough arguments for %{verb} at {}",
                i - 1
            )));
        };
        used[next_arg] = true;
        next_arg += 1;
        let text = format_verb(verb, &spec, arg)?;
        out.push_str(&pad(
            text,
            &spec,
            matches!(
                verb,
                'd' | 'f' | 'e' | 'E' | 'g' | 'G' | 'x' | 'X' | 'o' | 'b'
            ),
        ));
    }
    if let Some(unused) = used.iter().position(|u| !u) {
        if next_arg <= unused {
            return Err(FnError::Call(format!(
                "too many arguments; no verbs for argument {}",
                unused + 1
            )));
        }
    }
    Ok(out)
}

fn pad(text: String, spec: &Spec, numeric: bool) -> String {
    let Some(width) = spec.width else { return text };
    let len = text.chars().count();
    if len >= width {
        return text;
    }
    let fill = width - len;
    if spec.minus {
        format!("{text}{}", " ".repeat(fill))
    } else if spec.zero && numeric {
        let (sign, digits) = if text.starts_with(['-', '+', ' ']) {
            text.split_at(1)
        } else {
            ("", text.as_str())
        };
        format!("{sign}{}{digits}", "0".repeat(fill))
    } else {
        format!("{}{text}", " ".repeat(fill))
    }
}

fn number_of(arg: &Value, verb: char) -> Result<Number, FnError> {
    if arg.is_null() {
        return Err(FnError::Call(format!(
            "unsupported value for \"%{verb}\": null value cannot be formatted"
        )));
    }
    convert(arg, &Type::Number)
        .ok()
        .and_then(|v| v.as_number().cloned())
        .ok_or_else(|| {
            FnError::Call(format!(
                "unsupported value for \"%{verb}\": number required"
            ))
        })
}

fn sign(n: &Number, spec: &Spec) -> &'static str {
    if n.is_negative() {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    }
}

fn format_verb(verb: char, spec: &Spec, arg: &Value) -> Result<String, FnError> {
    Ok(match verb {
        'v' => {
            if arg.is_null() {
                return Ok("null".into());
            }
            if spec.sharp {
                return super::encoding::json_encode(arg);
            }
            match &arg.kind {
                Kind::String(s) => s.clone(),
                Kind::Number(n) => n.to_decimal_string(),
                Kind::Bool(b) => b.to_string(),
                _ => super::encoding::json_encode(arg)?,
            }
        }
        's' => {
            let s = convert(arg, &Type::String)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .ok_or_else(|| {
                    FnError::Call("unsupported value for \"%s\": string required".into())
                })?;
            match spec.precision {
                Some(p) => s.chars().take(p).collect(),
                None => s,
            }
        }
        'q' => {
            let s = convert(arg, &Type::String)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .ok_or_else(|| {
                    FnError::Call("unsupported value for \"%q\": string required".into())
                })?;
            crate::format::go_quote(&s)
        }
        't' => {
            let b = convert(arg, &Type::Bool)
                .ok()
                .and_then(|v| v.as_bool())
                .ok_or_else(|| {
                    FnError::Call("unsupported value for \"%t\": bool required".into())
                })?;
            b.to_string()
        }
        'd' | 'x' | 'X' | 'o' | 'b' => {
            let n = number_of(arg, verb)?;
            let Some(i) = n.to_bigint() else {
                return Err(FnError::Call(format!(
                    "unsupported value for \"%{verb}\": an integer is required"
                )));
            };
            let magnitude = i.magnitude().clone();
            let digits = match verb {
                'd' => magnitude.to_str_radix(10),
                'x' => magnitude.to_str_radix(16),
                'X' => magnitude.to_str_radix(16).to_uppercase(),
                'o' => magnitude.to_str_radix(8),
                _ => magnitude.to_str_radix(2),
            };
            format!("{}{digits}", sign(&n, spec))
        }
        'f' | 'e' | 'E' | 'g' | 'G' => {
            let n = number_of(arg, verb)?;
            let f = n.to_f64().abs();
            let p = spec.precision;
            let body = match verb {
                'f' => format!("{:.*}", p.unwrap_or(6), f),
                'e' | 'E' => {
                    let s = go_exp(f, p.unwrap_or(6));
                    if verb == 'E' {
                        s.to_uppercase()
                    } else {
                        s
                    }
                }
                _ => {
                    let s = match p {
                        None => {
                            let shortest = format!("{f}");
                            let exp = if f == 0.0 {
                                0
                            } else {
                                f.log10().floor() as i32
                            };
                            if !(-4..21).contains(&exp) {
                                go_exp_shortest(f)
                            } else {
                                shortest
                            }
                        }
                        Some(p) => format!("{:.*}", p.saturating_sub(1), f),
                    };
                    if verb == 'G' {
                        s.to_uppercase()
                    } else {
                        s
                    }
                }
            };
            format!("{}{body}", sign(&n, spec))
        }
        _ => {
            return Err(FnError::Call(format!(
                "unrecognized format character '{verb}'"
            )))
        }
    })
}

/// Go's `%e`: mantissa with `precision` decimals and a two-digit exponent.
fn go_exp(f: f64, precision: usize) -> String {
    let s = format!("{:.*e}", precision, f);
    fix_exponent(&s)
}

fn go_exp_shortest(f: f64) -> String {
    fix_exponent(&format!("{f:e}"))
}

fn fix_exponent(s: &str) -> String {
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => s.to_string(),
    }
}
