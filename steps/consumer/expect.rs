//! Then-steps over the consumer's requests: which interactions it called, in what order, with what, and that no
//! consumer rule found anything wrong with them. A failure names the request and, for a rule, prints the finding
//! h2spec-style.

use cucumber::then;
use serde_json::Value;

use super::super::GpcWorld;
use crate::consumer::Inspected;
use crate::spine::catalogue::Interaction;
use crate::spine::headers::system;

type Step = Result<(), String>;

fn requests(w: &GpcWorld) -> Result<&[Inspected], String> {
    if !w.consumer.acted {
        return Err("the consumer has not acted: add `When the consumer performs the task`".into());
    }
    Ok(&w.consumer.requests)
}

fn interaction(name: &str) -> Result<Interaction, String> {
    Interaction::from_name(name)
        .ok_or_else(|| format!("`{name}` is not an interaction of the catalogue"))
}

fn names(rs: &[Inspected]) -> String {
    rs.iter()
        .map(|r| {
            r.interaction
                .clone()
                .unwrap_or_else(|| format!("({})", r.request.line()))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first request of `name`.
fn first<'a>(w: &'a GpcWorld, name: &str) -> Result<&'a Inspected, String> {
    first_of(w, interaction(name)?)
}

/// The first request of an interaction.
fn first_of(w: &GpcWorld, i: Interaction) -> Result<&Inspected, String> {
    let name = i.name();
    let rs = requests(w)?;
    rs.iter()
        .find(|r| r.interaction() == Some(i))
        .ok_or_else(|| {
            format!(
                "the consumer's requests: expected a {name} request, got {}",
                names(rs)
            )
        })
}

/// A finding in the sentence form the failure blocks split into Where (the element, the request and the rule
/// with its requirement), Expected and Actual.
fn finding_failure(r: &Inspected, f: &crate::consumer::Finding) -> String {
    format!(
        "{} of {} {} (rule {}: {}): expected {}, got {}",
        f.at,
        r.request.method,
        r.url,
        f.rule,
        f.requirement.lines().next().unwrap_or_default(),
        f.expected,
        f.actual
    )
}

fn no_findings(w: &GpcWorld, group: Option<&str>) -> Step {
    let rs = requests(w)?;
    let mut all = rs.iter().flat_map(|r| {
        r.findings
            .iter()
            .filter(move |f| group.is_none_or(|g| f.group() == g))
            .map(move |f| (r, f))
    });
    match all.next() {
        None => Ok(()),
        Some((r, f)) => {
            let more = all.count();
            let mut text = finding_failure(r, f);
            if more > 0 {
                text.push_str(&format!("\n(and {more} more findings: see the evidence)"));
            }
            Err(text)
        }
    }
}

#[then(expr = "the consumer's requests broke no {string} rule")]
fn no_group_findings(w: &mut GpcWorld, group: String) -> Step {
    if !crate::consumer::rules::rules()
        .iter()
        .any(|r| r.group() == group)
    {
        return Err(format!(
            "`{group}` is not a rule group (ssp, jwt, format, body, params)"
        ));
    }
    no_findings(w, Some(&group))
}

#[then("the consumer's requests broke no consumer rule")]
fn no_any_findings(w: &mut GpcWorld) -> Step {
    no_findings(w, None)
}

#[then(expr = "the consumer made a {string} request")]
fn made(w: &mut GpcWorld, name: String) -> Step {
    first(w, &name).map(|_| ())
}

#[then(expr = "the consumer made no {string} request")]
fn made_none(w: &mut GpcWorld, name: String) -> Step {
    let i = interaction(&name)?;
    let rs = requests(w)?;
    match rs.iter().find(|r| r.interaction() == Some(i)) {
        None => Ok(()),
        Some(r) => Err(format!(
            "the consumer's requests: expected no {name} request, got {} {}",
            r.request.method, r.url
        )),
    }
}

#[then(expr = "the consumer's requests were {string}")]
fn were(w: &mut GpcWorld, expected: String) -> Step {
    let rs = requests(w)?;
    let want: Vec<&str> = expected
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    for name in &want {
        interaction(name)?;
    }
    let got: Vec<String> = rs
        .iter()
        .map(|r| {
            r.interaction
                .clone()
                .unwrap_or_else(|| format!("({})", r.request.line()))
        })
        .collect();
    if got != want {
        return Err(format!(
            "the consumer's requests: expected {}, got {}",
            want.join(", "),
            if got.is_empty() {
                "none".to_string()
            } else {
                got.join(", ")
            }
        ));
    }
    Ok(())
}

#[then(expr = "the {string} request's query {string} is {string}")]
fn query_is(w: &mut GpcWorld, name: String, param: String, value: String) -> Step {
    let want = expand_task(w, &value)?;
    let r = first(w, &name)?;
    let got = r.request.param_all(&param);
    if got.len() != 1 || got[0] != want {
        return Err(format!(
            "query {param} of the {name} request: expected `{want}`, got {}",
            if got.is_empty() {
                "it is absent".to_string()
            } else {
                format!("`{}`", got.join("`, `"))
            }
        ));
    }
    Ok(())
}

/// `text` with `{task:name}` replaced by the task's parameter, then the usual placeholders.
fn expand_task(w: &GpcWorld, text: &str) -> Result<String, String> {
    let mut out = text.to_string();
    if let Some(task) = &w.consumer.task {
        for (k, v) in &task.params {
            out = out.replace(&format!("{{task:{k}}}"), v);
        }
    }
    w.expand(&out)
}

fn json_body(r: &Inspected) -> Option<Value> {
    serde_json::from_slice(&r.request.body).ok()
}

fn response_json(r: &Inspected) -> Option<Value> {
    r.response
        .as_ref()
        .and_then(|resp| serde_json::from_str(&resp.body).ok())
}

/// The NHS numbers a request names: a search's `identifier`, a Parameters body's `patientNHSNumber`, the
/// Patient of a `registerPatient` parameter.
fn nhs_numbers(r: &Inspected) -> Vec<String> {
    let prefix = format!("{}|", system::NHS_NUMBER);
    let mut out: Vec<String> = r
        .request
        .param_all("identifier")
        .into_iter()
        .filter_map(|v| v.strip_prefix(&prefix).map(String::from))
        .collect();
    if let Some(body) = json_body(r) {
        for p in body
            .get("parameter")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match p.get("name").and_then(Value::as_str) {
                Some("patientNHSNumber") => {
                    if let Some(v) = p.pointer("/valueIdentifier/value").and_then(Value::as_str) {
                        out.push(v.to_string());
                    }
                }
                // Register patient: the NHS number identifier of the Patient to register.
                Some("registerPatient") => {
                    let ids = p.pointer("/resource/identifier").and_then(Value::as_array);
                    for id in ids.into_iter().flatten() {
                        if id.get("system").and_then(Value::as_str) == Some(system::NHS_NUMBER) {
                            if let Some(v) = id.get("value").and_then(Value::as_str) {
                                out.push(v.to_string());
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

#[then("every request that names a patient names the task's patient")]
fn names_task_patient(w: &mut GpcWorld) -> Step {
    let want = expand_task(w, "{task:nhs_number}")?;
    let rs = requests(w)?;
    let mut named = 0;
    for r in rs {
        for nhs in nhs_numbers(r) {
            named += 1;
            if nhs != want {
                return Err(format!(
                    "the NHS number of {} {}: expected {want}, got {nhs}",
                    r.request.method, r.url
                ));
            }
        }
    }
    if named == 0 {
        return Err(format!(
            "the consumer's requests: expected one naming NHS number {want} (`identifier` {}|{want} or `patientNHSNumber`), got {}",
            system::NHS_NUMBER,
            names(rs)
        ));
    }
    Ok(())
}

/// The ids of the resources of a type in a searchset response.
fn bundle_ids(bundle: &Value, resource_type: &str) -> Vec<String> {
    bundle
        .get("entry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("resource"))
        .filter(|r| r.get("resourceType").and_then(Value::as_str) == Some(resource_type))
        .filter_map(|r| r.get("id").and_then(Value::as_str).map(String::from))
        .collect()
}

#[then("the consumer booked a slot its slot search offered")]
fn booked_offered_slot(w: &mut GpcWorld) -> Step {
    let search = first_of(w, Interaction::SearchForFreeSlots)?;
    let offered = response_json(search)
        .map(|b| bundle_ids(&b, "Slot"))
        .unwrap_or_default();
    let create = first_of(w, Interaction::AppointmentCreate)?;
    let body = json_body(create).ok_or_else(|| {
        format!(
            "the {} request's body is not JSON",
            Interaction::AppointmentCreate
        )
    })?;
    let slots: Vec<String> = body
        .get("slot")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.get("reference").and_then(Value::as_str))
        .map(|r| r.rsplit('/').next().unwrap_or(r).to_string())
        .collect();
    if slots.is_empty() || slots.iter().any(|s| !offered.contains(s)) {
        return Err(format!(
            "body Appointment.slot of the {} request: expected slots the search offered ({} offered), got {}",
            Interaction::AppointmentCreate,
            offered.len(),
            if slots.is_empty() { "none".to_string() } else { slots.join(", ") }
        ));
    }
    Ok(())
}

/// The logical patient ids a request names: a path `/Patient/{id}[/...]` or a body participant `Patient/{id}`.
fn patient_ids(r: &Inspected) -> Vec<String> {
    let path = r.request.path();
    let mut out: Vec<String> = path
        .split_once("/Patient/")
        .map(|(_, rest)| rest.split('/').next().unwrap_or_default().to_string())
        .filter(|id| !id.is_empty() && !id.starts_with('$'))
        .into_iter()
        .collect();
    if let Some(body) = json_body(r) {
        for p in body
            .get("participant")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(id) = p
                .pointer("/actor/reference")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("Patient/"))
            {
                out.push(id.to_string());
            }
        }
    }
    out
}

#[then("the consumer asked for the patient its patient search found")]
fn used_found_patient(w: &mut GpcWorld) -> Step {
    let rs = requests(w)?;
    let search = rs
        .iter()
        .find(|r| {
            matches!(
                r.interaction(),
                Some(Interaction::PatientSearch | Interaction::DocumentsPatientSearch)
            )
        })
        .ok_or_else(|| {
            format!(
                "the consumer's requests: expected a patient search, got {}",
                names(rs)
            )
        })?;
    let found = response_json(search)
        .map(|b| bundle_ids(&b, "Patient"))
        .unwrap_or_default();
    let mut named = 0;
    for r in rs.iter().filter(|r| r.seq > search.seq) {
        for id in patient_ids(r) {
            named += 1;
            if !found.contains(&id) {
                return Err(format!(
                    "the patient of {} {}: expected Patient/{} (found by the search), got Patient/{id}",
                    r.request.method,
                    r.url,
                    found.first().map_or("(none found)", String::as_str)
                ));
            }
        }
    }
    if named == 0 {
        return Err(format!(
            "the requests after the patient search: expected one naming the patient it found, got {}",
            names(rs)
        ));
    }
    Ok(())
}

/// The index of the first request answered with an error, with its status.
fn first_error(rs: &[Inspected]) -> Option<(usize, u16)> {
    rs.iter()
        .enumerate()
        .find_map(|(i, r)| r.status().filter(|s| *s >= 400).map(|s| (i, s)))
}

#[then("the consumer made no request after the error")]
fn nothing_after_error(w: &mut GpcWorld) -> Step {
    let rs = requests(w)?;
    let (i, status) =
        first_error(rs).ok_or("no request of the consumer was answered with an error")?;
    match rs.get(i + 1) {
        None => Ok(()),
        Some(next) => Err(format!(
            "the consumer's requests after the {status} answer to {}: expected none, got {} {}",
            rs[i].request.line(),
            next.request.method,
            next.url
        )),
    }
}

#[then("the consumer did not repeat the failed request")]
fn no_blind_retry(w: &mut GpcWorld) -> Step {
    let rs = requests(w)?;
    let (i, status) =
        first_error(rs).ok_or("no request of the consumer was answered with an error")?;
    let failed = &rs[i];
    let repeat = rs[i + 1..].iter().find(|r| {
        r.request.method == failed.request.method
            && r.request.target == failed.request.target
            && r.request.body == failed.request.body
    });
    match repeat {
        None => Ok(()),
        Some(r) => Err(format!(
            "the request after the {status} answer: expected no blind repeat of {}, got the same request again{}",
            failed.request.line(),
            if r.trace_id() == failed.trace_id() { " with the same Ssp-TraceID" } else { "" }
        )),
    }
}

#[then("every request of the consumer had its own TraceID")]
fn own_trace_ids(w: &mut GpcWorld) -> Step {
    let rs = requests(w)?;
    let mut seen = std::collections::HashSet::new();
    for r in rs {
        let t = r.trace_id().unwrap_or_default().to_ascii_lowercase();
        if !seen.insert(t.clone()) {
            return Err(format!(
                "header Ssp-TraceID of {} {}: expected a new TraceID, got `{t}` again",
                r.request.method, r.url
            ));
        }
    }
    Ok(())
}

#[then(
    expr = "after the conflict the consumer read the appointment again and sent its new version in If-Match"
)]
fn reread_after_conflict(w: &mut GpcWorld) -> Step {
    let rs = requests(w)?;
    let (i, status) =
        first_error(rs).ok_or("no request of the consumer was answered with an error")?;
    if status != 409 {
        return Err(format!(
            "the consumer's first error: expected a 409 conflict, got {status}"
        ));
    }
    let read = rs[i + 1..]
        .iter()
        .position(|r| r.interaction() == Some(Interaction::AppointmentRead))
        .map(|p| p + i + 1)
        .ok_or_else(|| {
            format!(
                "the requests after the 409: expected an AppointmentRead, got {}",
                names(&rs[i + 1..])
            )
        })?;
    let etag = rs[read]
        .response
        .as_ref()
        .and_then(|resp| {
            resp.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("etag"))
        })
        .map(|(_, v)| v.clone())
        .ok_or("the AppointmentRead after the conflict got no ETag")?;
    let update = rs[read + 1..]
        .iter()
        .find(|r| r.request.method == "PUT")
        .ok_or_else(|| {
            format!(
                "the requests after the re-read: expected the update again, got {}",
                names(&rs[read + 1..])
            )
        })?;
    let sent = update.request.header("if-match").unwrap_or_default();
    if sent.trim() != etag {
        return Err(format!(
            "header If-Match of the repeated update: expected {etag} (the ETag of the re-read), got {}",
            if sent.is_empty() { "it is absent".to_string() } else { format!("`{sent}`") }
        ));
    }
    Ok(())
}
