//! Differential tests against Terraform itself: every expression in
//! `differential/expressions.txt` is evaluated by `terraform console` and by
//! `strata console` in the same stack (`differential/stack`), and the two
//! must agree: the same output when both succeed, and both failing when one
//! fails. Terraform (1.11, no providers needed) must be on PATH.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

struct Outcome {
    success: bool,
    stdout: String,
    stderr: String,
}

fn run(program: &Path, args: &[&str], dir: &Path, input: &str) -> Outcome {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("NO_COLOR", "1")
        .env_remove("TF_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{input}\n").as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    Outcome {
        success: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).trim_end().to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn copy_stack(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read stack") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

fn terraform() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|p| p.join("terraform"))
        .find(|p| p.is_file())
        .expect("terraform must be installed for the differential tests (Terraform 1.11)")
}

/// Expressions whose results depend on the moment or on randomness are
/// compared by their shape in the expressions file itself (length, ==).
#[test]
fn console_matches_terraform() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential");
    let expressions: Vec<String> = std::fs::read_to_string(root.join("expressions.txt"))
        .expect("expressions")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    assert!(
        expressions.len() >= 400,
        "the corpus must keep at least 400 expressions"
    );
    let scratch = std::env::temp_dir().join(format!("strata-differential-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let strata = PathBuf::from(env!("CARGO_BIN_EXE_strata"));
    let terraform = terraform();
    let workers = 4;
    let queue = Arc::new(Mutex::new(
        expressions.iter().cloned().enumerate().collect::<Vec<_>>(),
    ));
    let mismatches = Arc::new(Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    for worker in 0..workers {
        let dir = scratch.join(format!("w{worker}"));
        copy_stack(&root.join("stack"), &dir);
        let (queue, mismatches, strata, terraform) = (
            queue.clone(),
            mismatches.clone(),
            strata.clone(),
            terraform.clone(),
        );
        handles.push(std::thread::spawn(move || loop {
            let Some((index, expression)) = queue.lock().expect("queue").pop() else {
                break;
            };
            let theirs = run(&terraform, &["console"], &dir, &expression);
            let ours = run(&strata, &["console"], &dir, &expression);
            let agree = match (theirs.success, ours.success) {
                (true, true) => theirs.stdout == ours.stdout,
                (false, false) => true,
                _ => false,
            };
            if !agree {
                mismatches.lock().expect("mismatches").push(format!(
                    "line {}: {expression}\n  terraform ({}): {}\n  strata    ({}): {}{}",
                    index + 1,
                    if theirs.success { "ok" } else { "error" },
                    if theirs.success {
                        theirs.stdout.replace('\n', "\n    ")
                    } else {
                        theirs
                            .stderr
                            .lines()
                            .filter(|l| !l.trim().is_empty())
                            .take(6)
                            .collect::<Vec<_>>()
                            .join(" / ")
                    },
                    if ours.success { "ok" } else { "error" },
                    ours.stdout.replace('\n', "\n    "),
                    if ours.success {
                        String::new()
                    } else {
                        format!(
                            " {}",
                            ours.stderr.lines().take(6).collect::<Vec<_>>().join(" / ")
                        )
                    },
                ));
            }
        }));
    }
    for h in handles {
        h.join().expect("worker");
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let mut mismatches = mismatches.lock().expect("mismatches").clone();
    mismatches.sort();
    assert!(
        mismatches.is_empty(),
        "{} of {} expressions differ from Terraform:\n{}",
        mismatches.len(),
        expressions.len(),
        mismatches.join("\n")
    );
}
