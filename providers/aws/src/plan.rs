//! Planning an AWS object as the Terraform AWS provider does: a new
//! object from its configuration and the defaults AWS will choose; an
//! existing one compared argument by argument with what was read
//! (`force_new` arguments and blocks replace it, an empty value is the
//! same as none, an unset optional and computed argument keeps what AWS
//! chose); `tags_all` from the provider's `default_tags` and `tags`.

use crate::{api, schema_for, AwsProvider, Resource};
use serde_json::Value as J;
use std::collections::BTreeMap;
use strata_provider::{PlanRequest, PlanResponse, ProviderError, ProviderResult, Schema};
use strata_types::json::value_from_json;
use strata_types::{Kind, Type, Value};

/// What planning one object needs to know of its configuration.
struct Planning<'a> {
    resource: &'a dyn Resource,
    schema: &'a Schema,
    request: &'a PlanRequest<'a>,
    config: api::Obj,
    /// `Some(None)`: unknown until apply; `None`: the type has no tags.
    tags_all: Option<Option<J>>,
}

impl Planning<'_> {
    /// Set in configuration: known, or unknown until apply (JSON loses
    /// that difference, so ask the value).
    fn set(&self, name: &str) -> bool {
        strata_provider::attr(self.request.config, name).is_some_and(|v| !v.is_null())
    }

    fn known(&self, name: &str) -> bool {
        strata_provider::attr(self.request.config, name).is_none_or(Value::is_wholly_known)
    }

    /// The default of an argument the configuration leaves out.
    fn default_of(&self, name: &str) -> Option<J> {
        if self.set(name) {
            return None;
        }
        self.resource.argument_default(name)
    }

    /// A computed block the configuration leaves out keeps what AWS has.
    fn left_to_aws(&self, name: &str) -> bool {
        let c = self.config.get(name).unwrap_or(&J::Null);
        self.resource.computed_blocks().contains(&name)
            && (c.is_null() || c.as_array().is_some_and(Vec::is_empty))
    }

    fn tags_all_value(&self, ty: &Type) -> ProviderResult<Value> {
        match &self.tags_all {
            Some(None) => Ok(Value::unknown(ty.clone())),
            Some(Some(t)) => value_from_json(t, ty)
                .map_err(|e| ProviderError::failed("Invalid tags", e.to_string())),
            None => Ok(Value::null(ty.clone())),
        }
    }

    /// A new object: configured values, the defaults AWS will choose, and
    /// unknown computed ones.
    fn fresh(&self, region: String) -> ProviderResult<Value> {
        let mut known = self.resource.plan_known(&self.config);
        known.entry("region").or_insert_with(|| J::String(region));
        for name in self.schema.attributes.keys() {
            if let Some(default) = self.resource.argument_default(name) {
                known.entry(name.clone()).or_insert(default);
            }
        }
        let mut planned = BTreeMap::new();
        for (name, a) in &self.schema.attributes {
            let value = match (self.set(name), known.get(name)) {
                _ if name == "tags_all" => self.tags_all_value(&a.ty)?,
                (true, _) => attr_of(self.request.config, name, &a.ty),
                (false, Some(k)) => value_from_json(k, &a.ty)
                    .map_err(|e| ProviderError::failed("Invalid default", e.to_string()))?,
                (false, None) if a.computed => Value::unknown(a.ty.clone()),
                (false, None) => Value::null(a.ty.clone()),
            };
            planned.insert(name.clone(), value.mark_sensitive(a.sensitive));
        }
        for name in self.schema.blocks.keys() {
            planned.insert(
                name.clone(),
                attr_of(self.request.config, name, &self.schema.object_type_of(name)),
            );
        }
        Ok(Value::object(planned))
    }

    /// Whether anything differs from the prior object, and the paths
    /// whose change replaces it.
    fn differences(&self, prior: &api::Obj) -> (bool, Vec<Vec<String>>) {
        let mut requires_replace = Vec::new();
        let mut changed = false;
        for (name, a) in &self.schema.attributes {
            if !(a.required || a.optional) {
                continue;
            }
            // As in the AWS provider's SDK, an empty string, list or map is
            // the same as leaving the argument out: AWS reads it back as
            // absent, so it must not plan a change on every run.
            let configured = self
                .config
                .get(name)
                .filter(|v| self.set(name) && !blank(v))
                .cloned()
                .or_else(|| self.default_of(name));
            let before = prior.get(name).filter(|v| !blank(v));
            let differs = match (configured, before) {
                _ if !self.known(name) => true,
                (Some(c), Some(p)) => !same(&c, p),
                (Some(_), None) => true,
                // Unset optional+computed arguments keep what AWS chose.
                (None, _) if a.computed => false,
                (None, Some(_)) => true,
                (None, None) => false,
            };
            if differs {
                changed = true;
                if a.force_new {
                    requires_replace.push(vec![name.clone()]);
                }
            }
        }
        for (name, nested) in &self.schema.blocks {
            // Waiting longer or shorter changes nothing in AWS.
            if name == "timeouts" || self.left_to_aws(name) {
                continue;
            }
            let c = self.config.get(name).unwrap_or(&J::Null);
            let p = prior.get(name).unwrap_or(&J::Null);
            if !self.known(name) || !blocks_match(&nested.schema, c, p) {
                changed = true;
                if self.resource.force_new_blocks().contains(&name.as_str()) {
                    requires_replace.push(vec![name.clone()]);
                }
            }
        }
        if let Some(t) = &self.tags_all {
            let before = prior.get("tags_all").unwrap_or(&J::Null);
            if t.as_ref().is_none_or(|t| !same(t, before)) {
                changed = true;
            }
        }
        (changed, requires_replace)
    }

    /// An update in place: the configuration over the prior object, and
    /// what the update makes unknown.
    fn in_place(&self) -> ProviderResult<Value> {
        let mut planned = match &self.request.prior.kind {
            Kind::Object(m) => m.clone(),
            _ => Default::default(),
        };
        for (name, a) in &self.schema.attributes {
            if name == "tags_all" {
                if self.tags_all.is_some() {
                    planned.insert(name.clone(), self.tags_all_value(&a.ty)?);
                }
            } else if let Some(default) = self.default_of(name) {
                let value = value_from_json(&default, &a.ty)
                    .map_err(|e| ProviderError::failed("Invalid default", e.to_string()))?;
                planned.insert(name.clone(), value);
            } else if self.set(name) || (!a.computed && (a.required || a.optional)) {
                planned.insert(
                    name.clone(),
                    attr_of(self.request.config, name, &a.ty).mark_sensitive(a.sensitive),
                );
            }
        }
        for (name, nested) in &self.schema.blocks {
            if self.left_to_aws(name) {
                continue;
            }
            let ty = self.schema.object_type_of(name);
            let configured = attr_of(self.request.config, name, &ty);
            let prior = match &self.request.prior.kind {
                Kind::Object(m) => m.get(name).map(strata_types::json::value_to_json),
                _ => None,
            };
            let value = match prior {
                Some(prior) if configured.is_wholly_known() => {
                    let filled = computed_from(
                        &nested.schema,
                        &strata_types::json::value_to_json(&configured),
                        &prior,
                    );
                    value_from_json(&filled, &ty).unwrap_or(configured)
                }
                _ => configured,
            };
            planned.insert(name.clone(), value);
        }
        for name in self.resource.update_unknowns() {
            if let Some(a) = self.schema.attributes.get(*name) {
                planned.insert(name.to_string(), Value::unknown(a.ty.clone()));
            }
        }
        Ok(Value::object(planned))
    }
}

