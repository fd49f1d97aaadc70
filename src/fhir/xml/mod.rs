//! Conversion between the FHIR XML and FHIR JSON representations.
//!
//! [`json_to_xml`] needs no model: it follows the JSON representation rules
//! syntactically (`resourceType` names the resource element, objects with a
//! `resourceType` are inline resources, `_name` carries primitive ids and
//! extensions, `id` of non-resource objects and `url` of extensions become
//! attributes, and a string property `div` is narrative XHTML).
//!
//! [`xml_to_json`] needs an [`ElementModel`](super::model::ElementModel) to tell arrays from single values
//! and to give primitives their JSON type (boolean, number, string).
//!
//! Decimals are carried as `serde_json::Number`: without serde_json's
//! `arbitrary_precision` feature, a decimal keeps its integer/float nature
//! (`5` vs `5.0`) but not trailing zeros (`1.50` becomes `1.5`).

mod read;
#[cfg(test)]
mod tests;
mod write;

use std::fmt;

pub use read::xml_to_json;
pub use write::json_to_xml;

/// The FHIR namespace.
pub const FHIR_NS: &str = "http://hl7.org/fhir";
/// The XHTML namespace of `Narrative.div`.
pub const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";
/// Maximum element nesting accepted in either direction.
pub const MAX_DEPTH: usize = 100;

const XSI_NS: &[u8] = b"http://www.w3.org/2001/XMLSchema-instance";

/// A position in an XML document (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// Errors of the XML/JSON conversion.
#[derive(Debug, thiserror::Error)]
pub enum XmlError {
    /// JSON input is not a resource (no string `resourceType`).
    #[error("JSON is not a FHIR resource: {0}")]
    NotAResource(String),
    /// JSON input cannot be represented in XML.
    #[error("invalid FHIR JSON at {path}: {reason}")]
    InvalidJson { path: String, reason: String },
    /// XML input is not well-formed.
    #[error("XML is not well-formed at {at}: {message}")]
    Malformed { at: Position, message: String },
    /// A DOCTYPE (and so entity declarations) was found; refused for XXE safety.
    #[error("DOCTYPE and entity declarations are not allowed (at {at})")]
    DoctypeForbidden { at: Position },
    /// An element is in the wrong namespace.
    #[error("element {path} at {at} is in namespace '{found}', expected '{expected}'")]
    WrongNamespace {
        path: String,
        found: String,
        expected: &'static str,
        at: Position,
    },
    /// The root element is not a FHIR resource type.
    #[error("root element <{name}> at {at} is not a FHIR resource type")]
    UnknownResourceType { name: String, at: Position },
    /// An element that the model does not define.
    #[error("unknown element {path} at {at}")]
    UnknownElement { path: String, at: Position },
    /// An attribute that is not allowed on this element.
    #[error("unexpected attribute '{name}' on {path} at {at}")]
    UnexpectedAttribute {
        path: String,
        name: String,
        at: Position,
    },
    /// Non-whitespace text where FHIR allows only elements.
    #[error("text content is not allowed in {path} (at {at})")]
    TextNotAllowed { path: String, at: Position },
    /// A primitive value that does not fit its FHIR type.
    #[error("invalid {fhir_type} value '{value}' for {path} at {at}")]
    InvalidValue {
        path: String,
        fhir_type: String,
        value: String,
        at: Position,
    },
    /// Structural problem (repeated single element, empty primitive, ...).
    #[error("invalid structure at {path} ({at}): {reason}")]
    InvalidStructure {
        path: String,
        reason: String,
        at: Position,
    },
    /// Narrative XHTML is not well-formed or not XHTML.
    #[error("invalid narrative XHTML at {path}: {reason}")]
    InvalidXhtml { path: String, reason: String },
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("nesting deeper than {max} levels at {path}")]
    TooDeep { path: String, max: usize },
}

// Used by both directions: blank text, and the entities that exist without a DTD.

fn is_blank(text: &[u8]) -> bool {
    text.iter().all(u8::is_ascii_whitespace)
}

/// Only the predefined entities and character references exist without a DTD.
fn check_general_ref(name: &[u8]) -> Result<(), String> {
    match name {
        b"amp" | b"lt" | b"gt" | b"quot" | b"apos" => Ok(()),
        _ => match name.strip_prefix(b"#") {
            Some(num) => char_ref(num).map(|_| ()).ok_or_else(|| {
                format!(
                    "invalid character reference &{};",
                    String::from_utf8_lossy(name)
                )
            }),
            None => Err(format!(
                "undeclared entity &{};",
                String::from_utf8_lossy(name)
            )),
        },
    }
}

/// Resolves the part of a character reference after `#` (`x41` or `65`).
fn char_ref(num: &[u8]) -> Option<char> {
    let text = std::str::from_utf8(num).ok()?;
    let code = match text.strip_prefix('x') {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => text.parse::<u32>().ok()?,
    };
    char::from_u32(code).filter(|&c| c != '\0')
}
