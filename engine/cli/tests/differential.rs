//! Differential tests against Terraform itself: every expression in
//! `differential/expressions.txt` is evaluated by `terraform console` and by
//! `strata console` in the same stack (`differential/stack`), and the two
//! must agree: the same output when both succeed, and both failing when one
//! fails. Terraform (1.11, no providers needed) must be on PATH.

mod common;
use common::terraform;
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
    // A process that fails while loading may exit before reading its input.
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{input}\n").as_bytes());
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

fn corpus(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
}

/// `strata fmt -` and `terraform fmt -` agree on every file of the corpus.
#[test]
fn fmt_matches_terraform() {
    let files = corpus("fmt_corpus");
    assert!(
        files.len() >= 30,
        "the fmt corpus must keep at least 30 files"
    );
    let terraform = terraform();
    let strata = PathBuf::from(env!("CARGO_BIN_EXE_strata"));
    let scratch = std::env::temp_dir().join(format!("strata-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch");
    let mut mismatches = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        // run() appends a newline to the input; pass the file's exact bytes.
        let text = text.strip_suffix('\n').unwrap_or(&text).to_string();
        let theirs = run(&terraform, &["fmt", "-"], &scratch, &text);
        let ours = run(&strata, &["fmt", "-"], &scratch, &text);
        if theirs.success != ours.success || theirs.stdout != ours.stdout {
            let diff = similar::TextDiff::from_lines(&theirs.stdout, &ours.stdout)
                .unified_diff()
                .header("terraform", "strata")
                .to_string();
            mismatches.push(format!("{}:\n{diff}{}", file.display(), ours.stderr));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(
        mismatches.is_empty(),
        "{} of {} files format differently:\n{}",
        mismatches.len(),
        files.len(),
        mismatches.join("\n")
    );
}

/// On a directory tree, `fmt --check` lists the same files and exits as
/// Terraform does, and `fmt --recursive` leaves the same bytes behind.
#[test]
fn fmt_directory_mode_matches_terraform() {
    let scratch = std::env::temp_dir().join(format!("strata-fmt-dir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let ours_dir = scratch.join("ours");
    let theirs_dir = scratch.join("theirs");
    for dir in [&ours_dir, &theirs_dir] {
        std::fs::create_dir_all(dir.join("nested")).expect("dirs");
        for (i, file) in corpus("fmt_corpus").iter().enumerate() {
            let target = if i % 2 == 0 {
                dir.to_path_buf()
            } else {
                dir.join("nested")
            };
            std::fs::copy(file, target.join(file.file_name().expect("name"))).expect("copy");
        }
    }
    let terraform = terraform();
    let strata = PathBuf::from(env!("CARGO_BIN_EXE_strata"));
    let exit = |out: &std::process::Output| out.status.code();
    let tf = |args: &[&str]| {
        Command::new(&terraform)
            .args(args)
            .current_dir(&theirs_dir)
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .output()
            .expect("terraform")
    };
    let st = |args: &[&str]| {
        Command::new(&strata)
            .args(args)
            .current_dir(&ours_dir)
            .output()
            .expect("strata")
    };
    let (t, s) = (
        tf(&["fmt", "-check", "-recursive"]),
        st(&["fmt", "-check", "-recursive"]),
    );
    assert_eq!(exit(&t), exit(&s), "exit of fmt -check");
    assert_eq!(
        String::from_utf8_lossy(&t.stdout),
        String::from_utf8_lossy(&s.stdout),
        "files listed by fmt -check"
    );
    let (t, s) = (tf(&["fmt", "-recursive"]), st(&["fmt", "-recursive"]));
    assert_eq!(exit(&t), exit(&s), "exit of fmt -recursive");
    for file in corpus("fmt_corpus") {
        let name = file.file_name().expect("name");
        for sub in ["", "nested"] {
            let theirs = std::fs::read(theirs_dir.join(sub).join(name));
            let ours = std::fs::read(ours_dir.join(sub).join(name));
            if let (Ok(theirs), Ok(ours)) = (theirs, ours) {
                assert_eq!(
                    String::from_utf8_lossy(&theirs),
                    String::from_utf8_lossy(&ours),
                    "{} after fmt",
                    name.to_string_lossy()
                );
            }
        }
    }
    let (t, s) = (
        tf(&["fmt", "-check", "-recursive"]),
        st(&["fmt", "-check", "-recursive"]),
    );
    assert_eq!(
        (exit(&t), exit(&s)),
        (Some(0), Some(0)),
        "a formatted tree passes -check"
    );
    let _ = std::fs::remove_dir_all(&scratch);
}

/// Files that end without a newline (left so), and files that are not
/// clean UTF-8: a byte-order mark (dropped), bytes
/// that are not UTF-8 inside comments (kept exactly), and such bytes in a
/// string (refused, file untouched) — `fmt` on a directory and `fmt -`
/// leave the same bytes and exit codes as Terraform's.
#[test]
fn fmt_keeps_bytes_as_terraform_does() {
    let files: [(&str, &[u8]); 6] = [
        ("formatted_no_newline.tf", b"a = 1"),
        ("no_newline.tf", b"b   = 2"),
        ("bom.tf", b"\xef\xbb\xbfx   = 1\n"),
        (
            "comment.tf",
            b"a   = 1 # caf\xe9 \xff\xfe\n/* \xc3 */\nb = 2 // \x80\n",
        ),
        ("heredoc.tf", b"# \xf0\x9f\nc = <<EOT\n  ok\nEOT\n"),
        ("string.tf", b"a   = \"caf\xe9\"\n"),
    ];
    let scratch = std::env::temp_dir().join(format!("strata-fmt-bytes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let terraform = terraform();
    let strata = PathBuf::from(env!("CARGO_BIN_EXE_strata"));
    let fmt = |tool: &Path, dir: &Path, args: &[&str], stdin: Option<&[u8]>| {
        use std::io::Write;
        let mut child = Command::new(tool)
            .args(args)
            .current_dir(dir)
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run fmt");
        let mut input = child.stdin.take().expect("stdin");
        input
            .write_all(stdin.unwrap_or_default())
            .expect("write stdin");
        drop(input);
        child.wait_with_output().expect("fmt output")
    };
    for (name, bytes) in files {
        let mut outcomes = Vec::new();
        for (tool, side) in [(&terraform, "theirs"), (&strata, "ours")] {
            let dir = scratch.join(side).join(name);
            std::fs::create_dir_all(&dir).expect("dir");
            std::fs::write(dir.join(name), bytes).expect("write");
            let on_dir = fmt(tool, &dir, &["fmt"], None);
            let on_stdin = fmt(tool, &dir, &["fmt", "-"], Some(bytes));
            outcomes.push((
                on_dir.status.code(),
                std::fs::read(dir.join(name)).expect("read back"),
                on_stdin.status.code(),
                on_stdin.stdout,
            ));
        }
        assert_eq!(outcomes[0], outcomes[1], "{name}: terraform, then strata");
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

/// `fmt` on a symbolic link formats the file it names and leaves the link,
/// as `terraform fmt` does.
#[test]
fn fmt_writes_through_a_symbolic_link_as_terraform_does() {
    let scratch = std::env::temp_dir().join(format!("strata-fmt-link-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let terraform = terraform();
    let strata = PathBuf::from(env!("CARGO_BIN_EXE_strata"));
    let mut outcomes = Vec::new();
    for (tool, side) in [(&terraform, "theirs"), (&strata, "ours")] {
        let dir = scratch.join(side);
        std::fs::create_dir_all(dir.join("real")).expect("dir");
        std::fs::write(dir.join("real/y.tf"), "b   = 2\n").expect("write");
        std::os::unix::fs::symlink("real/y.tf", dir.join("link.tf")).expect("link");
        let status = Command::new(tool)
            .args(["fmt", "link.tf"])
            .current_dir(&dir)
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .output()
            .expect("fmt")
            .status
            .code();
        let link = std::fs::symlink_metadata(dir.join("link.tf")).expect("link");
        outcomes.push((
            status,
            link.file_type().is_symlink(),
            std::fs::read_to_string(dir.join("real/y.tf")).expect("read"),
        ));
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert_eq!(outcomes[0], outcomes[1], "terraform, then strata");
}

/// Variable values from defaults, TF_VAR_*, terraform.tfvars,
/// *.auto.tfvars(.json), --var-file and --var, with Terraform's precedence
/// and type conversion: both tools must print the same `var` values.
#[test]
fn variable_precedence_matches_terraform() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/variables");
    let scratch = std::env::temp_dir().join(format!("strata-variables-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    copy_stack(&root, &scratch);
    let names = [
        "from_default",
        "env_only",
        "tfvars_over_env",
        "auto_over_tfvars",
        "later_auto_wins",
        "cli_over_files",
        "last_flag_wins",
        "typed_list",
        "typed_object",
        "number_from_env",
    ];
    let args = [
        "console",
        "-var",
        "cli_over_files=cli",
        "-var",
        "last_flag_wins=flag",
        "-var-file=extra.tfvars",
    ];
    let console = |program: &Path, name: &str| {
        let mut child = Command::new(program)
            .args(args)
            .current_dir(&scratch)
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .env("TF_VAR_env_only", "env")
            .env("TF_VAR_tfvars_over_env", "env")
            .env("TF_VAR_number_from_env", "42")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("var.{name}\n").as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("wait");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).trim_end().to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let terraform = terraform();
    let strata = PathBuf::from(env!("CARGO_BIN_EXE_strata"));
    let mut mismatches = Vec::new();
    for name in names {
        let theirs = console(&terraform, name);
        let ours = console(&strata, name);
        assert!(theirs.0, "terraform failed on var.{name}: {}", theirs.2);
        if theirs.0 != ours.0 || theirs.1 != ours.1 {
            mismatches.push(format!(
                "var.{name}: terraform {:?}, strata {:?} {}",
                theirs.1, ours.1, ours.2
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
