//! Captured consumer requests, read back for the `replay` driver (judged with no consumer running) and written
//! by the drivers that capture. A capture is a list of scenarios, each the requests a consumer made for one test
//! (and, when captured, the responses it got). Two formats: HAR 1.2, which browsers' devtools, mitmproxy, Charles
//! and Fiddler export, and a raw folder of HTTP messages exactly as they went over the wire. [`read`] takes
//! either: a file is read as HAR, a folder as raw.
//!
//! ## HAR
//!
//! [HAR 1.2](http://www.softwareishard.com/blog/har-12-spec/), with these conventions when written:
//!
//! - one page per scenario: `id` is the test id (`consumer.appt.03`), `title` the scenario's title, and the
//!   custom field `_gpcAssure` holds the task the consumer was given: `{"task": "book_appointment", "params":
//!   {...}}`, `{}` without a task; the page's `startedDateTime` is its first request's;
//! - one entry per request, referring to its page by `pageref`; requests that belong to no scenario (the
//!   unassigned scenario, id `""`) have no `pageref`;
//! - `startedDateTime` is when the provider received the request (whole seconds);
//! - a request body that is not UTF-8 is base64 in `postData.text`, with the custom field `_encoding: "base64"`
//!   (HAR 1.2 allows `encoding` only on a response's `content`); a response body that is not UTF-8 is base64 in
//!   `content.text` with `content.encoding: "base64"`;
//! - a request target other than the URL's path and query (absolute-form) is kept in the custom field
//!   `request._target`;
//! - an exchange without a response has `response.status` 0 (as browsers write a failed request);
//! - timings are not captured: `time` and `timings` are 0.
//!
//! HARs made by other tools (browser devtools, mitmproxy, Charles, Fiddler) are read leniently:
//!
//! - optional fields may be missing; a leading byte-order mark is skipped;
//! - if no page has `_gpcAssure`, a page's test id is its `title` (devtools name pages `page_1`, ...); pages
//!   with the same test id are one scenario;
//! - entries without `pageref` go into the unassigned scenario (id `""`, last), which the caller reports;
//!   entries whose `pageref` names no page go into a scenario of that id;
//! - a request was received at its entry's `startedDateTime` (RFC 3339 with `Z` or an offset, fractional
//!   seconds allowed, floored to the second), else at its page's;
//! - its target is the URL's path and query, percent-encoding as sent; a query given only in `queryString[]` is
//!   appended, encoded; a relative URL is completed with the Host header;
//! - HTTP/2 pseudo-headers (`:authority`, ...) are dropped; a body given only as `postData.params` is
//!   form-encoded; a response with status 0, or none, is no response.
//!
//! A file that is not JSON, is not a HAR (no `log.entries`), has a date that is not RFC 3339, or has a request
//! without method or URL is refused, naming the entry (`log.entries[3]`).
//!
//! ## Raw folder format
//!
//! A folder of HTTP messages exactly as they went over the wire, for captures made with a proxy, Wireshark
//! ("Follow HTTP Stream", saved raw), `nc -l`, or by hand:
//!
//! ```text
//! DIR/
//!   consumer.appt.03/        one folder per scenario, named by its test id
//!     task.json              optional: {"task": "book_appointment", "params": {...}, "title": "..."}
//!     001.http               the first request
//!     001.response.http      optional: the response to it
//!     002.http
//!   consumer.fou.02.4/
//!     001.http
//!   001.http                 requests directly in DIR belong to no scenario (reported as unassigned)
//! ```
//!
//! - Scenarios are read in folder-name order, the unassigned requests last; names starting with `.` and files
//!   other than the ones below are ignored.
//! - `task.json` holds the task the consumer was given (`task`, a task name, and `params`, text values) and the
//!   scenario's `title`; every key is optional, other keys are refused. Without it, the scenario has no task and
//!   an empty title.
//! - The requests are the `*.http` files other than `*.response.http`, in file-name order (zero-pad the numbers:
//!   `010.http` sorts after `009.http`, `10.http` does not). Each holds one HTTP/1.1 request exactly as sent:
//!   - optional comment lines first: `# received-at: <RFC 3339 date-time>`, when the provider received it
//!     (`2024-10-20T11:00:00Z`, `2024-10-20T12:00:00.250+01:00`), else the file's modification time;
//!     `# url: <absolute URL as sent>`, else `http://<Host header><target>` (or the target itself when it is
//!     absolute-form); other `#` lines and blank lines before the request line are ignored;
//!   - the request line, `POST /path?query HTTP/1.1`, its target in origin-form or absolute-form
//!     (`POST http://host/path HTTP/1.1`), percent-encoding as sent;
//!   - the header lines, `Name: value`, in the order sent (a line starting with a space or a tab continues the
//!     previous value);
//!   - an empty line (lines end with CRLF or LF);
//!   - the body, any bytes (not necessarily UTF-8): the first `Content-Length` bytes when that header is present
//!     (anything after them is ignored), de-chunked when `Transfer-Encoding: chunked` (chunk extensions and
//!     trailers are ignored), else the rest of the file.
//! - `NNN.response.http`, optional, holds the response to `NNN.http` the same way: optional `#` lines, the status
//!   line (`HTTP/1.1 200 OK`), the header lines, an empty line, the body (a `Content-Length` with no body at all
//!   is accepted: the response to a `HEAD`, a `304`).
//! - Header lines are read as UTF-8, or as Latin-1 when they are not UTF-8.
//!
//! Written raw captures have CRLF line ends, both comment lines, files numbered from `001`, a `task.json` when
//! the scenario has a task or a title, and bodies framed as their headers say (one chunk under
//! `Transfer-Encoding: chunked`). Writing refuses, before writing anything, a scenario folder that already holds
//! files (and unassigned requests when `DIR` already holds `*.http` files), a test id that cannot name a folder,
//! and a message that would not read back the same (a `Content-Length` other than the body's length, a line
//! break in a header).
//!
//! Files over 1 GiB are refused rather than read.

