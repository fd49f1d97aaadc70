//! The scenario World: the request being built from a catalogue row, the exchanges made, and the run context.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::context::{RunContext, SlotClaim};
use crate::client::{Exchange, OutgoingRequest, RecordedResponse};
use crate::spine::catalogue::{Capability, Interaction};
use crate::spine::headers::{self, system};
use crate::spine::jwt::Jwt;

/// One request a scenario sent: its interaction, its body as JSON (also when it went as XML) and the status it
/// got (none when the exchange failed).
#[derive(Debug, Clone)]
pub struct Sent {
    pub interaction: Option<Interaction>,
    pub body: Option<Value>,
    pub status: Option<u16>,
}

impl Sent {
    /// Whether the request was answered with a 2xx status.
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Body of the request under construction.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    None,
    Json(Value),
    /// Sent as FHIR XML, converted from this JSON at send time.
    Xml(Value),
    Raw {
        bytes: Vec<u8>,
        content_type: String,
    },
}

/// How the Authorization header is produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    /// `Bearer ` + the encoded JWT.
    Jwt,
    /// Send this header value as is.
    Raw(String),
    /// No Authorization header.
    Omitted,
}

#[derive(Debug, cucumber::World)]
#[world(init = Self::new)]
pub struct GpcWorld {
    pub ctx: Arc<RunContext>,
    pub interaction: Option<Interaction>,
    pub id: Option<String>,
    pub path_override: Option<String>,
    pub method_override: Option<String>,
    pub params: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub jwt: Option<Jwt>,
    pub jwt_signature: String,
    pub jwt_unencoded: bool,
    pub auth: Auth,
    pub body: Body,
    pub exchanges: Vec<Exchange>,
    /// Index in `exchanges` of the response the Then-steps look at (a scratch request made inside a step,
    /// such as a lookup, does not replace it).
    pub current: Option<usize>,
    /// Parsed body of the last response (JSON, or XML converted to JSON), or why it could not be parsed.
    pub parsed: Option<Result<Value, String>>,
    pub stored: HashMap<String, String>,
    pub started: Option<std::time::Instant>,
    /// What the profile validator found, one entry per validated resource (evidence): `{"of": what was
    /// validated, "exchange": the exchange's number (1-based) when it was a response body, "outcome": the
    /// OperationOutcome}`.
    pub validations: Vec<Value>,
    /// Slots this scenario holds (for a booking, or so that a search is sure to find one).
    pub claims: Vec<SlotClaim>,
    /// What each request of the scenario was, in order (one per exchange).
    pub sent: Vec<Sent>,
    /// The exchanges the last `send_at_once` made.
    pub burst: std::ops::Range<usize>,
    /// Appointments this scenario booked, each as the provider last returned it (oldest first).
    pub booked: Vec<Value>,
    /// The transport probe of a security scenario: what it offers and what it found.
    pub probe: super::common::security::ProbeState,
    /// The consumer scenario's task and the requests the consumer made.
    pub consumer: super::consumer::ConsumerState,
    /// The Send Document scenario's report, messages and acknowledgements.
    pub send_document: super::send_document::SendDocumentState,
}

/// The context every World starts with until the run's `before` hook installs the real one: built once per
/// process (it holds an HTTP client, whose construction reads the system's CA certificates, and building one per
/// scenario was a tenth of a run's time).
fn placeholder_context() -> Arc<RunContext> {
    static PLACEHOLDER: std::sync::OnceLock<Arc<RunContext>> = std::sync::OnceLock::new();
    PLACEHOLDER
        .get_or_init(|| Arc::new(RunContext::placeholder()))
        .clone()
}

/// DSTU2 makes `Device.type` mandatory, but the 0.x JWT's minimal Device is the spec's list (an id, an
/// identifier, model and version; 0.7.4 audit and provenance page), which the official pack follows (`type` removed
/// there, #235). The harness sends the spec's Device and does not count the base cardinality against itself.
const DSTU2_DEVICE_TYPE: &str = "Device.type";

