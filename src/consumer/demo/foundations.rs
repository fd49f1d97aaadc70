//! Foundations tasks: the capability statement, finding and reading patients, practitioners, organisations and
//! locations, and registering a patient.

use serde_json::{json, Value};

use super::fault::ConsumerFault as F;
use super::session::{id_of, resource_of, resources_of, token, Answer, Call, Session};
use super::{DemoError, Params};
use crate::spine::catalogue::{Capability, Interaction};
use crate::spine::headers::{profile, system};

type Done = Result<(), DemoError>;

/// The NHS number identifier system this consumer sends (the `bad-nhs-identifier-system` fault sends DSTU2's).
pub fn nhs_system(s: &Session) -> &'static str {
    if s.has(F::BadNhsIdentifierSystem) {
        system::NHS_NUMBER_DSTU2
    } else {
        system::NHS_NUMBER
    }
}

/// The metadata interaction of a capability's service root.
fn metadata_of(capability: Capability) -> Interaction {
    match capability {
        Capability::Foundations | Capability::Appointments => Interaction::MetadataRead,
        Capability::Structured => Interaction::StructuredMetadataRead,
        Capability::Documents => Interaction::DocumentsMetadataRead,
        Capability::Html => Interaction::HtmlMetadataRead,
    }
}

/// A searchset Bundle's resources of `kind`.
pub fn found<'a>(answer: &'a Answer, kind: &str) -> Result<Vec<&'a Value>, String> {
    let bundle = resource_of(answer, "Bundle")?;
    Ok(resources_of(bundle, kind))
}

pub async fn read_metadata(s: &mut Session, p: &Params<'_>) -> Done {
    let tag = p.get("capability")?;
    let capability = Capability::from_tag(tag).ok_or_else(|| DemoError::BadParameter {
        name: "capability".into(),
        value: tag.into(),
        expected: "a capability: foundations, appointments, structured or documents".into(),
    })?;
    let root = p.root(capability)?;
    let call = Call::new(metadata_of(capability), &root);
    let Some(statement) = s
        .step(&call, |a| {
            resource_of(a, "CapabilityStatement").map(|r| {
                json!({
                    "version": r.get("version"),
                    "fhirVersion": r.get("fhirVersion"),
                    "name": r.get("name"),
                    "software": r.pointer("/software/name"),
                })
            })
        })
        .await?
    else {
        return Ok(());
    };
    s.note("capability_statement", statement);
    Ok(())
}

/// Finds the patient with `nhs` on the Foundations (or, with `interaction`, the documents) server: the logical id
/// of the one Patient found, which the next step needs.
pub async fn patient_id(
    s: &mut Session,
    root: &str,
    interaction: Interaction,
    nhs: &str,
) -> Result<Option<String>, DemoError> {
    let call = Call::new(interaction, root).param("identifier", token(nhs_system(s), nhs));
    let id = s
        .step(&call, |a| {
            let patients = found(a, "Patient")?;
            match patients.as_slice() {
                [one] => id_of(one)
                    .map(String::from)
                    .ok_or_else(|| "the Patient found has no id".to_string()),
                [] => Err(format!("no patient has the NHS number {nhs}")),
                _ => Err(format!(
                    "{} patients have the NHS number {nhs}",
                    patients.len()
                )),
            }
        })
        .await?;
    if let Some(id) = &id {
        s.note("patient_id", id.as_str());
    }
    Ok(id)
}

pub async fn find_patient(s: &mut Session, p: &Params<'_>) -> Done {
    let nhs = p.get("nhs_number")?;
    let root = p.root(Capability::Foundations)?;
    search(
        s,
        &root,
        Interaction::PatientSearch,
        nhs_system(s),
        nhs,
        "Patient",
        "patient",
    )
    .await
}

pub async fn find_practitioner(s: &mut Session, p: &Params<'_>) -> Done {
    let sds = p.get("sds_user_id")?;
    let root = p.root(Capability::Foundations)?;
    let (i, sys) = (Interaction::PractitionerSearch, system::SDS_USER);
    search(s, &root, i, sys, sds, "Practitioner", "practitioner").await
}

pub async fn find_organization(s: &mut Session, p: &Params<'_>) -> Done {
    let ods = p.get("ods_code")?;
    let root = p.root(Capability::Foundations)?;
    let (i, sys) = (Interaction::OrganizationSearch, system::ODS_ORGANIZATION);
    search(s, &root, i, sys, ods, "Organization", "organization").await
}

