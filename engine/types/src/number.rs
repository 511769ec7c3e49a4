//! Exact numbers with Terraform's semantics.
//!
//! Terraform numbers are binary floating-point numbers with a per-value
//! precision (512 bits for literals and parsed strings, 64 bits for integers
//! produced by functions such as `length`, 53 bits for results computed in
//! `float64` such as `pow`). Arithmetic rounds to nearest-even at the larger
//! precision of the operands, and printing produces the shortest decimal that
//! rounds back to the same value at that precision. This module reproduces
//! that model exactly so that `1/3`, `0.1 + 0.2` and big integers print as
//! Terraform prints them. Infinities exist (`1/0`); NaN does not.

use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use num_traits::{One, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt;

/// Precision of number literals and of numbers parsed from strings.
pub const LITERAL_PRECISION: u32 = 512;
/// Precision of numbers computed with 64-bit floats.
pub const FLOAT64_PRECISION: u32 = 53;

#[derive(Clone, Debug)]
pub enum Number {
    Finite(Finite),
    PosInf,
    NegInf,
}

/// `(-1)^negative * mantissa * 2^exponent`, mantissa odd or zero.
#[derive(Clone, Debug)]
pub struct Finite {
    negative: bool,
    mantissa: BigUint,
    exponent: i64,
    precision: u32,
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.cmp_value(other) == Ordering::Equal
    }
}

impl Number {
    pub fn zero() -> Number {
        Number::from_i64(0)
    }

    /// An integer, with the precision Go's `big.Float.SetInt` gives it.
    pub fn from_bigint(value: &BigInt) -> Number {
        let bits = value.bits() as u32;
        let (sign, magnitude) = (value.sign(), value.magnitude().clone());
        Number::from_parts(sign == Sign::Minus, magnitude, 0, bits.max(64))
    }

    pub fn from_i64(value: i64) -> Number {
        Number::from_bigint(&BigInt::from(value))
    }

    pub fn from_usize(value: usize) -> Number {
        Number::from_bigint(&BigInt::from(value))
    }

    /// A 64-bit float, with 53 bits of precision. NaN maps to `None`.
    pub fn from_f64(value: f64) -> Option<Number> {
        if value.is_nan() {
            return None;
        }
        if value.is_infinite() {
            return Some(if value > 0.0 {
                Number::PosInf
            } else {
                Number::NegInf
            });
        }
        let bits = value.to_bits();
        let negative = bits >> 63 == 1;
        let exponent_bits = ((bits >> 52) & 0x7ff) as i64;
        let fraction = bits & ((1u64 << 52) - 1);
        let (mantissa, exponent) = if exponent_bits == 0 {
            (fraction, -1074)
        } else {
            (fraction | (1u64 << 52), exponent_bits - 1075)
        };
        Some(Number::from_parts(
            negative,
            BigUint::from(mantissa),
            exponent,
            FLOAT64_PRECISION,
        ))
    }

    fn from_parts(negative: bool, mantissa: BigUint, exponent: i64, precision: u32) -> Number {
        let (mantissa, exponent) = round_to_precision(mantissa, exponent, precision, false);
        Number::Finite(Finite {
            negative,
            mantissa,
            exponent,
            precision,
        })
    }

