//! Fuzz targets: every parser and judge of outside input, each a function of arbitrary bytes that must return
//! (a finding, an error) and never panic, hang or exhaust memory. [`engine`] feeds them mutated inputs from
//! seed corpora; `examples/fuzz.rs` runs millions (`docs/robustness.md`), `tests/fuzz_smoke.rs` a short smoke of
//! every target and every saved regression in CI.

pub mod engine;
mod provider;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::config::DefinitionSources;
use crate::fhir::FhirPath;
use crate::spine::catalogue::{Capability, Interaction};
use crate::validate::{Store, Validator, Validators};

/// A fuzz target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// FHIR JSON or XML (STU3) read into the validator's tree, and the FHIR version detected; the JSON reader
    /// (`fhir::json`) must give serde_json's value or error (a difference is a finding).
    FhirRead,
    /// FHIR XML into JSON with the STU3 model, and back to XML.
    FhirXmlStu3,
    /// FHIR XML into JSON with the DSTU2 model.
    FhirXmlDstu2,
    /// The STU3 profile validator (GP Connect definitions loaded) over whatever reads as a resource.
    ValidateStu3,
    /// The DSTU2 profile validator (Access Record HTML 0.7.x definitions) over whatever reads as a resource.
    ValidateDstu2,
    /// FHIRPath: an expression (before the first NUL) parsed and evaluated against a JSON resource (after it),
    /// and the literal parsers.
    FhirPath,
    /// A bearer token decoded and put through the provider's JWT checks for every scope.
    Jwt,
    /// A whole HTTP request (request line, headers, body) judged by the consumer rules: SSP headers, JWT,
    /// formats, service root, Appointment and Parameters bodies, search parameters.
    ConsumerRequest,
    /// The YAML config loader.
    ConfigYaml,
    /// The reference provider's request parsers: Structured and HTML Parameters, document search parameters.
    ProviderParams,
    /// ITK3 messages and acknowledgements (read as FHIR, inspected), and the embedded PDF's reader.
    Itk3,
    /// What a MESH server answers: error bodies, a message's `Mex-*` headers, chunk counts, gzip bodies, inbox
    /// pages, tracking records, send answers. Input: header lines, a blank line, the body.
    Mesh,
    /// A whole HTTP request through the reference provider's router with the consumer inspector on
    /// (`provider.rs`).
    ProviderRequest,
}

impl Target {
    pub const ALL: [Target; 13] = [
        Target::FhirRead,
        Target::FhirXmlStu3,
        Target::FhirXmlDstu2,
        Target::ValidateStu3,
        Target::ValidateDstu2,
        Target::FhirPath,
        Target::Jwt,
        Target::ConsumerRequest,
        Target::ConfigYaml,
        Target::ProviderParams,
        Target::Itk3,
        Target::Mesh,
        Target::ProviderRequest,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::FhirRead => "fhir-read",
            Target::FhirXmlStu3 => "fhir-xml-stu3",
            Target::FhirXmlDstu2 => "fhir-xml-dstu2",
            Target::ValidateStu3 => "validate-stu3",
            Target::ValidateDstu2 => "validate-dstu2",
            Target::FhirPath => "fhirpath",
            Target::Jwt => "jwt",
            Target::ConsumerRequest => "consumer-request",
            Target::ConfigYaml => "config-yaml",
            Target::ProviderParams => "provider-params",
            Target::Itk3 => "itk3",
            Target::Mesh => "mesh",
            Target::ProviderRequest => "provider-request",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Folders (under the FHIR path's first folder, `../shared/fhir`) whose files seed the target, and the file
    /// extensions taken.
    fn seed_folders(self) -> (&'static [&'static str], &'static [&'static str]) {
        const STU3: &[&str] = &[
            "nhsconnect-gpconnect-spec-examples",
            "realworld-gp2gp-adaptor",
            "nhsconnect-STU3-FHIR-Assets/Examples",
        ];
        match self {
            Target::FhirRead | Target::ValidateStu3 => (STU3, &["json", "xml"]),
            Target::FhirXmlStu3 => (
                &[
                    "nhsconnect-STU3-FHIR-Assets/Examples",
                    "nhsconnect-gpconnect-provider-testing-data",
                    "nhsconnect-gpconnect-messaging-examples",
                ],
                &["xml"],
            ),
            Target::FhirXmlDstu2 | Target::ValidateDstu2 => (
                &["nhsconnect-gpconnect-fhir/release-0.7.2"],
                &["xml", "json"],
            ),
            Target::FhirPath
            | Target::ProviderParams
            | Target::ConsumerRequest
            | Target::ProviderRequest => (&["nhsconnect-gpconnect-spec-examples"], &["json"]),
            Target::Itk3 => (
                &[
                    "nhsconnect-gpconnect-messaging-examples",
                    "nhsconnect-STU3-FHIR-Assets/Examples",
                ],
                &["xml"],
            ),
            Target::Jwt | Target::ConfigYaml | Target::Mesh => (&[], &[]),
        }
    }

