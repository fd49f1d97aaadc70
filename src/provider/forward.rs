//! The provider side of the proxy driver (`consumer.driver: proxy`): the inspecting provider judges the consumer's
//! request as always, then forwards it to a real provider (`consumer.proxy.upstream`) instead of answering it, judges
//! that provider's answer with the provider rules ([`crate::consumer::rules::provider`]) and returns the answer to
//! the consumer unchanged.
//!
//! - The request keeps its method, its path and query (relative to the inspecting provider's base URL, appended to
//!   the upstream URL), its body and every header but `Host`, `Content-Length` and the hop-by-hop ones.
//! - It goes through the run's [`HttpClient`]: the config's TLS client identity and trust, `spine_proxy`,
//!   `http_proxy`, `timeout_secs` and `max_body_bytes` apply, so a real provider behind mutual TLS or the Spine
//!   Secure Proxy is reached as the provider suite reaches it.
//! - The answer keeps its status, its body and every header but `Content-Length` and the hop-by-hop ones. A gzip
//!   body (the consumer asked for it: its `Accept-Encoding` is forwarded) is judged inflated and returned gzipped
//!   with its `Content-Encoding`. `Location` and the URLs inside bodies are the upstream's, as it wrote them.
//! - A provider that does not answer (refused, timed out, body over the limit) gives the consumer a 502 with an
//!   OperationOutcome, and the request a `provider.upstream-answers` finding.

use axum::body::Body;
use axum::http::{request::Parts, HeaderName, HeaderValue, Response, StatusCode};

use super::negotiate::{self, Format};
use super::{api_error, finish, inspect, outcome_reply, ProviderState};
use crate::client::{ClientError, HttpClient, OutgoingRequest, RecordedResponse};
use crate::config::Config;
use crate::consumer::config::DriverKind;
use crate::consumer::inspector::InspectedResponse;
use crate::consumer::rules::provider::{self as rules, ProviderContext, ProviderResponse};
use crate::consumer::Inspector;
use crate::spine::catalogue::Interaction;

/// Headers that belong to one connection (RFC 9110 section 7.6.1), never forwarded in either direction.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The real provider the inspecting provider forwards to.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// Its base URL, without a trailing `/`.
    base: String,
    client: HttpClient,
}

/// The upstream provider cannot be set up (the run does not start).
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error("config key `consumer.proxy.upstream`: `{0}` is not an http:// or https:// URL")]
    Url(String),
    #[error("cannot set up the client of the upstream provider {url}: {source}")]
    Client { url: String, source: ClientError },
}

impl Upstream {
    /// Forwards to `base` (`https://provider.example:8443`) with `client`.
    pub fn new(base: &str, client: HttpClient) -> Result<Self, UpstreamError> {
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(UpstreamError::Url(base.to_string()));
        }
        Ok(Self {
            base: base.trim_end_matches('/').to_string(),
            client,
        })
    }

    /// The upstream of a proxy-driver config (`None` for every other driver), with the run's client settings.
    pub fn from_config(config: &Config) -> Result<Option<Self>, UpstreamError> {
        let consumer = &config.consumer;
        let Some(proxy) = consumer
            .proxy
            .as_ref()
            .filter(|_| consumer.driver == DriverKind::Proxy)
        else {
            return Ok(None);
        };
        let client = HttpClient::from_config(config, &proxy.upstream).map_err(|source| {
            UpstreamError::Client {
                url: proxy.upstream.clone(),
                source,
            }
        })?;
        Self::new(&proxy.upstream, client).map(Some)
    }

    /// The base URL requests are forwarded to.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The upstream URL of a request target (`/path?query` on the inspecting provider).
    fn url_for(&self, target: &str) -> String {
        if target.starts_with('/') {
            format!("{}{target}", self.base)
        } else {
            format!("{}/{target}", self.base)
        }
    }
}

/// The inspector's record of the request being forwarded.
#[derive(Debug, Clone, Copy)]
pub(super) struct Judged<'a> {
    pub inspector: &'a Inspector,
    pub seq: u64,
    /// The interaction the consumer rules judged the request as.
    pub interaction: Option<Interaction>,
}

/// The header names a `Connection` header lists (connection-specific too).
fn connection_listed(headers: &axum::http::HeaderMap) -> Vec<String> {
    headers
        .get_all("connection")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|n| n.trim().to_ascii_lowercase())
        .filter(|n| !n.is_empty())
        .collect()
}

fn hop_by_hop(name: &str, listed: &[String]) -> bool {
    HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h))
        || listed.iter().any(|l| name.eq_ignore_ascii_case(l))
}

/// The consumer's request as it goes upstream.
fn upstream_request(upstream: &Upstream, parts: &Parts, body: &[u8]) -> OutgoingRequest {
    let target = parts.uri.path_and_query().map_or_else(
        || parts.uri.path().to_string(),
        |pq| pq.as_str().to_string(),
    );
    let listed = connection_listed(&parts.headers);
    let headers = parts
        .headers
        .iter()
        .filter(|(k, _)| {
            let name = k.as_str();
            !hop_by_hop(name, &listed) && name != "host" && name != "content-length"
        })
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    OutgoingRequest {
        method: parts.method.as_str().to_string(),
        url: upstream.url_for(&target),
        headers,
        body: (!body.is_empty()).then(|| body.to_vec()),
    }
}

/// The upstream's headers that go back to the consumer.
fn returned_headers(resp: &RecordedResponse) -> Vec<(String, String)> {
    let listed: Vec<String> = resp
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("connection"))
        .flat_map(|(_, v)| v.split(','))
        .map(|n| n.trim().to_ascii_lowercase())
        .filter(|n| !n.is_empty())
        .collect();
    resp.headers
        .iter()
        .filter(|(k, _)| !hop_by_hop(k, &listed) && !k.eq_ignore_ascii_case("content-length"))
        .cloned()
        .collect()
}

