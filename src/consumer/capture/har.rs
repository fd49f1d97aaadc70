//! HAR 1.2 captures (the conventions are in the module above).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use base64::Engine as _;
use percent_encoding::{AsciiSet, CONTROLS};
use serde_json::{json, Map, Value};

use super::{
    check_unique_ids, format_instant, header, parse_instant, read_bounded, scenario_name,
    target_of_url, write_atomically, CaptureError, CapturedExchange, CapturedResponse,
    CapturedScenario,
};
use crate::consumer::request::InboundRequest;
use crate::consumer::task::{Task, TaskRequest};

/// What a query parameter given only in `queryString[]` is encoded with.
const QUERY: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Base64 as tools write it: padded or not.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// Writes the scenarios as one HAR 1.2 file (replacing it whole).
pub fn write_har(
    path: &Path,
    scenarios: &[CapturedScenario],
    creator_version: &str,
) -> Result<(), CaptureError> {
    check_unique_ids(scenarios)?;
    let mut pages = Vec::new();
    let mut entries = Vec::new();
    for s in scenarios {
        let pageref = (!s.is_unassigned()).then_some(s.id.as_str());
        if let Some(id) = pageref {
            let first = s.exchanges.iter().map(|x| x.request.received_at).min();
            let gpc = match &s.task {
                Some(task) => json!({ "task": task.task, "params": task.params }),
                None => json!({}),
            };
            pages.push(json!({
                "startedDateTime": date(s, first.unwrap_or(0))?,
                "id": id,
                "title": s.title,
                "pageTimings": {},
                "_gpcAssure": gpc,
            }));
        }
        for (i, x) in s.exchanges.iter().enumerate() {
            entries.push(entry_json(s, i, x, pageref)?);
        }
    }
    let har = json!({ "log": {
        "version": "1.2",
        "creator": { "name": "gpc-assure", "version": creator_version },
        "pages": pages,
        "entries": entries,
    }});
    write_atomically(path, |out| {
        serde_json::to_writer_pretty(out, &har).map_err(Into::into)
    })
}

fn date(s: &CapturedScenario, secs: i64) -> Result<String, CaptureError> {
    format_instant(secs).ok_or_else(|| CaptureError::BadScenario {
        scenario: scenario_name(&s.id),
        reason: format!("the time {secs} (Unix seconds) is out of range"),
    })
}

fn entry_json(
    s: &CapturedScenario,
    i: usize,
    x: &CapturedExchange,
    pageref: Option<&str>,
) -> Result<Value, CaptureError> {
    let req = &x.request;
    if x.url.is_empty() {
        return Err(CaptureError::BadScenario {
            scenario: scenario_name(&s.id),
            reason: format!("its request {} has no URL", i + 1),
        });
    }
    let mut request = Map::new();
    request.insert("method".into(), json!(req.method));
    request.insert("url".into(), json!(x.url));
    request.insert("httpVersion".into(), json!("HTTP/1.1"));
    request.insert("cookies".into(), json!([]));
    request.insert("headers".into(), headers_json(&req.headers));
    request.insert("queryString".into(), query_json(&req.target));
    if !req.body.is_empty() {
        let (text, base64) = body_text(&req.body);
        let mut post = Map::new();
        post.insert(
            "mimeType".into(),
            json!(header(&req.headers, "content-type").unwrap_or("")),
        );
        post.insert("text".into(), json!(text));
        if base64 {
            post.insert("_encoding".into(), json!("base64"));
        }
        request.insert("postData".into(), Value::Object(post));
    }
    request.insert("headersSize".into(), json!(-1));
    request.insert("bodySize".into(), json!(req.body.len()));
    if target_of_url(&x.url).as_deref() != Some(req.target.as_str()) {
        request.insert("_target".into(), json!(req.target));
    }

    let response = match &x.response {
        Some(r) => {
            let (text, base64) = body_text(&r.body);
            let mut content = Map::new();
            content.insert("size".into(), json!(r.body.len()));
            content.insert(
                "mimeType".into(),
                json!(header(&r.headers, "content-type").unwrap_or("")),
            );
            content.insert("text".into(), json!(text));
            if base64 {
                content.insert("encoding".into(), json!("base64"));
            }
            json!({
                "status": r.status,
                "statusText": http::StatusCode::from_u16(r.status)
                    .ok()
                    .and_then(|c| c.canonical_reason())
                    .unwrap_or(""),
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": headers_json(&r.headers),
                "content": content,
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": r.body.len(),
            })
        }
        None => json!({
            "status": 0,
            "statusText": "",
            "httpVersion": "",
            "cookies": [],
            "headers": [],
            "content": { "size": 0, "mimeType": "x-unknown" },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        }),
    };

    let mut entry = Map::new();
    if let Some(p) = pageref {
        entry.insert("pageref".into(), json!(p));
    }
    entry.insert("startedDateTime".into(), json!(date(s, req.received_at)?));
    entry.insert("time".into(), json!(0));
    entry.insert("request".into(), Value::Object(request));
    entry.insert("response".into(), response);
    entry.insert("cache".into(), json!({}));
    entry.insert(
        "timings".into(),
        json!({ "send": 0, "wait": 0, "receive": 0 }),
    );
    Ok(Value::Object(entry))
}

