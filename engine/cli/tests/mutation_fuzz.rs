//! A process-level mutation fuzzer: configurations from the formatter's
//! corpus and the examples, mutated (bytes flipped, inserted, deleted,
//! duplicated; HCL tokens spliced in), are given to `strata validate` and
//! `strata fmt -`; saved plans with flipped bits are given to `strata
//! apply`. Every run must end with an exit code, never a signal (a panic
//! that aborts, a stack overflow), within its time limit, and with no
//! panic message; a plan that is refused must have changed nothing.
//!
//! The seed and the number of inputs are fixed, so a failure repeats.
//! A longer run, for anyone to start:
//!
//! ```text
//! STRATA_FUZZ_RUNS=20000 STRATA_FUZZ_SEED=7 cargo test -p strata-cli --test mutation_fuzz -- --nocapture
//! ```

mod common;

use common::Sandbox;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"(",
    b")",
    b"\"",
    b"${",
    b"%{",
    b"~}",
    b"<<EOT\n",
    b"<<-EOT\n",
    b"\nEOT\n",
    b"\n",
    b"=",
    b".",
    b"*",
    b"[*]",
    b".*",
    b"#",
    b"//",
    b"/*",
    b"*/",
    b"?",
    b":",
    b"=>",
    b"...",
    b"for x in ",
    b"if ",
    b"endfor",
    b"null",
    b"1e400",
    b"-",
    b"!",
    b"\\",
    b"\xff",
    b"\xef\xbb\xbf",
    b"\t",
    b"\r\n",
    b"0x",
    b"local.",
    b"var.",
    b"each.value",
    b"count.index",
    b"dynamic \"x\" {\n",
    b"lifecycle {\n",
    b"module \"m\" {\n",
];

fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(6) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                out.splice(at..at, token.iter().copied());
            }
            2 if !out.is_empty() => {
                let end = (at + 1 + rng.below(40)).min(out.len());
                out.drain(at.min(end)..end);
            }
            3 if !out.is_empty() => {
                let start = rng.below(out.len());
                let end = (start + 1 + rng.below(200)).min(out.len());
                let piece = out[start..end].to_vec();
                let most = if rng.below(10) == 0 { 500 } else { 3 };
                let times = 1 + rng.below(most);
                for _ in 0..times {
                    out.splice(at..at, piece.iter().copied());
                }
            }
            4 => {
                let other = &corpus[rng.below(corpus.len())];
                if !other.is_empty() {
                    let start = rng.below(other.len());
                    let end = (start + 1 + rng.below(300)).min(other.len());
                    out.splice(at..at, other[start..end].iter().copied());
                }
            }
            _ => out.push(b'\n'),
        }
    }
    out
}

/// Runs strata in `dir` with `stdin`; `None` when it ran out of time.
fn run(dir: &Path, args: &[&str], stdin: &[u8], limit: Duration) -> Option<(Option<i32>, String)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run strata");
    let mut input = child.stdin.take().expect("stdin");
    let stdin = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut std::io::BufReader::new(stderr), &mut text);
        text
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let _ = feeder.join();
    let text = reader.join().unwrap_or_default();
    status.map(|s| (s.code(), text))
}

fn corpus() -> Vec<Vec<u8>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    let mut dirs = vec![
        root.join("engine/cli/tests/fmt_corpus"),
        root.join("examples"),
        root.join("engine/cli/tests/workflow"),
    ];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "tf") {
                files.push(std::fs::read(&path).expect("corpus file"));
            }
        }
    }
    files.sort();
    assert!(files.len() > 20, "the corpus is missing");
    files
}

/// What went wrong with one run, if anything.
fn verdict(result: Option<(Option<i32>, String)>) -> Option<String> {
    match result {
        None => Some("ran out of time".into()),
        Some((None, text)) => Some(format!("ended by a signal: {}", tail(&text))),
        Some((Some(code), text)) if code > 3 => Some(format!("exit {code}: {}", tail(&text))),
        Some((_, text)) if text.contains("panicked") || text.contains("overflowed") => {
            Some(format!("panicked: {}", tail(&text)))
        }
        Some(_) => None,
    }
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(6)..].join("\n")
}

#[test]
fn mutated_configurations_never_crash_or_hang() {
    let runs = setting("STRATA_FUZZ_RUNS", 600);
    let mut rng = Rng(setting("STRATA_FUZZ_SEED", 1).max(1));
    let corpus = corpus();
    let sb = Sandbox::new("mutation-fuzz");
    let limit = Duration::from_secs(20);
    let mut failures = Vec::new();
    let started = Instant::now();
    for i in 0..runs {
        let base = rng.below(corpus.len());
        let input = mutate(&mut rng, &corpus[base], &corpus);
        std::fs::write(sb.dir.join("main.tf"), &input).expect("write");
        for args in [&["validate"][..], &["fmt", "-"][..]] {
            let stdin: &[u8] = if args[0] == "fmt" { &input } else { b"" };
            if let Some(why) = verdict(run(&sb.dir, args, stdin, limit)) {
                let kept = std::env::temp_dir().join(format!("strata-fuzz-failure-{i}.tf"));
                let _ = std::fs::write(&kept, &input);
                failures.push(format!(
                    "input {i} ({}), strata {}: {why}",
                    kept.display(),
                    args.join(" ")
                ));
            }
        }
    }
    println!(
        "mutation fuzz: {runs} inputs x 2 commands in {:.1}s, {} failures",
        started.elapsed().as_secs_f64(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn bit_flipped_plans_never_crash_and_change_nothing_when_refused() {
    let runs = setting("STRATA_FUZZ_RUNS", 600) / 3;
    let mut rng = Rng(setting("STRATA_FUZZ_SEED", 1).max(1) ^ 0x9e37_79b9);
    let sb = Sandbox::new("plan-flip-fuzz");
    sb.write(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = \"x\"\n}\n\nresource \"local_file\" \"f\" {\n  filename = \"${path.module}/out/f.txt\"\n  content  = terraform_data.a.output\n}\n",
    );
    let (code, text) = sb.run(&["plan", "-out=good.plan"], "");
    assert_eq!(code, 0, "{text}");
    let good = std::fs::read(sb.dir.join("good.plan")).expect("plan");
    let limit = Duration::from_secs(20);
    let mut failures = Vec::new();
    let mut refused = 0;
    for i in 0..runs {
        let mut plan = good.clone();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(plan.len());
            plan[at] ^= 1 << rng.below(8);
        }
        std::fs::write(sb.dir.join("flipped.plan"), &plan).expect("write");
        let _ = std::fs::remove_dir_all(sb.dir.join("out"));
        let _ = std::fs::remove_file(sb.dir.join("strata.tfstate"));
        let result = run(&sb.dir, &["apply", "flipped.plan"], b"", limit);
        if let Some(why) = verdict(result.clone()) {
            failures.push(format!("flip {i}: {why}"));
            continue;
        }
        if let Some((Some(code), text)) = result {
            if code != 0 && (text.contains("Invalid plan") || text.contains("plan file")) {
                refused += 1;
                if sb.dir.join("out").exists() || sb.dir.join("strata.tfstate").exists() {
                    failures.push(format!(
                        "flip {i}: refused after changing something: {}",
                        tail(&text)
                    ));
                }
            }
        }
    }
    println!(
        "plan bit flips: {runs} plans, {refused} refused whole, {} failures",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
