//! The FHIR versions the harness reads (STU3 for GP Connect 1.x, DSTU2 for Access Record HTML 0.7.x), and
//! telling them apart from a resource that does not say.

use serde_json::Value;

/// A FHIR release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FhirVersion {
    /// FHIR STU3 (3.0.1): GP Connect 1.x.
    Stu3,
    /// FHIR DSTU2 (1.0.2): GP Connect 0.x (Access Record HTML).
    Dstu2,
}

/// Resource types of DSTU2 that STU3 renamed or removed (a resource of one of them is DSTU2 content).
const DSTU2_ONLY_TYPES: [&str; 6] = [
    "Conformance",
    "MedicationOrder",
    "DiagnosticOrder",
    "Order",
    "OrderResponse",
    "DeviceUseRequest",
];

/// Resource types of STU3 that DSTU2 does not have.
const STU3_ONLY_TYPES: [&str; 3] = ["CapabilityStatement", "CodeSystem", "MedicationRequest"];

/// GP Connect 0.x (DSTU2) profiles live under this base; 1.x profiles under `https://fhir.nhs.uk/`.
const DSTU2_PROFILE_BASE: &str = "http://fhir.nhs.net/";

impl FhirVersion {
    /// The `fhirVersion` string of the release.
    pub fn number(self) -> &'static str {
        match self {
            FhirVersion::Stu3 => "3.0.1",
            FhirVersion::Dstu2 => "1.0.2",
        }
    }

    /// The release a version string (`3.0.1`, `1.0.2`, `stu3`, `dstu2`) names.
    pub fn parse(text: &str) -> Option<FhirVersion> {
        match text.trim().to_ascii_lowercase().as_str() {
            "stu3" | "r3" => Some(FhirVersion::Stu3),
            "dstu2" | "r2" => Some(FhirVersion::Dstu2),
            t if t.starts_with("3.") => Some(FhirVersion::Stu3),
            t if t.starts_with("1.0") => Some(FhirVersion::Dstu2),
            _ => None,
        }
    }

    /// The release a JSON resource belongs to, when it tells: a type only one release has, a `fhirVersion`
    /// (Conformance, StructureDefinition), a DSTU2-shaped StructureDefinition (`constrainedType`, no `type`),
    /// or a GP Connect 0.x profile (`http://fhir.nhs.net/...`) claimed in `meta.profile` of the resource or of
    /// a Bundle entry. `None` when nothing tells.
    pub fn detect(resource: &Value) -> Option<FhirVersion> {
        let rt = resource.get("resourceType").and_then(Value::as_str)?;
        if DSTU2_ONLY_TYPES.contains(&rt) {
            return Some(FhirVersion::Dstu2);
        }
        if STU3_ONLY_TYPES.contains(&rt) {
            return Some(FhirVersion::Stu3);
        }
        if let Some(v) = resource
            .get("fhirVersion")
            .and_then(Value::as_str)
            .and_then(FhirVersion::parse)
        {
            return Some(v);
        }
        if rt == "StructureDefinition" {
            if resource.get("constrainedType").is_some() {
                return Some(FhirVersion::Dstu2);
            }
            if resource.get("type").is_some() || resource.get("baseDefinition").is_some() {
                return Some(FhirVersion::Stu3);
            }
        }
        let claims = |r: &Value| {
            r.get("meta")
                .and_then(|m| m.get("profile"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .any(|p| p.starts_with(DSTU2_PROFILE_BASE))
        };
        let entries = resource
            .get("entry")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("resource"));
        if claims(resource) || entries.clone().any(claims) {
            return Some(FhirVersion::Dstu2);
        }
        entries.filter_map(FhirVersion::detect).next()
    }

    /// The release of a FHIR XML document, by a cheap look at its text (before it is parsed, which needs the
    /// release's element model): the root element's name, a `fhirVersion`, `constrainedType`, or a claimed
    /// GP Connect 0.x profile. `None` when nothing tells.
    pub fn detect_xml(text: &str) -> Option<FhirVersion> {
        let root = root_element(text)?;
        if DSTU2_ONLY_TYPES.contains(&root) {
            return Some(FhirVersion::Dstu2);
        }
        if STU3_ONLY_TYPES.contains(&root) {
            return Some(FhirVersion::Stu3);
        }
        if let Some(v) = attribute_after(text, "<fhirVersion").and_then(FhirVersion::parse) {
            return Some(v);
        }
        if root == "StructureDefinition" {
            if text.contains("<constrainedType") {
                return Some(FhirVersion::Dstu2);
            }
            if text.contains("<baseDefinition") {
                return Some(FhirVersion::Stu3);
            }
        }
        let mut rest = text;
        while let Some(i) = rest.find("<profile") {
            rest = &rest[i + "<profile".len()..];
            if attribute_after(rest, "").is_some_and(|v| v.starts_with(DSTU2_PROFILE_BASE)) {
                return Some(FhirVersion::Dstu2);
            }
        }
        None
    }
}

