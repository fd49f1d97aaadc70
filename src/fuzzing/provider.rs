//! The `provider-request` target: a whole HTTP request through the reference provider's router, in process
//! (no socket), with the consumer inspector switched on, so that every request parser and check of the
//! provider and of `serve --inspect` sees it: SSP headers, the JWT, content negotiation, Appointment and
//! Parameters bodies in JSON and XML, search parameters, documents, HTML. The input is
//! `METHOD target\nName: value\n...\n\nbody`; in it `@jwt@` becomes a fresh token for the interaction the
//! `Ssp-InteractionID` names (so that mutated inputs still get past the token checks, which the `jwt` target
//! fuzzes on their own) and `@<capability>@` the capability's service root.

use std::cell::RefCell;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use serde_json::json;
use tower::ServiceExt;

use super::fhir_path;
use crate::clock::Clock;
use crate::fhir::DefinitionIndex;
use crate::provider::{ProviderOptions, ProviderState};
use crate::spine::catalogue::{Capability, Interaction};
use crate::spine::jwt::Jwt;

/// Inputs one provider state serves before a fresh one replaces it (its bookings and inspected requests grow).
const RENEW_EVERY: u32 = 2_000;

/// The instant the provider's clock starts at: a Monday, so that the slots of the coming weeks are the same on
/// every run.
const START: &str = "2026-11-30T09:00:00Z";

struct Local {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    served: u32,
}

thread_local! {
    static LOCAL: RefCell<Option<Local>> = const { RefCell::new(None) };
}

fn index() -> Arc<DefinitionIndex> {
    static INDEX: OnceLock<Arc<DefinitionIndex>> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            Arc::new(
                fhir_path()
                    .index()
                    .unwrap_or_else(|e| panic!("fuzzing needs the FHIR definitions: {e}")),
            )
        })
        .clone()
}

fn clock() -> Clock {
    static CLOCK: OnceLock<Clock> = OnceLock::new();
    *CLOCK.get_or_init(|| {
        Clock::starting_at(Clock::parse_instant(START).unwrap_or_else(|e| panic!("{START}: {e}")))
    })
}

fn router() -> axum::Router {
    let config = crate::config::Config::default();
    let inspector = crate::consumer::inspector::for_config(&config, &fhir_path(), index(), None);
    let state = ProviderState::new(ProviderOptions {
        fhir_path: fhir_path(),
        clock: clock(),
        index: Some(index()),
        inspector: Some(Arc::new(inspector)),
        ..ProviderOptions::default()
    })
    .unwrap_or_else(|e| panic!("cannot build the reference provider: {e}"));
    crate::provider::api_router(&Arc::new(state), "http")
}

/// Loads the definitions the provider needs.
pub(super) fn warm_up() {
    let _ = index();
}

/// Runs one input through the provider.
pub(super) fn run(data: &[u8]) {
    let _ = answer(data);
}

/// The status the provider answers an input with (`None`: the input is no request).
fn answer(data: &[u8]) -> Option<u16> {
    let request = request(data)?;
    LOCAL.with(|local| {
        let mut local = local.borrow_mut();
        if local.as_ref().is_none_or(|l| l.served >= RENEW_EVERY) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|e| panic!("cannot start a runtime: {e}"));
            *local = Some(Local {
                runtime,
                router: router(),
                served: 0,
            });
        }
        let l = local.as_mut()?;
        l.served += 1;
        let router = l.router.clone();
        l.runtime.block_on(async move {
            let Ok(answer) = router.oneshot(request).await;
            let status = answer.status().as_u16();
            let _ = axum::body::to_bytes(answer.into_body(), usize::MAX).await;
            Some(status)
        })
    })
}

