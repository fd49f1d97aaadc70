//! Self-assurance: every reference-provider fault must make at least one scenario fail, and the scenario
//! named for it must be among the failures. The clean provider passes everything (tests/suite.rs).

mod common;

use std::collections::BTreeSet;

use gpc_assure::provider::{Fault, FaultSet};
use gpc_assure::runner::{self, Target};

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
        ApptSlotsOutsideWindow => "A search starting inside a slot does not offer that slot",
        ApptNoRangeLimit => "A period longer than 14 days is refused with Cache-Control no-store",
        ApptPartialDateAccepted => {
            "Partial dates and dateTimes without a UK offset are invalid parameters"
        }
        ApptWrongPrefixAccepted => {
            "A start or end with a prefix other than ge and le is an invalid parameter"
        }
        ApptStatusNotChecked => "parameter=status, value=busy]",
        ApptScheduleIncludeOptional => "parameters=_include]",
        ApptIncludeIgnored => "Only the actors asked for are included",
        ApptSearchNoOrganization => {
            "Without includes the response holds slots, Schedules and the managing Organization only"
        }
        ApptRestrictedSlotsReturned => {
            "Slots restricted to an organisation type are offered only to consumers of that type"
        }
        ApptSlotTimesUtc => "Slot and Schedule times are UK local time with their offset",
        ApptSlotNotCategorised => {
            "Every slot has a delivery channel and every Schedule a practitioner role"
        }
        ApptBookedSlotStillFree => "A booked slot is no longer offered as free",
        ApptDoubleBooking => "A slot that is already booked is a duplicate",
        ApptPastBookable => "A slot that has already started cannot be booked",
        ApptStartEndUnchecked => "A start or end that differs from the slot's is refused",
        ApptNonAdjacentSlots => "Slots that are not adjacent cannot be booked as one appointment",
        ApptReasonAccepted => "must not send is an invalid resource [element=reason,",
        ApptTextLengthUnchecked => {
            "A description over 100 or a comment over 500 characters is refused"
        }
        ApptBookingOrgUnchecked => {
            "A booking organisation that is incomplete or not contained is an invalid resource"
        }
        ApptCreateReturns200 | ApptWrongLocationHeader => "Book an appointment in a free slot [",
        ApptPreferIgnored => "A booking with Prefer return=minimal answers no body",
        ApptIfMatchIgnored => "An amendment naming a version that is no longer current is a conflict",
        ApptEtagNotAdvanced => "Amend the description of an appointment",
        ApptAmendForbiddenField => {
            "Amending an element other than description and comment is an invalid resource"
        }
        ApptCancelledAmendable => "A cancelled appointment cannot be amended",
        ApptCancelWithoutReason => "A cancellation without a cancellation reason is an invalid parameter",
        ApptCancelForbiddenField => {
            "Changing anything besides status and reason while cancelling is an invalid resource"
        }
        ApptCancelKeepsSlotBusy => "A cancelled appointment's slot is offered as free again",
        ApptReadPastAllowed => "Reading an appointment that started before today is refused",
        ApptRetrieveOmitsCancelled => "Retrieve includes cancelled appointments",
        ApptRetrievePastRange => "A range that is partly or wholly in the past is an invalid parameter",
        ApptRetrieveUnknownPatient => {
            "Retrieve for a patient id the provider does not hold is not found"
        }
        ApptCreatedOptional => {
            "An appointment without a mandatory element is an invalid resource [element=created]"
        }
        ApptSlotReferenceUnchecked => {
            "A slot reference that is not a relative reference to a slot is an invalid resource [reference=Slot/hello]"
        }
        ApptUnknownParticipantAccepted => {
            "A participant the provider does not hold is a reference not found [kind=Patient]"
        }
        ApptRetrieveTimeAccepted => {
            "A start date that is not a full date without a time is an invalid parameter [from=yyyy-MM-dd, to=yyyy-MM-ddTHH:mm:ss]"
        }
    }
}

/// The scenarios a fault's run selects. A fault of one interaction can only break the scenarios that exercise
/// it, so its run leaves the others out (the fixtures of other interactions' scenarios would fail too, but
/// those scenarios are killed by their own faults); faults of the shared pipeline (headers, JWT, content
/// negotiation, errors, caching, versions, searchset Bundles) run the whole suite, because the appointment
/// scenarios check those rules too.
fn scope(f: Fault) -> Option<&'static str> {
    use Fault::*;
    const SEARCH: &str = "@SearchForFreeSlots";
    const BOOK: &str = "@AppointmentCreate";
    const CHANGE: &str = "@AppointmentAmend or @AppointmentCancel";
    const WRITE: &str = "@AppointmentCreate or @AppointmentAmend or @AppointmentCancel";
    match f {
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
        | ApptBookedSlotStillFree => Some(SEARCH),
        ApptDoubleBooking
        | ApptPastBookable
        | ApptStartEndUnchecked
        | ApptNonAdjacentSlots
        | ApptReasonAccepted
        | ApptBookingOrgUnchecked
        | ApptCreateReturns200
        | ApptWrongLocationHeader => Some(BOOK),
        ApptTextLengthUnchecked | ApptPreferIgnored => Some(WRITE),
        ApptIfMatchIgnored
        | ApptEtagNotAdvanced
        | ApptAmendForbiddenField
        | ApptCancelledAmendable
        | ApptCancelWithoutReason
        | ApptCancelForbiddenField
        | ApptCancelKeepsSlotBusy => Some(CHANGE),
        ApptCreatedOptional | ApptSlotReferenceUnchecked | ApptUnknownParticipantAccepted => {
            Some(BOOK)
        }
        ApptReadPastAllowed => Some("@AppointmentRead"),
        ApptRetrieveOmitsCancelled
        | ApptRetrievePastRange
        | ApptRetrieveUnknownPatient
        | ApptRetrieveTimeAccepted => Some("@AppointmentSearch"),
        NoCacheControl
        | StrongEtag
        | EtagNotVersion
        | NoVersionId
        | ErrorCodeWrongSystem
        | ErrorNoDisplay
        | UnprocessableForBadRequest
        | AcceptMissingTraceId
        | AcceptMissingFrom
        | AcceptWrongAsid
        | IgnoreInteractionId
        | AcceptWrongScope
        | IgnoreFormatParam
        | IgnoreAcceptHeader
        | NoCharset
        | XmlBodyRejected
        | BundleWrongType
        | CapabilityNoInteractions
        | PractitionerForbiddenElements
        | LocationNoManagingOrg => None,
        _ => Some("not @appointments"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_is_killed_by_its_guarding_scenarios() {
    let mut killed_any: BTreeSet<String> = BTreeSet::new();
    let mut all: BTreeSet<String> = BTreeSet::new();
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    let faults: Vec<Fault> = Fault::ALL.to_vec();
    for chunk in faults.chunks(3) {
        let runs = chunk.iter().map(|f| {
            let mut opts = common::options(
                Target::Embedded(FaultSet::new([*f])),
                &format!("fault-{}", f.name()),
            );
            opts.tags = scope(*f).map(String::from);
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
