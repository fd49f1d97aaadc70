//! Raw folder captures: HTTP/1.1 messages exactly as sent (the format is in the module above).

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use super::{
    check_unique_ids, format_instant, header, parse_instant, read_bounded, scenario_name,
    target_of_url, CaptureError, CapturedExchange, CapturedResponse, CapturedScenario,
};
use crate::consumer::request::InboundRequest;
use crate::consumer::task::{Task, TaskRequest};

const TASK_FILE: &str = "task.json";
const REQUEST_EXT: &str = ".http";
const RESPONSE_EXT: &str = ".response.http";

/// `task.json`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    task: Option<Task>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    params: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    title: String,
}

/// What a folder holds: subfolders, `task.json`, requests and responses by file stem, all by name.
#[derive(Default)]
struct Listing {
    folders: Vec<(String, PathBuf)>,
    task: Option<PathBuf>,
    requests: BTreeMap<String, PathBuf>,
    responses: BTreeMap<String, PathBuf>,
}

fn list(folder: &Path) -> Result<Listing, CaptureError> {
    let read_err = |path: &Path, source| CaptureError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut listing = Listing::default();
    for entry in fs::read_dir(folder).map_err(|e| read_err(folder, e))? {
        let entry = entry.map_err(|e| read_err(folder, e))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            return Err(CaptureError::BadFile {
                path,
                reason: "its name is not UTF-8, so it can name neither a test nor a request".into(),
            });
        };
        if name.starts_with('.') {
            continue;
        }
        if fs::metadata(&path)
            .map_err(|e| read_err(&path, e))?
            .is_dir()
        {
            listing.folders.push((name, path));
        } else if name == TASK_FILE {
            listing.task = Some(path);
        } else if let Some(stem) = name.strip_suffix(RESPONSE_EXT) {
            listing.responses.insert(stem.to_string(), path);
        } else if let Some(stem) = name.strip_suffix(REQUEST_EXT) {
            listing.requests.insert(stem.to_string(), path);
        }
    }
    listing.folders.sort();
    Ok(listing)
}

/// Reads a raw capture folder: a scenario per subfolder, in name order, then the requests directly in it as the
/// unassigned scenario.
pub fn read_raw_dir(dir: &Path) -> Result<Vec<CapturedScenario>, CaptureError> {
    let mut root = list(dir)?;
    let mut scenarios = Vec::new();
    for (id, folder) in std::mem::take(&mut root.folders) {
        scenarios.push(read_scenario(id, list(&folder)?)?);
    }
    if !root.requests.is_empty() || !root.responses.is_empty() {
        // A task.json directly in DIR is not a scenario's: ignored.
        root.task = None;
        scenarios.push(read_scenario(String::new(), root)?);
    }
    Ok(scenarios)
}

fn read_scenario(id: String, listing: Listing) -> Result<CapturedScenario, CaptureError> {
    let (title, task) = match &listing.task {
        Some(path) => read_task(path)?,
        None => (String::new(), None),
    };
    if let Some((stem, path)) = listing
        .responses
        .iter()
        .find(|(stem, _)| !listing.requests.contains_key(*stem))
    {
        return Err(CaptureError::BadFile {
            path: path.clone(),
            reason: format!("it answers no request: there is no {stem}{REQUEST_EXT} next to it"),
        });
    }
    let mut exchanges = Vec::with_capacity(listing.requests.len());
    for (stem, path) in &listing.requests {
        let (url, request) = read_request(path)?;
        let response = match listing.responses.get(stem) {
            Some(path) => Some(read_response(path)?),
            None => None,
        };
        exchanges.push(CapturedExchange {
            url,
            request,
            response,
        });
    }
    Ok(CapturedScenario {
        id,
        title,
        task,
        exchanges,
    })
}

