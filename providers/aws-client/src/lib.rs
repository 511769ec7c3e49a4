//! A small client for AWS APIs. Requests are signed with SigV4 by the
//! official `aws-sigv4` crate and sent over `ureq`; credentials come from
//! the usual chain ([`CredentialSource`]); every service's endpoint can be
//! overridden (how tests reach a local server); throttling, 5xx answers and
//! broken connections are retried with full-jitter exponential backoff.
//!
//! It is blocking: state stores call it directly, providers from a
//! blocking task.

mod credentials;
pub mod xml;

pub use credentials::{CredentialSource, Credentials};

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The service answered with an error.
    #[error("{service}: {code}: {message} (HTTP {status}{})", request_id.as_ref().map(|r| format!(", request {r}")).unwrap_or_default())]
    Api {
        service: String,
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
    },
    /// The request never got an answer.
    #[error("{service}: cannot reach {url}: {detail}")]
    Transport {
        service: String,
        url: String,
        detail: String,
        /// Nothing answers there (connection refused, no such host), as
        /// opposed to a connection that broke or timed out.
        unreachable: bool,
    },
    #[error("{0}")]
    Credentials(String),
    #[error("signing the request failed: {0}")]
    Signing(String),
}

impl Error {
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether nothing answers at the endpoint (see [`Error::Transport`]).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            Error::Transport {
                unreachable: true,
                ..
            }
        )
    }

    /// Whether EC2 said it has no capacity for the request. Such an
    /// answer comes as HTTP 500 but is not retried in place: the caller
    /// moves on to another zone or instance type.
    pub fn is_capacity(&self) -> bool {
        self.code().is_some_and(|c| CAPACITY_CODES.contains(&c))
    }

    /// A throttling error, a 5xx or a broken connection: worth retrying.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } => true,
            Error::Api { .. } if self.is_capacity() => false,
            Error::Api { status, code, .. } => {
                matches!(status, 429 | 500 | 502 | 503 | 504)
                    || matches!(
                        code.as_str(),
                        "Throttling"
                            | "ThrottlingException"
                            | "ThrottledException"
                            | "RequestThrottledException"
                            | "TooManyRequestsException"
                            | "ProvisionedThroughputExceededException"
                            | "TransactionInProgressException"
                            | "RequestLimitExceeded"
                            | "BandwidthLimitExceeded"
                            | "LimitExceededException"
                            | "RequestThrottled"
                            | "SlowDown"
                            | "PriorRequestNotComplete"
                            | "EC2ThrottledException"
                            | "InternalError"
                            | "ServiceUnavailable"
                            | "RequestTimeout"
                            | "RequestTimeoutException"
                    )
            }
            _ => false,
        }
    }
}

/// The codes with which EC2 refuses a launch for want of capacity, price
/// or quota where the request itself is sound.
pub const CAPACITY_CODES: &[&str] = &[
    "InsufficientInstanceCapacity",
    "InsufficientCapacity",
    "InsufficientHostCapacity",
    "InsufficientReservedInstanceCapacity",
    "Unsupported",
    "SpotMaxPriceTooLow",
    "MaxSpotInstanceCountExceeded",
    "VcpuLimitExceeded",
    "InstanceLimitExceeded",
];

/// How to reach AWS, with the Terraform AWS provider's argument names.
#[derive(Clone, Debug)]
pub struct Config {
    pub region: String,
    pub credentials: CredentialSource,
    /// Endpoint overrides by service name (`s3`, `ec2`, `iam`, `sts`, …).
    pub endpoints: BTreeMap<String, String>,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff step; each retry doubles it, up to `retry_cap`,
    /// and a random fraction of it is slept.
    pub retry_base: Duration,
    pub retry_cap: Duration,
    pub timeout: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            region: "us-east-1".into(),
            credentials: CredentialSource::default(),
            endpoints: BTreeMap::new(),
            max_retries: 25,
            retry_base: Duration::from_millis(100),
            retry_cap: Duration::from_secs(20),
            timeout: Duration::from_secs(60),
        }
    }
}

/// One API call. `path` is the unencoded path (`/bucket/some key`); it is
/// percent-encoded segment by segment when sent, unless it was built
/// from already-encoded segments ([`Request::segments`]).
#[derive(Clone, Debug)]
pub struct Request {
    pub service: String,
    pub method: &'static str,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// `path` is already percent-encoded.
    pub path_encoded: bool,
}

impl Request {
    /// A request whose path is made of these segments, each encoded
    /// whole: an ARN (`arn:aws:kafka:…:cluster/name/id`) stays one segment.
    pub fn segments(service: &str, method: &'static str, segments: &[&str]) -> Request {
        let path: String = segments
            .iter()
            .map(|s| format!("/{}", encode(s, true)))
            .collect();
        let mut r = Request::new(service, method, path);
        r.path_encoded = true;
        r
    }

