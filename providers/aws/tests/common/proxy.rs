//! A small HTTP proxy in front of moto for the tests: it counts the calls
//! by action and, at a set rate, answers with a throttling error or a 503
//! instead of forwarding (so the call never reaches the server and a
//! retry is always safe). A test can also give it [`Rules`] that answer
//! some calls as the real service would where moto cannot (no capacity,
//! say) or hold an answer back. The GPU provider's tests use it too.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What the proxy does with one call.
pub enum Verdict {
    Forward,
    /// Answer with this HTTP status and XML body; moto never sees the call.
    Answer(u16, String),
    /// Forward, and hold moto's answer back this long before passing it on.
    ForwardDelayed(std::time::Duration),
}

/// Decides each call by its action (or `METHOD path`) and form body.
pub type Rules = Arc<dyn Fn(&str, &str) -> Verdict + Send + Sync>;

pub struct Proxy {
    pub url: String,
    /// Every call that reached moto, by action (or METHOD path for REST).
    pub calls: Arc<Mutex<Vec<String>>>,
    pub injected: Arc<AtomicUsize>,
}

impl Proxy {
    /// Every `fault_every`-th call fails (0: none).
    pub fn start(upstream: &str, fault_every: usize) -> Proxy {
        Proxy::with_rules(
            upstream,
            fault_every,
            Arc::new(|_: &str, _: &str| Verdict::Forward),
        )
    }

    /// The same, with `rules` deciding every call that is not failed.
    pub fn with_rules(upstream: &str, fault_every: usize, rules: Rules) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_string();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let injected = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(AtomicUsize::new(0));
        {
            let (calls, injected) = (calls.clone(), injected.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming().flatten() {
                    let (upstream, calls, injected, seen, rules) = (
                        upstream.clone(),
                        calls.clone(),
                        injected.clone(),
                        seen.clone(),
                        rules.clone(),
                    );
                    std::thread::spawn(move || {
                        let counters = Counters {
                            calls: &calls,
                            injected: &injected,
                            seen: &seen,
                        };
                        let _ = serve(conn, &upstream, fault_every, &counters, &*rules);
                    });
                }
            });
        }
        Proxy {
            url,
            calls,
            injected,
        }
    }

    pub fn count(&self, action: &str) -> usize {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| *c == action)
            .count()
    }

    pub fn reset(&self) {
        self.calls.lock().unwrap().clear();
    }
}

struct Counters<'a> {
    calls: &'a Mutex<Vec<String>>,
    injected: &'a AtomicUsize,
    seen: &'a AtomicUsize,
}

fn serve(
    client: TcpStream,
    upstream: &str,
    fault_every: usize,
    counters: &Counters<'_>,
    rules: &(dyn Fn(&str, &str) -> Verdict + Send + Sync),
) -> std::io::Result<()> {
    let Counters {
        calls,
        injected,
        seen,
    } = counters;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut writer = client;
    loop {
        // One request: headers, then a Content-Length body.
        let mut head = Vec::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if line == "\r\n" {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            if !lower.starts_with("connection:") {
                head.push(line);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
        if fault_every > 0 && n.is_multiple_of(fault_every) {
            injected.fetch_add(1, Ordering::SeqCst);
            let (status, text) = if n.is_multiple_of(2 * fault_every) {
                (
                    "503 Service Unavailable",
                    "<Error><Code>ServiceUnavailable</Code><Message>injected</Message></Error>",
                )
            } else {
                ("400 Bad Request", "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>injected throttling</Message></Error></Errors></Response>")
            };
            write!(
                writer,
                "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{text}",
                text.len()
            )?;
            writer.flush()?;
            continue;
        }
        let body_text = String::from_utf8_lossy(&body);
        let action = body_text
            .split('&')
            .find_map(|kv| kv.strip_prefix("Action="))
            .map(str::to_string)
            .unwrap_or_else(|| head[0].split(' ').take(2).collect::<Vec<_>>().join(" "));
        calls.lock().unwrap().push(action.clone());
        let mut delay = None;
        match rules(&action, &body_text) {
            Verdict::Forward => {}
            Verdict::ForwardDelayed(d) => delay = Some(d),
            Verdict::Answer(status, text) => {
                write!(
                    writer,
                    "HTTP/1.1 {status} Answered\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{text}",
                    text.len()
                )?;
                writer.flush()?;
                continue;
            }
        }
        let mut up = TcpStream::connect(upstream)?;
        for line in &head {
            up.write_all(line.as_bytes())?;
        }
        up.write_all(b"Connection: close\r\n\r\n")?;
        up.write_all(&body)?;
        let mut answer = Vec::new();
        up.read_to_end(&mut answer)?;
        if let Some(d) = delay {
            std::thread::sleep(d);
        }
        // Keep the client's connection: drop upstream's Connection header.
        let split = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|p| p + 4)
            .unwrap_or(answer.len());
        let headers = String::from_utf8_lossy(&answer[..split]);
        let mut out = String::new();
        let mut has_length = false;
        for line in headers.split("\r\n") {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("connection:") || line.is_empty() {
                continue;
            }
            has_length |=
                lower.starts_with("content-length:") || lower.starts_with("transfer-encoding:");
            out.push_str(line);
            out.push_str("\r\n");
        }
        if !has_length {
            out.push_str(&format!("Content-Length: {}\r\n", answer.len() - split));
        }
        out.push_str("\r\n");
        writer.write_all(out.as_bytes())?;
        writer.write_all(&answer[split..])?;
        writer.flush()?;
    }
}
