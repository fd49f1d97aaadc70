//! A MESH API v2 client: handshake, send (chunked, each chunk gzipped on its own), inbox list, download (every
//! chunk, decoded), acknowledge and tracking. Requests carry `Accept: application/vnd.mesh.v2+json` exactly (a
//! list or `*/*` is answered as API v1 or refused), the `Mex-Client*`/`Mex-OS*` headers and a fresh
//! authorisation token.

use std::io::{Read, Write};

use chrono::Utc;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::auth::{Credentials, TokenSource};
use super::error::{describe_error_body, error_code, MeshError};

/// The media type of MESH API v2.
pub const MESH_V2: &str = "application/vnd.mesh.v2+json";
/// The default chunk size: MESH accepts chunks of up to 100 MB; smaller chunks keep memory bounded.
pub const DEFAULT_CHUNK_SIZE: usize = 20 * 1024 * 1024;

/// A message to send.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    /// The recipient mailbox (`Mex-To`).
    pub to: String,
    /// `Mex-WorkflowID`, e.g. `GPFED_CONSULT_REPORT`.
    pub workflow_id: String,
    pub subject: Option<String>,
    pub local_id: Option<String>,
    pub file_name: Option<String>,
    /// `Mex-Content-Type` (and `Content-Type`), e.g. `application/fhir+xml`.
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// Send with `Content-Encoding: gzip`, each chunk compressed on its own.
    pub compress: bool,
}

/// The metadata of a received message (its `Mex-*` headers).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Metadata {
    pub message_id: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub workflow_id: Option<String>,
    pub subject: Option<String>,
    pub local_id: Option<String>,
    pub file_name: Option<String>,
    /// `DATA` or `REPORT`.
    pub message_type: Option<String>,
    pub content_type: Option<String>,
    pub linked_message_id: Option<String>,
    pub status_success: Option<String>,
    pub status_code: Option<String>,
    pub status_event: Option<String>,
    pub status_description: Option<String>,
}

impl Metadata {
    fn from_headers(message_id: &str, h: &HeaderMap) -> Self {
        let get = |name: &str| {
            h.get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(String::from)
        };
        Self {
            message_id: get("mex-messageid").unwrap_or_else(|| message_id.to_string()),
            from: get("mex-from"),
            to: get("mex-to"),
            workflow_id: get("mex-workflowid"),
            subject: get("mex-subject"),
            local_id: get("mex-localid"),
            file_name: get("mex-filename"),
            message_type: get("mex-messagetype"),
            content_type: get("mex-content-type").or_else(|| get("content-type")),
            linked_message_id: get("mex-linkedmsgid"),
            status_success: get("mex-statussuccess"),
            status_code: get("mex-statuscode"),
            status_event: get("mex-statusevent"),
            status_description: get("mex-statusdescription"),
        }
    }
}

/// A downloaded message: its metadata and its whole, decoded body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub metadata: Metadata,
    pub body: Vec<u8>,
}

/// What tracking says of a sent message.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracking {
    /// `uploading`, `accepted`, `acknowledged`, `error` or `undeliverable` (lower-cased).
    pub status: String,
    pub recipient: Option<String>,
    pub workflow_id: Option<String>,
    pub local_id: Option<String>,
    /// The whole tracking record.
    pub raw: Value,
}

