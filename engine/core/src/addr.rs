//! Addresses of resources and their instances, printed as Terraform prints
//! them: `terraform_data.a`, `aws_instance.gpu[0]`, `data.x.y["k"]`.

use serde::{Deserialize, Serialize};
use std::fmt;
use strata_types::{Number, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Mode {
    #[serde(rename = "managed")]
    Managed,
    #[serde(rename = "data")]
    Data,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Managed => "managed",
            Mode::Data => "data",
        }
    }

    pub fn parse(s: &str) -> Mode {
        if s == "data" {
            Mode::Data
        } else {
            Mode::Managed
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourceAddr {
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mode == Mode::Data {
            f.write_str("data.")?;
        }
        write!(f, "{}.{}", self.type_name, self.name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum InstanceKey {
    None,
    Int(i64),
    Str(String),
}

impl InstanceKey {
    /// As `index_key` in state and plan JSON.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        match self {
            InstanceKey::None => None,
            InstanceKey::Int(i) => Some(serde_json::Value::from(*i)),
            InstanceKey::Str(s) => Some(serde_json::Value::from(s.clone())),
        }
    }

    pub fn from_json(j: Option<&serde_json::Value>) -> InstanceKey {
        match j {
            Some(serde_json::Value::Number(n)) => InstanceKey::Int(n.as_i64().unwrap_or(0)),
            Some(serde_json::Value::String(s)) => InstanceKey::Str(s.clone()),
            _ => InstanceKey::None,
        }
    }

    /// The key as a value, as `count.index` or `each.key` see it.
    pub fn to_value(&self) -> Value {
        match self {
            InstanceKey::None => Value::dynamic_null(),
            InstanceKey::Int(i) => Value::number(Number::from_i64(*i)),
            InstanceKey::Str(s) => Value::string(s.clone()),
        }
    }
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::None => Ok(()),
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", serde_json::Value::from(s.clone())),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InstanceAddr {
    pub resource: ResourceAddr,
    pub key: InstanceKey,
}

impl fmt::Display for InstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.resource, self.key)
    }
}

impl InstanceAddr {
    /// Parses `type.name`, `type.name[0]`, `type.name["k"]`, `data.t.n`.
    pub fn parse(text: &str) -> Option<InstanceAddr> {
        let (base, key) = match text.find('[') {
            Some(i) if text.ends_with(']') => {
                let inner = &text[i + 1..text.len() - 1];
                let key = if let Ok(n) = inner.parse::<i64>() {
                    InstanceKey::Int(n)
                } else {
                    InstanceKey::Str(serde_json::from_str::<String>(inner).ok()?)
                };
                (&text[..i], key)
            }
            _ => (text, InstanceKey::None),
        };
        let parts: Vec<&str> = base.split('.').collect();
        let (mode, type_name, name) = match parts.as_slice() {
            ["data", t, n] => (Mode::Data, *t, *n),
            [t, n] => (Mode::Managed, *t, *n),
            _ => return None,
        };
        Some(InstanceAddr {
            resource: ResourceAddr {
                mode,
                type_name: type_name.into(),
                name: name.into(),
            },
            key,
        })
    }
}