mod har;
mod raw;

use std::fs;
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat};

use super::request::InboundRequest;
use super::task::TaskRequest;

pub use har::{read_har, write_har};
pub use raw::{read_raw_dir, write_raw_dir};

/// The requests a consumer made for one test, as captured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapturedScenario {
    /// The test id (`consumer.appt.03`, `consumer.fou.02.4`); `""` for requests that belong to no scenario.
    pub id: String,
    pub title: String,
    /// The task the consumer was given, when the capture says.
    pub task: Option<TaskRequest>,
    /// The requests in the order they were made.
    pub exchanges: Vec<CapturedExchange>,
}

impl CapturedScenario {
    /// Whether these are requests that belong to no scenario (a HAR's entries without `pageref`, the `*.http`
    /// files directly in a raw folder): the caller reports them.
    pub fn is_unassigned(&self) -> bool {
        self.id.is_empty()
    }
}

/// One request and, when captured, its response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapturedExchange {
    /// The absolute URL as sent (`https://provider.example/gpconnect/fhir/Patient?identifier=...`).
    pub url: String,
    pub request: InboundRequest,
    pub response: Option<CapturedResponse>,
}

/// A response as captured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapturedResponse {
    pub status: u16,
    /// Headers in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A capture could not be read or written; each message names the file and where in it.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("{} is {size} bytes, over the 1 GiB a capture file may hold; split the capture", path.display())]
    TooLarge { path: PathBuf, size: u64 },
    #[error("{} is not JSON, so not a HAR file: {source}", path.display())]
    NotJson {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{} is not a HAR file: it has no `log.entries` array", path.display())]
    NotHar { path: PathBuf },
    /// A HAR entry or page is unusable; `at` is its JSON path (`log.entries[3].request`).
    #[error("{}: {at} {reason}", path.display())]
    BadHar {
        path: PathBuf,
        at: String,
        reason: String,
    },
    /// A raw HTTP message is malformed at this line (1-based).
    #[error("{}, line {line}: {reason}", path.display())]
    BadRaw {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    /// A file of a raw capture is unusable as a whole (`task.json`, a response without a request).
    #[error("{}: {reason}", path.display())]
    BadFile { path: PathBuf, reason: String },
    /// A scenario cannot be written (`scenario` names it).
    #[error("cannot write {scenario}: {reason}")]
    BadScenario { scenario: String, reason: String },
    #[error(
        "{} already holds files; write {scenario} into a new or empty folder so that no old request is \
         mixed in",
        path.display()
    )]
    NotEmpty { path: PathBuf, scenario: String },
}

