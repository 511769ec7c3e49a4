//! Differential tests of the plan/apply workflow against Terraform 1.11:
//! each scenario in `tests/workflow/NAME/` is a sequence of configurations
//! (`1.tf`, `2.tf`, …) using only `terraform_data`. Both tools plan each
//! step into a saved plan, show it as JSON, apply it and print the
//! outputs; the planned actions (and reasons) per address and the output
//! values after each apply must be identical. A step whose first line
//! reads `# plan: FLAGS` is planned with those flags by both.

mod common;
use common::terraform;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn output(program: &Path, args: &[&str], dir: &Path) -> std::io::Result<std::process::Output> {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("TF_IN_AUTOMATION", "1")
        .env("NO_COLOR", "1")
        .output()
}

fn run(program: &Path, args: &[&str], dir: &Path) -> Result<String, String> {
    let out =
        output(program, args, dir).map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{} {} failed:\n{}{}",
            program.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// (address, actions, reason, previous address) of a planned change.
type PlannedAction = (String, Vec<String>, Option<String>, Option<String>);
/// Output values (and whether sensitive) by name.
type Outputs = BTreeMap<String, (serde_json::Value, bool)>;

/// (address, `change.after` with made-up ids masked, `after_sensitive`,
/// `after_unknown`) for every planned change, sorted.
fn afters(plan_json: &str) -> Result<Vec<(String, serde_json::Value)>, String> {
    let plan: serde_json::Value =
        serde_json::from_str(plan_json).map_err(|e| format!("plan JSON: {e}"))?;
    let mut out: Vec<(String, serde_json::Value)> = plan["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|rc| {
            (
                rc["address"].as_str().unwrap_or("").to_string(),
                serde_json::json!([
                    null,
                    null,
                    null,
                    null,
                    mask_ids(&rc["change"]["after"]),
                    rc["change"]["after_sensitive"],
                    rc["change"]["after_unknown"]
                ]),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// (address, actions, reason, previous address) for every planned
/// change, sorted.
fn actions(plan_json: &str) -> Result<Vec<PlannedAction>, String> {
    let plan: serde_json::Value =
        serde_json::from_str(plan_json).map_err(|e| format!("plan JSON: {e}"))?;
    let mut out: Vec<PlannedAction> = plan["resource_changes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|rc| {
            let actions = rc["change"]["actions"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|a| a.as_str().unwrap_or("").to_string())
                .collect();
            (
                rc["address"].as_str().unwrap_or("").to_string(),
                actions,
                rc["action_reason"].as_str().map(str::to_string),
                rc["previous_address"].as_str().map(str::to_string),
            )
        })
        .collect();
    out.sort();
    Ok(out)
}

/// Output values (and whether sensitive) after apply.
fn outputs(json: &str) -> Result<Outputs, String> {
    let v: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("output JSON: {e}"))?;
    Ok(v.as_object()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, o)| {
            (
                k,
                (
                    o["value"].clone(),
                    o["sensitive"].as_bool().unwrap_or(false),
                ),
            )
        })
        .collect())
}

struct Tool {
    program: PathBuf,
    /// Run before each plan (Terraform installs local modules with init).
    init: Vec<&'static str>,
    plan: Vec<&'static str>,
    show: Vec<&'static str>,
    apply: Vec<&'static str>,
    output: Vec<&'static str>,
}

/// Ids each tool makes up (UUIDs) read as one placeholder.
fn mask_ids(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::String(s)
            if s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4 =>
        {
            serde_json::Value::String("<id>".into())
        }
        serde_json::Value::Array(items) => items.iter().map(mask_ids).collect(),
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, v)| (k.clone(), mask_ids(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        other => other.clone(),
    }
}

/// `values` with the parts `sensitive_values` marks null: Strata does not
/// write sensitive values into plan JSON, Terraform does.
fn redact(values: &serde_json::Value, sensitive: &serde_json::Value) -> serde_json::Value {
    match (values, sensitive) {
        (_, serde_json::Value::Bool(true)) => serde_json::Value::Null,
        (serde_json::Value::Object(m), serde_json::Value::Object(s)) => m
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    redact(v, s.get(k).unwrap_or(&serde_json::Value::Null)),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into(),
        (serde_json::Value::Array(items), serde_json::Value::Array(s)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| redact(v, s.get(i).unwrap_or(&serde_json::Value::Null)))
            .collect(),
        (v, _) => v.clone(),
    }
}