    /// Parses a decimal literal (`12`, `-1.5e3`) at 512-bit precision.
    pub fn parse(text: &str) -> Option<Number> {
        let text = text.trim();
        let (negative, body) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let lower = body.to_ascii_lowercase();
        if lower == "inf" || lower == "infinity" {
            return Some(if negative {
                Number::NegInf
            } else {
                Number::PosInf
            });
        }
        let (significand, exp_part) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], Some(&body[i + 1..])),
            None => (body, None),
        };
        let mut decimal_exponent: i64 = match exp_part {
            Some(e) => {
                let e = e.strip_prefix('+').unwrap_or(e);
                if e.is_empty()
                    || !e
                        .trim_start_matches('-')
                        .bytes()
                        .all(|b| b.is_ascii_digit())
                {
                    return None;
                }
                e.parse().ok()?
            }
            None => 0,
        };
        let (int_part, frac_part) = match significand.find('.') {
            Some(i) => (&significand[..i], &significand[i + 1..]),
            None => (significand, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        if !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        if decimal_exponent.abs() > 100_000 {
            return None;
        }
        let mut digits = String::with_capacity(int_part.len() + frac_part.len());
        digits.push_str(int_part);
        digits.push_str(frac_part);
        decimal_exponent -= frac_part.len() as i64;
        let integer = BigUint::parse_bytes(digits.as_bytes(), 10).unwrap_or_default();
        Some(Number::from_decimal(
            negative,
            integer,
            decimal_exponent,
            LITERAL_PRECISION,
        ))
    }

    /// `(-1)^negative * digits * 10^exponent`, rounded to `precision` bits.
    fn from_decimal(negative: bool, digits: BigUint, exponent: i64, precision: u32) -> Number {
        if exponent >= 0 {
            let value = digits * BigUint::from(10u32).pow(exponent as u32);
            Number::from_parts(negative, value, 0, precision)
        } else {
            let denominator = BigUint::from(10u32).pow((-exponent) as u32);
            let (mantissa, exp) = divide_rounded(&digits, 0, &denominator, 0, precision);
            Number::Finite(Finite {
                negative,
                mantissa,
                exponent: exp,
                precision,
            })
        }
    }

    pub fn is_infinite(&self) -> bool {
        !matches!(self, Number::Finite(_))
    }

    pub fn is_negative(&self) -> bool {
        match self {
            Number::Finite(f) => f.negative && !f.mantissa.is_zero(),
            Number::NegInf => true,
            Number::PosInf => false,
        }
    }

    pub fn is_zero(&self) -> bool {
        matches!(self, Number::Finite(f) if f.mantissa.is_zero())
    }

    fn precision(&self) -> u32 {
        match self {
            Number::Finite(f) => f.precision,
            _ => LITERAL_PRECISION,
        }
    }

    pub fn is_integer(&self) -> bool {
        match self {
            Number::Finite(f) => f.mantissa.is_zero() || f.exponent >= 0,
            _ => false,
        }
    }

    /// The value as an exact integer, when it is one.
    pub fn to_bigint(&self) -> Option<BigInt> {
        match self {
            Number::Finite(f) if self.is_integer() => {
                let magnitude = &f.mantissa << (f.exponent.max(0) as usize);
                Some(BigInt::from_biguint(
                    if f.negative { Sign::Minus } else { Sign::Plus },
                    magnitude,
                ))
            }
            _ => None,
        }
    }

    pub fn to_i64(&self) -> Option<i64> {
        self.to_bigint()?.to_i64()
    }

    /// The integer part (truncated towards zero) as i64, when in range.
    pub fn trunc_i64(&self) -> Option<i64> {
        self.trunc().to_i64()
    }

    pub fn to_f64(&self) -> f64 {
        match self {
            Number::PosInf => f64::INFINITY,
            Number::NegInf => f64::NEG_INFINITY,
            Number::Finite(f) => {
                let shown = Number::from_parts(f.negative, f.mantissa.clone(), f.exponent, 53);
                let Number::Finite(r) = shown else {
                    unreachable!()
                };
                let m = r.mantissa.to_f64().unwrap_or(0.0);
                let v = m * 2f64.powi(r.exponent.clamp(-2000, 2000) as i32);
                let v = if r.exponent < -1000 {
                    // Avoid underflow of the power for subnormal results.
                    m * 2f64.powi(-1000) * 2f64.powi((r.exponent + 1000).clamp(-2000, 0) as i32)
                } else {
                    v
                };
                if f.negative {
                    -v
                } else {
                    v
                }
            }
        }
    }

    pub fn neg(&self) -> Number {
        match self {
            Number::PosInf => Number::NegInf,
            Number::NegInf => Number::PosInf,
            Number::Finite(f) => Number::Finite(Finite {
                negative: !f.negative,
                ..f.clone()
            }),
        }
    }

    pub fn abs(&self) -> Number {
        if self.is_negative() {
            self.neg()
        } else {
            self.clone()
        }
    }

    fn signed(f: &Finite) -> BigInt {
        BigInt::from_biguint(
            if f.negative { Sign::Minus } else { Sign::Plus },
            f.mantissa.clone(),
        )
    }

    pub fn add(&self, other: &Number) -> Option<Number> {
        match (self, other) {
            (Number::PosInf, Number::NegInf) | (Number::NegInf, Number::PosInf) => None,
            (Number::PosInf, _) | (_, Number::PosInf) => Some(Number::PosInf),
            (Number::NegInf, _) | (_, Number::NegInf) => Some(Number::NegInf),
            (Number::Finite(a), Number::Finite(b)) => {
                let precision = a.precision.max(b.precision);
                let exponent = a.exponent.min(b.exponent);
                let sa = Number::signed(a) << ((a.exponent - exponent) as usize);
                let sb = Number::signed(b) << ((b.exponent - exponent) as usize);
                let sum = sa + sb;
                let negative = if sum.is_zero() {
                    a.negative && b.negative
                } else {
                    sum.sign() == Sign::Minus
                };
                Some(Number::from_parts(
                    negative,
                    sum.magnitude().clone(),
                    exponent,
                    precision,
                ))
            }
        }
    }

    pub fn sub(&self, other: &Number) -> Option<Number> {
        self.add(&other.neg())
    }

    pub fn mul(&self, other: &Number) -> Option<Number> {
        let negative = self.sign_bit() != other.sign_bit();
        match (self, other) {
            (Number::Finite(a), Number::Finite(b)) => Some(Number::from_parts(
                negative,
                &a.mantissa * &b.mantissa,
                a.exponent + b.exponent,
                a.precision.max(b.precision),
            )),
            _ if self.is_zero() || other.is_zero() => None,
            _ => Some(if negative {
                Number::NegInf
            } else {
                Number::PosInf
            }),
        }
    }

    fn sign_bit(&self) -> bool {
        match self {
            Number::Finite(f) => f.negative,
            Number::NegInf => true,
            Number::PosInf => false,
        }
    }

    /// Division; `None` for `0/0` and `inf/inf`.
    pub fn div(&self, other: &Number) -> Option<Number> {
        let negative = self.sign_bit() != other.sign_bit();
        match (self, other) {
            (Number::Finite(a), Number::Finite(b)) => {
                if b.mantissa.is_zero() {
                    if a.mantissa.is_zero() {
                        return None;
                    }
                    return Some(if negative {
                        Number::NegInf
                    } else {
                        Number::PosInf
                    });
                }
                let precision = a.precision.max(b.precision);
                if a.mantissa.is_zero() {
                    return Some(Number::Finite(Finite {
                        negative,
                        mantissa: BigUint::zero(),
                        exponent: 0,
                        precision,
                    }));
                }
                let (mantissa, exponent) =
                    divide_rounded(&a.mantissa, a.exponent, &b.mantissa, b.exponent, precision);
                Some(Number::Finite(Finite {
                    negative,
                    mantissa,
                    exponent,
                    precision,
                }))
            }
            (Number::Finite(_), _) => Some(Number::Finite(Finite {
                negative,
                mantissa: BigUint::zero(),
                exponent: 0,
                precision: self.precision(),
            })),
            (_, Number::Finite(_)) => Some(if negative {
                Number::NegInf
            } else {
                Number::PosInf
            }),
            _ => None,
        }
    }

    /// Truncated remainder as cty computes it: `a - b * trunc(a / b)`.
    pub fn rem(&self, other: &Number) -> Option<Number> {
        if other.is_zero() {
            return Some(self.clone());
        }
        if self.is_infinite() {
            return Some(self.clone());
        }
        if other.is_infinite() {
            return Some(self.clone());
        }
        if let (Some(a), Some(b)) = (self.to_bigint(), other.to_bigint()) {
            let r = a % b;
            let mut n = Number::from_bigint(&r);
            if let Number::Finite(f) = &mut n {
                f.precision = self.precision().max(other.precision());
            }
            return Some(n);
        }
        let quotient = self.div(other)?.trunc();
        self.sub(&other.mul(&quotient)?)
    }

    pub fn trunc(&self) -> Number {
        match self {
            Number::Finite(f) if f.exponent < 0 => {
                let shift = (-f.exponent) as u64;
                let mantissa = &f.mantissa >> shift as usize;
                Number::from_parts(f.negative, mantissa, 0, f.precision)
            }
            _ => self.clone(),
        }
    }

    pub fn floor(&self) -> Number {
        let t = self.trunc();
        if self.is_negative() && t != *self {
            t.sub(&Number::from_i64(1)).unwrap_or(t)
        } else {
            t
        }
    }

    pub fn ceil(&self) -> Number {
        let t = self.trunc();
        if !self.is_negative() && t != *self {
            t.add(&Number::from_i64(1)).unwrap_or(t)
        } else {
            t
        }
    }

    /// Sets the precision of an integer result to 64 bits or more, as
    /// `big.Float.SetInt` does (used by functions that return integers).
    pub fn as_function_integer(&self) -> Number {
        match self.to_bigint() {
            Some(i) => Number::from_bigint(&i),
            None => self.clone(),
        }
    }

    pub fn cmp_value(&self, other: &Number) -> Ordering {
        match (self, other) {
            (Number::PosInf, Number::PosInf) | (Number::NegInf, Number::NegInf) => Ordering::Equal,
            (Number::PosInf, _) | (_, Number::NegInf) => Ordering::Greater,
            (Number::NegInf, _) | (_, Number::PosInf) => Ordering::Less,
            (Number::Finite(a), Number::Finite(b)) => {
                let exponent = a.exponent.min(b.exponent);
                let sa = Number::signed(a) << ((a.exponent - exponent) as usize);
                let sb = Number::signed(b) << ((b.exponent - exponent) as usize);
                sa.cmp(&sb)
            }
        }
    }

    /// The shortest decimal that rounds back to this value at its
    /// precision, in plain (non-exponent) notation, as Go's
    /// `big.Float.Text('f', -1)` prints it.
    pub fn to_decimal_string(&self) -> String {
        let f = match self {
            Number::PosInf => return "+Inf".into(),
            Number::NegInf => return "-Inf".into(),
            Number::Finite(f) => f,
        };
        let sign = if f.negative { "-" } else { "" };
        if f.mantissa.is_zero() {
            return format!("{sign}0");
        }
        // Small integers narrower than the precision print as themselves:
        // no shorter decimal lies within half an ulp of them.
        let bits = f.mantissa.bits() as i64 + f.exponent;
        if f.exponent >= 0 && bits <= 64 && bits < f.precision as i64 {
            if let Some(m) = f.mantissa.to_u64() {
                return format!("{sign}{}", m << f.exponent);
            }
        }
        let mut exact = Decimal::from_binary(&f.mantissa, f.exponent);
        round_shortest(&mut exact, f);
        format!("{sign}{}", exact.to_plain())
    }
}

