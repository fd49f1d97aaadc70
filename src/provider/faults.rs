//! Named faults of the reference provider. Each breaks exactly one behaviour so the kill-matrix test can show
//! that the scenarios guarding that behaviour fail.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

macro_rules! faults {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// A deliberate defect of the reference provider.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Fault { $(#[doc = $doc] $variant,)* }

        impl Fault {
            pub const ALL: &'static [Fault] = &[$(Fault::$variant,)*];
            pub fn name(self) -> &'static str { match self { $(Fault::$variant => $name,)* } }
            pub fn description(self) -> &'static str { match self { $(Fault::$variant => $doc,)* } }
        }
    };
}

faults! {
    NoCacheControl => "no-cache-control", "Responses omit `Cache-Control: no-store`.";
    StrongEtag => "strong-etag", "ETag is strong (`\"1\"`) instead of weak `W/\"1\"`.";
    EtagNotVersion => "etag-not-version", "ETag does not carry the resource's meta.versionId.";
    WrongMetaProfile => "wrong-meta-profile", "Patient meta.profile names the CareConnect base profile, not CareConnect-GPC-Patient-1.";
    NoVersionId => "no-version-id", "Resources carry no meta.versionId.";
    OldNhsNumberSystem => "old-nhs-number-system", "Patient NHS number uses the DSTU2 system http://fhir.nhs.net/Id/nhs-number.";
    ErrorCodeWrongSystem => "error-code-wrong-system", "OperationOutcome coding uses the ValueSet URL instead of the Spine CodeSystem.";
    ErrorNoDisplay => "error-no-display", "OperationOutcome coding has no display.";
    UnprocessableForBadRequest => "422-for-400", "BAD_REQUEST errors are answered 422 instead of 400.";
    AcceptMissingTraceId => "accept-missing-trace-id", "A request without Ssp-TraceID is accepted.";
    AcceptMissingFrom => "accept-missing-from", "A request without Ssp-From is accepted.";
    AcceptWrongAsid => "accept-wrong-asid", "Ssp-To is not checked against the provider's ASID.";
    IgnoreInteractionId => "ignore-interaction-id", "Ssp-InteractionID is not matched to the endpoint.";
    AcceptExpiredJwt => "accept-expired-jwt", "Expired JWTs are accepted.";
    AcceptBadJwtLifetime => "accept-bad-jwt-lifetime", "A JWT whose exp is not iat + 300 is accepted.";
    AcceptWrongScope => "accept-wrong-scope", "requested_scope is not checked.";
    AcceptWrongReason => "accept-wrong-reason", "reason_for_request is not checked.";
    AcceptWrongJwtResourceType => "accept-wrong-jwt-resource-type", "JWT resources of the wrong resourceType are accepted.";
    AcceptSignedJwt => "accept-signed-jwt", "The JWT header alg/typ and the empty signature are not checked.";
    IgnoreFormatParam => "ignore-format-param", "The _format parameter is ignored.";
    IgnoreAcceptHeader => "ignore-accept-header", "The Accept header is ignored (always JSON).";
    AcceptUnsupportedMedia => "accept-unsupported-media", "Unsupported media types get JSON instead of 415.";
    NoCharset => "no-charset", "Content-Type carries no charset.";
    NoGzip => "no-gzip", "Accept-Encoding: gzip is ignored.";
    SensitiveReturned => "sensitive-returned", "Patient search returns patients flagged sensitive.";
    DeceasedReturned => "deceased-returned", "Patient search returns deceased patients.";
    NotFoundSearchIs404 => "search-miss-404", "A search that matches nothing answers 404 instead of an empty searchset.";
    WrongNotFoundCode => "wrong-not-found-code", "Reads of unknown resources answer NO_RECORD_FOUND instead of the resource's code.";
    BundleWrongType => "bundle-wrong-type", "Search Bundles have type `collection` instead of `searchset`.";
    AcceptBadNhsNumber => "accept-bad-nhs-number", "NHS numbers failing the check digit are not rejected.";
    AcceptUnknownIdentifierSystem => "accept-unknown-identifier-system", "Unknown identifier systems are not rejected.";
    AcceptMultipleIdentifiers => "accept-multiple-identifiers", "A search with two identifier parameters is answered from the first.";
    RegisterDuplicateAccepted => "register-duplicate-accepted", "Registering an already registered patient succeeds again.";
    RegisterNoRegistrationType => "register-no-registration-type", "A registered patient carries no registrationType.";
    RegisterSkipsDemographics => "register-skips-demographics", "Register patient does not check demographics against PDS.";
    RegisterAcceptsExtraElements => "register-accepts-extra-elements", "Register patient accepts elements the operation forbids.";
    CapabilityWrongVersion => "capability-wrong-version", "The CapabilityStatement says version 1.2.6.";
    CapabilityNoRegisterOperation => "capability-no-register-operation", "The CapabilityStatement omits the gpc.registerpatient operation.";
    PractitionerForbiddenElements => "practitioner-forbidden-elements", "Practitioner carries telecom and birthDate, which must not be populated.";
    OrganizationForbiddenElements => "organization-forbidden-elements", "Organization carries contact, which must not be populated.";
    LocationNoManagingOrg => "location-no-managing-org", "Location has no managingOrganization.";
    PatientNameNotOfficial => "patient-name-not-official", "The Patient's name has use `usual`, not `official`.";
    MethodsNotEnforced => "methods-not-enforced", "Any HTTP method on a known path is served like GET.";
    UrlCaseInsensitive => "url-case-insensitive", "Resource paths are matched case-insensitively.";
    XmlBodyRejected => "xml-body-rejected", "Request bodies in FHIR XML are refused with 415.";
    RequireRequestedRecord => "require-requested-record", "Tokens must carry the 0.x `requested_record` claim, so every 1.x token is refused.";
    StrictIssueTime => "strict-issue-time", "Tokens whose iat is more than 5 s from the provider's clock are refused (no skew tolerance).";
    RejectUnkIdentifiers => "reject-unk-identifiers", "`UNK` SDS identifiers and a missing role profile id are refused.";
    CapabilityNoInteractions => "capability-no-interactions", "The CapabilityStatement lists no resource interactions.";
    CapabilityDstu2Formats => "capability-dstu2-formats", "The CapabilityStatement lists the DSTU2 MIME types as formats.";
    CapabilityNoProfiles => "capability-no-profiles", "The CapabilityStatement lists no profiles.";
    CapabilityNoStructuredOperation => "capability-no-structured-operation", "The CapabilityStatement omits gpc.getstructuredrecord.";
    CapabilityNoSoftware => "capability-no-software", "The CapabilityStatement has no software details.";
    CapabilityWrongHeader => "capability-wrong-header", "The CapabilityStatement's fhirVersion, acceptUnknown, kind, status, mode and cors are wrong.";
    UnknownPathsServed => "unknown-paths-served", "Resource types the server does not serve answer 200 with an empty Bundle.";
    PatientForbiddenElements => "patient-forbidden-elements", "Patient carries maritalStatus, multipleBirth, photo, link, animal and the forbidden extensions.";
    PatientNoGp => "patient-no-gp", "Patient has no generalPractitioner.";
    NhsNumberUnverified => "nhs-number-unverified", "The NHS number verification status is 02 (present but not traced).";
    PractitionerRoleIdsMiscounted => "practitioner-role-ids-miscounted", "Practitioners carry one SDS role profile id more than they hold.";
    PatientGenderNotCoded => "patient-gender-not-coded", "Patient.gender is `F`, outside its required value set (only the profile validator sees it).";
    // Appointment Management 1.2.7 (names start with `appt-`).
    ApptSlotsOutsideWindow => "appt-slots-outside-window", "Search for free slots also returns slots that only overlap the requested period (start before `start` or end after `end`).";
    ApptNoRangeLimit => "appt-no-range-limit", "Search for free slots accepts a period longer than 14 days.";
    ApptPartialDateAccepted => "appt-partial-date-accepted", "Search for free slots accepts partial dates (yyyy, yyyy-mm) and dateTimes without a +hh:mm offset.";
    ApptWrongPrefixAccepted => "appt-wrong-prefix-accepted", "Search for free slots accepts start/end with a prefix other than ge/le (or none).";
    ApptStatusNotChecked => "appt-status-not-checked", "Search for free slots without status, or with a status other than free, is answered 200.";
    ApptScheduleIncludeOptional => "appt-schedule-include-optional", "Search for free slots without `_include=Slot:schedule` is answered 200.";
    ApptIncludeIgnored => "appt-include-ignored", "`_include:recurse` for Schedule:actor:Practitioner and Schedule:actor:Location is ignored.";
    ApptSearchNoOrganization => "appt-search-no-organization", "The managing Organization is only returned when `_include:recurse=Location:managingOrganization` is sent.";
    ApptRestrictedSlotsReturned => "appt-restricted-slots-returned", "searchFilter is ignored: slots restricted to an organisation type or ODS code are returned to everyone.";
    ApptSlotTimesUtc => "appt-slot-times-utc", "Slot and Schedule times are written in UTC with `Z` instead of UK local time with an offset.";
    ApptSlotNotCategorised => "appt-slot-not-categorised", "Slots carry no delivery-channel extension and Schedules no practitioner-role extension.";
    ApptBookedSlotStillFree => "appt-booked-slot-still-free", "A booked slot is still returned as free by search for free slots.";
    ApptDoubleBooking => "appt-double-booking", "A slot that is already booked can be booked again (no 409 DUPLICATE_REJECTED).";
    ApptPastBookable => "appt-past-bookable", "Slots that start in the past can be booked.";
    ApptStartEndUnchecked => "appt-start-end-unchecked", "A booking whose start/end do not match its slots is accepted.";
    ApptNonAdjacentSlots => "appt-non-adjacent-slots", "A multi-slot booking of slots that are not adjacent in one schedule with one channel and service type is accepted.";
    ApptReasonAccepted => "appt-reason-accepted", "A booking carrying `reason` or `specialty` is accepted (and echoed back).";
    ApptTextLengthUnchecked => "appt-text-length-unchecked", "A description over 100 or a comment over 500 characters is accepted (book and amend).";
    ApptBookingOrgUnchecked => "appt-booking-org-unchecked", "A booking without a valid booking-organisation extension and contained Organization is accepted.";
    ApptCreateReturns200 => "appt-create-200", "A successful booking answers 200 instead of 201 Created.";
    ApptWrongLocationHeader => "appt-wrong-location-header", "The Location header of a booking names the first booked Slot instead of Appointment/[id]/_history/[vid].";
    ApptPreferIgnored => "appt-prefer-ignored", "`Prefer: return=minimal` is ignored on book, amend and cancel: the body is returned.";
    ApptIfMatchIgnored => "appt-if-match-ignored", "Amend and cancel ignore If-Match: a missing or stale version is accepted.";
    ApptEtagNotAdvanced => "appt-etag-not-advanced", "Amend and cancel do not advance meta.versionId, so the ETag stays the same.";
    ApptAmendForbiddenField => "appt-amend-forbidden-field", "Amend accepts changes to elements other than description and comment (answered 200, change dropped).";
    ApptCancelledAmendable => "appt-cancelled-amendable", "A cancelled appointment can be amended.";
    ApptCancelWithoutReason => "appt-cancel-without-reason", "Cancel without a cancellation reason (extension missing or empty) is accepted.";
    ApptCancelForbiddenField => "appt-cancel-forbidden-field", "Cancel accepts changes to elements other than status and the cancellation reason (answered 200, change dropped).";
    ApptCancelKeepsSlotBusy => "appt-cancel-keeps-slot-busy", "Cancelling does not free the slot: search for free slots no longer offers it.";
    ApptReadPastAllowed => "appt-read-past-allowed", "Reading an appointment that started before today succeeds.";
    ApptRetrieveOmitsCancelled => "appt-retrieve-omits-cancelled", "Retrieve a patient's appointments leaves out cancelled appointments.";
    ApptRetrievePastRange => "appt-retrieve-past-range", "Retrieve a patient's appointments accepts a date range that starts before today.";
    ApptRetrieveUnknownPatient => "appt-retrieve-unknown-patient", "Retrieve for an unknown patient answers an empty searchset instead of 404 PATIENT_NOT_FOUND.";
    ApptCreatedOptional => "appt-created-optional", "A booking without `created` is accepted.";
    ApptSlotReferenceUnchecked => "appt-slot-reference-unchecked", "A slot reference that is not `Slot/[number]` is looked up instead of refused as an invalid resource (so it is answered as not found).";
    ApptUnknownParticipantAccepted => "appt-unknown-participant-accepted", "A booking whose Patient or Location participant the provider does not hold is not refused as a reference not found.";
    ApptRetrieveTimeAccepted => "appt-retrieve-time-accepted", "Retrieve a patient's appointments accepts a start dateTime, reading only its date.";
    ApptBookingRace => "appt-booking-race", "Booking checks that the slots are free, then books them a moment later without checking again, so concurrent bookings of one slot can all succeed.";
    StructResolvedAllergiesReturned => "struct-resolved-allergies-returned", "Ended allergies are returned (as active allergies) when includeResolvedAllergies is false.";
    StructNoEndedAllergiesList => "struct-no-ended-allergies-list", "No Ended allergies List is returned when includeResolvedAllergies is true.";
    StructAllergiesPartOptional => "struct-allergies-part-optional", "includeAllergies without its includeResolvedAllergies part is accepted (as false).";
    StructIssuesAlwaysIncluded => "struct-issues-always-included", "Prescription issues are returned even when includePrescriptionIssues is false.";
    StructIssuesFlagInverted => "struct-issues-flag-inverted", "includePrescriptionIssues is read inverted: true leaves the issues out, false includes them.";
    StructMedicationDateIgnored => "struct-medication-date-ignored", "medicationSearchFromDate is ignored: every medication is returned.";
    StructFutureDateAccepted => "struct-future-date-accepted", "Search dates and periods after today are accepted.";
    StructPartialDateAccepted => "struct-partial-date-accepted", "Partial search dates (2024, 2024-05) are accepted as the first day they cover.";
    StructNoEmptyReason => "struct-no-empty-reason", "An empty List carries no emptyReason and no note.";
    StructNoWarningCodes => "struct-no-warning-codes", "Lists carry no warning codes (confidential items, data in transit) or their notes.";
    StructNoLinkedProblems => "struct-no-linked-problems", "Problems linked to the returned items are not returned.";
    StructWrongListCode => "struct-wrong-list-code", "Primary Lists carry a wrong SNOMED code.";
    StructDanglingReference => "struct-dangling-reference", "The Bundle leaves out the Practitioners its resources reference.";
    StructSensitiveServed => "struct-sensitive-served", "The record of a sensitive patient is returned.";
    StructDeceasedServed => "struct-deceased-served", "The record of a deceased patient is returned.";
    StructInactiveServed => "struct-inactive-served", "The record of a patient who is no longer an active registered patient is returned.";
    StructSupersededServed => "struct-superseded-served", "The record of a patient asked for by a superseded NHS number is returned.";
    StructUntracedServed => "struct-untraced-served", "The record of a patient whose NHS number is not traced on PDS (not verified) is returned.";
    StructNoConsentServed => "struct-no-consent-served", "The record of a patient who dissented from sharing is returned.";
    StructUnknownParameterRefused => "struct-unknown-parameter-refused", "An unrecognised parameter or part is refused with 422 instead of answered with a warning.";
    StructForbiddenCombinationAccepted => "struct-forbidden-combination-accepted", "Forbidden parameter combinations with consultations or problems are accepted.";
    StructProblemStatusIgnored => "struct-problem-status-ignored", "filterStatus is ignored: every problem is returned.";
    StructNotGivenReturned => "struct-not-given-returned", "Immunisations not given are returned when includeNotGiven is false.";
    StructNotGivenWithheld => "struct-not-given-withheld", "Immunisations not given are never returned, even when includeNotGiven is true.";
    StructPeriodOrderUnchecked => "struct-period-order-unchecked", "A search period that starts after it ends is accepted.";
    StructConsultationBothAccepted => "struct-consultation-both-accepted", "consultationSearchPeriod and includeNumberOfMostRecent together are accepted (the period wins).";
    StructMostRecentUnchecked => "struct-most-recent-unchecked", "includeNumberOfMostRecent below 1 is accepted (as no limit).";
    StructUncategorisedPeriodIgnored => "struct-uncategorised-period-ignored", "uncategorisedDataSearchPeriod is ignored.";
    StructMostRecentIgnored => "struct-most-recent-ignored", "includeNumberOfMostRecent is ignored: every consultation is returned.";
    StructConsultationPeriodIgnored => "struct-consultation-period-ignored", "consultationSearchPeriod is ignored.";
    StructInvestigationPeriodIgnored => "struct-investigation-period-ignored", "investigationSearchPeriod is ignored.";
    StructReferralPeriodIgnored => "struct-referral-period-ignored", "referralSearchPeriod is ignored.";
    StructDiaryDateIgnored => "struct-diary-date-ignored", "diaryEntriesSearchDate is ignored: every diary entry is returned.";
    StructAreaNotAskedReturned => "struct-area-not-asked-returned", "Medications are returned although includeMedication was not asked for.";
    StructDateTimeAccepted => "struct-date-time-accepted", "A search date or period with a time or offset is accepted, reading only its date.";
    StructBadDateIgnored => "struct-bad-date-ignored", "A search date that is not a date is ignored (as if absent) instead of refused.";
    StructValueTypeUnchecked => "struct-value-type-unchecked", "A part's value type is not checked (valueString \"false\" is read as the boolean).";
    StructEmptyPartIgnored => "struct-empty-part-ignored", "A part parameter without a value is ignored instead of refused.";
    StructFilterStatusUnchecked => "struct-filter-status-unchecked", "A filterStatus other than active or inactive is accepted (as no filter).";
    StructCapabilityWrongVersion => "struct-capability-wrong-version", "The structured CapabilityStatement says version 1.5.0.";
    StructCapabilityUnversionedProfiles => "struct-capability-unversioned-profiles", "The structured CapabilityStatement lists its profiles without their `_history` versions.";
    StructCapabilityOldOperation => "struct-capability-old-operation", "The structured CapabilityStatement names GetStructuredRecord OperationDefinition 1.12 (release 1.2.7) instead of 1.16.";
    StructCapabilityNoMigrate => "struct-capability-no-migrate", "The structured CapabilityStatement omits the gpc.migratestructuredrecord operation.";
    StructConfidentialReturned => "struct-confidential-returned", "Confidential items are returned by get structured record (and no confidential-items warning is given).";
    StructMigrateReasonUnchecked => "struct-migrate-reason-unchecked", "Migrate accepts a JWT whose reason_for_request is not `migration`.";
    StructMigrateScopeUnchecked => "struct-migrate-scope-unchecked", "Migrate does not match the JWT's confidentiality scope (conf/N, conf/R) to includeSensitiveInformation.";
    StructMigrateSensitiveUnfiltered => "struct-migrate-sensitive-unfiltered", "Migrate without includeSensitiveInformation still returns confidential items.";
    StructMigrateSensitiveWithheld => "struct-migrate-sensitive-withheld", "Migrate with includeSensitiveInformation still withholds confidential items.";
    StructMigrateExtraParamAccepted => "struct-migrate-extra-param-accepted", "Migrate accepts parameters other than patientNHSNumber and includeFullRecord.";
    // Access Document 1.6.2 (names start with `doc-`).
    DocCapabilityWrongVersion => "doc-capability-wrong-version", "The documents CapabilityStatement says version 1.5.0.";
    DocCapabilityNoSearchParams => "doc-capability-no-search-params", "The documents CapabilityStatement lists no DocumentReference search parameters, includes or revinclude.";
    DocTemporaryPatientFound => "doc-temporary-patient-found", "Find a patient on the documents server returns temporarily registered patients.";
    DocPatientIdentifierUnchecked => "doc-patient-identifier-unchecked", "Find a patient on the documents server answers an identifier without a system or a value with an empty searchset instead of 422 INVALID_PARAMETER.";
    DocIncludeOptional => "doc-include-optional", "A document search without the mandatory `_include` and `_revinclude:recurse` parameters is answered 200.";
    DocUnknownParameterRefused => "doc-unknown-parameter-refused", "A document search with an unrecognised parameter is refused with 422 instead of the parameter being ignored.";
    DocCreatedUnchecked => "doc-created-unchecked", "A malformed `created` value is ignored instead of refused as an invalid parameter.";
    DocAuthorSystemUnchecked => "doc-author-system-unchecked", "An `author` identifier that is not an ODS code is ignored instead of refused as an invalid parameter.";
    DocCreatedIgnored => "doc-created-ignored", "The `created` filter is ignored: documents created at any time are returned.";
    DocAuthorIgnored => "doc-author-ignored", "The `author` filter is ignored: documents of every author are returned.";
    DocDescriptionIgnored => "doc-description-ignored", "The `description` filter is ignored: documents of any description are returned.";
    DocIncludeIgnored => "doc-include-ignored", "`_include` is ignored: the Bundle holds the DocumentReferences without their Patient, Organizations and Practitioners.";
    DocRevincludeIgnored => "doc-revinclude-ignored", "`_revinclude:recurse=PractitionerRole:practitioner` is ignored: no PractitionerRole is returned.";
    DocOtherPatientsDocuments => "doc-other-patients-documents", "A document search returns the documents of every patient, not only the patient in the URL.";
    DocUnknownPatientEmpty => "doc-unknown-patient-empty", "A document search for an unknown patient answers an empty searchset instead of 404 PATIENT_NOT_FOUND.";
    DocSensitiveServed => "doc-sensitive-served", "The documents of a sensitive patient are returned.";
    DocDeceasedServed => "doc-deceased-served", "The documents of a patient who died more than 28 days ago are returned.";
    DocInactiveServed => "doc-inactive-served", "The documents of an inactive patient are returned.";
    DocNoConsentServed => "doc-no-consent-served", "The documents of a patient who dissented from sharing are returned.";
    DocTemporaryDocumentsServed => "doc-temporary-documents-served", "The documents of a temporarily registered (not Regular/GMS) patient are searched instead of PATIENT_NOT_FOUND.";
    DocNoCustodian => "doc-no-custodian", "DocumentReferences carry no custodian (and the custodian Organization is not included).";
    DocNotInUseElements => "doc-not-in-use-elements", "DocumentReferences carry docStatus, class, authenticator and content.attachment.data, which must not be populated.";
    DocWrongSize => "doc-wrong-size", "DocumentReference content.attachment.size is the length of the base64 text, not of the document.";
    DocBinaryMissing => "doc-binary-missing", "DocumentReference urls name Binaries the provider does not hold (retrieving them answers 404).";
    DocBundleIdNotTraceId => "doc-bundle-id-not-trace-id", "The documents searchset Bundle's id is a new UUID instead of the request's Ssp-TraceID.";
    DocNoFullUrl => "doc-no-full-url", "The documents searchset Bundle's entries have no fullUrl.";
    DocLargeNoPlaceholder => "doc-large-no-placeholder", "The DocumentReference of a document over 5 MB carries a url and no placeholder title.";
    DocLargeRetrievable => "doc-large-retrievable", "Retrieve a document returns a document over 5 MB instead of answering 404 NO_RECORD_FOUND.";
    DocLargeTruncated => "doc-large-truncated", "Migrate a document returns only the first 5 MB of a document over 5 MB.";
    DocUnknownBinaryFound => "doc-unknown-binary-found", "Retrieve and migrate of a Binary the provider does not hold answer 200 with an empty document instead of 404 NO_RECORD_FOUND.";
    DocBinaryWrongContentType => "doc-binary-wrong-content-type", "Binary resources declare contentType application/octet-stream instead of the document's MIME type.";
    DocMigrateDirectCareAccepted => "doc-migrate-directcare-accepted", "Migrate a document accepts a JWT whose reason_for_request is `directcare`.";
    // Access Record HTML 0.7.4 (names start with `html-`).
    HtmlWrongSection => "html-wrong-section", "The Composition section is for another section code than the one requested (and renders that section).";
    HtmlDisallowedTag => "html-disallowed-tag", "The narrative carries elements the FHIR narrative rules do not allow (`font`, `a`).";
    HtmlScript => "html-script", "The narrative carries a `script` element.";
    HtmlEventAttribute => "html-event-attribute", "The narrative's outer div carries an onclick event attribute.";
    HtmlEntity => "html-entity", "The narrative text carries an HTML named entity (`&nbsp;`) instead of the Unicode character.";
    HtmlWhitespaceFormatting => "html-whitespace-formatting", "The narrative is formatted with newlines and tabs between its elements.";
    HtmlMissingDateBanner => "html-missing-date-banner", "Parts that take a date filter have no date-banner (applied period or all relevant items).";
    HtmlDateBannerOnAgnostic => "html-date-banner-on-agnostic", "Parts that take no date filter (ALL, IMM, SUM, the medication lists without a period, the heading of a view of several parts) carry an \"All relevant items\" date-banner.";
    HtmlDefaultTimeFrameIgnored => "html-default-time-frame-ignored", "The configured default time frames are not applied: without a period every item is shown under \"All relevant items\".";
    HtmlDefaultTimeFrameOverridesPeriod => "html-default-time-frame-overrides-period", "A section's configured default time frame is applied even when the consumer sends a period.";
    HtmlPeriodIgnored => "html-period-ignored", "timePeriod is not applied: items outside the period are shown and the date banner says all relevant items.";
    HtmlPeriodAcceptedOnAgnostic => "html-period-accepted-on-agnostic", "A timePeriod for ALL, IMM or SUM is accepted (and ignored) instead of refused with 400.";
    HtmlLowercaseSectionAccepted => "html-lowercase-section-accepted", "Section codes in another case (adm, Sum) are answered as the upper-case code.";
    HtmlDeceasedNoWindow => "html-deceased-no-window", "The record of a patient who died more than 28 days ago is returned.";
    HtmlDeceasedWindowShort => "html-deceased-window-short", "The record of a patient who died within the last 28 days is refused with PATIENT_NOT_FOUND.";
    HtmlStu3MediaType => "html-stu3-media-type", "Responses on the DSTU2 root are typed application/fhir+json / application/fhir+xml (STU3).";
    HtmlAccepts1xJwt => "html-accepts-1x-jwt", "A 1.x token (aud = the service root, no requested_record) is accepted on the DSTU2 root.";
    HtmlRequestedRecordIgnored => "html-requested-record-ignored", "A JWT requested_record naming another patient than the Parameters is accepted.";
    HtmlStu3NhsSystem => "html-stu3-nhs-system", "The Patient's NHS number uses the STU3 system https://fhir.nhs.uk/Id/nhs-number.";
    HtmlTableColumnsOrder => "html-table-columns-order", "The first two columns of every table are swapped (headers and cells).";
    HtmlMissingTableId => "html-missing-table-id", "Tables carry no id.";
    HtmlNoDateColumnClass => "html-no-date-column-class", "Date cells carry no date-column class.";
    HtmlNoGpTransferBanner => "html-no-gp-transfer-banner", "The record of a patient in transit has no gptransfer-banner.";
    HtmlNoDataTextMissing => "html-no-data-text-missing", "An empty section or subsection has no \"No '...' data is recorded for this patient.\" text.";
    HtmlSensitiveServed => "html-sensitive-served", "The record of a patient flagged sensitive is returned.";
    HtmlNoConsentServed => "html-no-consent-served", "The record of a patient who dissents from sharing is returned.";
    HtmlNotOnSpineServed => "html-not-on-spine-served", "The record of a patient the provider holds but Spine does not is returned.";
    HtmlEndBeforeStartAccepted => "html-end-before-start-accepted", "A timePeriod that ends before it starts is accepted.";
    HtmlPartialDatetimeAccepted => "html-partial-datetime-accepted", "A timePeriod dateTime without a time zone is accepted.";
    HtmlErrorStu3System => "html-error-stu3-system", "OperationOutcome codings on the DSTU2 root use the STU3 Spine error code system.";
    HtmlCompositionNotFirst => "html-composition-not-first", "The care record Bundle's first entry is the Patient, not the Composition.";
    HtmlNoDevice => "html-no-device", "The care record Bundle holds no Device, so Composition.author does not resolve.";
    HtmlCompositionTypeWrong => "html-composition-type-wrong", "Composition.type carries another SNOMED code than the profile's fixed 425173008.";
    HtmlConformanceStu3 => "html-conformance-stu3", "The DSTU2 metadata answers an STU3 CapabilityStatement with fhirVersion 3.0.1.";
    HtmlInvalidNhsNumberAccepted => "html-invalid-nhs-number-accepted", "NHS numbers failing the format or check digit are looked up instead of refused with INVALID_NHS_NUMBER.";
    HtmlMultipleSectionsAccepted => "html-multiple-sections-accepted", "A request with two recordSection parameters is answered from the first.";
    HtmlMissingSubsectionHeaders => "html-missing-subsection-headers", "Subsections have no h2 header.";
    HtmlMedicationGroupingWrong => "html-medication-grouping-wrong", "All Medication counts one prescription issue fewer than All Medication Issues lists.";
    HtmlDiscontinuedBannerMissing => "html-discontinued-banner-missing", "Discontinued Repeat Medication has no content banner.";
    HtmlXmlIgnored => "html-xml-ignored", "XML asked for by Accept or _format on the DSTU2 root is answered in JSON.";
    TlsOff => "tls-off", "The TLS address serves plain HTTP (no TLS at all).";
    TlsPlainHttpServed => "tls-plain-http-served", "The plain-HTTP address serves the API instead of closing or redirecting to TLS.";
    TlsNoHsts => "tls-no-hsts", "The plain-HTTP address redirects to TLS without a Strict-Transport-Security header.";
    TlsNoClientCertRequired => "tls-no-client-cert-required", "Connections without a client certificate are served.";
    TlsAcceptsExpiredClientCert => "tls-accepts-expired-client-cert", "Expired client certificates are accepted.";
    TlsAcceptsAnyCa => "tls-accepts-any-ca", "Client certificates from any CA are accepted (the issuer is not checked).";
    TlsIgnoresCrl => "tls-ignores-crl", "The CRL is not consulted: revoked client certificates are accepted.";
    TlsAnyClientFqdn => "tls-any-client-fqdn", "Client certificates issued to any FQDN are accepted, not only the SSP's.";
    TlsOldVersions => "tls-old-versions", "TLS 1.0 and 1.1 are accepted.";
    Tls13Only => "tls-1.3-only", "Only TLS 1.3 is accepted (the SSP connects with TLS 1.2).";
    TlsNullCipher => "tls-null-cipher", "NULL cipher suites (NULL-MD5: no encryption) are accepted.";
    TlsNonPfsCipher => "tls-non-pfs-cipher", "AES128-SHA256 (static RSA key exchange, outside the specification's suites) is accepted.";
    TlsNoDhe => "tls-no-dhe", "The specification's DHE suites (AESGCM+EDH, AES256+EDH) are refused.";
    TlsExpiredServerCert => "tls-expired-server-cert", "The provider presents an expired server certificate.";
    SdNoInfrastructureAck => "sd-no-infrastructure-ack", "The reference receiver sends no infrastructure acknowledgement.";
    SdNoBusinessAck => "sd-no-business-ack", "The reference receiver sends no business acknowledgement.";
    SdWrongInfrastructureCode => "sd-wrong-infrastructure-code", "A valid message is answered with infrastructure code 20009 (payload validation failure) instead of 20013.";
    SdWrongBusinessCode => "sd-wrong-business-code", "A patient registered at the practice is answered with business code 30002 (not known) instead of 30001.";
    SdBusinessAckFirst => "sd-business-ack-first", "The business acknowledgement is sent before the infrastructure acknowledgement.";
    SdAckToWrongMailbox => "sd-ack-to-wrong-mailbox", "Acknowledgements go to another mailbox (X26ABC3) than the message's sender.";
    SdAckWrongReference => "sd-ack-wrong-reference", "Acknowledgements answer the message Bundle id instead of the MessageHeader id (response.identifier).";
    SdAckLosesSenderReference => "sd-ack-loses-sender-reference", "Acknowledgements carry a SenderReference of their own instead of the message's.";
    SdAckWrongWorkflow => "sd-ack-wrong-workflow", "Acknowledgements are sent on workflow GPFED_CONSULT_REPORT instead of GPFED_CONSULT_REPORT_ACK.";
    SdAckInvalid => "sd-ack-invalid", "The acknowledgement's OperationOutcome issue has severity `fatal-error`, not a code of its required value set.";
    SdAckWrongSource => "sd-ack-wrong-source", "Acknowledgements name the message's sender as their source.endpoint instead of the receiver's mailbox.";
    SdMessageNotCollected => "sd-message-not-collected", "Messages are read but never acknowledged in MESH, so they stay in the receiver's inbox.";
    SdAcceptsInvalidMessage => "sd-accepts-invalid-message", "Messages breaking ITK3 or Send Document rules are answered 20013 Success.";
    SdAcceptsMessageWithoutPdf => "sd-accepts-message-without-pdf", "Messages whose document holds no readable PDF Binary are answered 20013 Success.";
    SdUnknownPatientAccepted => "sd-unknown-patient-accepted", "A patient the practice does not know is answered with business code 30001.";
    SdDepartedPatientAccepted => "sd-departed-patient-accepted", "A patient no longer registered at the practice is answered with business code 30001.";
    SdReplacementNotRecognised => "sd-replacement-not-recognised", "A replacement of a document the receiver never had is answered 20013 instead of 20014.";
    SdReplacementRejected => "sd-replacement-rejected", "Every replacement is answered 20014, also of a document the receiver holds.";
    SdSenderBundleType => "sd-sender-bundle-type", "The reference sender breaks rule itk-bundle-type of its messages.";
    SdSenderBundleIdentifier => "sd-sender-bundle-identifier", "The reference sender breaks rule itk-bundle-identifier of its messages.";
    SdSenderHeaderFirst => "sd-sender-header-first", "The reference sender breaks rule itk-header-first of its messages.";
    SdSenderHeaderEvent => "sd-sender-header-event", "The reference sender breaks rule itk-header-event of its messages.";
    SdSenderHeaderNoDestination => "sd-sender-header-no-destination", "The reference sender breaks rule itk-header-no-destination of its messages.";
    SdSenderHandlingAcks => "sd-sender-handling-acks", "The reference sender breaks rule itk-handling-acks of its messages.";
    SdSenderHandlingRecipientType => "sd-sender-handling-recipient-type", "The reference sender breaks rule itk-handling-recipient-type of its messages.";
    SdSenderHandlingMessageDefinition => "sd-sender-handling-message-definition", "The reference sender breaks rule itk-handling-message-definition of its messages.";
    SdSenderHandlingSenderReference => "sd-sender-handling-sender-reference", "The reference sender breaks rule itk-handling-sender-reference of its messages.";
    SdSenderHandlingLocalExtension => "sd-sender-handling-local-extension", "The reference sender breaks rule itk-handling-local-extension of its messages.";
    SdSenderHeaderFocus => "sd-sender-header-focus", "The reference sender breaks rule itk-header-focus of its messages.";
    SdSenderDocumentType => "sd-sender-document-type", "The reference sender breaks rule itk-document-type of its messages.";
    SdSenderCompositionFirst => "sd-sender-composition-first", "The reference sender breaks rule itk-composition-first of its messages.";
    SdSenderCompositionStatus => "sd-sender-composition-status", "The reference sender breaks rule itk-composition-status of its messages.";
    SdSenderCompositionType => "sd-sender-composition-type", "The reference sender breaks rule itk-composition-type of its messages.";
    SdSenderCompositionText => "sd-sender-composition-text", "The reference sender breaks rule itk-composition-text of its messages.";
    SdSenderPatient => "sd-sender-patient", "The reference sender breaks rule itk-patient of its messages.";
    SdSenderPatientNhsNumber => "sd-sender-patient-nhs-number", "The reference sender breaks rule itk-patient-nhs-number of its messages.";
    SdSenderBinaryFirst => "sd-sender-binary-first", "The reference sender breaks rule itk-binary-first of its messages.";
    SdSenderBinaryPdf => "sd-sender-binary-pdf", "The reference sender breaks rule itk-binary-pdf of its messages.";
    SdSenderBinaryPdfOpens => "sd-sender-binary-pdf-opens", "The reference sender breaks rule itk-binary-pdf-opens of its messages.";
    SdSenderWrongWorkflow => "sd-sender-wrong-workflow", "The reference sender sends reports on workflow GPFED_CONSULT_REPORT_ACK.";
    SdSenderWrongSubject => "sd-sender-wrong-subject", "The MESH subject of a report omits its version (it ends at the ODS code).";
    SdSenderWrongLocalId => "sd-sender-wrong-local-id", "The MESH local id of a report is the document id, not the sender's ODS code.";
    SdSenderWrongSource => "sd-sender-wrong-source", "MessageHeader.source.endpoint names another mailbox than the one the report is sent from.";
    SdSenderWrongRouting => "sd-sender-wrong-routing", "The routing address carries the date of birth as YYYYMMDD instead of DDMMYYYY.";
    SdSenderInvalidResource => "sd-sender-invalid-resource", "The report's Patient.gender is `M`, not a code of its required value set.";
    SdSenderEmptyPdf => "sd-sender-empty-pdf", "The report's PDF opens but has no page.";
    SdSenderVersionNotIncremented => "sd-sender-version-not-incremented", "A replacement keeps version 1 in its Composition text and MESH subject.";
    SdSenderReplacementUnlinked => "sd-sender-replacement-unlinked", "A replacement has no Composition.relatesTo naming the document it replaces.";
    SdSenderIgnoresAcks => "sd-sender-ignores-acks", "The reference sender never collects the acknowledgements sent to its mailbox.";
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown fault name.
#[derive(Debug, thiserror::Error)]
#[error("unknown fault `{0}`; known faults: {known}", known = Fault::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", "))]
pub struct UnknownFault(pub String);

impl FromStr for Fault {
    type Err = UnknownFault;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFault(s.to_string()))
    }
}

