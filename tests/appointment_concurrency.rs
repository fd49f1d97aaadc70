//! Appointment Management against the reference provider over real HTTP: booking is atomic (many concurrent
//! bookings of one slot give exactly one 201 and 409 DUPLICATE_REJECTED for every other attempt), and one
//! appointment goes through book -> read -> amend -> cancel -> retrieve with versions, ETags and slot states.

use gpc_assure::config::{JwtConfig, DEFAULT_CONSUMER_ASID, DEFAULT_PROVIDER_ASID};
use gpc_assure::provider::{self, Fault, FaultSet, ProviderOptions, RunningProvider};
use gpc_assure::spine::catalogue::{Capability, Interaction};
use gpc_assure::spine::headers::{self, profile, system};
use gpc_assure::spine::jwt::Jwt;
use serde_json::{json, Value};

const CONCURRENT_BOOKINGS: usize = 60;

fn uk_today() -> chrono::NaiveDate {
    provider::uktime::local_date(chrono::Utc::now())
}

struct Answer {
    status: u16,
    etag: Option<String>,
    location: Option<String>,
    body: Value,
}

#[derive(Clone)]
struct Consumer {
    http: reqwest::Client,
    root: String,
}

impl Consumer {
    fn new(p: &RunningProvider) -> Self {
        let root = p
            .service_roots()
            .into_iter()
            .find(|(c, _)| *c == Capability::Appointments)
            .map(|(_, r)| r)
            .expect("the provider serves Appointment Management");
        Consumer {
            http: reqwest::Client::new(),
            root,
        }
    }

    async fn send(
        &self,
        i: Interaction,
        id: Option<&str>,
        query: &str,
        body: Option<(&str, String)>,
        extra: &[(&str, &str)],
    ) -> Answer {
        let now = chrono::Utc::now().timestamp();
        let token = Jwt::build(&JwtConfig::default(), &self.root, i.scope(), now).encode();
        let url = format!("{}{}{}", self.root, i.path_with(id), query);
        let method =
            reqwest::Method::from_bytes(i.method().as_str().as_bytes()).expect("an HTTP method");
        let mut rb = self
            .http
            .request(method, url)
            .header(headers::SSP_TRACE_ID, uuid::Uuid::new_v4().to_string())
            .header(headers::SSP_FROM, DEFAULT_CONSUMER_ASID)
            .header(headers::SSP_TO, DEFAULT_PROVIDER_ASID)
            .header(headers::SSP_INTERACTION_ID, i.urn())
            .header(headers::AUTHORIZATION, format!("Bearer {token}"))
            .header("accept", headers::FHIR_JSON);
        if let Some((content_type, b)) = body {
            rb = rb.header("content-type", content_type).body(b);
        }
        for (k, v) in extra {
            rb = rb.header(*k, *v);
        }
        let resp = rb.send().await.expect("the provider answers");
        let status = resp.status().as_u16();
        let header = |n: &str| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        };
        let (etag, location) = (header("etag"), header("location"));
        let text = resp.text().await.expect("a body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("a JSON body")
        };
        Answer {
            status,
            etag,
            location,
            body,
        }
    }

    /// Free slots (with their schedules) from tomorrow for `days` days.
    async fn free_slots(&self, days: i64) -> Vec<Value> {
        let from = uk_today() + chrono::Duration::days(1);
        let to = from + chrono::Duration::days(days);
        let q = format!("?start=ge{from}&end=le{to}&status=free&_include=Slot:schedule");
        let a = self
            .send(Interaction::SearchForFreeSlots, None, &q, None, &[])
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        a.body["entry"]
            .as_array()
            .map(|e| e.iter().map(|e| e["resource"].clone()).collect())
            .unwrap_or_default()
    }
}

fn slots_of(resources: &[Value]) -> Vec<&Value> {
    resources
        .iter()
        .filter(|r| r["resourceType"] == "Slot")
        .collect()
}