fn headers_json(headers: &[(String, String)]) -> Value {
    headers
        .iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect()
}

fn query_json(target: &str) -> Value {
    let query = target.split_once('?').map_or("", |(_, q)| q);
    form_urlencoded::parse(query.split('#').next().unwrap_or_default().as_bytes())
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect()
}

/// A body as HAR text: itself when UTF-8, else base64 (`true`).
fn body_text(body: &[u8]) -> (String, bool) {
    match std::str::from_utf8(body) {
        Ok(text) => (text.to_string(), false),
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(body), true),
    }
}

/// Reads a HAR file, from gpc-assure or another tool (leniently: see the module above).
pub fn read_har(path: &Path) -> Result<Vec<CapturedScenario>, CaptureError> {
    let bytes = read_bounded(path)?;
    // Some Windows tools start the file with a byte-order mark.
    let json = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let har: Value = serde_json::from_slice(json).map_err(|source| CaptureError::NotJson {
        path: path.to_path_buf(),
        source,
    })?;
    drop(bytes);
    let log = har.get("log");
    let Some(entries) = log.and_then(|l| l.get("entries")).and_then(Value::as_array) else {
        return Err(CaptureError::NotHar {
            path: path.to_path_buf(),
        });
    };
    let pages = log
        .and_then(|l| l.get("pages"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let ours = pages.iter().any(|p| p.get("_gpcAssure").is_some());
    let bad = |at: String, reason: String| CaptureError::BadHar {
        path: path.to_path_buf(),
        at,
        reason,
    };

    let mut found = Scenarios::default();
    // Page id -> (scenario, when the page started).
    let mut by_pageref: HashMap<&str, (Option<usize>, Option<i64>)> = HashMap::new();
    for (i, page) in pages.iter().enumerate() {
        let at = format!("log.pages[{i}]");
        let page_id = page.get("id").and_then(Value::as_str);
        let title = page
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let id = if ours {
            page_id.unwrap_or_default()
        } else {
            Some(title.trim())
                .filter(|t| !t.is_empty())
                .or(page_id)
                .unwrap_or_default()
        };
        let task = match page.get("_gpcAssure") {
            Some(gpc) => {
                read_task(gpc).map_err(|reason| bad(format!("{at}._gpcAssure"), reason))?
            }
            None => None,
        };
        let started = match page.get("startedDateTime") {
            None | Some(Value::Null) => None,
            Some(v) => {
                Some(read_date(v).map_err(|reason| bad(format!("{at}.startedDateTime"), reason))?)
            }
        };
        let index = found.scenario(id);
        let s = found.get(index);
        if s.title.is_empty() {
            s.title = title.to_string();
        }
        if s.task.is_none() {
            s.task = task;
        }
        if let Some(page_id) = page_id {
            by_pageref.insert(page_id, (index, started));
        }
    }

    for (j, entry) in entries.iter().enumerate() {
        let pageref = entry
            .get("pageref")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty());
        let (index, page_started) = match pageref {
            Some(p) => match by_pageref.get(p) {
                Some(&known) => known,
                // A pageref that names no page names the scenario itself.
                None => (found.scenario(p), None),
            },
            None => (None, None),
        };
        let exchange = read_entry(entry, page_started)
            .map_err(|(at, reason)| bad(format!("log.entries[{j}]{at}"), reason))?;
        found.get(index).exchanges.push(exchange);
    }
    Ok(found.into_vec())
}

/// The scenarios read so far, by test id; the unassigned one apart (it goes last).
#[derive(Default)]
struct Scenarios {
    list: Vec<CapturedScenario>,
    index: HashMap<String, usize>,
    unassigned: Option<CapturedScenario>,
}

impl Scenarios {
    /// The scenario with this id (created if new); `None` is the unassigned one.
    fn scenario(&mut self, id: &str) -> Option<usize> {
        if id.is_empty() {
            return None;
        }
        let next = self.list.len();
        let index = *self.index.entry(id.to_string()).or_insert(next);
        if index == next {
            self.list.push(CapturedScenario {
                id: id.to_string(),
                ..Default::default()
            });
        }
        Some(index)
    }

    fn get(&mut self, index: Option<usize>) -> &mut CapturedScenario {
        match index {
            Some(i) => &mut self.list[i],
            None => self.unassigned.get_or_insert_with(Default::default),
        }
    }

    fn into_vec(mut self) -> Vec<CapturedScenario> {
        self.list
            .extend(self.unassigned.filter(|s| !s.exchanges.is_empty()));
        self.list
    }
}

/// `_gpcAssure`: `{"task": ..., "params": {...}}`, or `{}` for none.
fn read_task(gpc: &Value) -> Result<Option<TaskRequest>, String> {
    let Some(name) = gpc.get("task").filter(|t| !t.is_null()) else {
        return Ok(None);
    };
    let task: Task = serde_json::from_value(name.clone()).map_err(|_| {
        let known: Vec<&str> = Task::ALL.iter().map(|t| t.name()).collect();
        format!(
            "names the task {name}, which is not one of: {}",
            known.join(", ")
        )
    })?;
    let params: BTreeMap<String, String> = match gpc.get("params") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(p) => serde_json::from_value(p.clone())
            .map_err(|_| "has `params` that are not an object of texts".to_string())?,
    };
    Ok(Some(TaskRequest { task, params }))
}

