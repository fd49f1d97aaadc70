//! A MESH API v2 client: handshake, send (chunked, each chunk gzipped on its own), inbox list, download (every
//! chunk, decoded), acknowledge and tracking. Requests carry `Accept: application/vnd.mesh.v2+json` exactly (a
//! list or `*/*` is answered as API v1 or refused), the `Mex-Client*`/`Mex-OS*` headers and a fresh
//! authorisation token.

use std::io::Write;

use chrono::Utc;
use flate2::write::GzEncoder;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};

use super::answer::{self, Metadata, Tracking, MAX_ANSWER_BYTES, MAX_MESSAGE_BYTES};
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

/// A downloaded message: its metadata and its whole, decoded body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub metadata: Metadata,
    pub body: Vec<u8>,
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
        let mut resp = resp;
        let mut raw = Vec::new();
        while let Some(piece) = resp.chunk().await.map_err(|e| MeshError::Transport {
            operation,
            url: url.clone(),
            reason: crate::client::tls::chain(&e),
        })? {
            if raw.len() + piece.len() > MAX_ANSWER_BYTES {
                return Err(MeshError::Protocol {
                    operation,
                    reason: format!(
                        "the answer is larger than {} MB",
                        MAX_ANSWER_BYTES / (1024 * 1024)
                    ),
                });
            }
            raw.extend_from_slice(&piece);
        }
        let body = answer::decode(&headers, &raw, MAX_MESSAGE_BYTES)
            .map_err(|reason| MeshError::Protocol { operation, reason })?;
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
        let id = answer::sent_message_id(&a.body).map_err(|reason| MeshError::Protocol {
            operation: "send",
            reason,
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
            let (page, next) = answer::inbox_page(&a.body, &self.base_url).map_err(|reason| {
                MeshError::Protocol {
                    operation: "inbox",
                    reason,
                }
            })?;
            ids.extend(page);
            match next {
                // A server that names the page it just gave would loop for ever.
                Some(next) if next == url => {
                    return Err(MeshError::Protocol {
                        operation: "inbox",
                        reason: format!("the inbox list's next page is the page itself ({next})"),
                    })
                }
                Some(next) => url = next,
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
        let total = answer::chunk_total(&first.headers)
            .map_err(|reason| MeshError::Protocol {
                operation: "download",
                reason,
            })?
            .unwrap_or(1);
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
            if body.len() + a.body.len() > MAX_MESSAGE_BYTES {
                return Err(MeshError::Protocol {
                    operation: "download",
                    reason: format!(
                        "message {message_id} is larger than {} MB",
                        MAX_MESSAGE_BYTES / (1024 * 1024)
                    ),
                });
            }
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
        answer::tracking(&a.body).map_err(|reason| MeshError::Protocol {
            operation: "tracking",
            reason,
        })
    }
}

fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data)?;
    enc.finish()
}