impl fmt::Display for Number {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        out.write_str(&self.to_decimal_string())
    }
}

/// Rounds `mantissa * 2^exponent` to `precision` significant bits, nearest
/// even, and returns it in canonical form (odd mantissa or zero).
fn round_to_precision(
    mantissa: BigUint,
    exponent: i64,
    precision: u32,
    sticky: bool,
) -> (BigUint, i64) {
    if mantissa.is_zero() {
        return (mantissa, 0);
    }
    let bits = mantissa.bits();
    let (mut mantissa, mut exponent) = if bits > precision as u64 {
        let shift = bits - precision as u64;
        let kept = &mantissa >> shift as usize;
        let half = BigUint::one() << (shift - 1) as usize;
        let remainder = &mantissa - (&kept << shift as usize);
        let round_up = match remainder.cmp(&half) {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal => sticky || kept.is_odd(),
        };
        let kept = if round_up { kept + 1u32 } else { kept };
        (kept, exponent + shift as i64)
    } else {
        (mantissa, exponent)
    };
    let zeros = mantissa.trailing_zeros().unwrap_or(0);
    if zeros > 0 {
        mantissa >>= zeros as usize;
        exponent += zeros as i64;
    }
    (mantissa, exponent)
}

/// `(n * 2^ne) / (d * 2^de)` rounded to `precision` bits.
fn divide_rounded(n: &BigUint, ne: i64, d: &BigUint, de: i64, precision: u32) -> (BigUint, i64) {
    // Scale the numerator so the quotient has at least precision + 2 bits.
    let want = precision as i64 + 2;
    let shift = (want - (n.bits() as i64 - d.bits() as i64)).max(0);
    let scaled = n << shift as usize;
    let (quotient, remainder) = scaled.div_rem(d);
    let sticky = !remainder.is_zero();
    // Fold the sticky bit in as an extra low bit so ties are broken right.
    let quotient = (quotient << 1usize) | BigUint::from(sticky as u32);
    round_to_precision(quotient, ne - de - shift - 1, precision, false)
}

