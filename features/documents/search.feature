@documents @1.6.2 @DocumentsSearch @spec:access_documents_development_search_patient_documents
Feature: Search for a patient's documents
  A consumer searches a patient's documents on the Access Document service root:
  GET /Patient/[id]/DocumentReference with the mandatory _include=DocumentReference:subject:Patient,
  _include=DocumentReference:custodian:Organization, _include=DocumentReference:author:Organization,
  _include=DocumentReference:author:Practitioner and _revinclude:recurse=PractitionerRole:practitioner
  (Access Document 1.6.2, "Search for a patient's documents"). The answer is a searchset Bundle whose id is the
  request's Ssp-TraceID and whose entries have absolute fullUrls (documents Bundle page): the patient's
  DocumentReferences (CareConnect-GPC-DocumentReference-1) and the resources they reference. A document over
  5 MB is a placeholder: its size and a title saying why, no url (documents guidance, "File size of the
  document"). Unrecognised search criteria are ignored (general API guidance, "Inter-version compatibility").

  @guards:bundle-wrong-type @guards:wrong-meta-profile
  @id:docs.search.01
  Scenario: Searching the documents of a patient who has documents
    Given I configure the default "DocumentsSearch" request
      And I set the request id to the documents logical id of patient "patient2"
      And I add the mandatory documents search parameters
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And the Bundle should contain at least one DocumentReference
      And every resource should carry the interaction's profile and a version
      And every DocumentReference should be current, indexed and sized

  @guards:doc-bundle-id-not-trace-id
  @id:docs.search.02
  Scenario: The documents Bundle's id is the request's Ssp-TraceID
    Given I configure a valid "DocumentsSearch" request
    When I make the request
    Then the response status code should be "200"
      And the Bundle id should be the request's Ssp-TraceID

  @guards:doc-no-full-url
  @id:docs.search.03
  Scenario: Every entry of the documents Bundle has an absolute fullUrl
    Given I configure a valid "DocumentsSearch" request
    When I make the request
    Then the response status code should be "200"
      And every Bundle entry should have an absolute fullUrl naming its resource

  @guards:doc-other-patients-documents
  @id:docs.search.04
  Scenario: Every DocumentReference returned is about the patient in the URL
    Given I configure a valid "DocumentsSearch" request
    When I make the request
    Then the response status code should be "200"
      And the Bundle should contain at least one DocumentReference
      And every DocumentReference should be about the requested patient

  @guards:doc-no-custodian
  @id:docs.search.05
  Scenario: Every DocumentReference names the organisation that keeps the document
    Given I configure a valid "DocumentsSearch" request
    When I make the request
    Then the response status code should be "200"
      And every DocumentReference should name its custodian

  @guards:doc-not-in-use-elements
  @id:docs.search.06
  Scenario: No DocumentReference populates the elements not in use
    Given I configure a valid "DocumentsSearch" request
    When I make the request
    Then the response status code should be "200"
      And the Bundle should contain at least one DocumentReference
      And no DocumentReference should populate the elements not in use

  @guards:doc-binary-missing @guards:doc-binary-wrong-content-type @guards:doc-wrong-size
  @id:docs.search.07
  Scenario: Every document the search lists can be retrieved as its DocumentReference declares
    Given I configure a valid "DocumentsSearch" request
    When I make the request
    Then the response status code should be "200"
      And every DocumentReference with a url should have its Binary retrievable as declared

  @guards:doc-other-patients-documents
  @id:docs.search.08
  Scenario: Searching the documents of a patient who has none
    Given I configure the default "DocumentsSearch" request
      And I set the request id to the documents logical id of patient "patient3"
      And I add the mandatory documents search parameters
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And the Bundle should contain 0 DocumentReferences

  @guards:doc-large-no-placeholder
  @id:docs.search.09
  Scenario: A document over 5 MB is listed as a placeholder with its size
    Given I configure the default "DocumentsSearch" request
      And I set the request id to the documents logical id of patient "patient4"
      And I add the mandatory documents search parameters
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every DocumentReference over 5 MB should be a placeholder that says why

  @guards:doc-include-optional
  @id:docs.search.10
  Scenario Outline: A search without one of the mandatory include parameters is an invalid parameter
    Given I configure the default "DocumentsSearch" request
      And I set the request id to the documents logical id of patient "patient2"
      And I add the mandatory documents search parameters except "<left out>"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
      And the OperationOutcome diagnostics should mention "<left out>"
    Examples:
      | left out                                 |
      | DocumentReference:subject:Patient        |
      | DocumentReference:custodian:Organization |
      | DocumentReference:author:Organization    |
      | DocumentReference:author:Practitioner    |
      | PractitionerRole:practitioner            |

  @guards:doc-include-optional
  @id:docs.search.11
  Scenario: A search without any include parameter is an invalid parameter
    Given I configure the default "DocumentsSearch" request
      And I set the request id to the documents logical id of patient "patient2"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"

  @guards:doc-include-ignored
  @id:docs.search.12
  Scenario Outline: The Bundle holds the resources the DocumentReferences reference
    Given I configure a valid "DocumentsSearch" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every <element> reference of the DocumentReferences to a <resource> should resolve inside the Bundle
    Examples:
      | element   | resource     |
      | subject   | Patient      |
      | custodian | Organization |
      | author    | Organization |
      | author    | Practitioner |

  @guards:doc-revinclude-ignored
  @id:docs.search.13
  Scenario: The Bundle holds the PractitionerRole of every Practitioner it includes
    Given I configure a valid "DocumentsSearch" request
    When I make the request
    Then the response status code should be "200"
      And every Practitioner in the Bundle should come with its PractitionerRole

  @guards:doc-unknown-parameter-refused
  @id:docs.search.14
  Scenario: An unrecognised search parameter is ignored
    Given I configure a valid "DocumentsSearch" request
      And I add the query parameter "BadParameter" with value "BadParamValue"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the Bundle should contain at least one DocumentReference

  @guards:doc-unknown-patient-empty
  @id:docs.search.15
  Scenario: Searching the documents of a patient the provider does not hold
    Given I configure the default "DocumentsSearch" request
      And I set the request id to "9999999"
      And I add the mandatory documents search parameters
    When I make the request
    Then the response status code should be "404"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "PATIENT_NOT_FOUND"
      And the response should not be cacheable

  @id:docs.search.16
  Scenario Outline: The documents of a patient the provider must not share are not found
    Given I configure the default "DocumentsSearch" request
      And I set the request id to "{logical-id:<patient>}"
      And I add the mandatory documents search parameters
    When I make the request
    Then the response status code should be "404"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "PATIENT_NOT_FOUND"
    Examples:
      | patient   | role      | guards               |
      | patient9  | sensitive | doc-sensitive-served |
      | patient10 | sensitive | doc-sensitive-served |
      | patient18 | deceased  | doc-deceased-served  |
      | patient21 | inactive  | doc-inactive-served  |

  @guards:doc-no-consent-served
  @id:docs.search.17
  Scenario: The documents of a patient who dissented from sharing are refused
    Given I configure the default "DocumentsSearch" request
      And I set the request id to the documents logical id of patient "patient15"
      And I add the mandatory documents search parameters
    When I make the request
    Then the response status code should be "403"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "NO_PATIENT_CONSENT"

  @guards:doc-temporary-documents-served
  @id:docs.search.18
  Scenario: The documents of a patient not registered here as Regular/GMS are not found
    Given a new patient is registered temporarily from the register pool
      And I configure the default "DocumentsSearch" request
      And I set the request id to "{stored:registered-id}"
      And I add the mandatory documents search parameters
    When I make the request
    Then the response status code should be "404"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "PATIENT_NOT_FOUND"

  @guards:ignore-accept-header
  @id:docs.search.19
  Scenario: Searching a patient's documents in XML
    Given I configure a valid "DocumentsSearch" request
      And I set the "Accept" header to "application/fhir+xml"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR XML
      And the Bundle should contain at least one DocumentReference

  @guards:accept-wrong-scope
  @id:docs.search.20
  Scenario Outline: Searching documents with a token whose scope does not fit is a bad request
    Given I configure a valid "DocumentsSearch" request
      And I set the JWT claim "requested_scope" to "<scope>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | scope               |
      | organization/*.read |
      | patient/*.write     |

  @guards:accept-wrong-reason
  @id:docs.search.21
  Scenario Outline: Searching documents for a reason other than direct care is a bad request
    Given I configure a valid "DocumentsSearch" request
      And I set the JWT claim "reason_for_request" to "<reason>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | reason        |
      | migration     |
      | secondaryuses |

  @id:docs.search.22
  Scenario Outline: Searching documents without an SSP header, or for another ASID, is a bad request
    Given I configure a valid "DocumentsSearch" request
      And I set the "<header>" header to "<value>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | header      | value        | guards                  |
      | Ssp-TraceID |              | accept-missing-trace-id |
      | Ssp-From    |              | accept-missing-from     |
      | Ssp-To      | 200000000999 | accept-wrong-asid       |