fn read_task(path: &Path) -> Result<(String, Option<TaskRequest>), CaptureError> {
    let bad = |reason: String| CaptureError::BadFile {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = read_bounded(path)?;
    let file: TaskFile = serde_json::from_slice(&bytes).map_err(|e| {
        bad(format!(
            "not a task file of the form {{\"task\": \"book_appointment\", \"params\": {{...}}, \
             \"title\": \"...\"}} ({e})"
        ))
    })?;
    let task = match file.task {
        Some(task) => Some(TaskRequest {
            task,
            params: file.params,
        }),
        None if file.params.is_empty() => None,
        None => return Err(bad("it has `params` but no `task`".into())),
    };
    Ok((file.title, task))
}

fn read_request(path: &Path) -> Result<(String, InboundRequest), CaptureError> {
    let bytes = read_bounded(path)?;
    let msg = Message::parse(&bytes, path, false)?;
    let bad = |line, reason: String| CaptureError::BadRaw {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let parts: Vec<&str> = msg.start.split_whitespace().collect();
    let (method, target) = match parts.as_slice() {
        [method, target] | [method, target, _] if !method.starts_with("HTTP/") => {
            (*method, *target)
        }
        _ => {
            return Err(bad(
                msg.start_line,
                format!(
                    "`{}` is not a request line such as `POST /path?query HTTP/1.1`",
                    msg.start
                ),
            ))
        }
    };
    if let [_, _, version] = parts.as_slice() {
        if !version.starts_with("HTTP/") {
            return Err(bad(
                msg.start_line,
                format!("`{version}` is not an HTTP version such as HTTP/1.1"),
            ));
        }
    }
    let received_at = match msg.comment("received-at") {
        Some((text, line)) => parse_instant(text).ok_or_else(|| {
            bad(
                line,
                format!("`{text}` is not an RFC 3339 date-time such as 2024-10-20T11:00:00Z"),
            )
        })?,
        None => modified(path)?,
    };
    let url =
        match msg.comment("url") {
            Some((url, line)) => {
                if target_of_url(url).is_none() {
                    return Err(bad(line, format!("`{url}` is not an absolute URL")));
                }
                url.to_string()
            }
            None if target_of_url(target).is_some() => target.to_string(),
            None => match header(&msg.headers, "host") {
                Some(host) => format!("http://{host}{target}"),
                None => return Err(bad(
                    msg.start_line,
                    "the request has no `# url:` line and no Host header, so its URL is unknown"
                        .into(),
                )),
            },
        };
    Ok((
        url,
        InboundRequest {
            received_at,
            method: method.to_string(),
            target: target.to_string(),
            headers: msg.headers,
            body: msg.body,
        },
    ))
}

fn read_response(path: &Path) -> Result<CapturedResponse, CaptureError> {
    let bytes = read_bounded(path)?;
    let msg = Message::parse(&bytes, path, true)?;
    let mut parts = msg.start.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let status = parts.next().unwrap_or_default();
    let status = match status.parse::<u16>() {
        Ok(s) if version.starts_with("HTTP/") && status.len() == 3 => s,
        _ => {
            return Err(CaptureError::BadRaw {
                path: path.to_path_buf(),
                line: msg.start_line,
                reason: format!(
                    "`{}` is not a status line such as `HTTP/1.1 200 OK`",
                    msg.start
                ),
            })
        }
    };
    Ok(CapturedResponse {
        status,
        headers: msg.headers,
        body: msg.body,
    })
}

/// A file's modification time, Unix seconds.
fn modified(path: &Path) -> Result<i64, CaptureError> {
    let time = fs::metadata(path)
        .and_then(|m| m.modified())
        .map_err(|source| CaptureError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        // Before 1970 (a clock gone wrong): floored as well.
        Err(before) => {
            let d = before.duration();
            -i64::try_from(d.as_secs()).unwrap_or(i64::MAX) - i64::from(d.subsec_nanos() > 0)
        }
    })
}

/// One HTTP/1.1 message of a raw capture.
struct Message {
    /// `# key: value` lines before the start line: key lowercased, value, line.
    comments: Vec<(String, String, usize)>,
    start: String,
    start_line: usize,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Message {
    fn comment(&self, key: &str) -> Option<(&str, usize)> {
        self.comments
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, line)| (v.as_str(), *line))
    }

    fn parse(bytes: &[u8], path: &Path, response: bool) -> Result<Message, CaptureError> {
        let bad = |line, reason: String| CaptureError::BadRaw {
            path: path.to_path_buf(),
            line,
            reason,
        };
        let mut lines = Lines {
            bytes,
            pos: 0,
            line: 0,
        };
        let mut comments = Vec::new();
        let (start, start_line) = loop {
            let Some(line) = lines.next() else {
                let what = if response {
                    "status line"
                } else {
                    "request line"
                };
                return Err(bad(lines.line.max(1), format!("the file holds no {what}")));
            };
            let text = decode(line);
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            if let Some(comment) = text.strip_prefix('#') {
                if let Some((key, value)) = comment.split_once(':') {
                    comments.push((
                        key.trim().to_ascii_lowercase(),
                        value.trim().to_string(),
                        lines.line,
                    ));
                }
                continue;
            }
            break (text.to_string(), lines.line);
        };

        // Headers, with their lines (for Content-Length errors).
        let mut headers: Vec<(String, String, usize)> = Vec::new();
        while let Some(line) = lines.next() {
            if line.is_empty() {
                break;
            }
            let text = decode(line);
            if text.starts_with([' ', '\t']) {
                let Some((_, value, _)) = headers.last_mut() else {
                    return Err(bad(
                        lines.line,
                        "a continuation line (starting with a space) follows no header".into(),
                    ));
                };
                value.push(' ');
                value.push_str(text.trim_matches([' ', '\t']));
                continue;
            }
            match text.split_once(':') {
                Some((name, value)) if is_token(name) => {
                    headers.push((name.to_string(), value.trim_matches([' ', '\t']).to_string(), lines.line))
                }
                _ => {
                    return Err(bad(
                        lines.line,
                        format!(
                            "`{text}` is not a header line (`Name: value`); is the empty line before the \
                             body missing?"
                        ),
                    ))
                }
            }
        }

        let body_start = lines.pos;
        let rest = &bytes[body_start..];
        let line_at = |offset: usize| 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
        let chunked = header_values(&headers, "transfer-encoding")
            .flat_map(|(v, _)| v.split(','))
            .last()
            .is_some_and(|coding| coding.trim().eq_ignore_ascii_case("chunked"));
        let body = if chunked {
            dechunk(rest).map_err(|(offset, reason)| bad(line_at(body_start + offset), reason))?
        } else {
            let mut length = None;
            for (value, line) in header_values(&headers, "content-length") {
                for v in value.split(',').map(str::trim) {
                    let n = v
                        .parse::<usize>()
                        .ok()
                        .filter(|n| length.is_none_or(|l| l == *n))
                        .ok_or_else(|| bad(line, format!("`{value}` is not one Content-Length")))?;
                    length = Some(n);
                }
            }
            match length {
                Some(n) if n <= rest.len() => rest[..n].to_vec(),
                // The response to a HEAD, a 304: a length, no body.
                Some(_) if response && rest.is_empty() => Vec::new(),
                Some(n) => {
                    return Err(bad(
                        line_at(body_start),
                        format!(
                            "Content-Length is {n} but the body has only {} bytes",
                            rest.len()
                        ),
                    ))
                }
                None => rest.to_vec(),
            }
        };
        Ok(Message {
            comments,
            start,
            start_line,
            headers: headers.into_iter().map(|(k, v, _)| (k, v)).collect(),
            body,
        })
    }
}

