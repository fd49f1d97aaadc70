//! Self-assurance: every reference-provider fault must make at least one scenario fail, and the scenario
//! named for it must be among the failures. The clean provider passes everything (tests/suite.rs).

mod common;

use std::collections::BTreeSet;

use gpc_assure::provider::{Fault, FaultSet};
use gpc_assure::runner::{self, Target};

/// Stands in for the guard of a fault whose scenarios are not written yet; it matches no scenario name.
const NO_GUARD_YET: &str = "\u{0}no guard scenario yet";

/// Whether any feature file is tagged `@appointments`. Until one is, the Appointment Management faults (names
/// starting `appt-`) are skipped: they have no scenarios to kill them. Once one is, every `appt-` fault needs a
/// real guard below (the placeholder matches nothing, so the test fails until it is replaced).
fn appointments_features_exist(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            let p = e.path();
            if p.is_dir() {
                appointments_features_exist(&p)
            } else {
                p.extension().is_some_and(|x| x == "feature")
                    && std::fs::read_to_string(&p).is_ok_and(|t| {
                        t.lines().any(|l| {
                            l.trim_start().starts_with('@')
                                && l.split_whitespace().any(|tag| tag == "@appointments")
                        })
                    })
            }
        })
}

/// Fault -> a scenario (substring of `Feature: Scenario [row]`) that guards it.
fn guard(f: Fault) -> &'static str {
    use Fault::*;
    match f {
        NoCacheControl => "Every response says Cache-Control no-store",
        StrongEtag | EtagNotVersion => "A read carries the weak ETag of the resource version",
        WrongMetaProfile => "Search finds a pack patient by NHS number",
        NoVersionId => "Read a pack location",
        OldNhsNumberSystem => "Read a pack patient returns that patient",
        ErrorCodeWrongSystem | ErrorNoDisplay => "Read an unknown location",
        UnprocessableForBadRequest => "A missing SSP header is a bad request",
        AcceptMissingTraceId => "header=Ssp-TraceID",
        AcceptMissingFrom => "header=Ssp-From",
        AcceptWrongAsid => "An Ssp-To that is not the provider's ASID",
        IgnoreInteractionId => "An interaction ID that does not match the endpoint",
        AcceptExpiredJwt => "An expired token is a bad request",
        AcceptBadJwtLifetime => "A token whose lifetime is not 300 seconds",
        AcceptWrongScope => "A token whose scope does not fit the interaction",
        AcceptWrongReason => "A token with a wrong reason for request",
        AcceptWrongJwtResourceType => "A claim resource of the wrong type",
        AcceptSignedJwt => "A token with a signature is a bad request",
        IgnoreFormatParam => "The _format parameter selects the response format",
        IgnoreAcceptHeader => "The Accept header selects the response format",
        AcceptUnsupportedMedia => "An unsupported format is refused",
        NoCharset => "Search finds a pack patient by NHS number",
        NoGzip => "Responses are gzip-compressed",
        SensitiveReturned => "role=sensitive",
        DeceasedReturned => "role=deceased",
        NotFoundSearchIs404 => "returns an empty searchset",
        WrongNotFoundCode => "Read an unknown practitioner",
        BundleWrongType => "Search finds a pack organisation by ODS code",
        AcceptBadNhsNumber => "Search with an invalid NHS number",
        AcceptUnknownIdentifierSystem => {
            "Search with an identifier system the provider does not know"
        }
        AcceptMultipleIdentifiers => "Search with two identifier parameters is a bad request",
        RegisterDuplicateAccepted => "Register the same patient twice is a duplicate",
        RegisterNoRegistrationType => "Register a new patient",
        RegisterSkipsDemographics => "Register with demographics that do not match PDS",
        RegisterAcceptsExtraElements => {
            "Register with a Patient carrying an element the operation does not allow"
        }
        CapabilityWrongVersion => "value=1.2.7",
        CapabilityNoRegisterOperation => "operation=gpc.registerpatient",
        PractitionerForbiddenElements => {
            "Practitioner does not populate elements the profile forbids"
        }
        OrganizationForbiddenElements => {
            "Organization does not populate elements the profile forbids"
        }
        LocationNoManagingOrg => "A location has a name, an address and its managing organisation",
        PatientNameNotOfficial => "Read patient has exactly one official name",
        MethodsNotEnforced => "An HTTP verb the interaction does not define is refused",
        UrlCaseInsensitive => "Resource paths are case-sensitive",
        XmlBodyRejected => "Register a new patient in XML",
        RequireRequestedRecord => "The default token is accepted",
        StrictIssueTime => "Clock skew within the token lifetime is tolerated",
        RejectUnkIdentifiers => "UNK identifiers and a missing role profile are accepted",
        CapabilityNoInteractions => "The CapabilityStatement declares the Foundations interactions",
        CapabilityDstu2Formats => "The CapabilityStatement lists both formats",
        CapabilityNoProfiles => "The CapabilityStatement lists every GP Connect profile it serves",
        CapabilityNoStructuredOperation => "operation=gpc.getstructuredrecord",
        CapabilityNoSoftware => "The CapabilityStatement populates software details",
        CapabilityWrongHeader => "value=3.0.1",
        UnknownPathsServed => "A resource type the server does not serve is not found",
        PatientForbiddenElements => "Read patient does not populate elements the profile forbids",
        PatientNoGp => "Read patient references its managing organization and GP",
        NhsNumberUnverified => "Search returns a patient with its registration details",
        PractitionerRoleIdsMiscounted => "Search returns the practitioner's SDS role profile ids",
        PatientGenderNotCoded => "Read a pack patient returns that patient",
        ApptSlotsOutsideWindow
        | ApptNoRangeLimit
        | ApptPartialDateAccepted
        | ApptWrongPrefixAccepted
        | ApptStatusNotChecked
        | ApptScheduleIncludeOptional
        | ApptIncludeIgnored
        | ApptSearchNoOrganization
        | ApptRestrictedSlotsReturned
        | ApptSlotTimesUtc
        | ApptSlotNotCategorised
        | ApptBookedSlotStillFree
        | ApptDoubleBooking
        | ApptPastBookable
        | ApptStartEndUnchecked
        | ApptNonAdjacentSlots
        | ApptReasonAccepted
        | ApptTextLengthUnchecked
        | ApptBookingOrgUnchecked
        | ApptCreateReturns200
        | ApptWrongLocationHeader
        | ApptPreferIgnored
        | ApptIfMatchIgnored
        | ApptEtagNotAdvanced
        | ApptAmendForbiddenField
        | ApptCancelledAmendable
        | ApptCancelWithoutReason
        | ApptCancelForbiddenField
        | ApptCancelKeepsSlotBusy
        | ApptReadPastAllowed
        | ApptRetrieveOmitsCancelled
        | ApptRetrievePastRange
        | ApptRetrieveUnknownPatient => NO_GUARD_YET,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_is_killed_by_its_guarding_scenarios() {
    let mut killed_any: BTreeSet<String> = BTreeSet::new();
    let mut all: BTreeSet<String> = BTreeSet::new();
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    let with_appointments = appointments_features_exist(&common::features());
    let faults: Vec<Fault> = Fault::ALL
        .iter()
        .copied()
        .filter(|f| with_appointments || !f.is_appointments())
        .collect();
    if !with_appointments {
        println!(
            "no feature is tagged @appointments yet: skipping the {} `{}` faults",
            Fault::ALL.len() - faults.len(),
            Fault::APPOINTMENTS_PREFIX
        );
    }
    for chunk in faults.chunks(3) {
        let runs = chunk.iter().map(|f| {
            let opts = common::options(
                Target::Embedded(FaultSet::new([*f])),
                &format!("fault-{}", f.name()),
            );
            async move { (*f, runner::run(opts).await) }
        });
        for (fault, result) in futures::future::join_all(runs).await {
            let summary = match result {
                Ok(s) => s,
                Err(e) => {
                    problems.push(format!("{fault}: the run did not complete: {e}"));
                    continue;
                }
            };
            let failed = summary.failed_names();
            all.extend(
                summary
                    .outcomes
                    .iter()
                    .map(|o| format!("{}::{}", o.feature, o.name)),
            );
            killed_any.extend(
                summary
                    .outcomes
                    .iter()
                    .filter(|o| !o.passed)
                    .map(|o| format!("{}::{}", o.feature, o.name)),
            );
            lines.push(format!(
                "{:<36} kills {:>3} scenarios",
                fault.name(),
                failed.len()
            ));
            if failed.is_empty() {
                problems.push(format!("{fault}: no scenario failed"));
            } else if !failed.iter().any(|n| n.contains(guard(fault))) {
                problems.push(format!(
                    "{fault}: its guard `{}` did not fail; failed: {failed:?}",
                    guard(fault)
                ));
            }
        }
    }
    let fraction = killed_any.len() as f64 / all.len().max(1) as f64;
    println!("{}", lines.join("\n"));
    println!(
        "kill matrix: {} faults; {} of {} scenarios ({:.1}%) are killed by at least one fault",
        faults.len(),
        killed_any.len(),
        all.len(),
        fraction * 100.0
    );
    let never: Vec<&String> = all.difference(&killed_any).collect();
    println!(
        "scenarios no fault kills ({}):\n{}",
        never.len(),
        never
            .iter()
            .map(|s| format!("  {s}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(faults.len() >= 25);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(
        never.is_empty(),
        "{} scenarios cannot fail: give each a fault or delete it",
        never.len()
    );
}
