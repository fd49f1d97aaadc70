//! Smoke test of the reference provider's Access Record HTML (DSTU2) root over HTTP: the Conformance, a care
//! record in JSON and XML with the DSTU2 media types and chunked encoding, and a 0.x error.

use base64::Engine;
use serde_json::{json, Value};

use gpc_assure::clock::Clock;
use gpc_assure::provider::{self, ProviderOptions};
use gpc_assure::spine::catalogue::{Capability, Interaction};

const NOW: i64 = 1_774_742_400; // 2026-03-29T00:00:00Z

fn token(scope: &str, record: Value) -> String {
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let claims = json!({
        "iss": "http://consumer.example", "sub": "1", "aud": "https://authorize.fhir.nhs.net/token",
        "exp": NOW + 300, "iat": NOW, "reason_for_request": "directcare", "requested_scope": scope,
        "requested_record": record,
        "requesting_device": { "resourceType": "Device", "id": "1",
            "identifier": [{ "system": "http://consumer.example/device", "value": "d1" }], "model": "m", "version": "1" },
        "requesting_organization": { "resourceType": "Organization", "id": "1",
            "identifier": [{ "system": "http://fhir.nhs.net/Id/ods-organization-code", "value": "R1A14" }], "name": "Org" },
        "requesting_practitioner": { "resourceType": "Practitioner", "id": "1",
            "identifier": [{ "system": "http://fhir.nhs.net/sds-user-id", "value": "G13579135" }],
            "name": { "family": ["Jones"], "given": ["Claire"] } }
    });
    format!(
        "{}.{}.",
        b64(json!({ "alg": "none", "typ": "JWT" })),
        b64(claims)
    )
}

fn patient(nhs: &str) -> Value {
    json!({ "resourceType": "Patient", "identifier": [{ "system": "http://fhir.nhs.net/Id/nhs-number", "value": nhs }] })
}

#[tokio::test]
async fn the_html_root_answers_dstu2() {
    let clock = Clock::starting_at(Clock::parse_instant("2026-03-29T00:00:00Z").expect("instant"));
    let p = provider::start(
        "127.0.0.1:0",
        ProviderOptions {
            clock,
            ..ProviderOptions::default()
        },
    )
    .await
    .expect("provider starts");
    let root = p
        .service_roots()
        .into_iter()
        .find(|(c, _)| *c == Capability::Html)
        .map(|(_, r)| r)
        .expect("an html root");
    let http = reqwest::Client::new();
    let send = |interaction: Interaction, path: &str, jwt: String| {
        http.request(
            reqwest::Method::from_bytes(interaction.method().as_str().as_bytes()).expect("method"),
            format!("{root}{path}"),
        )
        .header("Ssp-TraceID", "629ea9ba-a077-4d99-b289-7a9b19fd4e03")
        .header("Ssp-From", "200000000359")
        .header("Ssp-To", gpc_assure::config::DEFAULT_PROVIDER_ASID)
        .header("Ssp-InteractionID", interaction.urn())
        .header("Authorization", format!("Bearer {jwt}"))
    };
    let org = json!({ "resourceType": "Organization",
        "identifier": [{ "system": "http://fhir.nhs.net/Id/ods-organization-code", "value": "B82617" }] });
    let r = send(
        Interaction::HtmlMetadataRead,
        "/metadata",
        token("organization/*.read", org),
    )
    .send()
    .await
    .expect("metadata");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/json+fhir;charset=utf-8"
    );
    let body: Value = serde_json::from_str(&r.text().await.expect("text")).expect("JSON");
    assert_eq!(
        (body["resourceType"].as_str(), body["fhirVersion"].as_str()),
        (Some("Conformance"), Some("1.0.2"))
    );

    let parameters = json!({ "resourceType": "Parameters", "parameter": [
        { "name": "patientNHSNumber", "valueIdentifier": { "system": "http://fhir.nhs.net/Id/nhs-number", "value": "9658218873" } },
        { "name": "recordSection", "valueCodeableConcept": { "coding": [
            { "system": "http://fhir.nhs.net/ValueSet/gpconnect-record-section-1", "code": "SUM" }] } } ] });
    let care = |accept: &'static str| {
        send(
            Interaction::GetCareRecord,
            "/Patient/$gpc.getcarerecord",
            token("patient/*.read", patient("9658218873")),
        )
        .header("Content-Type", "application/json+fhir")
        .header("Accept", accept)
        .body(parameters.to_string())
    };
    let r = care("application/json+fhir")
        .send()
        .await
        .expect("care record");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers().get("transfer-encoding").map(|v| v.as_bytes()),
        Some(&b"chunked"[..])
    );
    let bundle: Value = serde_json::from_str(&r.text().await.expect("text")).expect("JSON");
    assert_eq!(
        bundle["entry"][0]["resource"]["resourceType"],
        "Composition"
    );
    let r = care("application/xml+fhir")
        .send()
        .await
        .expect("care record in XML");
    assert_eq!(
        r.headers()["content-type"],
        "application/xml+fhir;charset=utf-8"
    );
    assert!(r
        .text()
        .await
        .expect("text")
        .contains("<Bundle xmlns=\"http://hl7.org/fhir\">"));

    let r = send(
        Interaction::GetCareRecord,
        "/Patient/$gpc.getcarerecord",
        token("patient/*.read", patient("9658220169")),
    )
    .header("Content-Type", "application/json+fhir")
    .body(parameters.to_string().replace("9658218873", "9658220169"))
    .send()
    .await
    .expect("no consent");
    assert_eq!(r.status(), 403);
    let outcome: Value = serde_json::from_str(&r.text().await.expect("text")).expect("JSON");
    assert_eq!(
        outcome["issue"][0]["details"]["coding"][0]["code"],
        "NO_PATIENT_CONSENT"
    );
    assert_eq!(
        outcome["issue"][0]["details"]["coding"][0]["system"],
        "http://fhir.nhs.net/ValueSet/gpconnect-error-or-warning-code-1"
    );
    p.stop().await;
}
