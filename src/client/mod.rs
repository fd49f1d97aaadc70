//! The HTTP client: sends one request, captures the whole exchange (request, response, headers, timings) as
//! evidence, with a timeout and a bounded body. Transport failures are recorded in the exchange, never raised.
//!
//! Real providers are reached over TLS 1.2+ with mutual authentication ([`tls`]), usually through the Spine
//! Secure Proxy, whose URL form `https://<ssp>/<provider URL>` is applied when a request is sent (the steps,
//! the JWT `aud` among them, only ever see the provider's URLs), and optionally through a forward HTTP proxy.

pub mod tls;

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::config::Config;

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

/// One reqwest client and what its failures are explained with.
#[derive(Debug, Clone)]
struct Transport {
    client: reqwest::Client,
    trust: tls::Trust,
}

/// A reusable client with a per-request timeout and a body-size limit.
#[derive(Debug, Clone)]
pub struct HttpClient {
    /// One transport per distinct TLS setup; the first serves URLs under no overridden service root.
    transports: Arc<[Transport]>,
    /// Resolved service roots, longest first, with their index in `transports` (empty without
    /// `tls.per_capability`).
    routes: Arc<[(String, usize)]>,
    spine_proxy: Option<String>,
    timeout: Duration,
    max_body: usize,
}

/// The builder every client starts from: TLS 1.2 or later with SNI, HTTP/1.1, redirects not followed.
fn base_builder(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(32)
        .http1_only()
        .tls_version_min(reqwest::tls::Version::TLS_1_2)
        .tls_sni(true)
}

fn build(builder: reqwest::ClientBuilder) -> Result<reqwest::Client, ClientError> {
    builder
        .build()
        .map_err(|e| ClientError::Build(tls::chain(&e)))
}

/// A client with one TLS setup (`prefix` names its config keys in messages) and the harness's defaults: the
/// MESH client's.
pub fn tls_client(
    settings: &tls::TlsSettings,
    prefix: &str,
    timeout: Duration,
) -> Result<reqwest::Client, ClientError> {
    build(tls::Effective::of(settings, prefix).configure(base_builder(timeout))?)
}

/// The URL the Spine Secure Proxy form gives `url`: `<proxy>/<url>` (one slash between them).
pub fn spine_url(proxy: &str, url: &str) -> String {
    format!("{}/{url}", proxy.trim_end_matches('/'))
}

impl HttpClient {
    /// A client with the system's trusted roots, no client identity and no proxy settings of its own.
    pub fn new(timeout: Duration, max_body: usize) -> Result<Self, ClientError> {
        Ok(Self {
            transports: Arc::new([Transport {
                client: build(base_builder(timeout))?,
                trust: tls::Trust::System,
            }]),
            routes: Arc::new([]),
            spine_proxy: None,
            timeout,
            max_body,
        })
    }

    /// The run's client: `timeout_secs`, `max_body_bytes`, `tls` (one reqwest client per distinct setting;
    /// `base_url` resolves the service roots `tls.per_capability` applies to), `spine_proxy` and `http_proxy`.
    /// Reads the certificate, key and password files now: a problem with one is a [`ClientError::Build`] naming
    /// the config key and the file.
    pub fn from_config(config: &Config, base_url: &str) -> Result<Self, ClientError> {
        let timeout = Duration::from_secs(config.timeout_secs);
        let proxy = config
            .http_proxy
            .as_deref()
            .map(|url| {
                reqwest::Proxy::all(url)
                    .map_err(|e| ClientError::Build(format!("http_proxy {url}: {e}")))
            })
            .transpose()?;
        let transport = |setup: &tls::Effective| -> Result<Transport, ClientError> {
            let mut builder = base_builder(timeout);
            if let Some(p) = &proxy {
                builder = builder.proxy(p.clone());
            }
            Ok(Transport {
                client: build(setup.configure(builder)?)?,
                trust: setup.trust(),
            })
        };
        let top = config.tls.top_level();
        let mut transports = vec![transport(&top)?];
        let mut setups = vec![top];
        let mut routes = Vec::new();
        if !config.tls.per_capability.is_empty() {
            for (capability, root) in config.service_roots.iter() {
                let setup = config.tls.effective(capability);
                let index = match setups.iter().position(|s| s.same_setup(&setup)) {
                    Some(i) => i,
                    None => {
                        transports.push(transport(&setup)?);
                        setups.push(setup);
                        setups.len() - 1
                    }
                };
                routes.push((Config::resolve_root(base_url, root), index));
            }
            routes.sort_by_key(|(root, _)| std::cmp::Reverse(root.len()));
        }
        Ok(Self {
            transports: transports.into(),
            routes: routes.into(),
            spine_proxy: config.spine_proxy.clone(),
            timeout,
            max_body: config.max_body_bytes,
        })
    }

    /// The same client (TLS, proxies, timeout) with another response-body limit.
    pub fn with_max_body(&self, max_body: usize) -> Self {
        Self {
            max_body,
            ..self.clone()
        }
    }