/// A decimal number `0.d1d2d3... * 10^point`, digits without trailing zeros.
struct Decimal {
    digits: Vec<u8>,
    point: i64,
}

impl Decimal {
    /// The exact decimal value of `mantissa * 2^exponent`.
    fn from_binary(mantissa: &BigUint, exponent: i64) -> Decimal {
        let (integer, fraction_digits) = if exponent >= 0 {
            (mantissa << exponent as usize, 0i64)
        } else {
            let k = (-exponent) as u32;
            (mantissa * BigUint::from(5u32).pow(k), k as i64)
        };
        let text = integer.to_str_radix(10);
        let mut digits: Vec<u8> = text.into_bytes();
        let point = digits.len() as i64 - fraction_digits;
        let leading = digits.iter().take_while(|&&b| b == b'0').count();
        digits.drain(..leading);
        let point = point - leading as i64;
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        Decimal { digits, point }
    }

    fn at(&self, index: usize) -> u8 {
        *self.digits.get(index).unwrap_or(&b'0')
    }

    fn round_down(&mut self, n: usize) {
        self.digits.truncate(n);
        self.trim();
    }

    fn round_up(&mut self, n: usize) {
        self.digits.truncate(n);
        let mut i = n;
        while i > 0 && self.digits[i - 1] == b'9' {
            i -= 1;
        }
        if i == 0 {
            self.digits = vec![b'1'];
            self.point += 1;
        } else {
            self.digits.truncate(i);
            self.digits[i - 1] += 1;
        }
        self.trim();
    }

