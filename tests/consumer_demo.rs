//! The reference consumer against the reference provider over real HTTP: every task completes without faults,
//! and a few faults do what they say (the kill matrix proper lives with the consumer rules). A small scripted
//! provider checks the 409 Conflict rule (read again once, then retry), which the reference provider cannot be
//! made to answer on demand.

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{Duration, NaiveDate};
use gpc_assure::clock::Clock;
use gpc_assure::config::DEFAULT_PROVIDER_ASID;
use gpc_assure::consumer::demo::{self, ConsumerFault, DemoError, Failure, Outcome};
use gpc_assure::consumer::task::{Task, TaskRequest};
use gpc_assure::provider::{self, ProviderOptions, RunningProvider};
use gpc_assure::spine::catalogue::Capability;
use serde_json::{json, Value};

const PATIENT1: &str = "9690937278";
const PATIENT2: &str = "9690937286";

async fn start_provider() -> RunningProvider {
    provider::start("127.0.0.1:0", ProviderOptions::default())
        .await
        .expect("the reference provider starts")
}

fn uk_today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}

fn day(offset: i64) -> String {
    (uk_today() + Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

/// A task with the provider's context parameters and its own.
fn request(p: &RunningProvider, task: Task, own: &[(&str, &str)]) -> TaskRequest {
    let mut params: std::collections::BTreeMap<String, String> = own
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    params.insert("base_url".into(), p.base_url.clone());
    for (c, root) in p.service_roots() {
        if c != Capability::Html {
            params.insert(format!("{}_url", c.tag()), root);
        }
    }
    params.insert("provider_asid".into(), DEFAULT_PROVIDER_ASID.into());
    params.insert("provider_ods_code".into(), "B82617".into());
    params.insert("now".into(), chrono::Utc::now().to_rfc3339());
    TaskRequest { task, params }
}

async fn run(
    p: &RunningProvider,
    task: Task,
    own: &[(&str, &str)],
    faults: &[ConsumerFault],
) -> Outcome {
    demo::perform(&request(p, task, own), faults, Clock::system())
        .await
        .unwrap_or_else(|e| panic!("{task} could not be performed: {e}"))
}

/// Performs a task that must complete; returns its outcome.
async fn completes(p: &RunningProvider, task: Task, own: &[(&str, &str)]) -> Outcome {
    let o = run(p, task, own, &[]).await;
    assert!(
        o.completed,
        "{task} did not complete: {:?}\nrequests: {:#?}",
        o.failures, o.requests
    );
    o
}

fn text(o: &Outcome, key: &str) -> String {
    match o.result.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        other => panic!("{}: result `{key}` is {other:?}", o.task),
    }
}

fn number(o: &Outcome, key: &str) -> u64 {
    o.result
        .get(key)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("{}: result `{key}` is not a number: {:?}", o.task, o.result))
}

fn first_id(o: &Outcome, key: &str) -> String {
    o.result
        .get(key)
        .and_then(|v| v.get(0))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{}: result `{key}` lists no id: {:?}", o.task, o.result))
        .to_string()
}

async fn book(p: &RunningProvider, nhs: &str) -> String {
    let o = completes(
        p,
        Task::BookAppointment,
        &[("nhs_number", nhs), ("start", &day(0)), ("end", &day(13))],
    )
    .await;
    text(&o, "appointment_id")
}