/// Every instance under a module entry of Terraform's JSON (plan's
/// `planned_values` or the state representation): address, mode, type,
/// index, values (made-up ids masked) and `sensitive_values`, sorted.
fn instances(root: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    fn collect(module: &serde_json::Value, out: &mut Vec<(String, serde_json::Value)>) {
        for r in module["resources"].as_array().into_iter().flatten() {
            let address = r["address"].as_str().unwrap_or("").to_string();
            let shape = serde_json::json!([
                r["mode"],
                r["type"],
                r["name"],
                r["index"],
                mask_ids(&r["values"]),
                r["sensitive_values"]
            ]);
            out.push((address, shape));
        }
        for child in module["child_modules"].as_array().into_iter().flatten() {
            collect(child, out);
        }
    }
    let mut out = Vec::new();
    collect(root, &mut out);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Whether two tools list the same instances with the same values and
/// sensitivity shapes (Strata's at least as sensitive), a
/// part either marks sensitive left out of the comparison (Strata also
/// keeps a computed copy of a sensitive value sensitive, such as
/// terraform_data's output).
fn same_instances(
    theirs: &[(String, serde_json::Value)],
    ours: &[(String, serde_json::Value)],
) -> bool {
    theirs.len() == ours.len()
        && theirs.iter().zip(ours).all(|((a, x), (b, y))| {
            let hide = |v: &serde_json::Value| redact(&redact(v, &x[5]), &y[5]);
            a == b
                && (0..4).all(|i| x[i] == y[i])
                && hide(&x[4]) == hide(&y[4])
                && x.get(6) == y.get(6)
                && at_least_as_sensitive(&y[5], &x[5])
        })
}

/// Whether Strata's sensitivity shape (`ours`) is Terraform's, with
/// perhaps more marked sensitive: Strata keeps a computed copy of a
/// sensitive value sensitive (terraform_data's output), Terraform does not.
fn at_least_as_sensitive(ours: &serde_json::Value, theirs: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    fn has_true(v: &J) -> bool {
        match v {
            J::Bool(b) => *b,
            J::Array(a) => a.iter().any(has_true),
            J::Object(o) => o.values().any(has_true),
            _ => false,
        }
    }
    match (ours, theirs) {
        (J::Bool(true), _) => true,
        (J::Array(a), J::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| at_least_as_sensitive(x, y))
        }
        (J::Object(a), J::Object(b)) => {
            b.iter()
                .all(|(k, y)| at_least_as_sensitive(a.get(k).unwrap_or(&J::Bool(false)), y))
                && a.iter().all(|(k, x)| b.contains_key(k) || has_true(x))
        }
        _ => ours == theirs,
    }
}

/// `planned_values` of a plan's JSON (see [`instances`]).
fn planned_values(plan_json: &str) -> Result<Vec<(String, serde_json::Value)>, String> {
    let plan: serde_json::Value =
        serde_json::from_str(plan_json).map_err(|e| format!("plan JSON: {e}"))?;
    Ok(instances(&plan["planned_values"]["root_module"]))
}

/// `show -json` of the state after apply (see [`instances`]).
fn state_values(state_json: &str) -> Result<Vec<(String, serde_json::Value)>, String> {
    let state: serde_json::Value =
        serde_json::from_str(state_json).map_err(|e| format!("state JSON: {e}"))?;
    Ok(instances(&state["values"]["root_module"]))
}

type Step = (
    Vec<PlannedAction>,
    Outputs,
    Vec<(String, serde_json::Value)>,
    Vec<(String, serde_json::Value)>,
    Configuration,
    Vec<(String, serde_json::Value)>,
    String,
);

/// A plan JSON's `configuration`, its `relevant_attributes` (sorted: the
/// order follows a walk of the configuration) and its `checks`.
type Configuration = (serde_json::Value, Vec<String>, serde_json::Value);

/// Terraform's `configuration` with what Strata keeps out of plan JSON
/// removed: the default of a sensitive variable and the constant of a
/// sensitive output (a secret written into the configuration).
fn without_sensitive_constants(module: &mut serde_json::Value) {
    for section in ["variables", "outputs"] {
        for (_, item) in module[section].as_object_mut().into_iter().flatten() {
            if item["sensitive"] == serde_json::json!(true) {
                if let Some(o) = item.as_object_mut() {
                    o.remove("default");
                }
                if let Some(e) = item["expression"].as_object_mut() {
                    e.remove("constant_value");
                }
            }
        }
    }
    for (_, call) in module["module_calls"].as_object_mut().into_iter().flatten() {
        without_sensitive_constants(&mut call["module"]);
    }
}

