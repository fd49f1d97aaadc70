//! What a consumer is asked to do in a scenario: a task (`book_appointment`) and its parameters (`nhs_number`,
//! `start`, ...). Drivers hand the task to the consumer under test (a command line, an HTTP hook, a tester); the
//! reference consumer performs it. The names here are the contract with consumer suppliers' wiring: the command
//! driver's `{placeholders}`, the `GPC_*` environment variables, the HTTP hook's JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::spine::catalogue::Capability;

macro_rules! tasks {
    ($($variant:ident => $name:literal, $cap:ident, [$($param:literal),*], $what:literal;)*) => {
        /// A consumer task.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Task { $($variant,)* }

        impl Task {
            pub const ALL: &'static [Task] = &[$(Task::$variant,)*];

            /// The task's name (`book_appointment`).
            pub fn name(self) -> &'static str {
                match self { $(Task::$variant => $name,)* }
            }

            /// The capability the task belongs to.
            pub fn capability(self) -> Capability {
                match self { $(Task::$variant => Capability::$cap,)* }
            }

            /// The parameters the task takes (besides the provider's URLs, always given).
            pub fn parameters(self) -> &'static [&'static str] {
                match self { $(Task::$variant => &[$($param),*],)* }
            }

            /// What the consumer is asked to do, in a tester's words (the manual driver prints it).
            pub fn description(self) -> &'static str {
                match self { $(Task::$variant => $what,)* }
            }
        }
    };
}

tasks! {
    ReadMetadata => "read_metadata", Foundations, ["capability"],
        "read the provider's capability statement of the {capability} service root";
    FindPatient => "find_patient", Foundations, ["nhs_number"],
        "find the patient with NHS number {nhs_number}";
    RegisterPatient => "register_patient", Foundations, ["nhs_number", "family", "given", "birth_date", "gender"],
        "register {given} {family} (NHS number {nhs_number}, born {birth_date}, {gender}) as a temporary patient";
    FindPractitioner => "find_practitioner", Foundations, ["sds_user_id"],
        "find the practitioner with SDS user id {sds_user_id}";
    ReadPractitioner => "read_practitioner", Foundations, ["practitioner_id"],
        "read practitioner {practitioner_id}";
    FindOrganization => "find_organization", Foundations, ["ods_code"],
        "find the organisation with ODS code {ods_code}";
    ReadOrganization => "read_organization", Foundations, ["organization_id"],
        "read organisation {organization_id}";
    ReadLocation => "read_location", Foundations, ["location_id"],
        "read location {location_id}";
    SearchSlots => "search_slots", Appointments, ["start", "end"],
        "search for free slots from {start} to {end}";
    BookAppointment => "book_appointment", Appointments, ["nhs_number", "start", "end"],
        "book the patient with NHS number {nhs_number} into a free slot between {start} and {end}";
    ReadAppointment => "read_appointment", Appointments, ["appointment_id"],
        "read appointment {appointment_id}";
    RetrieveAppointments => "retrieve_appointments", Appointments, ["nhs_number", "start", "end"],
        "list the appointments of the patient with NHS number {nhs_number} from {start} to {end}";
    AmendAppointment => "amend_appointment", Appointments, ["appointment_id", "comment"],
        "change the comment of appointment {appointment_id} to \"{comment}\"";
    CancelAppointment => "cancel_appointment", Appointments, ["appointment_id", "reason"],
        "cancel appointment {appointment_id} with the reason \"{reason}\"";
    GetStructuredRecord => "get_structured_record", Structured, ["nhs_number", "include"],
        "retrieve the structured record of the patient with NHS number {nhs_number}, clinical areas {include}";
    MigrateStructuredRecord => "migrate_structured_record", Structured, ["nhs_number"],
        "migrate the whole structured record of the patient with NHS number {nhs_number}";
    FindDocuments => "find_documents", Documents, ["nhs_number"],
        "list the documents of the patient with NHS number {nhs_number}";
    RetrieveDocument => "retrieve_document", Documents, ["nhs_number"],
        "open the first document of the patient with NHS number {nhs_number}";
}

impl Task {
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|t| t.name() == name)
    }

    /// Every task's name, comma-separated (for messages).
    pub fn names() -> String {
        Self::ALL
            .iter()
            .map(|t| t.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The task of this name, or a sentence saying what the tasks are.
    pub fn parse(name: &str) -> Result<Self, String> {
        Self::from_name(name).ok_or_else(|| {
            format!(
                "`{name}` is not a consumer task; the tasks are {}",
                Self::names()
            )
        })
    }
}

impl std::fmt::Display for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The values every task gets besides its own parameters: where the provider is.
pub const CONTEXT_PARAMETERS: &[&str] = &[
    "base_url",
    "foundations_url",
    "appointments_url",
    "structured_url",
    "documents_url",
    "provider_asid",
    "provider_ods_code",
    "now",
];

/// A task with its parameters (its own and the [`CONTEXT_PARAMETERS`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRequest {
    pub task: Task,
    pub params: BTreeMap<String, String>,
}

impl TaskRequest {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// `text` with every `{name}` replaced by the parameter's value (`{task}` by the task's name); unknown names
    /// are left as they are.
    pub fn expand(&self, text: &str) -> String {
        let mut out = text.replace("{task}", self.task.name());
        for (k, v) in &self.params {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        out
    }

    /// The environment variables a command gets: `GPC_TASK` and `GPC_<NAME>` for every parameter.
    pub fn env(&self) -> Vec<(String, String)> {
        std::iter::once(("GPC_TASK".to_string(), self.task.name().to_string()))
            .chain(
                self.params
                    .iter()
                    .map(|(k, v)| (format!("GPC_{}", k.to_ascii_uppercase()), v.clone())),
            )
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_expand() {
        for t in Task::ALL {
            assert_eq!(Task::from_name(t.name()), Some(*t));
        }
        let r = TaskRequest {
            task: Task::BookAppointment,
            params: [("nhs_number".to_string(), "9690937286".to_string())].into(),
        };
        assert_eq!(
            r.expand("./c {task} --nhs {nhs_number} {slot}"),
            "./c book_appointment --nhs 9690937286 {slot}"
        );
        assert!(r
            .env()
            .contains(&("GPC_NHS_NUMBER".into(), "9690937286".into())));
    }
}
