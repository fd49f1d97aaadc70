@foundations @1.2.7 @patient @PatientSearch @spec:foundations_use_case_find_a_patient
Feature: Patient search
  A consumer finds a patient by NHS number: GET /Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|<nhs>
  (Foundations 1.2.7, "Find a patient"). No match is not an error: the answer is an empty searchset.

  @guards:no-charset @guards:wrong-meta-profile
  @id:fdn.patient-search.01
  Scenario Outline: Search finds a pack patient by NHS number
    Given I configure the default "PatientSearch" request
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
      | patient               |
      | patient1              |
      | patient2              |
      | patient3              |
      | patient4              |
      | patient5              |
      | patient6              |
      | patient7              |
      | patient8              |
      | patient12             |
      | patient13             |
      | patient15             |
      | patient16             |
      | patient17             |
      | patientNoAppointments |

  @id:fdn.patient-search.02
  Scenario Outline: Search does not return patients the provider must not share
    Given I configure the default "PatientSearch" request
      And I add an NHS number identifier for patient "<patient>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And the response bundle should contain 0 entries
      And the response should not be cacheable
    Examples:
      | patient            | role                     | guards             |
      | patient9           | sensitive                | sensitive-returned |
      | patient10          | sensitive                | sensitive-returned |
      | patient11          | superseded NHS number    |                    |
      | patient14          | not on PDS               |                    |
      | patient18          | deceased                 | deceased-returned  |
      | patient21          | inactive                 |                    |
      | patientNotInSystem | not held by the provider |                    |

  @id:fdn.patient-search.03
  Scenario: Search returns a patient with one official name, gender and birth date
    Given I configure the default "PatientSearch" request
      And I add an NHS number identifier for patient "patient2"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the patient should have exactly one official name
      And the resource element "gender" should be present
      And the resource element "birthDate" should be present
      And the resource element "id" should be present

  @guards:nhs-number-unverified
  @id:fdn.patient-search.04
  Scenario: Search returns a patient with its registration details
    Given I configure the default "PatientSearch" request
      And I add an NHS number identifier for patient "patient2"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the resource reference "managingOrganization" should point to a Organization
      And the resource element "identifier[0].extension[0].valueCodeableConcept.coding[0].code" should be "01"

  @id:fdn.patient-search.05
  Scenario: Search response is not cacheable
    Given I configure the default "PatientSearch" request
      And I add an NHS number identifier for patient "patient2"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should not be cacheable

  @id:fdn.patient-search.06
  Scenario: Search without an identifier parameter is a bad request
    Given I configure the default "PatientSearch" request
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @guards:accept-multiple-identifiers
  @id:fdn.patient-search.07
  Scenario: Search with two identifier parameters is a bad request
    Given I configure the default "PatientSearch" request
      And I add an NHS number identifier for patient "patient2"
      And I add an NHS number identifier for patient "patient3"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @id:fdn.patient-search.08
  Scenario Outline: Search parameter names are case-sensitive
    Given I configure the default "PatientSearch" request
      And I add the query parameter "<name>" with value "https://fhir.nhs.uk/Id/nhs-number|{nhs:patient2}"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | name       |
      | Identifier |
      | IDENTIFIER |
      | idenTIFIER |

  @guards:accept-unknown-identifier-system
  @id:fdn.patient-search.09
  Scenario Outline: Search with an identifier system the provider does not know
    Given I configure the default "PatientSearch" request
      And I add the query parameter "identifier" with value "<system>|{nhs:patient2}"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_IDENTIFIER_SYSTEM"
    Examples:
      | system                                   |
      | http://fhir.nhs.net/Id/nhs-number        |
      | https://fhir.nhs.uk/Id/NHS-number        |
      | http://test.net/types/internalIdentifier |
      | https://fhir.nhs.uk/Id/ods-organization-code |

  @id:fdn.patient-search.10
  Scenario Outline: Search with a malformed identifier is an invalid parameter
    Given I configure the default "PatientSearch" request
      And I add the query parameter "identifier" with value "<identifier>"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | identifier                         |
      | {nhs:patient2}                     |
      | https://fhir.nhs.uk/Id/nhs-number\| |
      | \|{nhs:patient2}                    |

  @guards:accept-bad-nhs-number
  @id:fdn.patient-search.11
  Scenario Outline: Search with an invalid NHS number
    Given I configure the default "PatientSearch" request
      And I add the query parameter "identifier" with value "https://fhir.nhs.uk/Id/nhs-number|<nhs>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_NHS_NUMBER"
    Examples:
      | nhs                |
      | {bad-nhs:patient2} |
      | {bad-nhs:patient1} |
      | 123456789          |
      | 12345678901        |
      | abcdefghij         |

  @id:fdn.patient-search.12
  Scenario: Search in XML
    Given I configure the default "PatientSearch" request
      And I add an NHS number identifier for patient "patient2"
      And I set the "Accept" header to "application/fhir+xml"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR XML
      And the response should be a Bundle resource of type "searchset"
      And the response bundle should contain 1 entries
