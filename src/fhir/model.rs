//! Placeholder, replaced by the element model implementation.
use std::path::Path;
#[derive(Debug)]
pub struct ElementModel;
#[derive(Debug, thiserror::Error)]
#[error("model: {0}")]
pub struct ModelError(String);
impl ElementModel {
    pub fn load_dir(dir: &Path) -> Result<ElementModel, ModelError> {
        if dir.is_dir() { Ok(ElementModel) } else { Err(ModelError(dir.display().to_string())) }
    }
}