/// A client of one mailbox.
#[derive(Debug)]
pub struct MeshClient {
    base_url: String,
    http: reqwest::Client,
    tokens: TokenSource,
    chunk_size: usize,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl MeshClient {
    /// A client of `credentials.mailbox` on the MESH service at `base_url` (e.g. `https://msg.intspineservices.nhs.uk`),
    /// using `http` (which carries the TLS client identity real MESH requires).
    pub fn new(base_url: &str, credentials: Credentials, http: reqwest::Client) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_string(),
            http,
            tokens: TokenSource::new(credentials),
            chunk_size: DEFAULT_CHUNK_SIZE,
        }
    }

    /// Sends bodies in chunks of at most `bytes` (before compression); at least 1 byte.
    pub fn with_chunk_size(mut self, bytes: usize) -> Self {
        self.chunk_size = bytes.max(1);
        self
    }

    pub fn mailbox(&self) -> &str {
        self.tokens.mailbox()
    }

    fn mailbox_url(&self, rest: &str) -> String {
        format!(
            "{}/messageexchange/{}{rest}",
            self.base_url,
            self.tokens.mailbox()
        )
    }

    async fn call(
        &self,
        operation: &'static str,
        method: Method,
        url: String,
        headers: Vec<(&'static str, String)>,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, MeshError> {
        let mut req = self
            .http
            .request(method, &url)
            .header("Authorization", self.tokens.next(Utc::now())?)
            .header("Accept", MESH_V2)
            .header("Accept-Encoding", "gzip")
            .header(
                "Mex-ClientVersion",
                concat!("gpc-assure/", env!("CARGO_PKG_VERSION")),
            )
            .header("Mex-OSName", std::env::consts::OS)
            .header("Mex-OSVersion", std::env::consts::ARCH);
        for (name, value) in headers {
            req = req.header(name, value);
        }
        if let Some(body) = body {
            req = req.body(body);
        }
        let resp = req.send().await.map_err(|e| MeshError::Transport {
            operation,
            url: url.clone(),
            reason: crate::client::tls::chain(&e),
        })?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let raw = resp.bytes().await.map_err(|e| MeshError::Transport {
            operation,
            url,
            reason: crate::client::tls::chain(&e),
        })?;
        let body =
            decode(&headers, &raw).map_err(|reason| MeshError::Protocol { operation, reason })?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// The error an unsuccessful answer stands for.
    fn refusal(&self, operation: &'static str, a: &Answer, subject: &str) -> MeshError {
        let status = a.status.as_u16();
        let message = describe_error_body(&a.body);
        let code = error_code(&a.body).unwrap_or_default();
        let mailbox = self.tokens.mailbox().to_string();
        match status {
            401 => MeshError::Credentials {
                mailbox,
                status,
                message,
            },
            403 if code == "EPL-151" => MeshError::UnknownMailbox {
                mailbox,
                status,
                message,
            },
            403 if message.contains("Authentication") || message.contains("Authorization") => {
                MeshError::Credentials {
                    mailbox,
                    status,
                    message,
                }
            }
            417 if code == "12" => MeshError::UnknownRecipient {
                to: subject.to_string(),
                status,
                message,
            },
            404 | 410 if !subject.is_empty() => MeshError::NotFound {
                operation,
                message_id: subject.to_string(),
                status,
                message,
            },
            _ => MeshError::Refused {
                operation,
                status,
                message,
            },
        }
    }

    /// A GET, PUT or POST without headers or body whose answer must have one of the `ok` statuses; any other
    /// answer is refused as about `subject` (a message id or a recipient).
    async fn exchange(
        &self,
        operation: &'static str,
        method: Method,
        rest: &str,
        ok: &[u16],
        subject: &str,
    ) -> Result<Answer, MeshError> {
        let a = self
            .call(operation, method, self.mailbox_url(rest), vec![], None)
            .await?;
        if ok.contains(&a.status.as_u16()) {
            Ok(a)
        } else {
            Err(self.refusal(operation, &a, subject))
        }
    }

    /// Checks the mailbox and its credentials (`POST /messageexchange/{mailbox}`).
    pub async fn handshake(&self) -> Result<(), MeshError> {
        self.exchange("handshake", Method::POST, "", &[200], "")
            .await
            .map(|_| ())
    }

    /// Sends a message, in as many chunks as its size needs, and returns its MESH message id.
    pub async fn send(&self, message: &Outgoing) -> Result<String, MeshError> {
        let chunks: Vec<&[u8]> = if message.body.is_empty() {
            vec![&[][..]]
        } else {
            message.body.chunks(self.chunk_size).collect()
        };
        let total = chunks.len();
        let payload = |chunk: &[u8]| -> Result<Vec<u8>, MeshError> {
            if message.compress {
                gzip(chunk).map_err(|e| MeshError::Protocol {
                    operation: "send",
                    reason: format!("cannot compress the message: {e}"),
                })
            } else {
                Ok(chunk.to_vec())
            }
        };
        let mut headers = vec![
            ("Mex-To", message.to.clone()),
            ("Mex-WorkflowID", message.workflow_id.clone()),
            ("Mex-Chunk-Range", format!("1:{total}")),
        ];
        for (name, value) in [
            ("Mex-Subject", &message.subject),
            ("Mex-LocalID", &message.local_id),
            ("Mex-FileName", &message.file_name),
            ("Mex-Content-Type", &message.content_type),
            ("Content-Type", &message.content_type),
        ] {
            if let Some(v) = value {
                headers.push((name, v.clone()));
            }
        }
        if message.compress {
            headers.push(("Content-Encoding", "gzip".to_string()));
        }
        let a = self
            .call(
                "send",
                Method::POST,
                self.mailbox_url("/outbox"),
                headers,
                Some(payload(chunks[0])?),
            )
            .await?;
        if a.status != StatusCode::ACCEPTED {
            return Err(self.refusal("send", &a, &message.to));
        }
        let id = serde_json::from_slice::<Value>(&a.body)
            .ok()
            .and_then(|v| {
                v.get("message_id")
                    .or_else(|| v.get("messageID"))
                    .and_then(Value::as_str)
                    .map(String::from)
            })
            .ok_or_else(|| MeshError::Protocol {
                operation: "send",
                reason: format!("202 without a message_id: {}", describe_error_body(&a.body)),
            })?;
        for (n, chunk) in chunks.iter().enumerate().skip(1) {
            let number = n + 1;
            let mut headers = vec![("Mex-Chunk-Range", format!("{number}:{total}"))];
            if message.compress {
                headers.push(("Content-Encoding", "gzip".to_string()));
            }
            let a = self
                .call(
                    "send chunk",
                    Method::POST,
                    self.mailbox_url(&format!("/outbox/{id}/{number}")),
                    headers,
                    Some(payload(chunk)?),
                )
                .await?;
            if a.status != StatusCode::ACCEPTED {
                return Err(self.refusal("send chunk", &a, &id));
            }
        }
        Ok(id)
    }

    /// The ids of the messages waiting in the inbox, oldest first (every page).
    pub async fn inbox(&self) -> Result<Vec<String>, MeshError> {
        let mut ids = Vec::new();
        let mut url = self.mailbox_url("/inbox");
        loop {
            let a = self
                .call("inbox", Method::GET, url.clone(), vec![], None)
                .await?;
            if a.status != StatusCode::OK {
                return Err(self.refusal("inbox", &a, ""));
            }
            let v: Value = serde_json::from_slice(&a.body).map_err(|e| MeshError::Protocol {
                operation: "inbox",
                reason: format!("the inbox list is not JSON: {e}"),
            })?;
            let page =
                v.get("messages")
                    .and_then(Value::as_array)
                    .ok_or_else(|| MeshError::Protocol {
                        operation: "inbox",
                        reason: "the inbox list has no `messages` array".into(),
                    })?;
            ids.extend(page.iter().filter_map(Value::as_str).map(String::from));
            match v.pointer("/links/next").and_then(Value::as_str) {
                Some(next) if next.starts_with("http") => url = next.to_string(),
                Some(next) => url = format!("{}{next}", self.base_url),
                None => return Ok(ids),
            }
        }
    }

    /// Downloads a message: every chunk, each decoded.
    pub async fn download(&self, message_id: &str) -> Result<Received, MeshError> {
        let first = self
            .exchange(
                "download",
                Method::GET,
                &format!("/inbox/{message_id}"),
                &[200, 206],
                message_id,
            )
            .await?;
        let metadata = Metadata::from_headers(message_id, &first.headers);
        let total = chunk_total(&first.headers).unwrap_or(1);
        let mut body = first.body;
        for number in 2..=total {
            let a = self
                .exchange(
                    "download chunk",
                    Method::GET,
                    &format!("/inbox/{message_id}/{number}"),
                    &[200, 206],
                    message_id,
                )
                .await?;
            body.extend_from_slice(&a.body);
        }
        Ok(Received { metadata, body })
    }

    /// Acknowledges a downloaded message, which leaves the inbox.
    pub async fn acknowledge(&self, message_id: &str) -> Result<(), MeshError> {
        self.exchange(
            "acknowledge",
            Method::PUT,
            &format!("/inbox/{message_id}/status/acknowledged"),
            &[200],
            message_id,
        )
        .await
        .map(|_| ())
    }

    /// What MESH says of a message this mailbox sent.
    pub async fn tracking(&self, message_id: &str) -> Result<Tracking, MeshError> {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("messageID", message_id)
            .finish();
        let a = self
            .exchange(
                "tracking",
                Method::GET,
                &format!("/outbox/tracking?{query}"),
                &[200],
                message_id,
            )
            .await?;
        let raw: Value = serde_json::from_slice(&a.body).map_err(|e| MeshError::Protocol {
            operation: "tracking",
            reason: format!("the tracking record is not JSON: {e}"),
        })?;
        let text = |k: &str| raw.get(k).and_then(Value::as_str).map(String::from);
        Ok(Tracking {
            status: text("status").unwrap_or_default().to_lowercase(),
            recipient: text("recipient"),
            workflow_id: text("workflow_id"),
            local_id: text("local_id"),
            raw,
        })
    }
}

/// The number of chunks a download announces (`Mex-Chunk-Range: n:N` or `Mex-Total-Chunks`).
fn chunk_total(h: &HeaderMap) -> Option<usize> {
    let text = |n: &str| h.get(n).and_then(|v| v.to_str().ok()).map(str::trim);
    text("mex-total-chunks")
        .and_then(|t| t.parse().ok())
        .or_else(|| {
            text("mex-chunk-range")
                .and_then(|r| r.split_once(':'))
                .and_then(|(_, n)| n.parse().ok())
        })
        .filter(|n: &usize| *n >= 1)
}

fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data)?;
    enc.finish()
}