/// An HTTP token (RFC 9110 section 5.6.2): what a header name is made of.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The values of a header (case-insensitive name), with their lines.
fn header_values<'a>(
    headers: &'a [(String, String, usize)],
    name: &'a str,
) -> impl Iterator<Item = (&'a str, usize)> + 'a {
    headers
        .iter()
        .filter(move |(k, _, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v, line)| (v.as_str(), *line))
}

/// Lines ending with LF or CRLF (given without them); `pos` is where the next line starts, `line` the last
/// one's number.
struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = &self.bytes[self.pos..];
        if rest.is_empty() {
            return None;
        }
        let (line, advance) = match rest.iter().position(|&b| b == b'\n') {
            Some(end) => (&rest[..end], end + 1),
            None => (rest, rest.len()),
        };
        self.pos += advance;
        self.line += 1;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

/// A header line's text: UTF-8, else Latin-1.
fn decode(line: &[u8]) -> String {
    match std::str::from_utf8(line) {
        Ok(text) => text.to_string(),
        Err(_) => line.iter().map(|&b| char::from(b)).collect(),
    }
}

/// The data of a chunked body; an error gives the offset where it is.
fn dechunk(data: &[u8]) -> Result<Vec<u8>, (usize, String)> {
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let Some(end) = data[pos..].iter().position(|&b| b == b'\n') else {
            return Err((
                pos,
                "the chunked body ends before its last chunk (a line `0`)".into(),
            ));
        };
        let line = decode(&data[pos..pos + end]);
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = Some(size_text)
            .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit()))
            .and_then(|s| usize::from_str_radix(s, 16).ok())
            .ok_or_else(|| {
                (
                    pos,
                    format!("`{}` is not a chunk size (hexadecimal)", line.trim()),
                )
            })?;
        let size_at = pos;
        pos += end + 1;
        if size == 0 {
            // Trailers, if any, are not kept.
            return Ok(out);
        }
        let available = data.len() - pos;
        if available < size {
            return Err((
                size_at,
                format!("the chunk size {size_text} is {size} bytes but only {available} follow"),
            ));
        }
        out.extend_from_slice(&data[pos..pos + size]);
        pos += size;
        if data[pos..].starts_with(b"\r\n") {
            pos += 2;
        } else if data[pos..].starts_with(b"\n") {
            pos += 1;
        } else {
            return Err((
                size_at,
                format!("the chunk of size {size_text} is not followed by a line break; is its size right?"),
            ));
        }
    }
}

