@foundations @1.2.7 @patient @PatientRead @spec:foundations_use_case_read_a_patient
Feature: Patient read
  A consumer reads a patient by the logical id a Patient search returned
  (Foundations 1.2.7, "Read a patient"; CareConnect-GPC-Patient-1).

  @guards:old-nhs-number-system @guards:patient-gender-not-coded
  @id:fdn.patient-read.01
  Scenario Outline: Read a pack patient returns that patient
    Given I configure the default "PatientRead" request
      And I set the request id to the logical id of patient "<patient>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a Patient resource
      And the resource should carry the identifier "https://fhir.nhs.uk/Id/nhs-number|{nhs:<patient>}"
      And every resource should carry the interaction's profile and a version
    Examples:
      | patient  |
      | patient1 |
      | patient2 |
      | patient3 |
      | patient4 |
      | patient5 |
      | patient6 |
      | patient12 |
      | patient16 |

  @id:fdn.patient-read.02
  Scenario: Read patient carries a weak ETag of its version and is not cacheable
    Given I configure the default "PatientRead" request
      And I set the request id to the logical id of patient "patient2"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response ETag should be the weak form of the resource version
      And the response should not be cacheable

  @guards:patient-name-not-official
  @id:fdn.patient-read.03
  Scenario: Read patient has exactly one official name
    Given I configure the default "PatientRead" request
      And I set the request id to the logical id of patient "patient2"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the patient should have exactly one official name
      And the resource element "name[0].family" should be present
      And the resource element "birthDate" should be present
      And the resource element "gender" should be present

  @guards:patient-no-gp
  @id:fdn.patient-read.04
  Scenario: Read patient references its managing organization and GP
    Given I configure the default "PatientRead" request
      And I set the request id to the logical id of patient "patient2"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the resource reference "managingOrganization" should point to a Organization
      And the resource reference "generalPractitioner[0]" should point to a Practitioner

  @guards:patient-forbidden-elements
  @id:fdn.patient-read.05
  Scenario Outline: Read patient does not populate elements the profile forbids
    Given I configure the default "PatientRead" request
      And I set the request id to the logical id of patient "patient2"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the patient should not carry the extension "<extension>"
      And the resource element "<element>" should be absent
    Examples:
      | extension                | element              |
      | EthnicCategory           | maritalStatus        |
      | ReligiousAffiliation     | multipleBirthBoolean |
      | patient-cadavericDonor   | animal               |
      | ResidentialStatus        | photo                |
      | TreatmentCategory        | link                 |
      | birthPlace               | multipleBirthInteger |

  @id:fdn.patient-read.06
  Scenario Outline: Read an unknown logical id is PATIENT_NOT_FOUND
    Given I configure the default "PatientRead" request
      And I set the request id to "<id>"
    When I make the request
    Then the response status code should be "404"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "PATIENT_NOT_FOUND"
      And the response should not be cacheable
    Examples:
      | id          |
      | 999999999   |
      | aaBA        |
      | 0           |

  @id:fdn.patient-read.07
  Scenario: Read patient in XML
    Given I configure the default "PatientRead" request
      And I set the request id to the logical id of patient "patient2"
      And I set the "Accept" header to "application/fhir+xml"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR XML
      And the response should be a Patient resource
      And the resource should carry the identifier "https://fhir.nhs.uk/Id/nhs-number|{nhs:patient2}"