/// Reads a capture: a file as HAR ([`read_har`]), a folder as raw ([`read_raw_dir`]).
pub fn read(path: &Path) -> Result<Vec<CapturedScenario>, CaptureError> {
    let meta = fs::metadata(path).map_err(|source| CaptureError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_dir() {
        read_raw_dir(path)
    } else {
        read_har(path)
    }
}

/// The largest capture file read.
const MAX_FILE_BYTES: u64 = 1 << 30;

/// A file's bytes, refusing one over [`MAX_FILE_BYTES`] before reading it.
fn read_bounded(path: &Path) -> Result<Vec<u8>, CaptureError> {
    let read_err = |source| CaptureError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = fs::File::open(path).map_err(read_err)?;
    let size = file.metadata().map_err(read_err)?.len();
    if size > MAX_FILE_BYTES {
        return Err(CaptureError::TooLarge {
            path: path.to_path_buf(),
            size,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // The file may grow while read: never past the bound.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(CaptureError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
        });
    }
    Ok(bytes)
}

/// Writes a file whole: into a temporary file next to it, then renamed, so a failed write leaves no half file.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut io::BufWriter<fs::File>) -> io::Result<()>,
) -> Result<(), CaptureError> {
    let write_err = |source| CaptureError::Write {
        path: path.to_path_buf(),
        source,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", uuid::Uuid::new_v4()));
    let result = fs::File::create(&tmp).and_then(|file| {
        let mut out = io::BufWriter::new(file);
        write(&mut out)?;
        out.flush()?;
        out.get_ref().sync_all()
    });
    let result = result.and_then(|()| fs::rename(&tmp, path));
    if result.is_err() {
        // Best effort: the temporary file may not even exist.
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(write_err)
}

/// Unix seconds of an RFC 3339 date-time (`Z` or an offset, fractional seconds allowed), floored; an offset
/// without a colon (`+0100`) is accepted too.
fn parse_instant(text: &str) -> Option<i64> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|t| t.timestamp())
}

/// An instant as RFC 3339 in UTC (`2024-10-20T11:00:00Z`); `None` out of chrono's range.
fn format_instant(secs: i64) -> Option<String> {
    DateTime::from_timestamp(secs, 0).map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// The path and query of an absolute URL (`https://host/p?q#f` gives `/p?q`), percent-encoding as it is;
/// `None` when the URL is not absolute.
fn target_of_url(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return None;
    }
    let rest = rest.split('#').next().unwrap_or_default();
    let target = &rest[rest.find(['/', '?']).unwrap_or(rest.len())..];
    Some(if target.starts_with('/') {
        target.to_string()
    } else {
        format!("/{target}")
    })
}

/// The first value of a header (case-insensitive name).
fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// How a scenario is named in messages.
fn scenario_name(id: &str) -> String {
    if id.is_empty() {
        "the unassigned requests".to_string()
    } else {
        format!("scenario `{id}`")
    }
}