/// Forwards the consumer's request upstream, records and judges the answer, and returns it to the consumer.
/// `format` and `gzip` are what the consumer asked for (the 502 of an unanswered request is written in them).
pub(super) async fn forward(
    st: &ProviderState,
    upstream: &Upstream,
    judged: Option<Judged<'_>>,
    parts: &Parts,
    body: &[u8],
    format: Format,
    gzip: bool,
) -> Response<Body> {
    let request = upstream_request(upstream, parts, body);
    let exchange = upstream.client.send(request, None).await;
    let Some(resp) = exchange.response else {
        let reason = exchange
            .error
            .unwrap_or_else(|| "the request failed".to_string());
        return unanswered(st, upstream, judged, &reason, format, gzip);
    };
    let headers = returned_headers(&resp);
    if let Some(j) = judged {
        let ctx = ProviderContext {
            interaction: j.interaction,
            validators: j.inspector.settings().validators.as_ref(),
            fhir_path: Some(&st.fhir_path),
        };
        let findings = rules::judge(
            &ProviderResponse {
                status: resp.status,
                headers: &headers,
                body: &resp.body,
            },
            &ctx,
        );
        j.inspector.responded(
            j.seq,
            InspectedResponse {
                status: resp.status,
                headers: headers.clone(),
                body: String::from_utf8_lossy(&resp.body).into_owned(),
            },
            None,
        );
        j.inspector.provider_judged(j.seq, findings);
    }
    respond(resp.status, headers, resp.body)
}

/// The answer to the consumer: the upstream's status, headers and body (gzipped again when it came gzipped: the
/// client inflated it to judge it).
fn respond(status: u16, mut headers: Vec<(String, String)>, body: Vec<u8>) -> Response<Body> {
    let gzipped = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("content-encoding") && v.to_ascii_lowercase().contains("gzip")
    });
    let body = if gzipped && !body.is_empty() {
        match negotiate::gzip(&body) {
            Ok(z) => z,
            Err(_) => {
                headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-encoding"));
                body
            }
        }
    } else {
        body
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let map = response.headers_mut();
    for (k, v) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_bytes(v.as_bytes()),
        ) {
            map.append(name, value);
        }
    }
    response
}

/// The upstream did not answer: a 502 with an OperationOutcome to the consumer, a finding on the request.
fn unanswered(
    st: &ProviderState,
    upstream: &Upstream,
    judged: Option<Judged<'_>>,
    reason: &str,
    format: Format,
    gzip: bool,
) -> Response<Body> {
    let error = api_error(
        "INTERNAL_SERVER_ERROR",
        format!(
            "the upstream provider {} did not answer: {reason}",
            upstream.base
        ),
    );
    let mut reply = outcome_reply(st, &error);
    reply.status = StatusCode::BAD_GATEWAY.as_u16();
    if let Some(j) = judged {
        inspect::record_reply(j.inspector, j.seq, &reply, None);
        j.inspector
            .provider_judged(j.seq, vec![rules::unanswered(&upstream.base, reason)]);
    }
    finish(st, reply, format, gzip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_the_target_under_the_upstream_base() {
        let client = HttpClient::unconfigured();
        let up = Upstream::new("https://p.example:8443/", client.clone()).unwrap();
        assert_eq!(
            up.url_for("/gpconnect/fhir/Patient?identifier=a%7C1"),
            "https://p.example:8443/gpconnect/fhir/Patient?identifier=a%7C1"
        );
        assert!(matches!(
            Upstream::new("ftp://x", client),
            Err(UpstreamError::Url(_))
        ));
    }

    #[test]
    fn hop_by_hop_headers_and_host_stay_behind() {
        let up = Upstream::new("http://up.example", HttpClient::unconfigured()).unwrap();
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/gpconnect/fhir/Appointment")
            .header("host", "127.0.0.1:9")
            .header("connection", "keep-alive, x-private")
            .header("x-private", "1")
            .header("transfer-encoding", "chunked")
            .header("content-length", "2")
            .header("ssp-traceid", "abc")
            .header("accept-encoding", "gzip")
            .body(())
            .unwrap();
        let (parts, ()) = req.into_parts();
        let out = upstream_request(&up, &parts, b"{}");
        let mut names: Vec<&str> = out.headers.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["accept-encoding", "ssp-traceid"]);
        assert_eq!(out.url, "http://up.example/gpconnect/fhir/Appointment");
        assert_eq!(out.body.as_deref(), Some(&b"{}"[..]));

        let resp = RecordedResponse {
            status: 200,
            headers: vec![
                ("content-length".into(), "10".into()),
                ("transfer-encoding".into(), "chunked".into()),
                ("cache-control".into(), "no-store".into()),
                ("content-encoding".into(), "gzip".into()),
            ],
            body: Vec::new(),
            wire_bytes: 0,
        };
        let kept: Vec<String> = returned_headers(&resp)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(kept, ["cache-control", "content-encoding"]);
    }

    #[tokio::test]
    async fn a_gzip_answer_goes_back_gzipped() {
        use std::io::Read as _;
        let headers = vec![("content-encoding".to_string(), "gzip".to_string())];
        let response = respond(200, headers, b"{\"resourceType\":\"Bundle\"}".to_vec());
        assert_eq!(response.headers()["content-encoding"], "gzip");
        let wire = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&wire[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "{\"resourceType\":\"Bundle\"}");
    }
}
