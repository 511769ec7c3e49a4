//! Unary gRPC calls over one HTTP/2 connection.
//!
//! Every call of Terraform's provider protocol that Strata makes is unary:
//! one request message, one response message, the status in the trailers.
//! That is a POST with a five-byte frame (a compression flag and the length)
//! before each protobuf message, so this speaks HTTP/2 through `h2` directly
//! rather than taking a whole RPC framework; `ARCHITECTURE.md` has the
//! figures.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use prost::Message;
use std::future::poll_fn;
use tokio::io::{AsyncRead, AsyncWrite};

/// Larger windows than HTTP/2's 64 KiB default: a provider's schema is
/// megabytes, and the default window would cost one round trip per 64 KiB.
const STREAM_WINDOW: u32 = 8 << 20;
const CONNECTION_WINDOW: u32 = 32 << 20;

#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    #[error("the connection to the plugin failed: {0}")]
    Transport(String),
    /// The plugin answered with a gRPC status other than OK.
    #[error("{method} answered with status {code}: {message}")]
    Status {
        method: String,
        code: u32,
        message: String,
    },
    #[error("{method} sent a response that does not decode: {detail}")]
    Malformed { method: String, detail: String },
}

impl From<h2::Error> for RpcError {
    fn from(e: h2::Error) -> RpcError {
        RpcError::Transport(e.to_string())
    }
}

/// A connection to a plugin's gRPC server; cheap to clone, and calls on
/// clones run concurrently as streams of the one connection.
#[derive(Clone)]
pub struct Channel {
    send: h2::client::SendRequest<Bytes>,
}

impl Channel {
    /// Speaks HTTP/2 over `io` (a Unix socket or a TLS stream); the
    /// connection is driven by a task of its own until it closes.
    pub async fn connect<T>(io: T) -> Result<Channel, RpcError>
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (send, connection) = h2::client::Builder::new()
            .initial_window_size(STREAM_WINDOW)
            .initial_connection_window_size(CONNECTION_WINDOW)
            .max_frame_size(1 << 20)
            .handshake::<_, Bytes>(io)
            .await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "plugin connection closed");
            }
        });
        Ok(Channel { send })
    }

    /// Calls `path` (`/tfplugin5.Provider/GetSchema`) with `request`.
    pub async fn unary<Req: Message, Resp: Message + Default>(
        &self,
        path: &str,
        request: &Req,
    ) -> Result<Resp, RpcError> {
        let bytes = self.unary_raw(path, request).await?;
        Resp::decode(bytes.as_slice()).map_err(|e| RpcError::Malformed {
            method: path.to_string(),
            detail: e.to_string(),
        })
    }

    /// Calls `path` and returns the response message undecoded.
    pub async fn unary_raw<Req: Message>(
        &self,
        path: &str,
        request: &Req,
    ) -> Result<Vec<u8>, RpcError> {
        let mut send = self.send.clone().ready().await?;
        let head = http::Request::builder()
            .method("POST")
            .uri(format!("http://localhost{path}"))
            .header("content-type", "application/grpc+proto")
            .header("te", "trailers")
            .body(())
            .map_err(|e| RpcError::Transport(e.to_string()))?;
        let (response, mut stream) = send.send_request(head, false)?;
        send_all(&mut stream, frame(request)).await?;
        let response = response.await?;
        let (parts, mut body) = response.into_parts();
        if let Some(status) = grpc_status(path, &parts.headers) {
            // A "trailers-only" answer: the status came with the headers.
            status?;
        }
        let mut data = BytesMut::new();
        while let Some(chunk) = body.data().await {
            let chunk = chunk?;
            let _ = body.flow_control().release_capacity(chunk.len());
            data.extend_from_slice(&chunk);
        }
        let trailers = body.trailers().await?.unwrap_or_default();
        match grpc_status(path, &trailers) {
            Some(status) => status?,
            None => {
                return Err(RpcError::Malformed {
                    method: path.to_string(),
                    detail: "the response carries no grpc-status".into(),
                })
            }
        }
        unframe(path, data.freeze()).map(|b| b.to_vec())
    }
}

/// Sends `data` as the request body, in pieces as flow control allows.
async fn send_all(stream: &mut h2::SendStream<Bytes>, mut data: Bytes) -> Result<(), RpcError> {
    if data.is_empty() {
        stream.send_data(data, true)?;
        return Ok(());
    }
    while !data.is_empty() {
        stream.reserve_capacity(data.len());
        let granted = match poll_fn(|cx| stream.poll_capacity(cx)).await {
            Some(n) => n?,
            None => {
                return Err(RpcError::Transport(
                    "the stream closed while sending".into(),
                ))
            }
        };
        let piece = data.split_to(granted.min(data.len()));
        stream.send_data(piece, data.is_empty())?;
    }
    Ok(())
}

fn frame<M: Message>(message: &M) -> Bytes {
    let len = message.encoded_len();
    let mut out = BytesMut::with_capacity(5 + len);
    out.put_u8(0);
    out.put_u32(len as u32);
    message
        .encode(&mut out)
        .expect("a buffer with room for the message");
    out.freeze()
}

fn unframe(method: &str, mut data: Bytes) -> Result<Bytes, RpcError> {
    let malformed = |detail: String| RpcError::Malformed {
        method: method.to_string(),
        detail,
    };
    if data.len() < 5 {
        return Err(malformed(format!("{} bytes, no message", data.len())));
    }
    if data.get_u8() != 0 {
        return Err(malformed("the message is compressed".into()));
    }
    let len = data.get_u32() as usize;
    if data.len() < len {
        return Err(malformed(format!(
            "the message is cut short ({} of {len} bytes)",
            data.len()
        )));
    }
    Ok(data.slice(..len))
}

/// The gRPC status in `headers`, if there is one: `Ok` for status 0.
fn grpc_status(method: &str, headers: &http::HeaderMap) -> Option<Result<(), RpcError>> {
    let code = headers
        .get("grpc-status")?
        .to_str()
        .ok()?
        .parse::<u32>()
        .ok()?;
    if code == 0 {
        return Some(Ok(()));
    }
    let message = headers
        .get("grpc-message")
        .and_then(|m| m.to_str().ok())
        .map(percent_decode)
        .unwrap_or_default();
    Some(Err(RpcError::Status {
        method: method.to_string(),
        code,
        message,
    }))
}

/// grpc-message is percent-encoded.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let message = crate::proto::StopResponse {
            error: "boom".into(),
        };
        let framed = frame(&message);
        assert_eq!(framed[0], 0);
        assert_eq!(&framed[1..5], &(message.encoded_len() as u32).to_be_bytes());
        let back = unframe("/x", framed).unwrap();
        assert_eq!(crate::proto::StopResponse::decode(back).unwrap(), message);
    }

    #[test]
    fn short_frames_are_malformed() {
        let err = unframe("/x", Bytes::from_static(&[0, 0, 0, 0, 9, 1])).unwrap_err();
        assert!(err.to_string().contains("cut short"), "{err}");
    }

    #[test]
    fn status_messages_are_percent_decoded() {
        assert_eq!(percent_decode("a%20b%3Ac"), "a b:c");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
