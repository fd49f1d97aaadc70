//! The Access Record Structured CapabilityStatement, as the specification's capability statement page shows it
//! (1.6.2): the versioned profiles a structured response uses and the two operations.

use serde_json::{json, Value};

use crate::provider::{Fault, ProviderState};

/// The profiles the statement lists, with the versions the 1.6.2 page pins.
pub const PROFILES: &[&str] = &[
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Patient-1/_history/1.8",
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Organization-1/_history/1.4",
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Practitioner-1/_history/1.3",
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-PractitionerRole-1/_history/1.2",
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-AllergyIntolerance-1/_history/1.7",
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Medication-1/_history/1.2",
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-MedicationStatement-1/_history/1.7",
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-MedicationRequest-1/_history/1.6",
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-List-1/_history/1.7",
    "https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-StructuredRecord-Bundle-1/_history/1.3",
    "https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1/_history/1.2",
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Immunization-1/_history/1.5",
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-ProblemHeader-Condition-1/_history/1.7",
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Encounter-1/_history/1.5",
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Observation-1/_history/1.7",
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-DiagnosticReport-1/_history/1.3",
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Specimen-1/_history/1.3",
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-ProcedureRequest-1/_history/1.4",
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-ReferralRequest-1/_history/1.2",
    "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-DocumentReference-1/_history/1.3",
    "https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-HealthcareService-1/_history/1.0",
];

const GET_OPERATION: &str =
    "https://fhir.nhs.uk/STU3/OperationDefinition/GPConnect-GetStructuredRecord-Operation-1/_history/1.16";
const MIGRATE_OPERATION: &str =
    "https://fhir.nhs.uk/STU3/OperationDefinition/GPConnect-MigrateStructuredRecord-Operation-1/_history/1.1";

/// `GET /metadata` on the structured service root.
pub fn statement(st: &ProviderState) -> Value {
    let version = if st.fault(Fault::StructCapabilityWrongVersion) {
        "1.5.0"
    } else {
        "1.6.2"
    };
    let get = if st.fault(Fault::StructCapabilityOldOperation) {
        GET_OPERATION.replace("1.16", "1.12")
    } else {
        GET_OPERATION.to_string()
    };
    let mut operations = vec![json!({
        "name": "gpc.getstructuredrecord",
        "definition": { "reference": get }
    })];
    if !st.fault(Fault::StructCapabilityNoMigrate) {
        operations.push(json!({
            "name": "gpc.migratestructuredrecord",
            "definition": { "reference": MIGRATE_OPERATION }
        }));
    }
    json!({
        "resourceType": "CapabilityStatement",
        "version": version,
        "name": "GP Connect API - Access Record Structured",
        "status": "active",
        "date": "2020-02-10",
        "publisher": "gpc-assure",
        "contact": [{ "name": "gpc-assure reference provider" }],
        "description": format!("This server implements the GP Connect API - Access Record Structured version {version}"),
        "copyright": "Copyright NHS Digital 2016-23",
        "kind": "capability",
        "software": { "name": "gpc-assure reference provider", "version": env!("CARGO_PKG_VERSION") },
        "fhirVersion": "3.0.1",
        "acceptUnknown": "both",
        "format": ["application/fhir+json", "application/fhir+xml"],
        "profile": PROFILES
            .iter()
            .map(|p| {
                let p = if st.fault(Fault::StructCapabilityUnversionedProfiles) {
                    p.split("/_history/").next().unwrap_or(p)
                } else {
                    p
                };
                json!({ "reference": p })
            })
            .collect::<Vec<_>>(),
        "rest": [{
            "mode": "server",
            "security": { "cors": true },
            "operation": operations
        }]
    })
}
