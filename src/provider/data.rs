//! Seed data of the reference provider: the assurance pack's patients with their roles (and, in [`consumer`], the
//! consumer test scripts' patients), organisations, sites, practitioners and locations, and a simulated PDS for
//! register-patient. Identifiers come from the config module's defaults (the official pack), so there is one
//! source for every identifier.

use serde_json::{json, Value};

use crate::config::{
    DEFAULT_LOCATIONS, DEFAULT_ORGANIZATIONS, DEFAULT_PATIENTS, DEFAULT_PRACTITIONERS,
    DEFAULT_REGISTER_POOL,
};

pub mod consumer;

/// What a test patient is for (the prerequisites workbook's roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Normal,
    Sensitive,
    Superseded,
    NotOnPds,
    Deceased,
    Inactive,
    NoConsent,
}

/// A patient held by the provider.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientRecord {
    pub id: String,
    pub version: u64,
    pub nhs_number: String,
    pub family: String,
    pub given: String,
    pub prefix: String,
    pub gender: String,
    pub birth_date: String,
    pub role: Role,
    /// `None` for pack patients registered the usual way; `Some("T")` for temporary registrations.
    pub registration_type: Option<String>,
    pub registration_start: Option<String>,
    pub deceased: Option<String>,
}

/// A person known to the simulated PDS.
#[derive(Debug, Clone, PartialEq)]
pub struct PdsPerson {
    pub nhs_number: String,
    pub family: String,
    pub given: String,
    pub gender: String,
    pub birth_date: String,
    pub deceased: bool,
    pub sensitive: bool,
    pub superseded: bool,
}

/// PDS-only identities that must be refused by register-patient (from the pack's `Data/PDS.csv`).
pub const PDS_DECEASED: (&str, &str, &str, &str, &str) =
    ("9476719974", "PHELAN", "Julian", "male", "1992-07-02");
pub const PDS_SENSITIVE: (&str, &str, &str, &str, &str) =
    ("9476113162", "HARDY", "Tania", "female", "1953-11-02");

const FAMILIES: &[&str] = &[
    "Jackson", "Bowen", "Carter", "Dawson", "Ellis", "Fletcher", "Garner", "Hughes", "Irwin",
    "Jarvis", "Kemp", "Lawson", "Marsh", "Nolan", "Osborne", "Parry", "Quinn", "Rowe", "Shaw",
    "Turner", "Vaughan", "Walsh",
];
const GIVEN: &[(&str, &str, &str)] = &[
    ("Jane", "female", "Miss"),
    ("Peter", "male", "Mr"),
    ("Amira", "female", "Mrs"),
];

fn role_of(name: &str) -> Role {
    match name {
        "patient9" | "patient10" => Role::Sensitive,
        "patient11" => Role::Superseded,
        "patient14" => Role::NotOnPds,
        "patient15" => Role::NoConsent,
        "patient18" => Role::Deceased,
        "patient21" => Role::Inactive,
        _ => Role::Normal,
    }
}

/// The pack patients (all but `patientNotInSystem`), then the consumer test scripts' patients ([`consumer`]).
/// Logical ids of pack patients are the patient's number (`patient2` -> `2`); `patientNoAppointments` is `19`.
pub fn seed_patients() -> Vec<PatientRecord> {
    let mut patients = pack_patients();
    patients.extend(consumer::seed());
    patients
}

/// The assurance-pack patients.
fn pack_patients() -> Vec<PatientRecord> {
    DEFAULT_PATIENTS
        .iter()
        .filter(|(name, _)| *name != "patientNotInSystem")
        .enumerate()
        .map(|(i, (name, nhs))| {
            let id = name
                .strip_prefix("patient")
                .and_then(|n| n.parse::<u32>().ok())
                .map_or_else(|| "19".to_string(), |n| n.to_string());
            let (given, gender, prefix) = GIVEN[i % GIVEN.len()];
            let role = role_of(name);
            PatientRecord {
                id,
                version: 1,
                nhs_number: (*nhs).to_string(),
                family: FAMILIES[i % FAMILIES.len()].to_string(),
                given: given.to_string(),
                prefix: prefix.to_string(),
                gender: gender.to_string(),
                birth_date: format!("19{:02}-{:02}-{:02}", 40 + i, 1 + i % 12, 1 + i % 28),
                role,
                registration_type: None,
                registration_start: None,
                deceased: (role == Role::Deceased).then(|| "1993-02-17T00:00:00+00:00".to_string()),
            }
        })
        .collect()
}

/// The simulated PDS: the pack patients (except the one not on PDS), the register pool and the refusals.
pub fn seed_pds(patients: &[PatientRecord]) -> Vec<PdsPerson> {
    let mut pds: Vec<PdsPerson> = patients
        .iter()
        .filter(|p| p.role != Role::NotOnPds)
        .map(|p| PdsPerson {
            nhs_number: p.nhs_number.clone(),
            family: p.family.clone(),
            given: p.given.clone(),
            gender: p.gender.clone(),
            birth_date: p.birth_date.clone(),
            deceased: p.role == Role::Deceased,
            sensitive: p.role == Role::Sensitive,
            superseded: p.role == Role::Superseded,
        })
        .collect();
    let person = |(n, f, g, s, d): (&str, &str, &str, &str, &str),
                  deceased: bool,
                  sensitive: bool| PdsPerson {
        nhs_number: n.into(),
        family: f.into(),
        given: g.into(),
        gender: s.into(),
        birth_date: d.into(),
        deceased,
        sensitive,
        superseded: false,
    };
    pds.extend(
        DEFAULT_REGISTER_POOL
            .iter()
            .map(|p| person(*p, false, false)),
    );
    pds.push(person(PDS_DECEASED, true, false));
    pds.push(person(PDS_SENSITIVE, false, true));
    pds
}

