//! The provider side of consumer assurance: every request is judged by the consumer rules before the provider
//! answers it, scripted errors replace answers, and the `/_gpc-assure/` endpoints expose the log:
//!
//! - `GET /_gpc-assure/findings[?since=N]`: the requests after position `N` (of the latest 10,000 kept) with
//!   their findings and answers;
//! - `DELETE /_gpc-assure/findings`: forgets the log and the scripts;
//! - `POST /_gpc-assure/script` (`{"interaction": "GetStructuredRecord", "error": "NO_PATIENT_CONSENT",
//!   "times": 1}`): the next request(s) of that interaction get that error; `DELETE /_gpc-assure/script` clears;
//! - `GET /_gpc-assure/rules`: the consumer rules with their requirements.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{request::Parts, Request, Response, StatusCode};
use serde_json::{json, Value};

use super::{api_error, header, ApiError, ProviderState, Reply, Scheme};
use crate::consumer::inspector::{InspectedResponse, ScriptedError};
use crate::consumer::rules::{self, Judgement};
use crate::consumer::{InboundRequest, Inspector};
use crate::spine::errors;

/// Where the inspector's own endpoints live.
pub const ADMIN_PREFIX: &str = "/_gpc-assure/";

/// Largest admin request body (a script).
const MAX_ADMIN_BODY: usize = 64 * 1024;

fn json_response(status: StatusCode, body: &Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(Body::from(body.to_string()))
        .unwrap_or_else(|_| Response::new(Body::from("internal error")))
}

fn problem(status: StatusCode, message: impl Into<String>) -> Response<Body> {
    json_response(status, &json!({ "error": message.into() }))
}

/// Answers a request to an `/_gpc-assure/` endpoint.
pub async fn admin(inspector: &Arc<Inspector>, req: Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let rest = parts
        .uri
        .path()
        .strip_prefix(ADMIN_PREFIX)
        .unwrap_or_default()
        .trim_end_matches('/');
    let method = parts.method.as_str();
    match (method, rest) {
        ("GET", "findings") => {
            let since = parts
                .uri
                .query()
                .and_then(|q| {
                    form_urlencoded::parse(q.as_bytes())
                        .find(|(k, _)| k == "since")
                        .map(|(_, v)| v.into_owned())
                })
                .map(|v| v.parse::<u64>())
                .transpose();
            let Ok(since) = since else {
                return problem(
                    StatusCode::BAD_REQUEST,
                    "`since` must be a request position (a whole number)",
                );
            };
            let requests = inspector.since(since.unwrap_or(0));
            let findings: usize = requests.iter().map(|r| r.findings.len()).sum();
            json_response(
                StatusCode::OK,
                &json!({
                    "last": inspector.mark(),
                    "requests": requests,
                    "findings": findings,
                }),
            )
        }
        ("DELETE", "findings") => {
            inspector.clear();
            json_response(StatusCode::OK, &json!({ "cleared": true }))
        }
        ("POST", "script") => {
            let Ok(bytes) = axum::body::to_bytes(body, MAX_ADMIN_BODY).await else {
                return problem(StatusCode::PAYLOAD_TOO_LARGE, "the script is too large");
            };
            let script: ScriptedError = match serde_json::from_slice(&bytes) {
                Ok(s) => s,
                Err(e) => {
                    return problem(
                        StatusCode::BAD_REQUEST,
                        format!("a script is {{\"interaction\": ..., \"error\": ..., \"times\": n}}: {e}"),
                    )
                }
            };
            match inspector.script(script) {
                Ok(()) => json_response(StatusCode::OK, &json!({ "scripted": true })),
                Err(e) => problem(StatusCode::BAD_REQUEST, e.to_string()),
            }
        }
        ("DELETE", "script") => {
            inspector.clear_scripts();
            json_response(StatusCode::OK, &json!({ "cleared": true }))
        }
        ("GET", "rules") => {
            let list: Vec<Value> = rules::rules()
                .iter()
                .map(|r| json!({ "id": r.id, "group": r.group(), "requirement": r.requirement, "page": crate::runner::plan::spec_url(None, r.page) }))
                .collect();
            json_response(StatusCode::OK, &json!({ "rules": list }))
        }
        _ => problem(
            StatusCode::NOT_FOUND,
            format!(
                "{method} {ADMIN_PREFIX}{rest} is not an inspector endpoint: GET findings, DELETE findings, POST script, DELETE script, GET rules"
            ),
        ),
    }
}

/// Judges a consumer request and records it.
pub fn judge(
    st: &ProviderState,
    inspector: &Inspector,
    parts: &Parts,
    body: &[u8],
) -> (u64, Judgement) {
    let scheme = parts.extensions.get::<Scheme>().map_or("http", |s| s.0);
    let host = header(&parts.headers, "host").unwrap_or("localhost");
    let origin = format!("{scheme}://{host}");
    let request = InboundRequest {
        received_at: st.clock.unix_seconds(),
        method: parts.method.as_str().to_string(),
        target: parts.uri.path_and_query().map_or_else(
            || parts.uri.path().to_string(),
            |pq| pq.as_str().to_string(),
        ),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    };
    inspector.inspect(request, &origin)
}

/// The error a scenario scripted (the code was checked against the error table when it was scripted).
pub fn scripted_error(code: &str) -> ApiError {
    let code = errors::row(code).map_or("INTERNAL_SERVER_ERROR", |r| r.code);
    api_error(code, "answered as the consumer scenario scripted")
}

/// Records the reply a request got.
pub fn record_reply(inspector: &Inspector, seq: u64, reply: &Reply, scripted: Option<String>) {
    let body = if reply.minimal || reply.body.is_null() {
        String::new()
    } else {
        reply.body.to_string()
    };
    let mut headers = Vec::new();
    if let Some(v) = &reply.version {
        headers.push(("etag".to_string(), format!("W/\"{v}\"")));
    }
    if let Some(l) = &reply.location {
        headers.push(("location".to_string(), l.clone()));
    }
    inspector.responded(
        seq,
        InspectedResponse {
            status: reply.status,
            headers,
            body,
        },
        scripted,
    );
}
