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

#[cfg(test)]
mod tests {
    use super::*;
    use strata_provider::{Attribute, NestedBlock, Nesting};
    use strata_types::Type;

    /// A data source read during apply keeps what its configuration says;
    /// what it computes (and left unset) is unknown, in blocks as well.
    #[test]
    fn a_deferred_read_is_its_configuration_with_computed_values_unknown() {
        let inner = Schema::new([
            ("sid", Attribute::optional(Type::String)),
            ("effect", Attribute::optional_computed(Type::String)),
        ]);
        let mut schema = Schema::new([
            ("name", Attribute::optional(Type::String)),
            ("json", Attribute::computed(Type::String)),
            ("version", Attribute::optional_computed(Type::String)),
        ]);
        schema.blocks.insert(
            "statement".into(),
            NestedBlock {
                nesting: Nesting::List,
                schema: inner.clone(),
                min_items: 0,
                max_items: None,
                as_attribute: false,
            },
        );
        let config = strata_types::json::value_from_json(
            &serde_json::json!({
                "name": "policy", "json": null, "version": "2012-10-17",
                "statement": [{"sid": "read", "effect": null}],
            }),
            &schema.object_type(),
        )
        .expect("config");
        let planned = deferred_data_object(&schema, &config);
        let attr = |v: &Value, k: &str| strata_provider::attr(v, k).cloned().expect(k);
        assert_eq!(attr(&planned, "name"), Value::string("policy"));
        assert_eq!(attr(&planned, "version"), Value::string("2012-10-17"));
        assert!(attr(&planned, "json").is_unknown());
        let statements = attr(&planned, "statement");
        let first = &statements.as_sequence().expect("a list")[0];
        assert_eq!(attr(first, "sid"), Value::string("read"));
        assert!(attr(first, "effect").is_unknown());
    }
}
