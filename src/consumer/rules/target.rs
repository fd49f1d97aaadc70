//! The request target is a well-formed URI path and query: characters outside RFC 3986's set (such as the `|`
//! of a token search parameter, a space, `"`, `<`, `>`, `{`, `}`) are percent-encoded. HTTP/1.1 requires it
//! (RFC 7230 §5.3), and a proxy on the way (the Spine Secure Proxy) may refuse or alter a target that breaks it.

use crate::consumer::finding::{Finding, Rule};
use crate::consumer::request::InboundRequest;

pub static PERCENT_ENCODING: Rule = Rule {
    id: "params.percent-encoding",
    requirement: "The request's path and query are percent-encoded as RFC 3986 requires (`|` as %7C): HTTP/1.1 request targets are URIs",
    page: "development_general_api_guidance",
};

pub static RULES: &[Rule] = &[PERCENT_ENCODING];

/// Whether `b` may appear as itself in a path or query (RFC 3986 unreserved, sub-delims, `:`, `@`, `/`, `?`, and
/// `%` starting an escape).
fn allowed(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&b)
}

/// Judges the characters of the request target.
pub fn judge(req: &InboundRequest, findings: &mut Vec<Finding>) {
    let target = req.target.split('#').next().unwrap_or_default();
    // An absolute-form target (through a proxy) is judged from its path.
    let target = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => target,
    };
    let bad: Vec<char> = target
        .bytes()
        .filter(|b| !allowed(*b))
        .map(char::from)
        .collect::<std::collections::BTreeSet<char>>()
        .into_iter()
        .collect();
    let bytes = target.as_bytes();
    let broken_escape = bytes.iter().enumerate().any(|(i, b)| {
        *b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    });
    if !bad.is_empty() || broken_escape {
        let what = if bad.is_empty() {
            "a `%` that starts no escape".to_string()
        } else {
            format!(
                "unencoded {}",
                bad.iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        findings.push(PERCENT_ENCODING.finding(
            "request line",
            "a percent-encoded path and query",
            format!("{what} in {}", req.target),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(target: &str) -> Vec<Finding> {
        let mut f = Vec::new();
        judge(
            &InboundRequest {
                target: target.into(),
                ..Default::default()
            },
            &mut f,
        );
        f
    }

    #[test]
    fn pipes_and_spaces_must_be_encoded() {
        assert!(judged(
            "/fhir/Patient?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9690937286"
        )
        .is_empty());
        assert!(
            judged("/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number%7C9690937286")
                .is_empty()
        );
        assert_eq!(
            judged("/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9690937286").len(),
            1
        );
        assert_eq!(judged("/fhir/Patient?x=%zz").len(), 1);
    }
}
