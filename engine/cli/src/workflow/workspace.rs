//! `strata workspace`: list, show, new, select, delete.

use super::*;

pub enum WorkspaceVerb {
    List,
    Show,
    New(String),
    Select(String),
    Delete(String, bool),
}

pub fn workspace_command(verb: WorkspaceVerb, style: &Style) -> ExitCode {
    use strata_core::ops::workspace;
    let none = SourceMap::default();
    let current = current_workspace();
    if let WorkspaceVerb::Show = verb {
        println!("{current}");
        return ExitCode::SUCCESS;
    }
    let backend = match open_backend(None, style) {
        Ok((_, b)) => b,
        Err(code) => return code,
    };
    let select = |name: &str, what: &str| {
        std::fs::create_dir_all(".strata")
            .and_then(|_| std::fs::write(WORKSPACE_FILE, name))
            .map_err(|e| {
                OpError::Failed(vec![Diagnostic::global(
                    strata_types::codes::WORKSPACE_FAILED,
                    format!("Cannot {what} the workspace"),
                    e.to_string(),
                )])
            })
    };
    let done = match verb {
        WorkspaceVerb::Show => Ok(String::new()),
        WorkspaceVerb::List => backend.workspaces().map_err(OpError::State).map(|names| {
            names
                .iter()
                .map(|name| format!("{} {name}\n", if *name == current { "*" } else { " " }))
                .collect()
        }),
        WorkspaceVerb::New(name) => workspace::create(&*backend, &name)
            .and_then(|()| select(&name, "create"))
            .map(|()| format!("Created and switched to workspace \"{name}\"!\n")),
        WorkspaceVerb::Select(name) => workspace::check_exists(&*backend, &name)
            .and_then(|()| select(&name, "select"))
            .map(|()| format!("Switched to workspace \"{name}\".\n")),
        WorkspaceVerb::Delete(name, force) => workspace::delete(&*backend, &name, &current, force)
            .map(|()| format!("Deleted workspace \"{name}\"!\n")),
    };
    match done {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => op_error(e, &none, style),
    }
}
