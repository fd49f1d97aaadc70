//! The interaction catalogue: one row per GP Connect interaction, and the [`Interaction`] enum generated from it.
//! Steps, the reference provider's router and (later) the consumer inspector read this table; no URN, scope or
//! interaction name is spelled anywhere else. Provider dispatch and the valid-request recipes are exhaustive
//! `match`es on [`Interaction`], so a new row does not compile until every place that must handle it does.

use std::fmt;
use std::str::FromStr;

use super::headers::profile;

/// A GP Connect capability (one service root each, except Foundations and Appointments which share one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    Foundations,
    Appointments,
    Structured,
    Documents,
    Html,
}

impl Capability {
    pub const ALL: [Capability; 5] = [
        Self::Foundations,
        Self::Appointments,
        Self::Structured,
        Self::Documents,
        Self::Html,
    ];

    /// Position in [`Capability::ALL`].
    pub const fn ordinal(self) -> usize {
        match self {
            Self::Foundations => 0,
            Self::Appointments => 1,
            Self::Structured => 2,
            Self::Documents => 3,
            Self::Html => 4,
        }
    }

    /// The tag, config key and JUnit classname part of this capability.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Foundations => "foundations",
            Self::Appointments => "appointments",
            Self::Structured => "structured",
            Self::Documents => "documents",
            Self::Html => "html",
        }
    }

    /// The capability a tag or config key names.
    pub fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.tag() == tag)
    }

    /// Whether two capabilities are served from one service root (Foundations and Appointment Management are).
    pub fn shares_root_with(self, other: Capability) -> bool {
        self == other
            || matches!(
                (self, other),
                (Self::Foundations, Self::Appointments) | (Self::Appointments, Self::Foundations)
            )
    }
}

/// HTTP method of an interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
        }
    }
}

/// What a successful response of an interaction is: a Bundle with its profile, or a single resource; and the
/// (resource type, profile) pairs it may hold (the resource itself, or the Bundle's entries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response {
    /// The Bundle profile when the response is a Bundle the specification profiles.
    pub bundle: Option<&'static str>,
    /// The resource type of an unprofiled single-resource response (`CapabilityStatement`, `Binary`).
    pub unprofiled: Option<&'static str>,
    /// Resource types the response may carry, each with its profile.
    pub resources: &'static [(&'static str, &'static str)],
}

impl Response {
    /// A single resource (give one `(type, profile)` pair).
    const fn resource(resource: &'static [(&'static str, &'static str); 1]) -> Self {
        Self {
            bundle: None,
            unprofiled: None,
            resources: resource,
        }
    }

    const fn resource_unprofiled(kind: &'static str) -> Self {
        Self {
            bundle: None,
            unprofiled: Some(kind),
            resources: &[],
        }
    }

    const fn searchset(resources: &'static [(&'static str, &'static str)]) -> Self {
        Self::bundle(profile::SEARCHSET_BUNDLE, resources)
    }

    const fn bundle(
        profile: &'static str,
        resources: &'static [(&'static str, &'static str)],
    ) -> Self {
        Self {
            bundle: Some(profile),
            unprofiled: None,
            resources,
        }
    }

    /// The profile a resource of type `kind` in this response must carry.
    pub fn profile_for(&self, kind: &str) -> Option<&'static str> {
        self.resources
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, p)| *p)
    }

    /// Every profile of the response: the Bundle's, then the resources'.
    pub fn profiles(&self) -> Vec<&'static str> {
        self.bundle
            .into_iter()
            .chain(self.resources.iter().map(|(_, p)| *p))
            .collect()
    }
}

/// One row of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// The `Ssp-InteractionID` URN.
    pub urn: &'static str,
    pub capability: Capability,
    /// Spec version that defines the interaction in this catalogue.
    pub spec_version: &'static str,
    pub method: Method,
    /// Path template relative to the service root; `{id}` is a logical id.
    pub path: &'static str,
    /// JWT `requested_scope`.
    pub scope: &'static str,
    /// Shape of a successful response.
    pub response: Response,
}

macro_rules! urn {
    ($tail:literal) => {
        concat!("urn:nhs:names:services:gpconnect:fhir:", $tail)
    };
}

