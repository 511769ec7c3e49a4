//! Terraform's machine-readable UI: one JSON object a line on stdout,
//! with `@level`, `@message`, `@module`, `@timestamp` and `type`
//! (`version`, `diagnostic`, `planned_change`, `change_summary`,
//! `outputs`, `apply_start`, `apply_progress`, `apply_complete`,
//! `apply_errored`, `log`, and the `test_*` lines), so tools that read
//! `terraform … -json` read Strata's the same way.

use serde_json::{json, Value as J};
use std::io::Write;
use strata_core::addr::{InstanceAddr, InstanceKey};
use strata_core::plan::{Action, Plan};
use strata_types::{Diagnostic, Severity, SourceMap};

/// Writes one line.
pub fn emit(level: &str, message: &str, fields: J) {
    let mut line = json!({
        "@level": level,
        "@message": message,
        "@module": "terraform.ui",
        "@timestamp": timestamp(),
    });
    if let (Some(line), Some(fields)) = (line.as_object_mut(), fields.as_object()) {
        line.extend(fields.clone());
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// The first line of every stream.
pub fn version() {
    let v = env!("CARGO_PKG_VERSION");
    emit(
        "info",
        &format!("Strata {v}"),
        json!({"type": "version", "terraform": v, "ui": "1.2"}),
    );
}

/// Now, in RFC 3339 with microseconds (UTC), as Terraform stamps lines.
pub fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    strata_types::time::rfc3339(now.as_secs() as i64, Some(now.subsec_micros()))
}

/// Diagnostics as `diagnostic` lines; `extra` adds fields (a test's file
/// and run).
pub fn diagnostics(ds: &[Diagnostic], sources: &SourceMap, extra: &J) {
    let items = crate::render::to_json(ds, sources);
    for (d, item) in ds.iter().zip(items.as_array().into_iter().flatten()) {
        let (level, word) = match d.severity {
            Severity::Error => ("error", "Error"),
            Severity::Warning => ("warn", "Warning"),
        };
        let mut fields = json!({"type": "diagnostic", "diagnostic": item});
        if let (Some(f), Some(e)) = (fields.as_object_mut(), extra.as_object()) {
            f.extend(e.clone());
        }
        emit(level, &format!("{word}: {}", d.summary), fields);
    }
}

/// Terraform's `resource` object of a hook or change.
fn resource(addr: &str) -> J {
    let parsed = InstanceAddr::parse(addr);
    // The module path is what precedes the resource's own address.
    let resource_part = parsed
        .as_ref()
        .map(|p| {
            let mut plain = p.resource.clone();
            plain.module = Vec::new();
            InstanceAddr {
                resource: plain,
                key: p.key.clone(),
            }
            .to_string()
        })
        .unwrap_or_else(|| addr.to_string());
    let module = addr
        .strip_suffix(&resource_part)
        .unwrap_or("")
        .trim_end_matches('.')
        .to_string();
    let (type_name, name, key) = match &parsed {
        Some(p) => (
            p.resource.type_name.clone(),
            p.resource.name.clone(),
            match &p.key {
                InstanceKey::None => J::Null,
                InstanceKey::Int(i) => json!(i),
                InstanceKey::Str(s) => json!(s),
            },
        ),
        None => (String::new(), String::new(), J::Null),
    };
    let provider = type_name.split('_').next().unwrap_or("").to_string();
    json!({
        "addr": addr,
        "module": module,
        "resource": resource_part,
        "implied_provider": provider,
        "resource_type": type_name,
        "resource_name": name,
        "resource_key": key,
    })
}

fn action_name(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Delete => "delete",
        Action::DeleteThenCreate | Action::CreateThenDelete => "replace",
        Action::Read => "read",
        Action::Forget => "remove",
        Action::NoOp => "noop",
    }
}

fn planned_verb(action: Action) -> &'static str {
    match action {
        Action::Create => "Plan to create",
        Action::Update => "Plan to update",
        Action::Delete => "Plan to delete",
        Action::DeleteThenCreate | Action::CreateThenDelete => "Plan to replace",
        Action::Read => "Plan to read",
        Action::Forget => "Plan to forget",
        Action::NoOp => "No changes",
    }
}