    /// The seed corpus: files of the seed folders (at most `max` of them, each at most 256 KiB, in path
    /// order) and the built-in seeds.
    pub fn seeds(self, max: usize) -> Vec<Vec<u8>> {
        let mut out = builtin_seeds(self);
        let (folders, extensions) = self.seed_folders();
        let root = fhir_root();
        let mut files = Vec::new();
        for folder in folders {
            collect(&root.join(folder), extensions, &mut files);
        }
        files.sort();
        // Spread the picks over the whole folder list rather than its first files.
        let step = (files.len() / max.max(1)).max(1);
        let files: Vec<Vec<u8>> = files
            .iter()
            .step_by(step)
            .take(max)
            .filter_map(|path| std::fs::read(path).ok())
            .filter(|bytes| bytes.len() <= 256 * 1024)
            .collect();
        if self == Target::ProviderRequest {
            out.extend(provider::seeds(files));
        } else {
            out.extend(files);
        }
        out
    }

    /// Runs the target on one input.
    pub fn run(self, data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        match self {
            Target::FhirRead => {
                let written = |r: serde_json::Result<serde_json::Value>| match r {
                    Ok(v) => format!("ok {v}"),
                    Err(e) => format!("error {e}"),
                };
                assert_eq!(
                    written(crate::fhir::json::parse(&text)),
                    written(serde_json::from_str(&text)),
                    "the JSON reader differs from serde_json"
                );
                if let Ok(v) = stu3().read(&text) {
                    let _ = crate::fhir::FhirVersion::detect(&v);
                }
                let _ = crate::fhir::FhirVersion::detect_xml(&text);
            }
            Target::FhirXmlStu3 => {
                if let Some(model) = model(false) {
                    if let Ok(v) = crate::fhir::xml::xml_to_json(&text, &model) {
                        let _ = crate::fhir::xml::json_to_xml(&v);
                    }
                }
            }
            Target::FhirXmlDstu2 => {
                if let Some(model) = model(true) {
                    let _ = crate::fhir::xml::xml_to_json(&text, &model);
                }
            }
            Target::ValidateStu3 => validate(&stu3(), &text),
            Target::ValidateDstu2 => validate(&dstu2(), &text),
            Target::FhirPath => fhirpath(data),
            Target::Jwt => jwt(&text),
            Target::ConsumerRequest => consumer_request(data),
            Target::ConfigYaml => {
                let _ = crate::config::Config::from_yaml(&text);
            }
            Target::ProviderParams => provider_params(data, &text),
            Target::Itk3 => {
                if let Ok(v) = stu3().read(&text) {
                    let _ = crate::itk::inbound::inspect(&v);
                    let _ = crate::itk::response::read(&v);
                }
                let _ = crate::itk::response::response_code(&text);
                let _ = crate::itk::pdf::page_count(data);
            }
            Target::Mesh => mesh(data),
            Target::ProviderRequest => provider::run(data),
        }
    }
}

