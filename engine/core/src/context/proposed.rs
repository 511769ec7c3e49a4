//! The object the engine proposes to a provider's plan: Terraform's
//! "proposed new state".

use strata_provider::Schema;
use strata_types::{Kind, Value};

/// Merges configuration over prior state as the engine does: computed
/// attributes not set in configuration keep their prior value.
pub fn proposed_new(schema: &Schema, prior: &Value, config: &Value) -> Value {
    let (Kind::Object(config_attrs), Kind::Object(prior_attrs)) = (&config.kind, &prior.kind)
    else {
        return config.clone();
    };
    let mut out = config_attrs.clone();
    for (name, attribute) in &schema.attributes {
        let configured = config_attrs.get(name).is_some_and(|v| !v.is_null());
        if attribute.computed && !configured {
            if let Some(p) = prior_attrs.get(name) {
                out.insert(name.clone(), p.clone());
            }
        }
    }
    // Nothing new (a no-op): the prior object itself, shared rather than
    // a copy of it.
    if !prior.sensitive && *out == **prior_attrs {
        return prior.clone();
    }
    Value::object(out)
}

/// What a data source read during apply is until then, as Terraform plans
/// it: its configuration, with the computed attributes it leaves out (in
/// nested blocks too) not known yet.
pub fn deferred_data_object(schema: &Schema, config: &Value) -> Value {
    let Kind::Object(config_attrs) = &config.kind else {
        return Value::unknown(schema.object_type());
    };
    let mut out = config_attrs.clone();
    for (name, attribute) in &schema.attributes {
        let configured = config_attrs.get(name).is_some_and(|v| !v.is_null());
        if attribute.computed && !configured {
            out.insert(name.clone(), Value::unknown(attribute.ty.clone()));
        }
    }
    for (name, block) in &schema.blocks {
        let Some(v) = config_attrs.get(name) else {
            continue;
        };
        let nested = |e: &Value| deferred_data_object(&block.schema, e);
        let value = match &v.kind {
            Kind::List(ty, items) => Value::list(ty.clone(), items.iter().map(nested).collect()),
            Kind::Set(ty, items) => Value::set(ty.clone(), items.iter().map(nested).collect()),
            Kind::Object(_) => nested(v),
            _ => v.clone(),
        };
        out.insert(name.clone(), value);
    }
    Value::object(out).mark_sensitive(config.sensitive)
}
