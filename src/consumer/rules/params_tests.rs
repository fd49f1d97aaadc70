use std::collections::HashSet;

use super::*;

/// 2024-03-15T12:00:00Z (GMT).
const NOW: i64 = 1_710_504_000;

fn broken(interaction: Interaction, target: &str) -> Vec<String> {
    let req = InboundRequest {
        received_at: NOW,
        method: "GET".into(),
        target: target.into(),
        ..Default::default()
    };
    let seen = HashSet::new();
    let ctx = RuleContext {
        provider_asid: "200000000116",
        consumer_asid: None,
        roots: &[],
        origin: "https://provider.example",
        validators: None,
        seen_trace_ids: &seen,
        clock_skew_secs: 0,
    };
    let route = Route {
        interaction,
        id: None,
        root_url: "https://provider.example/fhir".into(),
    };
    let mut findings = Vec::new();
    judge(&req, &ctx, &route, &mut findings);
    findings.into_iter().map(|f| f.rule).collect()
}

const NONE: Vec<String> = Vec::new();

#[test]
fn rule_ids_are_unique_and_in_the_params_group() {
    let mut seen = HashSet::new();
    for rule in RULES {
        assert_eq!(rule.group(), "params", "{}", rule.id);
        assert!(seen.insert(rule.id), "{} twice", rule.id);
    }
}

#[test]
fn patient_search() {
    let ok = "/Patient?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9690937286";
    assert_eq!(broken(Interaction::PatientSearch, ok), NONE);
    assert_eq!(broken(Interaction::DocumentsPatientSearch, ok), NONE);
    assert_eq!(
        broken(
            Interaction::PatientSearch,
            "/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9690937286"
        ),
        vec![IDENTIFIER_ENCODED.id]
    );
    assert_eq!(
        broken(Interaction::PatientSearch, "/Patient"),
        vec![IDENTIFIER.id]
    );
    assert_eq!(
        broken(
            Interaction::PatientSearch,
            &format!("{ok}&identifier=x%7Cy")
        ),
        vec![IDENTIFIER.id]
    );
    assert_eq!(
        broken(Interaction::PatientSearch, "/Patient?identifier=9690937286"),
        vec![IDENTIFIER.id]
    );
    assert_eq!(
        broken(
            Interaction::PatientSearch,
            "/Patient?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9690937287"
        ),
        vec![PATIENT_NHS_NUMBER.id]
    );
    assert_eq!(
        broken(
            Interaction::PatientSearch,
            "/Patient?identifier=http%3A%2F%2Ffhir.nhs.net%2FId%2Fnhs-number%7C9690937286"
        ),
        vec![PATIENT_NHS_NUMBER.id]
    );
}

#[test]
fn practitioner_and_organisation_searches() {
    let practitioner =
        "/Practitioner?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fsds-user-id%7CG13579135";
    assert_eq!(broken(Interaction::PractitionerSearch, practitioner), NONE);
    assert_eq!(
        broken(
            Interaction::PractitionerSearch,
            "/Practitioner?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C1"
        ),
        vec![PRACTITIONER_SYSTEM.id]
    );
    let org =
        "/Organization?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fods-organization-code%7CB82617";
    assert_eq!(broken(Interaction::OrganizationSearch, org), NONE);
    assert_eq!(
        broken(
            Interaction::OrganizationSearch,
            "/Organization?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fsds-user-id%7CB82617"
        ),
        vec![ORGANIZATION_SYSTEM.id]
    );
}

const SLOT_TAIL: &str = "&status=free&_include=Slot:schedule";

fn slot_search(start: &str, end: &str) -> Vec<String> {
    broken(
        Interaction::SearchForFreeSlots,
        &format!("/Slot?start={start}&end={end}{SLOT_TAIL}"),
    )
}

#[test]
fn slot_search_as_the_page_shows_it() {
    // The page's two examples (the second sends `+` unencoded).
    let all = "/Slot?status=free&start=ge2017-10-20&end=le2017-10-31&_include=Slot:schedule&_include:recurse=Schedule:actor:Practitioner&_include:recurse=Schedule:actor:Location&_include:recurse=Location:managingOrganization&searchFilter=https://fhir.nhs.uk/STU3/CodeSystem/GPConnect-OrganisationType-1|gp-practice&searchFilter=https://fhir.nhs.uk/Id/ods-organization-code|A1001";
    assert_eq!(broken(Interaction::SearchForFreeSlots, all), NONE);
    assert_eq!(
        slot_search("ge2019-03-29T12:00:00+00:00", "le2019-04-01T17:00:00+01:00"),
        NONE
    );
    assert_eq!(
        slot_search(
            "ge2019-03-29T12:00:00%2B00:00",
            "le2019-04-01T17:00:00%2B01:00"
        ),
        NONE
    );
}

