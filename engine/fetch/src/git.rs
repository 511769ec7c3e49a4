//! Git sources, cloned with the `git` command as Terraform clones them:
//! `--branch REF` for a tag or branch (with `--depth`), or a full clone
//! and a checkout for a commit.

use crate::{Error, ErrorKind};
use std::path::Path;
use std::process::Command;

fn git() -> Command {
    let mut command = Command::new("git");
    // Never wait for a password prompt; fail and say so instead.
    command
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "true")
        .stdin(std::process::Stdio::null());
    command
}

fn run(mut command: Command) -> Result<(), String> {
    match command.output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(String::from_utf8_lossy(&out.stderr).trim().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err("the git command was not found; install git to use git module sources".into())
        }
        Err(e) => Err(format!("cannot run git: {e}")),
    }
}

pub(crate) fn clone(
    url: &str,
    reference: Option<&str>,
    depth: Option<u32>,
    dest: &Path,
) -> Result<(), Error> {
    let clone = |branch: Option<&str>, depth: Option<u32>| {
        let mut command = git();
        command.arg("clone").arg("--quiet");
        if let Some(depth) = depth {
            command.arg(format!("--depth={depth}"));
        }
        if let Some(branch) = branch {
            command.arg("--branch").arg(branch);
        }
        command.arg("--").arg(url).arg(dest);
        run(command)
    };
    let failed = |detail: String| {
        Error::new(
            ErrorKind::Download,
            format!("git clone of {url} failed: {detail}"),
        )
    };
    let Some(reference) = reference else {
        return clone(None, depth).map_err(failed);
    };
    let by_name = clone(Some(reference), depth);
    let Err(by_name_error) = by_name else {
        return Ok(());
    };
    // Not a branch or tag: perhaps a commit, which needs the history.
    let _ = std::fs::remove_dir_all(dest);
    if depth.is_some() || !looks_like_commit(reference) {
        return Err(failed(format!(
            "{by_name_error} (is {reference:?} a branch or tag of the repository?)"
        )));
    }
    clone(None, None).map_err(failed)?;
    let mut checkout = git();
    checkout
        .arg("-C")
        .arg(dest)
        .args(["checkout", "--quiet", "--detach", reference]);
    run(checkout).map_err(|e| {
        Error::new(
            ErrorKind::Download,
            format!("{url} has no branch, tag or commit {reference:?}: {e}"),
        )
    })
}

fn looks_like_commit(reference: &str) -> bool {
    (4..=64).contains(&reference.len()) && reference.bytes().all(|b| b.is_ascii_hexdigit())
}