impl GpcWorld {
    fn new() -> Self {
        Self {
            ctx: placeholder_context(),
            interaction: None,
            id: None,
            path_override: None,
            method_override: None,
            params: Vec::new(),
            headers: Vec::new(),
            jwt: None,
            jwt_signature: String::new(),
            jwt_unencoded: false,
            auth: Auth::Jwt,
            body: Body::None,
            exchanges: Vec::new(),
            current: None,
            parsed: None,
            stored: HashMap::new(),
            started: None,
            validations: Vec::new(),
            claims: Vec::new(),
            sent: Vec::new(),
            burst: 0..0,
            booked: Vec::new(),
            probe: Default::default(),
            consumer: Default::default(),
            send_document: Default::default(),
        }
    }

    /// The run clock's current time in Unix seconds (JWT `iat`).
    pub fn now(&self) -> i64 {
        self.ctx.clock.unix_seconds()
    }

    /// Resets the request to the default for a catalogue interaction.
    pub fn configure(&mut self, interaction: Interaction) -> Result<(), String> {
        let cfg = &self.ctx.config;
        self.interaction = Some(interaction);
        self.id = None;
        self.path_override = None;
        self.method_override = None;
        self.params.clear();
        self.body = Body::None;
        self.auth = Auth::Jwt;
        self.jwt_signature.clear();
        self.jwt_unencoded = false;
        self.headers = vec![
            (
                headers::SSP_TRACE_ID.into(),
                uuid::Uuid::new_v4().to_string(),
            ),
            (headers::SSP_FROM.into(), cfg.consumer_asid.clone()),
            (headers::SSP_TO.into(), cfg.provider_asid.clone()),
            (headers::SSP_INTERACTION_ID.into(), interaction.urn().into()),
            ("Accept".into(), self.media_types().0.into()),
        ];
        if interaction.capability() == Capability::Html {
            // 0.x: the token names the record asked for. The care record's patient is set by the step that
            // chooses the patient; until then it is the provider organisation, as for the Conformance read.
            let ods = cfg.test_data.organization("ORG1").unwrap_or_default();
            let record = Jwt::requested_organization(ods);
            self.jwt = Some(Jwt::build_dstu2(
                &cfg.jwt,
                interaction.scope(),
                record,
                self.now(),
            ));
            return Ok(());
        }
        let audience = self.ctx.root(interaction.capability()).to_string();
        let mut jwt = Jwt::build(&cfg.jwt, &audience, interaction.scope(), self.now());
        jwt.claims["reason_for_request"] = serde_json::json!(interaction.jwt_reason());
        self.jwt = Some(jwt);
        Ok(())
    }

    /// The FHIR JSON and XML media types of the configured interaction's FHIR version (DSTU2 for Access Record
    /// HTML, STU3 otherwise), with their `;charset=utf-8` forms: (json, xml, json utf-8, xml utf-8).
    pub fn media_types(&self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self.interaction.map(|i| i.capability()) {
            Some(Capability::Html) => (
                headers::dstu2::FHIR_JSON,
                headers::dstu2::FHIR_XML,
                headers::dstu2::FHIR_JSON_UTF8,
                headers::dstu2::FHIR_XML_UTF8,
            ),
            _ => (
                headers::FHIR_JSON,
                headers::FHIR_XML,
                headers::FHIR_JSON_UTF8,
                headers::FHIR_XML_UTF8,
            ),
        }
    }

    /// Ends the scenario: settles what it holds in the run (slots it booked stay taken for the rest of the run).
    pub fn finish(&mut self) {
        super::appointments::settle_slot_claims(self);
    }

    pub fn interaction(&self) -> Result<Interaction, String> {
        self.interaction.ok_or_else(|| "no request configured: start with `Given I configure the default \"<interaction>\" request`".into())
    }

    pub fn set_header(&mut self, name: &str, value: &str) {
        self.remove_header(name);
        self.headers.push((name.to_string(), value.to_string()));
    }

    pub fn remove_header(&mut self, name: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    }

    pub fn jwt_mut(&mut self) -> Result<&mut Jwt, String> {
        self.jwt
            .as_mut()
            .ok_or_else(|| "no JWT: configure a request first".to_string())
    }

    /// Replaces the placeholders of a step's text (see [`super::placeholders`]).
    pub fn expand(&self, text: &str) -> Result<String, String> {
        super::placeholders::expand(
            text,
            &super::placeholders::Sources {
                data: &self.ctx.config.test_data,
                stored: &self.stored,
                today: super::uk_time::today(&self.ctx.clock),
            },
        )
    }

