//! What a MESH server answers, read without trusting it: a message's metadata from its `Mex-*` headers, the
//! chunk count a download announces, a body decoded from gzip, an inbox page, a tracking record and the id of a
//! sent message. Every reader is a pure function of the answer, bounded in what it allocates, and gives a
//! sentence instead of panicking (fuzzed: `src/fuzzing`, target `mesh`).

use std::io::Read;

use flate2::read::GzDecoder;
use reqwest::header::HeaderMap;
use serde_json::Value;

use super::error::describe_error_body;

/// The largest answer body read from a MESH server (one chunk as sent): MESH's chunks are at most 100 MB.
pub const MAX_ANSWER_BYTES: usize = 128 * 1024 * 1024;
/// The largest message (all chunks, decoded) a download keeps in memory.
pub const MAX_MESSAGE_BYTES: usize = 512 * 1024 * 1024;
/// The most chunks a download follows.
pub const MAX_CHUNKS: usize = 10_000;

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
    /// The metadata a download's headers give; `message_id` when the answer has no `Mex-MessageID`.
    pub fn from_headers(message_id: &str, h: &HeaderMap) -> Self {
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

/// The number of chunks a download announces (`Mex-Total-Chunks`, or `Mex-Chunk-Range: n:N`): `Ok(None)` when
/// it announces none, an error when it announces more than [`MAX_CHUNKS`].
pub fn chunk_total(h: &HeaderMap) -> Result<Option<usize>, String> {
    let text = |n: &str| h.get(n).and_then(|v| v.to_str().ok()).map(str::trim);
    let total = text("mex-total-chunks")
        .and_then(|t| t.parse().ok())
        .or_else(|| {
            text("mex-chunk-range")
                .and_then(|r| r.split_once(':'))
                .and_then(|(_, n)| n.trim().parse().ok())
        })
        .filter(|n: &usize| *n >= 1);
    match total {
        Some(n) if n > MAX_CHUNKS => Err(format!(
            "the message announces {n} chunks, more than the {MAX_CHUNKS} a download follows"
        )),
        other => Ok(other),
    }
}

/// The body as sent, decoded when the answer says `Content-Encoding: gzip`; at most `limit` bytes decoded.
pub fn decode(h: &HeaderMap, raw: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    let gzipped = h
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
    if !gzipped {
        return Ok(raw.to_vec());
    }
    let mut out = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    GzDecoder::new(raw)
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|e| format!("the answer says gzip but cannot be decompressed: {e}"))?;
    if out.len() > limit {
        return Err(format!(
            "the answer decompresses to more than {} MB",
            limit / (1024 * 1024)
        ));
    }
    Ok(out)
}

/// One page of the inbox list: its message ids and the address of the next page, if any (absolute, or
/// `base_url` + the path given).
pub fn inbox_page(body: &[u8], base_url: &str) -> Result<(Vec<String>, Option<String>), String> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| format!("the inbox list is not JSON: {e}"))?;
    let page = v
        .get("messages")
        .and_then(Value::as_array)
        .ok_or("the inbox list has no `messages` array")?;
    let ids = page
        .iter()
        .filter_map(Value::as_str)
        .map(String::from)
        .collect();
    let next = match v.pointer("/links/next").and_then(Value::as_str) {
        Some(next) if next.starts_with("http") => Some(next.to_string()),
        Some(next) => Some(format!("{base_url}{next}")),
        None => None,
    };
    Ok((ids, next))
}

/// The tracking record of a sent message.
pub fn tracking(body: &[u8]) -> Result<Tracking, String> {
    let raw: Value = serde_json::from_slice(body)
        .map_err(|e| format!("the tracking record is not JSON: {e}"))?;
    if !raw.is_object() {
        return Err("the tracking record is not a JSON object".into());
    }
    let text = |k: &str| raw.get(k).and_then(Value::as_str).map(String::from);
    Ok(Tracking {
        status: text("status").unwrap_or_default().to_lowercase(),
        recipient: text("recipient"),
        workflow_id: text("workflow_id"),
        local_id: text("local_id"),
        raw,
    })
}

/// The message id a `202 Accepted` to a send gives (`message_id`, or API v1's `messageID`).
pub fn sent_message_id(body: &[u8]) -> Result<String, String> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| {
            v.get("message_id")
                .or_else(|| v.get("messageID"))
                .and_then(Value::as_str)
                .map(String::from)
        })
        .ok_or_else(|| format!("202 without a message_id: {}", describe_error_body(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn gzip_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("content-encoding", "gzip".parse().unwrap());
        h
    }

    #[test]
    fn gzip_round_trips_and_a_bad_stream_is_a_clear_error() {
        let h = gzip_headers();
        let data = b"<Bundle/>".repeat(100);
        assert_eq!(decode(&h, &gzip(&data), 1 << 20).unwrap(), data);
        assert!(decode(&h, b"not gzip", 1 << 20)
            .unwrap_err()
            .contains("gzip"));
        assert_eq!(
            decode(&HeaderMap::new(), b"plain", 1 << 20).unwrap(),
            b"plain"
        );
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_limit() {
        let bomb = gzip(&vec![0u8; 4 * 1024 * 1024]);
        assert!(bomb.len() < 64 * 1024);
        let e = decode(&gzip_headers(), &bomb, 1024 * 1024).unwrap_err();
        assert!(e.contains("more than 1 MB"), "{e}");
    }

    #[test]
    fn the_chunk_total_comes_from_the_headers_and_is_bounded() {
        let mut h = HeaderMap::new();
        assert_eq!(chunk_total(&h), Ok(None));
        h.insert("mex-chunk-range", "1:3".parse().unwrap());
        assert_eq!(chunk_total(&h), Ok(Some(3)));
        h.insert("mex-total-chunks", "4".parse().unwrap());
        assert_eq!(chunk_total(&h), Ok(Some(4)));
        h.insert("mex-total-chunks", "1000000000".parse().unwrap());
        assert!(chunk_total(&h).unwrap_err().contains("1000000000 chunks"));
    }

    #[test]
    fn inbox_pages_tracking_and_send_answers_are_read_or_refused_with_a_sentence() {
        let (ids, next) = inbox_page(
            br#"{"messages":["a","b",3],"links":{"next":"/messageexchange/X/inbox?continue_from=b"}}"#,
            "https://mesh",
        )
        .unwrap();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(
            next.as_deref(),
            Some("https://mesh/messageexchange/X/inbox?continue_from=b")
        );
        assert!(inbox_page(b"{}", "").unwrap_err().contains("messages"));
        assert!(inbox_page(b"<", "").unwrap_err().contains("not JSON"));
        let t = tracking(br#"{"status":"Accepted","recipient":"X26HC005"}"#).unwrap();
        assert_eq!(
            (t.status.as_str(), t.recipient.as_deref()),
            ("accepted", Some("X26HC005"))
        );
        assert!(tracking(b"[]").unwrap_err().contains("object"));
        assert_eq!(sent_message_id(br#"{"message_id":"M1"}"#).unwrap(), "M1");
        assert_eq!(sent_message_id(br#"{"messageID":"M2"}"#).unwrap(), "M2");
        assert!(sent_message_id(b"").unwrap_err().contains("202 without"));
    }
}
