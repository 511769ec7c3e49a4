//! Starting a provider binary as go-plugin does, and stopping it.
//!
//! The client sets the magic cookie and the protocol versions it speaks in
//! the plugin's environment; the plugin starts a gRPC server on a Unix
//! socket and prints one line on stdout,
//! `CORE-VERSION|APP-VERSION|NETWORK|ADDRESS|PROTOCOL|SERVER-CERT`. Its
//! JSON log lines on stderr go to `tracing` under the target
//! `strata::plugin`, so `STRATA_LOG=strata::plugin=debug` shows them.

use crate::grpc::{Channel, RpcError};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("cannot start {path}: {source}")]
    Spawn {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} exited before it said where it listens ({status}); it is not a Terraform provider plugin, or it failed to start{stderr}")]
    Exited {
        path: String,
        status: String,
        stderr: String,
    },
    #[error("{path} did not say where it listens within {seconds} s")]
    Timeout { path: String, seconds: u64 },
    #[error("{path} is not a Terraform provider plugin: it printed {line:?} where go-plugin's handshake line was expected")]
    NotAPlugin { path: String, line: String },
    #[error("{path} speaks plugin protocol {version}; Strata speaks 5 and 6")]
    Protocol { path: String, version: String },
    #[error("cannot connect to {path} at {address}: {detail}")]
    Connect {
        path: String,
        address: String,
        detail: String,
    },
}

/// A running plugin: the process, its connection, and the protocol
/// version it chose. The process is killed when this is dropped.
pub struct Running {
    pub channel: Channel,
    /// 5 or 6.
    pub protocol: u32,
    /// Whether the connection is TLS (AutoMTLS).
    pub encrypted: bool,
    child: tokio::sync::Mutex<Child>,
    socket_dir: PathBuf,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(mut child) = self.child.try_lock() {
            let _ = child.start_kill();
        }
        let _ = std::fs::remove_dir_all(&self.socket_dir);
    }
}

/// How a plugin is started.
pub struct Launch<'a> {
    pub executable: &'a Path,
    /// For log lines: `registry.terraform.io/hashicorp/aws`.
    pub provider: &'a str,
    pub handshake_timeout: Duration,
}

