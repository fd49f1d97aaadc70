//! The test patients of the NHS consumer support hub's consumer test scripts (`nhsconnect/gpc-consumer-support`,
//! `consumer_tests/*.feature`), held by the reference provider beside the assurance-pack patients so that a
//! consumer can run those scripts against it. `docs/consumer-test-data.md` lists which script scenario uses which
//! patient and what the provider answers.
//!
//! Three groups:
//! - the Structured 1.2 / HTML demonstrator numbers (Dr Legg's Surgery data, `9658…`): the same roles as the
//!   1.2.7 pack's `Data/NHSNoMap.csv` gives them (the 1.2 `patient2` is `9658218873`), so each serves the record
//!   of the 1.6 pack patient with that role;
//! - numbers the scripts name that are in neither pack (`9450056234` withheld consent, `9674964738` business
//!   S-flag, `9690938207` immunisations);
//! - the patients of the consumer support hub's structured test records (`9465…`, `9450038082`), whose records
//!   are read from the shared FHIR folder when asked for (see `structured::consumer_support`).
//!
//! Numbers the scripts use for patients the provider must not hold (`9999999999`, `9324926233`) and the invalid
//! `9999999991` are deliberately absent.

use super::{PatientRecord, Role};

/// Where a consumer test patient's structured record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordSource {
    /// No clinical data: every List asked for comes back empty (`no-content-recorded`).
    Empty,
    /// The embedded record file(s) whose `patient` key is this (`patient2`, or a record written for a consumer
    /// test patient such as `consumer-9658219705`).
    Record(&'static str),
    /// Structured record Bundles of the consumer support hub, by file name under the shared FHIR folder's
    /// `nhsconnect-gpc-consumer-support-test-data/`; several files of one patient are merged.
    ConsumerSupport(&'static [&'static str]),
}

/// A consumer test patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsumerPatient {
    pub nhs_number: &'static str,
    /// Logical id at the provider (`101` onwards: clear of the pack's ids and of registrations from `1000`).
    pub id: &'static str,
    pub role: Role,
    pub family: &'static str,
    pub given: &'static str,
    pub prefix: &'static str,
    pub gender: &'static str,
    pub birth_date: &'static str,
    pub record: RecordSource,
}

/// The date of death of the deceased test patients (as the pack's deceased patient).
const DIED: &str = "1993-02-17T00:00:00+00:00";

