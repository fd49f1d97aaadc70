//! The consumer rules: what a GP Connect consumer's request must be, judged from the interaction catalogue, the
//! FHIR definitions and the specification. Every rule is listed in [`RULES`] with its requirement and page; a
//! request is judged by [`judge`], group by group:
//!
//! - [`ssp`]: the request reaches a GP Connect endpoint; the SSP headers are present and well formed;
//! - [`jwt`]: the bearer token (unsigned, its claims, lifetime, audience, scope, reason, embedded resources);
//! - [`format`]: `Accept`, `_format` and `Content-Type`;
//! - [`body`]: the request body against its profile and the interaction's rules (with `If-Match`);
//! - [`params`]: the query parameters of searches;
//! - [`target`]: the request target's percent-encoding.
//!
//! [`provider`] holds the provider rules the proxy driver judges a real provider's answers with; they are not
//! consumer rules and are not in [`rules`].

pub mod body;
pub mod format;
pub mod jwt;
pub mod params;
pub mod provider;
pub mod ssp;
pub mod target;

use std::collections::HashSet;

use crate::spine::catalogue::{Capability, Interaction};

use super::finding::{Finding, Rule};
use super::request::InboundRequest;

/// What the rules know besides the request.
#[derive(Debug, Clone, Copy)]
pub struct RuleContext<'a> {
    /// The ASID of the provider the consumer calls (`Ssp-To`).
    pub provider_asid: &'a str,
    /// The consumer's own ASID when the run knows it (`Ssp-From`).
    pub consumer_asid: Option<&'a str>,
    /// The provider's service roots (path part, `/gpconnect/fhir`) per capability.
    pub roots: &'a [(Capability, String)],
    /// `scheme://host[:port]` the request came in on: with a root, the service root URL the JWT `aud` must name.
    pub origin: &'a str,
    /// The profile validators the JWT's resources and request bodies are checked with (`None`: not checked).
    pub validators: Option<&'a crate::validate::Validators>,
    /// Every `Ssp-TraceID` received before this request.
    pub seen_trace_ids: &'a HashSet<String>,
    /// How far a consumer's clock may run ahead of the provider's (JWT `iat`), seconds.
    pub clock_skew_secs: i64,
}

/// Where a request went: the interaction it asked for, the `{id}` of its path and its service root URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub interaction: Interaction,
    pub id: Option<String>,
    /// The absolute service root URL (`origin` + root path).
    pub root_url: String,
}

/// The verdict on one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Judgement {
    /// The interaction the request was judged as (none when it reached no GP Connect endpoint).
    pub route: Option<Route>,
    pub findings: Vec<Finding>,
}

impl Judgement {
    pub fn interaction(&self) -> Option<Interaction> {
        self.route.as_ref().map(|r| r.interaction)
    }
}

/// Judges one request against every consumer rule.
pub fn judge(req: &InboundRequest, ctx: &RuleContext<'_>) -> Judgement {
    let mut findings = Vec::new();
    let route = ssp::judge(req, ctx, &mut findings);
    jwt::judge(req, ctx, route.as_ref(), &mut findings);
    format::judge(req, route.as_ref(), &mut findings);
    target::judge(req, &mut findings);
    if let Some(route) = &route {
        body::judge(req, ctx, route, &mut findings);
        params::judge(req, ctx, route, &mut findings);
    }
    Judgement { route, findings }
}

/// Every consumer rule.
pub fn rules() -> Vec<&'static Rule> {
    ssp::RULES
        .iter()
        .chain(jwt::RULES)
        .chain(format::RULES)
        .chain(body::RULES)
        .chain(params::RULES)
        .chain(target::RULES)
        .collect()
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    rules().into_iter().find(|r| r.id == id)
}
