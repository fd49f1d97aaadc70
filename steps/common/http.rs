//! Expectations on the HTTP response: status code, headers, caching, the ETag, content encoding and content
//! type, and the statuses of the responses to requests made at once.

use cucumber::then;
use serde_json::Value;

use super::resources::operation_outcome;
use super::{expect_eq, Step};
use crate::steps::json_path;
use crate::steps::world::GpcWorld;

#[then(expr = "the response status code should be {string}")]
fn status_is(w: &mut GpcWorld, code: String) -> Step {
    let r = w.response()?;
    let detail = || {
        w.parsed
            .as_ref()
            .and_then(|p| p.as_ref().ok())
            .and_then(|v| json_path::get(v, "issue[0].diagnostics"))
            .and_then(Value::as_str)
            .map(|d| format!(" (diagnostics: {d})"))
            .unwrap_or_default()
    };
    if r.status.to_string() == code {
        Ok(())
    } else {
        Err(format!(
            "HTTP status: expected {code}, got {}{}",
            r.status,
            detail()
        ))
    }
}

#[then("the response status code should indicate success")]
fn status_success(w: &mut GpcWorld) -> Step {
    let r = w.response()?;
    if (200..300).contains(&r.status) {
        Ok(())
    } else {
        Err(format!("HTTP status: expected 2xx, got {}", r.status))
    }
}

#[then("the response status code should indicate failure")]
fn status_failure(w: &mut GpcWorld) -> Step {
    let r = w.response()?;
    if r.status >= 400 {
        Ok(())
    } else {
        Err(format!(
            "HTTP status: expected 4xx or 5xx, got {}",
            r.status
        ))
    }
}

#[then(expr = "the response header {string} should be {string}")]
fn header_is(w: &mut GpcWorld, name: String, value: String) -> Step {
    let r = w.response()?;
    let actual = r
        .header(&name)
        .ok_or_else(|| format!("header {name}: expected `{value}`, but it is absent"))?;
    expect_eq(&format!("header {name}"), &value, actual)
}

#[then("the response should not be cacheable")]
fn no_store(w: &mut GpcWorld) -> Step {
    let r = w.response()?;
    match r.header("cache-control") {
        Some(v)
            if v.split(',')
                .any(|d| d.trim().eq_ignore_ascii_case("no-store")) =>
        {
            Ok(())
        }
        Some(v) => Err(format!(
            "header Cache-Control: expected `no-store`, got `{v}`"
        )),
        None => Err("header Cache-Control: expected `no-store`, but it is absent".into()),
    }
}

#[then("the response ETag should be the weak form of the resource version")]
fn etag_matches(w: &mut GpcWorld) -> Step {
    let r = w.response()?;
    let etag = r
        .header("etag")
        .ok_or("header ETag: expected W/\"<versionId>\", but it is absent")?
        .to_string();
    let version = w
        .resource()?
        .pointer("/meta/versionId")
        .and_then(Value::as_str)
        .ok_or("meta.versionId: expected a version, but it is absent")?;
    expect_eq("header ETag", &format!("W/\"{version}\""), &etag)
}

#[then("the response should be gzip encoded")]
fn gzip_encoded(w: &mut GpcWorld) -> Step {
    let r = w.response()?;
    match r.header("content-encoding") {
        Some(v) if v.eq_ignore_ascii_case("gzip") => Ok(()),
        other => Err(format!(
            "header Content-Encoding: expected `gzip`, got {}",
            other.map_or("nothing".to_string(), |v| format!("`{v}`"))
        )),
    }
}

#[then("the response should use chunked transfer encoding")]
fn chunked(w: &mut GpcWorld) -> Step {
    let r = w.response()?;
    match r.header("transfer-encoding") {
        Some(v)
            if v.split(',')
                .any(|c| c.trim().eq_ignore_ascii_case("chunked")) =>
        {
            Ok(())
        }
        other => Err(format!(
            "header Transfer-Encoding: expected `chunked`, got {}",
            other.map_or("nothing".to_string(), |v| format!("`{v}`"))
        )),
    }
}