    pub fn new(service: &str, method: &'static str, path: impl Into<String>) -> Request {
        Request {
            service: service.to_string(),
            method,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Vec::new(),
            path_encoded: false,
        }
    }

    pub fn query(mut self, key: &str, value: impl Into<String>) -> Request {
        self.query.push((key.to_string(), value.into()));
        self
    }

    pub fn header(mut self, key: &str, value: impl Into<String>) -> Request {
        self.headers.push((key.to_ascii_lowercase(), value.into()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }

    /// A query-protocol call (EC2, IAM, STS, Auto Scaling, …): the action
    /// and its parameters form-encoded in a POST body.
    pub fn query_action(
        service: &str,
        action: &str,
        version: &str,
        params: &[(String, String)],
    ) -> Request {
        let mut form = vec![
            ("Action".to_string(), action.to_string()),
            ("Version".to_string(), version.to_string()),
        ];
        form.extend(params.iter().cloned());
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k, true), encode(v, true)))
            .collect::<Vec<_>>()
            .join("&");
        Request::new(service, "POST", "/")
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(body)
    }

    /// A JSON-protocol call (DynamoDB, EKS targets, SageMaker, …) with the
    /// `X-Amz-Target` header.
    pub fn json_target(service: &str, target: &str, body: &serde_json::Value) -> Request {
        Request::json_target_version(service, target, "1.0", body)
    }

    /// The same for services on JSON protocol `version` 1.1 (EMR,
    /// SageMaker).
    pub fn json_target_version(
        service: &str,
        target: &str,
        version: &str,
        body: &serde_json::Value,
    ) -> Request {
        Request::new(service, "POST", "/")
            .header("x-amz-target", target)
            .header("content-type", format!("application/x-amz-json-{version}"))
            .body(serde_json::to_vec(body).expect("JSON serializes"))
    }
}

#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Result<serde_json::Value, String> {
        serde_json::from_slice(&self.body).map_err(|e| format!("the answer is not JSON: {e}"))
    }
}

/// Percent-encodes as SigV4 wants: everything but `A-Za-z0-9-_.~`, and
/// `/` too unless `slash` is false.
pub fn encode(s: &str, slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (b == b'/' && !slash)
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The endpoint prefix and signing name of a service, by the name the
/// Terraform `endpoints` block uses.
fn service_names(service: &str) -> (&str, &str) {
    match service {
        "sagemaker" => ("api.sagemaker", "sagemaker"),
        "emr" => ("elasticmapreduce", "elasticmapreduce"),
        "msk" | "kafka" => ("kafka", "kafka"),
        "cloudwatch" => ("monitoring", "monitoring"),
        "ecr" => ("api.ecr", "ecr"),
        "efs" => ("elasticfilesystem", "elasticfilesystem"),
        "servicequotas" => ("servicequotas", "servicequotas"),
        other => (other, other),
    }
}

pub struct Client {
    config: Config,
    credentials: Credentials,
    agents: Agents,
}

/// HTTP agents that reach loopback addresses directly and everything
/// else through the environment's proxy settings (`HTTPS_PROXY`, …).
/// Responses with error statuses are returned, not turned into errors.
#[derive(Clone)]
pub struct Agents {
    direct: ureq::Agent,
    proxied: ureq::Agent,
}

impl Agents {
    pub fn new(timeout: Duration) -> Agents {
        Agents {
            direct: agent(timeout, None),
            proxied: agent(timeout, ureq::Proxy::try_from_env()),
        }
    }

    /// The agent to send a request for `url` with.
    pub fn for_url(&self, url: &str) -> &ureq::Agent {
        if is_loopback(url) {
            &self.direct
        } else {
            &self.proxied
        }
    }
}

fn agent(timeout: Duration, proxy: Option<ureq::Proxy>) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .proxy(proxy)
        .build()
        .into()
}

/// Whether `url` names this machine (127.0.0.1, localhost, [::1]).
pub fn is_loopback(url: &str) -> bool {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let host = rest.split('/').next().unwrap_or("");
    let host = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host);
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