#[tokio::test]
async fn every_task_completes_against_the_reference_provider() {
    let p = start_provider().await;
    let mut done: BTreeSet<Task> = BTreeSet::new();
    let mut trace_ids: HashSet<String> = HashSet::new();
    let mut outcomes = Vec::new();

    for capability in ["foundations", "appointments", "structured", "documents"] {
        let o = completes(&p, Task::ReadMetadata, &[("capability", capability)]).await;
        assert!(o.result.contains_key("capability_statement"), "{o:?}");
        outcomes.push(o);
    }
    let o = completes(&p, Task::FindPatient, &[("nhs_number", PATIENT2)]).await;
    assert_eq!(number(&o, "patients"), 1);
    let printed = serde_json::to_value(&o).expect("an outcome is JSON");
    assert_eq!(printed["task"], "find_patient");
    assert_eq!(printed["completed"], true);
    assert_eq!(
        printed["requests"][0]["interaction"],
        gpc_assure::spine::catalogue::Interaction::PatientSearch.name()
    );
    assert_eq!(printed["requests"][0]["status"], 200);
    assert!(printed.get("failures").is_none(), "{printed}");
    outcomes.push(o);
    let o = completes(
        &p,
        Task::RegisterPatient,
        &[
            ("nhs_number", "9651258500"),
            ("family", "REA"),
            ("given", "Clive"),
            ("birth_date", "1951-03-10"),
            ("gender", "male"),
        ],
    )
    .await;
    assert!(!text(&o, "patient_id").is_empty());
    outcomes.push(o);

    let o = completes(&p, Task::FindPractitioner, &[("sds_user_id", "G13579135")]).await;
    let practitioner = first_id(&o, "practitioner_ids");
    outcomes.push(o);
    outcomes.push(
        completes(
            &p,
            Task::ReadPractitioner,
            &[("practitioner_id", &practitioner)],
        )
        .await,
    );
    let o = completes(&p, Task::FindOrganization, &[("ods_code", "B82617")]).await;
    let organization = first_id(&o, "organization_ids");
    outcomes.push(o);
    outcomes.push(
        completes(
            &p,
            Task::ReadOrganization,
            &[("organization_id", &organization)],
        )
        .await,
    );
    outcomes.push(completes(&p, Task::ReadLocation, &[("location_id", "1")]).await);

    let o = completes(
        &p,
        Task::SearchSlots,
        &[("start", &day(0)), ("end", &day(14))],
    )
    .await;
    assert!(number(&o, "free_slots") > 0, "{o:?}");
    outcomes.push(o);

    let appointment = book(&p, PATIENT1).await;
    done.insert(Task::BookAppointment);
    let o = completes(
        &p,
        Task::ReadAppointment,
        &[("appointment_id", &appointment)],
    )
    .await;
    assert_eq!(text(&o, "status"), "booked");
    outcomes.push(o);
    let o = completes(
        &p,
        Task::RetrieveAppointments,
        &[
            ("nhs_number", PATIENT1),
            ("start", &day(0)),
            ("end", &day(14)),
        ],
    )
    .await;
    assert!(o.result["appointment_ids"]
        .as_array()
        .is_some_and(|ids| ids.iter().any(|i| i.as_str() == Some(appointment.as_str()))));
    outcomes.push(o);
    let o = completes(
        &p,
        Task::AmendAppointment,
        &[
            ("appointment_id", &appointment),
            ("comment", "Please bring your inhaler"),
        ],
    )
    .await;
    assert_eq!(text(&o, "comment"), "Please bring your inhaler");
    assert_eq!(o.requests.len(), 2, "read then amend: {:?}", o.requests);
    outcomes.push(o);
    let o = completes(
        &p,
        Task::CancelAppointment,
        &[
            ("appointment_id", &appointment),
            ("reason", "Patient feels better"),
        ],
    )
    .await;
    assert_eq!(text(&o, "status"), "cancelled");
    outcomes.push(o);

    let o = completes(
        &p,
        Task::GetStructuredRecord,
        &[
            ("nhs_number", PATIENT2),
            ("include", "includeAllergies,includeMedication"),
        ],
    )
    .await;
    assert!(number(&o, "entries") > 0, "{o:?}");
    outcomes.push(o);
    let o = completes(
        &p,
        Task::MigrateStructuredRecord,
        &[("nhs_number", PATIENT2)],
    )
    .await;
    assert!(number(&o, "entries") > 0, "{o:?}");
    outcomes.push(o);
    let o = completes(&p, Task::FindDocuments, &[("nhs_number", PATIENT2)]).await;
    assert!(number(&o, "documents") > 0, "{o:?}");
    outcomes.push(o);
    let o = completes(&p, Task::RetrieveDocument, &[("nhs_number", PATIENT2)]).await;
    assert!(number(&o, "size") > 0, "{o:?}");
    outcomes.push(o);

    for o in &outcomes {
        done.insert(o.task);
        for r in &o.requests {
            let id = r.trace_id.clone().expect("every request has a TraceID");
            assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
            assert!(trace_ids.insert(id), "TraceID reused: {r:?}");
            assert!((200..300).contains(&r.status), "{r:?}");
        }
    }
    let all: BTreeSet<Task> = Task::ALL.iter().copied().collect();
    assert_eq!(done, all, "every task is exercised");
    p.stop().await;
}

fn provider_error(o: &Outcome) -> u16 {
    match o.failures.first() {
        Some(Failure::ProviderError { status, .. }) => *status,
        other => panic!(
            "{}: expected a provider error, got {other:?} ({:?})",
            o.task, o.requests
        ),
    }
}