/// The body as sent, decoded when the answer says `Content-Encoding: gzip`.
fn decode(h: &HeaderMap, raw: &[u8]) -> Result<Vec<u8>, String> {
    let gzipped = h
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
    if !gzipped {
        return Ok(raw.to_vec());
    }
    let mut out = Vec::new();
    GzDecoder::new(raw)
        .read_to_end(&mut out)
        .map_err(|e| format!("the answer says gzip but cannot be decompressed: {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_round_trips_and_a_bad_stream_is_a_clear_error() {
        let mut h = HeaderMap::new();
        h.insert("content-encoding", "gzip".parse().unwrap());
        let data = b"<Bundle/>".repeat(100);
        assert_eq!(decode(&h, &gzip(&data).unwrap()).unwrap(), data);
        assert!(decode(&h, b"not gzip").unwrap_err().contains("gzip"));
        assert_eq!(decode(&HeaderMap::new(), b"plain").unwrap(), b"plain");
    }

    #[test]
    fn the_chunk_total_comes_from_the_headers() {
        let mut h = HeaderMap::new();
        assert_eq!(chunk_total(&h), None);
        h.insert("mex-chunk-range", "1:3".parse().unwrap());
        assert_eq!(chunk_total(&h), Some(3));
        h.insert("mex-total-chunks", "4".parse().unwrap());
        assert_eq!(chunk_total(&h), Some(4));
    }
}
