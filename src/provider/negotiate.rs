//! Content negotiation (JSON / XML by `_format`, `Accept`, `Content-Type`), serialisation and gzip.

use std::io::Write;

/// The wire format of a FHIR payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

/// Maps a MIME type or `_format` value to a format; `None` when unsupported.
pub fn format_of(value: &str) -> Option<Format> {
    match essence(value).as_str() {
        "application/fhir+json"
        | "application/json"
        | "json"
        | "application/json+fhir"
        | "text/json" => Some(Format::Json),
        "application/fhir+xml"
        | "application/xml"
        | "xml"
        | "application/xml+fhir"
        | "text/xml" => Some(Format::Xml),
        _ => None,
    }
}

/// A media type without its parameters, in lower case (`application/fhir+json;charset=utf-8` ->
/// `application/fhir+json`).
pub fn essence(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Picks a format from an `Accept` header: the first supported entry, `*/*` meaning JSON.
pub fn from_accept(accept: &str) -> Option<Format> {
    from_accept_with(accept, format_of)
}

/// Picks a format from an `Accept` header with a root's own media types (`format_of`): the first entry it
/// serves, `*/*` and `application/*` meaning JSON.
pub fn from_accept_with(accept: &str, format_of: fn(&str) -> Option<Format>) -> Option<Format> {
    accept
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .find_map(|entry| match essence(entry).as_str() {
            "*/*" | "application/*" => Some(Format::Json),
            other => format_of(other),
        })
}

pub fn content_type(format: Format, charset: bool) -> &'static str {
    match (format, charset) {
        (Format::Json, true) => "application/fhir+json;charset=utf-8",
        (Format::Json, false) => "application/fhir+json",
        (Format::Xml, true) => "application/fhir+xml;charset=utf-8",
        (Format::Xml, false) => "application/fhir+xml",
    }
}

pub fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes)?;
    enc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation() {
        assert_eq!(
            format_of("application/fhir+xml;charset=utf-8"),
            Some(Format::Xml)
        );
        assert_eq!(format_of("text/plain"), None);
        assert_eq!(
            from_accept("text/html, application/fhir+xml"),
            Some(Format::Xml)
        );
        assert_eq!(from_accept("*/*"), Some(Format::Json));
        assert_eq!(from_accept("text/plain"), None);
    }
}
