//! Foundations 1.2.7 handlers: CapabilityStatement, Patient search/read/register, Practitioner,
//! Organization and Location.

use serde_json::{json, Map, Value};

use super::data::{self, PatientRecord, Role};
use super::negotiate::Format;
use super::{api_error, ApiError, Fault, ProviderState, Reply, Req};

use crate::spine::headers::{profile, system};

pub(crate) fn meta(st: &ProviderState, profile_url: &str, version: u64) -> Value {
    if st.fault(Fault::NoVersionId) {
        json!({ "profile": [profile_url] })
    } else {
        json!({ "versionId": version.to_string(), "profile": [profile_url] })
    }
}

pub(crate) fn searchset(st: &ProviderState, resources: Vec<Value>) -> Reply {
    let entries = resources
        .into_iter()
        .map(|r| json!({ "resource": r }))
        .collect();
    searchset_reply(st, uuid::Uuid::new_v4().to_string(), entries)
}

/// A searchset Bundle of these entries: GPConnect-Searchset-Bundle-1 forbids `total` (max 0), and an empty search
/// has no `entry` at all.
pub(crate) fn searchset_reply(st: &ProviderState, id: String, entries: Vec<Value>) -> Reply {
    let kind = if st.fault(Fault::BundleWrongType) {
        "collection"
    } else {
        "searchset"
    };
    let mut body = json!({
        "resourceType": "Bundle",
        "id": id,
        "meta": { "profile": [profile::SEARCHSET_BUNDLE] },
        "type": kind
    });
    if !entries.is_empty() {
        body["entry"] = json!(entries);
    }
    Reply {
        status: 200,
        body,
        ..Reply::default()
    }
}

fn not_found(st: &ProviderState, code: &'static str, what: &str) -> ApiError {
    let code = if st.fault(Fault::WrongNotFoundCode) {
        "NO_RECORD_FOUND"
    } else {
        code
    };
    api_error(code, format!("{what} was not found"))
}

/// Parses the single `identifier=system|value` search parameter.
fn identifier_param<'a>(
    st: &ProviderState,
    req: &'a Req<'_>,
    expected: &str,
) -> Result<&'a str, ApiError> {
    let values = req.param_all("identifier");
    let raw = match values.as_slice() {
        [] => {
            return Err(api_error(
                "BAD_REQUEST",
                "the identifier search parameter is missing",
            ))
        }
        [one] => *one,
        [first, ..] if st.fault(Fault::AcceptMultipleIdentifiers) => *first,
        _ => {
            return Err(api_error(
                "BAD_REQUEST",
                "the identifier search parameter must be given once",
            ))
        }
    };
    let Some((sys, value)) = raw.split_once('|') else {
        return Err(api_error(
            "INVALID_PARAMETER",
            format!("identifier `{raw}` must be `system|value`"),
        ));
    };
    if sys.is_empty() {
        return Err(api_error("INVALID_PARAMETER", "identifier has no system"));
    }
    if value.is_empty() {
        return Err(api_error("INVALID_PARAMETER", "identifier has no value"));
    }
    if sys != expected && !st.fault(Fault::AcceptUnknownIdentifierSystem) {
        return Err(api_error(
            "INVALID_IDENTIFIER_SYSTEM",
            format!("identifier system `{sys}` is not {expected}"),
        ));
    }
    Ok(value)
}

pub(crate) fn visible(st: &ProviderState, p: &PatientRecord) -> bool {
    match p.role {
        Role::Normal | Role::NoConsent => true,
        Role::Sensitive => st.fault(Fault::SensitiveReturned),
        Role::Deceased => st.fault(Fault::DeceasedReturned),
        Role::Superseded | Role::NotOnPds | Role::Inactive => false,
    }
}