impl Running {
    pub async fn start(launch: Launch<'_>) -> Result<Running, LaunchError> {
        let path = launch.executable.display().to_string();
        let socket_dir = socket_dir().map_err(|source| LaunchError::Spawn {
            path: path.clone(),
            source,
        })?;
        // AutoMTLS, as Terraform runs plugins: the plugin then serves TLS
        // to this client certificate only.
        let identity = crate::tls::ClientIdentity::generate().map_err(|e| LaunchError::Spawn {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
        let mut command = Command::new(launch.executable);
        command
            .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
            .env("PLUGIN_CLIENT_CERT", &identity.pem)
            .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
            .env("PLUGIN_MIN_PORT", "10000")
            .env("PLUGIN_MAX_PORT", "25000")
            .env("PLUGIN_UNIX_SOCKET_DIR", &socket_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // The plugin must not outlive Strata, however Strata ends (an exit
        // that skips destructors, a crash, SIGKILL).
        #[cfg(target_os = "linux")]
        // SAFETY: prctl is async-signal-safe and touches only the child.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        if let Some(dir) = launch.executable.parent() {
            command.current_dir(std::env::current_dir().unwrap_or_else(|_| dir.to_path_buf()));
        }
        let mut child = command.spawn().map_err(|source| LaunchError::Spawn {
            path: path.clone(),
            source,
        })?;
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let recent = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        tokio::spawn(route_logs(
            stderr,
            launch.provider.to_string(),
            recent.clone(),
        ));
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        let read =
            tokio::time::timeout(launch.handshake_timeout, stdout.read_line(&mut line)).await;
        let cleanup = |child: &mut Child| {
            let _ = child.start_kill();
            let _ = std::fs::remove_dir_all(&socket_dir);
        };
        match read {
            Err(_) => {
                cleanup(&mut child);
                return Err(LaunchError::Timeout {
                    path,
                    seconds: launch.handshake_timeout.as_secs(),
                });
            }
            Ok(Ok(0)) | Ok(Err(_)) => {
                let status = match tokio::time::timeout(Duration::from_secs(5), child.wait()).await
                {
                    Ok(Ok(s)) => s.to_string(),
                    _ => "no exit status".to_string(),
                };
                // Give the log router a moment to read what it printed.
                tokio::time::sleep(Duration::from_millis(50)).await;
                let said = recent.lock().map(|r| r.join("\n")).unwrap_or_default();
                cleanup(&mut child);
                return Err(LaunchError::Exited {
                    path,
                    status,
                    stderr: if said.is_empty() {
                        String::new()
                    } else {
                        format!(":\n{said}")
                    },
                });
            }
            Ok(Ok(_)) => {}
        }
        // Whatever the plugin prints later must not fill the pipe.
        tokio::spawn(async move {
            let mut sink = Vec::new();
            let _ = stdout.read_to_end(&mut sink).await;
        });
        let handshake = match Handshake::parse(line.trim()) {
            Ok(h) => h,
            Err(e) => {
                cleanup(&mut child);
                return Err(match e {
                    HandshakeError::Malformed => LaunchError::NotAPlugin {
                        path,
                        line: line.trim().to_string(),
                    },
                    HandshakeError::Protocol(version) => LaunchError::Protocol { path, version },
                });
            }
        };
        let connect_error = |detail: String| LaunchError::Connect {
            path: path.clone(),
            address: handshake.address.clone(),
            detail,
        };
        let channel = connect(&handshake, &identity).await.map_err(|e| {
            let _ = child.start_kill();
            connect_error(e.to_string())
        });
        let channel = match channel {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&socket_dir);
                return Err(e);
            }
        };
        Ok(Running {
            channel,
            protocol: handshake.protocol,
            encrypted: handshake.server_certificate.is_some(),
            child: tokio::sync::Mutex::new(child),
            socket_dir,
        })
    }

    /// Asks the plugin to shut down (go-plugin's controller service), then
    /// kills it if it has not exited within a few seconds.
    pub async fn shutdown(&self) {
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            self.channel.unary::<_, crate::proto::Empty>(
                "/plugin.GRPCController/Shutdown",
                &crate::proto::Empty {},
            ),
        )
        .await;
        let mut child = self.child.lock().await;
        if tokio::time::timeout(Duration::from_secs(3), child.wait())
            .await
            .is_err()
        {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// Whether the process has exited, and how.
    pub async fn exit_status(&self) -> Option<String> {
        let mut child = self.child.lock().await;
        child.try_wait().ok().flatten().map(|s| s.to_string())
    }
}

/// Connects to the address the handshake named: over TLS to the
/// certificate it named, or in the clear when it named none (a plugin
/// whose go-plugin predates AutoMTLS).
async fn connect(
    handshake: &Handshake,
    identity: &crate::tls::ClientIdentity,
) -> Result<Channel, RpcError> {
    let transport = |e: std::io::Error| RpcError::Transport(e.to_string());
    match handshake.network.as_str() {
        "unix" => {
            let stream = tokio::net::UnixStream::connect(&handshake.address)
                .await
                .map_err(transport)?;
            over(stream, handshake, identity).await
        }
        _ => {
            let stream = tokio::net::TcpStream::connect(&handshake.address)
                .await
                .map_err(transport)?;
            over(stream, handshake, identity).await
        }
    }
}

async fn over<S>(
    stream: S,
    handshake: &Handshake,
    identity: &crate::tls::ClientIdentity,
) -> Result<Channel, RpcError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let Some(certificate) = &handshake.server_certificate else {
        return Channel::connect(stream).await;
    };
    let connector = crate::tls::connector(identity, certificate).map_err(RpcError::Transport)?;
    let tls = connector
        .connect(crate::tls::server_name(), stream)
        .await
        .map_err(|e| RpcError::Transport(format!("TLS with the plugin: {e}")))?;
    Channel::connect(tls).await
}

