//! The reference consumer's faults: each breaks exactly one behaviour of an otherwise correct consumer, so that a
//! consumer kill matrix can check that some consumer rule (or scenario) notices.

use std::fmt;

macro_rules! faults {
    ($($variant:ident => $name:literal, $what:literal;)*) => {
        /// A named consumer fault.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ConsumerFault { $($variant,)* }

        impl ConsumerFault {
            /// Every fault, in the order the list shows them.
            pub const ALL: &'static [ConsumerFault] = &[$(ConsumerFault::$variant,)*];

            /// The fault's kebab-case name (`--fault reused-trace-id`).
            pub fn name(self) -> &'static str {
                match self { $(ConsumerFault::$variant => $name,)* }
            }

            /// What the fault breaks, in one sentence.
            pub fn description(self) -> &'static str {
                match self { $(ConsumerFault::$variant => $what,)* }
            }
        }
    };
}

faults! {
    WrongScope => "wrong-scope",
        "the JWT requested_scope names organization/* where the interaction needs patient/* and the other way round";
    ReusedTraceId => "reused-trace-id",
        "every request carries one fixed UUID as Ssp-TraceID (the same in every process)";
    TraceIdNotUuid => "trace-id-not-uuid",
        "Ssp-TraceID is a fresh value per request that is not a UUID";
    JwtExp600 => "jwt-exp-600",
        "the JWT exp is iat + 600 seconds instead of iat + 300";
    JwtIatFuture => "jwt-iat-future",
        "the JWT iat is one hour ahead of the clock (exp = iat + 300)";
    JwtExpired => "jwt-expired",
        "the JWT was issued ten minutes ago, so it expired five minutes ago (exp = iat + 300)";
    SignedJwt => "signed-jwt",
        "the JWT header says alg HS256 and the token carries a non-empty (HMAC-SHA256) signature";
    MissingSdsUserId => "missing-sds-user-id",
        "the JWT requesting_practitioner has no identifier with the SDS user id system";
    SubMismatch => "sub-mismatch",
        "the JWT sub differs from requesting_practitioner.id";
    OrgNoOds => "org-no-ods",
        "the JWT requesting_organization has no identifier with the ODS organisation code system";
    DeviceWrongType => "device-wrong-type",
        "the JWT requesting_device has resourceType Patient";
    AudWrong => "aud-wrong",
        "the JWT aud is the DSTU2 value https://authorize.fhir.nhs.net/token instead of the service root URL";
    ReasonMigrationDirectcare => "reason-migration-directcare",
        "the JWT reason_for_request is `migration` on direct-care interactions";
    MigrateDirectcare => "migrate-directcare",
        "the migrate interaction's JWT reason_for_request is `directcare` instead of `migration`";
    MissingSspFrom => "missing-ssp-from",
        "requests carry no Ssp-From header";
    WrongSspTo => "wrong-ssp-to",
        "Ssp-To is an ASID other than the provider's";
    WrongInteractionId => "wrong-interaction-id",
        "Ssp-InteractionID is the catalogue URN of a neighbouring interaction (a search sends the read's URN, cancel sends amend's, ...)";
    Dstu2MediaType => "dstu2-media-type",
        "Accept is application/json+fhir and request bodies are sent as application/json+fhir (the DSTU2 media types)";
    UnencodedPipe => "unencoded-pipe",
        "the `|` of token search parameters (identifier, searchFilter) is sent raw instead of percent-encoded";
    NoBookingOrganisation => "no-booking-organisation",
        "a booking carries neither the booking-organisation extension nor its contained Organization";
    BookingWithReason => "booking-with-reason",
        "a booking carries an Appointment.reason element, which the specification forbids";
    AmendWithoutIfMatch => "amend-without-if-match",
        "an amend is sent without the If-Match header";
    CancelWithoutIfMatch => "cancel-without-if-match",
        "a cancellation is sent without the If-Match header";
    CancelWithoutReason => "cancel-without-reason",
        "a cancellation carries no cancellation-reason extension";
    SlotSearchWithoutSchedule => "slot-search-without-schedule",
        "a search for free slots leaves out the mandatory _include=Slot:schedule";
    StructuredForbiddenCombination => "structured-forbidden-combination",
        "a structured record request adds includeConsultations with both consultationSearchPeriod and includeNumberOfMostRecent";
    DocumentsSearchWithoutIncludes => "documents-search-without-includes",
        "a documents search leaves out the _include and _revinclude:recurse parameters consumers must send";
    BadNhsIdentifierSystem => "bad-nhs-identifier-system",
        "NHS numbers in searches and Parameters use the DSTU2 system http://fhir.nhs.net/Id/nhs-number";
    BlindRetry => "blind-retry",
        "after any error response the identical request is sent once more (same Ssp-TraceID, same JWT)";
    ContinueAfterError => "continue-after-error",
        "after an error in a multi-step task the next step is made anyway, with made-up ids";
    NoRereadOnConflict => "no-reread-on-conflict",
        "after 409 Conflict on amend or cancel the update is retried with the same stale If-Match instead of re-reading";
}

impl ConsumerFault {
    /// The fault with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// Every fault's name, comma-separated (for error messages).
    pub fn names() -> String {
        Self::ALL
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for ConsumerFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no consumer fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a consumer fault; the reference consumer knows {known}", known = ConsumerFault::names())]
pub struct UnknownFault(pub String);

impl std::str::FromStr for ConsumerFault {
    type Err = UnknownFault;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_name(s.trim()).ok_or_else(|| UnknownFault(s.trim().to_string()))
    }
}

/// Parses a comma-separated list of fault names (`GPC_CONSUMER_FAULTS`); empty items are skipped.
pub fn parse_list(text: &str) -> Result<Vec<ConsumerFault>, UnknownFault> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case_and_round_trip() {
        for (n, f) in ConsumerFault::ALL.iter().enumerate() {
            assert_eq!(ConsumerFault::from_name(f.name()), Some(*f));
            assert!(f
                .name()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
            assert!(!f.description().is_empty());
            for g in &ConsumerFault::ALL[n + 1..] {
                assert_ne!(f.name(), g.name());
            }
        }
    }

    #[test]
    fn lists_parse_and_unknown_names_say_what_exists() {
        assert_eq!(
            parse_list(" blind-retry, ,wrong-scope"),
            Ok(vec![ConsumerFault::BlindRetry, ConsumerFault::WrongScope])
        );
        let e = parse_list("blind-retyr").expect_err("unknown");
        assert!(e.to_string().contains("blind-retry"), "{e}");
    }
}
