//! A payload as text (FHIR JSON or FHIR XML) read and validated in the validator's FHIR release: XML is read
//! with that release's element model (a DSTU2 `Conformance` or care-record Bundle needs the DSTU2 one).

use serde_json::Value;

use super::{Issue, Validator};

/// The payload cannot be read as a FHIR resource.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The element model of the release cannot be loaded (definitions missing).
    #[error("the FHIR {version} element model cannot be loaded: {reason}")]
    Model {
        version: &'static str,
        reason: String,
    },
    /// The XML is not FHIR XML of the release.
    #[error("not FHIR {version} XML: {source}")]
    Xml {
        version: &'static str,
        #[source]
        source: crate::fhir::xml::XmlError,
    },
    /// The text is not JSON.
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl Validator {
    /// Reads FHIR JSON or FHIR XML (told apart by a leading `<`) into FHIR JSON, XML with the element model of
    /// this validator's release.
    pub fn read(&self, text: &str) -> Result<Value, ReadError> {
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        if !body.trim_start().starts_with('<') {
            return Ok(crate::fhir::json::parse(body)?);
        }
        let version = self.fhir_version().number();
        let model = crate::fhir::model_for(self.fhir_version(), self.store.fhir_path())
            .map_err(|reason| ReadError::Model { version, reason })?;
        crate::fhir::xml::xml_to_json(body, &model)
            .map_err(|source| ReadError::Xml { version, source })
    }

    /// Reads a payload (JSON or XML, see [`read`](Self::read)) and validates it like
    /// [`validate`](Self::validate): its core definition, and `profiles`, or when none are given the profiles
    /// the resource and its Bundle entries claim in `meta.profile`.
    pub fn validate_text(&self, text: &str, profiles: &[&str]) -> Result<Vec<Issue>, ReadError> {
        Ok(self.validate(&self.read(text)?, profiles))
    }
}
