//! The sandbox the whole-binary tests run `strata` in: a fresh
//! directory, a pinned environment, and transcripts with random ids and
//! temporary paths masked.
#![allow(dead_code)]

pub mod plugins;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

pub struct Sandbox {
    pub dir: PathBuf,
}

impl Sandbox {
    pub fn new(name: &str) -> Sandbox {
        let dir = std::env::temp_dir().join(format!("strata-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("sandbox");
        Sandbox { dir }
    }

    pub fn write(&self, name: &str, text: &str) {
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create the directory");
        }
        std::fs::write(path, text).expect("write");
    }

    /// Runs strata; returns the exit code and the masked transcript.
    pub fn run(&self, args: &[&str], stdin: &str) -> (i32, String) {
        self.run_with(args, stdin, &[])
    }

    /// Runs strata with these environment variables besides PATH.
    pub fn run_with(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> (i32, String) {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
            .args(args)
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run strata");
        let _ = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes());
        let out = child.wait_with_output().expect("wait");
        let code = out.status.code().unwrap_or(-1);
        let text = format!(
            "$ strata {}\nexit: {code}\n--- stdout\n{}--- stderr\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (code, mask(&text, &self.dir))
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn mask(text: &str, dir: &Path) -> String {
    let uuid = regex::Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
        .expect("regex");
    let pid = regex::Regex::new(r"pid \d+").expect("regex");
    let since = regex::Regex::new(r"since \d+ \(seconds since the Unix epoch\)").expect("regex");
    let who = regex::Regex::new(r"locked by \S+").expect("regex");
    let seconds = regex::Regex::new(r"after \d+s").expect("regex");
    let sha = regex::Regex::new(r"\b[0-9a-f]{64}\b").expect("regex");
    let host = regex::Regex::new(r"pid <pid> on [^)]+\)").expect("regex");
    let text = text.replace(&dir.display().to_string(), "$DIR");
    let text = match dir.file_name() {
        Some(name) => text.replace(&*name.to_string_lossy(), "$STACK"),
        None => text,
    };
    let text = uuid.replace_all(&text, "<uuid>");
    let text = sha.replace_all(&text, "<sha256>");
    let text = pid.replace_all(&text, "pid <pid>");
    let text = since.replace_all(&text, "since <time>");
    let text = who.replace_all(&text, "locked by <who>");
    let text = host.replace_all(&text, "pid <pid> on <host>)");
    seconds.replace_all(&text, "after <n>s").into_owned()
}

/// Compares `text` with `tests/DIR/NAME.EXT`; STRATA_UPDATE_SNAPSHOTS=1
/// rewrites the file for review instead.
pub fn check_snapshot(dir: &str, ext: &str, name: &str, text: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir)
        .join(format!("{name}.{ext}"));
    if std::env::var_os("STRATA_UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("snapshot dir");
        std::fs::write(&path, text).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}; run with STRATA_UPDATE_SNAPSHOTS=1 and review:\n{text}",
            path.display()
        )
    });
    if expected != text {
        panic!(
            "{name}: output differs from the snapshot:\n{}",
            similar::TextDiff::from_lines(&expected, text)
                .unified_diff()
                .header("snapshot", "actual")
        );
    }
}

/// Ends the test run with one line naming what is missing and how to get
/// it, instead of a panic trace: these tests need real servers and tools.
pub fn missing(what: &str) -> ! {
    // Straight to the file descriptor: the test harness captures eprintln!.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("cannot run these tests: {what}\n").as_bytes(),
    );
    std::process::exit(1)
}

/// The moto server `.ci/moto` starts (STRATA_TEST_S3).
pub fn moto_endpoint() -> String {
    std::env::var("STRATA_TEST_S3").unwrap_or_else(|_| {
        missing("no moto server: set STRATA_TEST_S3 to one on 127.0.0.1 (`bash .ci/moto` starts one; `bash .ci/run` runs everything)")
    })
}

/// The checkov program `.ci/checkov` installs (STRATA_TEST_CHECKOV).
pub fn checkov() -> String {
    std::env::var("STRATA_TEST_CHECKOV").unwrap_or_else(|_| {
        missing("no checkov: set STRATA_TEST_CHECKOV to its program (`bash .ci/checkov` installs it; `bash .ci/run` runs everything)")
    })
}

/// The PostgreSQL server `.ci/postgres` starts (STRATA_TEST_PG).
pub fn postgres() -> String {
    std::env::var("STRATA_TEST_PG").unwrap_or_else(|_| {
        missing("no PostgreSQL server: set STRATA_TEST_PG to one on 127.0.0.1 (`bash .ci/postgres` starts one; `bash .ci/run` runs everything)")
    })
}

/// Terraform 1.11 on PATH, the reference the differential tests run.
pub fn terraform() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|p| p.join("terraform"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| missing("terraform is not on PATH: install Terraform 1.11"))
}

/// Copies a directory tree (for fixtures the tools run in).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("read") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// A loopback HTTP server answering from a table of paths; it records
/// each request's path and Authorization header. Paths under `/v1/` (a
/// registry's API) answer 401 without `Authorization: Bearer s3cret`.
pub struct Server {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

/// A request's target and Authorization header.
pub type Seen = (String, Option<String>);

pub type Routes = BTreeMap<String, (u16, Vec<(String, String)>, Vec<u8>)>;

impl Server {
    pub fn start(routes: impl Fn(u16) -> Routes) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let routes = routes(port);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request).into_owned();
                let target = text.split_whitespace().nth(1).unwrap_or("/").to_string();
                let auth = text
                    .lines()
                    .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
                    .map(|l| l["authorization:".len()..].trim().to_string());
                log.lock().unwrap().push((target.clone(), auth.clone()));
                let path = target.split('?').next().unwrap_or("/");
                let (status, headers, body) = match routes.get(path) {
                    Some((_, _, _))
                        if path.contains("/v1/") && auth.as_deref() != Some("Bearer s3cret") =>
                    {
                        (401, Vec::new(), b"{}".to_vec())
                    }
                    Some(r) => r.clone(),
                    None => (404, Vec::new(), b"not found".to_vec()),
                };
                let mut head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                    body.len()
                );
                for (k, v) in headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        Server { port, seen }
    }
}

pub fn ok(body: Vec<u8>) -> (u16, Vec<(String, String)>, Vec<u8>) {
    (200, Vec::new(), body)
}
