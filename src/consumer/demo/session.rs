//! One task's conversation with the provider: each request gets the SSP headers, a new TraceID and a new JWT
//! for its interaction; the answers are read as JSON; an error answer ends the task (the correct consumer never
//! retries blindly). The request-level faults are applied here.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};

use super::fault::ConsumerFault as F;
use super::wire::{drop_identifier, hmac_sha256, neighbour, other_asid, swap_scope};
use super::{DemoError, DemoIdentity, Failure, Outcome, RequestRecord};
use crate::client::{HttpClient, OutgoingRequest};
use crate::clock::Clock;
use crate::consumer::task::Task;
use crate::spine::catalogue::Interaction;
use crate::spine::headers::{self, system};
use crate::spine::jwt::{Jwt, LIFETIME_SECS};

/// The one TraceID the `reused-trace-id` fault sends, whatever the process.
pub const REUSED_TRACE_ID: &str = "5d1f0c3a-7b2e-4c9d-8a61-3e4f5a6b7c8d";
/// The id a step uses after an error under `continue-after-error`.
pub const MADE_UP_ID: &str = "999999";
/// `aud` of the DSTU2 (0.x) specification, which 1.x does not use.
const DSTU2_AUDIENCE: &str = "https://authorize.fhir.nhs.net/token";
const DSTU2_JSON: &str = "application/json+fhir";
/// The key of the `signed-jwt` fault's HMAC: any key does, GP Connect tokens are unsigned.
const SIGNING_KEY: &[u8] = b"gpc-assure reference consumer";

/// Query characters sent as they are; everything else (`|`, `+`, `&`, `=`, space, ...) is percent-encoded.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b':')
    .remove(b'/')
    .remove(b',');
/// [`QUERY`] leaving `|` raw (the `unencoded-pipe` fault).
const QUERY_RAW_PIPE: &AsciiSet = &QUERY.remove(b'|');
/// Characters of a logical id sent as they are in a path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One request to make: an interaction on a service root, with its id, query, body and `If-Match`.
#[derive(Debug, Clone)]
pub struct Call {
    pub interaction: Interaction,
    pub root: String,
    pub id: Option<String>,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    pub if_match: Option<String>,
    /// An absolute URL to request instead of the root and the interaction's path (a document's attachment URL).
    pub url: Option<String>,
}

impl Call {
    pub fn new(interaction: Interaction, root: &str) -> Self {
        Self {
            interaction,
            root: root.to_string(),
            id: None,
            query: Vec::new(),
            body: None,
            if_match: None,
            url: None,
        }
    }

    pub fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_string());
        self
    }

    pub fn param(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_string(), value.into()));
        self
    }

    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// A response, read.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub etag: Option<String>,
    /// The body as JSON (`None` when empty or not JSON).
    pub json: Option<Value>,
}

impl Answer {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body, which a successful answer must have.
    pub fn resource(&self) -> Result<&Value, String> {
        self.json
            .as_ref()
            .ok_or_else(|| "the response body is not a JSON resource".to_string())
    }
}

/// What a step yields under `continue-after-error` when it failed.
pub trait MadeUp {
    fn made_up(s: &Session) -> Self;
}

impl MadeUp for String {
    fn made_up(_: &Session) -> Self {
        MADE_UP_ID.to_string()
    }
}

impl MadeUp for () {
    fn made_up(_: &Session) -> Self {}
}

impl<T> MadeUp for Vec<T> {
    fn made_up(_: &Session) -> Self {
        Vec::new()
    }
}

impl MadeUp for Value {
    fn made_up(_: &Session) -> Self {
        Value::Null
    }
}

/// A task being performed.
#[derive(Debug)]
pub struct Session {
    client: HttpClient,
    pub identity: DemoIdentity,
    faults: Vec<F>,
    pub clock: Clock,
    provider_asid: String,
    requests: Vec<RequestRecord>,
    failures: Vec<Failure>,
    result: BTreeMap<String, Value>,
}

impl Session {
    pub fn new(
        client: HttpClient,
        identity: DemoIdentity,
        faults: &[F],
        clock: Clock,
        provider_asid: String,
    ) -> Self {
        let mut faults = faults.to_vec();
        faults.sort();
        faults.dedup();
        Self {
            client,
            identity,
            faults,
            clock,
            provider_asid,
            requests: Vec::new(),
            failures: Vec::new(),
            result: BTreeMap::new(),
        }
    }

    pub fn has(&self, fault: F) -> bool {
        self.faults.contains(&fault)
    }

    /// Notes a value of the task's result.
    pub fn note(&mut self, key: &str, value: impl Into<Value>) {
        self.result.insert(key.to_string(), value.into());
    }

    /// The outcome of the task.
    pub fn finish(self, task: Task) -> Outcome {
        Outcome {
            task,
            completed: self.failures.is_empty(),
            faults: self.faults.iter().map(|f| f.name()).collect(),
            requests: self.requests,
            result: self.result,
            failures: self.failures,
        }
    }