#[tokio::test]
async fn request_faults_do_what_they_say() {
    let p = start_provider().await;
    let find = [("nhs_number", PATIENT2)];

    // The same TraceID on every request, in every run.
    let o = run(
        &p,
        Task::FindDocuments,
        &find,
        &[ConsumerFault::ReusedTraceId],
    )
    .await;
    assert_eq!(o.requests.len(), 2);
    for r in &o.requests {
        assert_eq!(r.trace_id.as_deref(), Some(demo::REUSED_TRACE_ID));
    }
    let o = run(
        &p,
        Task::FindPatient,
        &find,
        &[ConsumerFault::TraceIdNotUuid],
    )
    .await;
    assert_eq!(provider_error(&o), 400);

    for fault in [
        ConsumerFault::WrongScope,
        ConsumerFault::JwtExp600,
        ConsumerFault::SignedJwt,
        ConsumerFault::SubMismatch,
        ConsumerFault::OrgNoOds,
        ConsumerFault::MissingSdsUserId,
        ConsumerFault::MissingSspFrom,
        ConsumerFault::WrongSspTo,
        ConsumerFault::WrongInteractionId,
        ConsumerFault::JwtExpired,
    ] {
        let o = run(&p, Task::FindPatient, &find, &[fault]).await;
        assert!(
            !o.completed,
            "{fault}: the provider accepted {:?}",
            o.requests
        );
        assert_eq!(
            o.requests.len(),
            1,
            "{fault}: the consumer stops at an error"
        );
        assert_eq!(o.faults, vec![fault.name()]);
    }
    let o = run(
        &p,
        Task::FindPatient,
        &find,
        &[ConsumerFault::DeviceWrongType],
    )
    .await;
    assert_eq!(provider_error(&o), 422);
    // The reference provider accepts the DSTU2 media types (FHIR's compatibility advice): only the consumer
    // rules can notice this one.
    let o = run(
        &p,
        Task::FindPatient,
        &find,
        &[ConsumerFault::Dstu2MediaType],
    )
    .await;
    assert_eq!(o.requests.len(), 1, "{:?}", o.requests);

    let o = run(
        &p,
        Task::GetStructuredRecord,
        &[("nhs_number", PATIENT2), ("include", "includeAllergies")],
        &[ConsumerFault::StructuredForbiddenCombination],
    )
    .await;
    assert_eq!(provider_error(&o), 422);
    let o = run(
        &p,
        Task::SearchSlots,
        &[("start", &day(0)), ("end", &day(3))],
        &[ConsumerFault::SlotSearchWithoutSchedule],
    )
    .await;
    assert_eq!(provider_error(&o), 400);
    let o = run(
        &p,
        Task::FindDocuments,
        &find,
        &[ConsumerFault::DocumentsSearchWithoutIncludes],
    )
    .await;
    assert_eq!(provider_error(&o), 422);
    p.stop().await;
}

#[tokio::test]
async fn behaviour_faults_retry_carry_on_and_leave_out_if_match() {
    let p = start_provider().await;

    // blind-retry repeats the failed request byte for byte, TraceID and all.
    let o = run(
        &p,
        Task::FindPatient,
        &[("nhs_number", PATIENT2)],
        &[ConsumerFault::WrongScope, ConsumerFault::BlindRetry],
    )
    .await;
    assert_eq!(o.requests.len(), 2, "{:?}", o.requests);
    assert_eq!(o.requests[0].trace_id, o.requests[1].trace_id);
    assert!(o.requests[1].repeated);

    // continue-after-error books with a made-up patient after the search found none.
    let unknown = [
        ("nhs_number", "9999999999"),
        ("start", &day(0)),
        ("end", &day(13)),
    ];
    let o = run(&p, Task::BookAppointment, &unknown, &[]).await;
    assert_eq!(
        o.requests.len(),
        1,
        "the correct consumer stops: {:?}",
        o.requests
    );
    assert!(matches!(
        o.failures.first(),
        Some(Failure::UnusableResponse { .. })
    ));
    let o = run(
        &p,
        Task::BookAppointment,
        &unknown,
        &[ConsumerFault::ContinueAfterError],
    )
    .await;
    assert_eq!(o.requests.len(), 3, "{:?}", o.requests);
    assert_eq!(
        o.requests[2].interaction,
        gpc_assure::spine::catalogue::Interaction::AppointmentCreate.name()
    );
    assert!(o.failures.len() >= 2, "{:?}", o.failures);

    // amend without If-Match: the provider refuses (409); the consumer reads again once and gives up.
    let appointment = book(&p, PATIENT1).await;
    let amend = [("appointment_id", appointment.as_str()), ("comment", "x")];
    let o = run(
        &p,
        Task::AmendAppointment,
        &amend,
        &[ConsumerFault::AmendWithoutIfMatch],
    )
    .await;
    assert_eq!(provider_error(&o), 409);
    let methods: Vec<&str> = o.requests.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods, ["GET", "PUT", "GET", "PUT"]);
    let cancel = [("appointment_id", appointment.as_str()), ("reason", "x")];
    let o = run(
        &p,
        Task::CancelAppointment,
        &cancel,
        &[ConsumerFault::CancelWithoutReason],
    )
    .await;
    assert_eq!(provider_error(&o), 422);
    let o = run(
        &p,
        Task::AmendAppointment,
        &amend,
        &[ConsumerFault::NoRereadOnConflict],
    )
    .await;
    assert!(o.completed, "no conflict, no difference: {:?}", o.failures);

    // A missing parameter is the caller's error, before any request.
    let mut r = request(&p, Task::FindPatient, &[]);
    r.params.remove("nhs_number");
    let e = demo::perform(&r, &[], Clock::system())
        .await
        .expect_err("no NHS number");
    assert!(
        matches!(e, DemoError::MissingParameter { .. }) && e.is_usage(),
        "{e}"
    );
    p.stop().await;
}

