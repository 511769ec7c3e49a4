//! The `random` provider: values generated once at create and kept in
//! state until a configured argument (or `keepers`) changes.

use crate::simple::{fill_unknowns, plan_replace_on_change};
use async_trait::async_trait;
use base64::Engine;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use strata_provider::{
    attr, ApplyRequest, Attribute, PlanRequest, PlanResponse, Provider, ProviderError,
    ProviderResult, ProviderSchema, Schema,
};
use strata_types::{Number, Type, Value};

pub struct RandomProvider;

fn keepers() -> (&'static str, Attribute) {
    (
        "keepers",
        Attribute::optional(Type::map(Type::String)).force_new(),
    )
}

fn string_schema(sensitive: bool) -> Schema {
    let result = Attribute::computed(Type::String);
    let mut attributes = vec![
        ("id", Attribute::computed(Type::String)),
        ("length", Attribute::required(Type::Number).force_new()),
        (
            "special",
            Attribute::optional_computed(Type::Bool).force_new(),
        ),
        (
            "upper",
            Attribute::optional_computed(Type::Bool).force_new(),
        ),
        (
            "lower",
            Attribute::optional_computed(Type::Bool).force_new(),
        ),
        (
            "numeric",
            Attribute::optional_computed(Type::Bool).force_new(),
        ),
        (
            "min_special",
            Attribute::optional_computed(Type::Number).force_new(),
        ),
        (
            "min_upper",
            Attribute::optional_computed(Type::Number).force_new(),
        ),
        (
            "min_lower",
            Attribute::optional_computed(Type::Number).force_new(),
        ),
        (
            "min_numeric",
            Attribute::optional_computed(Type::Number).force_new(),
        ),
        (
            "override_special",
            Attribute::optional(Type::String).force_new(),
        ),
        (
            "result",
            if sensitive {
                result.sensitive()
            } else {
                result
            },
        ),
        keepers(),
    ];
    if sensitive {
        attributes.push(("bcrypt_hash", Attribute::computed(Type::String).sensitive()));
    }
    Schema::new(attributes)
}

fn schemas() -> BTreeMap<String, Schema> {
    BTreeMap::from([
        (
            "random_id".to_string(),
            Schema::new([
                ("id", Attribute::computed(Type::String)),
                ("byte_length", Attribute::required(Type::Number).force_new()),
                ("prefix", Attribute::optional(Type::String).force_new()),
                ("b64_url", Attribute::computed(Type::String)),
                ("b64_std", Attribute::computed(Type::String)),
                ("hex", Attribute::computed(Type::String)),
                ("dec", Attribute::computed(Type::String)),
                keepers(),
            ]),
        ),
        ("random_string".to_string(), string_schema(false)),
        ("random_password".to_string(), string_schema(true)),
        (
            "random_integer".to_string(),
            Schema::new([
                ("id", Attribute::computed(Type::String)),
                ("min", Attribute::required(Type::Number).force_new()),
                ("max", Attribute::required(Type::Number).force_new()),
                ("seed", Attribute::optional(Type::String).force_new()),
                ("result", Attribute::computed(Type::Number)),
                keepers(),
            ]),
        ),
        (
            "random_uuid".to_string(),
            Schema::new([
                ("id", Attribute::computed(Type::String)),
                ("result", Attribute::computed(Type::String)),
                keepers(),
            ]),
        ),
        (
            "random_shuffle".to_string(),
            Schema::new([
                ("id", Attribute::computed(Type::String)),
                (
                    "input",
                    Attribute::required(Type::list(Type::String)).force_new(),
                ),
                (
                    "result_count",
                    Attribute::optional(Type::Number).force_new(),
                ),
                ("seed", Attribute::optional(Type::String).force_new()),
                ("result", Attribute::computed(Type::list(Type::String))),
                keepers(),
            ]),
        ),
        (
            "random_pet".to_string(),
            Schema::new([
                ("id", Attribute::computed(Type::String)),
                (
                    "length",
                    Attribute::optional_computed(Type::Number).force_new(),
                ),
                ("prefix", Attribute::optional(Type::String).force_new()),
                (
                    "separator",
                    Attribute::optional_computed(Type::String).force_new(),
                ),
                keepers(),
            ]),
        ),
    ])
}

