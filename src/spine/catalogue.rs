//! The interaction catalogue: one row per GP Connect interaction. Steps, the reference provider's router and the
//! consumer inspector all read this table; no URN or scope is spelled anywhere else.

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
    /// The tag / JUnit classname prefix for this capability.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Foundations => "foundations",
            Self::Appointments => "appointments",
            Self::Structured => "structured",
            Self::Documents => "documents",
            Self::Html => "html",
        }
    }

    pub const ALL: [Capability; 5] = [
        Self::Foundations,
        Self::Appointments,
        Self::Structured,
        Self::Documents,
        Self::Html,
    ];
}

/// One interaction of the specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interaction {
    /// Name used in feature files: `Given I configure the default "PatientRead" request`.
    pub name: &'static str,
    /// The `Ssp-InteractionID` URN.
    pub urn: &'static str,
    pub capability: Capability,
    /// Spec version that defines the interaction in this catalogue.
    pub spec_version: &'static str,
    pub method: &'static str,
    /// Path template relative to the service root; `{id}` is a logical id.
    pub path: &'static str,
    /// JWT `requested_scope`.
    pub scope: &'static str,
    /// Expected profile(s) of a successful response: the resource itself, then any Bundle entries.
    pub profiles: &'static [&'static str],
}

macro_rules! urn {
    ($tail:literal) => {
        concat!("urn:nhs:names:services:gpconnect:fhir:", $tail)
    };
}