/// A provider whose first update of Appointment/1 meets a concurrent change: 409, and the version moves on.
async fn conflicting_provider() -> (String, tokio::task::JoinHandle<()>) {
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;

    #[derive(Default)]
    struct Book {
        version: u32,
        updates: u32,
    }
    type Shared = Arc<Mutex<Book>>;

    fn appointment(version: u32) -> Value {
        json!({ "resourceType": "Appointment", "id": "1", "meta": { "versionId": version.to_string() },
            "status": "booked", "description": "d" })
    }
    fn reply(status: StatusCode, version: u32, body: Value) -> axum::response::Response {
        let etag = format!("W/\"{version}\"");
        (
            status,
            [
                ("etag", etag),
                ("content-type", "application/fhir+json".into()),
            ],
            body.to_string(),
        )
            .into_response()
    }
    async fn read(State(book): State<Shared>) -> axum::response::Response {
        let v = book.lock().map(|mut b| {
            b.version = b.version.max(1);
            b.version
        });
        let v = v.unwrap_or(1);
        reply(StatusCode::OK, v, appointment(v))
    }
    async fn update(State(book): State<Shared>, headers: HeaderMap) -> axum::response::Response {
        let sent = headers
            .get("if-match")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let Ok(mut b) = book.lock() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        b.updates += 1;
        let current = format!("W/\"{}\"", b.version);
        if b.updates == 1 || sent.as_deref() != Some(current.as_str()) {
            b.version += u32::from(b.updates == 1);
            let outcome = json!({ "resourceType": "OperationOutcome", "issue": [{ "severity": "error",
                "code": "conflict", "details": { "coding": [{ "code": "FHIR_CONSTRAINT_VIOLATION" }] } }] });
            return reply(StatusCode::CONFLICT, b.version, outcome);
        }
        b.version += 1;
        reply(StatusCode::OK, b.version, appointment(b.version))
    }

    let app = axum::Router::new()
        .route("/fhir/Appointment/1", axum::routing::get(read).put(update))
        .with_state(Shared::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr = listener.local_addr().expect("an address");
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/fhir"), server)
}

fn amend_on(root: &str) -> TaskRequest {
    let params = [
        ("appointments_url", root),
        ("provider_asid", DEFAULT_PROVIDER_ASID),
        ("appointment_id", "1"),
        ("comment", "changed"),
    ];
    TaskRequest {
        task: Task::AmendAppointment,
        params: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

#[tokio::test]
async fn a_conflict_is_read_again_once_unless_the_fault_says_otherwise() {
    let (root, server) = conflicting_provider().await;
    let o = demo::perform(&amend_on(&root), &[], Clock::system())
        .await
        .expect("performed");
    assert!(o.completed, "{:?}", o.failures);
    let seen: Vec<(&str, u16)> = o
        .requests
        .iter()
        .map(|r| (r.method.as_str(), r.status))
        .collect();
    assert_eq!(
        seen,
        [("GET", 200), ("PUT", 409), ("GET", 200), ("PUT", 200)]
    );
    server.abort();

    let (root, server) = conflicting_provider().await;
    let o = demo::perform(
        &amend_on(&root),
        &[ConsumerFault::NoRereadOnConflict],
        Clock::system(),
    )
    .await
    .expect("performed");
    let seen: Vec<(&str, u16)> = o
        .requests
        .iter()
        .map(|r| (r.method.as_str(), r.status))
        .collect();
    assert_eq!(seen, [("GET", 200), ("PUT", 409), ("PUT", 409)]);
    assert_eq!(provider_error(&o), 409);
    server.abort();
}