    /// Records that `interaction` was answered with an error.
    pub fn fail_answer(&mut self, interaction: Interaction, answer: &Answer) {
        let issue = answer.json.as_ref().and_then(|b| b.pointer("/issue/0"));
        let text = |p: &str| {
            issue
                .and_then(|i| i.pointer(p))
                .and_then(Value::as_str)
                .map(String::from)
        };
        self.failures.push(Failure::ProviderError {
            interaction: interaction.name(),
            status: answer.status,
            code: text("/details/coding/0/code"),
            diagnostics: text("/diagnostics"),
        });
    }

    /// Records that a successful answer of `interaction` cannot be used.
    pub fn fail_unusable(&mut self, interaction: Interaction, reason: impl Into<String>) {
        self.failures.push(Failure::UnusableResponse {
            interaction: interaction.name(),
            reason: reason.into(),
        });
    }

    /// After a failed step: what the next step works with, if the consumer carries on at all.
    pub fn carry_on<T: MadeUp>(&self) -> Option<T> {
        self.has(F::ContinueAfterError).then(|| T::made_up(self))
    }

    /// Makes one step of a task: sends `call` and reads what the next step needs from a successful answer. An
    /// error answer, or one `read` cannot use, ends the task (`None`), unless a fault carries on.
    pub async fn step<T: MadeUp>(
        &mut self,
        call: &Call,
        read: impl FnOnce(&Answer) -> Result<T, String>,
    ) -> Result<Option<T>, DemoError> {
        let answer = self.exchange(call).await?;
        if !answer.ok() {
            self.fail_answer(call.interaction, &answer);
            return Ok(self.carry_on());
        }
        match read(&answer) {
            Ok(t) => Ok(Some(t)),
            Err(reason) => {
                self.fail_unusable(call.interaction, reason);
                Ok(self.carry_on())
            }
        }
    }

    /// Sends `call` as a new request (new TraceID, new JWT) and reads the answer. Under `blind-retry`, an error
    /// answer is followed by the identical request once more, whose answer counts.
    pub async fn exchange(&mut self, call: &Call) -> Result<Answer, DemoError> {
        let (request, jwt) = self.build(call);
        let answer = self
            .send(call.interaction, request.clone(), jwt.clone(), false)
            .await?;
        if answer.ok() || !self.has(F::BlindRetry) {
            return Ok(answer);
        }
        self.send(call.interaction, request, jwt, true).await
    }

    async fn send(
        &mut self,
        interaction: Interaction,
        request: OutgoingRequest,
        jwt: Value,
        repeated: bool,
    ) -> Result<Answer, DemoError> {
        let trace_id = request
            .headers
            .iter()
            .find(|(k, _)| k == headers::SSP_TRACE_ID)
            .map(|(_, v)| v.clone());
        let (method, url) = (request.method.clone(), request.url.clone());
        let exchange = self.client.send(request, Some(jwt)).await;
        let Some(response) = exchange.response else {
            return Err(DemoError::Transport {
                method,
                url,
                message: exchange
                    .error
                    .unwrap_or_else(|| "the request failed".to_string()),
            });
        };
        self.requests.push(RequestRecord {
            interaction: interaction.name(),
            method,
            url,
            status: response.status,
            trace_id,
            repeated,
        });
        let json = (!response.body.is_empty())
            .then(|| serde_json::from_slice::<Value>(&response.body).ok())
            .flatten();
        Ok(Answer {
            status: response.status,
            etag: response.header("etag").map(String::from),
            json,
        })
    }

    /// The request for `call` and its JWT (header and claims, as evidence).
    fn build(&self, call: &Call) -> (OutgoingRequest, Value) {
        let interaction = call.interaction;
        let url = call.url.clone().unwrap_or_else(|| self.url(call));
        let (token, jwt) = self.token(interaction, &call.root);
        let trace_id = if self.has(F::ReusedTraceId) {
            REUSED_TRACE_ID.to_string()
        } else if self.has(F::TraceIdNotUuid) {
            format!("gpc-demo-{}", uuid::Uuid::new_v4().simple())
        } else {
            uuid::Uuid::new_v4().to_string()
        };
        let urn = if self.has(F::WrongInteractionId) {
            neighbour(interaction).urn()
        } else {
            interaction.urn()
        };
        let ssp_to = if self.has(F::WrongSspTo) {
            other_asid(&self.provider_asid)
        } else {
            self.provider_asid.clone()
        };
        let dstu2 = self.has(F::Dstu2MediaType);
        let mut h: Vec<(String, String)> = vec![(headers::SSP_TRACE_ID.into(), trace_id)];
        if !self.has(F::MissingSspFrom) {
            h.push((
                headers::SSP_FROM.into(),
                self.identity.consumer_asid.clone(),
            ));
        }
        h.push((headers::SSP_TO.into(), ssp_to));
        h.push((headers::SSP_INTERACTION_ID.into(), urn.into()));
        h.push((headers::AUTHORIZATION.into(), format!("Bearer {token}")));
        let accept = if dstu2 {
            DSTU2_JSON
        } else {
            headers::FHIR_JSON
        };
        h.push(("Accept".into(), accept.into()));
        let body = call.body.as_ref().map(|b| {
            let content_type = if dstu2 {
                format!("{DSTU2_JSON};charset=utf-8")
            } else {
                headers::FHIR_JSON_UTF8.to_string()
            };
            h.push(("Content-Type".into(), content_type));
            b.to_string().into_bytes()
        });
        if let Some(m) = &call.if_match {
            h.push(("If-Match".into(), m.clone()));
        }
        let request = OutgoingRequest {
            method: interaction.method().as_str().to_string(),
            url,
            headers: h,
            body,
        };
        (request, jwt)
    }

