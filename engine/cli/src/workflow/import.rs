//! `strata import ADDR ID`.

use super::*;

/// `strata import ADDR ID`.
pub fn import_command(args: &WorkflowArgs, address: &str, id: &str, style: &Style) -> ExitCode {
    let rt = runtime();
    let Some(addr) = InstanceAddr::parse(address) else {
        report(
            &[Diagnostic::global(
                strata_types::codes::INVALID_ADDRESS,
                "Invalid address",
                format!("{address:?} is not a resource address such as aws_instance.gpu[0]."),
            )],
            &SourceMap::default(),
            style,
        );
        return ExitCode::from(1);
    };
    let mut loaded = match crate::environment::load(&args.vars, false) {
        Ok(l) => l,
        Err(d) => return global_failure(d, style),
    };
    if loaded.diagnostics.has_errors() {
        report(&loaded.diagnostics.0, &loaded.stack.sources, style);
        return ExitCode::from(1);
    }
    let store = match open_store(args.state.as_deref(), Some(&loaded.stack), style) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let store = &*store;
    let lock = match take_lock_waiting(store, "import", args.lock, args.lock_timeout) {
        Ok(l) => l,
        Err(e) => return state_error(e, style),
    };
    let result = rt.block_on(strata_core::ops::import(
        &loaded,
        store,
        lock.as_ref(),
        &addr,
        id,
        &op_events(&loaded.stack.sources, style),
    ));
    let sources = std::mem::take(&mut loaded.stack.sources);
    std::mem::forget(loaded);
    match result {
        Ok(_) => {
            println!("{addr}: Import prepared!\n\nImport successful!\n\nThe resource is now managed by Strata; run `strata plan` to compare it with its configuration.");
            ExitCode::SUCCESS
        }
        Err(e) => op_error(e, &sources, style),
    }
}