/// The request an input stands for, `None` when its head is no HTTP request line and headers.
fn request(data: &[u8]) -> Option<http::Request<Body>> {
    let (head, body) = super::head_and_body(data).unwrap_or((data, &[][..]));
    let mut head = String::from_utf8_lossy(head).into_owned();
    let roots = crate::config::ServiceRoots::default();
    for c in Capability::ALL {
        head = head.replace(&format!("@{}@", c.tag()), roots.get(c));
    }
    let interaction = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("ssp-interactionid")
            .then(|| Interaction::from_urn(v.trim()))
            .flatten()
    });
    if head.contains("@jwt@") {
        head = head.replace("@jwt@", &token(interaction));
    }
    let mut lines = head.lines();
    let (method, target) = lines.next()?.split_once(' ')?;
    let mut builder = http::Request::builder()
        .method(http::Method::from_bytes(method.as_bytes()).ok()?)
        .uri(http::Uri::try_from(target.trim()).ok()?);
    for line in lines {
        let (k, v) = line.split_once(':')?;
        let name = http::HeaderName::from_bytes(k.trim().as_bytes()).ok()?;
        let value = http::HeaderValue::from_str(v.trim()).ok()?;
        builder = builder.header(name, value);
    }
    builder.body(Body::from(body.to_vec())).ok()
}

/// A fresh token for the interaction, on the provider's clock.
fn token(interaction: Option<Interaction>) -> String {
    let config = crate::config::JwtConfig::default();
    let now = clock().unix_seconds();
    let jwt = match interaction {
        Some(i) if i.capability() == Capability::Html => Jwt::build_dstu2(
            &config,
            i.scope(),
            json!({"resourceType": "Patient", "identifier": [{"system": "http://fhir.nhs.net/Id/nhs-number", "value": "9476719931"}]}),
            now,
        ),
        Some(i) => {
            let mut jwt = Jwt::build(&config, "http://127.0.0.1/fhir", i.scope(), now);
            jwt.claims["reason_for_request"] = json!(i.jwt_reason());
            jwt
        }
        None => Jwt::build(&config, "http://127.0.0.1/fhir", "patient/*.read", now),
    };
    jwt.encode()
}

/// The head of a request for every interaction of the catalogue, with the SSP headers and a token.
pub(super) fn heads() -> Vec<(Interaction, String)> {
    Interaction::ALL
        .iter()
        .map(|i| {
            let path = match i {
                Interaction::SearchForFreeSlots => "/Slot?start=ge2026-12-01&end=le2026-12-10&status=free&_include=Slot:schedule&_include:recurse=Schedule:actor:Practitioner".to_string(),
                Interaction::PatientSearch => "/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9690937286".to_string(),
                _ => i.path_with(Some("1")),
            };
            let json = if i.capability() == Capability::Html {
                "application/json+fhir"
            } else {
                "application/fhir+json"
            };
            let head = format!(
                "{method} @{cap}@{path}\nSsp-TraceID: 5b3a1f0e-3c2b-4a3e-9a3e-1f2b3c4d5e6f\nSsp-From: {from}\nSsp-To: {to}\nSsp-InteractionID: {urn}\nAuthorization: Bearer @jwt@\nAccept: {json}\nContent-Type: {json}\n\n",
                method = i.method().as_str(),
                cap = i.capability().tag(),
                from = crate::config::DEFAULT_CONSUMER_ASID,
                to = crate::config::DEFAULT_PROVIDER_ASID,
                urn = i.urn(),
            );
            (*i, head)
        })
        .collect()
}

/// The seeds: every interaction's head alone, and the body-carrying interactions' heads in front of the
/// example files.
pub(super) fn seeds(files: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let heads = heads();
    let mut out: Vec<Vec<u8>> = heads.iter().map(|(_, h)| h.as_bytes().to_vec()).collect();
    let with_body: Vec<&String> = heads
        .iter()
        .filter(|(i, _)| matches!(i.method().as_str(), "POST" | "PUT"))
        .map(|(_, h)| h)
        .collect();
    for (n, file) in files.into_iter().enumerate() {
        if let Some(head) = with_body.get(n % with_body.len().max(1)) {
            let mut input = head.as_bytes().to_vec();
            input.extend_from_slice(&file);
            out.push(input);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seeds get past the SSP and token checks into the handlers, so that mutants start deep.
    #[test]
    fn the_seed_requests_reach_the_handlers() {
        let heads = heads();
        let status = |i: Interaction| {
            let (_, head) = heads.iter().find(|(h, _)| *h == i).expect("a head");
            answer(head.as_bytes())
        };
        for i in [
            Interaction::MetadataRead,
            Interaction::PatientSearch,
            Interaction::SearchForFreeSlots,
        ] {
            assert_eq!(status(i), Some(200), "{i}");
        }
        assert_eq!(answer(b"GET"), None);
        assert_eq!(answer(b"GET /nowhere\n\n"), Some(404));
    }
}