/// Every interaction of Foundations, Appointments, Structured, Documents and HTML.
pub const CATALOGUE: &[Interaction] = &[
    // Foundations 1.2.7
    Interaction {
        name: "MetadataRead",
        urn: urn!("rest:read:metadata-1"),
        capability: Capability::Foundations,
        spec_version: "1.2.7",
        method: "GET",
        path: "/metadata",
        scope: "organization/*.read",
        profiles: &[],
    },
    Interaction {
        name: "PatientSearch",
        urn: urn!("rest:search:patient-1"),
        capability: Capability::Foundations,
        spec_version: "1.2.7",
        method: "GET",
        path: "/Patient",
        scope: "patient/*.read",
        profiles: &[profile::SEARCHSET_BUNDLE, profile::PATIENT],
    },
    Interaction {
        name: "PatientRead",
        urn: urn!("rest:read:patient-1"),
        capability: Capability::Foundations,
        spec_version: "1.2.7",
        method: "GET",
        path: "/Patient/{id}",
        scope: "patient/*.read",
        profiles: &[profile::PATIENT],
    },
    Interaction {
        name: "RegisterPatient",
        urn: urn!("operation:gpc.registerpatient-1"),
        capability: Capability::Foundations,
        spec_version: "1.2.7",
        method: "POST",
        path: "/Patient/$gpc.registerpatient",
        scope: "patient/*.write",
        profiles: &[profile::SEARCHSET_BUNDLE, profile::PATIENT],
    },
    Interaction {
        name: "PractitionerSearch",
        urn: urn!("rest:search:practitioner-1"),
        capability: Capability::Foundations,
        spec_version: "1.2.7",
        method: "GET",
        path: "/Practitioner",
        scope: "organization/*.read",
        profiles: &[profile::SEARCHSET_BUNDLE, profile::PRACTITIONER],
    },
    Interaction {
        name: "PractitionerRead",
        urn: urn!("rest:read:practitioner-1"),
        capability: Capability::Foundations,
        spec_version: "1.2.7",
        method: "GET",
        path: "/Practitioner/{id}",
        scope: "organization/*.read",
        profiles: &[profile::PRACTITIONER],
    },
    Interaction {
        name: "OrganizationSearch",
        urn: urn!("rest:search:organization-1"),
        capability: Capability::Foundations,
        spec_version: "1.2.7",
        method: "GET",
        path: "/Organization",
        scope: "organization/*.read",
        profiles: &[profile::SEARCHSET_BUNDLE, profile::ORGANIZATION],
    },
    Interaction {
        name: "OrganizationRead",
        urn: urn!("rest:read:organization-1"),
        capability: Capability::Foundations,
        spec_version: "1.2.7",
        method: "GET",
        path: "/Organization/{id}",
        scope: "organization/*.read",
        profiles: &[profile::ORGANIZATION],
    },
    Interaction {
        name: "LocationRead",
        urn: urn!("rest:read:location-1"),
        capability: Capability::Foundations,
        spec_version: "1.2.7",
        method: "GET",
        path: "/Location/{id}",
        scope: "organization/*.read",
        profiles: &[profile::LOCATION],
    },
    // Appointment Management 1.2.7
    Interaction {
        name: "SearchForFreeSlots",
        urn: urn!("rest:search:slot-1"),
        capability: Capability::Appointments,
        spec_version: "1.2.7",
        method: "GET",
        path: "/Slot",
        scope: "organization/*.read",
        profiles: &[profile::SEARCHSET_BUNDLE, profile::SLOT, profile::SCHEDULE],
    },
    Interaction {
        name: "AppointmentCreate",
        urn: urn!("rest:create:appointment-1"),
        capability: Capability::Appointments,
        spec_version: "1.2.7",
        method: "POST",
        path: "/Appointment",
        scope: "patient/*.write",
        profiles: &[profile::APPOINTMENT],
    },
    Interaction {
        name: "AppointmentRead",
        urn: urn!("rest:read:appointment-1"),
        capability: Capability::Appointments,
        spec_version: "1.2.7",
        method: "GET",
        path: "/Appointment/{id}",
        scope: "patient/*.read",
        profiles: &[profile::APPOINTMENT],
    },
    Interaction {
        name: "AppointmentAmend",
        urn: urn!("rest:update:appointment-1"),
        capability: Capability::Appointments,
        spec_version: "1.2.7",
        method: "PUT",
        path: "/Appointment/{id}",
        scope: "patient/*.write",
        profiles: &[profile::APPOINTMENT],
    },
    Interaction {
        name: "AppointmentCancel",
        urn: urn!("rest:cancel:appointment-1"),
        capability: Capability::Appointments,
        spec_version: "1.2.7",
        method: "PUT",
        path: "/Appointment/{id}",
        scope: "patient/*.write",
        profiles: &[profile::APPOINTMENT],
    },
    Interaction {
        name: "AppointmentSearch",
        urn: urn!("rest:search:patient_appointments-1"),
        capability: Capability::Appointments,
        spec_version: "1.2.7",
        method: "GET",
        path: "/Patient/{id}/Appointment",
        scope: "patient/*.read",
        profiles: &[profile::SEARCHSET_BUNDLE, profile::APPOINTMENT],
    },
    // Access Record Structured 1.6.2
    Interaction {
        name: "StructuredMetadataRead",
        urn: "urn:nhs:names:services:gpconnect:structured:fhir:rest:read:metadata-1",
        capability: Capability::Structured,
        spec_version: "1.6.2",
        method: "GET",
        path: "/metadata",
        scope: "organization/*.read",
        profiles: &[],
    },
    Interaction {
        name: "GetStructuredRecord",
        urn: urn!("operation:gpc.getstructuredrecord-1"),
        capability: Capability::Structured,
        spec_version: "1.6.2",
        method: "POST",
        path: "/Patient/$gpc.getstructuredrecord",
        scope: "patient/*.read",
        profiles: &[profile::STRUCTURED_BUNDLE],
    },
    Interaction {
        name: "MigrateStructuredRecord",
        urn: urn!("operation:gpc.migratestructuredrecord-1"),
        capability: Capability::Structured,
        spec_version: "1.6.2",
        method: "POST",
        path: "/Patient/$gpc.migratestructuredrecord",
        scope: "patient/*.read",
        profiles: &[profile::STRUCTURED_BUNDLE],
    },
    // Access Document 1.6.2
    Interaction {
        name: "DocumentsMetadataRead",
        urn: "urn:nhs:names:services:gpconnect:documents:fhir:rest:read:metadata-1",
        capability: Capability::Documents,
        spec_version: "1.6.2",
        method: "GET",
        path: "/metadata",
        scope: "organization/*.read",
        profiles: &[],
    },
    Interaction {
        name: "DocumentsPatientSearch",
        urn: "urn:nhs:names:services:gpconnect:documents:fhir:rest:search:patient-1",
        capability: Capability::Documents,
        spec_version: "1.6.2",
        method: "GET",
        path: "/Patient",
        scope: "patient/*.read",
        profiles: &[profile::SEARCHSET_BUNDLE, profile::PATIENT],
    },
    Interaction {
        name: "DocumentsSearch",
        urn: "urn:nhs:names:services:gpconnect:documents:fhir:rest:search:documentreference-1",
        capability: Capability::Documents,
        spec_version: "1.6.2",
        method: "GET",
        path: "/Patient/{id}/DocumentReference",
        scope: "patient/*.read",
        profiles: &[profile::SEARCHSET_BUNDLE],
    },
    Interaction {
        name: "DocumentsRetrieve",
        urn: "urn:nhs:names:services:gpconnect:documents:fhir:rest:read:binary-1",
        capability: Capability::Documents,
        spec_version: "1.6.2",
        method: "GET",
        path: "/Binary/{id}",
        scope: "patient/*.read",
        profiles: &[],
    },
    Interaction {
        name: "DocumentsMigrate",
        urn: "urn:nhs:names:services:gpconnect:documents:fhir:rest:migrate:binary-1",
        capability: Capability::Documents,
        spec_version: "1.6.2",
        method: "GET",
        path: "/Binary/{id}",
        scope: "patient/*.read",
        profiles: &[],
    },
    // Access Record HTML 0.7.4 (DSTU2)
    Interaction {
        name: "HtmlMetadataRead",
        urn: "urn:nhs:names:services:gpconnect:fhir:rest:read:metadata",
        capability: Capability::Html,
        spec_version: "0.7.4",
        method: "GET",
        path: "/metadata",
        scope: "organization/*.read",
        profiles: &[],
    },
    Interaction {
        name: "GetCareRecord",
        urn: "urn:nhs:names:services:gpconnect:fhir:operation:gpc.getcarerecord",
        capability: Capability::Html,
        spec_version: "0.7.4",
        method: "POST",
        path: "/Patient/$gpc.getcarerecord",
        scope: "patient/*.read",
        profiles: &[],
    },
];