impl AwsProvider {
    pub(crate) fn plan_resource(
        &self,
        resource: &dyn Resource,
        request: &PlanRequest<'_>,
    ) -> ProviderResult<PlanResponse> {
        let respond = |planned: Value, requires_replace: Vec<Vec<String>>| PlanResponse {
            warnings: Vec::new(),
            planned,
            requires_replace,
        };
        if request.proposed.is_null() {
            return Ok(respond(request.proposed.clone(), vec![]));
        }
        let schema = schema_for(resource);
        let config = crate::to_obj(request.config);
        let mut planning = Planning {
            resource,
            schema,
            request,
            config,
            tags_all: None,
        };
        if schema.attributes.contains_key("tags_all") {
            let mut all = self.default_tags();
            all.extend(api::tags(&planning.config, "tags"));
            planning.tags_all = Some(planning.known("tags").then(|| api::map_json(&all)));
        }
        if request.prior.is_null() {
            return Ok(respond(planning.fresh(self.region())?, vec![]));
        }
        let (changed, requires_replace) = planning.differences(&crate::to_obj(request.prior));
        if !requires_replace.is_empty() {
            return Ok(respond(planning.fresh(self.region())?, requires_replace));
        }
        if !changed {
            return Ok(respond(request.prior.clone(), requires_replace));
        }
        Ok(respond(planning.in_place()?, requires_replace))
    }
}