impl Client {
    pub fn new(config: Config) -> Result<Client, Error> {
        let credentials = config.credentials.resolve().map_err(Error::Credentials)?;
        Ok(Client {
            agents: Agents::new(config.timeout),
            credentials,
            config,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The base URL of a service: an override from configuration, then
    /// `AWS_ENDPOINT_URL_<SERVICE>` and `AWS_ENDPOINT_URL`, then AWS's own.
    pub fn endpoint(&self, service: &str) -> String {
        if let Some(url) = self.config.endpoints.get(service) {
            return url.trim_end_matches('/').to_string();
        }
        let var = format!("AWS_ENDPOINT_URL_{}", service.to_ascii_uppercase());
        if let Some(url) = std::env::var(&var)
            .ok()
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
            .filter(|u| !u.is_empty())
        {
            return url.trim_end_matches('/').to_string();
        }
        let (prefix, _) = service_names(service);
        match service {
            "iam" => "https://iam.amazonaws.com".into(),
            _ => format!("https://{prefix}.{}.amazonaws.com", self.config.region),
        }
    }

    fn signing_region(&self, service: &str) -> &str {
        match service {
            "iam" => "us-east-1",
            _ => &self.config.region,
        }
    }

    /// How many times a call that failed with `e` is retried: not at all
    /// when retrying cannot help, twice when nothing listens at the
    /// endpoint (not as often as throttling: 25 times took minutes to
    /// fail), else up to `max_retries`.
    pub fn retries_for(&self, e: &Error) -> u32 {
        if !e.is_retryable() {
            0
        } else if e.is_unreachable() {
            self.config.max_retries.min(2)
        } else {
            self.config.max_retries
        }
    }

    /// Sends a request, retrying what is worth retrying. A 2xx or 3xx
    /// answer is returned; anything else is an [`Error::Api`].
    pub fn send(&self, request: &Request) -> Result<Response, Error> {
        let mut attempt = 0;
        loop {
            match self.send_once(request) {
                Ok(r) => return Ok(r),
                Err(e) if attempt < self.retries_for(&e) => {
                    let step = self
                        .config
                        .retry_base
                        .saturating_mul(1u32 << attempt.min(20))
                        .min(self.config.retry_cap);
                    let sleep = step.mul_f64(rand::random::<f64>());
                    tracing::debug!(service = %request.service, error = %e, attempt, ?sleep, "retrying AWS call");
                    std::thread::sleep(sleep);
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn send_once(&self, request: &Request) -> Result<Response, Error> {
        use aws_sigv4::http_request::{
            sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest,
            SigningSettings, UriPathNormalizationMode,
        };
        let base = self.endpoint(&request.service);
        let path = if request.path_encoded {
            request.path.clone()
        } else {
            encode(&request.path, false)
        };
        let mut url = format!("{base}{path}");
        if !request.query.is_empty() {
            let mut pairs: Vec<(String, String)> = request
                .query
                .iter()
                .map(|(k, v)| (encode(k, true), encode(v, true)))
                .collect();
            pairs.sort();
            url.push('?');
            url.push_str(
                &pairs
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("&"),
            );
        }
        let s3 = request.service == "s3";
        let mut settings = SigningSettings::default();
        if s3 {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
            settings.percent_encoding_mode = PercentEncodingMode::Single;
            settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        }
        let identity = aws_credential_types::Credentials::new(
            &self.credentials.access_key,
            &self.credentials.secret_key,
            self.credentials.session_token.clone(),
            None,
            "strata",
        )
        .into();
        let (_, signing_name) = service_names(&request.service);
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(self.signing_region(&request.service))
            .name(signing_name)
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(|e| Error::Signing(e.to_string()))?
            .into();
        let signable = SignableRequest::new(
            request.method,
            &url,
            request
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(&request.body),
        )
        .map_err(|e| Error::Signing(e.to_string()))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| Error::Signing(e.to_string()))?
            .into_parts();
        let mut builder = ureq::http::Request::builder()
            .method(request.method)
            .uri(&url);
        for (k, v) in &request.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let mut http_request = builder
            .body(request.body.clone())
            .map_err(|e| Error::Signing(e.to_string()))?;
        instructions.apply_to_request_http1x(&mut http_request);
        let agent = self.agents.for_url(&url);
        let transport = |detail: String, unreachable: bool| Error::Transport {
            service: request.service.clone(),
            url: base.clone(),
            detail,
            unreachable,
        };
        let mut answer = agent.run(http_request).map_err(|e| {
            let unreachable = match &e {
                ureq::Error::Io(io) => io.kind() == std::io::ErrorKind::ConnectionRefused,
                ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => true,
                _ => false,
            };
            transport(e.to_string(), unreachable)
        })?;
        let status = answer.status().as_u16();
        let headers: Vec<(String, String)> = answer
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = answer
            .body_mut()
            .with_config()
            .limit(u64::MAX)
            .read_to_vec()
            .map_err(|e| transport(e.to_string(), false))?;
        let response = Response {
            status,
            headers,
            body,
        };
        if status < 400 {
            return Ok(response);
        }
        Err(api_error(&request.service, &response))
    }
}

/// Reads an error answer in any of AWS's formats: XML (`<Error><Code>`,
/// also nested in `<Response><Errors>`), JSON (`__type` and `message`), or
/// only a status.
fn api_error(service: &str, response: &Response) -> Error {
    let mut code = response
        .header("x-amzn-errortype")
        .map(|t| t.split(':').next().unwrap_or(t).to_string());
    let mut message = None;
    let mut request_id = response
        .header("x-amzn-requestid")
        .or_else(|| response.header("x-amz-request-id"))
        .map(str::to_string);
    let text = response.text();
    let trimmed = text.trim_start();
    if trimmed.starts_with('<') {
        if let Ok(doc) = roxmltree::Document::parse(trimmed) {
            let find = |name: &str| {
                doc.descendants()
                    .find(|n| n.has_tag_name(name))
                    .and_then(|n| n.text())
                    .map(str::to_string)
            };
            code = find("Code").or(code);
            message = find("Message");
            request_id = find("RequestId").or(find("RequestID")).or(request_id);
        }
    } else if let Ok(json) = serde_json::from_str::<serde_json::Value>(trimmed) {
        if let Some(t) = json
            .get("__type")
            .or_else(|| json.get("code"))
            .and_then(|v| v.as_str())
        {
            code = Some(t.rsplit('#').next().unwrap_or(t).to_string());
        }
        message = json
            .get("message")
            .or_else(|| json.get("Message"))
            .and_then(|v| v.as_str())
            .map(str::to_string);
    }
    let status = response.status;
    Error::Api {
        service: service.to_string(),
        status,
        code: code.unwrap_or_else(|| {
            match status {
                404 => "NotFound",
                403 => "AccessDenied",
                412 => "PreconditionFailed",
                _ => "HTTPError",
            }
            .to_string()
        }),
        message: message.unwrap_or_else(|| format!("HTTP {status}")),
        request_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refused connection is told apart from a broken one, and an
    /// endpoint nothing listens on gets two retries, not the 25 a
    /// throttled call gets (which took minutes to fail).
    #[test]
    fn a_refused_connection_is_not_retried_like_throttling() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let client = Client::new(Config {
            region: "us-east-1".into(),
            credentials: CredentialSource {
                access_key: Some("test".into()),
                secret_key: Some("test".into()),
                ..Default::default()
            },
            endpoints: BTreeMap::from([("sts".to_string(), format!("http://127.0.0.1:{port}"))]),
            retry_base: Duration::from_millis(1),
            ..Default::default()
        })
        .expect("client");
        let e = client
            .send(&Request::new("sts", "POST", "/"))
            .expect_err("nothing listens there");
        assert!(e.is_unreachable(), "{e}");
        assert_eq!(client.retries_for(&e), 2);
        let throttled = api_error(
            "ec2",
            &Response {
                status: 503,
                headers: vec![],
                body: vec![],
            },
        );
        assert_eq!(client.retries_for(&throttled), 25);
    }

    #[test]
    fn encoding_follows_sigv4() {
        assert_eq!(encode("a b/c~d*é", true), "a%20b%2Fc~d%2A%C3%A9");
        assert_eq!(encode("/env:/ws/k.tfstate", false), "/env%3A/ws/k.tfstate");
    }

    #[test]
    fn errors_are_read_in_every_format() {
        let xml = Response {
            status: 404,
            headers: vec![],
            body: b"<?xml version=\"1.0\"?><Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>The vpc 'vpc-1' does not exist</Message></Error></Errors><RequestID>r-1</RequestID></Response>".to_vec(),
        };
        let e = api_error("ec2", &xml);
        assert_eq!(e.code(), Some("InvalidVpcID.NotFound"));
        assert_eq!(
            e.to_string(),
            "ec2: InvalidVpcID.NotFound: The vpc 'vpc-1' does not exist (HTTP 404, request r-1)"
        );
        let json = Response {
            status: 400,
            headers: vec![],
            body: br#"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}"#.to_vec(),
        };
        let e = api_error("dynamodb", &json);
        assert_eq!(e.code(), Some("ConditionalCheckFailedException"));
        assert!(!e.is_retryable());
        let empty = Response {
            status: 503,
            headers: vec![],
            body: vec![],
        };
        let e = api_error("s3", &empty);
        assert_eq!(e.code(), Some("HTTPError"));
        assert!(e.is_retryable());
        // EC2 out of capacity answers 500; the caller moves on instead.
        let capacity = Response {
            status: 500,
            headers: vec![],
            body: b"<?xml version=\"1.0\"?><Response><Errors><Error><Code>InsufficientInstanceCapacity</Code><Message>We currently do not have sufficient p4d.24xlarge capacity in the Availability Zone you requested (us-east-1a).</Message></Error></Errors><RequestID>r-2</RequestID></Response>".to_vec(),
        };
        let e = api_error("ec2", &capacity);
        assert!(e.is_capacity());
        assert!(!e.is_retryable());
    }

    #[test]
    fn loopback_is_recognised() {
        assert!(is_loopback("http://127.0.0.1:5000"));
        assert!(is_loopback("http://localhost/x"));
        assert!(!is_loopback("https://s3.us-east-1.amazonaws.com"));
    }
}