fn configuration(plan_json: &str) -> Result<Configuration, String> {
    let plan: serde_json::Value =
        serde_json::from_str(plan_json).map_err(|e| format!("plan JSON: {e}"))?;
    let mut relevant: Vec<String> = plan["relevant_attributes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r.to_string())
        .collect();
    relevant.sort();
    let mut config = plan["configuration"].clone();
    without_sensitive_constants(&mut config["root_module"]);
    Ok((config, relevant, plan["checks"].clone()))
}

/// A step's plan flags: its first line may read `# plan: -destroy -target=ADDR`.
fn plan_flags(step_file: &Path) -> Vec<String> {
    std::fs::read_to_string(step_file)
        .unwrap_or_default()
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# plan:"))
        .map(|flags| flags.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// A step whose file says `# text differs: REASON` is not compared as
/// people read the plan (only by everything else), for the reason given.
fn text_differs_knowingly(step_file: &Path) -> bool {
    std::fs::read_to_string(step_file)
        .unwrap_or_default()
        .lines()
        .take_while(|l| l.starts_with('#'))
        .any(|l| l.starts_with("# text differs:"))
}

fn step(tool: &Tool, dir: &Path, flags: &[String]) -> Result<Step, String> {
    if !tool.init.is_empty() {
        run(&tool.program, &tool.init, dir)?;
    }
    let mut plan: Vec<&str> = tool.plan.clone();
    plan.extend(flags.iter().map(String::as_str));
    let plan_text = run(&tool.program, &plan, dir)?;
    let shown = run(&tool.program, &tool.show, dir)?;
    run(&tool.program, &tool.apply, dir)?;
    let outs = run(&tool.program, &tool.output, dir)?;
    let state = run(&tool.program, &["show", "-json"], dir)?;
    Ok((
        actions(&shown)?,
        outputs(&outs)?,
        planned_values(&shown)?,
        state_values(&state)?,
        configuration(&shown)?,
        afters(&shown)?,
        plan_as_read(&plan_text),
    ))
}

/// The plan as people read it: from the legend (or the drift note, or
/// "No changes.") to the outputs, before the note on the saved plan and
/// any diagnostics; ids masked, the tool's name as Strata's.
fn plan_as_read(text: &str) -> String {
    let masked = mask_text_ids(text)
        .replace("Terraform", "Strata")
        .replace("terraform apply", "strata apply");
    let mut lines = masked.lines().skip_while(|l| {
        !(l.starts_with("Note: Objects have changed")
            || l.starts_with("Strata used the selected providers")
            || l.starts_with("Strata will perform")
            || l.starts_with("No changes."))
    });
    let mut out = String::new();
    for line in lines.by_ref() {
        // Diagnostics are Strata's own (file:line:col and a code).
        if line.starts_with('─')
            || line.starts_with("Saved the plan")
            || line.starts_with("Warning:")
            || line.starts_with("Error:")
        {
            break;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// `show` of the state as people read it, with ids (UUIDs) masked.
fn shown_state(program: &Path, args: &[&str], dir: &Path) -> Result<String, String> {
    Ok(mask_text_ids(&run(program, args, dir)?))
}

/// The text with ids (UUIDs) as `<id>`.
fn mask_text_ids(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let is_uuid = |w: &[char]| {
        w.len() == 36
            && w.iter().enumerate().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => *c == '-',
                _ => c.is_ascii_hexdigit(),
            })
    };
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if i + 36 <= chars.len() && is_uuid(&chars[i..i + 36]) {
            out.push_str("<id>");
            i += 36;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Whether Strata's `show` reads as Terraform's, where Strata may hide
/// more: a `(sensitive value)` of Strata's stands for whatever Terraform
/// shows in its place (Strata keeps `terraform_data`'s output as
/// sensitive as its input; Terraform does not).
fn same_show(theirs: &str, ours: &str) -> bool {
    same_text(theirs, ours, false)
}

/// Whether Strata's plan reads as Terraform's, with the same allowance as
/// [`same_show`], and one more: Terraform knows how many elements some
/// collections not yet known have (`[for b in x : b.id]` over resources
/// being made), where Strata says the whole collection is
/// `(known after apply)`.
fn same_plan(theirs: &str, ours: &str) -> bool {
    same_text(theirs, ours, true)
}

fn same_text(theirs: &str, ours: &str, unknown_collections: bool) -> bool {
    let (t, o): (Vec<&str>, Vec<&str>) = (theirs.lines().collect(), ours.lines().collect());
    let (mut i, mut j) = (0, 0);
    while i < t.len() && j < o.len() {
        if t[i] == o[j] {
            i += 1;
            j += 1;
            continue;
        }
        let (at, collections_only) = match (
            o[j].find("(sensitive value)"),
            o[j].find("(known after apply)"),
        ) {
            (Some(at), _) => (at, false),
            (None, Some(at)) if unknown_collections => (at, true),
            _ => return false,
        };
        let prefix = &o[j][..at];
        if !t[i].starts_with(prefix) {
            return false;
        }
        // Their value may span lines: skip to its close at this indentation.
        let rest = t[i][prefix.len()..].trim_end_matches(',');
        if collections_only && !(rest == "[" || rest == "{") {
            return false;
        }
        if ["{", "[", "(", "<<-EOT"]
            .iter()
            .any(|open| rest.ends_with(open))
        {
            let indent = t[i].len() - t[i].trim_start().len();
            i += 1;
            // A plan closes its values two columns in from their sign.
            let closes = |l: &str| {
                let at = l.len() - l.trim_start().len();
                (at == indent || at == indent + 2)
                    && l.trim_start().starts_with(['}', ']', ')', 'E'])
            };
            while i < t.len() && !closes(t[i]) {
                i += 1;
            }
        }
        i += 1;
        j += 1;
    }
    i == t.len() && j == o.len()
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_tree(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)?;
        }
    }
    Ok(())
}

fn scenarios() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/workflow");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("scenarios")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn run_scenario(scenario: &Path, scratch: &Path) -> Result<(), String> {
    let terraform = Tool {
        program: terraform(),
        init: vec!["init", "-input=false"],
        plan: vec!["plan", "-input=false", "-no-color", "-out=tfplan"],
        show: vec!["show", "-json", "tfplan"],
        apply: vec!["apply", "-input=false", "-auto-approve", "tfplan"],
        output: vec!["output", "-json"],
    };
    let strata = Tool {
        program: PathBuf::from(env!("CARGO_BIN_EXE_strata")),
        init: vec![],
        plan: vec!["plan", "-out=plan.json"],
        show: vec!["show", "-json", "plan.json"],
        apply: vec!["apply", "plan.json"],
        output: vec!["output", "-json"],
    };
    let name = scenario
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let dirs = [
        scratch.join(format!("{name}-terraform")),
        scratch.join(format!("{name}-strata")),
    ];
    for d in &dirs {
        std::fs::create_dir_all(d).map_err(|e| e.to_string())?;
        // The child modules scenarios call (`./modules/app`), shared by all.
        let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/workflow_modules");
        copy_tree(&modules, &d.join("modules")).map_err(|e| e.to_string())?;
    }
    let mut steps: Vec<PathBuf> = std::fs::read_dir(scenario)
        .map_err(|e| e.to_string())?
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
        .collect();
    steps.sort_by_key(|p| {
        p.file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.parse::<u32>().ok())
            .unwrap_or(0)
    });
    for (n, step_file) in steps.iter().enumerate() {
        for d in &dirs {
            std::fs::copy(step_file, d.join("main.tf")).map_err(|e| e.to_string())?;
        }
        let flags = plan_flags(step_file);
        let theirs = step(&terraform, &dirs[0], &flags)
            .map_err(|e| format!("{name} step {}: {e}", n + 1))?;
        let ours =
            step(&strata, &dirs[1], &flags).map_err(|e| format!("{name} step {}: {e}", n + 1))?;
        if theirs.0 != ours.0 {
            return Err(format!(
                "{name} step {}: planned actions differ\n  terraform: {:?}\n  strata:    {:?}",
                n + 1,
                theirs.0,
                ours.0
            ));
        }
        if theirs.1 != ours.1 {
            return Err(format!(
                "{name} step {}: outputs differ\n  terraform: {:?}\n  strata:    {:?}",
                n + 1,
                theirs.1,
                ours.1
            ));
        }
        if !same_instances(&theirs.2, &ours.2) {
            return Err(format!(
                "{name} step {}: planned values differ\n  terraform: {:?}\n  strata:    {:?}",
                n + 1,
                theirs.2,
                ours.2
            ));
        }
        let parts = ["configuration", "relevant_attributes", "checks"];
        let differs = [
            theirs.4 .0 != ours.4 .0,
            theirs.4 .1 != ours.4 .1,
            theirs.4 .2 != ours.4 .2,
        ];
        if let Some(i) = differs.iter().position(|d| *d) {
            let show = |c: &Configuration| match i {
                0 => c.0.to_string(),
                1 => format!("{:?}", c.1),
                _ => c.2.to_string(),
            };
            return Err(format!(
                "{name} step {}: the plan JSON's {} differs\n  terraform: {}\n  strata:    {}",
                n + 1,
                parts[i],
                show(&theirs.4),
                show(&ours.4)
            ));
        }
        if !same_instances(&theirs.5, &ours.5) {
            return Err(format!(
                "{name} step {}: the planned changes' after values differ\n  terraform: {:?}\n  strata:    {:?}",
                n + 1,
                theirs.5,
                ours.5
            ));
        }
        if !text_differs_knowingly(step_file) && !same_plan(&theirs.6, &ours.6) {
            return Err(format!(
                "{name} step {}: the plan as people read it differs\n--- terraform\n{}\n--- strata\n{}",
                n + 1,
                theirs.6,
                ours.6
            ));
        }
        let (their_show, our_show) = (
            shown_state(&terraform.program, &["show", "-no-color"], &dirs[0])?,
            shown_state(&strata.program, &["show"], &dirs[1])?,
        );
        if !same_show(&their_show, &our_show) {
            return Err(format!(
                "{name} step {}: show of the state differs\n--- terraform\n{their_show}\n--- strata\n{our_show}",
                n + 1
            ));
        }
        if !same_instances(&theirs.3, &ours.3) {
            return Err(format!(
                "{name} step {}: show -json of the state differs\n  terraform: {:?}\n  strata:    {:?}",
                n + 1,
                theirs.3,
                ours.3
            ));
        }
    }
    Ok(())
}

#[test]
fn plan_and_apply_match_terraform() {
    let all = scenarios();
    assert!(all.len() >= 25, "keep at least 25 scenarios");
    let scratch = std::env::temp_dir().join(format!("strata-workflow-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let chunks: Vec<Vec<PathBuf>> = all
        .chunks(all.len().div_ceil(4))
        .map(|c| c.to_vec())
        .collect();
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                let scratch = scratch.clone();
                s.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|sc| run_scenario(sc, &scratch).err())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker"))
            .collect()
    });
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(
        failures.is_empty(),
        "{} of {} scenarios differ from Terraform:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n\n")
    );
}

