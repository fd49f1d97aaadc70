//! The sample care record the pack patients hold, by part. Dates are fixed between 01-May-2015 and 01-Jul-2016
//! (the range the workbook gives patient 2), except the recent acute medication, which must fall in the last 12
//! months and so is dated from the provider clock.

use chrono::{Duration, NaiveDate};

/// A part of the sample record a patient may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Admin,
    Clinical,
    Encounters,
    /// An encounter the practice marked confidential: withheld, with the exclusion banner.
    ConfidentialEncounter,
    Immunisations,
    Observations,
    Referrals,
    CurrentAllergy,
    HistoricalAllergy,
    /// An acute medication started 20 days before today (Acute Medication (Last 12 Months)).
    RecentAcute,
    /// An acute medication of 2015 (All Medication only).
    PastAcute,
    CurrentRepeat,
    DiscontinuedRepeat,
    ActiveProblem,
    MajorInactiveProblem,
    OtherInactiveProblem,
    Emergency,
}

/// A dated row of a single-table view (ADM, CLI, ENC, IMM, OBS, REF, Emergency Codes): its date and the
/// remaining cells in column order.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub date: NaiveDate,
    pub cells: Vec<&'static str>,
    /// Withheld from the view (confidential); its presence raises the exclusion banner.
    pub confidential: bool,
}

/// An allergy or adverse reaction; current while it has no end.
#[derive(Debug, Clone, PartialEq)]
pub struct Allergy {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub details: &'static str,
}

/// A problem or issue; active while it has no end.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub entry: &'static str,
    pub major: bool,
    pub details: &'static str,
}

/// Acute or repeat prescribing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MedKind {
    Acute,
    Repeat,
}

impl MedKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Acute => "Acute",
            Self::Repeat => "Repeat",
        }
    }
}

/// A medication course with its issues. Its start is its first issue.
#[derive(Debug, Clone, PartialEq)]
pub struct Medication {
    pub kind: MedKind,
    pub item: &'static str,
    pub dosage: &'static str,
    pub quantity: &'static str,
    pub days_duration: u32,
    pub max_issues: Option<u32>,
    pub review: Option<NaiveDate>,
    /// Date and reason a clinician discontinued the repeat.
    pub discontinued: Option<(NaiveDate, &'static str)>,
    pub additional: &'static str,
    /// Issue dates, oldest first.
    pub issues: Vec<NaiveDate>,
}

impl Medication {
    pub fn start(&self) -> NaiveDate {
        self.issues.first().copied().unwrap_or(NaiveDate::MIN)
    }

    pub fn last_issued(&self) -> Option<NaiveDate> {
        self.issues.last().copied()
    }

    /// When the course ends: an acute one after its days of treatment, a repeat when discontinued (open
    /// otherwise).
    pub fn end(&self) -> Option<NaiveDate> {
        match self.kind {
            MedKind::Acute => Some(self.start() + Duration::days(i64::from(self.days_duration))),
            MedKind::Repeat => self.discontinued.map(|(d, _)| d),
        }
    }
}

/// A patient's record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    pub admin: Vec<Entry>,
    pub clinical: Vec<Entry>,
    pub encounters: Vec<Entry>,
    pub immunisations: Vec<Entry>,
    pub observations: Vec<Entry>,
    pub referrals: Vec<Entry>,
    pub emergency: Vec<Entry>,
    pub allergies: Vec<Allergy>,
    pub problems: Vec<Problem>,
    pub medications: Vec<Medication>,
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
}

