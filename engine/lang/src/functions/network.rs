//! CIDR functions for IPv4 and IPv6.

use super::{int_arg, num_arg, str_arg, FnError, FnResult};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use strata_types::{Type, Value};

pub(super) fn call(name: &str, a: &[Value]) -> Option<FnResult> {
    Some(match name {
        "cidrhost" => cidrhost(a),
        "cidrnetmask" => cidrnetmask(a),
        "cidrsubnet" => cidrsubnet(a),
        "cidrsubnets" => cidrsubnets(a),
        _ => return None,
    })
}

struct Net {
    v6: bool,
    addr: u128,
    prefix: u32,
}

impl Net {
    fn bits(&self) -> u32 {
        if self.v6 {
            128
        } else {
            32
        }
    }
    fn base(&self) -> u128 {
        let host = self.bits() - self.prefix;
        if host >= 128 {
            0
        } else {
            self.addr >> host << host
        }
    }
    fn show(&self, addr: u128) -> String {
        if self.v6 {
            Ipv6Addr::from(addr).to_string()
        } else {
            Ipv4Addr::from(addr as u32).to_string()
        }
    }
}

fn parse(s: &str) -> Result<Net, FnError> {
    let invalid = || FnError::Arg(0, format!("invalid CIDR address: {s}"));
    let (ip, prefix) = s.split_once('/').ok_or_else(invalid)?;
    let prefix: u32 = prefix.parse().map_err(|_| invalid())?;
    let ip: IpAddr = ip.parse().map_err(|_| invalid())?;
    let (v6, addr) = match ip {
        IpAddr::V4(v4) => (false, u32::from(v4) as u128),
        IpAddr::V6(v6) => (true, u128::from(v6)),
    };
    let net = Net { v6, addr, prefix };
    if prefix > net.bits() {
        return Err(invalid());
    }
    Ok(net)
}

fn cidrhost(a: &[Value]) -> FnResult {
    let net = parse(str_arg(a, 0))?;
    let host_bits = net.bits() - net.prefix;
    let n = num_arg(a, 1);
    let num = n
        .to_bigint()
        .ok_or_else(|| FnError::Arg(1, "value must be a whole number".into()))?;
    let size = num_bigint::BigInt::from(1u8) << host_bits as usize;
    let index = if num.sign() == num_bigint::Sign::Minus {
        &size + &num
    } else {
        num.clone()
    };
    if index.sign() == num_bigint::Sign::Minus || index >= size {
        return Err(FnError::Call(format!(
            "prefix of {} bits cannot accommodate a host numbered {}",
            host_bits, num
        )));
    }
    let offset: u128 = index.try_into().unwrap_or(0);
    Ok(Value::string(net.show(net.base() + offset)))
}

fn cidrnetmask(a: &[Value]) -> FnResult {
    let net = parse(str_arg(a, 0))?;
    if net.v6 {
        return Err(FnError::Call("IPv6 addresses cannot have a netmask".into()));
    }
    let mask: u32 = if net.prefix == 0 {
        0
    } else {
        u32::MAX << (32 - net.prefix)
    };
    Ok(Value::string(Ipv4Addr::from(mask).to_string()))
}

fn subnet(net: &Net, newbits: i64, netnum: i64) -> Result<String, FnError> {
    if newbits < 0 {
        return Err(FnError::Call(
            "must extend prefix by at least one bit".into(),
        ));
    }
    let new_prefix = net.prefix as i64 + newbits;
    if new_prefix > net.bits() as i64 {
        return Err(FnError::Call(format!(
            "insufficient address space to extend prefix of {} by {}",
            net.prefix, newbits
        )));
    }
    let max = if newbits >= 127 {
        u128::MAX
    } else {
        (1u128 << newbits) - 1
    };
    if netnum < 0 || netnum as u128 > max {
        return Err(FnError::Call(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
        )));
    }
    let shift = net.bits() as i64 - new_prefix;
    let addr = net.base() | ((netnum as u128) << shift);
    Ok(format!("{}/{}", net.show(addr), new_prefix))
}

fn cidrsubnet(a: &[Value]) -> FnResult {
    let net = parse(str_arg(a, 0))?;
    let newbits = int_arg(a, 1)?;
    let netnum = int_arg(a, 2)?;
    subnet(&net, newbits, netnum).map(Value::string)
}

fn cidrsubnets(a: &[Value]) -> FnResult {
    let net = parse(str_arg(a, 0))?;
    let mut current = net.base();
    let mut out = Vec::new();
    let mut first = true;
    for i in 1..a.len() {
        let newbits = int_arg(a, i)?;
        if newbits < 1 {
            return Err(FnError::Arg(
                i,
                "must extend prefix by at least one bit".into(),
            ));
        }
        let new_prefix = net.prefix as i64 + newbits;
        if new_prefix > net.bits() as i64 {
            return Err(FnError::Arg(
                i,
                format!(
                    "would extend prefix to {} bits, which is too long for an IPv{} address",
                    new_prefix,
                    if net.v6 { 6 } else { 4 }
                ),
            ));
        }
        let block = 1u128 << (net.bits() as i64 - new_prefix);
        if !first {
            // Align up to the next block of this size.
            current = current.div_ceil(block) * block;
        }
        first = false;
        let end_of_net = net.base()
            + if net.bits() - net.prefix >= 128 {
                u128::MAX
            } else {
                (1u128 << (net.bits() - net.prefix)) - 1
            };
        if current > end_of_net || current + block - 1 > end_of_net {
            return Err(FnError::Arg(i, format!("not enough remaining address space for a subnet with a prefix of {new_prefix} bits after {}", out.last().and_then(|v: &Value| v.as_str().map(str::to_string)).unwrap_or_default())));
        }
        out.push(Value::string(format!(
            "{}/{}",
            net.show(current),
            new_prefix
        )));
        current += block;
    }
    Ok(Value::list(Type::String, out))
}