/// A new directory, readable only by this user, for the plugin's socket.
fn socket_dir() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let base = std::env::temp_dir();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    for attempt in 0..100u128 {
        let dir = base.join(format!(
            "strata-plugin-{}-{}",
            std::process::id(),
            nanos + attempt
        ));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(
        "no free name for a plugin socket directory",
    ))
}

/// go-plugin's handshake line.
#[derive(Debug, PartialEq)]
pub struct Handshake {
    pub protocol: u32,
    pub network: String,
    pub address: String,
    /// The server's certificate (DER) when it serves TLS.
    pub server_certificate: Option<Vec<u8>>,
}

#[derive(Debug, PartialEq)]
pub enum HandshakeError {
    Malformed,
    Protocol(String),
}

impl Handshake {
    pub fn parse(line: &str) -> Result<Handshake, HandshakeError> {
        let parts: Vec<&str> = line.split('|').collect();
        if parts.len() < 5 || parts[0] != "1" {
            return Err(HandshakeError::Malformed);
        }
        let protocol = match parts[1] {
            "5" => 5,
            "6" => 6,
            other => return Err(HandshakeError::Protocol(other.to_string())),
        };
        if parts[4] != "grpc" {
            return Err(HandshakeError::Protocol(format!(
                "{} over {}",
                parts[1], parts[4]
            )));
        }
        let server_certificate = match parts.get(5).copied().unwrap_or("") {
            "" => None,
            cert => Some(decode_base64(cert).ok_or(HandshakeError::Malformed)?),
        };
        Ok(Handshake {
            protocol,
            network: parts[2].to_string(),
            address: parts[3].to_string(),
            server_certificate,
        })
    }
}

/// go-plugin prints the certificate in base64 without padding.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    engine.decode(text).ok()
}

/// Routes the plugin's stderr to `tracing`, keeping the last lines for
/// the error when it exits at start.
async fn route_logs(
    stderr: tokio::process::ChildStderr,
    provider: String,
    recent: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let parsed: Option<serde_json::Value> = serde_json::from_str(&line).ok();
        let (level, message) = match &parsed {
            Some(v) => (
                v.get("@level")
                    .and_then(|l| l.as_str())
                    .unwrap_or("info")
                    .to_string(),
                v.get("@message")
                    .and_then(|m| m.as_str())
                    .unwrap_or(&line)
                    .to_string(),
            ),
            None => ("info".to_string(), line.clone()),
        };
        match level.as_str() {
            "error" => tracing::error!(target: "strata::plugin", provider = %provider, "{message}"),
            "warn" => tracing::warn!(target: "strata::plugin", provider = %provider, "{message}"),
            "info" => tracing::info!(target: "strata::plugin", provider = %provider, "{message}"),
            "debug" => tracing::debug!(target: "strata::plugin", provider = %provider, "{message}"),
            _ => tracing::trace!(target: "strata::plugin", provider = %provider, "{message}"),
        }
        if parsed.is_none() {
            if let Ok(mut r) = recent.lock() {
                r.push(line);
                if r.len() > 20 {
                    r.remove(0);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_handshake_line() {
        let h = Handshake::parse("1|5|unix|/tmp/plugin380444685|grpc|").unwrap();
        assert_eq!(h.protocol, 5);
        assert_eq!(h.network, "unix");
        assert_eq!(h.address, "/tmp/plugin380444685");
        assert_eq!(h.server_certificate, None);
        assert_eq!(
            Handshake::parse("1|4|unix|/tmp/p|netrpc|"),
            Err(HandshakeError::Protocol("4".into()))
        );
        assert_eq!(Handshake::parse("hello"), Err(HandshakeError::Malformed));
    }
}