/// An organisation (practice) of the provider.
#[derive(Debug, Clone, PartialEq)]
pub struct Org {
    pub id: &'static str,
    pub key: &'static str,
    pub ods: &'static str,
    pub name: &'static str,
}

fn ods(key: &str) -> &'static str {
    DEFAULT_ORGANIZATIONS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("", |(_, v)| v)
}

pub fn organizations() -> Vec<Org> {
    vec![
        Org {
            id: "1",
            key: "ORG1",
            ods: ods("ORG1"),
            name: "GP Connect Demonstrator Practice",
        },
        Org {
            id: "2",
            key: "ORG2",
            ods: ods("ORG2"),
            name: "Leeds Teaching Hospitals Practice",
        },
        Org {
            id: "3",
            key: "ORG3",
            ods: ods("ORG3"),
            name: "Riverside Health Centre",
        },
    ]
}

/// A site (Location) with its ODS site code and managing organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: &'static str,
    pub site_key: &'static str,
    pub org_id: &'static str,
    pub name: &'static str,
}

pub fn sites() -> Vec<Site> {
    let id = |k: &str| {
        DEFAULT_LOCATIONS
            .iter()
            .find(|(key, _)| *key == k)
            .map_or("", |(_, v)| v)
    };
    vec![
        Site {
            id: id("SIT1"),
            site_key: "SIT1",
            org_id: "1",
            name: "Trevelyan Square Surgery",
        },
        Site {
            id: id("SIT2"),
            site_key: "SIT2",
            org_id: "2",
            name: "Boar Lane Branch Surgery",
        },
        Site {
            id: id("SIT3"),
            site_key: "SIT3",
            org_id: "3",
            name: "Riverside Branch Surgery",
        },
    ]
}

/// A practitioner with the number of SDS role profile ids the pack asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Prac {
    pub id: &'static str,
    pub sds: &'static str,
    pub role_profiles: usize,
    pub family: &'static str,
    pub given: &'static str,
    pub gender: &'static str,
}

pub fn practitioners() -> Vec<Prac> {
    let sds = |k: &str| {
        DEFAULT_PRACTITIONERS
            .iter()
            .find(|(key, _)| *key == k)
            .map_or("", |(_, v)| v)
    };
    vec![
        Prac {
            id: "1",
            sds: sds("practitioner1"),
            role_profiles: 0,
            family: "Gilbert",
            given: "Nicola",
            gender: "female",
        },
        Prac {
            id: "2",
            sds: sds("practitioner2"),
            role_profiles: 1,
            family: "Harper",
            given: "Owen",
            gender: "male",
        },
        Prac {
            id: "3",
            sds: sds("practitioner3"),
            role_profiles: 2,
            family: "Ibbotson",
            given: "Priya",
            gender: "female",
        },
        Prac {
            id: "5",
            sds: sds("practitioner5"),
            role_profiles: 1,
            family: "Kershaw",
            given: "Rhys",
            gender: "male",
        },
    ]
}

pub fn site_ods(key: &str) -> &'static str {
    ods(key)
}

/// The standard address block used by the seed resources.
pub fn address(use_home: bool) -> Value {
    let mut a = json!({ "line": ["Trevelyan Square", "Boar Lane"], "city": "Leeds", "district": "West Yorkshire", "postalCode": "LS1 6AE" });
    if use_home {
        a["use"] = json!("home");
        a["type"] = json!("physical");
    }
    a
}

/// The MOD 11 check of an NHS number.
pub fn nhs_number_valid(n: &str) -> bool {
    if n.len() != 10 || !n.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let d: Vec<u32> = n.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = d[..9]
        .iter()
        .enumerate()
        .map(|(i, v)| v * (10 - i as u32))
        .sum();
    let check = 11 - (sum % 11);
    let check = if check == 11 { 0 } else { check };
    check != 10 && check == d[9]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_numbers_pass_the_check_digit() {
        for (name, n) in DEFAULT_PATIENTS {
            assert!(nhs_number_valid(n), "{name} {n}");
        }
        for p in DEFAULT_REGISTER_POOL {
            assert!(nhs_number_valid(p.0), "{}", p.0);
        }
        assert!(nhs_number_valid(PDS_DECEASED.0) && nhs_number_valid(PDS_SENSITIVE.0));
        assert!(!nhs_number_valid("9690937279"));
        assert!(!nhs_number_valid("969093727"));
    }

    #[test]
    fn seed_ids() {
        let p = seed_patients();
        assert_eq!(p.len(), 20 + consumer::CONSUMER_PATIENTS.len());
        assert_eq!(pack_patients().len(), 20);
        let mut ids: Vec<&str> = p.iter().map(|p| p.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), p.len(), "logical ids are unique");
        assert!(p.iter().any(|p| p.id == "19"));
        assert_eq!(
            p.iter().find(|p| p.id == "18").map(|p| p.role),
            Some(Role::Deceased)
        );
    }
}
