//! Consumer steps: the harness asks the consumer under test to perform a task (through the run's driver), the
//! inspecting provider logs and judges every request it makes, and the Then-steps state what the requests must be.
//!
//! - this module: the task, its parameters, scripted provider errors and `When the consumer performs the task`;
//! - [`expect`]: the Then-steps over the consumer's requests.

mod expect;

use std::collections::BTreeMap;

use cucumber::{given, when};
use serde_json::{json, Value};

use super::GpcWorld;
use crate::client::{Exchange, OutgoingRequest, RecordedResponse};
use crate::consumer::inspector::ScriptedError;
use crate::consumer::{Harness, Inspected, Task, TaskRequest};
use crate::spine::catalogue::Interaction;
use crate::spine::headers::system;

type Step = Result<(), String>;

/// What a consumer scenario holds: the task, and the requests the consumer made while performing it.
#[derive(Debug, Default)]
pub struct ConsumerState {
    pub task: Option<TaskRequest>,
    /// The consumer's requests, oldest first (set when the consumer has acted).
    pub requests: Vec<Inspected>,
    pub acted: bool,
    /// What the driver did (evidence).
    pub driver_log: Vec<String>,
}

fn harness(w: &GpcWorld) -> Result<std::sync::Arc<Harness>, String> {
    w.ctx.consumer.clone().ok_or_else(|| {
        "consumer steps run in a consumer run only (`gpc-assure consumer run`)".to_string()
    })
}

fn task_mut(w: &mut GpcWorld) -> Result<&mut TaskRequest, String> {
    w.consumer.task.as_mut().ok_or_else(|| {
        "no task yet: start with `Given the consumer is asked to \"<task>\"`".to_string()
    })
}

/// The parameters the harness gives a task unless the scenario says otherwise (resolved through the test-data
/// map, looked up on the provider where only the provider knows an id).
async fn default_params(w: &mut GpcWorld, task: Task) -> Result<BTreeMap<String, String>, String> {
    let mut p = BTreeMap::new();
    let mut set = |k: &str, v: String| {
        p.insert(k.to_string(), v);
    };
    match task {
        Task::ReadMetadata => set("capability", "foundations".into()),
        Task::FindPatient
        | Task::GetStructuredRecord
        | Task::MigrateStructuredRecord
        | Task::FindDocuments
        | Task::RetrieveDocument => set("nhs_number", w.nhs("patient2")?),
        Task::RegisterPatient => {
            let person = w
                .ctx
                .next_pool_patient()
                .ok_or("the test-data map has no register_pool identity to register")?;
            set("nhs_number", person.nhs_number);
            set("family", person.family);
            set("given", person.given);
            set("birth_date", person.birth_date);
            set("gender", person.gender);
        }
        Task::FindPractitioner => set("sds_user_id", w.expand("{sds:practitioner1}")?),
        Task::ReadPractitioner => {
            let sds = w.expand("{sds:practitioner1}")?;
            let found = w
                .search_one(
                    Interaction::PractitionerSearch,
                    format!("{}|{sds}", system::SDS_USER),
                )
                .await?;
            set("practitioner_id", id_of(&found)?);
        }
        Task::FindOrganization => set("ods_code", w.expand("{ods:ORG1}")?),
        Task::ReadOrganization => {
            let ods = w.expand("{ods:ORG1}")?;
            let found = w
                .search_one(
                    Interaction::OrganizationSearch,
                    format!("{}|{ods}", system::ODS_ORGANIZATION),
                )
                .await?;
            set("organization_id", id_of(&found)?);
        }
        Task::ReadLocation => set("location_id", w.expand("{loc:SIT1}")?),
        Task::SearchSlots => {
            set("start", w.expand("{date:+1}")?);
            set("end", w.expand("{date:+7}")?);
        }
        Task::BookAppointment => {
            set("nhs_number", w.nhs("patient2")?);
            set("start", w.expand("{date:+1}")?);
            set("end", w.expand("{date:+7}")?);
        }
        Task::RetrieveAppointments => {
            set("nhs_number", w.nhs("patient2")?);
            set("start", w.expand("{date:+0}")?);
            set("end", w.expand("{date:+13}")?);
        }
        Task::ReadAppointment | Task::AmendAppointment | Task::CancelAppointment => {
            let id = w.stored.get("appointment").cloned().ok_or(
                "the task needs an appointment: book one first (`Given I have booked an appointment for patient \"patient2\"`)",
            )?;
            set("appointment_id", id);
            match task {
                Task::AmendAppointment => {
                    set("comment", "Please bring your repeat medication list".into())
                }
                Task::CancelAppointment => set("reason", "The patient has recovered".into()),
                _ => {}
            }
        }
    }
    if task == Task::GetStructuredRecord {
        p.insert("include".into(), "includeAllergies".into());
    }
    Ok(p)
}

fn id_of(resource: &Value) -> Result<String, String> {
    resource
        .get("id")
        .and_then(Value::as_str)
        .map(String::from)
        .ok_or_else(|| "the resource found has no id".to_string())
}

