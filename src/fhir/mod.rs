//! FHIR plumbing: where definitions live, reading facts out of them, and the XML <-> JSON representation.

pub mod defs;
pub mod model;
pub mod packages;
pub mod xml;

pub use defs::{index_builds, DefinitionIndex, DefsError, FhirPath, IndexEntry, PathOrigin};

use std::sync::{Arc, OnceLock};

static STU3_MODEL: OnceLock<Result<Arc<model::ElementModel>, String>> = OnceLock::new();

/// The STU3 element model (for XML), loaded once per process from the first FHIR path that asks for it.
pub fn stu3_model(path: &FhirPath) -> Result<Arc<model::ElementModel>, String> {
    STU3_MODEL
        .get_or_init(|| {
            let dir = path
                .stu3_core_structure_definitions()
                .map_err(|e| e.to_string())?;
            model::ElementModel::load_dir(&dir)
                .map(Arc::new)
                .map_err(|e| e.to_string())
        })
        .clone()
}