/// Refuses two scenarios with one id: read back, they would be one.
fn check_unique_ids(scenarios: &[CapturedScenario]) -> Result<(), CaptureError> {
    let mut seen = std::collections::HashSet::new();
    match scenarios.iter().find(|s| !seen.insert(s.id.as_str())) {
        Some(s) => Err(CaptureError::BadScenario {
            scenario: scenario_name(&s.id),
            reason: "it appears twice; a capture holds each scenario once".to_string(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consumer::task::Task;

    /// A fresh path under the system's temporary folder (not created).
    pub(super) fn temp_path(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!(
            "gpc-assure-capture-{}-{name}",
            uuid::Uuid::new_v4()
        ))
    }

    fn request(received_at: i64, method: &str, target: &str, body: &[u8]) -> InboundRequest {
        InboundRequest {
            received_at,
            method: method.into(),
            target: target.into(),
            headers: vec![
                ("Host".into(), "provider.example:8443".into()),
                (
                    "Ssp-TraceID".into(),
                    "09a01679-2564-0fb4-5129-aecc81ea2706".into(),
                ),
                ("Accept".into(), "application/fhir+json".into()),
                (
                    "Authorization".into(),
                    "Bearer eyJhbGciOiJub25lIn0.e30.".into(),
                ),
            ],
            body: body.to_vec(),
        }
    }

    /// Scenarios that exercise every field: a task, binary bodies both ways, an encoded query, an
    /// absolute-form target, an exchange without a response, a scenario without task or title, and unassigned
    /// requests (last, where reading puts them).
    pub(super) fn sample() -> Vec<CapturedScenario> {
        let base = "https://provider.example:8443/gpconnect/fhir";
        let book = CapturedScenario {
            id: "consumer.appt.03".into(),
            title: "Book an appointment".into(),
            task: Some(TaskRequest {
                task: Task::BookAppointment,
                params: [
                    ("nhs_number".to_string(), "9690937286".to_string()),
                    ("start".to_string(), "2024-10-21T09:00:00+01:00".to_string()),
                ]
                .into(),
            }),
            exchanges: vec![
                CapturedExchange {
                    url: format!("{base}/Slot?start=ge2024-10-21&status=free&_include=Slot%3Aschedule"),
                    request: request(
                        1_729_497_600,
                        "GET",
                        "/gpconnect/fhir/Slot?start=ge2024-10-21&status=free&_include=Slot%3Aschedule",
                        b"",
                    ),
                    response: Some(CapturedResponse {
                        status: 200,
                        headers: vec![("Content-Type".into(), "application/fhir+json".into())],
                        body: br#"{"resourceType":"Bundle"}"#.to_vec(),
                    }),
                },
                CapturedExchange {
                    url: format!("{base}/Appointment"),
                    request: {
                        let mut r = request(
                            1_729_497_601,
                            "POST",
                            "/gpconnect/fhir/Appointment",
                            &[0x00, 0xff, 0xfe, b'{', 0x80],
                        );
                        r.headers.push(("Content-Length".into(), "5".into()));
                        r
                    },
                    response: Some(CapturedResponse {
                        status: 422,
                        headers: vec![("Content-Type".into(), "application/octet-stream".into())],
                        body: vec![0xc3, 0x28, 0x00, 0x0a],
                    }),
                },
            ],
        };
        let find = CapturedScenario {
            id: "consumer.fou.02.4".into(),
            title: String::new(),
            task: None,
            exchanges: vec![CapturedExchange {
                url: format!("{base}/Patient?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9690937286"),
                request: request(
                    1_729_500_000,
                    "GET",
                    "https://provider.example:8443/gpconnect/fhir/Patient?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9690937286",
                    b"",
                ),
                response: None,
            }],
        };
        let unassigned = CapturedScenario {
            id: String::new(),
            title: String::new(),
            task: None,
            exchanges: vec![CapturedExchange {
                url: format!("{base}/metadata"),
                request: request(1_729_400_000, "GET", "/gpconnect/fhir/metadata", b""),
                response: None,
            }],
        };
        vec![book, find, unassigned]
    }

    #[test]
    fn instants_parse_with_offsets_and_fractions() {
        assert_eq!(parse_instant("2024-10-20T11:00:00Z"), Some(1_729_422_000));
        assert_eq!(
            parse_instant("2024-10-20T12:00:00.999+01:00"),
            Some(1_729_422_000)
        );
        assert_eq!(
            parse_instant("2024-10-20T12:00:00+0100"),
            Some(1_729_422_000)
        );
        assert_eq!(parse_instant("20/10/2024"), None);
        assert_eq!(
            format_instant(1_729_422_000).as_deref(),
            Some("2024-10-20T11:00:00Z")
        );
    }

    #[test]
    fn targets_keep_path_and_query_as_sent() {
        assert_eq!(
            target_of_url("https://h:1/a/b%2F?x=%7C#frag").as_deref(),
            Some("/a/b%2F?x=%7C")
        );
        assert_eq!(target_of_url("http://h?x=1").as_deref(), Some("/?x=1"));
        assert_eq!(target_of_url("http://h").as_deref(), Some("/"));
        assert_eq!(target_of_url("/relative"), None);
    }

    #[test]
    fn read_takes_a_file_as_har_and_a_folder_as_raw() {
        let dir = temp_path("dispatch");
        let har_path = dir.with_extension("har");
        write_har(&har_path, &sample(), "0.1.0").unwrap();
        write_raw_dir(&dir, &sample()).unwrap();
        assert_eq!(read(&har_path).unwrap(), sample());
        assert_eq!(read(&dir).unwrap(), sample());
        let missing = read(&dir.join("absent.har")).unwrap_err().to_string();
        assert!(missing.starts_with("cannot read "), "{missing}");
        fs::remove_file(&har_path).unwrap();
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_over_1_gib_is_refused_unread() {
        let path = temp_path("huge.har");
        let file = fs::File::create(&path).unwrap();
        // Sparse: no gigabyte is written.
        file.set_len(MAX_FILE_BYTES + 1).unwrap();
        let err = read(&path).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{} is 1073741825 bytes, over the 1 GiB a capture file may hold; split the capture",
                path.display()
            )
        );
        fs::remove_file(&path).unwrap();
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let mut twice = sample();
        twice.push(twice[0].clone());
        let err = write_har(&temp_path("dup.har"), &twice, "0").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot write scenario `consumer.appt.03`: it appears twice; a capture holds each scenario once"
        );
    }
}