fn read_date(v: &Value) -> Result<i64, String> {
    let text = v.as_str().unwrap_or_default();
    parse_instant(text).ok_or_else(|| {
        format!(
            "{v} is not an RFC 3339 date-time such as 2024-10-20T11:00:00Z or \
             2024-10-20T12:00:00.250+01:00"
        )
    })
}

/// Where in an entry (`.request.url`) and what is wrong.
type EntryError = (String, String);

fn read_entry(entry: &Value, page_started: Option<i64>) -> Result<CapturedExchange, EntryError> {
    let fail = |at: &str, reason: &str| (at.to_string(), reason.to_string());
    if !entry.is_object() {
        return Err(fail("", "is not an object"));
    }
    let request = entry
        .get("request")
        .filter(|r| r.is_object())
        .ok_or_else(|| fail("", "has no request"))?;
    let method = request
        .get("method")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| fail(".request", "has no method"))?;
    let url = request
        .get("url")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| fail(".request", "has no url"))?;
    let headers = read_headers(request.get("headers"))
        .map_err(|(at, r)| (format!(".request.headers{at}"), r))?;
    let received_at = match entry.get("startedDateTime") {
        None | Some(Value::Null) => {
            page_started.ok_or_else(|| fail("", "has no startedDateTime, and no page with one"))?
        }
        Some(v) => read_date(v).map_err(|r| (".startedDateTime".to_string(), r))?,
    };

    let (mut url, mut target) = match target_of_url(url) {
        Some(target) => (url.to_string(), target),
        None if url.starts_with('/') => {
            let target = url.split('#').next().unwrap_or_default().to_string();
            let host = header(&headers, "host").ok_or_else(|| {
                fail(
                    ".request.url",
                    "is not an absolute URL, and the request has no Host header",
                )
            })?;
            (format!("http://{host}{target}"), target)
        }
        None => return Err(fail(".request.url", "is not a URL")),
    };
    if !target.contains('?') {
        let query = read_query(request.get("queryString"));
        if !query.is_empty() {
            target = format!("{target}?{query}");
            url = match url.split_once('#') {
                Some((before, fragment)) => format!("{before}?{query}#{fragment}"),
                None => format!("{url}?{query}"),
            };
        }
    }
    if let Some(sent) = request.get("_target").and_then(Value::as_str) {
        target = sent.to_string();
    }

    let body = match request.get("postData").filter(|p| p.is_object()) {
        Some(post) => read_post_data(post).map_err(|r| (".request.postData".to_string(), r))?,
        None => Vec::new(),
    };
    let response = match entry.get("response") {
        None | Some(Value::Null) => None,
        Some(r) => read_response(r)?,
    };
    Ok(CapturedExchange {
        url,
        request: InboundRequest {
            received_at,
            method: method.to_string(),
            target,
            headers,
            body,
        },
        response,
    })
}