    fn round(&mut self, n: usize) {
        if n >= self.digits.len() {
            return;
        }
        let up = if self.digits[n] == b'5' && n + 1 == self.digits.len() {
            n > 0 && (self.digits[n - 1] - b'0') % 2 == 1
        } else {
            self.digits[n] >= b'5'
        };
        if up {
            self.round_up(n)
        } else {
            self.round_down(n)
        }
    }

    fn trim(&mut self) {
        while self.digits.last() == Some(&b'0') {
            self.digits.pop();
        }
        if self.digits.is_empty() {
            self.point = 0;
        }
    }

    fn to_plain(&self) -> String {
        if self.digits.is_empty() {
            return "0".into();
        }
        let digits = std::str::from_utf8(&self.digits).unwrap_or("0");
        if self.point <= 0 {
            format!("0.{}{}", "0".repeat((-self.point) as usize), digits)
        } else if self.point as usize >= digits.len() {
            format!(
                "{}{}",
                digits,
                "0".repeat(self.point as usize - digits.len())
            )
        } else {
            let (a, b) = digits.split_at(self.point as usize);
            format!("{a}.{b}")
        }
    }
}

/// Go's `roundShortest`: the fewest digits that still round to `x`.
fn round_shortest(d: &mut Decimal, x: &Finite) {
    // mant * 2^exp with the lowest bit worth half an ulp at x's precision.
    let bits = x.mantissa.bits() as i64;
    let msb_exponent = x.exponent + bits; // Go's x.exp
    let mut mantissa = x.mantissa.clone();
    let mut exponent = msb_exponent - bits;
    let s = bits - (x.precision as i64 + 1);
    if s < 0 {
        mantissa <<= (-s) as usize;
    } else if s > 0 {
        mantissa >>= s as usize;
    }
    exponent += s;
    let lower = Decimal::from_binary_aligned(&(&mantissa - 1u32), exponent, d);
    let upper = Decimal::from_binary_aligned(&(&mantissa + 1u32), exponent, d);
    let inclusive = !mantissa.bit(1);
    for i in 0..d.digits.len() {
        let m = d.digits[i];
        let l = lower.at(i);
        let u = upper.at(i);
        let ok_down = l != m || inclusive && i + 1 == lower.digits.len();
        let ok_up = m != u && (inclusive || m + 1 < u || i + 1 < upper.digits.len());
        match (ok_down, ok_up) {
            (true, true) => return d.round(i + 1),
            (true, false) => return d.round_down(i + 1),
            (false, true) => return d.round_up(i + 1),
            _ => {}
        }
    }
}

