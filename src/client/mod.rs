//! The HTTP client: sends one request, captures the whole exchange (request, response, headers, timings) as
//! evidence, with a timeout and a bounded body. Transport failures are recorded in the exchange, never raised.

use std::io::Read;
use std::time::{Duration, Instant};

use serde::Serialize;

/// A request about to be sent.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct OutgoingRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    #[serde(serialize_with = "ser_body")]
    pub body: Option<Vec<u8>>,
}

/// A response as received (body already gunzipped when `Content-Encoding: gzip`).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RecordedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    #[serde(serialize_with = "ser_body_plain")]
    pub body: Vec<u8>,
    /// Size of the body on the wire (compressed size when gzipped).
    pub wire_bytes: usize,
}

impl RecordedResponse {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One captured exchange.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Exchange {
    pub request: OutgoingRequest,
    pub response: Option<RecordedResponse>,
    /// Transport failure (timeout, refused, body too large, bad gzip), if any.
    pub error: Option<String>,
    pub started_at: String,
    pub elapsed_ms: f64,
    /// The decoded JWT of the request, if one was sent (evidence).
    pub jwt: Option<serde_json::Value>,
}

fn body_text(body: &[u8]) -> serde_json::Value {
    match std::str::from_utf8(body) {
        Ok(s) => serde_json::Value::String(s.to_string()),
        Err(_) => {
            use base64::Engine;
            serde_json::json!({ "base64": base64::engine::general_purpose::STANDARD.encode(body) })
        }
    }
}

fn ser_body<S: serde::Serializer>(body: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match body {
        Some(b) => body_text(b).serialize(s),
        None => s.serialize_none(),
    }
}

fn ser_body_plain<S: serde::Serializer>(body: &[u8], s: S) -> Result<S::Ok, S::Error> {
    body_text(body).serialize(s)
}

/// Could not build the client at all.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}

/// A reusable client with a per-request timeout and a body-size limit.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    timeout: Duration,
    max_body: usize,
}

impl HttpClient {
    pub fn new(timeout: Duration, max_body: usize) -> Result<Self, ClientError> {
        let inner = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(32)
            .build()
            .map_err(|e| ClientError::Build(e.to_string()))?;
        Ok(Self {
            inner,
            timeout,
            max_body,
        })
    }

    /// A client with a 1 s timeout for a World that has no run context yet (never used to reach a provider).
    pub fn unconfigured() -> Self {
        Self {
            inner: reqwest::Client::new(),
            timeout: Duration::from_secs(1),
            max_body: 1024,
        }
    }

    /// Sends the request and captures the exchange; never fails.
    pub async fn send(&self, request: OutgoingRequest, jwt: Option<serde_json::Value>) -> Exchange {
        let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let start = Instant::now();
        let result = tokio::time::timeout(self.timeout, self.send_inner(&request)).await;
        let (response, error) = match result {
            Ok(Ok(r)) => (Some(r), None),
            Ok(Err(e)) => (None, Some(e)),
            Err(_) => (
                None,
                Some(format!(
                    "no response within the {} s timeout",
                    self.timeout.as_secs_f64()
                )),
            ),
        };
        Exchange {
            request,
            response,
            error,
            started_at,
            elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
            jwt,
        }
    }

    async fn send_inner(&self, request: &OutgoingRequest) -> Result<RecordedResponse, String> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| format!("`{}` is not an HTTP method", request.method))?;
        let mut builder = self.inner.request(method, &request.url);
        for (k, v) in &request.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let mut resp = builder.send().await.map_err(describe)?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut raw = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(describe)? {
            if raw.len() + chunk.len() > self.max_body {
                return Err(format!(
                    "response body exceeds the {} byte limit (max_body_bytes)",
                    self.max_body
                ));
            }
            raw.extend_from_slice(&chunk);
        }
        let wire_bytes = raw.len();
        let gzipped = headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("content-encoding") && v.to_ascii_lowercase().contains("gzip")
        });
        let body = if gzipped {
            gunzip(&raw, self.max_body)?
        } else {
            raw
        };
        Ok(RecordedResponse {
            status,
            headers,
            body,
            wire_bytes,
        })
    }
}

fn describe(e: reqwest::Error) -> String {
    use std::error::Error;
    let mut msg = if e.is_timeout() {
        "no response within the timeout".to_string()
    } else if e.is_connect() {
        "could not connect to the provider".to_string()
    } else if e.is_body() || e.is_decode() {
        "the response body could not be read".to_string()
    } else {
        "the request failed".to_string()
    };
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

fn gunzip(raw: &[u8], max: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let decoder = flate2::read::GzDecoder::new(raw);
    decoder
        .take(max as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("Content-Encoding is gzip but the body is not valid gzip: {e}"))?;
    if out.len() > max {
        return Err(format!(
            "decompressed response body exceeds the {max} byte limit (max_body_bytes)"
        ));
    }
    Ok(out)
}