/// The planned value of an attribute, from the configuration value.
pub(crate) fn attr_of(config: &Value, name: &str, ty: &Type) -> Value {
    strata_provider::attr(config, name)
        .cloned()
        .unwrap_or_else(|| Value::null(ty.clone()))
}

/// Whether configured blocks match the prior ones: attributes equal, and
/// nested blocks the configuration leaves out taken as AWS set them.
fn blocks_match(schema: &Schema, config: &J, prior: &J) -> bool {
    let empty = |j: &J| j.is_null() || j.as_array().is_some_and(Vec::is_empty);
    if empty(config) && empty(prior) {
        return true;
    }
    let list = |j: &J| -> Vec<J> {
        match j {
            J::Array(a) => a.clone(),
            J::Object(_) => vec![j.clone()],
            _ => Vec::new(),
        }
    };
    let (c, p) = (list(config), list(prior));
    c.len() == p.len()
        && c.iter()
            .all(|ce| p.iter().any(|pe| block_matches(schema, ce, pe)))
}

/// Whether one configured block matches one prior block.
fn block_matches(schema: &Schema, config: &J, prior: &J) -> bool {
    let empty = |j: &J| j.is_null() || j.as_array().is_some_and(Vec::is_empty);
    schema.attributes.iter().all(|(k, a)| {
        let (c, p) = (
            config.get(k).unwrap_or(&J::Null),
            prior.get(k).unwrap_or(&J::Null),
        );
        // An optional and computed field left out is AWS's to fill; an
        // empty value is the same as none, as at the top level.
        (a.computed && c.is_null()) || (blank(c) && blank(p)) || same(c, p)
    }) && schema.blocks.iter().all(|(k, nested)| {
        let cn = config.get(k).unwrap_or(&J::Null);
        empty(cn) || blocks_match(&nested.schema, cn, prior.get(k).unwrap_or(&J::Null))
    })
}

/// Configured blocks with the optional and computed fields they leave
/// out taken from the prior block they match (AWS's choices stay).
fn computed_from(schema: &Schema, config: &J, prior: &J) -> J {
    let J::Array(configured) = config else {
        return config.clone();
    };
    let before = prior.as_array().map(Vec::as_slice).unwrap_or(&[]);
    J::Array(
        configured
            .iter()
            .map(|ce| {
                let mut filled = ce.clone();
                let found = before.iter().find(|pe| block_matches(schema, ce, pe));
                if let (Some(f), Some(p)) = (filled.as_object_mut(), found.and_then(J::as_object)) {
                    for (k, a) in &schema.attributes {
                        if a.computed && f.get(k).is_none_or(J::is_null) {
                            f.insert(k.clone(), p.get(k).cloned().unwrap_or(J::Null));
                        }
                    }
                }
                filled
            })
            .collect(),
    )
}

/// Null, or an empty string, list or map.
pub(crate) fn blank(v: &J) -> bool {
    match v {
        J::Null => true,
        J::String(s) => s.is_empty(),
        J::Array(a) => a.is_empty(),
        J::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// JSON equality that treats numbers by value.
pub(crate) fn same(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Number(x), J::Number(y)) => x.as_f64() == y.as_f64(),
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

pub(crate) trait SchemaExt {
    fn object_type_of(&self, block: &str) -> Type;
}

impl SchemaExt for Schema {
    fn object_type_of(&self, block: &str) -> Type {
        match self.object_type() {
            Type::Object(o) => o.attributes.get(block).cloned().unwrap_or(Type::Dynamic),
            _ => Type::Dynamic,
        }
    }
}
