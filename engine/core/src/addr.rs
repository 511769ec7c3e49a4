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

/// One step of a module instance path: `module.name[key]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ModuleStep {
    pub name: String,
    pub key: InstanceKey,
}

/// The path of a module instance; empty for the root module.
pub type ModulePath = Vec<ModuleStep>;

/// `module.a["x"].module.b` (empty for the root module).
pub fn module_path_text(path: &[ModuleStep]) -> String {
    path.iter()
        .map(|s| format!("module.{}{}", s.name, s.key))
        .collect::<Vec<_>>()
        .join(".")
}

/// Parses what [`module_path_text`] prints.
pub fn parse_module_path(text: &str) -> Option<ModulePath> {
    let mut rest = text;
    let mut path = Vec::new();
    while !rest.is_empty() {
        rest = rest.strip_prefix("module.")?;
        let name_end = rest.find(['.', '[']).unwrap_or(rest.len());
        let name = rest[..name_end].to_string();
        rest = &rest[name_end..];
        let mut key = InstanceKey::None;
        if rest.starts_with('[') {
            let close = rest.find(']')?;
            let inner = &rest[1..close];
            key = match inner.parse::<i64>() {
                Ok(n) => InstanceKey::Int(n),
                Err(_) => InstanceKey::Str(serde_json::from_str::<String>(inner).ok()?),
            };
            rest = &rest[close + 1..];
        }
        path.push(ModuleStep { name, key });
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    Some(path)
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourceAddr {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub module: ModulePath,
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
}

impl ResourceAddr {
    pub fn new(mode: Mode, type_name: impl Into<String>, name: impl Into<String>) -> ResourceAddr {
        ResourceAddr {
            module: Vec::new(),
            mode,
            type_name: type_name.into(),
            name: name.into(),
        }
    }

    pub fn in_module(mut self, module: &[ModuleStep]) -> ResourceAddr {
        self.module = module.to_vec();
        self
    }
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_empty() {
            write!(f, "{}.", module_path_text(&self.module))?;
        }
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
    /// Parses `type.name`, `type.name[0]`, `type.name["k"]`, `data.t.n`,
    /// each optionally behind a module path (`module.a["x"].`).
    pub fn parse(text: &str) -> Option<InstanceAddr> {
        let mut module = Vec::new();
        let mut text = text;
        while text.starts_with("module.") {
            // The module step runs to the dot after its name and key.
            let after_name = text["module.".len()..]
                .find(['.', '['])
                .map(|i| i + "module.".len())?;
            let step_end = if text[after_name..].starts_with('[') {
                after_name + text[after_name..].find(']')? + 1
            } else {
                after_name
            };
            module.extend(parse_module_path(&text[..step_end])?);
            text = text[step_end..].strip_prefix('.')?;
        }
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
                module,
                mode,
                type_name: type_name.into(),
                name: name.into(),
            },
            key,
        })
    }
}

/// The address of an instance as the state stores it
/// (`module.a["x"].aws_instance.b[0]`).
pub fn state_instance_address(
    r: &strata_state::ResourceState,
    i: &strata_state::InstanceState,
) -> InstanceAddr {
    InstanceAddr {
        resource: ResourceAddr {
            module: parse_module_path(&r.module).unwrap_or_default(),
            mode: Mode::parse(&r.mode),
            type_name: r.type_name.clone(),
            name: r.name.clone(),
        },
        key: InstanceKey::from_json(i.index_key.as_ref()),
    }
}