impl Decimal {
    /// A decimal of `mantissa * 2^exponent`, with its digits shifted so they
    /// line up with `reference` (leading zeros where its point is lower),
    /// as Go's decimal comparison by index assumes equal exponents.
    fn from_binary_aligned(mantissa: &BigUint, exponent: i64, reference: &Decimal) -> Decimal {
        let mut d = Decimal::from_binary(mantissa, exponent);
        if d.point < reference.point {
            let pad = (reference.point - d.point) as usize;
            let mut digits = vec![b'0'; pad];
            digits.extend_from_slice(&d.digits);
            d.digits = digits;
            d.point = reference.point;
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn prints_like_terraform() {
        assert_eq!(n("0.1").add(&n("0.2")).unwrap().to_string(), "0.3");
        assert_eq!(
            n("1").div(&n("3")).unwrap().to_string(),
            "0.33333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333335"
        );
        assert_eq!(n("1e400").to_string(), format!("1{}", "0".repeat(400)));
        assert_eq!(n("1.5e-7").to_string(), "0.00000015");
        assert_eq!(
            Number::from_f64(2f64.sqrt()).unwrap().to_string(),
            "1.4142135623730951"
        );
        assert_eq!(
            Number::from_f64(2f64.sqrt())
                .unwrap()
                .mul(&n("1"))
                .unwrap()
                .to_string(),
            "1.4142135623730951454746218587388284504413604736328125"
        );
        assert_eq!(
            n("2")
                .div(&n("3"))
                .unwrap()
                .mul(&n("3"))
                .unwrap()
                .to_string(),
            "2"
        );
        assert_eq!(n("-7").rem(&n("3")).unwrap().to_string(), "-1");
        assert_eq!(n("-0").to_string(), "-0");
        assert_eq!(
            n("100000000000000000000000.5").to_string(),
            "100000000000000000000000.5"
        );
    }
}