fn content_type_is(w: &GpcWorld, mime: &str) -> Step {
    let r = w.response()?;
    let ct = r.header("content-type").ok_or_else(|| {
        format!("header Content-Type: expected `{mime};charset=utf-8`, but it is absent")
    })?;
    let mut parts = ct.split(';').map(str::trim);
    let essence = parts.next().unwrap_or_default();
    if !essence.eq_ignore_ascii_case(mime) {
        return Err(format!(
            "header Content-Type: expected `{mime}`, got `{ct}`"
        ));
    }
    if !parts.any(|p| p.eq_ignore_ascii_case("charset=utf-8")) {
        return Err(format!(
            "header Content-Type: expected a `charset=utf-8` parameter, got `{ct}`"
        ));
    }
    Ok(())
}

/// JSON in the FHIR media type of the interaction's FHIR version (`application/fhir+json` on STU3 roots,
/// `application/json+fhir` on the DSTU2 root).
#[then("the response body should be FHIR JSON")]
fn body_json(w: &mut GpcWorld) -> Step {
    content_type_is(w, w.media_types().0)?;
    let r = w.response()?;
    serde_json::from_slice::<Value>(&r.body)
        .map(|_| ())
        .map_err(|e| format!("response body: expected JSON, {e}"))
}

/// XML in the FHIR media type of the interaction's FHIR version (`application/fhir+xml` or
/// `application/xml+fhir`).
#[then("the response body should be FHIR XML")]
fn body_xml(w: &mut GpcWorld) -> Step {
    content_type_is(w, w.media_types().1)?;
    let body = &w.response()?.body;
    if !body.starts_with(b"<") && !body.starts_with(b"\xEF\xBB\xBF<") {
        return Err("response body: expected FHIR XML, it does not start with `<`".into());
    }
    w.resource().map(|_| ())
}

/// The statuses of the concurrent responses, in sending order.
fn burst_statuses(w: &GpcWorld) -> Result<Vec<Option<u16>>, String> {
    if w.burst.is_empty() {
        return Err(
            "no requests were made at once (missing `When I make the request N times at once`)"
                .into(),
        );
    }
    Ok(w.exchanges[w.burst.clone()]
        .iter()
        .map(|x| x.response.as_ref().map(|r| r.status))
        .collect())
}

fn statuses_text(statuses: &[Option<u16>]) -> String {
    let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for s in statuses {
        *counts
            .entry(s.map_or("no response".to_string(), |c| c.to_string()))
            .or_default() += 1;
    }
    counts
        .iter()
        .map(|(s, n)| format!("{n} x {s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[then(expr = "exactly {int} of the responses should have status code {string}")]
fn exactly_n_status(w: &mut GpcWorld, n: usize, code: String) -> Step {
    let statuses = burst_statuses(w)?;
    let matching: Vec<usize> = statuses
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_some_and(|s| s.to_string() == code))
        .map(|(i, _)| i)
        .collect();
    if matching.len() != n {
        return Err(format!(
            "HTTP status of {} concurrent responses: expected exactly {n} x {code}, got {}",
            statuses.len(),
            statuses_text(&statuses)
        ));
    }
    if let Some(first) = matching.first() {
        w.look_at(w.burst.start + first);
    }
    Ok(())
}

#[then(expr = "every other response should have status code {string} and error code {string}")]
fn others_refused(w: &mut GpcWorld, code: String, error: String) -> Step {
    let statuses = burst_statuses(w)?;
    let keep = w.current;
    let looked = w.current.map(|c| c - w.burst.start);
    for (i, status) in statuses.iter().enumerate() {
        if Some(i) == looked {
            continue;
        }
        w.look_at(w.burst.start + i);
        let check = match status {
            Some(s) if s.to_string() == code => operation_outcome(w, error.clone()),
            other => Err(format!(
                "HTTP status: expected {code}, got {}",
                other.map_or("no response".to_string(), |s| s.to_string())
            )),
        };
        if let Err(e) = check {
            return Err(format!(
                "concurrent response {} of {}: {e} (all: {})",
                i + 1,
                statuses.len(),
                statuses_text(&statuses)
            ));
        }
    }
    if let Some(k) = keep {
        w.look_at(k);
    }
    Ok(())
}
