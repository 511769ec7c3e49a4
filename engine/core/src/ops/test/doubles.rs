//! Test doubles for `strata test`: `mock_provider` blocks replace a
//! provider in a run's registry; `override_resource` and `override_data`
//! blocks (of the file, a mock provider or the run; the run's win) send
//! one resource's calls to a stand-in with the given values.

use std::collections::BTreeMap;
use std::sync::Arc;
use strata_lang::ast::Expr;
use strata_lang::testfile::{MockProvider as MockBlock, Override, OverrideKind, TestFile};
use strata_provider::mock::MockProvider;
use strata_provider::{Registry, Schema};
use strata_types::{codes, Diagnostic, Kind, SourceMap, Value};

/// Evaluates test-file expressions (the runner's scope).
pub(super) type Eval<'a> = &'a dyn Fn(&Expr) -> Result<Value, Vec<Diagnostic>>;

/// `values` (an object expression) with each attribute converted to its
/// type in `schema`.
fn typed_values(
    eval: Eval<'_>,
    schema: Option<&Schema>,
    expr: Option<&Expr>,
) -> Result<Value, Vec<Diagnostic>> {
    let Some(expr) = expr else {
        return Ok(Value::empty_object());
    };
    let v = eval(expr)?;
    let Kind::Object(attrs) = &v.kind else {
        return Err(vec![Diagnostic::error(
            codes::INVALID_VALUE,
            "Invalid value",
            "Override and mock values are an object of attribute values, such as { arn = \"arn:aws:s3:::data\" }.",
            expr.span,
        )]);
    };
    let mut out = BTreeMap::new();
    for (name, value) in attrs {
        let converted = match schema.and_then(|s| s.attributes.get(name)) {
            Some(attribute) => {
                strata_lang::convert::convert(value, &attribute.ty).map_err(|e| {
                    vec![Diagnostic::error(
                        codes::INVALID_VALUE,
                        "Invalid value",
                        format!(
                            "The value for {name} does not fit the attribute: {}.",
                            e.message
                        ),
                        expr.span,
                    )]
                })?
            }
            None => value.clone(),
        };
        out.insert(name.clone(), converted);
    }
    Ok(Value::object(out))
}

/// The registry a run uses: the given one with each mocked provider
/// replaced by its stand-in.
pub(super) fn mocked_registry(
    base: Arc<Registry>,
    mocks: &[MockBlock],
    eval: Eval<'_>,
) -> Result<Arc<Registry>, Vec<Diagnostic>> {
    if mocks.is_empty() {
        return Ok(base);
    }
    let mut registry = base.as_ref().clone();
    for mock in mocks {
        let Some(real) = registry.get(&mock.name).cloned() else {
            return Err(vec![Diagnostic::error(
                codes::UNKNOWN_PROVIDER,
                "Unknown provider",
                format!(
                    "There is no provider named \"{}\" to mock; Strata has {}.",
                    mock.name,
                    registry.names().collect::<Vec<_>>().join(", ")
                ),
                mock.span,
            )]);
        };
        let schema = real.schema();
        let mut resources = BTreeMap::new();
        for (type_name, defaults) in &mock.resources {
            resources.insert(
                type_name.clone(),
                typed_values(eval, schema.resources.get(type_name), defaults.as_ref())?,
            );
        }
        let mut data = BTreeMap::new();
        for (type_name, defaults) in &mock.data {
            data.insert(
                type_name.clone(),
                typed_values(eval, schema.data_sources.get(type_name), defaults.as_ref())?,
            );
        }
        registry.register(Arc::new(MockProvider::new(
            real.as_ref(),
            resources,
            data,
            mock.during_plan,
        )));
    }
    Ok(Arc::new(registry))
}

/// The overrides in force for a run, by resource address: the file's,
/// then its mock providers', then the run's own.
pub(super) fn overrides<'a>(
    file: &'a TestFile,
    run_overrides: &'a [Override],
) -> Vec<&'a Override> {
    file.overrides
        .iter()
        .chain(file.mocks.iter().flat_map(|m| m.overrides.iter()))
        .chain(run_overrides.iter())
        .collect()
}