/// `headers[]`, without HTTP/2 pseudo-headers; an error names the header (`[2]`).
fn read_headers(headers: Option<&Value>) -> Result<Vec<(String, String)>, EntryError> {
    let list = match headers {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err((String::new(), "is not an array".into())),
    };
    let mut out = Vec::with_capacity(list.len());
    for (k, h) in list.iter().enumerate() {
        let name = h
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| (format!("[{k}]"), "has no name".to_string()))?;
        if name.starts_with(':') {
            continue;
        }
        let value = match h.get("value") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(v)) => v.clone(),
            Some(other) => other.to_string(),
        };
        out.push((name.to_string(), value));
    }
    Ok(out)
}

/// `queryString[]` as an encoded query (`a=1&b=x%7Cy`).
fn read_query(query: Option<&Value>) -> String {
    let encode = |s: &str| percent_encoding::utf8_percent_encode(s, QUERY).to_string();
    query
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|p| {
                    let name = p.get("name").and_then(Value::as_str)?;
                    let value = p.get("value").and_then(Value::as_str).unwrap_or_default();
                    Some(format!("{}={}", encode(name), encode(value)))
                })
                .collect::<Vec<_>>()
                .join("&")
        })
        .unwrap_or_default()
}

fn read_post_data(post: &Value) -> Result<Vec<u8>, String> {
    if let Some(text) = post.get("text").and_then(Value::as_str) {
        let encoding = post
            .get("_encoding")
            .or_else(|| post.get("encoding"))
            .and_then(Value::as_str);
        return decode_text(text, encoding);
    }
    // A form given only as parameters.
    let params = post.get("params").and_then(Value::as_array);
    let mut form = form_urlencoded::Serializer::new(String::new());
    for p in params.into_iter().flatten() {
        if let Some(name) = p.get("name").and_then(Value::as_str) {
            form.append_pair(
                name,
                p.get("value").and_then(Value::as_str).unwrap_or_default(),
            );
        }
    }
    Ok(form.finish().into_bytes())
}

fn decode_text(text: &str, encoding: Option<&str>) -> Result<Vec<u8>, String> {
    match encoding {
        Some(e) if e.eq_ignore_ascii_case("base64") => {
            let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            BASE64
                .decode(compact)
                .map_err(|e| format!("says base64 but its text is not base64 ({e})"))
        }
        _ => Ok(text.as_bytes().to_vec()),
    }
}

