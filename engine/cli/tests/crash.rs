//! Crash harness: apply a stack of 300 files (real objects on disk, each
//! write journaled and fsynced), SIGKILL `strata` at a pseudo-random
//! moment, then check what must hold after any crash:
//! - zero orphans: every file on disk is known to the state once the next
//!   command has reconciled the journal;
//! - the state parses;
//! - the next apply converges: then a plan has no changes, and there is
//!   exactly one file and one state instance per resource.
//!
//! 50 trials a run; delays come from a fixed seed so failures reproduce.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const RESOURCES: usize = 300;
const TRIALS: usize = 50;

fn strata(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run strata")
}

fn files_on_disk(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir.join("out"))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".txt"))
                .collect()
        })
        .unwrap_or_default()
}

fn files_in_state(dir: &Path) -> Result<BTreeSet<String>, String> {
    let text = match std::fs::read_to_string(dir.join("strata.tfstate")) {
        Ok(t) => t,
        Err(_) => return Ok(BTreeSet::new()),
    };
    let state: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("state does not parse: {e}"))?;
    let mut out = BTreeSet::new();
    for r in state["resources"].as_array().cloned().unwrap_or_default() {
        for i in r["instances"].as_array().cloned().unwrap_or_default() {
            if let Some(f) = i["attributes"]["filename"].as_str() {
                out.insert(
                    Path::new(f)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                );
            }
        }
    }
    Ok(out)
}

fn trial(dir: &Path, delay: Duration) -> Result<(bool, usize), String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["apply", "-auto-approve", "-parallelism=4"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    std::thread::sleep(delay);
    let killed = matches!(child.try_wait(), Ok(None));
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    // The next command reconciles the journal first.
    let plan = strata(dir, &["plan", "-detailed-exitcode"]);
    let code = plan.status.code();
    if code != Some(0) && code != Some(2) {
        return Err(format!(
            "plan after the kill failed: {}",
            String::from_utf8_lossy(&plan.stderr)
        ));
    }
    let recovered = String::from_utf8_lossy(&plan.stderr)
        .lines()
        .filter(|l| l.contains("recovered the object"))
        .count();
    let known = files_in_state(dir)?;
    let orphans: Vec<String> = files_on_disk(dir)
        .into_iter()
        .filter(|f| !known.contains(f))
        .collect();
    if !orphans.is_empty() {
        return Err(format!(
            "{} file(s) exist that the state does not know, e.g. {}",
            orphans.len(),
            orphans[0]
        ));
    }
    let apply = strata(dir, &["apply", "-auto-approve"]);
    if !apply.status.success() {
        return Err(format!(
            "apply after the kill failed: {}",
            String::from_utf8_lossy(&apply.stderr)
        ));
    }
    let again = strata(dir, &["plan", "-detailed-exitcode"]);
    if again.status.code() != Some(0) {
        return Err(format!(
            "the stack did not converge: {}",
            String::from_utf8_lossy(&again.stdout)
        ));
    }
    let (disk, state) = (files_on_disk(dir), files_in_state(dir)?);
    if disk.len() != RESOURCES || state.len() != RESOURCES || disk != state {
        return Err(format!(
            "after converging: {} files on disk, {} in state (want {RESOURCES} of each)",
            disk.len(),
            state.len()
        ));
    }
    Ok((killed, recovered))
}

#[test]
fn killed_applies_never_lose_track_of_objects() {
    let root: PathBuf = std::env::temp_dir().join(format!("strata-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut config = String::new();
    for i in 0..RESOURCES {
        config.push_str(&format!("resource \"local_file\" \"f{i}\" {{\n  filename = \"${{path.module}}/out/f{i}.txt\"\n  content  = \"file {i}\"\n}}\n\n"));
    }
    // Calibrate the kill window to how long a full apply takes here.
    let calibrate = root.join("calibrate");
    std::fs::create_dir_all(&calibrate).expect("dir");
    std::fs::write(calibrate.join("main.tf"), &config).expect("write");
    let started = std::time::Instant::now();
    assert!(
        strata(&calibrate, &["apply", "-auto-approve", "-parallelism=4"])
            .status
            .success()
    );
    let window = started.elapsed().as_millis().max(50) as u64;
    let mut seed: u64 = 0x5eed_1234;
    let mut failures = Vec::new();
    let (mut killed_mid_apply, mut recovered) = (0, 0);
    for t in 0..TRIALS {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = Duration::from_millis(5 + (seed >> 33) % window);
        let dir = root.join(format!("trial-{t}"));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("main.tf"), &config).expect("write");
        match trial(&dir, delay) {
            Ok((killed, r)) => {
                killed_mid_apply += killed as usize;
                recovered += r;
            }
            Err(e) => failures.push(format!("trial {t} (kill after {delay:?}): {e}")),
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    eprintln!(
        "crash harness: {TRIALS} trials, {killed_mid_apply} killed mid-apply (window {window} ms), {recovered} objects recovered from the journal, {} failures",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        killed_mid_apply >= TRIALS / 2,
        "most kills must land during the apply ({killed_mid_apply} of {TRIALS} did)"
    );
}
