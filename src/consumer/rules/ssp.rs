//! The request reaches a GP Connect endpoint through the Spine Secure Proxy's headers: `Ssp-TraceID` (a new
//! UUID per request), `Ssp-From` and `Ssp-To` (ASIDs), `Ssp-InteractionID` (the catalogue URN of the method and
//! path used).

use super::{Route, RuleContext};
use crate::consumer::finding::{Finding, Rule};
use crate::consumer::request::InboundRequest;
use crate::spine::catalogue::{self, Interaction};
use crate::spine::headers;

const PAGE: &str = "development_general_api_guidance";

pub static ENDPOINT: Rule = Rule {
    id: "ssp.endpoint",
    requirement: "The request is a GP Connect interaction on one of the provider's service roots",
    page: PAGE,
};
pub static HEADER_PRESENT: Rule = Rule {
    id: "ssp.header-present",
    requirement: "Every request carries Ssp-TraceID, Ssp-From, Ssp-To, Ssp-InteractionID and Authorization, once each",
    page: PAGE,
};
pub static TRACE_ID_UUID: Rule = Rule {
    id: "ssp.trace-id-uuid",
    requirement: "Ssp-TraceID is a GUID (UUID)",
    page: PAGE,
};
pub static TRACE_ID_NEW: Rule = Rule {
    id: "ssp.trace-id-new",
    requirement:
        "Ssp-TraceID is new for every request (a retry is a new request with a new TraceID)",
    page: PAGE,
};
pub static ASID_FORMAT: Rule = Rule {
    id: "ssp.asid-format",
    requirement: "Ssp-From and Ssp-To are ASIDs: 12 digits",
    page: "integration_spine_directory_service",
};
pub static TO_PROVIDER: Rule = Rule {
    id: "ssp.to-provider",
    requirement:
        "Ssp-To is the provider's ASID for the endpoint (from the Spine Directory Service)",
    page: "integration_spine_directory_service",
};
pub static FROM_CONSUMER: Rule = Rule {
    id: "ssp.from-consumer",
    requirement: "Ssp-From is the consumer system's own ASID",
    page: PAGE,
};
pub static INTERACTION_ID: Rule = Rule {
    id: "ssp.interaction-id",
    requirement:
        "Ssp-InteractionID is the interaction ID of the operation requested (its method and path)",
    page: PAGE,
};

pub static RULES: &[Rule] = &[
    ENDPOINT,
    HEADER_PRESENT,
    TRACE_ID_UUID,
    TRACE_ID_NEW,
    ASID_FORMAT,
    TO_PROVIDER,
    FROM_CONSUMER,
    INTERACTION_ID,
];

fn is_asid(v: &str) -> bool {
    v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit())
}

fn shown(v: &str) -> String {
    format!("`{v}`")
}