/// The set of active faults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultSet(BTreeSet<Fault>);

impl FaultSet {
    pub fn new(faults: impl IntoIterator<Item = Fault>) -> Self {
        Self(faults.into_iter().collect())
    }
    pub fn has(&self, f: Fault) -> bool {
        self.0.contains(&f)
    }
    pub fn iter(&self) -> impl Iterator<Item = &Fault> {
        self.0.iter()
    }
}

impl Fault {
    /// The tag expression of the tests the kill matrix runs against this fault (`None`: every test). Send Document
    /// goes over MESH, not the provider's HTTP pipeline: only its own faults run its tests. A fault of one interaction can only break the scenarios that exercise
    /// it, so its run leaves the others out (the fixtures of other interactions' scenarios would fail too, but
    /// those scenarios are killed by their own faults); faults of the shared pipeline (headers, JWT, content
    /// negotiation, errors, caching, versions, searchset Bundles) run the whole suite, because the appointment
    /// scenarios check those rules too.
    pub fn kill_matrix_scope(self) -> Option<&'static str> {
        use Fault::*;
        const SEARCH: &str = "@SearchForFreeSlots";
        const BOOK: &str = "@AppointmentCreate";
        const CHANGE: &str = "@AppointmentAmend or @AppointmentCancel";
        const WRITE: &str = "@AppointmentCreate or @AppointmentAmend or @AppointmentCancel";
        match self {
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
            ApptCreatedOptional
            | ApptSlotReferenceUnchecked
            | ApptUnknownParticipantAccepted
            | ApptBookingRace => Some(BOOK),
            ApptReadPastAllowed => Some("@AppointmentRead"),
            f if f.is_structured() => Some("@structured"),
            f if f.is_documents() => Some("@documents"),
            f if f.is_html() => Some("@html"),
            f if f.is_transport() => Some("@security or @ssp"),
            f if f.is_send_document_sender() => Some("@send-document and @sender"),
            f if f.is_send_document() => Some("@send-document and @receiver"),
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
            | LocationNoManagingOrg => Some("not @send-document"),
            _ => Some("not @appointments and not @send-document"),
        }
    }

    /// Faults of Access Record Structured share this name prefix.
    pub const STRUCTURED_PREFIX: &'static str = "struct-";

    /// Whether the fault breaks an Access Record Structured behaviour.
    pub fn is_structured(self) -> bool {
        self.name().starts_with(Self::STRUCTURED_PREFIX)
    }

    /// Faults of Access Document share this name prefix.
    pub const DOCUMENTS_PREFIX: &'static str = "doc-";

    /// Whether the fault breaks an Access Document behaviour.
    pub fn is_documents(self) -> bool {
        self.name().starts_with(Self::DOCUMENTS_PREFIX)
    }

    /// Faults of Access Record HTML share this name prefix.
    pub const HTML_PREFIX: &'static str = "html-";

    /// Whether the fault breaks an Access Record HTML behaviour.
    pub fn is_html(self) -> bool {
        self.name().starts_with(Self::HTML_PREFIX)
    }

    /// The default time frame, in months for every section that can have one, that the provider and the
    /// harness are configured with (`html.default_time_frames`) when the kill matrix runs this fault: a fault of
    /// the default time frames only shows on a provider that has them. The frame is long enough to hold all the
    /// sample data, so that only the behaviour the fault breaks fails. `None`: none, as the main job.
    pub fn kill_matrix_default_time_frame(self) -> Option<u32> {
        matches!(
            self,
            Fault::HtmlDefaultTimeFrameIgnored | Fault::HtmlDefaultTimeFrameOverridesPeriod
        )
        .then_some(crate::provider::html::time_frames::MAX_MONTHS)
    }

    /// Faults of transport security (TLS, client certificates, plain HTTP) share this name prefix.
    pub const TRANSPORT_PREFIX: &'static str = "tls-";

    /// Whether the fault breaks transport security; such faults only show on the provider's TLS addresses.
    pub fn is_transport(self) -> bool {
        self.name().starts_with(Self::TRANSPORT_PREFIX)
    }

    /// Faults of Appointment Management share this name prefix.
    pub const APPOINTMENTS_PREFIX: &'static str = "appt-";

    /// Whether the fault breaks an Appointment Management behaviour.
    pub fn is_appointments(self) -> bool {
        self.name().starts_with(Self::APPOINTMENTS_PREFIX)
    }

    /// Faults of Send Document share this name prefix.
    pub const SEND_DOCUMENT_PREFIX: &'static str = "sd-";

    /// Whether the fault breaks a Send Document behaviour (of the reference receiver or sender).
    pub fn is_send_document(self) -> bool {
        self.name().starts_with(Self::SEND_DOCUMENT_PREFIX)
    }

    /// Whether the fault breaks the reference sender of Send Document.
    pub fn is_send_document_sender(self) -> bool {
        self.name().starts_with("sd-sender-")
    }

    /// The inbound rule ([`crate::itk::mutation::RULES`]) a reference-sender fault breaks in its messages.
    pub fn sender_breakage(self) -> Option<&'static str> {
        let rule = self.name().strip_prefix("sd-sender-")?;
        crate::itk::mutation::RULES
            .iter()
            .copied()
            .find(|r| r.strip_prefix("itk-") == Some(rule))
    }
}