macro_rules! catalogue {
    ($( $(#[$doc:meta])* $name:ident { $($field:ident : $value:expr),* $(,)? } )*) => {
        /// An interaction of the specification; its name is the one feature files use
        /// (`Given I configure the default "PatientRead" request`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Interaction {
            $($(#[$doc])* $name,)*
        }

        impl Interaction {
            /// Every interaction, in catalogue order.
            pub const ALL: &'static [Interaction] = &[$(Interaction::$name,)*];

            /// The name feature files use.
            pub fn name(self) -> &'static str {
                match self {
                    $(Interaction::$name => stringify!($name),)*
                }
            }

            /// The catalogue row.
            pub fn spec(self) -> &'static Spec {
                match self {
                    $(Interaction::$name => {
                        const ROW: Spec = Spec { $($field: $value),* };
                        &ROW
                    })*
                }
            }
        }
    };
}

catalogue! {
    // Foundations 1.2.7
    MetadataRead {
        urn: urn!("rest:read:metadata-1"),
        capability: Capability::Foundations,
        spec_version: "1.2.7",
        method: Method::Get,
        path: "/metadata",
        scope: "organization/*.read",
        response: Response::resource_unprofiled("CapabilityStatement"),
    }
    PatientSearch {
        urn: urn!("rest:search:patient-1"),
        capability: Capability::Foundations,
        spec_version: "1.2.7",
        method: Method::Get,
        path: "/Patient",
        scope: "patient/*.read",
        response: Response::searchset(&[("Patient", profile::PATIENT)]),
    }
    PatientRead {
        urn: urn!("rest:read:patient-1"),
        capability: Capability::Foundations,
        spec_version: "1.2.7",
        method: Method::Get,
        path: "/Patient/{id}",
        scope: "patient/*.read",
        response: Response::resource(&[("Patient", profile::PATIENT)]),
    }
    RegisterPatient {
        urn: urn!("operation:gpc.registerpatient-1"),
        capability: Capability::Foundations,
        spec_version: "1.2.7",
        method: Method::Post,
        path: "/Patient/$gpc.registerpatient",
        scope: "patient/*.write",
        response: Response::searchset(&[("Patient", profile::PATIENT)]),
    }
    PractitionerSearch {
        urn: urn!("rest:search:practitioner-1"),
        capability: Capability::Foundations,
        spec_version: "1.2.7",
        method: Method::Get,
        path: "/Practitioner",
        scope: "organization/*.read",
        response: Response::searchset(&[("Practitioner", profile::PRACTITIONER)]),
    }
    PractitionerRead {
        urn: urn!("rest:read:practitioner-1"),
        capability: Capability::Foundations,
        spec_version: "1.2.7",
        method: Method::Get,
        path: "/Practitioner/{id}",
        scope: "organization/*.read",
        response: Response::resource(&[("Practitioner", profile::PRACTITIONER)]),
    }
    OrganizationSearch {
        urn: urn!("rest:search:organization-1"),
        capability: Capability::Foundations,
        spec_version: "1.2.7",
        method: Method::Get,
        path: "/Organization",
        scope: "organization/*.read",
        response: Response::searchset(&[("Organization", profile::ORGANIZATION)]),
    }
    OrganizationRead {
        urn: urn!("rest:read:organization-1"),
        capability: Capability::Foundations,
        spec_version: "1.2.7",
        method: Method::Get,
        path: "/Organization/{id}",
        scope: "organization/*.read",
        response: Response::resource(&[("Organization", profile::ORGANIZATION)]),
    }
    LocationRead {
        urn: urn!("rest:read:location-1"),
        capability: Capability::Foundations,
        spec_version: "1.2.7",
        method: Method::Get,
        path: "/Location/{id}",
        scope: "organization/*.read",
        response: Response::resource(&[("Location", profile::LOCATION)]),
    }
    // Appointment Management 1.2.7
    SearchForFreeSlots {
        urn: urn!("rest:search:slot-1"),
        capability: Capability::Appointments,
        spec_version: "1.2.7",
        method: Method::Get,
        path: "/Slot",
        scope: "organization/*.read",
        response: Response::searchset(&[
            ("Slot", profile::SLOT),
            ("Schedule", profile::SCHEDULE),
            ("Practitioner", profile::PRACTITIONER),
            ("Location", profile::LOCATION),
            ("Organization", profile::ORGANIZATION),
        ]),
    }
    AppointmentCreate {
        urn: urn!("rest:create:appointment-1"),
        capability: Capability::Appointments,
        spec_version: "1.2.7",
        method: Method::Post,
        path: "/Appointment",
        scope: "patient/*.write",
        response: Response::resource(&[("Appointment", profile::APPOINTMENT)]),
    }
    AppointmentRead {
        urn: urn!("rest:read:appointment-1"),
        capability: Capability::Appointments,
        spec_version: "1.2.7",
        method: Method::Get,
        path: "/Appointment/{id}",
        scope: "patient/*.read",
        response: Response::resource(&[("Appointment", profile::APPOINTMENT)]),
    }
    AppointmentAmend {
        urn: urn!("rest:update:appointment-1"),
        capability: Capability::Appointments,
        spec_version: "1.2.7",
        method: Method::Put,
        path: "/Appointment/{id}",
        scope: "patient/*.write",
        response: Response::resource(&[("Appointment", profile::APPOINTMENT)]),
    }
    AppointmentCancel {
        urn: urn!("rest:cancel:appointment-1"),
        capability: Capability::Appointments,
        spec_version: "1.2.7",
        method: Method::Put,
        path: "/Appointment/{id}",
        scope: "patient/*.write",
        response: Response::resource(&[("Appointment", profile::APPOINTMENT)]),
    }
    AppointmentSearch {
        urn: urn!("rest:search:patient_appointments-1"),
        capability: Capability::Appointments,
        spec_version: "1.2.7",
        method: Method::Get,
        path: "/Patient/{id}/Appointment",
        scope: "patient/*.read",
        response: Response::searchset(&[("Appointment", profile::APPOINTMENT)]),
    }
    // Access Record Structured 1.6.2
    StructuredMetadataRead {
        urn: "urn:nhs:names:services:gpconnect:structured:fhir:rest:read:metadata-1",
        capability: Capability::Structured,
        spec_version: "1.6.2",
        method: Method::Get,
        path: "/metadata",
        scope: "organization/*.read",
        response: Response::resource_unprofiled("CapabilityStatement"),
    }
    GetStructuredRecord {
        urn: urn!("operation:gpc.getstructuredrecord-1"),
        capability: Capability::Structured,
        spec_version: "1.6.2",
        method: Method::Post,
        path: "/Patient/$gpc.getstructuredrecord",
        scope: "patient/*.read",
        response: Response::bundle(profile::STRUCTURED_BUNDLE, STRUCTURED_RESOURCES),
    }
    MigrateStructuredRecord {
        urn: urn!("operation:gpc.migratestructuredrecord-1"),
        capability: Capability::Structured,
        spec_version: "1.6.2",
        method: Method::Post,
        path: "/Patient/$gpc.migratestructuredrecord",
        scope: "patient/*.read conf/N",
        response: Response::bundle(profile::STRUCTURED_BUNDLE, STRUCTURED_RESOURCES),
    }
    // Access Document 1.6.2
    DocumentsMetadataRead {
        urn: "urn:nhs:names:services:gpconnect:documents:fhir:rest:read:metadata-1",
        capability: Capability::Documents,
        spec_version: "1.6.2",
        method: Method::Get,
        path: "/metadata",
        scope: "organization/*.read",
        response: Response::resource_unprofiled("CapabilityStatement"),
    }
    DocumentsPatientSearch {
        urn: "urn:nhs:names:services:gpconnect:documents:fhir:rest:search:patient-1",
        capability: Capability::Documents,
        spec_version: "1.6.2",
        method: Method::Get,
        path: "/Patient",
        scope: "patient/*.read",
        response: Response::searchset(&[("Patient", profile::PATIENT)]),
    }
    DocumentsSearch {
        urn: "urn:nhs:names:services:gpconnect:documents:fhir:rest:search:documentreference-1",
        capability: Capability::Documents,
        spec_version: "1.6.2",
        method: Method::Get,
        path: "/Patient/{id}/DocumentReference",
        scope: "patient/*.read",
        response: Response::searchset(&[
            ("DocumentReference", profile::DOCUMENT_REFERENCE),
            ("Patient", profile::PATIENT),
            ("Organization", profile::ORGANIZATION),
            ("Practitioner", profile::PRACTITIONER),
            ("PractitionerRole", profile::PRACTITIONER_ROLE),
        ]),
    }
    DocumentsRetrieve {
        urn: "urn:nhs:names:services:gpconnect:documents:fhir:rest:read:binary-1",
        capability: Capability::Documents,
        spec_version: "1.6.2",
        method: Method::Get,
        path: "/Binary/{id}",
        scope: "patient/*.read",
        response: Response::resource_unprofiled("Binary"),
    }
    DocumentsMigrate {
        urn: "urn:nhs:names:services:gpconnect:documents:fhir:rest:migrate:binary-1",
        capability: Capability::Documents,
        spec_version: "1.6.2",
        method: Method::Get,
        path: "/Binary/{id}",
        scope: "patient/*.read",
        response: Response::resource_unprofiled("Binary"),
    }
    // Access Record HTML 0.7.4 (DSTU2)
    HtmlMetadataRead {
        urn: "urn:nhs:names:services:gpconnect:fhir:rest:read:metadata",
        capability: Capability::Html,
        spec_version: "0.7.4",
        method: Method::Get,
        path: "/metadata",
        scope: "organization/*.read",
        response: Response::resource_unprofiled("Conformance"),
    }
    GetCareRecord {
        urn: "urn:nhs:names:services:gpconnect:fhir:operation:gpc.getcarerecord",
        capability: Capability::Html,
        spec_version: "0.7.4",
        method: Method::Post,
        path: "/Patient/$gpc.getcarerecord",
        scope: "patient/*.read",
        response: Response::bundle(profile::DSTU2_SEARCHSET_BUNDLE, CARE_RECORD_RESOURCES),
    }
}

/// The resources a care record Bundle holds and the profile of each (0.7.4 "Retrieve a care record section",
/// response payload; 0.7.2 profiles).
const CARE_RECORD_RESOURCES: &[(&str, &str)] = &[
    ("Composition", profile::DSTU2_CARE_RECORD_COMPOSITION),
    ("Patient", profile::DSTU2_PATIENT),
    ("Organization", profile::DSTU2_ORGANIZATION),
    ("Practitioner", profile::DSTU2_PRACTITIONER),
    ("Device", profile::DSTU2_DEVICE),
    ("Location", profile::DSTU2_LOCATION),
];

/// The resources a structured record Bundle holds and the profile of each (retrieve page, "Payload response
/// body"; the structured CapabilityStatement's profile list).
const STRUCTURED_RESOURCES: &[(&str, &str)] = &[
    ("Patient", profile::PATIENT),
    ("Organization", profile::ORGANIZATION),
    ("Practitioner", profile::PRACTITIONER),
    ("PractitionerRole", profile::PRACTITIONER_ROLE),
    ("Location", profile::LOCATION),
    ("OperationOutcome", profile::OPERATION_OUTCOME),
    (
        "AllergyIntolerance",
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-AllergyIntolerance-1",
    ),
    (
        "Medication",
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Medication-1",
    ),
    (
        "MedicationStatement",
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-MedicationStatement-1",
    ),
    (
        "MedicationRequest",
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-MedicationRequest-1",
    ),
    (
        "List",
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-List-1",
    ),
    (
        "Immunization",
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Immunization-1",
    ),
    (
        "Condition",
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-ProblemHeader-Condition-1",
    ),
    (
        "Encounter",
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Encounter-1",
    ),
    (
        "Observation",
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Observation-1",
    ),
    (
        "DiagnosticReport",
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-DiagnosticReport-1",
    ),
    (
        "Specimen",
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Specimen-1",
    ),
    (
        "ProcedureRequest",
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-ProcedureRequest-1",
    ),
    (
        "ReferralRequest",
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-ReferralRequest-1",
    ),
    (
        "DocumentReference",
        "https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-DocumentReference-1",
    ),
    (
        "HealthcareService",
        "https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-HealthcareService-1",
    ),
];

impl Interaction {
    pub fn urn(self) -> &'static str {
        self.spec().urn
    }
    pub fn capability(self) -> Capability {
        self.spec().capability
    }
    pub fn spec_version(self) -> &'static str {
        self.spec().spec_version
    }
    pub fn method(self) -> Method {
        self.spec().method
    }
    pub fn path(self) -> &'static str {
        self.spec().path
    }
    pub fn scope(self) -> &'static str {
        self.spec().scope
    }
    /// The JWT `reason_for_request` the interaction needs: `migration` for the migrate operations (GP2GP
    /// record transfer), `directcare` for every other.
    pub fn jwt_reason(self) -> &'static str {
        match self {
            Interaction::MigrateStructuredRecord | Interaction::DocumentsMigrate => "migration",
            _ => "directcare",
        }
    }
    pub fn response(self) -> &'static Response {
        &self.spec().response
    }

    /// Finds an interaction by its feature-file name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|i| i.name() == name)
    }

    /// Finds an interaction by its URN.
    pub fn from_urn(urn: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|i| i.urn() == urn)
    }

    /// The concrete relative path, with `{id}` replaced.
    pub fn path_with(self, id: Option<&str>) -> String {
        match id {
            Some(id) => self.path().replace("{id}", id),
            None => self.path().to_string(),
        }
    }
}

