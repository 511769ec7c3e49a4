//! `strata plan`.

use super::*;

pub fn plan_command(
    args: &WorkflowArgs,
    out: Option<&Path>,
    detailed_exitcode: bool,
    markdown_out: Option<(&Path, usize)>,
    style: &Style,
) -> ExitCode {
    let rt = runtime();
    let loaded = match load_validated(args, style) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let store = match open_store(args.state.as_deref(), Some(&loaded.0.stack), style) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let lock = match take_lock_waiting(&*store, "plan", args.lock, args.lock_timeout) {
        Ok(l) => l,
        Err(e) => return state_error(e, style),
    };
    let mut planned = match make_plan(args, style, &rt, (&*store, lock.as_ref(), false), loaded) {
        Ok(p) => p,
        Err(code) => return code,
    };
    print_plan(&planned.plan, args.refresh, style);
    let denied = match check_policies(args, &mut planned, style) {
        Ok(d) => d,
        Err(code) => return code,
    };
    if let Some((path, max_chars)) = markdown_out {
        if let Err(code) = write_comment(path, &markdown_comment(&planned.plan, max_chars), style) {
            return code;
        }
    }
    if denied {
        std::mem::forget(planned);
        return global_failure(
            Diagnostic::global(
                strata_types::codes::PLAN_DENIED,
                "Plan denied by policy",
                "A policy denied this plan (see above), so it was not saved; change the configuration or the policy.",
            ),
            style,
        );
    }
    if out.is_none() && !style.json && planned.plan.has_changes() {
        println!(
            "\n{}\n\nNote: You didn't use the -out option to save this plan, so Strata can't\nguarantee to take exactly these actions if you run \"strata apply\" now.",
            "─".repeat(77)
        );
    }
    if let Some(path) = out {
        let plain = serde_json::to_vec(&planned.plan).expect("plan serializes");
        // Plans hold the values of sensitive attributes: encrypt them too.
        let bytes = strata_state::crypt::seal(cipher().ok().flatten().as_deref(), plain);
        if let Err(e) = strata_state::write_atomically(path, &bytes) {
            report(
                &[Diagnostic::global(
                    strata_types::codes::WRITE_FAILED,
                    "Failed to write the plan",
                    e.to_string(),
                )],
                &SourceMap::default(),
                style,
            );
            return ExitCode::from(1);
        }
        if !style.json {
            println!(
                "\nSaved the plan to: {}\n\nTo perform exactly these actions, run:\n  strata apply {}",
                path.display(),
                path.display()
            );
        }
    }
    let has_changes = planned.plan.has_changes();
    std::mem::forget(planned);
    if detailed_exitcode && has_changes {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