/// A booking of `slots` (adjacent, in order) for patient2 at `location`.
fn appointment(slots: &[&Value], location: &str) -> Value {
    let first = slots.first().expect("a slot");
    let last = slots.last().expect("a slot");
    json!({
        "resourceType": "Appointment",
        "meta": { "profile": [profile::APPOINTMENT] },
        "contained": [{
            "resourceType": "Organization",
            "id": "1",
            "meta": { "profile": [profile::ORGANIZATION] },
            "identifier": [{ "system": system::ODS_ORGANIZATION, "value": "GPCA0001" }],
            "name": "GP Connect Assurance",
            "telecom": [{ "system": "phone", "value": "0300 303 5678" }]
        }],
        "extension": [{ "url": profile::EXT_BOOKING_ORGANISATION, "valueReference": { "reference": "#1" } }],
        "status": "booked",
        "description": "Concurrency test booking",
        "start": first["start"],
        "end": last["end"],
        "slot": slots.iter().map(|s| json!({ "reference": format!("Slot/{}", s["id"].as_str().unwrap_or_default()) })).collect::<Vec<_>>(),
        "created": "2024-01-01T10:00:00+00:00",
        "participant": [
            { "actor": { "reference": "Patient/2" }, "status": "accepted" },
            { "actor": { "reference": location }, "status": "accepted" }
        ]
    })
}

fn location_of(resources: &[Value], slot: &Value) -> String {
    let schedule = slot["schedule"]["reference"].as_str().unwrap_or_default();
    resources
        .iter()
        .find(|r| format!("Schedule/{}", r["id"].as_str().unwrap_or_default()) == schedule)
        .and_then(|s| s["actor"].as_array())
        .and_then(|actors| {
            actors
                .iter()
                .filter_map(|a| a["reference"].as_str())
                .find(|r| r.starts_with("Location/"))
        })
        .expect("the schedule names its location")
        .to_string()
}

fn error_code(body: &Value) -> &str {
    body["issue"][0]["details"]["coding"][0]["code"]
        .as_str()
        .unwrap_or_default()
}