/// The outputs `override_module` gives a call (`module.a.module.b`): the
/// given ones, and null for every other output the module declares.
fn module_outputs(
    stack: &strata_lang::config::LoadedStack,
    text: &str,
    o: &Override,
    eval: Eval<'_>,
) -> Result<Value, Vec<Diagnostic>> {
    let names: Vec<&str> = text.split('.').collect();
    let bad = || {
        vec![Diagnostic::error(
            codes::INVALID_ADDRESS,
            "Invalid address",
            format!("{text:?} is not a module call of the stack (such as module.network)."),
            o.target.span,
        )]
    };
    if !names.len().is_multiple_of(2) || names.chunks(2).any(|p| p[0] != "module") {
        return Err(bad());
    }
    let mut children = &stack.children;
    let mut child = None;
    for pair in names.chunks(2) {
        let found = children.get(pair[1]).ok_or_else(bad)?;
        children = &found.children;
        child = Some(found);
    }
    let child = child.ok_or_else(bad)?;
    let given = typed_values(eval, None, o.values.as_ref())?;
    let Kind::Object(mut outputs) = given.kind else {
        return Err(bad());
    };
    for output in &child.config.outputs {
        outputs.get_or_insert_with(&output.name, || Value::null(strata_types::Type::Dynamic));
    }
    Ok(Value::object(outputs))
}

/// Stand-ins for `overrides`: providers by resource address, outputs by
/// module call (a later override of the same address wins).
pub(super) fn stand_ins(
    stack: &strata_lang::config::LoadedStack,
    registry: &Registry,
    overrides: &[&Override],
    sources: &SourceMap,
    eval: Eval<'_>,
) -> Result<crate::context::Overrides, Vec<Diagnostic>> {
    let mut out = crate::context::Overrides::default();
    for o in overrides {
        let text = sources
            .get(o.target.span.file)
            .map(|f| {
                f.text[o.target.span.start as usize..o.target.span.end as usize]
                    .trim()
                    .to_string()
            })
            .unwrap_or_default();
        if o.kind == OverrideKind::Module {
            let outputs = module_outputs(stack, &text, o, eval)?;
            out.modules.insert(text, outputs);
            continue;
        }
        let bad = || {
            vec![Diagnostic::error(
                codes::INVALID_ADDRESS,
                "Invalid address",
                format!(
                    "{text:?} is not the address of a {} (such as {}).",
                    if o.kind == OverrideKind::Data {
                        "data source"
                    } else {
                        "resource"
                    },
                    if o.kind == OverrideKind::Data {
                        "data.aws_region.current"
                    } else {
                        "aws_s3_bucket.data"
                    }
                ),
                o.target.span,
            )]
        };
        let addr = crate::addr::InstanceAddr::parse(&text).ok_or_else(bad)?;
        let is_data = addr.resource.mode == crate::addr::Mode::Data;
        if is_data != (o.kind == OverrideKind::Data) || addr.key != crate::addr::InstanceKey::None {
            return Err(bad());
        }
        let type_name = &addr.resource.type_name;
        let Some(real) = registry.for_resource_type(type_name) else {
            return Err(vec![Diagnostic::error(
                codes::UNKNOWN_RESOURCE_TYPE,
                "Unknown resource type",
                format!("No provider offers {type_name}."),
                o.target.span,
            )]);
        };
        let schema = real.schema();
        let (resources, data) = if is_data {
            let values = typed_values(eval, schema.data_sources.get(type_name), o.values.as_ref())?;
            (
                BTreeMap::new(),
                BTreeMap::from([(type_name.clone(), values)]),
            )
        } else {
            let values = typed_values(eval, schema.resources.get(type_name), o.values.as_ref())?;
            (
                BTreeMap::from([(type_name.clone(), values)]),
                BTreeMap::new(),
            )
        };
        let stand_in: Arc<dyn strata_provider::Provider> = Arc::new(MockProvider::new(
            real.as_ref(),
            resources,
            data,
            o.during_plan,
        ));
        out.resources.insert(addr.resource.to_string(), stand_in);
    }
    Ok(out)
}
