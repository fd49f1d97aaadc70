//! Placeholder, replaced by the XML implementation.
use super::model::ElementModel;
#[derive(Debug, thiserror::Error)]
#[error("xml: {0}")]
pub struct XmlError(String);
pub fn json_to_xml(_resource: &serde_json::Value) -> Result<String, XmlError> { Err(XmlError("todo".into())) }
pub fn xml_to_json(_xml: &str, _model: &ElementModel) -> Result<serde_json::Value, XmlError> { Err(XmlError("todo".into())) }
