//! Expectations on a documents search Bundle: its id and entries, the DocumentReferences (their patient,
//! custodian, elements not in use, the placeholder of a document over 5 MB), the filters the request asked for
//! and the resources its includes bring.

use cucumber::then;
use serde_json::Value;

use super::dates::{moment, Bound};
use super::{document_references, Step, RETRIEVE_LIMIT};
use crate::spine::headers::{self, system};
use crate::steps::common::resource_type;
use crate::steps::world::GpcWorld;

/// Every entry of the Bundle: (`Bundle.entry[i]`, fullUrl, resource).
fn entries(bundle: &Value) -> Vec<(String, Option<String>, Value)> {
    bundle
        .get("entry")
        .and_then(Value::as_array)
        .map(|es| {
            es.iter()
                .enumerate()
                .filter_map(|(i, e)| {
                    e.get("resource").map(|r| {
                        (
                            format!("Bundle.entry[{i}]"),
                            e.get("fullUrl").and_then(Value::as_str).map(String::from),
                            r.clone(),
                        )
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The DocumentReferences of the response with where each is.
fn located_documents(w: &GpcWorld) -> Result<Vec<(String, Value)>, String> {
    Ok(entries(w.resource()?)
        .into_iter()
        .filter(|(_, _, r)| resource_type(r) == "DocumentReference")
        .map(|(at, _, r)| (format!("{at}.resource"), r))
        .collect())
}

/// The resource of type `kind` and id `id` in the Bundle.
fn find<'a>(bundle: &'a Value, kind: &str, id: &str) -> Option<&'a Value> {
    bundle
        .get("entry")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(|e| e.get("resource"))
        .find(|r| resource_type(r) == kind && r.get("id").and_then(Value::as_str) == Some(id))
}

/// The request's values of one query parameter.
fn sent_values(w: &GpcWorld, name: &str) -> Vec<String> {
    w.params
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

#[then(expr = "the Bundle should contain {int} DocumentReference(s)")]
fn count(w: &mut GpcWorld, n: usize) -> Step {
    let actual = document_references(w.resource()?).len();
    if actual == n {
        Ok(())
    } else {
        Err(format!(
            "Bundle.entry DocumentReference: expected {n}, got {actual}"
        ))
    }
}

#[then("the Bundle should contain at least one DocumentReference")]
fn some(w: &mut GpcWorld) -> Step {
    if document_references(w.resource()?).is_empty() {
        Err("Bundle.entry DocumentReference: expected at least one, got none".into())
    } else {
        Ok(())
    }
}

#[then("the Bundle id should be the request's Ssp-TraceID")]
fn id_is_trace(w: &mut GpcWorld) -> Step {
    let trace = w
        .last()?
        .request
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(headers::SSP_TRACE_ID))
        .map(|(_, v)| v.clone())
        .ok_or("the request carried no Ssp-TraceID")?;
    let id = w
        .resource()?
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("(absent)");
    if id == trace {
        Ok(())
    } else {
        Err(format!(
            "Bundle.id: expected `{trace}` (the request's Ssp-TraceID), got `{id}`"
        ))
    }
}

#[then("every Bundle entry should have an absolute fullUrl naming its resource")]
fn full_urls(w: &mut GpcWorld) -> Step {
    let all = entries(w.resource()?);
    if all.is_empty() {
        return Err("Bundle.entry: expected entries to check, got none".into());
    }
    for (at, url, r) in all {
        let url =
            url.ok_or_else(|| format!("{at}.fullUrl: expected an absolute URL, but it is absent"))?;
        let tail = format!(
            "/{}/{}",
            resource_type(&r),
            r.get("id").and_then(Value::as_str).unwrap_or_default()
        );
        let absolute = url.starts_with("http://") || url.starts_with("https://");
        if !absolute || !url.ends_with(&tail) {
            return Err(format!(
                "{at}.fullUrl: expected an absolute URL ending {tail}, got `{url}`"
            ));
        }
    }
    Ok(())
}

#[then("every DocumentReference should be about the requested patient")]
fn about_patient(w: &mut GpcWorld) -> Step {
    let id = w.id.clone().ok_or("the request has no patient id")?;
    let expected = format!("Patient/{id}");
    for (at, d) in located_documents(w)? {
        let subject = d
            .pointer("/subject/reference")
            .and_then(Value::as_str)
            .unwrap_or("(absent)");
        if subject != expected && !subject.ends_with(&format!("/{expected}")) {
            return Err(format!(
                "{at}.subject.reference: expected {expected}, got `{subject}`"
            ));
        }
    }
    Ok(())
}

#[then("every DocumentReference should name its custodian")]
fn custodian(w: &mut GpcWorld) -> Step {
    let docs = located_documents(w)?;
    if docs.is_empty() {
        return Err("expected DocumentReferences to check, got none".into());
    }
    for (at, d) in docs {
        let r = d
            .pointer("/custodian/reference")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{at}.custodian: expected the organisation that keeps the document, but it is absent"))?;
        if !r.contains("Organization/") {
            return Err(format!(
                "{at}.custodian.reference: expected an Organization, got `{r}`"
            ));
        }
    }
    Ok(())
}

#[then("no DocumentReference should populate the elements not in use")]
fn not_in_use(w: &mut GpcWorld) -> Step {
    const NOT_IN_USE: [&str; 5] = [
        "/docStatus",
        "/class",
        "/authenticator",
        "/relatesTo",
        "/content/0/attachment/data",
    ];
    for (at, d) in located_documents(w)? {
        for p in NOT_IN_USE {
            if let Some(v) = d.pointer(p) {
                return Err(format!(
                    "{at}{}: must not be populated, got {v}",
                    p.replace('/', ".").replace(".0.", "[0].")
                ));
            }
        }
    }
    Ok(())
}

#[then("every DocumentReference should be current, indexed and sized")]
fn current(w: &mut GpcWorld) -> Step {
    for (at, d) in located_documents(w)? {
        let status = d
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("(absent)");
        if status != "current" {
            return Err(format!("{at}.status: expected `current`, got `{status}`"));
        }
        if d.get("indexed")
            .and_then(Value::as_str)
            .and_then(moment)
            .is_none()
        {
            return Err(format!(
                "{at}.indexed: expected an instant, got {:?}",
                d.get("indexed")
            ));
        }
        if d.pointer("/content/0/attachment/size")
            .and_then(Value::as_u64)
            .is_none()
        {
            return Err(format!("{at}.content[0].attachment.size: expected the size of the document, but it is absent"));
        }
    }
    Ok(())
}

#[then("every DocumentReference over 5 MB should be a placeholder that says why")]
fn placeholders(w: &mut GpcWorld) -> Step {
    let large: Vec<(String, Value)> = located_documents(w)?
        .into_iter()
        .filter(|(_, d)| {
            d.pointer("/content/0/attachment/size")
                .and_then(Value::as_u64)
                .is_some_and(|s| s > RETRIEVE_LIMIT)
        })
        .collect();
    if large.is_empty() {
        return Err("expected a DocumentReference declaring a document over 5 MB (content.attachment.size), got none".into());
    }
    for (at, d) in large {
        let a = d
            .pointer("/content/0/attachment")
            .cloned()
            .unwrap_or(Value::Null);
        if let Some(url) = a.get("url") {
            return Err(format!(
                "{at}.content[0].attachment.url: a document over 5 MB cannot be retrieved, so no url is given; got {url}"
            ));
        }
        if a.get("title")
            .and_then(Value::as_str)
            .is_none_or(|t| t.trim().is_empty())
        {
            return Err(format!(
                "{at}.content[0].attachment.title: expected the reason the document is not available, but it is absent"
            ));
        }
    }
    Ok(())
}

#[then("every DocumentReference should have been created in the requested period")]
fn created_in_period(w: &mut GpcWorld) -> Step {
    let bounds = sent_values(w, "created")
        .iter()
        .map(|v| Bound::parse(v))
        .collect::<Result<Vec<_>, _>>()?;
    if bounds.is_empty() {
        return Err("the request has no created parameter".into());
    }
    for (at, d) in located_documents(w)? {
        // Where a document has no creation date, its indexed date is searched (search page).
        let (field, text) = match d.get("created").and_then(Value::as_str) {
            Some(c) => ("created", c),
            None => (
                "indexed",
                d.get("indexed").and_then(Value::as_str).unwrap_or_default(),
            ),
        };
        let t = moment(text).ok_or_else(|| format!("{at}.{field}: `{text}` is not a date"))?;
        if let Some(b) = bounds.iter().find(|b| !b.admits(t)) {
            return Err(format!(
                "{at}.{field}: expected a date meeting created={}, got `{text}`",
                b.text
            ));
        }
    }
    Ok(())
}

#[then("every DocumentReference should be authored by the requested organisation")]
fn authored_by(w: &mut GpcWorld) -> Step {
    let codes: Vec<String> = sent_values(w, "author")
        .iter()
        .filter_map(|v| v.split_once('|').map(|(_, c)| c.to_string()))
        .collect();
    let code = codes
        .first()
        .ok_or("the request has no author parameter")?
        .clone();
    let bundle = w.resource()?.clone();
    for (at, d) in located_documents(w)? {
        let r = d
            .pointer("/author/0/reference")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                format!("{at}.author: expected the organisation {code}, but it is absent")
            })?;
        let id = r
            .rsplit_once("Organization/")
            .map(|(_, id)| id)
            .ok_or_else(|| {
                format!("{at}.author[0].reference: expected the Organization {code}, got `{r}`")
            })?;
        let org = find(&bundle, "Organization", id).ok_or_else(|| {
            format!("{at}.author[0].reference: `{r}` is not in the Bundle, so its ODS code cannot be checked")
        })?;
        let ods = org
            .get("identifier")
            .and_then(Value::as_array)
            .and_then(|ids| {
                ids.iter().find(|i| {
                    i.get("system").and_then(Value::as_str) == Some(system::ODS_ORGANIZATION)
                })
            })
            .and_then(|i| i.get("value").and_then(Value::as_str))
            .unwrap_or("(none)");
        if ods != code {
            return Err(format!(
                "{at}.author: expected the organisation with ODS code {code}, got {r} with ODS code {ods}"
            ));
        }
    }
    Ok(())
}

#[then("every DocumentReference's description or type should contain the requested keyword")]
fn keyword(w: &mut GpcWorld) -> Step {
    let words = sent_values(w, "description");
    let word = words
        .first()
        .ok_or("the request has no description parameter")?
        .to_lowercase();
    for (at, d) in located_documents(w)? {
        let texts: Vec<&str> = ["/description", "/type/text", "/type/coding/0/display"]
            .iter()
            .filter_map(|p| d.pointer(p).and_then(Value::as_str))
            .collect();
        if !texts.iter().any(|t| t.to_lowercase().contains(&word)) {
            return Err(format!(
                "{at}: expected `{word}` in description or type, got {texts:?}"
            ));
        }
    }
    Ok(())
}

/// `reference` of every DocumentReference at `element` (`subject`, `custodian`, `author`) that targets `kind`.
fn references(docs: &[(String, Value)], element: &str, kind: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (at, d) in docs {
        let values: Vec<&Value> = match d.get(element) {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(v) => vec![v],
            None => Vec::new(),
        };
        for (i, v) in values.iter().enumerate() {
            if let Some(r) = v.get("reference").and_then(Value::as_str) {
                if r.contains(&format!("{kind}/")) {
                    out.push((format!("{at}.{element}[{i}]"), r.to_string()));
                }
            }
        }
    }
    out
}

#[then(
    expr = "every {word} reference of the DocumentReferences to a {word} should resolve inside the Bundle"
)]
fn included(w: &mut GpcWorld, element: String, kind: String) -> Step {
    let bundle = w.resource()?.clone();
    let docs = located_documents(w)?;
    for (at, r) in references(&docs, &element, &kind) {
        let id = r.rsplit_once(&format!("{kind}/")).map_or("", |(_, id)| id);
        if find(&bundle, &kind, id).is_none() {
            return Err(format!(
                "{at}.reference: expected {r} in the Bundle (_include=DocumentReference:{element}:{kind}), but it is not there"
            ));
        }
    }
    Ok(())
}

#[then("every Practitioner in the Bundle should come with its PractitionerRole")]
fn roles(w: &mut GpcWorld) -> Step {
    let all = entries(w.resource()?);
    for (at, _, p) in all
        .iter()
        .filter(|(_, _, r)| resource_type(r) == "Practitioner")
    {
        let id = p.get("id").and_then(Value::as_str).unwrap_or_default();
        let has_role = all.iter().any(|(_, _, r)| {
            resource_type(r) == "PractitionerRole"
                && r.pointer("/practitioner/reference")
                    .and_then(Value::as_str)
                    .is_some_and(|x| x.ends_with(&format!("Practitioner/{id}")))
        });
        if !has_role {
            return Err(format!(
                "{at}: expected a PractitionerRole of Practitioner/{id} in the Bundle (_revinclude:recurse=PractitionerRole:practitioner), but there is none"
            ));
        }
    }
    Ok(())
}

#[then(expr = "the OperationOutcome diagnostics should mention {string}")]
fn diagnostics(w: &mut GpcWorld, word: String) -> Step {
    let oo = w.resource()?;
    let texts: Vec<&str> = oo
        .get("issue")
        .and_then(Value::as_array)
        .map(|is| {
            is.iter()
                .filter_map(|i| i.get("diagnostics").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    if texts.iter().any(|t| t.contains(&word)) {
        Ok(())
    } else {
        Err(format!(
            "OperationOutcome.issue.diagnostics: expected detail naming `{word}` (errors of query parameters must say which), got {texts:?}"
        ))
    }
}