fn defaults(type_name: &str) -> Vec<(&'static str, Value)> {
    match type_name {
        "random_string" | "random_password" => vec![
            ("special", Value::bool(true)),
            ("upper", Value::bool(true)),
            ("lower", Value::bool(true)),
            ("numeric", Value::bool(true)),
            ("min_special", Value::int(0)),
            ("min_upper", Value::int(0)),
            ("min_lower", Value::int(0)),
            ("min_numeric", Value::int(0)),
        ],
        "random_pet" => vec![("length", Value::int(2)), ("separator", Value::string("-"))],
        _ => vec![],
    }
}

fn int(v: &Value, name: &str) -> Option<i64> {
    attr(v, name)
        .and_then(Value::as_number)
        .and_then(Number::to_i64)
}

fn flag(v: &Value, name: &str) -> bool {
    attr(v, name).and_then(Value::as_bool).unwrap_or(true)
}

const ADJECTIVES: &[&str] = &[
    "able", "bold", "brave", "calm", "clever", "eager", "fair", "fast", "gentle", "happy", "keen",
    "kind", "lively", "neat", "noble", "proud", "quick", "quiet", "sharp", "smart", "steady",
    "sunny", "swift", "tidy", "vast", "warm", "wise", "witty",
];
const NAMES: &[&str] = &[
    "badger", "beagle", "bison", "cobra", "condor", "crane", "dingo", "eagle", "falcon", "ferret",
    "gecko", "heron", "ibex", "jaguar", "koala", "lemur", "lynx", "marten", "newt", "otter",
    "panda", "puffin", "quail", "raven", "salmon", "tapir", "walrus", "yak",
];

fn random_string(planned: &Value, rng: &mut impl Rng) -> ProviderResult<String> {
    let length = int(planned, "length").ok_or_else(|| {
        ProviderError::at("Invalid length", "length must be a whole number", "length")
    })?;
    if !(1..=1024).contains(&length) {
        return Err(ProviderError::at(
            "Invalid length",
            "length must be between 1 and 1024",
            "length",
        ));
    }
    let special_chars = attr(planned, "override_special")
        .and_then(Value::as_str)
        .unwrap_or("!@#$%&*()-_=+[]{}<>:?");
    let mut classes: Vec<(Vec<char>, i64)> = Vec::new();
    if flag(planned, "upper") {
        classes.push((
            ('A'..='Z').collect(),
            int(planned, "min_upper").unwrap_or(0),
        ));
    }
    if flag(planned, "lower") {
        classes.push((
            ('a'..='z').collect(),
            int(planned, "min_lower").unwrap_or(0),
        ));
    }
    if flag(planned, "numeric") {
        classes.push((
            ('0'..='9').collect(),
            int(planned, "min_numeric").unwrap_or(0),
        ));
    }
    if flag(planned, "special") && !special_chars.is_empty() {
        classes.push((
            special_chars.chars().collect(),
            int(planned, "min_special").unwrap_or(0),
        ));
    }
    if classes.is_empty() {
        return Err(ProviderError::failed(
            "No characters",
            "at least one of upper, lower, numeric and special must be true",
        ));
    }
    let mut out: Vec<char> = Vec::new();
    for (chars, min) in &classes {
        for _ in 0..*min {
            out.push(chars[rng.random_range(0..chars.len())]);
        }
    }
    let all: Vec<char> = classes
        .iter()
        .flat_map(|(c, _)| c.iter().copied())
        .collect();
    while (out.len() as i64) < length {
        out.push(all[rng.random_range(0..all.len())]);
    }
    out.shuffle(rng);
    out.truncate(length as usize);
    Ok(out.into_iter().collect())
}

fn seeded(planned: &Value) -> rand::rngs::StdRng {
    match attr(planned, "seed").and_then(Value::as_str) {
        Some(seed) => {
            let digest = <sha2::Sha256 as sha2::Digest>::digest(seed.as_bytes());
            let mut bytes = [0u8; 32];
            bytes.copy_from_slice(&digest);
            rand::rngs::StdRng::from_seed(bytes)
        }
        None => rand::rngs::StdRng::from_rng(&mut rand::rng()),
    }
}

