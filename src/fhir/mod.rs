//! FHIR plumbing: where definitions live, reading facts out of them, and the XML <-> JSON representation.

pub mod defs;
pub mod json;
pub mod model;
pub mod packages;
pub mod version;
pub mod xml;

pub use defs::{index_builds, DefinitionIndex, DefsError, FhirPath, IndexEntry, PathOrigin};
pub use version::FhirVersion;

use std::sync::{Arc, OnceLock};

type ModelSlot = OnceLock<Result<Arc<model::ElementModel>, String>>;

static STU3_MODEL: ModelSlot = OnceLock::new();
static DSTU2_MODEL: ModelSlot = OnceLock::new();

/// The STU3 element model (for XML), loaded once per process from the first FHIR path that asks for it.
pub fn stu3_model(path: &FhirPath) -> Result<Arc<model::ElementModel>, String> {
    STU3_MODEL
        .get_or_init(|| load(path.stu3_core_structure_definitions()))
        .clone()
}

/// The DSTU2 (1.0.2) element model (for XML), loaded once per process from the first FHIR path that asks for
/// it.
pub fn dstu2_model(path: &FhirPath) -> Result<Arc<model::ElementModel>, String> {
    DSTU2_MODEL
        .get_or_init(|| load(path.dstu2_core_structure_definitions()))
        .clone()
}

/// The element model of a FHIR version.
pub fn model_for(
    version: FhirVersion,
    path: &FhirPath,
) -> Result<Arc<model::ElementModel>, String> {
    match version {
        FhirVersion::Stu3 => stu3_model(path),
        FhirVersion::Dstu2 => dstu2_model(path),
    }
}

fn load(dir: Result<std::path::PathBuf, DefsError>) -> Result<Arc<model::ElementModel>, String> {
    let dir = dir.map_err(|e| e.to_string())?;
    model::ElementModel::load_dir(&dir)
        .map(Arc::new)
        .map_err(|e| e.to_string())
}
