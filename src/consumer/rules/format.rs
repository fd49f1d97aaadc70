//! Content negotiation on an STU3 (1.x) endpoint: `Accept` and `_format` ask for a FHIR STU3 media type, a body
//! declares its FHIR STU3 media type in `Content-Type`.

use super::Route;
use crate::consumer::finding::{Finding, Rule};
use crate::consumer::request::InboundRequest;

const PAGE: &str = "development_general_api_guidance";

pub static ACCEPT: Rule = Rule {
    id: "format.accept",
    requirement:
        "Accept names the FHIR STU3 media types application/fhir+json or application/fhir+xml",
    page: PAGE,
};
pub static FORMAT_PARAM: Rule = Rule {
    id: "format.format-param",
    requirement: "_format is a FHIR STU3 media type (application/fhir+json, application/fhir+xml) or json/xml",
    page: PAGE,
};
pub static CONTENT_TYPE: Rule = Rule {
    id: "format.content-type",
    requirement:
        "A request body is sent with Content-Type application/fhir+json or application/fhir+xml",
    page: PAGE,
};
pub static CHARSET: Rule = Rule {
    id: "format.charset",
    requirement: "The character set, when declared, is UTF-8",
    page: PAGE,
};

pub static RULES: &[Rule] = &[ACCEPT, FORMAT_PARAM, CONTENT_TYPE, CHARSET];

const STU3_TYPES: [&str; 2] = ["application/fhir+json", "application/fhir+xml"];

/// The media type without parameters, lower case, and its `charset` parameter.
pub(super) fn media_type(value: &str) -> (String, Option<String>) {
    let mut parts = value.split(';');
    let mime = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let charset = parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_string())
    });
    (mime, charset)
}

fn judge_charset(at: &str, charset: Option<String>, findings: &mut Vec<Finding>) {
    if let Some(cs) = charset {
        if !cs.eq_ignore_ascii_case("utf-8") {
            findings.push(CHARSET.finding(at, "`utf-8`", format!("`{cs}`")));
        }
    }
}

/// Judges `Accept`, `_format` and `Content-Type`.
pub fn judge(req: &InboundRequest, _route: Option<&Route>, findings: &mut Vec<Finding>) {
    for accept in req.header_all("accept") {
        for item in accept.split(',').filter(|i| !i.trim().is_empty()) {
            let (mime, charset) = media_type(item);
            if !STU3_TYPES.contains(&mime.as_str()) {
                findings.push(ACCEPT.finding(
                    "header Accept",
                    "application/fhir+json or application/fhir+xml",
                    format!("`{}`", item.trim()),
                ));
            }
            judge_charset("header Accept", charset, findings);
        }
    }
    for value in req.param_all("_format") {
        let (mime, charset) = media_type(&value);
        let ok = STU3_TYPES.contains(&mime.as_str()) || mime == "json" || mime == "xml";
        if !ok {
            findings.push(FORMAT_PARAM.finding(
                "query _format",
                "application/fhir+json, application/fhir+xml, json or xml",
                format!("`{value}`"),
            ));
        }
        judge_charset("query _format", charset, findings);
    }
    if !req.body.is_empty() {
        match req.header("content-type") {
            None => findings.push(CONTENT_TYPE.finding(
                "header Content-Type",
                "application/fhir+json or application/fhir+xml",
                "it is absent",
            )),
            Some(ct) => {
                let (mime, charset) = media_type(ct);
                if !STU3_TYPES.contains(&mime.as_str()) {
                    findings.push(CONTENT_TYPE.finding(
                        "header Content-Type",
                        "application/fhir+json or application/fhir+xml",
                        format!("`{ct}`"),
                    ));
                }
                judge_charset("header Content-Type", charset, findings);
            }
        }
    }
}