#[test]
fn slot_start_and_end() {
    assert_eq!(
        slot_search("2024-03-15", "le2024-03-20"),
        vec![SLOT_START.id]
    );
    assert_eq!(
        slot_search("ge2024-03", "le2024-03-20"),
        vec![SLOT_START.id]
    );
    assert_eq!(
        slot_search("ge2024-03-15", "ge2024-03-20"),
        vec![SLOT_END.id]
    );
    // BST began on 31 March 2024: +00:00 is not UK local time on 2 April.
    assert_eq!(
        slot_search("ge2024-03-29", "le2024-04-02T10:00:00%2B00:00"),
        vec![SLOT_END.id]
    );
    assert_eq!(
        broken(
            Interaction::SearchForFreeSlots,
            &format!("/Slot?start=ge2024-03-15&start=ge2024-03-16&end=le2024-03-20{SLOT_TAIL}")
        ),
        vec![SLOT_START.id]
    );
    assert_eq!(
        broken(
            Interaction::SearchForFreeSlots,
            &format!("/Slot?start=ge2024-03-15{SLOT_TAIL}")
        ),
        vec![SLOT_END.id]
    );
}

#[test]
fn slot_range_at_most_two_weeks() {
    assert_eq!(slot_search("ge2024-03-15", "le2024-03-29"), NONE);
    assert_eq!(
        slot_search("ge2024-03-15", "le2024-03-30"),
        vec![SLOT_RANGE.id]
    );
    assert_eq!(
        slot_search("ge2024-03-15", "le2024-03-14"),
        vec![SLOT_RANGE.id]
    );
    // Across the change to BST, fourteen local days.
    assert_eq!(
        slot_search(
            "ge2024-03-25T09:00:00%2B00:00",
            "le2024-04-08T09:00:00%2B01:00"
        ),
        NONE
    );
}

#[test]
fn slot_status_and_schedule() {
    let base = "/Slot?start=ge2024-03-15&end=le2024-03-20";
    assert_eq!(
        broken(
            Interaction::SearchForFreeSlots,
            &format!("{base}&_include=Slot:schedule")
        ),
        vec![SLOT_STATUS.id]
    );
    assert_eq!(
        broken(
            Interaction::SearchForFreeSlots,
            &format!("{base}&status=busy&_include=Slot:schedule")
        ),
        vec![SLOT_STATUS.id]
    );
    assert_eq!(
        broken(
            Interaction::SearchForFreeSlots,
            &format!("{base}&status=free&_include:recurse=Schedule:actor:Location")
        ),
        vec![SLOT_SCHEDULE.id]
    );
}

#[test]
fn patient_appointments() {
    let search = |q: &str| {
        broken(
            Interaction::AppointmentSearch,
            &format!("/Patient/2/Appointment?{q}"),
        )
    };
    assert_eq!(search("start=ge2024-03-15&start=le2024-04-15"), NONE);
    assert_eq!(search("start=ge2024-03-15"), vec![APPOINTMENTS_START.id]);
    assert_eq!(
        search("start=ge2024-03-15&start=ge2024-03-20"),
        vec![APPOINTMENTS_START.id]
    );
    assert_eq!(
        search("start=ge2024-03-15T10:00:00%2B00:00&start=le2024-04-15"),
        vec![APPOINTMENTS_START.id]
    );
    assert_eq!(
        search("start=ge2024-03-14&start=le2024-04-15"),
        vec![APPOINTMENTS_RANGE.id]
    );
    assert_eq!(
        search("start=ge2024-03-20&start=le2024-03-16"),
        vec![APPOINTMENTS_RANGE.id]
    );
}

const DOC_INCLUDES: &str = "_include=DocumentReference:subject:Patient&_include=DocumentReference:custodian:Organization&_include=DocumentReference:author:Organization&_include=DocumentReference:author:Practitioner&_revinclude:recurse=PractitionerRole:practitioner";

fn document_search(extra: &str) -> Vec<String> {
    broken(
        Interaction::DocumentsSearch,
        &format!("/Patient/2/DocumentReference?{DOC_INCLUDES}{extra}"),
    )
}

#[test]
fn document_search_as_the_examples_page_shows_it() {
    let example = "/Patient/04603d77-1a4e-4d63-b246-d7504f8bd833/DocumentReference?created=ge2019-06-24&_include=DocumentReference:subject:Patient&_include=DocumentReference:custodian:Organization&_include=DocumentReference:author:Organization&_include=DocumentReference:author:Practitioner&_revinclude:recurse=PractitionerRole:practitioner&author=https://fhir.nhs.uk/Id/ods-organization-code|O001";
    assert_eq!(broken(Interaction::DocumentsSearch, example), NONE);
    assert_eq!(
        document_search("&created=ge2019-01-01&created=le2019-12-31&description=letter"),
        NONE
    );
}

#[test]
fn document_includes() {
    assert_eq!(
        broken(
            Interaction::DocumentsSearch,
            "/Patient/2/DocumentReference?_include=DocumentReference:subject:Patient"
        ),
        vec![DOCUMENTS_INCLUDES.id; 4]
    );
}

#[test]
fn document_created_and_author() {
    assert_eq!(
        document_search("&created=2019-01-01"),
        vec![DOCUMENTS_CREATED.id]
    );
    assert_eq!(
        document_search("&created=ge2019-01-01&created=ge2019-02-01"),
        vec![DOCUMENTS_CREATED.id]
    );
    assert_eq!(
        document_search("&author=https://fhir.nhs.uk/Id/sds-user-id|G13579135"),
        vec![DOCUMENTS_AUTHOR.id]
    );
}

#[test]
fn other_interactions_have_no_parameter_rules() {
    assert_eq!(
        broken(Interaction::PatientRead, "/Patient/2?_format=json"),
        NONE
    );
}
