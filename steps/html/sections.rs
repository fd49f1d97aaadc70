//! What each HTML view's layout holds for the date filter (0.7.4 layout guide, "Per section default time
//! frames", and the view pages): the headings of the parts that apply a consumer period, and of the parts that
//! return all data whatever the period. Sections that take no period (ALL, IMM, SUM) have neither.

/// The heading of a part and whether it is the section title (`h1`) or a subsection title (`h2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    pub level: &'static str,
    pub heading: &'static str,
}

macro_rules! parts {
    ($($level:ident $heading:literal),* $(,)?) => {
        &[$(Part { level: stringify!($level), heading: $heading }),*]
    };
}

/// The parts of a section that apply the consumer's period ("Consumer supplied").
pub fn filtered_parts(code: &str) -> &'static [Part] {
    match code {
        "ADM" => parts![h1 "Administrative Items"],
        "CLI" => parts![h1 "Clinical Items"],
        "ENC" => parts![h1 "Encounters"],
        "OBS" => parts![h1 "Observations"],
        "REF" => parts![h1 "Referrals"],
        "MED" => parts![h2 "All Medication", h2 "All Medication Issues"],
        "PRB" => parts![
            h2 "Major Inactive Problems and Issues",
            h2 "Other Inactive Problems and Issues",
        ],
        _ => &[],
    }
}

/// The parts of a filtered section that return all data whatever the period (time frame "All").
pub fn unfiltered_parts(code: &str) -> &'static [Part] {
    match code {
        "MED" => parts![
            h2 "Acute Medication (Last 12 Months)",
            h2 "Current Repeat Medication",
            h2 "Discontinued Repeat Medication",
        ],
        "PRB" => parts![h2 "Active Problems and Issues"],
        _ => &[],
    }
}
