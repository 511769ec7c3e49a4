//! Numeric functions: abs ceil floor log max min parseint pow signum.

use super::{int_arg, num_arg, str_arg, FnError, FnResult};
use num_bigint::BigInt;
use strata_types::{Kind, Number, Value};

pub(super) fn call(name: &str, a: &[Value]) -> Option<FnResult> {
    Some(match name {
        "abs" => Ok(Value::number(num_arg(a, 0).abs())),
        "ceil" => Ok(Value::number(num_arg(a, 0).ceil().as_function_integer())),
        "floor" => Ok(Value::number(num_arg(a, 0).floor().as_function_integer())),
        "signum" => {
            let n = num_arg(a, 0);
            if !n.is_integer() || n.to_i64().is_none() {
                return Some(Err(FnError::Call(format!(
                    "value must be a whole number, between {} and {}",
                    i64::MIN,
                    i64::MAX
                ))));
            }
            Ok(Value::int(if n.is_zero() {
                0
            } else if n.is_negative() {
                -1
            } else {
                1
            }))
        }
        "log" => {
            let (x, base) = (num_arg(a, 0).to_f64(), num_arg(a, 1).to_f64());
            float(x.ln() / base.ln())
        }
        "pow" => {
            let (x, y) = (num_arg(a, 0).to_f64(), num_arg(a, 1).to_f64());
            if !x.is_finite() || !y.is_finite() {
                // Terraform converts both to 64-bit floats first.
                return Some(Err(FnError::Call(format!(
                    "value must be between {:.6} and {:.6} inclusive",
                    f64::MIN,
                    f64::MAX
                ))));
            }
            float(x.powf(y))
        }
        "max" | "min" => {
            if a.is_empty() {
                return Some(Err(FnError::Call("must pass at least one number".into())));
            }
            let mut best = num_arg(a, 0);
            for i in 1..a.len() {
                let n = num_arg(a, i);
                let better = if name == "max" {
                    n.cmp_value(&best).is_gt()
                } else {
                    n.cmp_value(&best).is_lt()
                };
                if better {
                    best = n;
                }
            }
            Ok(Value::number(best))
        }
        "parseint" => parseint(a),
        _ => return None,
    })
}

fn float(f: f64) -> FnResult {
    Number::from_f64(f)
        .map(Value::number)
        .ok_or_else(|| FnError::Call("the result is not a number".into()))
}

fn parseint(a: &[Value]) -> FnResult {
    let base = int_arg(a, 1)?;
    let text = match &a[0].kind {
        Kind::String(s) => s.clone(),
        _ => return Err(FnError::Arg(0, "a string is required".into())),
    };
    if !(2..=62).contains(&base) {
        return Err(FnError::Arg(
            1,
            "base must be a whole number between 2 and 62 inclusive".to_string(),
        ));
    }
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(&text)),
    };
    let parsed = if base <= 36 {
        BigInt::parse_bytes(digits.as_bytes(), base as u32)
    } else {
        None
    };
    match parsed {
        Some(n) if !digits.is_empty() => Ok(Value::number(Number::from_bigint(&if negative {
            -n
        } else {
            n
        }))),
        _ => Err(FnError::Call(format!(
            "cannot parse {} as a base {} integer",
            super::super::format::go_quote(str_arg(a, 0)),
            base
        ))),
    }
}
