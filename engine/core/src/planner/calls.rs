//! Module calls: each instance of a call planned as a module of its own,
//! its outputs given back as `module.NAME`, its variables checked against
//! their validation rules, and the early outputs a call's siblings may
//! read before it is planned.

use super::*;

impl<'a> Planner<'a> {
    /// Checks a module instance's variables against their validation
    /// rules and records what they came to.
    fn validate_module_variables(
        &mut self,
        child: ModuleRef<'_>,
        path: &ModulePath,
        vars: &BTreeMap<String, Value>,
    ) {
        let mut all = None;
        for v in child
            .config
            .variables
            .iter()
            .filter(|v| !v.validations.is_empty())
        {
            let Some(value) = vars.get(&v.name) else {
                continue;
            };
            let all = all.get_or_insert_with(|| Value::object(vars.clone()));
            let before = self.diagnostics.0.len();
            strata_lang::stack::check_validations(v, all, self.ctx.env, &mut self.diagnostics);
            let status = if self.diagnostics.0[before..].iter().any(|d| d.is_error()) {
                crate::plan::CheckStatus::Fail
            } else if value.is_wholly_known() {
                crate::plan::CheckStatus::Pass
            } else {
                crate::plan::CheckStatus::Unknown
            };
            self.checks.push(crate::plan::CheckResult {
                kind: crate::plan::CheckKind::Var,
                module: path.clone(),
                name: v.name.clone(),
                resource: None,
                status,
                problems: Vec::new(),
            });
        }
    }

    /// Plans every instance of a module call and exposes its outputs to
    /// the calling module as `module.NAME`.
    pub(super) async fn plan_module_call(
        &mut self,
        path: &ModulePath,
        module: ModuleRef<'a>,
        i: usize,
        roots: &mut HashMap<String, Value>,
        inherited: &[String],
    ) {
        let env = self.ctx.env;
        let call = &module.config.modules[i];
        // A call whose source failed to load was reported while loading.
        let Some(child) = module.children.get(&call.name) else {
            return;
        };
        let child_ref = ModuleRef {
            config: &child.config,
            children: &child.children,
        };
        let keys = match expand(&call.body, roots, env) {
            Ok(Some(k)) => k,
            Ok(None) => {
                self.diagnostics.push(Diagnostic::error(
                    strata_types::codes::INVALID_REPETITION_ARGUMENT,
                    "Invalid count or for_each argument",
                    format!("The number of instances of module \"{}\" depends on values that cannot be determined until apply.", call.name),
                    call.span,
                ));
                return;
            }
            Err(d) => {
                self.diagnostics.push(d);
                return;
            }
        };
        let mut refs = Vec::new();
        body_references(&call.body, &mut refs);
        let mut call_deps: Vec<String> = inherited.to_vec();
        call_deps.extend(self.resolve(path, &refs));
        let mut outputs_by_key: BTreeMap<InstanceKey, Value> = BTreeMap::new();
        let given = self
            .ctx
            .overrides
            .and_then(|o| o.module_outputs(path, &call.name));
        for (key, each_value) in keys {
            if let Some(given) = given {
                // Overridden (`strata test`): nothing inside is planned.
                outputs_by_key.insert(key, given.clone());
                continue;
            }
            let mut child_path = path.clone();
            child_path.push(ModuleStep {
                name: call.name.clone(),
                key: key.clone(),
            });
            let scope = BodyScope::for_instance(&key, each_value.as_ref());
            let Some(vars) = self.module_variables(call, child_ref, roots, &scope) else {
                continue;
            };
            self.validate_module_variables(child_ref, &child_path, &vars);
            let child_roots = self.child_roots(child, roots, vars);
            self.planned_modules.insert(child_path.clone());
            let before = self.changes.len();
            let final_roots = self
                .plan_module(
                    child_path.clone(),
                    child_ref,
                    child_roots,
                    call_deps.clone(),
                )
                .await;
            let contents: Vec<String> = self.changes[before..]
                .iter()
                .map(|c| c.addr.to_string())
                .collect();
            self.module_contents
                .entry((path.clone(), call.name.clone()))
                .or_default()
                .extend(contents);
            let mut outputs = BTreeMap::new();
            for o in &child.config.outputs {
                let Some(expr) = &o.value else { continue };
                let shown = format!("module.{}", call.name);
                self.diagnostics.0.extend(output_preconditions(
                    o,
                    &final_roots,
                    env,
                    (&child_path, &shown),
                    &mut self.checks,
                ));
                match evaluate(
                    expr,
                    &EvalContext {
                        variables: &final_roots,
                        overlay: None,
                        env,
                    },
                ) {
                    Ok(v) => {
                        outputs.insert(o.name.clone(), v.mark_sensitive(o.sensitive));
                    }
                    Err(d) => self.diagnostics.push(d),
                }
            }
            outputs_by_key.insert(key, Value::object(outputs));
        }
        let value = expansion_value(&call.body, outputs_by_key, Value::empty_object);
        let entry = roots
            .entry("module".into())
            .or_insert_with(Value::empty_object);
        if let Kind::Object(m) = &mut entry.kind {
            m.insert(call.name.clone(), value);
        }
    }

