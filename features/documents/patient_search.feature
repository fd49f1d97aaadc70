@documents @1.6.2 @DocumentsPatientSearch @spec:access_documents_use_case_find_a_patient
Feature: Find a patient on the documents server
  A consumer finds a patient by NHS number on the Access Document service root before searching the patient's
  documents: GET /Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|<nhs> with the documents interaction ID
  (Access Document 1.6.2, "Find a patient"). Only active patients registered at the practice as Regular/GMS are
  returned; a patient who dissented from sharing is still found (the refusal comes with the documents search).

  @guards:no-charset @guards:wrong-meta-profile
  @id:docs.patient-search.01
  Scenario Outline: The documents server finds a pack patient by NHS number
    Given I configure the default "DocumentsPatientSearch" request
      And I add an NHS number identifier for patient "<patient>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a Bundle resource of type "searchset"
      And the response bundle should contain 1 entries
      And the resource should carry the identifier "https://fhir.nhs.uk/Id/nhs-number|{nhs:<patient>}"
      And every resource should carry the interaction's profile and a version
    Examples:
      | patient   |
      | patient1  |
      | patient2  |
      | patient3  |
      | patient4  |
      | patient5  |
      | patient6  |
      | patient15 |

  @guards:search-miss-404
  @id:docs.patient-search.02
  Scenario Outline: The documents server does not return patients it must not share
    Given I configure the default "DocumentsPatientSearch" request
      And I add an NHS number identifier for patient "<patient>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And the response bundle should contain 0 entries
    Examples:
      | patient            | role                     | guards             |
      | patient9           | sensitive                | sensitive-returned |
      | patient10          | sensitive                | sensitive-returned |
      | patient11          | superseded NHS number    |                    |
      | patient14          | not on PDS               |                    |
      | patient18          | deceased                 | deceased-returned  |
      | patient21          | inactive                 |                    |
      | patientNotInSystem | not held by the provider |                    |

  @guards:doc-temporary-patient-found
  @id:docs.patient-search.03
  Scenario: The documents server does not return a temporarily registered patient
    Given a new patient is registered temporarily from the register pool
      And I configure the default "DocumentsPatientSearch" request
      And I add the query parameter "identifier" with value "https://fhir.nhs.uk/Id/nhs-number|{stored:registered-nhs}"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response bundle should contain 0 entries

  @guards:nhs-number-unverified
  @id:docs.patient-search.04
  Scenario: The documents server returns the patient with a verified NHS number and a logical id
    Given I configure the default "DocumentsPatientSearch" request
      And I add an NHS number identifier for patient "patient2"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the patient should have exactly one official name
      And the resource element "id" should be present
      And the resource element "identifier[0].extension[0].valueCodeableConcept.coding[0].code" should be "01"

  @guards:accept-bad-nhs-number
  @id:docs.patient-search.05
  Scenario Outline: Finding a patient with an invalid NHS number on the documents server
    Given I configure the default "DocumentsPatientSearch" request
      And I add the query parameter "identifier" with value "https://fhir.nhs.uk/Id/nhs-number|<nhs>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_NHS_NUMBER"
    Examples:
      | nhs                |
      | {bad-nhs:patient2} |
      | 123456789          |

  @guards:accept-multiple-identifiers
  @id:docs.patient-search.06
  Scenario: Finding a patient with two identifier parameters on the documents server is a bad request
    Given I configure the default "DocumentsPatientSearch" request
      And I add an NHS number identifier for patient "patient1"
      And I add an NHS number identifier for patient "patient2"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @id:docs.patient-search.07
  Scenario Outline: The documents server answers Find a patient in the format asked for
    Given I configure the default "DocumentsPatientSearch" request
      And I set the "Accept" header to "<accept>"
      And I add the query parameter "_format" with value "<format>"
      And I add an NHS number identifier for patient "patient2"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <body>
      And the response bundle should contain 1 entries
    Examples:
      | accept                | format                | body | guards              |
      | application/fhir+json | application/fhir+xml  | XML  | ignore-format-param |
      | application/fhir+xml  | application/fhir+json | JSON | ignore-format-param |

  @guards:no-cache-control
  @id:docs.patient-search.08
  Scenario Outline: Find a patient on the documents server is not cacheable, found or refused
    Given I configure the default "DocumentsPatientSearch" request
      And I add the query parameter "<name>" with value "https://fhir.nhs.uk/Id/nhs-number|{nhs:patient2}"
    When I make the request
    Then the response status code should be "<status>"
      And the response should be valid against its profiles
      And the response should not be cacheable
    Examples:
      | name       | status |
      | identifier | 200    |
      | Identifier | 400    |

  @guards:ignore-interaction-id
  @id:docs.patient-search.09
  Scenario: Find a patient on the documents server with the Foundations interaction ID is a bad request
    Given I configure the default "DocumentsPatientSearch" request
      And I add an NHS number identifier for patient "patient2"
      And I set the Ssp-InteractionID header for the "PatientSearch" interaction
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @guards:ignore-accept-header
  @id:docs.patient-search.10
  Scenario: The documents server answers Find a patient in XML when the Accept header asks for it
    Given I configure the default "DocumentsPatientSearch" request
      And I set the "Accept" header to "application/fhir+xml"
      And I add an NHS number identifier for patient "patient2"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR XML
      And the response bundle should contain 1 entries

  @guards:doc-bundle-id-not-trace-id @guards:doc-no-full-url
  @id:docs.patient-search.11
  Scenario: The documents server's patient Bundle has the request's Ssp-TraceID as id and a fullUrl per entry
    Given I configure the default "DocumentsPatientSearch" request
      And I add an NHS number identifier for patient "patient2"
    When I make the request
    Then the response status code should be "200"
      And the Bundle id should be the request's Ssp-TraceID
      And every Bundle entry should have an absolute fullUrl naming its resource

  @guards:doc-patient-identifier-unchecked
  @id:docs.patient-search.12
  Scenario Outline: Finding a patient on the documents server with an identifier missing its system or value
    Given I configure the default "DocumentsPatientSearch" request
      And I add the query parameter "identifier" with value "<identifier>"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | identifier                          |
      | {nhs:patient2}                      |
      | \|{nhs:patient2}                    |
      | https://fhir.nhs.uk/Id/nhs-number\| |