/// A plan's lines: `refresh_start`/`refresh_complete` for the objects
/// of the state it was made against (when it refreshed), `resource_drift`
/// for what refresh found changed outside, then `planned_change`,
/// `change_summary` and `outputs`.
pub fn plan(plan: &Plan, refreshed: bool) {
    if refreshed {
        let mut prior: Vec<(InstanceAddr, Option<String>)> = plan
            .prior_state
            .resources
            .iter()
            .filter(|r| r.mode != "data")
            .flat_map(|r| {
                r.instances.iter().filter_map(move |i| {
                    let key = InstanceKey::from_json(i.index_key.as_ref());
                    let module = if r.module.is_empty() {
                        String::new()
                    } else {
                        format!("{}.", r.module)
                    };
                    let addr =
                        InstanceAddr::parse(&format!("{module}{}.{}{key}", r.type_name, r.name))?;
                    let id = i.attributes.id();
                    Some((addr, id))
                })
            })
            .collect();
        prior.sort();
        for (addr, id) in prior {
            let addr = addr.to_string();
            let mut hook = json!({"resource": resource(&addr)});
            let shown = with_id(&mut hook, id.as_deref());
            emit(
                "info",
                &format!("{addr}: Refreshing state...{shown}"),
                json!({"type": "refresh_start", "hook": hook}),
            );
            emit(
                "info",
                &format!("{addr}: Refresh complete{shown}"),
                json!({"type": "refresh_complete", "hook": hook}),
            );
        }
    }
    // What refresh found changed outside, before what the plan does.
    for d in &plan.resource_drift {
        let addr = d.addr.to_string();
        let action = if d.after.is_some() {
            "update"
        } else {
            "delete"
        };
        emit(
            "info",
            &format!("{addr}: Drift detected ({action})"),
            json!({"type": "resource_drift", "change": {"resource": resource(&addr), "action": action}}),
        );
    }
    // In address order, as Terraform lists them.
    let mut changes: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();
    changes.sort_by(|a, b| a.addr.cmp(&b.addr));
    for c in changes {
        let addr = c.addr.to_string();
        let mut change = json!({"resource": resource(&addr), "action": action_name(c.action)});
        if let Some(reason) = &c.reason {
            change["reason"] = json!(reason);
        }
        emit(
            "info",
            &format!("{addr}: {}", planned_verb(c.action)),
            json!({"type": "planned_change", "change": change}),
        );
    }
    let (add, change, remove) = plan.counts();
    let message = format!("Plan: {add} to add, {change} to change, {remove} to destroy.");
    emit(
        "info",
        &message,
        json!({"type": "change_summary", "changes": {"add": add, "change": change, "import": 0, "remove": remove, "operation": "plan"}}),
    );
    let outputs: serde_json::Map<String, J> = plan
        .outputs
        .iter()
        .map(|o| {
            (
                o.name.clone(),
                json!({"sensitive": o.sensitive, "action": action_name(o.action)}),
            )
        })
        .collect();
    if !outputs.is_empty() {
        emit(
            "info",
            &format!("Outputs: {}", outputs.len()),
            json!({"type": "outputs", "outputs": outputs}),
        );
    }
}

/// `apply_start` (with the id of the object changed, when there is one).
pub fn apply_start(addr: &str, action: Action, verb: &str, id: Option<&str>) {
    let mut hook = json!({"resource": resource(addr), "action": action_name(action)});
    let shown = with_id(&mut hook, id);
    emit(
        "info",
        &format!("{addr}: {verb}...{shown}"),
        json!({"type": "apply_start", "hook": hook}),
    );
}

/// Puts `id` in a hook as Terraform does; the ` [id=…]` its message ends
/// with.
fn with_id(hook: &mut J, id: Option<&str>) -> String {
    match id {
        Some(id) => {
            hook["id_key"] = json!("id");
            hook["id_value"] = json!(id);
            format!(" [id={id}]")
        }
        None => String::new(),
    }
}

/// `apply_complete` (with the object's id when it has one) or
/// `apply_errored`.
pub fn apply_end(
    addr: &str,
    action: Action,
    verb: &str,
    elapsed: u64,
    result: Result<Option<&str>, &str>,
) {
    let mut hook = json!({"resource": resource(addr), "action": action_name(action), "elapsed_seconds": elapsed});
    match result {
        Ok(id) => {
            let shown = with_id(&mut hook, id);
            emit(
                "info",
                &format!("{addr}: {verb} complete after {elapsed}s{shown}"),
                json!({"type": "apply_complete", "hook": hook}),
            )
        }
        Err(why) => emit(
            "error",
            &format!("{addr}: {verb} errored after {elapsed}s: {why}"),
            json!({"type": "apply_errored", "hook": hook}),
        ),
    }
}

/// `apply_progress`, for a call that has taken a while.
pub fn apply_progress(what: &str, elapsed: u64) {
    emit(
        "info",
        &format!("{what} [{elapsed}s elapsed]"),
        json!({"type": "apply_progress", "hook": {"elapsed_seconds": elapsed}}),
    );
}

/// An apply's `change_summary`.
pub fn apply_summary(import: usize, add: usize, change: usize, remove: usize, destroy: bool) {
    let message = if destroy {
        format!("Destroy complete! Resources: {remove} destroyed.")
    } else {
        apply_complete(import, add, change, remove)
    };
    emit(
        "info",
        &message,
        json!({"type": "change_summary", "changes": {"add": add, "change": change, "import": import, "remove": remove, "operation": if destroy { "destroy" } else { "apply" }}}),
    );
}

/// Terraform's last line of an apply: imports named only when there are
/// some.
pub fn apply_complete(import: usize, add: usize, change: usize, remove: usize) -> String {
    let imported = if import > 0 {
        format!("{import} imported, ")
    } else {
        String::new()
    };
    format!(
        "Apply complete! Resources: {imported}{add} added, {change} changed, {remove} destroyed."
    )
}

/// The state's outputs with their values (sensitive ones without).
pub fn state_outputs(state: &strata_state::State) {
    if state.outputs.is_empty() {
        return;
    }
    let outputs: serde_json::Map<String, J> = state
        .outputs
        .iter()
        .map(|(name, o)| {
            let mut v = json!({"sensitive": o.sensitive, "type": o.ty});
            if !o.sensitive {
                v["value"] = o.value.clone();
            }
            (name.clone(), v)
        })
        .collect();
    emit(
        "info",
        &format!("Outputs: {}", outputs.len()),
        json!({"type": "outputs", "outputs": outputs}),
    );
}

/// Anything else worth saying, as a `log` line.
pub fn log(message: &str) {
    emit("info", message, json!({"type": "log"}));
}