#[given(expr = "the consumer is asked to {string}")]
async fn asked_to(w: &mut GpcWorld, name: String) -> Step {
    let h = harness(w)?;
    let task = Task::parse(&name)?;
    h.inspector.clear_scripts();
    let mut params = h.context_params(&w.ctx.clock.now().to_rfc3339());
    params.extend(default_params(w, task).await?);
    w.consumer.task = Some(TaskRequest { task, params });
    Ok(())
}

#[given(expr = "the task's {string} is {string}")]
fn task_param(w: &mut GpcWorld, name: String, value: String) -> Step {
    let value = w.expand(&value)?;
    task_mut(w)?.params.insert(name, value);
    Ok(())
}

fn script(w: &GpcWorld, interaction: &str, error: &str, times: Option<u32>) -> Step {
    let h = harness(w)?;
    h.inspector
        .script(ScriptedError {
            interaction: interaction.to_string(),
            error: error.to_string(),
            times,
        })
        .map_err(|e| e.to_string())
}

#[given(expr = "the provider answers every {string} request with {string}")]
fn answers_every(w: &mut GpcWorld, interaction: String, error: String) -> Step {
    script(w, &interaction, &error, None)
}

#[given(expr = "the provider answers the next {string} request with {string}")]
fn answers_next(w: &mut GpcWorld, interaction: String, error: String) -> Step {
    script(w, &interaction, &error, Some(1))
}

#[when("the consumer performs the task")]
async fn performs(w: &mut GpcWorld) -> Step {
    let h = harness(w)?;
    let task = w
        .consumer
        .task
        .clone()
        .ok_or("no task: start with `Given the consumer is asked to \"<task>\"`")?;
    let test_id = w.stored.get(TEST_ID_KEY).cloned().unwrap_or_default();
    let mark = h.inspector.mark();
    let acted = h.driver.act(&task, &test_id, &h.inspector).await;
    h.inspector.clear_scripts();
    let requests = h.inspector.since(mark);
    w.consumer.acted = true;
    for r in &requests {
        w.exchanges.push(exchange_of(r));
        w.validations.push(json!({
            "of": format!("the consumer's request {}", r.request.line()),
            "request": r.request.line(),
            "interaction": r.interaction,
            "findings": r.findings,
            "provider_findings": r.provider_findings,
        }));
    }
    w.consumer.requests = requests;
    let report = acted?;
    w.consumer.driver_log = report.log;
    if let Some(captured) = report.replayed_task {
        w.consumer.task = Some(captured);
    }
    provider_side(&w.consumer.requests)?;
    if w.consumer.requests.is_empty() {
        return Err(format!(
            "the consumer made no request to the provider while performing `{}` ({})",
            task.task,
            w.consumer.driver_log.join("; ")
        ));
    }
    Ok(())
}

/// Fails with the first provider finding (proxy driver: the real provider's answers are judged too), in the
/// sentence form of consumer findings, and the count of the others.
fn provider_side(requests: &[Inspected]) -> Step {
    let mut all = requests
        .iter()
        .flat_map(|r| r.provider_findings.iter().map(move |f| (r, f)));
    let Some((r, f)) = all.next() else {
        return Ok(());
    };
    let more = all.count();
    let mut text = if f.rule == crate::consumer::rules::provider::UPSTREAM_ANSWERS.id {
        format!(
            "provider side: the {} did not answer: {} (rule {}; response to {} {})",
            f.at, f.actual, f.rule, r.request.method, r.url
        )
    } else {
        format!(
            "provider side: {} of the response to {} {} (rule {}: {}): expected {}, got {}",
            f.at,
            r.request.method,
            r.url,
            f.rule,
            f.requirement.lines().next().unwrap_or_default(),
            f.expected,
            f.actual
        )
    };
    if more > 0 {
        text.push_str(&format!(
            "\n(and {more} more provider findings: see the evidence)"
        ));
    }
    Err(text)
}

/// Where the runner leaves the test id for the driver (`stored` is scenario-local).
pub const TEST_ID_KEY: &str = "__test_id";

/// An inspected request as an evidence exchange.
fn exchange_of(r: &Inspected) -> Exchange {
    let jwt = r
        .request
        .header("authorization")
        .and_then(|a| a.strip_prefix("Bearer "))
        .and_then(|t| crate::spine::jwt::Jwt::decode(t.trim()).ok())
        .map(|(j, sig)| json!({ "header": j.header, "claims": j.claims, "signature": sig }));
    Exchange {
        request: OutgoingRequest {
            method: r.request.method.clone(),
            url: r.url.clone(),
            headers: r.request.headers.clone(),
            body: (!r.request.body.is_empty()).then(|| r.request.body.clone()),
        },
        response: r.response.as_ref().map(|resp| RecordedResponse {
            status: resp.status,
            headers: resp.headers.clone(),
            body: resp.body.clone().into_bytes(),
            wire_bytes: resp.body.len(),
        }),
        error: None,
        started_at: chrono::DateTime::from_timestamp(r.request.received_at, 0)
            .map(|d| d.to_rfc3339())
            .unwrap_or_default(),
        elapsed_ms: 0.0,
        jwt,
    }
}