pub(crate) fn patient_resource(st: &ProviderState, p: &PatientRecord) -> Value {
    let profile_url = if st.fault(Fault::WrongMetaProfile) {
        "https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Patient-1"
    } else {
        profile::PATIENT
    };
    let nhs_system = if st.fault(Fault::OldNhsNumberSystem) {
        system::NHS_NUMBER_DSTU2
    } else {
        system::NHS_NUMBER
    };
    let mut registration = vec![
        json!({ "url": "preferredBranchSurgery", "valueReference": { "reference": "Location/1" } }),
    ];
    let reg_type = p.registration_type.as_deref().unwrap_or("R");
    let temporary = p.registration_type.is_some();
    if !(temporary && st.fault(Fault::RegisterNoRegistrationType)) {
        let display = if reg_type == "T" {
            "Temporary"
        } else {
            "Regular"
        };
        registration.push(json!({
            "url": "registrationType",
            "valueCodeableConcept": { "coding": [{ "system": system::REGISTRATION_TYPE, "code": reg_type, "display": display }] }
        }));
    }
    if let Some(start) = &p.registration_start {
        registration
            .push(json!({ "url": "registrationPeriod", "valuePeriod": { "start": start } }));
    }
    let verification = if st.fault(Fault::NhsNumberUnverified) {
        json!({ "system": system::NHS_NUMBER_VERIFICATION, "code": "02", "display": "Number present but not traced" })
    } else {
        json!({ "system": system::NHS_NUMBER_VERIFICATION, "code": "01", "display": "Number present and verified" })
    };
    let mut r = json!({
        "resourceType": "Patient",
        "id": p.id,
        "meta": meta(st, profile_url, p.version),
        "extension": [{ "url": profile::EXT_REGISTRATION_DETAILS, "extension": registration }],
        "identifier": [{
            "extension": [{
                "url": profile::EXT_NHS_NUMBER_VERIFICATION,
                "valueCodeableConcept": { "coding": [verification] }
            }],
            "system": nhs_system,
            "value": p.nhs_number
        }],
        "active": true,
        "name": [{
            "use": if st.fault(Fault::PatientNameNotOfficial) { "usual" } else { "official" },
            "text": format!("{} {}", p.given, p.family.to_uppercase()),
            "family": p.family,
            "given": [p.given],
        }],
        "telecom": [{ "system": "phone", "value": "01454587554", "use": "home" }],
        "gender": p.gender,
        "birthDate": p.birth_date,
        "address": [data::address(true)],
        "generalPractitioner": [{ "reference": "Practitioner/1" }],
        "managingOrganization": { "reference": "Organization/1" }
    });
    if st.fault(Fault::PatientGenderNotCoded) {
        r["gender"] = json!("F");
    }
    if !p.prefix.is_empty() {
        r["name"][0]["prefix"] = json!([p.prefix]);
    }
    if let Some(d) = &p.deceased {
        r["deceasedDateTime"] = json!(d);
    }
    if st.fault(Fault::PatientForbiddenElements) {
        r["maritalStatus"] = json!({ "text": "Married" });
        r["multipleBirthBoolean"] = json!(false);
        r["multipleBirthInteger"] = json!(1);
        r["photo"] = json!([{ "title": "photo" }]);
        r["link"] = json!([{ "other": { "reference": "Patient/1" }, "type": "seealso" }]);
        r["animal"] = json!({ "species": { "text": "dog" } });
        if let Some(exts) = r["extension"].as_array_mut() {
            for name in [
                "EthnicCategory",
                "ReligiousAffiliation",
                "patient-cadavericDonor",
                "ResidentialStatus",
                "TreatmentCategory",
                "birthPlace",
            ] {
                exts.push(json!({ "url": format!("https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-{name}-1"), "valueString": "x" }));
            }
        }
    }
    if st.fault(Fault::PatientNoGp) {
        if let Some(o) = r.as_object_mut() {
            o.remove("generalPractitioner");
        }
    }
    r
}

pub(super) fn patient_search(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let nhs = identifier_param(st, req, system::NHS_NUMBER)?;
    if !data::nhs_number_valid(nhs) && !st.fault(Fault::AcceptBadNhsNumber) {
        return Err(api_error(
            "INVALID_NHS_NUMBER",
            format!("`{nhs}` is not a valid NHS number"),
        ));
    }
    let store = st.lock();
    let found: Vec<Value> = store
        .patients
        .iter()
        .filter(|p| p.nhs_number == nhs && visible(st, p))
        .map(|p| patient_resource(st, p))
        .collect();
    drop(store);
    if found.is_empty() && st.fault(Fault::NotFoundSearchIs404) {
        return Err(api_error(
            "PATIENT_NOT_FOUND",
            format!("no patient with NHS number {nhs}"),
        ));
    }
    Ok(searchset(st, found))
}

pub(super) fn patient_read(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let id = req.id.as_deref().unwrap_or_default();
    let store = st.lock();
    match store.patients.iter().find(|p| p.id == id && visible(st, p)) {
        Some(p) => Ok(Reply::ok(patient_resource(st, p))),
        None => Err(not_found(st, "PATIENT_NOT_FOUND", &format!("Patient/{id}"))),
    }
}

