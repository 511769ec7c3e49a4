//! `strata plan --all`: every stack under a directory (or those a git
//! change touches), each planned by its own `strata` process in its own
//! directory, and one combined pull-request comment.
//!
//! A stack is a directory with `.tf` or `.tf.json` files that no other
//! stack uses as a local module.

use crate::render::Style;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use strata_types::Diagnostic;

pub struct AllOptions<'a> {
    pub changed_since: Option<&'a str>,
    /// Keep each stack's plan here (as `STACK.plan`, slashes as `__`), for
    /// `strata apply` after review.
    pub out_dir: Option<&'a Path>,
    pub markdown_out: Option<(&'a Path, usize)>,
    /// Flags passed to every stack's plan (variables, refresh, …).
    pub pass: Vec<String>,
    /// Exit 2 when any stack's plan has changes, as one stack's would.
    pub detailed_exitcode: bool,
}

fn skipped(name: &str) -> bool {
    name.starts_with('.') || matches!(name, "target" | "node_modules" | "strata.tfstate.d")
}

fn has_config(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries.filter_map(|e| e.ok()).any(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                e.path().is_file() && (n.ends_with(".tf") || n.ends_with(".tf.json"))
            })
        })
        .unwrap_or(false)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    if has_config(dir) {
        out.push(dir.to_path_buf());
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut subdirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir() && !skipped(&e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    subdirs.sort();
    for d in subdirs {
        walk(&d, out);
    }
}

/// The local module directories a configuration directory calls, and
/// theirs, canonicalized.
fn module_dirs(dir: &Path, seen: &mut BTreeSet<PathBuf>) {
    let Ok(stack) = strata_lang::config::load_directory(dir) else {
        return;
    };
    for call in &stack.config.modules {
        let Some(source) = call
            .body
            .attribute("source")
            .and_then(|a| strata_lang::config::literal_string(&a.expr))
        else {
            continue;
        };
        if !(source.starts_with("./") || source.starts_with("../")) {
            continue;
        }
        if let Ok(path) = dir.join(&source).canonicalize() {
            if seen.insert(path.clone()) {
                module_dirs(&path, seen);
            }
        }
    }
}

/// The stacks under `root`: configuration directories that are not
/// modules of another, with the module directories each uses.
pub fn find_stacks(root: &Path) -> Vec<(PathBuf, BTreeSet<PathBuf>)> {
    let mut dirs = Vec::new();
    walk(root, &mut dirs);
    let with_modules: Vec<(PathBuf, BTreeSet<PathBuf>)> = dirs
        .into_iter()
        .filter_map(|d| {
            let canonical = d.canonicalize().ok()?;
            let mut modules = BTreeSet::new();
            module_dirs(&canonical, &mut modules);
            Some((canonical, modules))
        })
        .collect();
    let used: BTreeSet<PathBuf> = with_modules
        .iter()
        .flat_map(|(_, m)| m.iter().cloned())
        .collect();
    with_modules
        .into_iter()
        .filter(|(d, _)| !used.contains(d))
        .collect()
}

/// Files changed since `base` (committed since the merge base, and not
/// yet committed), as absolute paths.
fn changed_files(root: &Path, base: &str) -> Result<Vec<PathBuf>, String> {
    let git = |args: &[&str]| -> Result<String, String> {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "git {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let top = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?.trim());
    let mut names = git(&["diff", "--name-only", &format!("{base}...HEAD")])?;
    names.push_str(&git(&["diff", "--name-only", "HEAD"])?);
    names.push_str(&git(&["ls-files", "--others", "--exclude-standard"])?);
    Ok(names
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let p = top.join(l);
            p.canonicalize().unwrap_or(p)
        })
        .collect())
}

fn name_of(root: &Path, dir: &Path) -> String {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    match dir.strip_prefix(&root) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".into(),
        Ok(rel) => rel.display().to_string(),
        Err(_) => dir.display().to_string(),
    }
}