const fn patient(
    nhs_number: &'static str,
    id: &'static str,
    role: Role,
    (family, given, prefix): (&'static str, &'static str, &'static str),
    gender: &'static str,
    birth_date: &'static str,
    record: RecordSource,
) -> ConsumerPatient {
    ConsumerPatient {
        nhs_number,
        id,
        role,
        family,
        given,
        prefix,
        gender,
        birth_date,
        record,
    }
}

use RecordSource::{ConsumerSupport, Empty, Record};

/// Every consumer test patient the provider holds.
#[rustfmt::skip]
pub const CONSUMER_PATIENTS: &[ConsumerPatient] = &[
    // Structured 1.2 / HTML demonstrator numbers, by their 1.2.7 pack role.
    patient("9658218865", "101", Role::Normal, ("Ashworth", "Lena", "Ms"), "female", "1962-03-14", Empty),
    patient("9658218873", "102", Role::Normal, ("Bramley", "Owen", "Mr"), "male", "1958-07-02", Record("patient2")),
    patient("9658218903", "103", Role::Normal, ("Cawthorne", "Ruth", "Mrs"), "female", "1971-11-23", Record("patient4")),
    patient("9658218989", "104", Role::Normal, ("Denholm", "Isaac", "Mr"), "male", "1984-05-09", Record("patient5")),
    patient("9658220142", "105", Role::Sensitive, ("Earnshaw", "Tessa", "Miss"), "female", "1990-01-30", Empty),
    patient("9658220150", "106", Role::Sensitive, ("Fairbairn", "Colin", "Mr"), "male", "1949-09-18", Empty),
    patient("9658220215", "107", Role::Superseded, ("Gledhill", "Maya", "Ms"), "female", "1977-04-06", Empty),
    patient("9658219691", "108", Role::Normal, ("Holroyd", "Dev", "Mr"), "male", "1966-12-12", Record("patient13")),
    patient("9658220169", "109", Role::NoConsent, ("Illingworth", "Rosa", "Mrs"), "female", "1955-06-27", Empty),
    patient("9658219705", "110", Role::Normal, ("Jowett", "Alan", "Mr"), "male", "1943-02-08", Record("consumer-9658219705")),
    patient("9658220290", "111", Role::Deceased, ("Kilburn", "Edith", "Mrs"), "female", "1931-08-15", Empty),
    patient("9658219748", "112", Role::Inactive, ("Lumb", "Harvey", "Mr"), "male", "1988-10-04", Empty),
    // Numbers the scripts name that neither pack holds.
    patient("9450056234", "113", Role::NoConsent, ("Metcalfe", "Jodie", "Ms"), "female", "1993-03-21", Empty),
    patient("9674964738", "114", Role::Sensitive, ("Naylor", "Grant", "Mr"), "male", "1969-01-11", Empty),
    patient("9690938207", "115", Role::Normal, ("Oldroyd", "Freya", "Miss"), "female", "2001-07-19", Record("patient2")),
    // The patients of the consumer support hub's structured test records (demographics as those files hold them).
    patient("9465699012", "121", Role::Normal, ("Chittor", "Unmesh", "Mr"), "male", "1951-11-13",
        ConsumerSupport(&["Consolidated_Allergies_Test_Record_v_1_2_6.json"])),
    patient("9450038082", "122", Role::Normal, ("Cudmore", "Maleah", "Ms"), "female", "2011-04-11",
        ConsumerSupport(&["v_1_5_0/Medications_consumer_data_v0_1.json"])),
    patient("9465698490", "123", Role::Normal, ("Daniels", "Shoshana", "Ms"), "female", "2015-04-16",
        ConsumerSupport(&["v_1_5_0/Medications_consumer_data_p2_v0_1.json"])),
    patient("9465701874", "124", Role::Normal, ("Edenborough", "Emmaline", "Mrs"), "female", "1977-10-28",
        ConsumerSupport(&["v_1_5_0/Consultations_ConsumerData_v0_2.json"])),
    patient("9465701262", "125", Role::Normal, ("Meyers", "Yannis", "Mr"), "male", "1946-04-10",
        ConsumerSupport(&[
            "v_1_5_0/Problems_ConsumerData_v0_2.json",
            "v_1_5_0/Immunisations_Consumer_Data_File_V2.json",
            "v_1_5_0/DiaryEntries_ConsumerData_v0_2.json",
        ])),
    patient("9465701718", "126", Role::Normal, ("Guerra", "Jordan", "Mr"), "male", "1998-05-28",
        ConsumerSupport(&["v_1_5_0/Investigations_Consumer_Data_Extract_File.json"])),
    patient("9465699918", "127", Role::Normal, ("Magre", "Topsy", "Ms"), "female", "2015-05-06",
        ConsumerSupport(&["v_1_5_0/Referrals_ConsumerData_v0_2.json"])),
    patient("9465701297", "128", Role::Normal, ("Livermore", "Cericeridwen", "Ms"), "female", "1989-03-13",
        ConsumerSupport(&["v_1_5_0/UNCAT_Consumer_Data_file_.json"])),
];

/// The consumer test patient with this NHS number.
pub fn by_nhs_number(nhs: &str) -> Option<&'static ConsumerPatient> {
    CONSUMER_PATIENTS.iter().find(|p| p.nhs_number == nhs)
}

/// The consumer test patients as the provider's patient records.
pub fn seed() -> impl Iterator<Item = PatientRecord> {
    CONSUMER_PATIENTS.iter().map(|p| PatientRecord {
        id: p.id.to_string(),
        version: 1,
        nhs_number: p.nhs_number.to_string(),
        family: p.family.to_string(),
        given: p.given.to_string(),
        prefix: p.prefix.to_string(),
        gender: p.gender.to_string(),
        birth_date: p.birth_date.to_string(),
        role: p.role,
        registration_type: None,
        registration_start: None,
        deceased: (p.role == Role::Deceased).then(|| DIED.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_PATIENTS;
    use crate::provider::data::nhs_number_valid;

    #[test]
    fn numbers_are_valid_unique_and_clear_of_the_pack() {
        let mut seen = std::collections::BTreeSet::new();
        for p in CONSUMER_PATIENTS {
            assert!(nhs_number_valid(p.nhs_number), "{}", p.nhs_number);
            assert!(seen.insert(p.nhs_number), "{} twice", p.nhs_number);
            assert!(
                DEFAULT_PATIENTS.iter().all(|(_, n)| *n != p.nhs_number),
                "{} is a pack patient",
                p.nhs_number
            );
        }
        let ids: std::collections::BTreeSet<&str> =
            CONSUMER_PATIENTS.iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), CONSUMER_PATIENTS.len(), "logical ids are unique");
        assert!(
            !nhs_number_valid("9999999991"),
            "the scripts' invalid number stays invalid"
        );
    }

    #[test]
    fn pack_records_named_exist() {
        let records = crate::provider::structured::record::Records::embedded().expect("records");
        let names: Vec<&str> = records.patient_names().collect();
        for p in CONSUMER_PATIENTS {
            if let RecordSource::Record(name) = p.record {
                assert!(
                    names.contains(&name),
                    "{}: no record `{name}`",
                    p.nhs_number
                );
            }
        }
    }
}