fn collect(dir: &std::path::Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, extensions, out);
        } else if p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| extensions.contains(&x))
        {
            out.push(p);
        }
    }
}

fn fhir_path() -> FhirPath {
    FhirPath::resolve(&[], &[])
}

/// The first folder of the FHIR path (where the seed corpora are).
fn fhir_root() -> PathBuf {
    fhir_path()
        .folders
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("../shared/fhir"))
}

fn validators() -> &'static Validators {
    static V: OnceLock<Validators> = OnceLock::new();
    V.get_or_init(|| {
        let store = Store::new(fhir_path())
            .unwrap_or_else(|e| panic!("fuzzing needs the FHIR definitions: {e}"));
        Validators::new(&store, &DefinitionSources::default())
    })
}

fn stu3() -> Arc<Validator> {
    validators()
        .get(Capability::Structured)
        .unwrap_or_else(|| panic!("no STU3 validator"))
}

fn dstu2() -> Arc<Validator> {
    validators()
        .get(Capability::Html)
        .unwrap_or_else(|| panic!("no DSTU2 validator"))
}

fn model(dstu2: bool) -> Option<Arc<crate::fhir::model::ElementModel>> {
    if dstu2 {
        crate::fhir::dstu2_model(&fhir_path()).ok()
    } else {
        crate::fhir::stu3_model(&fhir_path()).ok()
    }
}

/// Loads everything the targets share, so that the first input is not charged with it.
pub fn warm_up() {
    let _ = stu3();
    let _ = dstu2();
    let _ = model(false);
    let _ = model(true);
    provider::warm_up();
}

fn validate(v: &Validator, text: &str) {
    if let Ok(resource) = v.read(text) {
        let issues = v.validate(&resource, &[]);
        let _ = crate::validate::operation_outcome(&issues);
    }
}

fn fhirpath(data: &[u8]) {
    let (expr, rest) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b"{}"[..]),
    };
    let expr = String::from_utf8_lossy(expr);
    let _ = crate::validate::fhirpath::Decimal::parse(&expr);
    let _ = crate::validate::fhirpath::PartialDateTime::parse(&expr, true);
    let _ = crate::validate::fhirpath::PartialTime::parse(&expr);
    let Ok(parsed) = crate::validate::fhirpath::parse(&expr) else {
        return;
    };
    let resource: Value = serde_json::from_slice(rest)
        .unwrap_or_else(|_| serde_json::json!({"resourceType": "Patient"}));
    let _ = parsed.evaluate(&resource, &resource);
    let _ = parsed.holds(&resource, &resource);
}

fn jwt(text: &str) {
    let token = text.trim().trim_start_matches("Bearer ");
    let Ok((jwt, signature)) = crate::spine::jwt::Jwt::decode(token) else {
        return;
    };
    for scope in ["patient/*.read", "patient/*.write", "organization/*.read"] {
        let _ = crate::spine::jwt::check(
            &jwt,
            &signature,
            scope,
            1_700_000_000,
            crate::spine::jwt::CheckOptions::default(),
        );
    }
}

/// An input's head and body, split at its first blank line (`None` when it has none).
fn head_and_body(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = data.windows(2).position(|w| w == b"\n\n")?;
    Some((&data[..i], &data[i + 2..]))
}

/// `METHOD target\nName: value\n...\n\nbody` into a request.
fn request_of(data: &[u8]) -> crate::consumer::request::InboundRequest {
    let split = head_and_body(data).unwrap_or((data, &[][..]));
    let head = String::from_utf8_lossy(split.0);
    let mut lines = head.lines();
    let first = lines.next().unwrap_or_default();
    let (method, target) = first.split_once(' ').unwrap_or(("GET", first));
    crate::consumer::request::InboundRequest {
        received_at: 1_700_000_000,
        method: method.to_string(),
        target: target.to_string(),
        headers: lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect(),
        body: split.1.to_vec(),
    }
}