/// An identifier search whose answer (any number of matches) completes the task.
async fn search(
    s: &mut Session,
    root: &str,
    interaction: Interaction,
    system_url: &str,
    value: &str,
    kind: &str,
    key: &str,
) -> Done {
    let call = Call::new(interaction, root).param("identifier", token(system_url, value));
    let ids = s
        .step(&call, |a| {
            let list = found(a, kind)?;
            Ok(list
                .iter()
                .filter_map(|r| id_of(r).map(String::from))
                .collect::<Vec<String>>())
        })
        .await?;
    if let Some(ids) = ids {
        s.note(&format!("{key}s"), ids.len());
        s.note(&format!("{key}_ids"), ids);
    }
    Ok(())
}

pub async fn read_practitioner(s: &mut Session, p: &Params<'_>) -> Done {
    let id = p.get("practitioner_id")?;
    read(s, p, Interaction::PractitionerRead, id, "Practitioner").await
}

pub async fn read_organization(s: &mut Session, p: &Params<'_>) -> Done {
    let id = p.get("organization_id")?;
    read(s, p, Interaction::OrganizationRead, id, "Organization").await
}

pub async fn read_location(s: &mut Session, p: &Params<'_>) -> Done {
    let id = p.get("location_id")?;
    read(s, p, Interaction::LocationRead, id, "Location").await
}

/// A read whose resource completes the task: its id, version and name are noted.
async fn read(
    s: &mut Session,
    p: &Params<'_>,
    interaction: Interaction,
    id: &str,
    kind: &str,
) -> Done {
    let root = p.root(Capability::Foundations)?;
    let call = Call::new(interaction, &root).id(id);
    let summary = s
        .step(&call, |a| {
            resource_of(a, kind).map(|r| {
                json!({
                    "id": r.get("id"),
                    "version": r.pointer("/meta/versionId"),
                    "name": r.get("name"),
                })
            })
        })
        .await?;
    if let Some(v) = summary {
        s.note(&kind.to_ascii_lowercase(), v);
    }
    Ok(())
}

pub async fn register_patient(s: &mut Session, p: &Params<'_>) -> Done {
    let nhs = p.get("nhs_number")?;
    let family = p.get("family")?;
    let given = p.get("given")?;
    let birth_date = p.get("birth_date")?;
    let gender = p.get("gender")?;
    if chrono::NaiveDate::parse_from_str(birth_date, "%Y-%m-%d").is_err() {
        return Err(DemoError::BadParameter {
            name: "birth_date".into(),
            value: birth_date.into(),
            expected: "a date yyyy-mm-dd".into(),
        });
    }
    if !matches!(gender, "male" | "female" | "other" | "unknown") {
        return Err(DemoError::BadParameter {
            name: "gender".into(),
            value: gender.into(),
            expected: "male, female, other or unknown".into(),
        });
    }
    let root = p.root(Capability::Foundations)?;
    let body = json!({
        "resourceType": "Parameters",
        "parameter": [{
            "name": "registerPatient",
            "resource": {
                "resourceType": "Patient",
                "meta": { "profile": [profile::PATIENT] },
                // The consumer traced the patient on PDS before registering: the number is verified
                // (CareConnect-GPC-Patient-1 requires the verification status on the NHS number).
                "identifier": [{
                    "extension": [{
                        "url": profile::EXT_NHS_NUMBER_VERIFICATION,
                        "valueCodeableConcept": { "coding": [{
                            "system": system::NHS_NUMBER_VERIFICATION,
                            "code": "01",
                            "display": "Number present and verified"
                        }] }
                    }],
                    "system": nhs_system(s),
                    "value": nhs
                }],
                "name": [{ "use": "official", "family": family, "given": [given] }],
                "gender": gender,
                "birthDate": birth_date
            }
        }]
    });
    let call = Call::new(Interaction::RegisterPatient, &root).body(body);
    let id = s
        .step(&call, |a| {
            let patients = found(a, "Patient")?;
            patients
                .first()
                .and_then(|r| id_of(r))
                .map(String::from)
                .ok_or_else(|| "the registration answer holds no Patient with an id".to_string())
        })
        .await?;
    if let Some(id) = id {
        s.note("patient_id", id);
    }
    Ok(())
}