    /// The same client sending straight to the URL it is given, never in the Spine Secure Proxy's form (the
    /// transport probes play the SSP themselves).
    pub fn direct(&self) -> Self {
        Self {
            spine_proxy: None,
            ..self.clone()
        }
    }

    /// A client with a 1 s timeout for a World that has no run context yet (never used to reach a provider).
    pub fn unconfigured() -> Self {
        Self {
            transports: Arc::new([Transport {
                client: reqwest::Client::new(),
                trust: tls::Trust::System,
            }]),
            routes: Arc::new([]),
            spine_proxy: None,
            timeout: Duration::from_secs(1),
            max_body: 1024,
        }
    }

    /// Index in `transports` of the longest service root under which `url` lies, else 0.
    fn transport_of(&self, url: &str) -> usize {
        self.routes
            .iter()
            .find(|(root, _)| {
                url.strip_prefix(root.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
            })
            .map_or(0, |(_, i)| *i)
    }

    /// Sends the request and captures the exchange; never fails. With `spine_proxy`, the request goes (and is
    /// recorded) in the proxy's URL form.
    pub async fn send(
        &self,
        mut request: OutgoingRequest,
        jwt: Option<serde_json::Value>,
    ) -> Exchange {
        let transport = &self.transports[self.transport_of(&request.url)];
        if let Some(proxy) = &self.spine_proxy {
            request.url = spine_url(proxy, &request.url);
        }
        let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let start = Instant::now();
        let result = tokio::time::timeout(self.timeout, self.send_inner(transport, &request)).await;
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

    async fn send_inner(
        &self,
        transport: &Transport,
        request: &OutgoingRequest,
    ) -> Result<RecordedResponse, String> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| format!("`{}` is not an HTTP method", request.method))?;
        let describe = |e: reqwest::Error| describe(&e, transport, &request.url);
        let mut builder = transport.client.request(method, &request.url);
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

/// One sentence for a failed request, then the underlying detail after a colon.
fn describe(e: &reqwest::Error, transport: &Transport, url: &str) -> String {
    use std::error::Error;
    let parsed = reqwest::Url::parse(url).ok();
    let attempt = tls::Attempt {
        host: parsed.as_ref().and_then(|u| u.host_str()).unwrap_or(url),
        https: parsed.as_ref().is_some_and(|u| u.scheme() == "https"),
        connecting: e.is_connect(),
        trust: &transport.trust,
    };
    let mut msg = if e.is_timeout() {
        "no response within the timeout".to_string()
    } else if let Some(sentence) = tls::classify(e, attempt) {
        sentence
    } else if e.is_connect() {
        "could not connect to the provider".to_string()
    } else if e.is_body() || e.is_decode() {
        "the response body could not be read".to_string()
    } else {
        "the request failed".to_string()
    };
    if let Some(source) = e.source() {
        msg.push_str(": ");
        msg.push_str(&tls::chain(source));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spine_proxy_prefixes_the_whole_provider_url() {
        let url = "https://provider.example/B82617/STU3/1/gpconnect/fhir/Patient?identifier=x%7C1";
        let want = "https://proxy.int.spine2.ncrs.nhs.uk/https://provider.example/B82617/STU3/1/gpconnect/fhir/Patient?identifier=x%7C1";
        assert_eq!(spine_url("https://proxy.int.spine2.ncrs.nhs.uk", url), want);
        assert_eq!(
            spine_url("https://proxy.int.spine2.ncrs.nhs.uk/", url),
            want
        );
        // reqwest sends the path as written (no slash collapsing, no re-encoding).
        let parsed = reqwest::Url::parse(want).unwrap();
        assert_eq!(parsed.as_str(), want);
        assert_eq!(
            parsed.path(),
            "/https://provider.example/B82617/STU3/1/gpconnect/fhir/Patient"
        );
    }

    #[test]
    fn requests_take_the_transport_of_the_longest_matching_root() {
        let config = Config::from_yaml(
            "service_roots:\n  documents: /B82617/STU3/1/gpconnect/fhir/documents\ntls:\n  per_capability:\n    documents: { insecure: true }\n",
        )
        .unwrap();
        let client = HttpClient::from_config(&config, "https://p.example:8443/").unwrap();
        // The default setup and the documents one.
        assert_eq!(client.transports.len(), 2);
        let base = "https://p.example:8443/B82617/STU3/1/gpconnect/fhir";
        assert_eq!(
            client.transport_of(&format!("{base}/documents/Binary/1")),
            1
        );
        assert_eq!(client.transport_of(&format!("{base}/documents?x=1")), 1);
        assert_eq!(client.transport_of(&format!("{base}/documentsX")), 0);
        assert_eq!(client.transport_of(&format!("{base}/Patient")), 0);
        assert_eq!(
            client.transport_of("https://other.example/B82617/STU3/1/gpconnect/fhir/documents"),
            0
        );
        assert_eq!(client.with_max_body(10).transports.len(), 2);
    }
}
