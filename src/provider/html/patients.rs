//! The patients of the 0.7.x assurance pack as the reference provider holds them (the pack's "Test Suite
//! Required Patients" workbook): each patient's role, demographics and which parts of the sample record they
//! have. NHS numbers come from the config module's `DEFAULT_HTML_PATIENTS`, the one source of them.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::record::Part;
use crate::config::DEFAULT_HTML_PATIENTS;

/// What a pack patient is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Normal,
    /// Flagged sensitive: the practice must not reveal the patient (404 PATIENT_NOT_FOUND).
    Sensitive,
    /// Served under the number that superseded their old one.
    Superseded,
    /// A merged record, served under the surviving number.
    Merged,
    /// Registered at this practice on the date given; the record from the previous practice has not arrived.
    InTransit(NaiveDate),
    /// On the provider's system but not on Spine (PDS): 404 PATIENT_NOT_FOUND.
    NotOnSpine,
    /// Dissents from sharing: 403 NO_PATIENT_CONSENT.
    NoConsent,
    /// Died the given number of days before the provider's `now`.
    Deceased(i64),
}

/// How long after death a deceased patient's record is still returned (0.7.4 design decisions).
pub const DECEASED_WINDOW_DAYS: i64 = 28;

/// A pack patient.
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlPatient {
    /// The logical name (`patient2`).
    pub key: &'static str,
    /// The Patient resource id.
    pub id: String,
    pub nhs_number: String,
    pub family: &'static str,
    pub given: &'static str,
    pub prefix: &'static str,
    pub gender: &'static str,
    pub birth_date: &'static str,
    pub role: Role,
    /// The parts of the sample record the patient has.
    pub parts: &'static [Part],
}

impl HtmlPatient {
    /// When the patient died, for deceased patients (relative to the provider clock).
    pub fn deceased_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.role {
            Role::Deceased(days) => Some(now - Duration::days(days)),
            _ => None,
        }
    }
}

use Part::*;

/// Every part of the sample record (patient 2's record, the one the HTML feature runs against).
pub const FULL: &[Part] = &[
    Admin,
    Clinical,
    Encounters,
    Immunisations,
    Observations,
    Referrals,
    CurrentAllergy,
    HistoricalAllergy,
    RecentAcute,
    PastAcute,
    CurrentRepeat,
    DiscontinuedRepeat,
    ActiveProblem,
    MajorInactiveProblem,
    OtherInactiveProblem,
    Emergency,
];

/// Role, name, gender, birth date and record parts of each logical patient.
type Row = (
    &'static str,
    Role,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [Part],
);

const PATIENTS: &[Row] = &[
    (
        "patient1",
        Role::Normal,
        "Mr",
        "Aldridge",
        "Simon",
        "male",
        "1950-03-12",
        &[],
    ),
    (
        "patient2",
        Role::Normal,
        "Mrs",
        "Baxter",
        "Helen",
        "female",
        "1962-07-24",
        FULL,
    ),
    (
        "patient3",
        Role::Normal,
        "Mr",
        "Carver",
        "Owen",
        "male",
        "1971-11-02",
        &[
            CurrentAllergy,
            RecentAcute,
            ActiveProblem,
            Encounters,
            ConfidentialEncounter,
        ],
    ),
    (
        "patient4",
        Role::Normal,
        "Ms",
        "Dunmore",
        "Grace",
        "female",
        "1984-01-19",
        &[
            HistoricalAllergy,
            CurrentRepeat,
            MajorInactiveProblem,
            OtherInactiveProblem,
        ],
    ),
    (
        "patient5",
        Role::Normal,
        "Mr",
        "Eastwood",
        "Karl",
        "male",
        "1945-05-30",
        &[PastAcute, DiscontinuedRepeat],
    ),
    (
        "patient6",
        Role::Normal,
        "Miss",
        "Fenwick",
        "Lucy",
        "female",
        "1999-09-09",
        &[RecentAcute, CurrentRepeat],
    ),
    (
        "patient7",
        Role::Normal,
        "Mr",
        "Gilmour",
        "Ian",
        "male",
        "1958-02-14",
        &[CurrentRepeat],
    ),
    (
        "patient8",
        Role::Normal,
        "Mrs",
        "Hartley",
        "Joan",
        "female",
        "1939-12-01",
        &[RecentAcute, PastAcute],
    ),
    (
        "patient9",
        Role::Sensitive,
        "Ms",
        "Ingram",
        "Nadia",
        "female",
        "1980-04-04",
        FULL,
    ),
    (
        "patient10",
        Role::Sensitive,
        "Mr",
        "Jessop",
        "Paul",
        "male",
        "1976-08-18",
        FULL,
    ),
    (
        "patient11",
        Role::Superseded,
        "Mrs",
        "Kendall",
        "Rose",
        "female",
        "1968-10-10",
        FULL,
    ),
    (
        "patient12",
        Role::Merged,
        "Mr",
        "Lister",
        "Tom",
        "male",
        "1955-06-06",
        FULL,
    ),
    (
        "patient13",
        Role::InTransit(TRANSFER_DATE),
        "Ms",
        "Moss",
        "Erin",
        "female",
        "1990-03-03",
        FULL,
    ),
    (
        "patient14",
        Role::NotOnSpine,
        "Mr",
        "Naylor",
        "Dean",
        "male",
        "1983-12-12",
        FULL,
    ),
    (
        "patient15",
        Role::NoConsent,
        "Mrs",
        "Oakley",
        "Fay",
        "female",
        "1949-07-07",
        FULL,
    ),
    (
        "patient16",
        Role::Normal,
        "Mr",
        "Pickering",
        "Noel",
        "male",
        "1966-01-01",
        FULL,
    ),
    (
        "patient17",
        Role::Deceased(60),
        "Mr",
        "Quarmby",
        "Alan",
        "male",
        "1930-02-02",
        FULL,
    ),
    (
        "patient18",
        Role::Deceased(10),
        "Mrs",
        "Ramsden",
        "Edna",
        "female",
        "1932-09-21",
        FULL,
    ),
];

/// The date patient13 registered at this practice (the GP transfer banner's date).
pub const TRANSFER_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2015, 5, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Every pack patient the provider holds.
pub fn all() -> Vec<HtmlPatient> {
    PATIENTS
        .iter()
        .filter_map(
            |&(key, role, prefix, family, given, gender, birth_date, parts)| {
                let nhs_number = DEFAULT_HTML_PATIENTS.iter().find(|(k, _)| *k == key)?.1;
                Some(HtmlPatient {
                    key,
                    id: key.trim_start_matches("patient").to_string(),
                    nhs_number: nhs_number.to_string(),
                    family,
                    given,
                    prefix,
                    gender,
                    birth_date,
                    role,
                    parts,
                })
            },
        )
        .collect()
}

/// The patient an NHS number names.
pub fn find(nhs_number: &str) -> Option<HtmlPatient> {
    all().into_iter().find(|p| p.nhs_number == nhs_number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pack_patient_is_held_once() {
        let all = all();
        assert_eq!(all.len(), PATIENTS.len());
        let mut numbers: Vec<&str> = all.iter().map(|p| p.nhs_number.as_str()).collect();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), all.len());
        assert!(
            find("9999999999").is_none(),
            "patientNotInSystem must not be held"
        );
        assert_eq!(find("9658218873").map(|p| p.key), Some("patient2"));
    }
}