    /// Builds the HTTP request from the current state.
    pub fn build_request(&self) -> Result<(OutgoingRequest, Option<Value>), String> {
        let interaction = self.interaction()?;
        let root = self.ctx.root(interaction.capability());
        let path = match &self.path_override {
            Some(p) => p.clone(),
            None => interaction.path_with(self.id.as_deref()),
        };
        let mut url = format!("{root}{path}");
        if !self.params.is_empty() {
            let query = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&self.params)
                .finish();
            url.push('?');
            url.push_str(&query);
        }
        let mut headers = self.headers.clone();
        let mut decoded = None;
        match &self.auth {
            Auth::Jwt => {
                if let Some(jwt) = &self.jwt {
                    decoded = Some(
                        serde_json::json!({ "header": jwt.header, "payload": jwt.claims, "signature": self.jwt_signature }),
                    );
                    let token = if self.jwt_unencoded {
                        format!("{}.{}.{}", jwt.header, jwt.claims, self.jwt_signature)
                    } else {
                        let enc = jwt.encode();
                        format!("{enc}{}", self.jwt_signature)
                    };
                    headers.push((headers::AUTHORIZATION.into(), format!("Bearer {token}")));
                }
            }
            Auth::Raw(v) => headers.push((headers::AUTHORIZATION.into(), v.clone())),
            Auth::Omitted => {}
        }
        let has_ct = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        let (body, ct) = match &self.body {
            Body::None => (None, None),
            Body::Json(v) => (
                Some(v.to_string().into_bytes()),
                Some(self.media_types().2.to_string()),
            ),
            Body::Xml(v) => {
                let xml = crate::fhir::xml::json_to_xml(v)
                    .map_err(|e| format!("cannot write the request body as XML: {e}"))?;
                (
                    Some(xml.into_bytes()),
                    Some(self.media_types().3.to_string()),
                )
            }
            Body::Raw {
                bytes,
                content_type,
            } => (Some(bytes.clone()), Some(content_type.clone())),
        };
        if let (Some(ct), false) = (ct, has_ct) {
            headers.push(("Content-Type".into(), ct));
        }
        let method = self
            .method_override
            .clone()
            .unwrap_or_else(|| interaction.method().as_str().to_string());
        Ok((
            OutgoingRequest {
                method,
                url,
                headers,
                body,
            },
            decoded,
        ))
    }

    /// Sends the current request, records the exchange and parses the response body.
    pub async fn send(&mut self) -> Result<(), String> {
        // One fresh trace id per request, unless a step deliberately set one that is not a GUID.
        if !self.exchanges.is_empty() {
            self.fresh_trace_id();
        }
        let (request, jwt) = self.build_request()?;
        self.check_jwt_resources()?;
        let exchange = self.ctx.client.send(request, jwt).await;
        self.record(exchange);
        self.look_at(self.exchanges.len() - 1);
        Ok(())
    }

    /// Sends the current request `n` times at once (each with its own trace id) and looks at the first
    /// response; [`GpcWorld::burst`] holds the exchanges.
    pub async fn send_at_once(&mut self, n: usize) -> Result<(), String> {
        self.check_jwt_resources()?;
        let mut requests = Vec::with_capacity(n);
        for _ in 0..n {
            self.fresh_trace_id();
            requests.push(self.build_request()?);
        }
        let client = &self.ctx.client;
        let exchanges =
            futures::future::join_all(requests.into_iter().map(|(r, jwt)| client.send(r, jwt)))
                .await;
        let first = self.exchanges.len();
        for exchange in exchanges {
            self.record(exchange);
        }
        self.burst = first..self.exchanges.len();
        self.look_at(first);
        Ok(())
    }

    /// Makes exchange `index` the one the Then-steps look at.
    pub fn look_at(&mut self, index: usize) {
        let parsed = self
            .exchanges
            .get(index)
            .and_then(|x| x.response.as_ref())
            .map(|r| self.parse_body(r));
        self.parsed = parsed;
        self.current = Some(index);
    }

    fn fresh_trace_id(&mut self) {
        let is_guid = self.headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case(headers::SSP_TRACE_ID) && uuid::Uuid::parse_str(v).is_ok()
        });
        if is_guid {
            self.set_header(headers::SSP_TRACE_ID, &uuid::Uuid::new_v4().to_string());
        }
    }

    /// Records an exchange made outside [`GpcWorld::send`] (a transport probe) and looks at it.
    pub fn record_and_look(&mut self, exchange: Exchange) {
        self.record(exchange);
        self.look_at(self.exchanges.len() - 1);
    }

    fn record(&mut self, exchange: Exchange) {
        self.sent.push(Sent {
            interaction: self.interaction,
            body: match &self.body {
                Body::Json(v) | Body::Xml(v) => Some(v.clone()),
                Body::None | Body::Raw { .. } => None,
            },
            status: exchange.response.as_ref().map(|r| r.status),
        });
        self.exchanges.push(exchange);
    }

    /// Validates the three FHIR resources inside the JWT about to be sent (evidence for every request). A
    /// resource the scenario left as the harness built it must be valid: an error there is the harness's (or
    /// its `jwt` config's) fault, not the provider's, so the scenario fails before anything is sent.
    fn check_jwt_resources(&mut self) -> Result<(), String> {
        const CLAIMS: [&str; 3] = [
            "requesting_device",
            "requesting_organization",
            "requesting_practitioner",
        ];
        if self.auth != Auth::Jwt || self.ctx.validators.is_none() {
            return Ok(());
        }
        let (Some(jwt), Some(interaction)) = (&self.jwt, self.interaction) else {
            return Ok(());
        };
        let validator = self.ctx.validator(interaction.capability())?;
        // Only the resources the harness built from config must be valid; a scenario may have broken them.
        let pristine = if interaction.capability() == Capability::Html {
            Jwt::build_dstu2(&self.ctx.config.jwt, interaction.scope(), Value::Null, 0).claims
        } else {
            Jwt::build(&self.ctx.config.jwt, "", interaction.scope(), 0).claims
        };
        let mut problems = Vec::new();
        for claim in CLAIMS {
            let Some(resource) = jwt.claims.get(claim).filter(|r| r.is_object()) else {
                continue;
            };
            let issues = validator.validate(resource, &[]);
            let oo = crate::validate::operation_outcome(&issues);
            self.validations.push(serde_json::json!({
                "of": format!("the JWT's {claim}"),
                "outcome": oo,
            }));
            if pristine.get(claim) == Some(resource) {
                problems.extend(
                    issues
                        .iter()
                        .filter(|i| i.severity == crate::validate::Severity::Error)
                        .filter(|i| {
                            !(interaction.capability() == Capability::Html
                                && i.expression == DSTU2_DEVICE_TYPE)
                        })
                        .map(|i| format!("{claim}: {}: {}", i.expression, i.message)),
                );
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "the JWT the harness built is not valid FHIR (check the `jwt` section of the config): {}",
                problems.join("; ")
            ))
        }
    }

    fn parse_body(&self, r: &RecordedResponse) -> Result<Value, String> {
        let ct = r
            .header("content-type")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if r.body.is_empty() {
            return Err("the response body is empty".into());
        }
        if ct.contains("xml") {
            let text = std::str::from_utf8(&r.body)
                .map_err(|_| "the XML response body is not UTF-8".to_string())?;
            // Access Record HTML answers DSTU2 XML, whose elements differ from STU3's.
            let version = match self.interaction.map(|i| i.capability()) {
                Some(Capability::Html) => crate::fhir::FhirVersion::Dstu2,
                _ => crate::fhir::FhirVersion::Stu3,
            };
            let model = crate::fhir::model_for(version, &self.ctx.fhir_path)?;
            crate::fhir::xml::xml_to_json(text, &model)
                .map_err(|e| format!("the response body is not valid FHIR XML: {e}"))
        } else {
            serde_json::from_slice(&r.body).map_err(|e| {
                let preview: String = String::from_utf8_lossy(&r.body[..r.body.len().min(80)])
                    .chars()
                    .collect();
                format!("the response body is not JSON ({e}); it starts `{preview}`")
            })
        }
    }

    /// The last exchange.
    /// Keeps the validator's OperationOutcome for `of` (what was validated) as evidence; `response` says it was
    /// the body of the current response, so that the report can show each issue in that body.
    pub fn keep_validation(&mut self, of: impl Into<String>, response: bool, outcome: Value) {
        let mut entry = serde_json::json!({ "of": of.into(), "outcome": outcome });
        if let (true, Some(n)) = (response, self.current) {
            entry["exchange"] = Value::from(n + 1);
        }
        self.validations.push(entry);
    }

    pub fn last(&self) -> Result<&Exchange, String> {
        self.current
            .and_then(|i| self.exchanges.get(i))
            .ok_or_else(|| {
                "no request has been made yet (missing `When I make the request`)".into()
            })
    }

    /// The last response, or why there is none.
    pub fn response(&self) -> Result<&RecordedResponse, String> {
        let ex = self.last()?;
        ex.response.as_ref().ok_or_else(|| {
            format!(
                "no response from {} {}: {}",
                ex.request.method,
                ex.request.url,
                ex.error.as_deref().unwrap_or("unknown error")
            )
        })
    }

    /// The parsed resource of the last response.
    pub fn resource(&self) -> Result<&Value, String> {
        self.response()?;
        match &self.parsed {
            Some(Ok(v)) => Ok(v),
            Some(Err(e)) => Err(e.clone()),
            None => Err("the response has no body".into()),
        }
    }

    /// Runs a search on a scratch request (the request under construction is kept) and returns its entries.
    pub async fn search(
        &mut self,
        interaction: Interaction,
        identifier: String,
    ) -> Result<Vec<Value>, String> {
        let saved = self.snapshot();
        self.configure(interaction)?;
        self.params.push(("identifier".into(), identifier.clone()));
        self.send().await?;
        let result = (|| {
            let r = self.response()?;
            if r.status != 200 {
                return Err(format!(
                    "searching {identifier} with {interaction} returned HTTP {}",
                    r.status
                ));
            }
            let entries = self
                .resource()?
                .get("entry")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            Ok(entries)
        })();
        self.restore(saved);
        result
    }

    /// The single resource a search finds (used to learn logical ids).
    pub async fn search_one(
        &mut self,
        interaction: Interaction,
        identifier: String,
    ) -> Result<Value, String> {
        match self
            .search(interaction, identifier.clone())
            .await?
            .as_slice()
        {
            [one] => one
                .get("resource")
                .cloned()
                .ok_or_else(|| "Bundle.entry[0] has no resource".to_string()),
            other => Err(format!(
                "looking up {identifier} with {interaction} found {} resources, expected 1",
                other.len()
            )),
        }
    }

    pub(crate) fn snapshot(&self) -> Saved {
        Saved {
            interaction: self.interaction,
            id: self.id.clone(),
            path_override: self.path_override.clone(),
            method_override: self.method_override.clone(),
            params: self.params.clone(),
            headers: self.headers.clone(),
            jwt: self.jwt.clone(),
            jwt_signature: self.jwt_signature.clone(),
            jwt_unencoded: self.jwt_unencoded,
            auth: self.auth.clone(),
            body: self.body.clone(),
            parsed: self.parsed.clone(),
            current: self.current,
        }
    }

    pub(crate) fn restore(&mut self, s: Saved) {
        self.interaction = s.interaction;
        self.id = s.id;
        self.path_override = s.path_override;
        self.method_override = s.method_override;
        self.params = s.params;
        self.headers = s.headers;
        self.jwt = s.jwt;
        self.jwt_signature = s.jwt_signature;
        self.jwt_unencoded = s.jwt_unencoded;
        self.auth = s.auth;
        self.body = s.body;
        self.parsed = s.parsed;
        self.current = s.current;
    }

    /// NHS number of a logical patient name.
    pub fn nhs(&self, key: &str) -> Result<String, String> {
        self.ctx
            .config
            .test_data
            .patient(key)
            .map(String::from)
            .ok_or_else(|| format!("no patient `{key}` in the test-data map"))
    }

    pub fn nhs_identifier(nhs: &str) -> String {
        format!("{}|{nhs}", system::NHS_NUMBER)
    }
}

pub(crate) struct Saved {
    interaction: Option<Interaction>,
    id: Option<String>,
    path_override: Option<String>,
    method_override: Option<String>,
    params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    jwt: Option<Jwt>,
    jwt_signature: String,
    jwt_unencoded: bool,
    auth: Auth,
    body: Body,
    parsed: Option<Result<Value, String>>,
    current: Option<usize>,
}