/// The exit code and standard output of a run.
fn run_code(program: &Path, args: &[&str], dir: &Path) -> (i32, String) {
    let out = output(program, args, dir).expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Moves and imports applied straight from the configuration (no saved
/// plan), as Terraform applies them: a plan of only moves or imports has
/// changes (`-detailed-exitcode` 2), applying it says what it did in the
/// same words, and the state holds the objects at their new addresses.
#[test]
fn moves_and_imports_apply_without_a_saved_plan() {
    let scratch = std::env::temp_dir().join(format!("strata-direct-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let strata = PathBuf::from(env!("CARGO_BIN_EXE_strata"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/workflow");
    for name in ["moved_rename", "moved_count_to_for_each", "import_block"] {
        let dirs = [
            scratch.join(format!("{name}-terraform")),
            scratch.join(format!("{name}-strata")),
        ];
        for d in &dirs {
            std::fs::create_dir_all(d).unwrap();
        }
        run(&terraform(), &["init", "-input=false"], &dirs[0]).unwrap();
        for step in ["1", "2"] {
            let file = root.join(name).join(format!("{step}.tf"));
            for d in &dirs {
                std::fs::copy(&file, d.join("main.tf")).unwrap();
            }
            let (t_code, _) = run_code(
                &terraform(),
                &["plan", "-input=false", "-detailed-exitcode"],
                &dirs[0],
            );
            let (s_code, s_plan) = run_code(&strata, &["plan", "-detailed-exitcode"], &dirs[1]);
            assert_eq!(
                s_code, t_code,
                "{name} step {step}: plan exit codes\n{s_plan}"
            );
            let t_apply = run(
                &terraform(),
                &["apply", "-input=false", "-auto-approve"],
                &dirs[0],
            )
            .unwrap();
            let s_apply = run(&strata, &["apply", "-auto-approve"], &dirs[1]).unwrap();
            let summary = |out: &str| {
                out.lines()
                    .find(|l| l.starts_with("Apply complete!"))
                    .map(str::to_string)
            };
            assert_eq!(
                summary(&s_apply),
                summary(&t_apply),
                "{name} step {step}: the apply's summary\n{s_apply}"
            );
            let t_state =
                state_values(&run(&terraform(), &["show", "-json"], &dirs[0]).unwrap()).unwrap();
            let s_state =
                state_values(&run(&strata, &["show", "-json"], &dirs[1]).unwrap()).unwrap();
            assert!(
                same_instances(&t_state, &s_state),
                "{name} step {step}: the states differ\n  terraform: {t_state:?}\n  strata:    {s_state:?}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