pub fn plan_all(options: &AllOptions<'_>, style: &Style) -> ExitCode {
    use crate::report::global_failure;
    let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut stacks = find_stacks(&root);
    if let Some(base) = options.changed_since {
        let changed = match changed_files(&root, base) {
            Ok(c) => c,
            Err(e) => {
                return global_failure(
                    Diagnostic::global(
                        strata_types::codes::CANNOT_LIST_CHANGED_FILES,
                        "Cannot list changed files",
                        format!("{e}. --changed-since takes a git ref such as origin/main."),
                    ),
                    style,
                )
            }
        };
        stacks.retain(|(dir, modules)| {
            changed.iter().any(|f| {
                f.parent()
                    .is_some_and(|p| p == dir || modules.iter().any(|m| p == m))
            })
        });
    }
    if stacks.is_empty() {
        println!("No stacks to plan under {}.", root.display());
    }
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            return global_failure(
                Diagnostic::global(
                    strata_types::codes::CANNOT_FIND_BINARY,
                    "Cannot find the strata binary",
                    e.to_string(),
                ),
                style,
            )
        }
    };
    let scratch = std::env::temp_dir().join(format!("strata-plan-all-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&scratch);
    let jobs: Vec<(String, &Path, PathBuf)> = stacks
        .iter()
        .enumerate()
        .map(|(i, (dir, _))| {
            let name = name_of(&root, dir);
            let plan_path = match options.out_dir {
                Some(out) => {
                    // Each stack's process runs in its own directory.
                    let out = root.join(out);
                    let _ = std::fs::create_dir_all(&out);
                    out.join(format!("{}.plan", name.replace('/', "__")))
                }
                None => scratch.join(format!("{i}.plan")),
            };
            (name, dir.as_path(), plan_path)
        })
        .collect();
    let mut plans = Vec::new();
    let mut failed = Vec::new();
    // Stacks are planned by a pool of `strata plan` processes, one per
    // core; each one's output is shown whole, in the stacks' order.
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(jobs.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (done, finished) = std::sync::mpsc::channel();
        for _ in 0..workers {
            let (done, next, jobs, exe) = (done.clone(), &next, &jobs, &exe);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some((_, dir, plan_path)) = jobs.get(i) else {
                    break;
                };
                let output = std::process::Command::new(exe)
                    .arg(format!("-chdir={}", dir.display()))
                    .arg("plan")
                    .arg(format!("-out={}", plan_path.display()))
                    .args(&options.pass)
                    .stdin(std::process::Stdio::null())
                    .output();
                if done.send((i, output)).is_err() {
                    break;
                }
            });
        }
        drop(done);
        let mut waiting = std::collections::BTreeMap::new();
        let mut shown = 0;
        for (i, output) in finished {
            waiting.insert(i, output);
            while let Some(output) = waiting.remove(&shown) {
                let (name, _, plan_path) = &jobs[shown];
                shown += 1;
                println!("=== {name}");
                let ok = match &output {
                    Ok(o) => {
                        let _ = std::io::Write::write_all(&mut std::io::stdout(), &o.stdout);
                        let _ = std::io::Write::write_all(&mut std::io::stderr(), &o.stderr);
                        o.status.success()
                    }
                    Err(e) => {
                        eprintln!("Error: cannot run strata for {name}: {e}");
                        false
                    }
                };
                match ok.then(|| crate::workflow::read_plan(plan_path)) {
                    Some(Ok(plan)) => plans.push((name.clone(), plan)),
                    Some(Err(d)) => {
                        crate::report::report(&[d], &Default::default(), style);
                        failed.push(name.clone());
                    }
                    None => failed.push(name.clone()),
                }
                println!();
            }
        }
    });
    let _ = std::fs::remove_dir_all(&scratch);
    if let Some((path, max_chars)) = options.markdown_out {
        let workspace = crate::environment::current_workspace();
        let shas: Vec<String> = plans
            .iter()
            .map(|(_, p)| crate::markdown::plan_sha256(p))
            .collect();
        let headers: Vec<(crate::markdown::Header<'_>, &strata_core::Plan)> = plans
            .iter()
            .zip(&shas)
            .map(|((name, plan), sha)| {
                (
                    crate::markdown::Header {
                        stack: name,
                        workspace: &workspace,
                        sha256: sha,
                    },
                    plan,
                )
            })
            .collect();
        let mut parts = crate::markdown::render_many(&headers, max_chars);
        if !failed.is_empty() {
            let note = format!(
                "\n> [!CAUTION]\n> Planning failed for {}: see the job's log.\n",
                failed
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if let Some(first) = parts.first_mut() {
                first.push_str(&note);
            }
        }
        if let Err(code) = crate::workflow::write_comment(path, &parts, style) {
            return code;
        }
    }
    println!(
        "Planned {} stack(s){}.",
        plans.len(),
        if failed.is_empty() {
            String::new()
        } else {
            format!("; failed: {}", failed.join(", "))
        }
    );
    if !failed.is_empty() {
        ExitCode::from(1)
    } else if options.detailed_exitcode && plans.iter().any(|(_, p)| p.has_changes()) {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}