impl fmt::Display for Interaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no interaction of the catalogue.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown interaction `{0}`; the catalogue has {known}", known = Interaction::ALL.iter().map(|i| i.name()).collect::<Vec<_>>().join(", "))]
pub struct UnknownInteraction(pub String);

impl FromStr for Interaction {
    type Err = UnknownInteraction;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_name(s).ok_or_else(|| UnknownInteraction(s.to_string()))
    }
}

/// Matches a concrete relative path against a template; returns the `{id}` value if the template has one.
pub fn match_path<'a>(template: &str, path: &'a str) -> Option<Option<&'a str>> {
    let mut id = None;
    let mut t = template.split('/');
    let mut p = path.split('/');
    loop {
        match (t.next(), p.next()) {
            (None, None) => return Some(id),
            (Some("{id}"), Some(seg)) if !seg.is_empty() => id = Some(seg),
            (Some(a), Some(b)) if a == b => {}
            _ => return None,
        }
    }
}

/// Interactions served on `capability`'s service root whose path template matches `path` (any method).
pub fn candidates_for_path(capability: Capability, path: &str) -> Vec<Interaction> {
    Interaction::ALL
        .iter()
        .copied()
        .filter(|i| {
            i.capability().shares_root_with(capability) && match_path(i.path(), path).is_some()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_urns_are_unique() {
        for (n, a) in Interaction::ALL.iter().enumerate() {
            for b in &Interaction::ALL[n + 1..] {
                assert_ne!(a.name(), b.name());
                assert_ne!(a.urn(), b.urn(), "{a} and {b}");
            }
            assert!(a.urn().starts_with("urn:nhs:names:services:gpconnect:"));
            assert_eq!(a.name().parse::<Interaction>().ok(), Some(*a));
            assert_eq!(Interaction::from_urn(a.urn()), Some(*a));
        }
        let e = "PatientReed".parse::<Interaction>().expect_err("unknown");
        assert!(e.to_string().contains("PatientRead"), "{e}");
    }

    #[test]
    fn path_matching() {
        assert_eq!(match_path("/Patient/{id}", "/Patient/2"), Some(Some("2")));
        assert_eq!(match_path("/Patient/{id}", "/Patient/"), None);
        assert_eq!(match_path("/Patient", "/Patient"), Some(None));
        assert_eq!(match_path("/Patient", "/patient"), None);
        let c = candidates_for_path(Capability::Foundations, "/Appointment/9");
        assert_eq!(c.len(), 3);
        let c = candidates_for_path(Capability::Foundations, "/Patient/$gpc.registerpatient");
        assert!(c.contains(&Interaction::RegisterPatient));
    }

    #[test]
    fn ordinals_follow_all() {
        for (n, c) in Capability::ALL.iter().enumerate() {
            assert_eq!(c.ordinal(), n);
            assert_eq!(Capability::from_tag(c.tag()), Some(*c));
        }
    }

    #[test]
    fn response_shapes_name_their_profiles() {
        let slots = Interaction::SearchForFreeSlots.response();
        assert_eq!(slots.bundle, Some(profile::SEARCHSET_BUNDLE));
        assert_eq!(slots.profile_for("Schedule"), Some(profile::SCHEDULE));
        assert_eq!(slots.profile_for("Patient"), None);
        let read = Interaction::PatientRead.response();
        assert_eq!(read.bundle, None);
        assert_eq!(read.profiles(), vec![profile::PATIENT]);
    }
}