fn consumer_request(data: &[u8]) {
    let seen = HashSet::new();
    let roots = crate::config::ServiceRoots::default();
    let roots: Vec<(Capability, String)> = roots.iter().map(|(c, r)| (c, r.clone())).collect();
    let ctx = crate::consumer::rules::RuleContext {
        provider_asid: crate::config::DEFAULT_PROVIDER_ASID,
        consumer_asid: Some(crate::config::DEFAULT_CONSUMER_ASID),
        roots: &roots,
        origin: "http://127.0.0.1:8080",
        validators: Some(validators()),
        seen_trace_ids: &seen,
        clock_skew_secs: 0,
    };
    // As sent, and with each body-carrying interaction's headers put in front of the input as the body.
    let _ = crate::consumer::rules::judge(&request_of(data), &ctx);
    for i in [
        Interaction::AppointmentCreate,
        Interaction::GetStructuredRecord,
        Interaction::RegisterPatient,
    ] {
        let mut req = crate::consumer::request::InboundRequest {
            received_at: 1_700_000_000,
            method: i.method().as_str().to_string(),
            target: format!("/B82617/STU3/1/gpconnect/fhir{}", i.path_with(None)),
            headers: vec![
                ("Ssp-InteractionID".into(), i.urn().into()),
                ("Content-Type".into(), "application/fhir+json".into()),
            ],
            body: data.to_vec(),
        };
        if data.first() == Some(&b'<') {
            req.headers[1].1 = "application/fhir+xml".into();
        }
        let _ = crate::consumer::rules::judge(&req, &ctx);
    }
}

