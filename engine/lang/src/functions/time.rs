//! Time functions: formatdate timeadd timecmp timestamp plantimestamp.

use super::{str_arg, FnError, FnResult, FunctionEnv};
use chrono::{DateTime, Datelike, FixedOffset, SecondsFormat, Timelike};
use strata_types::Value;

pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(super) fn call(name: &str, a: &[Value], env: &FunctionEnv) -> Option<FnResult> {
    Some(match name {
        "timestamp" => Ok(Value::string(now_rfc3339())),
        "plantimestamp" => Ok(Value::string(env.plan_timestamp.clone())),
        "formatdate" => parse_time(str_arg(a, 1), 1)
            .and_then(|t| formatdate(str_arg(a, 0), &t))
            .map(Value::string),
        "timeadd" => timeadd(a),
        "timecmp" => {
            let x = match parse_time(str_arg(a, 0), 0) {
                Ok(t) => t,
                Err(e) => return Some(Err(e)),
            };
            let y = match parse_time(str_arg(a, 1), 1) {
                Ok(t) => t,
                Err(e) => return Some(Err(e)),
            };
            Ok(Value::int(match x.cmp(&y) {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            }))
        }
        _ => return None,
    })
}

fn parse_time(s: &str, arg: usize) -> Result<DateTime<FixedOffset>, FnError> {
    DateTime::parse_from_rfc3339(s).map_err(|_| {
        FnError::Arg(
            arg,
            format!(
                "not a valid RFC3339 timestamp: cannot use {} as year",
                crate::format::go_quote(s)
            ),
        )
    })
}

fn format_rfc3339(t: &DateTime<FixedOffset>) -> String {
    let secs = if t.nanosecond() == 0 {
        SecondsFormat::Secs
    } else {
        SecondsFormat::AutoSi
    };
    t.to_rfc3339_opts(secs, true)
}

fn timeadd(a: &[Value]) -> FnResult {
    let t = parse_time(str_arg(a, 0), 0)?;
    let nanos = parse_duration(str_arg(a, 1)).ok_or_else(|| {
        FnError::Arg(
            1,
            format!(
                "time: invalid duration {}",
                crate::format::go_quote(str_arg(a, 1))
            ),
        )
    })?;
    let invalid = || {
        FnError::Arg(
            1,
            format!(
                "time: invalid duration {}",
                crate::format::go_quote(str_arg(a, 1))
            ),
        )
    };
    let nanos = i64::try_from(nanos).map_err(|_| invalid())?;
    let result = t
        .checked_add_signed(chrono::Duration::nanoseconds(nanos))
        .ok_or_else(invalid)?;
    Ok(Value::string(format_rfc3339(&result)))
}

/// Go's `time.ParseDuration`, in nanoseconds.
fn parse_duration(s: &str) -> Option<i128> {
    let (negative, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number_len == 0 {
            return None;
        }
        let value: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += value * unit;
    }
    // Go's durations are signed 64-bit nanoseconds: longer is invalid.
    if !total.is_finite() || total.round() > i64::MAX as f64 {
        return None;
    }
    let n = total.round() as i128;
    Some(if negative { -n } else { n })
}

fn formatdate(spec: &str, t: &DateTime<FixedOffset>) -> Result<String, FnError> {
    let chars: Vec<char> = spec.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            let close = chars[i + 1..]
                .iter()
                .position(|&x| x == '\'')
                .map(|p| p + i + 1);
            match close {
                Some(close) if close == i + 1 => {
                    out.push('\'');
                    i += 2;
                }
                Some(close) => {
                    out.extend(&chars[i + 1..close]);
                    i = close + 1;
                }
                None => return Err(FnError::Arg(0, "unterminated literal '".into())),
            }
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && chars[j] == c {
            j += 1;
        }
        let token: String = chars[i..j].iter().collect();
        i = j;
        let hour12 = match t.hour() % 12 {
            0 => 12,
            h => h,
        };
        let offset = t.offset().local_minus_utc();
        let (sign, off_h, off_m) = (
            if offset < 0 { '-' } else { '+' },
            offset.abs() / 3600,
            offset.abs() % 3600 / 60,
        );
        let piece = match token.as_str() {
            "YYYY" => format!("{:04}", t.year()),
            "YY" => format!("{:02}", t.year() % 100),
            "MMMM" => MONTHS[t.month0() as usize].to_string(),
            "MMM" => MONTHS[t.month0() as usize][..3].to_string(),
            "MM" => format!("{:02}", t.month()),
            "M" => t.month().to_string(),
            "DD" => format!("{:02}", t.day()),
            "D" => t.day().to_string(),
            "EEEE" => DAYS[t.weekday().num_days_from_monday() as usize].to_string(),
            "EEE" => DAYS[t.weekday().num_days_from_monday() as usize][..3].to_string(),
            "hh" => format!("{:02}", t.hour()),
            "h" => t.hour().to_string(),
            "HH" => format!("{:02}", hour12),
            "H" => hour12.to_string(),
            "AA" => if t.hour() < 12 { "AM" } else { "PM" }.to_string(),
            "aa" => if t.hour() < 12 { "am" } else { "pm" }.to_string(),
            "mm" => format!("{:02}", t.minute()),
            "m" => t.minute().to_string(),
            "ss" => format!("{:02}", t.second()),
            "s" => t.second().to_string(),
            "ZZZZZ" => format!("{sign}{off_h:02}:{off_m:02}"),
            "ZZZZ" => format!("{sign}{off_h:02}{off_m:02}"),
            "ZZZ" => {
                if offset == 0 {
                    "UTC".to_string()
                } else {
                    format!("{sign}{off_h:02}{off_m:02}")
                }
            }
            "Z" => {
                if offset == 0 {
                    "Z".to_string()
                } else {
                    format!("{sign}{off_h:02}:{off_m:02}")
                }
            }
            _ => {
                return Err(FnError::Arg(
                    0,
                    format!(
                        "invalid date format verb {}: unrecognized",
                        crate::format::go_quote(&token)
                    ),
                ))
            }
        };
        out.push_str(&piece);
    }
    Ok(out)
}
