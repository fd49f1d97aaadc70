//! Content negotiation on the DSTU2 root: the DSTU2 FHIR media types `application/json+fhir` and
//! `application/xml+fhir` (0.7.4 `development_general_api_guidance`), `_format` shorthands, and the response
//! Content-Type.

use super::super::negotiate::{self, Format};
use crate::spine::headers::dstu2;

/// The format of a `_format` value or a request Content-Type; `None` when the DSTU2 root does not accept it
/// (`text/xml`, the STU3 types).
pub fn format_of(value: &str) -> Option<Format> {
    match negotiate::essence(value).as_str() {
        dstu2::FHIR_JSON | "application/json" | "json" => Some(Format::Json),
        dstu2::FHIR_XML | "application/xml" | "xml" => Some(Format::Xml),
        _ => None,
    }
}

/// The format an `Accept` header asks for: its first entry this root serves, `*/*` meaning JSON.
pub fn from_accept(accept: &str) -> Option<Format> {
    negotiate::from_accept_with(accept, format_of)
}

/// The Content-Type of a response on the DSTU2 root (the STU3 type under `html-stu3-media-type`).
pub fn content_type(format: Format, charset: bool, stu3: bool) -> &'static str {
    match (format, charset, stu3) {
        (Format::Json, true, false) => dstu2::FHIR_JSON_UTF8,
        (Format::Json, false, false) => dstu2::FHIR_JSON,
        (Format::Xml, true, false) => dstu2::FHIR_XML_UTF8,
        (Format::Xml, false, false) => dstu2::FHIR_XML,
        (Format::Json, true, true) => "application/fhir+json;charset=utf-8",
        (Format::Json, false, true) => "application/fhir+json",
        (Format::Xml, true, true) => "application/fhir+xml;charset=utf-8",
        (Format::Xml, false, true) => "application/fhir+xml",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dstu2_types_only() {
        assert_eq!(
            format_of("application/json+fhir;charset=utf-8"),
            Some(Format::Json)
        );
        assert_eq!(format_of("application/xml+fhir"), Some(Format::Xml));
        assert_eq!(format_of("xml"), Some(Format::Xml));
        assert_eq!(format_of("text/xml"), None);
        assert_eq!(format_of("application/fhir+json"), None);
        assert_eq!(from_accept("text/xml"), None);
        assert_eq!(
            from_accept("text/html, application/xml+fhir"),
            Some(Format::Xml)
        );
        assert_eq!(from_accept("*/*"), Some(Format::Json));
    }
}