    fn url(&self, call: &Call) -> String {
        let id = call
            .id
            .as_deref()
            .map(|id| utf8_percent_encode(id, SEGMENT).to_string());
        let mut url = format!(
            "{}{}",
            call.root.trim_end_matches('/'),
            call.interaction.path_with(id.as_deref())
        );
        let set = if self.has(F::UnencodedPipe) {
            QUERY_RAW_PIPE
        } else {
            QUERY
        };
        for (n, (k, v)) in call.query.iter().enumerate() {
            url.push(if n == 0 { '?' } else { '&' });
            url.push_str(&utf8_percent_encode(k, QUERY).to_string());
            url.push('=');
            url.push_str(&utf8_percent_encode(v, set).to_string());
        }
        url
    }

    /// A new token for `interaction` on the service root `audience`: the token and its decoded form.
    fn token(&self, interaction: Interaction, audience: &str) -> (String, Value) {
        let now = self.clock.unix_seconds();
        let iat = if self.has(F::JwtIatFuture) {
            now + 3600
        } else if self.has(F::JwtExpired) {
            now - 2 * LIFETIME_SECS
        } else {
            now
        };
        let scope = if self.has(F::WrongScope) {
            swap_scope(interaction.scope())
        } else {
            interaction.scope().to_string()
        };
        let mut jwt = Jwt::build(&self.identity.jwt, audience, &scope, iat);
        let reason = match interaction.jwt_reason() {
            "directcare" if self.has(F::ReasonMigrationDirectcare) => "migration",
            "migration" if self.has(F::MigrateDirectcare) => "directcare",
            r => r,
        };
        let claims = jwt.claims_mut();
        claims.insert("reason_for_request".into(), json!(reason));
        if self.has(F::JwtExp600) {
            claims.insert("exp".into(), json!(iat + 600));
        }
        if self.has(F::AudWrong) {
            claims.insert("aud".into(), json!(DSTU2_AUDIENCE));
        }
        if self.has(F::SubMismatch) {
            let sub = format!("{}-other", self.identity.jwt.practitioner.id);
            claims.insert("sub".into(), json!(sub));
        }
        if self.has(F::MissingSdsUserId) {
            drop_identifier(claims.get_mut("requesting_practitioner"), system::SDS_USER);
        }
        if self.has(F::OrgNoOds) {
            drop_identifier(
                claims.get_mut("requesting_organization"),
                system::ODS_ORGANIZATION,
            );
        }
        if self.has(F::DeviceWrongType) {
            if let Some(device) = claims
                .get_mut("requesting_device")
                .and_then(Value::as_object_mut)
            {
                device.insert("resourceType".into(), json!("Patient"));
            }
        }
        let token = if self.has(F::SignedJwt) {
            jwt.header = json!({ "alg": "HS256", "typ": "JWT" });
            let unsigned = jwt.encode();
            let signing_input = unsigned.trim_end_matches('.');
            let signature = hmac_sha256(SIGNING_KEY, signing_input.as_bytes());
            format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
        } else {
            jwt.encode()
        };
        let evidence = json!({ "header": jwt.header, "claims": jwt.claims });
        (token, evidence)
    }
}

/// The answer's resource, which must be a `kind`.
pub fn resource_of<'a>(answer: &'a Answer, kind: &str) -> Result<&'a Value, String> {
    let r = answer.resource()?;
    match r.get("resourceType").and_then(Value::as_str) {
        Some(k) if k == kind => Ok(r),
        other => Err(format!(
            "expected a {kind}, got {}",
            other.unwrap_or("a body without resourceType")
        )),
    }
}

/// The entries of a Bundle whose resource is a `kind`.
pub fn resources_of<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle
        .get("entry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("resource"))
        .filter(|r| r.get("resourceType").and_then(Value::as_str) == Some(kind))
        .collect()
}

/// A resource's logical id.
pub fn id_of(resource: &Value) -> Option<&str> {
    resource
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// `system|value`, the token form of an identifier search.
pub fn token(system_url: &str, value: &str) -> String {
    format!("{system_url}|{value}")
}