fn generate(type_name: &str, planned: &Value) -> ProviderResult<Value> {
    let mut rng = rand::rng();
    Ok(match type_name {
        "random_id" => {
            let n = int(planned, "byte_length")
                .filter(|n| (1..=1024).contains(n))
                .ok_or_else(|| {
                    ProviderError::at(
                        "Invalid byte_length",
                        "byte_length must be a whole number between 1 and 1024",
                        "byte_length",
                    )
                })?;
            let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            let prefix = attr(planned, "prefix")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let b64_url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
            let dec = num_decimal(&bytes);
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let values = BTreeMap::from([
                ("id", b64_url.clone()),
                ("b64_url", format!("{prefix}{b64_url}")),
                (
                    "b64_std",
                    format!(
                        "{prefix}{}",
                        base64::engine::general_purpose::STANDARD.encode(&bytes)
                    ),
                ),
                ("hex", format!("{prefix}{hex}")),
                ("dec", format!("{prefix}{dec}")),
            ]);
            fill_unknowns(planned, |k| {
                Value::string(values.get(k).cloned().unwrap_or_default())
            })
        }
        "random_string" | "random_password" => {
            let result = random_string(planned, &mut rng)?;
            let hash = if type_name == "random_password" {
                bcrypt_hash(&result)?
            } else {
                String::new()
            };
            fill_unknowns(planned, |k| match k {
                "id" if type_name == "random_password" => Value::string("none"),
                "bcrypt_hash" => Value::string(hash.clone()),
                _ => Value::string(result.clone()),
            })
        }
        "random_integer" => {
            let (min, max) = (
                int(planned, "min").unwrap_or(0),
                int(planned, "max").unwrap_or(0),
            );
            if max < min {
                return Err(ProviderError::at(
                    "Invalid range",
                    "max must be greater than or equal to min",
                    "max",
                ));
            }
            let n = seeded(planned).random_range(min..=max);
            fill_unknowns(planned, |k| {
                if k == "result" {
                    Value::int(n)
                } else {
                    Value::string(n.to_string())
                }
            })
        }
        "random_uuid" => {
            let id = uuid::Uuid::new_v4().to_string();
            fill_unknowns(planned, |_| Value::string(id.clone()))
        }
        "random_shuffle" => {
            let mut input: Vec<Value> = attr(planned, "input")
                .and_then(Value::as_sequence)
                .map(<[Value]>::to_vec)
                .unwrap_or_default();
            input.shuffle(&mut seeded(planned));
            if let Some(count) = int(planned, "result_count") {
                input.truncate(count.max(0) as usize);
            }
            fill_unknowns(planned, |k| {
                if k == "result" {
                    Value::list(Type::String, input.clone())
                } else {
                    Value::string("-")
                }
            })
        }
        "random_pet" => {
            let length = int(planned, "length").unwrap_or(2).max(1) as usize;
            let separator = attr(planned, "separator")
                .and_then(Value::as_str)
                .unwrap_or("-");
            let mut words: Vec<&str> = (1..length)
                .map(|_| ADJECTIVES[rng.random_range(0..ADJECTIVES.len())])
                .collect();
            words.push(NAMES[rng.random_range(0..NAMES.len())]);
            let mut name = words.join(separator);
            if let Some(prefix) = attr(planned, "prefix").and_then(Value::as_str) {
                name = format!("{prefix}{separator}{name}");
            }
            fill_unknowns(planned, |_| Value::string(name.clone()))
        }
        other => return Err(ProviderError::UnsupportedType(other.to_string())),
    })
}

fn bcrypt_hash(password: &str) -> ProviderResult<String> {
    bcrypt::hash(password, bcrypt::DEFAULT_COST)
        .map_err(|e| ProviderError::failed("Cannot hash the password", e.to_string()))
}

/// Big-endian bytes as a decimal string.
fn num_decimal(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = vec![0];
    for &b in bytes {
        let mut carry = b as u32;
        for d in digits.iter_mut() {
            let v = *d as u32 * 256 + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

#[async_trait]
impl Provider for RandomProvider {
    fn name(&self) -> &'static str {
        "random"
    }

    fn changes_world(&self) -> bool {
        false
    }

    fn schema(&self) -> ProviderSchema {
        ProviderSchema {
            resources: schemas(),
            ..Default::default()
        }
    }

    async fn plan(&self, request: PlanRequest<'_>) -> ProviderResult<PlanResponse> {
        let schema = schemas()
            .remove(request.type_name)
            .ok_or_else(|| ProviderError::UnsupportedType(request.type_name.to_string()))?;
        Ok(plan_replace_on_change(
            &schema,
            &request,
            &defaults(request.type_name),
        ))
    }

    async fn apply(&self, request: ApplyRequest<'_>) -> ProviderResult<Value> {
        if request.planned.is_null() {
            return Ok(request.planned.clone());
        }
        generate(request.type_name, request.planned)
    }

    async fn read(&self, _type_name: &str, state: &Value) -> ProviderResult<Option<Value>> {
        Ok(Some(state.clone()))
    }
}