/// Parses a request body in the format its Content-Type declared.
pub(crate) fn parse_body(st: &ProviderState, req: &Req<'_>) -> Result<Value, ApiError> {
    match req.body_format {
        None => Err(api_error("BAD_REQUEST", "the request has no body")),
        Some(Format::Json) => serde_json::from_slice(req.body).map_err(|e| {
            api_error(
                "BAD_REQUEST",
                format!("the request body is not valid JSON: {e}"),
            )
        }),
        Some(Format::Xml) => {
            let text = std::str::from_utf8(req.body)
                .map_err(|_| api_error("BAD_REQUEST", "the XML request body is not UTF-8"))?;
            let model = crate::fhir::stu3_model(&st.fhir_path).map_err(|e| {
                api_error(
                    "INTERNAL_SERVER_ERROR",
                    format!("FHIR definitions unavailable: {e}"),
                )
            })?;
            crate::fhir::xml::xml_to_json(text, &model).map_err(|e| {
                api_error(
                    "BAD_REQUEST",
                    format!("the request body is not valid FHIR XML: {e}"),
                )
            })
        }
    }
}

const REGISTER_ALLOWED: &[&str] = &[
    "resourceType",
    "id",
    "meta",
    "identifier",
    "name",
    "gender",
    "birthDate",
    "telecom",
    "address",
    "extension",
];

fn invalid_resource(msg: impl Into<String>) -> ApiError {
    api_error("INVALID_RESOURCE", msg)
}

/// Validates the `registerPatient` Parameters and returns the Patient.
fn register_input(st: &ProviderState, body: &Value) -> Result<Map<String, Value>, ApiError> {
    if body.get("resourceType").and_then(Value::as_str) != Some("Parameters") {
        return Err(invalid_resource("the body must be a Parameters resource"));
    }
    let params = body
        .get("parameter")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if params.len() != 1 {
        return Err(invalid_resource(format!(
            "Parameters must hold exactly one parameter, found {}",
            params.len()
        )));
    }
    let p = &params[0];
    if p.get("name").and_then(Value::as_str) != Some("registerPatient") {
        return Err(invalid_resource(
            "the parameter must be named `registerPatient`",
        ));
    }
    let Some(patient) = p.get("resource").and_then(Value::as_object).cloned() else {
        return Err(invalid_resource("registerPatient must carry a resource"));
    };
    if patient.get("resourceType").and_then(Value::as_str) != Some("Patient") {
        return Err(invalid_resource(
            "registerPatient must be a Patient resource",
        ));
    }
    if !st.fault(Fault::RegisterAcceptsExtraElements) {
        if let Some(extra) = patient
            .keys()
            .find(|k| !REGISTER_ALLOWED.contains(&k.as_str()))
        {
            return Err(invalid_resource(format!(
                "Patient.{extra} must not be sent to $gpc.registerpatient"
            )));
        }
    }
    let profiles = patient
        .get("meta")
        .and_then(|m| m.get("profile"))
        .and_then(Value::as_array);
    if !profiles.is_some_and(|ps| ps.iter().any(|p| p.as_str() == Some(profile::PATIENT))) {
        return Err(invalid_resource(format!(
            "Patient.meta.profile must be {}",
            profile::PATIENT
        )));
    }
    let names = patient
        .get("name")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let official: Vec<&Value> = names
        .iter()
        .filter(|n| n.get("use").and_then(Value::as_str) == Some("official"))
        .collect();
    if official.len() != 1 {
        return Err(invalid_resource(format!(
            "Patient must have exactly one official name, found {}",
            official.len()
        )));
    }
    let has_family = official[0]
        .get("family")
        .and_then(Value::as_str)
        .is_some_and(|f| !f.is_empty());
    let has_given = official[0]
        .get("given")
        .and_then(Value::as_array)
        .is_some_and(|g| !g.is_empty());
    if !has_family || !has_given {
        return Err(invalid_resource(
            "the official name must have a family and a given name",
        ));
    }
    match patient.get("birthDate").and_then(Value::as_str) {
        Some(d) if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok() => {}
        _ => return Err(invalid_resource("Patient.birthDate must be a full date")),
    }
    if let Some(g) = patient.get("gender") {
        if !matches!(g.as_str(), Some("male" | "female" | "other" | "unknown")) {
            return Err(invalid_resource(
                "Patient.gender is not an administrative gender code",
            ));
        }
    }
    let homes = patient
        .get("address")
        .and_then(Value::as_array)
        .map_or(0, |a| {
            a.iter()
                .filter(|x| x.get("use").and_then(Value::as_str) == Some("home"))
                .count()
        });
    if homes > 1 {
        return Err(invalid_resource("at most one home address may be sent"));
    }
    Ok(patient)
}