/// The local name of the first element of an XML document.
fn root_element(text: &str) -> Option<&str> {
    let mut rest = text;
    loop {
        let i = rest.find('<')?;
        rest = &rest[i + 1..];
        if rest.starts_with(['?', '!']) {
            continue;
        }
        let end = rest.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
        let name = &rest[..end];
        return Some(name.rsplit(':').next().unwrap_or(name));
    }
}

/// The `value="..."` attribute of the element that starts at (or right after) `marker` in `text`.
fn attribute_after<'t>(text: &'t str, marker: &str) -> Option<&'t str> {
    let start = text.find(marker)? + marker.len();
    let tag = &text[start..];
    let tag = &tag[..tag.find('>')?];
    let v = tag.find("value=")? + "value=".len();
    let quoted = &tag[v..];
    let quote = quoted.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = &quoted[1..];
    Some(&inner[..inner.find(quote)?])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_resources_tell_their_release() {
        let d = Some(FhirVersion::Dstu2);
        let s = Some(FhirVersion::Stu3);
        assert_eq!(
            FhirVersion::detect(&json!({"resourceType": "Conformance"})),
            d
        );
        assert_eq!(
            FhirVersion::detect(&json!({"resourceType": "CapabilityStatement"})),
            s
        );
        let bundle = json!({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient",
            "meta": {"profile": ["http://fhir.nhs.net/StructureDefinition/gpconnect-patient-1"]}}}]});
        assert_eq!(FhirVersion::detect(&bundle), d);
        assert_eq!(
            FhirVersion::detect(
                &json!({"resourceType": "StructureDefinition", "constrainedType": "Patient"})
            ),
            d
        );
        assert_eq!(
            FhirVersion::detect(&json!({"resourceType": "Patient", "meta": {"profile":
                ["https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Patient-1"]}})),
            None
        );
        assert_eq!(FhirVersion::parse("1.0.2"), d);
        assert_eq!(FhirVersion::parse("3.0.1"), s);
    }

    #[test]
    fn xml_documents_tell_their_release() {
        assert_eq!(
            FhirVersion::detect_xml(
                "<?xml version=\"1.0\"?>\n<Conformance xmlns=\"http://hl7.org/fhir\"/>"
            ),
            Some(FhirVersion::Dstu2)
        );
        let bundle = "<Bundle xmlns=\"http://hl7.org/fhir\"><entry><resource><Patient><meta><profile \
                      value=\"http://fhir.nhs.net/StructureDefinition/gpconnect-patient-1\"/></meta></Patient>\
                      </resource></entry></Bundle>";
        assert_eq!(FhirVersion::detect_xml(bundle), Some(FhirVersion::Dstu2));
        assert_eq!(
            FhirVersion::detect_xml(
                "<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"1\"/></Patient>"
            ),
            None
        );
        assert_eq!(
            FhirVersion::detect_xml("<StructureDefinition xmlns=\"http://hl7.org/fhir\"><constrainedType value=\"Patient\"/></StructureDefinition>"),
            Some(FhirVersion::Dstu2)
        );
    }
}