    /// The names a child module instance starts with: its variables, `path`
    /// (with its own `path.module`), `terraform`, and no data sources yet.
    fn child_roots(
        &self,
        child: &strata_lang::config::ChildModule,
        roots: &HashMap<String, Value>,
        vars: BTreeMap<String, Value>,
    ) -> HashMap<String, Value> {
        let mut child_roots = HashMap::new();
        child_roots.insert("var".to_string(), Value::object(vars));
        let relative = child
            .dir
            .strip_prefix(self.ctx.stack.dir.as_path())
            .unwrap_or(&child.dir);
        let relative = crate::context::clean_relative(relative);
        let mut path_obj = match roots.get("path") {
            Some(Value {
                kind: Kind::Object(m),
                ..
            }) => m.clone(),
            _ => Default::default(),
        };
        path_obj.insert("module".into(), Value::string(relative));
        child_roots.insert("path".to_string(), Value::object(path_obj));
        if let Some(t) = roots.get("terraform") {
            child_roots.insert("terraform".to_string(), t.clone());
        }
        child_roots.insert("data".to_string(), Value::empty_object());
        child_roots
    }

    /// Makes `module.NAME` of call `i` its early outputs (those made from
    /// its arguments alone), the others unknown, for what reads them
    /// before the call is planned. What goes wrong here is reported when
    /// the call is planned.
    pub(super) fn early_outputs(
        &mut self,
        module: ModuleRef<'a>,
        i: usize,
        roots: &mut HashMap<String, Value>,
    ) {
        let call = &module.config.modules[i];
        let Some(child) = module.children.get(&call.name) else {
            return;
        };
        let child_ref = ModuleRef {
            config: &child.config,
            children: &child.children,
        };
        let early = refs::early_outputs(&child.config);
        let mut ignored = Diagnostics::default();
        let vars = module_variables(
            call,
            child_ref,
            roots,
            &BodyScope::default(),
            self.ctx.env,
            &mut ignored,
        )
        .unwrap_or_default();
        let mut child_roots = self.child_roots(child, roots, vars);
        crate::eval_body::evaluate_locals_into(&child.config, &mut child_roots, self.ctx.env);
        let ctx = EvalContext {
            variables: &child_roots,
            overlay: None,
            env: self.ctx.env,
        };
        let outputs: strata_types::Fields = child
            .config
            .outputs
            .iter()
            .map(|o| {
                let known = early
                    .contains_key(&o.name)
                    .then(|| o.value.as_ref().and_then(|e| evaluate(e, &ctx).ok()))
                    .flatten()
                    .map(|v| v.mark_sensitive(o.sensitive));
                (
                    o.name.clone(),
                    known.unwrap_or_else(|| Value::unknown(Type::Dynamic)),
                )
            })
            .collect();
        if let Some(Value {
            kind: Kind::Object(m),
            ..
        }) = roots.get_mut("module")
        {
            m.insert(call.name.clone(), Value::object(outputs));
        }
    }

    /// The input variable values of one module instance, from the call's
    /// arguments and the variables' defaults.
    fn module_variables(
        &mut self,
        call: &strata_lang::config::ModuleCall,
        child: ModuleRef<'_>,
        roots: &HashMap<String, Value>,
        scope: &BodyScope,
    ) -> Option<BTreeMap<String, Value>> {
        module_variables(
            call,
            child,
            roots,
            scope,
            self.ctx.env,
            &mut self.diagnostics,
        )
    }
}