fn entry(date: NaiveDate, cells: &[&'static str]) -> Entry {
    Entry {
        date,
        cells: cells.to_vec(),
        confidential: false,
    }
}

/// The record holding the given parts; `today` dates the recent acute medication.
pub fn build(parts: &[Part], today: NaiveDate) -> Record {
    let mut r = Record::default();
    for part in parts {
        match part {
            Part::Admin => r.admin.extend([
                entry(
                    d(2016, 6, 10),
                    &[
                        "Invitation for asthma review",
                        "Letter sent inviting the patient to the annual asthma clinic",
                    ],
                ),
                entry(
                    d(2015, 9, 14),
                    &[
                        "Repeat prescription request",
                        "Request received from the community pharmacy",
                    ],
                ),
                entry(
                    d(2015, 5, 20),
                    &[
                        "New patient registration check",
                        "Registration questionnaire received and scanned",
                    ],
                ),
            ]),
            Part::Clinical => r.clinical.extend([
                entry(
                    d(2016, 5, 3),
                    &[
                        "Asthma annual review",
                        "Inhaler technique checked, peak flow 420 L/min",
                    ],
                ),
                entry(
                    d(2015, 11, 20),
                    &[
                        "Seasonal influenza vaccination given",
                        "Left deltoid, no reaction",
                    ],
                ),
                entry(
                    d(2015, 6, 1),
                    &[
                        "Smoking status: never smoked",
                        "Recorded at new patient check",
                    ],
                ),
            ]),
            Part::Encounters => r.encounters.extend([
                entry(
                    d(2016, 6, 15),
                    &[
                        "Dr Amy Webb, GP Connect Demonstrator Practice",
                        "Surgery consultation: asthma review, no change to treatment",
                    ],
                ),
                entry(
                    d(2016, 2, 10),
                    &[
                        "Nurse Ruth Hale, GP Connect Demonstrator Practice",
                        "Blood pressure check, within normal limits",
                    ],
                ),
                entry(
                    d(2015, 10, 5),
                    &[
                        "Dr Amy Webb, GP Connect Demonstrator Practice",
                        "Telephone consultation: chest infection, amoxicillin prescribed",
                    ],
                ),
                entry(
                    d(2015, 5, 12),
                    &[
                        "Dr Sam Price, GP Connect Demonstrator Practice",
                        "New patient consultation",
                    ],
                ),
            ]),
            Part::ConfidentialEncounter => r.encounters.push(Entry {
                date: d(2016, 1, 8),
                cells: vec![
                    "Dr Sam Price, GP Connect Demonstrator Practice",
                    "Confidential consultation",
                ],
                confidential: true,
            }),
            Part::Immunisations => r.immunisations.extend([
                entry(
                    d(2016, 3, 15),
                    &[
                        "Tetanus, diphtheria and polio",
                        "1",
                        "Revaxis",
                        "Booster given at the practice",
                    ],
                ),
                entry(
                    d(2015, 10, 1),
                    &[
                        "Seasonal influenza",
                        "1",
                        "Inactivated influenza vaccine",
                        "Given by the practice nurse",
                    ],
                ),
            ]),
            Part::Observations => r.observations.extend([
                entry(
                    d(2016, 2, 10),
                    &[
                        "Blood pressure",
                        "128/82 mmHg",
                        "90/60 - 140/90 mmHg",
                        "Sitting, left arm",
                    ],
                ),
                entry(
                    d(2015, 11, 20),
                    &["Body weight", "72 kg", "", "Weighed in clothing"],
                ),
                entry(
                    d(2015, 5, 12),
                    &[
                        "Peak expiratory flow rate",
                        "410 L/min",
                        "400 - 500 L/min",
                        "Best of three attempts",
                    ],
                ),
            ]),
            Part::Referrals => r.referrals.extend([
                entry(
                    d(2016, 4, 18),
                    &[
                        "Dr Amy Webb",
                        "Respiratory medicine, Leeds Teaching Hospitals",
                        "Routine",
                        "Referral for spirometry",
                    ],
                ),
                entry(
                    d(2015, 8, 3),
                    &[
                        "Dr Sam Price",
                        "Physiotherapy, Riverside Health Centre",
                        "Urgent",
                        "Wrist fracture rehabilitation",
                    ],
                ),
            ]),
            Part::Emergency => r.emergency.push(entry(
                d(2015, 7, 1),
                &[
                    "Asthma",
                    "Uses a salbutamol inhaler when needed",
                    "Problems and Issues",
                ],
            )),
            Part::CurrentAllergy => r.allergies.push(Allergy {
                start: d(2015, 6, 2),
                end: None,
                details: "Penicillin allergy: rash and swelling",
            }),
            Part::HistoricalAllergy => r.allergies.push(Allergy {
                start: d(2015, 5, 10),
                end: Some(d(2016, 1, 15)),
                details: "Elastoplast sensitivity: skin irritation",
            }),
            Part::ActiveProblem => r.problems.push(Problem {
                start: d(2015, 7, 1),
                end: None,
                entry: "Asthma",
                major: true,
                details: "Mild persistent asthma, reviewed yearly",
            }),
            Part::MajorInactiveProblem => r.problems.push(Problem {
                start: d(2015, 8, 1),
                end: Some(d(2016, 2, 20)),
                entry: "Fracture of the left wrist",
                major: true,
                details: "Healed after cast and physiotherapy",
            }),
            Part::OtherInactiveProblem => r.problems.push(Problem {
                start: d(2015, 9, 1),
                end: Some(d(2015, 9, 21)),
                entry: "Acute tonsillitis",
                major: false,
                details: "Resolved without complication",
            }),
            Part::RecentAcute => r.medications.push(Medication {
                kind: MedKind::Acute,
                item: "Amoxicillin 500mg capsules",
                dosage: "One capsule to be taken three times a day",
                quantity: "21 capsule",
                days_duration: 7,
                max_issues: None,
                review: None,
                discontinued: None,
                additional: "Linked problem: chest infection",
                issues: vec![today - Duration::days(20)],
            }),
            Part::PastAcute => r.medications.push(Medication {
                kind: MedKind::Acute,
                item: "Ibuprofen 400mg tablets",
                dosage: "One tablet to be taken three times a day with food",
                quantity: "42 tablet",
                days_duration: 14,
                max_issues: None,
                review: None,
                discontinued: None,
                additional: "Linked problem: fracture of the left wrist",
                issues: vec![d(2015, 8, 3)],
            }),
            Part::CurrentRepeat => r.medications.push(Medication {
                kind: MedKind::Repeat,
                item: "Salbutamol 100micrograms/dose inhaler",
                dosage: "Two puffs to be inhaled when required",
                quantity: "1 inhaler",
                days_duration: 30,
                max_issues: Some(12),
                review: Some(d(2016, 7, 1)),
                discontinued: None,
                additional: "Linked problem: asthma",
                issues: vec![d(2015, 7, 1), d(2015, 10, 1), d(2016, 1, 5), d(2016, 4, 4)],
            }),
            Part::DiscontinuedRepeat => r.medications.push(Medication {
                kind: MedKind::Repeat,
                item: "Atenolol 50mg tablets",
                dosage: "One tablet to be taken each morning",
                quantity: "28 tablet",
                days_duration: 28,
                max_issues: Some(6),
                review: Some(d(2015, 11, 20)),
                discontinued: Some((d(2015, 11, 1), "Side effect: dizziness")),
                additional: "Reason: raised blood pressure",
                issues: vec![d(2015, 5, 20), d(2015, 8, 18)],
            }),
        }
    }
    r
}