/// Writes the scenarios as a raw capture folder (created if needed).
pub fn write_raw_dir(dir: &Path, scenarios: &[CapturedScenario]) -> Result<(), CaptureError> {
    check_unique_ids(scenarios)?;
    for s in scenarios.iter().filter(|s| !s.is_unassigned()) {
        check_folder_name(&s.id)?;
    }
    let write_err = |path: &Path, source| CaptureError::Write {
        path: path.to_path_buf(),
        source,
    };
    let folder = |s: &CapturedScenario| {
        if s.is_unassigned() {
            dir.to_path_buf()
        } else {
            dir.join(&s.id)
        }
    };
    for s in scenarios {
        let folder = folder(s);
        let taken = if s.is_unassigned() {
            if !dir.exists() {
                continue;
            }
            let root = list(dir)?;
            !root.requests.is_empty() || !root.responses.is_empty()
        } else {
            match fs::read_dir(&folder) {
                Ok(mut entries) => entries.next().is_some(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
                Err(source) => {
                    return Err(CaptureError::Read {
                        path: folder,
                        source,
                    })
                }
            }
        };
        if taken {
            return Err(CaptureError::NotEmpty {
                path: folder,
                scenario: scenario_name(&s.id),
            });
        }
    }
    // Everything is rendered before anything is written: a refused scenario leaves no half capture.
    let rendered = scenarios
        .iter()
        .map(|s| Ok((folder(s), render_scenario(s)?)))
        .collect::<Result<Vec<_>, CaptureError>>()?;
    fs::create_dir_all(dir).map_err(|e| write_err(dir, e))?;
    for (folder, files) in rendered {
        fs::create_dir_all(&folder).map_err(|e| write_err(&folder, e))?;
        for (name, bytes) in files {
            let path = folder.join(name);
            fs::write(&path, bytes).map_err(|e| write_err(&path, e))?;
        }
    }
    Ok(())
}

/// A test id must name a folder on any system.
fn check_folder_name(id: &str) -> Result<(), CaptureError> {
    let bad = id.starts_with('.')
        || id.ends_with(' ')
        || id.chars().any(|c| {
            c.is_control() || matches!(c, '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*')
        });
    if bad {
        return Err(CaptureError::BadScenario {
            scenario: scenario_name(id),
            reason: "its id cannot name a folder (it starts with `.`, or holds `/`, `\\`, `:` or the like)"
                .into(),
        });
    }
    Ok(())
}

/// The files of a scenario's folder, by name.
fn render_scenario(s: &CapturedScenario) -> Result<Vec<(String, Vec<u8>)>, CaptureError> {
    let bad = |reason: String| CaptureError::BadScenario {
        scenario: scenario_name(&s.id),
        reason,
    };
    let mut files = Vec::new();
    if !s.is_unassigned() && (s.task.is_some() || !s.title.is_empty()) {
        let file = TaskFile {
            task: s.task.as_ref().map(|t| t.task),
            params: s
                .task
                .as_ref()
                .map(|t| t.params.clone())
                .unwrap_or_default(),
            title: s.title.clone(),
        };
        let mut json = serde_json::to_vec_pretty(&file).map_err(|e| bad(e.to_string()))?;
        json.push(b'\n');
        files.push((TASK_FILE.to_string(), json));
    }
    let width = s.exchanges.len().to_string().len().max(3);
    for (i, x) in s.exchanges.iter().enumerate() {
        let stem = format!("{:0width$}", i + 1);
        let request = render_request(x).map_err(|r| bad(format!("its request {} {r}", i + 1)))?;
        files.push((format!("{stem}{REQUEST_EXT}"), request));
        if let Some(response) = &x.response {
            let response = render_response(response)
                .map_err(|r| bad(format!("the response to its request {} {r}", i + 1)))?;
            files.push((format!("{stem}{RESPONSE_EXT}"), response));
        }
    }
    Ok(files)
}

fn render_request(x: &CapturedExchange) -> Result<Vec<u8>, String> {
    let req = &x.request;
    let received_at = format_instant(req.received_at).ok_or_else(|| {
        format!(
            "was received at {} (Unix seconds), out of range",
            req.received_at
        )
    })?;
    if x.url.is_empty() || x.url.contains(char::is_whitespace) {
        return Err(format!(
            "has the URL `{}`, which a raw capture cannot hold",
            x.url
        ));
    }
    let token =
        |s: &str| !s.is_empty() && !s.contains(|c: char| c.is_whitespace() || c.is_control());
    if !token(&req.method) || !token(&req.target) {
        return Err(format!(
            "has the request line `{} {}`, which a raw capture cannot hold",
            req.method, req.target
        ));
    }
    let mut out = Vec::new();
    let _ = write!(
        out,
        "# received-at: {received_at}\r\n# url: {}\r\n{} {} HTTP/1.1\r\n",
        x.url, req.method, req.target
    );
    render_rest(&mut out, &req.headers, &req.body, false)?;
    Ok(out)
}

fn render_response(r: &CapturedResponse) -> Result<Vec<u8>, String> {
    let reason = http::StatusCode::from_u16(r.status)
        .ok()
        .and_then(|c| c.canonical_reason())
        .unwrap_or("");
    let mut out = format!("HTTP/1.1 {:03} {reason}", r.status)
        .trim_end()
        .as_bytes()
        .to_vec();
    out.extend_from_slice(b"\r\n");
    render_rest(&mut out, &r.headers, &r.body, true)?;
    Ok(out)
}

/// Header lines, the empty line and the body, framed as the headers say (so that it reads back the same).
fn render_rest(
    out: &mut Vec<u8>,
    headers: &[(String, String)],
    body: &[u8],
    response: bool,
) -> Result<(), String> {
    for (name, value) in headers {
        if !is_token(name) || value.contains(['\r', '\n']) {
            return Err(format!(
                "has the header `{name}: {value}`, which a raw capture cannot hold"
            ));
        }
        let _ = write!(out, "{name}: {value}\r\n");
    }
    out.extend_from_slice(b"\r\n");
    let chunked = headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("transfer-encoding"))
        .flat_map(|(_, v)| v.split(','))
        .last()
        .is_some_and(|coding| coding.trim().eq_ignore_ascii_case("chunked"));
    if chunked {
        if !body.is_empty() {
            let _ = write!(out, "{:x}\r\n", body.len());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n\r\n");
        return Ok(());
    }
    if let Some(length) = header(headers, "content-length") {
        let matches = length.trim().parse::<usize>().ok() == Some(body.len());
        // The response to a HEAD, a 304: a length, no body.
        let headless = response && body.is_empty();
        if !(matches || headless) {
            return Err(format!(
                "has Content-Length {length} but a body of {} bytes, which would not read back the same",
                body.len()
            ));
        }
    }
    out.extend_from_slice(body);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::super::tests::{sample, temp_path};
    use super::*;

    #[test]
    fn round_trip_gives_equal_scenarios() {
        let dir = temp_path("raw-round");
        write_raw_dir(&dir, &sample()).unwrap();
        let names: Vec<String> = fs::read_dir(dir.join("consumer.appt.03"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(
            names,
            [
                "001.http",
                "001.response.http",
                "002.http",
                "002.response.http",
                "task.json"
            ]
        );
        let first = fs::read_to_string(dir.join("consumer.appt.03/001.http")).unwrap();
        assert!(
            first.starts_with(
                "# received-at: 2024-10-21T08:00:00Z\r\n# url: https://provider.example:8443/gpconnect/fhir/Slot?"
            ),
            "{first}"
        );
        assert!(
            dir.join("001.http").exists(),
            "unassigned requests go directly in DIR"
        );
        assert_eq!(read_raw_dir(&dir).unwrap(), sample());
        // A second write into the same folder is refused.
        let err = write_raw_dir(&dir, &sample()[..1]).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "{} already holds files; write scenario `consumer.appt.03` into a new or empty folder so that no old \
                 request is mixed in",
                dir.join("consumer.appt.03").display()
            )
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reads_a_hand_written_chunked_request_with_crlf_and_no_task() {
        let dir = temp_path("raw-hand");
        let scenario = dir.join("consumer.appt.07");
        fs::create_dir_all(&scenario).unwrap();
        let request = b"# captured with nc\r\n\
            POST /gpconnect/fhir/Appointment HTTP/1.1\r\n\
            Host: gp.example:8080\r\n\
            Content-Type: application/fhir+json\r\n\
            X-Folded: one\r\n  two\r\n\
            Transfer-Encoding: chunked\r\n\
            \r\n\
            5;ext=1\r\n{\"a\":\r\n3\r\n\xff1}\r\n0\r\nX-Trailer: t\r\n\r\n";
        fs::write(scenario.join("001.http"), request).unwrap();
        // LF line ends, a Content-Length with a trailing newline after the body, a received-at with an offset.
        fs::write(
            scenario.join("002.http"),
            "# received-at: 2024-10-20T12:00:00.5+01:00\n# url: https://gp.example/fhir/Appointment/1\n\
             GET /fhir/Appointment/1 HTTP/1.1\nContent-Length: 2\n\nab\n",
        )
        .unwrap();
        fs::write(
            scenario.join("002.response.http"),
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/fhir+json\r\n\r\n{}",
        )
        .unwrap();
        fs::write(scenario.join("notes.txt"), "ignored").unwrap();
        let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(1_729_422_000);
        fs::File::options()
            .write(true)
            .open(scenario.join("001.http"))
            .unwrap()
            .set_modified(mtime)
            .unwrap();

        let scenarios = read_raw_dir(&dir).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(scenarios.len(), 1);
        let s = &scenarios[0];
        assert_eq!(
            (s.id.as_str(), s.title.as_str(), &s.task),
            ("consumer.appt.07", "", &None)
        );
        let first = &s.exchanges[0];
        assert_eq!(
            first.url,
            "http://gp.example:8080/gpconnect/fhir/Appointment"
        );
        assert_eq!(first.request.received_at, 1_729_422_000);
        assert_eq!(first.request.line(), "POST /gpconnect/fhir/Appointment");
        assert_eq!(first.request.header("x-folded"), Some("one two"));
        assert_eq!(first.request.headers.len(), 4);
        assert_eq!(first.request.body, b"{\"a\":\xff1}");
        assert_eq!(first.response, None);
        let second = &s.exchanges[1];
        assert_eq!(second.url, "https://gp.example/fhir/Appointment/1");
        assert_eq!(second.request.received_at, 1_729_422_000);
        assert_eq!(second.request.body, b"ab");
        let response = second.response.as_ref().unwrap();
        assert_eq!(
            (response.status, response.body.as_slice()),
            (404, &b"{}"[..])
        );
    }

    /// The message for a raw folder with this scenario's files (the folder replaced by `D`).
    fn rejection(files: &[(&str, &[u8])]) -> String {
        let dir = temp_path("raw-bad");
        let scenario = dir.join("consumer.x.01");
        fs::create_dir_all(&scenario).unwrap();
        for (name, bytes) in files {
            fs::write(scenario.join(name), bytes).unwrap();
        }
        let err = read_raw_dir(&dir).unwrap_err().to_string();
        fs::remove_dir_all(&dir).unwrap();
        err.replace(&scenario.display().to_string(), "D")
    }

    #[test]
    fn rejections_name_the_file_and_line() {
        let req = |text: &'static str| rejection(&[("001.http", text.as_bytes())]);
        assert_eq!(
            req("# url: http://h/\n\nHTTP/1.1 200 OK\n\n"),
            "D/001.http, line 3: `HTTP/1.1 200 OK` is not a request line such as `POST /path?query HTTP/1.1`"
        );
        assert_eq!(
            req("# url: http://h/\n"),
            "D/001.http, line 1: the file holds no request line"
        );
        assert_eq!(
            req("GET / HTTP/1.1\r\nHost: h\r\n{\"a\": 1}\r\n"),
            "D/001.http, line 3: `{\"a\": 1}` is not a header line (`Name: value`); is the empty line before the \
             body missing?"
        );
        assert_eq!(
            req("# received-at: yesterday\nGET / HTTP/1.1\nHost: h\n\n"),
            "D/001.http, line 1: `yesterday` is not an RFC 3339 date-time such as 2024-10-20T11:00:00Z"
        );
        assert_eq!(
            req("GET /a HTTP/1.1\nAccept: */*\n\n"),
            "D/001.http, line 1: the request has no `# url:` line and no Host header, so its URL is unknown"
        );
        assert_eq!(
            req("POST / HTTP/1.1\nHost: h\nContent-Length: 10\n\nabc"),
            "D/001.http, line 5: Content-Length is 10 but the body has only 3 bytes"
        );
        assert_eq!(
            req("POST / HTTP/1.1\nHost: h\nContent-Length: ten\n\n"),
            "D/001.http, line 3: `ten` is not one Content-Length"
        );
        assert_eq!(
            req("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n"),
            "D/001.http, line 5: the chunk of size 2 is not followed by a line break; is its size right?"
        );
        assert_eq!(
            req("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
            "D/001.http, line 5: `zz` is not a chunk size (hexadecimal)"
        );
        assert_eq!(
            req("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"),
            "D/001.http, line 7: the chunked body ends before its last chunk (a line `0`)"
        );
        assert_eq!(
            rejection(&[
                ("001.http", b"GET / HTTP/1.1\nHost: h\n\n"),
                ("001.response.http", b"200 OK\n\n")
            ]),
            "D/001.response.http, line 1: `200 OK` is not a status line such as `HTTP/1.1 200 OK`"
        );
        assert_eq!(
            rejection(&[("002.response.http", b"HTTP/1.1 200 OK\n\n")]),
            "D/002.response.http: it answers no request: there is no 002.http next to it"
        );
        let task = rejection(&[("task.json", br#"{"task": "book_appointment", "parms": {}}"#)]);
        assert!(
            task.starts_with(
                "D/task.json: not a task file of the form {\"task\": \"book_appointment\", \"params\": {...}, \
                 \"title\": \"...\"} (unknown field `parms`"
            ),
            "{task}"
        );
        assert_eq!(
            rejection(&[("task.json", br#"{"params": {"a": "1"}}"#)]),
            "D/task.json: it has `params` but no `task`"
        );
    }

    #[test]
    fn writing_refuses_what_would_not_read_back() {
        let dir = temp_path("raw-refuse");
        let mut bad_id = sample();
        bad_id[0].id = "../escape".into();
        assert_eq!(
            write_raw_dir(&dir, &bad_id).unwrap_err().to_string(),
            "cannot write scenario `../escape`: its id cannot name a folder (it starts with `.`, or holds `/`, `\\`, \
             `:` or the like)"
        );
        let mut bad_length = sample();
        bad_length[0].exchanges[1].request.body.push(b'!');
        assert_eq!(
            write_raw_dir(&dir, &bad_length).unwrap_err().to_string(),
            "cannot write scenario `consumer.appt.03`: its request 2 has Content-Length 5 but a body of 6 bytes, \
             which would not read back the same"
        );
        let mut chunked = sample();
        chunked[0].exchanges[1]
            .request
            .headers
            .retain(|(k, _)| k != "Content-Length");
        chunked[0].exchanges[1]
            .request
            .headers
            .push(("Transfer-Encoding".into(), "chunked".into()));
        let _ = fs::remove_dir_all(&dir);
        write_raw_dir(&dir, &chunked).unwrap();
        assert_eq!(read_raw_dir(&dir).unwrap(), chunked);
        fs::remove_dir_all(&dir).unwrap();
    }
}
