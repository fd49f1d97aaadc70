//! A sample consultation report of the 1.x pack's first patient, for the reference sender and the tests.

use chrono::{DateTime, NaiveDate, Utc};

use super::message::{Organization, Patient, Practitioner, Report, UseCase};

/// A version-1 consultation report of patient 9690937278 seen at A20047, sent from `sender_mailbox` at `at`,
/// its PDF a one-page text document.
pub fn report(sender_mailbox: &str, at: DateTime<Utc>) -> Report {
    Report {
        use_case: UseCase::ConsultationReport,
        sender_mailbox: sender_mailbox.into(),
        organization: Organization {
            ods_code: "A20047".into(),
            name: "Test Surgery".into(),
            phone: "01136323200".into(),
        },
        practitioner: Practitioner {
            sds_user_id: "G13579135".into(),
            family: "Pritchard".into(),
            given: "Gary".into(),
            prefix: Some("Dr".into()),
            phone: "01136323200".into(),
        },
        patient: Patient {
            nhs_number: "9690937278".into(),
            family: "SKELLY".into(),
            given: "Ann".into(),
            prefix: Some("Mrs".into()),
            birth_date: NaiveDate::from_ymd_opt(1930, 8, 29).unwrap_or_default(),
        },
        encounter_id: uuid::Uuid::new_v4().to_string(),
        document_id: uuid::Uuid::new_v4().to_string(),
        version: 1,
        replaces: None,
        confidential: false,
        timestamp: at,
        pdf: super::pdf::text_document(&[
            "Consultation report".to_string(),
            "Seen today.".to_string(),
        ]),
    }
}

/// A validator over the development definitions (`../shared/fhir`), shared by the tests.
#[cfg(test)]
pub(crate) fn validator() -> &'static crate::validate::Validator {
    use std::sync::{Arc, OnceLock};
    static V: OnceLock<crate::validate::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let store = crate::validate::Store::new(crate::fhir::FhirPath::development_default())
            .expect("../shared/fhir beside the repository");
        crate::validate::Validator::new(Arc::new(store))
    })
}
