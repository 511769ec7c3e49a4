//! The `time` provider: `time_static` records a moment once;
//! `time_sleep` waits on create (and optionally on destroy), for APIs
//! that need time to settle.

use crate::simple::{fill_unknowns, plan_replace_on_change};
use async_trait::async_trait;
use chrono::{DateTime, Datelike, Timelike, Utc};
use std::collections::BTreeMap;
use strata_provider::{
    attr_str, ApplyRequest, Attribute, PlanRequest, PlanResponse, Provider, ProviderError,
    ProviderResult, ProviderSchema, Schema,
};
use strata_types::{Type, Value};

pub struct TimeProvider;

fn schemas() -> BTreeMap<String, Schema> {
    BTreeMap::from([
        (
            "time_static".to_string(),
            Schema::new([
                ("id", Attribute::computed(Type::String)),
                (
                    "rfc3339",
                    Attribute::optional_computed(Type::String).force_new(),
                ),
                (
                    "triggers",
                    Attribute::optional(Type::map(Type::String)).force_new(),
                ),
                ("year", Attribute::computed(Type::Number)),
                ("month", Attribute::computed(Type::Number)),
                ("day", Attribute::computed(Type::Number)),
                ("hour", Attribute::computed(Type::Number)),
                ("minute", Attribute::computed(Type::Number)),
                ("second", Attribute::computed(Type::Number)),
                ("unix", Attribute::computed(Type::Number)),
            ]),
        ),
        (
            "time_sleep".to_string(),
            Schema::new([
                ("id", Attribute::computed(Type::String)),
                (
                    "create_duration",
                    Attribute::optional(Type::String).force_new(),
                ),
                (
                    "destroy_duration",
                    Attribute::optional(Type::String).force_new(),
                ),
                (
                    "triggers",
                    Attribute::optional(Type::map(Type::String)).force_new(),
                ),
            ]),
        ),
    ])
}

/// Durations as the time provider takes them: `30s`, `5m`, `1h30m`, `500ms`.
fn parse_duration(text: &str) -> Option<std::time::Duration> {
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..u] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[u..];
        total += value * unit;
    }
    Some(std::time::Duration::from_secs_f64(total))
}

#[async_trait]
impl Provider for TimeProvider {
    fn name(&self) -> &'static str {
        "time"
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

    fn validate_resource(&self, _type_name: &str, config: &Value) -> Vec<ProviderError> {
        ["create_duration", "destroy_duration"]
            .into_iter()
            .filter_map(|a| {
                attr_str(config, a)
                    .filter(|d| parse_duration(d).is_none())
                    .map(|d| (a, d))
            })
            .map(|(a, d)| {
                ProviderError::at(
                    "Invalid duration",
                    format!("{d:?} is not a duration such as \"30s\" or \"1m30s\""),
                    a,
                )
            })
            .collect()
    }

    async fn plan(&self, request: PlanRequest<'_>) -> ProviderResult<PlanResponse> {
        let schema = schemas()
            .remove(request.type_name)
            .ok_or_else(|| ProviderError::UnsupportedType(request.type_name.to_string()))?;
        Ok(plan_replace_on_change(&schema, &request, &[]))
    }

    async fn apply(&self, request: ApplyRequest<'_>) -> ProviderResult<Value> {
        let wait =
            |attribute: &str, state: &Value| attr_str(state, attribute).and_then(parse_duration);
        if request.planned.is_null() {
            if let Some(d) = wait("destroy_duration", request.prior) {
                tokio::time::sleep(d).await;
            }
            return Ok(request.planned.clone());
        }
        let planned = request.planned;
        match request.type_name {
            "time_sleep" => {
                if let Some(d) = wait("create_duration", planned) {
                    tokio::time::sleep(d).await;
                }
                let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                Ok(fill_unknowns(planned, |_| Value::string(now.clone())))
            }
            _ => {
                let moment: DateTime<Utc> = match attr_str(planned, "rfc3339") {
                    Some(t) => DateTime::parse_from_rfc3339(t)
                        .map_err(|_| {
                            ProviderError::at(
                                "Invalid rfc3339",
                                format!("{t:?} is not an RFC 3339 timestamp"),
                                "rfc3339",
                            )
                        })?
                        .with_timezone(&Utc),
                    None => Utc::now(),
                };
                let text = moment.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                Ok(fill_unknowns(planned, |k| match k {
                    "id" | "rfc3339" => Value::string(text.clone()),
                    "year" => Value::int(moment.year() as i64),
                    "month" => Value::int(moment.month() as i64),
                    "day" => Value::int(moment.day() as i64),
                    "hour" => Value::int(moment.hour() as i64),
                    "minute" => Value::int(moment.minute() as i64),
                    "second" => Value::int(moment.second() as i64),
                    _ => Value::int(moment.timestamp()),
                }))
            }
        }
    }

    async fn read(&self, _type_name: &str, state: &Value) -> ProviderResult<Option<Value>> {
        Ok(Some(state.clone()))
    }
}