fn read_response(response: &Value) -> Result<Option<CapturedResponse>, EntryError> {
    let status = match response.get("status") {
        None | Some(Value::Null) => return Ok(None),
        Some(s) => s
            .as_u64()
            .filter(|&s| s <= 999)
            .and_then(|s| u16::try_from(s).ok())
            .ok_or_else(|| {
                (
                    ".response.status".to_string(),
                    format!("{s} is not an HTTP status"),
                )
            })?,
    };
    if status == 0 {
        return Ok(None);
    }
    let headers = read_headers(response.get("headers"))
        .map_err(|(at, r)| (format!(".response.headers{at}"), r))?;
    let content = response.get("content");
    let body = match content.and_then(|c| c.get("text")).and_then(Value::as_str) {
        Some(text) => decode_text(
            text,
            content
                .and_then(|c| c.get("encoding"))
                .and_then(Value::as_str),
        )
        .map_err(|r| (".response.content".to_string(), r))?,
        None => Vec::new(),
    };
    Ok(Some(CapturedResponse {
        status,
        headers,
        body,
    }))
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::super::tests::{sample, temp_path};
    use super::*;

    #[test]
    fn round_trip_gives_equal_scenarios() {
        let path = temp_path("round.har");
        write_har(&path, &sample(), "1.2.3").unwrap();
        let har: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        let log = &har["log"];
        assert_eq!(log["version"], "1.2");
        assert_eq!(
            log["creator"],
            json!({ "name": "gpc-assure", "version": "1.2.3" })
        );
        assert_eq!(log["pages"][0]["id"], "consumer.appt.03");
        assert_eq!(log["pages"][0]["startedDateTime"], "2024-10-21T08:00:00Z");
        assert_eq!(log["pages"][0]["_gpcAssure"]["task"], "book_appointment");
        assert_eq!(log["pages"][1]["_gpcAssure"], json!({}));
        let post = &log["entries"][1]["request"]["postData"];
        assert_eq!(post["_encoding"], "base64");
        assert_eq!(
            log["entries"][1]["response"]["content"]["encoding"],
            "base64"
        );
        assert_eq!(
            log["entries"][0]["request"]["queryString"][2]["value"],
            "Slot:schedule"
        );
        assert!(log["entries"][3].get("pageref").is_none());
        assert_eq!(read_har(&path).unwrap(), sample());
        fs::remove_file(&path).unwrap();
    }

    #[test]
    fn reads_a_har_from_browser_devtools() {
        let path = temp_path("devtools.har");
        let har = json!({ "log": {
            "version": "1.2",
            "creator": { "name": "WebInspector", "version": "537.36" },
            "pages": [
                { "startedDateTime": "2024-10-20T12:00:00.250+01:00", "id": "page_1", "title": "consumer.fou.01",
                  "pageTimings": { "onContentLoad": -1, "onLoad": -1 } },
                { "startedDateTime": "2024-10-20T11:05:00Z", "id": "page_2", "title": "consumer.fou.01" },
            ],
            "entries": [
                { "pageref": "page_1", "startedDateTime": "2024-10-20T11:00:01.916Z", "time": 38.2,
                  "request": { "method": "GET",
                    "url": "https://gp.example/fhir/Patient?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9690937286",
                    "httpVersion": "http/2.0",
                    "headers": [
                        { "name": ":method", "value": "GET" },
                        { "name": ":authority", "value": "gp.example" },
                        { "name": "accept", "value": "application/fhir+json" } ],
                    "queryString": [ { "name": "identifier", "value": "https://fhir.nhs.uk/Id/nhs-number|9690937286" } ],
                    "cookies": [], "headersSize": -1, "bodySize": 0 },
                  "response": { "status": 200, "statusText": "", "httpVersion": "http/2.0",
                    "headers": [ { "name": "content-type", "value": "application/fhir+json" } ],
                    "content": { "size": 2, "mimeType": "application/fhir+json", "text": "{}" },
                    "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 120 },
                  "cache": {}, "timings": { "blocked": 1.2, "dns": -1, "send": 0.1, "wait": 30, "receive": 2 } },
                // Second page of the same test; no startedDateTime of its own; query only in queryString; a form.
                { "pageref": "page_2", "request": { "method": "POST", "url": "https://gp.example/fhir/Slot",
                    "queryString": [ { "name": "status", "value": "free" }, { "name": "x", "value": "a|b c" } ],
                    "postData": { "mimeType": "application/x-www-form-urlencoded",
                                  "params": [ { "name": "a", "value": "1 2" } ] } },
                  "response": { "status": 0, "_error": "net::ERR_CONNECTION_REFUSED" } },
                // No pageref, a relative URL: unassigned.
                { "startedDateTime": "2024-10-20T11:10:00+00:00",
                  "request": { "method": "GET", "url": "/fhir/metadata", "headers": [ { "name": "Host", "value": "gp.example" } ] } },
            ],
        }});
        fs::write(&path, serde_json::to_vec(&har).unwrap()).unwrap();
        let scenarios = read_har(&path).unwrap();
        fs::remove_file(&path).unwrap();

        assert_eq!(scenarios.len(), 2);
        let s = &scenarios[0];
        assert_eq!(
            (s.id.as_str(), s.title.as_str(), &s.task),
            ("consumer.fou.01", "consumer.fou.01", &None)
        );
        assert_eq!(s.exchanges.len(), 2);
        let first = &s.exchanges[0];
        assert_eq!(first.request.received_at, 1_729_422_001);
        assert_eq!(
            first.request.target,
            "/fhir/Patient?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9690937286"
        );
        assert_eq!(
            first.request.headers,
            vec![("accept".into(), "application/fhir+json".into())]
        );
        let response = first.response.as_ref().unwrap();
        assert_eq!(
            (response.status, response.body.as_slice()),
            (200, &b"{}"[..])
        );
        let second = &s.exchanges[1];
        assert_eq!(second.request.received_at, 1_729_422_300);
        assert_eq!(second.request.target, "/fhir/Slot?status=free&x=a%7Cb%20c");
        assert_eq!(
            second.url,
            "https://gp.example/fhir/Slot?status=free&x=a%7Cb%20c"
        );
        assert_eq!(second.request.param_all("x"), vec!["a|b c"]);
        assert_eq!(second.request.body, b"a=1+2");
        assert_eq!(second.response, None);
        let unassigned = &scenarios[1];
        assert!(unassigned.is_unassigned());
        assert_eq!(
            unassigned.exchanges[0].url,
            "http://gp.example/fhir/metadata"
        );
        assert_eq!(unassigned.exchanges[0].request.target, "/fhir/metadata");
    }

    #[test]
    fn a_pageref_without_a_page_names_the_scenario() {
        let path = temp_path("pageref.har");
        let har = json!({ "log": { "entries": [ { "pageref": "consumer.appt.05", "startedDateTime": "2024-10-20T11:00:00Z",
            "request": { "method": "GET", "url": "http://h/a" } } ] } });
        fs::write(&path, serde_json::to_vec(&har).unwrap()).unwrap();
        let scenarios = read_har(&path).unwrap();
        fs::remove_file(&path).unwrap();
        assert_eq!(scenarios.len(), 1);
        assert_eq!(scenarios[0].id, "consumer.appt.05");
    }

    /// The message for a HAR file holding this text (the path replaced by `F`).
    fn rejection(text: &str) -> String {
        let path = temp_path("bad.har");
        fs::write(&path, text).unwrap();
        let err = read_har(&path).unwrap_err().to_string();
        fs::remove_file(&path).unwrap();
        err.replace(&path.display().to_string(), "F")
    }

    fn one_entry(entry: Value) -> String {
        rejection(
            &json!({ "log": { "entries": [ { "startedDateTime": "2024-10-20T11:00:00Z",
            "request": { "method": "GET", "url": "http://h/" } }, entry ] } })
            .to_string(),
        )
    }

    #[test]
    fn rejections_name_the_file_and_entry() {
        assert_eq!(
            rejection("<html>"),
            "F is not JSON, so not a HAR file: expected value at line 1 column 1"
        );
        assert_eq!(
            rejection(r#"{"entries": []}"#),
            "F is not a HAR file: it has no `log.entries` array"
        );
        assert_eq!(
            one_entry(json!({ "startedDateTime": "20/10/2024 11:00", "request": { "method": "GET", "url": "http://h/" } })),
            "F: log.entries[1].startedDateTime \"20/10/2024 11:00\" is not an RFC 3339 date-time such as \
             2024-10-20T11:00:00Z or 2024-10-20T12:00:00.250+01:00"
        );
        assert_eq!(
            one_entry(
                json!({ "startedDateTime": "2024-10-20T11:00:00Z", "request": { "url": "http://h/" } })
            ),
            "F: log.entries[1].request has no method"
        );
        assert_eq!(
            one_entry(
                json!({ "startedDateTime": "2024-10-20T11:00:00Z", "request": { "method": "GET" } })
            ),
            "F: log.entries[1].request has no url"
        );
        assert_eq!(
            one_entry(json!({ "startedDateTime": "2024-10-20T11:00:00Z" })),
            "F: log.entries[1] has no request"
        );
        assert_eq!(
            one_entry(json!({ "request": { "method": "GET", "url": "http://h/" } })),
            "F: log.entries[1] has no startedDateTime, and no page with one"
        );
        assert_eq!(
            one_entry(json!({ "startedDateTime": "2024-10-20T11:00:00Z",
                "request": { "method": "GET", "url": "http://h/", "headers": [ { "value": "x" } ] } })),
            "F: log.entries[1].request.headers[0] has no name"
        );
        assert_eq!(
            one_entry(json!({ "startedDateTime": "2024-10-20T11:00:00Z",
                "request": { "method": "POST", "url": "http://h/", "postData": { "text": "@@", "_encoding": "base64" } } })),
            "F: log.entries[1].request.postData says base64 but its text is not base64 (Invalid symbol 64, offset 0.)"
        );
        assert_eq!(
            rejection(&json!({ "log": { "pages": [ { "id": "x", "_gpcAssure": { "task": "bok" } } ], "entries": [] } }).to_string()),
            format!(
                "F: log.pages[0]._gpcAssure names the task \"bok\", which is not one of: {}",
                Task::ALL.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
            )
        );
    }
}