/// Fires [`CONCURRENT_BOOKINGS`] bookings of one slot at once; returns how many got 201 and how many 409
/// DUPLICATE_REJECTED.
async fn race(faults: FaultSet) -> (usize, usize, Vec<String>) {
    let p = provider::start(
        "127.0.0.1:0",
        ProviderOptions {
            faults,
            ..ProviderOptions::default()
        },
    )
    .await
    .expect("the provider starts");
    let consumer = Consumer::new(&p);
    let resources = consumer.free_slots(1).await;
    let slot = *slots_of(&resources).first().expect("a free slot tomorrow");
    let body = appointment(&[slot], &location_of(&resources, slot)).to_string();
    let attempts = (0..CONCURRENT_BOOKINGS).map(|_| {
        let c = consumer.clone();
        let b = body.clone();
        tokio::spawn(async move {
            c.send(
                Interaction::AppointmentCreate,
                None,
                "",
                Some((headers::FHIR_JSON, b)),
                &[],
            )
            .await
        })
    });
    let answers = futures::future::join_all(attempts).await;
    let (mut created, mut duplicate, mut other) = (0, 0, Vec::new());
    for a in answers {
        let a = a.expect("the booking task completes");
        match (a.status, error_code(&a.body)) {
            (201, _) => created += 1,
            (409, "DUPLICATE_REJECTED") => duplicate += 1,
            (s, _) => other.push(format!("{s} {}", a.body)),
        }
    }
    p.stop().await;
    (created, duplicate, other)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_bookings_of_one_slot_give_exactly_one_appointment() {
    let (created, duplicate, other) = race(FaultSet::default()).await;
    assert!(other.is_empty(), "unexpected answers: {other:#?}");
    assert_eq!(created, 1, "bookings that succeeded");
    assert_eq!(duplicate, CONCURRENT_BOOKINGS - 1, "bookings refused 409");

    // The same race against a provider that allows double booking must be seen to fail.
    let (created, _, _) = race(FaultSet::new([Fault::ApptDoubleBooking])).await;
    assert!(created > 1, "the double-booking fault went unnoticed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn book_read_amend_cancel_retrieve() {
    let p = provider::start("127.0.0.1:0", ProviderOptions::default())
        .await
        .expect("the provider starts");
    let c = Consumer::new(&p);
    let resources = c.free_slots(2).await;
    let slots = slots_of(&resources);
    let pair: Vec<&Value> = slots
        .windows(2)
        .find(|w| {
            w[0]["end"] == w[1]["start"]
                && w[0]["schedule"] == w[1]["schedule"]
                && w[0]["extension"] == w[1]["extension"]
                && w[0]["serviceType"] == w[1]["serviceType"]
        })
        .expect("two adjacent slots")
        .to_vec();
    let location = location_of(&resources, pair[0]);
    let json_body = |v: &Value| Some((headers::FHIR_JSON, v.to_string()));

    // Book two adjacent slots.
    let booked = c
        .send(
            Interaction::AppointmentCreate,
            None,
            "",
            json_body(&appointment(&pair, &location)),
            &[],
        )
        .await;
    assert_eq!(booked.status, 201, "{}", booked.body);
    let id = booked.body["id"].as_str().expect("an id").to_string();
    assert_eq!(booked.etag.as_deref(), Some("W/\"1\""));
    assert!(
        booked
            .location
            .as_deref()
            .is_some_and(|l| l.ends_with(&format!("/Appointment/{id}/_history/1"))),
        "{:?}",
        booked.location
    );
    assert_eq!(booked.body["start"], pair[0]["start"]);
    assert_eq!(booked.body["end"], pair[1]["end"]);
    let after = c.free_slots(2).await;
    assert!(
        !slots_of(&after).iter().any(|s| s["id"] == pair[0]["id"]),
        "a booked slot is no longer free"
    );

    // A non-adjacent pair is refused.
    let apart: Vec<&Value> = vec![slots[0], slots[slots.len() - 1]];
    let refused = c
        .send(
            Interaction::AppointmentCreate,
            None,
            "",
            json_body(&appointment(&apart, &location)),
            &[],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);

    // Read.
    let read = c
        .send(Interaction::AppointmentRead, Some(&id), "", None, &[])
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(read.etag.as_deref(), Some("W/\"1\""));

    // Amend: only with the current version, only description and comment.
    let mut amend = read.body.clone();
    amend["description"] = json!("Amended description");
    let stale = c
        .send(
            Interaction::AppointmentAmend,
            Some(&id),
            "",
            json_body(&amend),
            &[("if-match", "W/\"9\"")],
        )
        .await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    let mut forbidden = amend.clone();
    forbidden["priority"] = json!(1);
    let refused = c
        .send(
            Interaction::AppointmentAmend,
            Some(&id),
            "",
            json_body(&forbidden),
            &[("if-match", "W/\"1\"")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(error_code(&refused.body), "INVALID_RESOURCE");
    let amended = c
        .send(
            Interaction::AppointmentAmend,
            Some(&id),
            "",
            json_body(&amend),
            &[("if-match", "W/\"1\"")],
        )
        .await;
    assert_eq!(amended.status, 200, "{}", amended.body);
    assert_eq!(amended.etag.as_deref(), Some("W/\"2\""));
    assert_eq!(amended.body["description"], "Amended description");

    // Cancel: a reason is required; the slots are freed.
    let mut cancel = amended.body.clone();
    cancel["status"] = json!("cancelled");
    let no_reason = c
        .send(
            Interaction::AppointmentCancel,
            Some(&id),
            "",
            json_body(&cancel),
            &[("if-match", "W/\"2\"")],
        )
        .await;
    assert_eq!(no_reason.status, 422);
    assert_eq!(error_code(&no_reason.body), "INVALID_PARAMETER");
    if let Some(exts) = cancel["extension"].as_array_mut() {
        exts.push(
            json!({ "url": profile::EXT_CANCELLATION_REASON, "valueString": "double booked" }),
        );
    }
    let cancelled = c
        .send(
            Interaction::AppointmentCancel,
            Some(&id),
            "",
            json_body(&cancel),
            &[("if-match", "W/\"2\""), ("prefer", "return=minimal")],
        )
        .await;
    assert_eq!(cancelled.status, 200);
    assert_eq!(cancelled.etag.as_deref(), Some("W/\"3\""));
    assert_eq!(cancelled.body, Value::Null, "Prefer: return=minimal");
    let again = c.free_slots(2).await;
    assert!(slots_of(&again).iter().any(|s| s["id"] == pair[0]["id"]));

    // Retrieve returns the cancelled appointment too.
    let today = uk_today();
    let q = format!(
        "?start=ge{today}&start=le{}",
        today + chrono::Duration::days(7)
    );
    let found = c
        .send(Interaction::AppointmentSearch, Some("2"), &q, None, &[])
        .await;
    assert_eq!(found.status, 200);
    let statuses: Vec<&Value> = found.body["entry"]
        .as_array()
        .map(|e| e.iter().map(|e| &e["resource"]["status"]).collect())
        .unwrap_or_default();
    assert_eq!(statuses, vec![&json!("cancelled")]);

    // The freed slots can be booked again, this time in XML.
    let xml = gpc_assure::fhir::xml::json_to_xml(&appointment(&pair, &location))
        .expect("the booking serialises to XML");
    let rebooked = c
        .send(
            Interaction::AppointmentCreate,
            None,
            "",
            Some((headers::FHIR_XML, xml)),
            &[],
        )
        .await;
    assert_eq!(rebooked.status, 201, "{}", rebooked.body);
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_errors_not_panics() {
    let p = provider::start("127.0.0.1:0", ProviderOptions::default())
        .await
        .expect("the provider starts");
    let c = Consumer::new(&p);
    let bodies = [
        "[]".to_string(),
        "not json".to_string(),
        json!({ "resourceType": "Appointment" }).to_string(),
        json!({
            "resourceType": "Appointment",
            "meta": { "profile": [profile::APPOINTMENT] },
            "status": "booked", "description": "é".repeat(3),
            "start": "2030-01-01T09:00:00+00:00", "end": 5, "created": null,
            "participant": "x", "slot": [{ "reference": 5 }], "extension": [1, null, { "url": 3 }],
            "contained": ["x"]
        })
        .to_string(),
    ];
    for b in &bodies {
        for (interaction, id) in [
            (Interaction::AppointmentCreate, None),
            (Interaction::AppointmentAmend, Some("1")),
            (Interaction::AppointmentCancel, Some("1")),
        ] {
            let a = c
                .send(
                    interaction,
                    id,
                    "",
                    Some((headers::FHIR_JSON, b.clone())),
                    &[("if-match", "W/\"1\"")],
                )
                .await;
            assert!(
                (400..500).contains(&a.status),
                "{interaction} {b}: {} {}",
                a.status,
                a.body
            );
        }
    }
    for q in [
        "?start=ge%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9&end=le2030-01-01&status=free&_include=Slot:schedule",
        "?start=ge2030-01-01T09:00:00%2B0%C3%A9:0&end=le2030-01-01&status=free&_include=Slot:schedule",
        "?start=g&end=l&status=free&_include=Slot:schedule",
    ] {
        let a = c.send(Interaction::SearchForFreeSlots, None, q, None, &[]).await;
        assert_eq!(a.status, 422, "{q}: {}", a.body);
    }
    let a = c
        .send(
            Interaction::AppointmentSearch,
            Some("2"),
            "?start=ge%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9&start=le2030-01-01",
            None,
            &[],
        )
        .await;
    assert_eq!(a.status, 422, "{}", a.body);
    p.stop().await;
}