/// Judges the endpoint and the SSP headers; returns where the request went (none when it reached no GP Connect
/// endpoint).
pub fn judge(
    req: &InboundRequest,
    ctx: &RuleContext<'_>,
    findings: &mut Vec<Finding>,
) -> Option<Route> {
    for name in headers::SSP_HEADERS
        .iter()
        .chain(std::iter::once(&headers::AUTHORIZATION))
    {
        let values = req.header_all(name);
        match values.as_slice() {
            [] => findings.push(HEADER_PRESENT.finding(
                format!("header {name}"),
                "present",
                "it is absent",
            )),
            [v] if v.trim().is_empty() => findings.push(HEADER_PRESENT.finding(
                format!("header {name}"),
                "a value",
                "an empty value",
            )),
            [_] => {}
            many => findings.push(HEADER_PRESENT.finding(
                format!("header {name}"),
                "exactly one",
                format!("{} values", many.len()),
            )),
        }
    }
    if let Some(trace) = req.header(headers::SSP_TRACE_ID).map(str::trim) {
        if !trace.is_empty() {
            if uuid::Uuid::parse_str(trace).is_err() {
                findings.push(TRACE_ID_UUID.finding(
                    format!("header {}", headers::SSP_TRACE_ID),
                    "a GUID",
                    shown(trace),
                ));
            }
            if ctx.seen_trace_ids.contains(&trace.to_ascii_lowercase()) {
                findings.push(TRACE_ID_NEW.finding(
                    format!("header {}", headers::SSP_TRACE_ID),
                    "a TraceID not used by an earlier request",
                    format!("{} again", shown(trace)),
                ));
            }
        }
    }
    for name in [headers::SSP_FROM, headers::SSP_TO] {
        if let Some(v) = req.header(name).map(str::trim) {
            if !v.is_empty() && !is_asid(v) {
                findings.push(ASID_FORMAT.finding(format!("header {name}"), "12 digits", shown(v)));
            }
        }
    }
    if let Some(to) = req.header(headers::SSP_TO).map(str::trim) {
        if !to.is_empty() && to != ctx.provider_asid {
            findings.push(TO_PROVIDER.finding(
                format!("header {}", headers::SSP_TO),
                shown(ctx.provider_asid),
                shown(to),
            ));
        }
    }
    if let (Some(from), Some(own)) = (
        req.header(headers::SSP_FROM).map(str::trim),
        ctx.consumer_asid,
    ) {
        if !from.is_empty() && from != own {
            findings.push(FROM_CONSUMER.finding(
                format!("header {}", headers::SSP_FROM),
                shown(own),
                shown(from),
            ));
        }
    }
    route(req, ctx, findings)
}

/// The interaction of the method and path, checked against `Ssp-InteractionID`.
fn route(
    req: &InboundRequest,
    ctx: &RuleContext<'_>,
    findings: &mut Vec<Finding>,
) -> Option<Route> {
    let path = req.path();
    let line = format!("{} {}", req.method, path);
    // The longest root that prefixes the path (Foundations and Appointments may share one).
    let mut roots: Vec<_> = ctx.roots.iter().collect();
    roots.sort_by_key(|(_, r)| std::cmp::Reverse(r.len()));
    let found = roots.iter().find_map(|(cap, root)| {
        let root = root.trim_end_matches('/');
        path.strip_prefix(root)
            .filter(|rel| rel.starts_with('/'))
            .map(|rel| (*cap, root.to_string(), rel.to_string()))
    });
    let Some((cap, root, rel)) = found else {
        findings.push(ENDPOINT.finding(
            "request line",
            format!(
                "a path under a service root ({})",
                ctx.roots
                    .iter()
                    .map(|(_, r)| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            line,
        ));
        return None;
    };
    let candidates = catalogue::candidates_for_path(cap, &rel);
    let by_method: Vec<Interaction> = candidates
        .iter()
        .copied()
        .filter(|i| i.method().as_str() == req.method)
        .collect();
    let root_url = format!("{}{root}", ctx.origin);
    let urn = req
        .header(headers::SSP_INTERACTION_ID)
        .map(str::trim)
        .unwrap_or_default();
    let chosen = by_method.iter().copied().find(|i| i.urn() == urn);
    let interaction = match (chosen, by_method.as_slice()) {
        (Some(i), _) => i,
        (None, []) => {
            findings.push(ENDPOINT.finding(
                "request line",
                "a GP Connect interaction's method and path",
                line,
            ));
            return None;
        }
        (None, [only, ..]) => {
            if !urn.is_empty() {
                findings.push(INTERACTION_ID.finding(
                    format!("header {}", headers::SSP_INTERACTION_ID),
                    format!("`{}` for {line}", only.urn()),
                    shown(urn),
                ));
            }
            *only
        }
    };
    let id = catalogue::match_path(interaction.path(), &rel)
        .flatten()
        .map(String::from);
    Some(Route {
        interaction,
        id,
        root_url,
    })
}