pub(super) fn register_patient(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let body = parse_body(st, req)?;
    let patient = register_input(st, &body)?;
    let ids = patient
        .get("identifier")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let nhs_ids: Vec<&str> = ids
        .iter()
        .filter(|i| i.get("system").and_then(Value::as_str) == Some(system::NHS_NUMBER))
        .filter_map(|i| i.get("value").and_then(Value::as_str))
        .collect();
    let nhs = match nhs_ids.as_slice() {
        [one] => (*one).to_string(),
        _ => {
            return Err(invalid_resource(
                "Patient must carry exactly one NHS number identifier",
            ))
        }
    };
    if !data::nhs_number_valid(&nhs) && !st.fault(Fault::AcceptBadNhsNumber) {
        return Err(api_error(
            "INVALID_NHS_NUMBER",
            format!("`{nhs}` is not a valid NHS number"),
        ));
    }
    let family = patient
        .get("name")
        .and_then(Value::as_array)
        .and_then(|n| {
            n.iter()
                .find(|n| n.get("use").and_then(Value::as_str) == Some("official"))
        })
        .and_then(|n| n.get("family"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let birth = patient
        .get("birthDate")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut store = st.lock();
    let Some(person) = store.pds.iter().find(|p| p.nhs_number == nhs).cloned() else {
        return Err(api_error(
            "INVALID_PATIENT_DEMOGRAPHICS",
            format!("NHS number {nhs} is not known to PDS"),
        ));
    };
    if person.superseded {
        return Err(api_error(
            "INVALID_NHS_NUMBER",
            format!("NHS number {nhs} is superseded on PDS"),
        ));
    }
    if person.deceased || person.sensitive {
        return Err(api_error(
            "INVALID_PATIENT_DEMOGRAPHICS",
            "PDS does not allow this patient to be registered",
        ));
    }
    if !st.fault(Fault::RegisterSkipsDemographics)
        && (!person.family.eq_ignore_ascii_case(&family) || person.birth_date != birth)
    {
        return Err(api_error(
            "INVALID_PATIENT_DEMOGRAPHICS",
            "the demographics do not match PDS",
        ));
    }
    let now = st.clock.now().format("%Y-%m-%dT%H:%M:%S+00:00").to_string();
    if let Some(existing) = store.patients.iter_mut().find(|p| p.nhs_number == nhs) {
        if existing.role == Role::Inactive {
            existing.role = Role::Normal;
            existing.version += 1;
            existing.registration_type = Some("T".into());
            existing.registration_start = Some(now);
        } else if !st.fault(Fault::RegisterDuplicateAccepted) {
            return Err(api_error(
                "DUPLICATE_REJECTED",
                format!("patient {nhs} is already registered"),
            ));
        }
        let resource = patient_resource(st, existing);
        return Ok(searchset(st, vec![resource]));
    }
    store.next_id += 1;
    let record = PatientRecord {
        id: store.next_id.to_string(),
        version: 1,
        nhs_number: nhs,
        family: person.family.clone(),
        given: person.given.clone(),
        prefix: String::new(),
        gender: person.gender.clone(),
        birth_date: person.birth_date.clone(),
        role: Role::Normal,
        registration_type: Some("T".into()),
        registration_start: Some(now),
        deceased: None,
    };
    let resource = patient_resource(st, &record);
    store.patients.push(record);
    Ok(searchset(st, vec![resource]))
}

pub(crate) fn practitioner_resource(st: &ProviderState, p: &data::Prac) -> Value {
    let mut ids = vec![json!({ "system": system::SDS_USER, "value": p.sds })];
    let extra = usize::from(st.fault(Fault::PractitionerRoleIdsMiscounted));
    for n in 0..p.role_profiles + extra {
        ids.push(json!({ "system": system::SDS_ROLE_PROFILE, "value": format!("{}{}", 100_000_000_000u64 + n as u64, p.id) }));
    }
    let mut r = json!({
        "resourceType": "Practitioner",
        "id": p.id,
        "meta": meta(st, profile::PRACTITIONER, 1),
        "identifier": ids,
        "name": [{ "use": "usual", "family": p.family, "given": [p.given], "prefix": ["Dr"] }],
        "gender": p.gender
    });
    if st.fault(Fault::PractitionerForbiddenElements) {
        r["telecom"] = json!([{ "system": "phone", "value": "0113 000 0000" }]);
        r["birthDate"] = json!("1970-01-01");
        r["address"] = json!([data::address(false)]);
        r["photo"] = json!([{ "title": "photo" }]);
        r["qualification"] = json!([{ "code": { "text": "MBBS" } }]);
    }
    r
}

pub(super) fn practitioner_search(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let sds = identifier_param(st, req, system::SDS_USER)?;
    let found: Vec<Value> = data::practitioners()
        .iter()
        .filter(|p| p.sds == sds)
        .map(|p| practitioner_resource(st, p))
        .collect();
    if found.is_empty() && st.fault(Fault::NotFoundSearchIs404) {
        return Err(api_error(
            "PRACTITIONER_NOT_FOUND",
            format!("no practitioner {sds}"),
        ));
    }
    Ok(searchset(st, found))
}

pub(super) fn practitioner_read(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let id = req.id.as_deref().unwrap_or_default();
    data::practitioners()
        .iter()
        .find(|p| p.id == id)
        .map(|p| Reply::ok(practitioner_resource(st, p)))
        .ok_or_else(|| not_found(st, "PRACTITIONER_NOT_FOUND", &format!("Practitioner/{id}")))
}

pub(crate) fn organization_resource(st: &ProviderState, o: &data::Org) -> Value {
    let mut r = json!({
        "resourceType": "Organization",
        "id": o.id,
        "meta": meta(st, profile::ORGANIZATION, 1),
        "identifier": [{ "system": system::ODS_ORGANIZATION, "value": o.ods }],
        "name": o.name,
        "telecom": [{ "system": "phone", "value": "03003035678", "use": "work" }],
        "address": [data::address(false)]
    });
    if st.fault(Fault::OrganizationForbiddenElements) {
        r["contact"] = json!([{ "name": { "family": "Reception" } }]);
    }
    r
}

pub(super) fn organization_search(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let code = identifier_param(st, req, system::ODS_ORGANIZATION)?;
    let found: Vec<Value> = data::organizations()
        .iter()
        .filter(|o| o.ods == code)
        .map(|o| organization_resource(st, o))
        .collect();
    if found.is_empty() && st.fault(Fault::NotFoundSearchIs404) {
        return Err(api_error(
            "ORGANISATION_NOT_FOUND",
            format!("no organisation {code}"),
        ));
    }
    Ok(searchset(st, found))
}

pub(super) fn organization_read(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let id = req.id.as_deref().unwrap_or_default();
    data::organizations()
        .iter()
        .find(|o| o.id == id)
        .map(|o| Reply::ok(organization_resource(st, o)))
        .ok_or_else(|| not_found(st, "ORGANISATION_NOT_FOUND", &format!("Organization/{id}")))
}

pub(super) fn location_read(st: &ProviderState, req: &Req<'_>) -> Result<Reply, ApiError> {
    let id = req.id.as_deref().unwrap_or_default();
    let Some(site) = data::sites().into_iter().find(|s| s.id == id) else {
        return Err(api_error(
            "NO_RECORD_FOUND",
            format!("Location/{id} was not found"),
        ));
    };
    Ok(Reply::ok(location_resource(st, &site)))
}

pub(crate) fn location_resource(st: &ProviderState, site: &data::Site) -> Value {
    let mut r = json!({
        "resourceType": "Location",
        "id": site.id,
        "meta": meta(st, profile::LOCATION, 1),
        "identifier": [{ "system": system::ODS_SITE, "value": data::site_ods(site.site_key) }],
        "status": "active",
        "name": site.name,
        "telecom": [{ "system": "phone", "value": "03003035678", "use": "work" }],
        "address": data::address(false),
        "managingOrganization": { "reference": format!("Organization/{}", site.org_id) }
    });
    if st.fault(Fault::LocationNoManagingOrg) {
        if let Some(o) = r.as_object_mut() {
            o.remove("managingOrganization");
        }
    }
    r
}

pub(super) fn capability_statement(st: &ProviderState) -> Value {
    let version = if st.fault(Fault::CapabilityWrongVersion) {
        "1.2.6"
    } else {
        "1.2.7"
    };
    let profiles = [
        profile::PATIENT,
        profile::ORGANIZATION,
        profile::PRACTITIONER,
        profile::PRACTITIONER_ROLE,
        profile::LOCATION,
        profile::OPERATION_OUTCOME,
        profile::APPOINTMENT,
        profile::SCHEDULE,
        profile::SLOT,
    ];
    let mut operations = Vec::new();
    if !st.fault(Fault::CapabilityNoStructuredOperation) {
        operations.push(json!({
            "name": "gpc.getstructuredrecord",
            "definition": { "reference": format!("{}/_history/1.12", profile::GET_STRUCTURED_OPERATION) }
        }));
    }
    if !st.fault(Fault::CapabilityNoRegisterOperation) {
        operations.insert(0, json!({ "name": "gpc.registerpatient", "definition": { "reference": profile::REGISTER_PATIENT_OPERATION } }));
    }
    let search_by = |t: &str, doc: &str| {
        json!({
            "type": t,
            "interaction": [{ "code": "read" }, { "code": "search-type" }],
            "searchParam": [{ "name": "identifier", "type": "token", "documentation": doc }]
        })
    };
    let mut resources = vec![
        search_by(
            "Patient",
            "NHS Number (i.e. https://fhir.nhs.uk/Id/nhs-number|123456789)",
        ),
        search_by(
            "Organization",
            "ODS Code (i.e. https://fhir.nhs.uk/Id/ods-organization-code|Y12345)",
        ),
        search_by(
            "Practitioner",
            "SDS User Id (i.e. https://fhir.nhs.uk/Id/sds-user-id|999999)",
        ),
        json!({ "type": "Location", "interaction": [{ "code": "read" }] }),
        // Appointment Management shares this server.
        json!({
            "type": "Appointment",
            "interaction": [{ "code": "read" }, { "code": "create" }, { "code": "update" }, { "code": "search-type" }],
            "updateCreate": false,
            "searchParam": [{ "name": "start", "type": "date", "documentation": "Patient's appointments: start=ge[date]&start=le[date]" }]
        }),
        json!({
            "type": "Slot",
            "interaction": [{ "code": "search-type" }],
            "searchInclude": ["Slot:schedule", "Schedule:actor:Practitioner", "Schedule:actor:Location", "Location:managingOrganization"],
            "searchParam": [
                { "name": "start", "type": "date" },
                { "name": "end", "type": "date" },
                { "name": "status", "type": "token" },
                { "name": "searchFilter", "type": "token" }
            ]
        }),
    ];
    if st.fault(Fault::CapabilityNoInteractions) {
        resources.clear();
    }
    let profiles: Vec<&str> = if st.fault(Fault::CapabilityNoProfiles) {
        Vec::new()
    } else {
        profiles.to_vec()
    };
    let formats = if st.fault(Fault::CapabilityDstu2Formats) {
        ["application/json+fhir", "application/xml+fhir"]
    } else {
        ["application/fhir+json", "application/fhir+xml"]
    };
    let wrong = st.fault(Fault::CapabilityWrongHeader);
    let mut cs = json!({
        "resourceType": "CapabilityStatement",
        "version": version,
        "name": "GP Connect",
        "status": if wrong { "draft" } else { "active" },
        "date": "2021-12-10",
        "publisher": "gpc-assure",
        "description": format!("This server implements the GP Connect API version {version}"),
        "kind": if wrong { "instance" } else { "capability" },
        "software": { "name": "gpc-assure reference provider", "version": env!("CARGO_PKG_VERSION"), "releaseDate": "2026-11-21" },
        "fhirVersion": if wrong { "1.0.2" } else { "3.0.1" },
        "acceptUnknown": if wrong { "no" } else { "both" },
        "format": formats,
        "profile": profiles.iter().map(|p| json!({ "reference": p })).collect::<Vec<_>>(),
        "rest": [{
            "mode": if wrong { "client" } else { "server" },
            "security": { "cors": !wrong },
            "resource": resources,
            "operation": operations
        }]
    });
    if st.fault(Fault::CapabilityNoSoftware) {
        if let Some(o) = cs.as_object_mut() {
            o.remove("software");
        }
    }
    cs
}