/// Finds an interaction by its feature-file name.
pub fn by_name(name: &str) -> Option<&'static Interaction> {
    CATALOGUE.iter().find(|i| i.name == name)
}

/// Finds an interaction by its URN.
pub fn by_urn(urn: &str) -> Option<&'static Interaction> {
    CATALOGUE.iter().find(|i| i.urn == urn)
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

/// Interactions of `capability` whose path template matches `path` (any method).
pub fn candidates_for_path(capability: Capability, path: &str) -> Vec<&'static Interaction> {
    let shares_root = |c: Capability| {
        c == capability
            || matches!(
                (c, capability),
                (Capability::Foundations, Capability::Appointments)
                    | (Capability::Appointments, Capability::Foundations)
            )
    };
    CATALOGUE
        .iter()
        .filter(|i| shares_root(i.capability) && match_path(i.path, path).is_some())
        .collect()
}

impl Interaction {
    /// The concrete relative path, with `{id}` replaced.
    pub fn path_with(&self, id: Option<&str>) -> String {
        match id {
            Some(id) => self.path.replace("{id}", id),
            None => self.path.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_urns_are_unique() {
        for (i, a) in CATALOGUE.iter().enumerate() {
            for b in &CATALOGUE[i + 1..] {
                assert_ne!(a.name, b.name);
                assert_ne!(a.urn, b.urn, "{} and {}", a.name, b.name);
            }
            assert!(a.urn.starts_with("urn:nhs:names:services:gpconnect:"));
        }
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
        assert!(c.iter().any(|i| i.name == "RegisterPatient"));
    }
}