fn provider_params(data: &[u8], text: &str) {
    if let Ok(v) = serde_json::from_slice::<Value>(data) {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
        let _ = crate::provider::structured::params::parse(&v, today);
        let _ = crate::provider::html::params::parse(&v, Default::default());
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(data)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let _ = crate::provider::documents::search::parse(&pairs, Default::default());
    let _ = crate::provider::documents::search::date_bound(text);
    if let Ok(v) = serde_json::from_slice::<Value>(data) {
        let _ = crate::provider::structured::migrate::parse(&v, &|_| false);
        let _ = crate::provider::structured::migrate::parse(&v, &|_| true);
    }
}

/// `Name: value` lines, a blank line, the body: what a MESH server answers, read by every reader of it.
fn mesh(data: &[u8]) {
    use crate::mesh::answer;
    let (head, body) = head_and_body(data).unwrap_or((&[][..], data));
    let mut headers = reqwest::header::HeaderMap::new();
    for line in head.split(|b| *b == b'\n') {
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let (Ok(name), Ok(value)) = (
            reqwest::header::HeaderName::from_bytes(line[..colon].trim_ascii()),
            reqwest::header::HeaderValue::from_bytes(line[colon + 1..].trim_ascii()),
        ) else {
            continue;
        };
        headers.append(name, value);
    }
    let _ = answer::Metadata::from_headers("fuzz", &headers);
    let _ = answer::chunk_total(&headers);
    let _ = answer::decode(&headers, body, 1024 * 1024);
    let _ = answer::inbox_page(body, "https://mesh.example");
    let _ = answer::tracking(body);
    let _ = answer::sent_message_id(body);
    let _ = crate::mesh::error::describe_error_body(body);
    let _ = crate::mesh::error::error_code(body);
}

/// Seeds no file gives: tokens, YAML, MESH error bodies, request heads.
fn builtin_seeds(target: Target) -> Vec<Vec<u8>> {
    let s = |items: &[&str]| items.iter().map(|i| i.as_bytes().to_vec()).collect();
    match target {
        Target::Jwt => {
            let config = crate::config::JwtConfig::default();
            let mut out: Vec<Vec<u8>> = ["patient/*.read", "patient/*.write", "organization/*.read"]
                .iter()
                .map(|scope| {
                    crate::spine::jwt::Jwt::build(&config, "http://127.0.0.1/fhir", scope, 1_700_000_000)
                        .encode()
                        .into_bytes()
                })
                .collect();
            out.push(b"Bearer eyJhbGciOiJub25lIn0.e30.".to_vec());
            out
        }
        Target::ConfigYaml => s(&[
            "",
            "timeout_secs: 3\nconcurrency: 4\n",
            "provider_asid: '918999198738'\nservice_roots:\n  structured: /x/fhir\n",
            "jwt:\n  organization:\n    ods_code: A1\n",
            "send_document:\n  mesh_url: https://m\n  mailbox: X\n  wait_secs: 3\n",
            "tls:\n  default:\n    insecure: true\n",
            "test_data:\n  patients:\n    patient2: '9690937286'\n",
            "definitions:\n  structured: [release-1.5.0]\n",
        ]),
        Target::Mesh => {
            let mut out: Vec<Vec<u8>> = s(&[
                r#"{"errorEvent":"SEND","errorCode":"20","errorDescription":"Invalid recipient","messageID":"x"}"#,
                r#"{"internal_id":"1","detail":[{"event":"AUTH","code":"02","msg":"bad"}]}"#,
                "not json",
                "Mex-MessageID: 20261130090000000000_ABC123\nMex-From: X26HC005\nMex-To: X26HC006\nMex-WorkflowID: GPFED_CONSULT_REPORT\nMex-MessageType: DATA\nMex-Content-Type: application/fhir+xml\nMex-Chunk-Range: 1:2\nMex-LocalID: L1\n\n<Bundle/>",
                "Mex-MessageType: REPORT\nMex-StatusSuccess: ERROR\nMex-StatusCode: 14\nMex-StatusEvent: TRANSFER\nMex-LinkedMsgID: 1\nMex-Total-Chunks: 3\n\n",
                r#"{"messages":["a","b"],"links":{"next":"/messageexchange/X26HC005/inbox?continue_from=b"},"approx_inbox_count":2}"#,
                r#"{"message_id":"20261130090000000000_ABC123","status":"Accepted","recipient":"X26HC006","workflow_id":"GPFED_CONSULT_REPORT","local_id":"L1"}"#,
            ]);
            let mut gz = b"Content-Encoding: gzip\n\n".to_vec();
            let mut enc =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            if std::io::Write::write_all(&mut enc, b"<Bundle/>").is_ok() {
                if let Ok(bytes) = enc.finish() {
                    gz.extend_from_slice(&bytes);
                }
            }
            out.push(gz);
            out
        }
        Target::ConsumerRequest => s(&[
            "GET /B82617/STU3/1/gpconnect/fhir/metadata\nSsp-TraceID: 5b3a1f0e-3c2b-4a3e-9a3e-1f2b3c4d5e6f\nSsp-From: 200000000359\nSsp-To: 918999198738\nSsp-InteractionID: urn:nhs:names:services:gpconnect:fhir:rest:read:metadata-1\nAccept: application/fhir+json\n\n",
            "GET /B82617/STU3/1/gpconnect/fhir/Slot?start=ge2026-12-02&end=le2026-12-09&status=free&_include=Slot:schedule\nAccept: application/fhir+json\n\n",
        ]),
        Target::FhirPath => s(&[
            "name.where(use = 'official').family\0{\"resourceType\":\"Patient\",\"name\":[{\"use\":\"official\",\"family\":\"A\"}]}",
            "extension.exists() implies value.exists()",
            "(reference.startsWith('#').not()) or (reference.substring(1).trace('url') in %resource.contained.id)",
            "birthDate <= today() and now() > @2020-01-01T00:00:00Z",
            "1.5 + 2 * 3 div 4 mod 5",
        ]),
        _ => Vec::new(),
    }
}
