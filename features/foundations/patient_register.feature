@foundations @1.2.7 @patient @RegisterPatient @spec:foundations_use_case_register_a_patient
Feature: Register a patient
  POST /Patient/$gpc.registerpatient with a Parameters resource holding one `registerPatient` Patient
  (Foundations 1.2.7, "Register a patient"; GPConnect-RegisterPatient-Operation-1). Each scenario registers an
  identity from the register pool that the provider does not hold yet.

  @guards:register-no-registration-type
  @id:fdn.register.01
  Scenario: Register a new patient
    Given I configure the default "RegisterPatient" request
      And I prepare to register a new patient from the register pool
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a Bundle resource of type "searchset"
      And the response bundle should contain 1 entries
      And the resource should carry the identifier "https://fhir.nhs.uk/Id/nhs-number|{stored:registered}"
      And every resource should carry the interaction's profile and a version
      And the patient registration type should be "T"

  @id:fdn.register.02
  Scenario: A registered patient can be found
    Given I configure the default "RegisterPatient" request
      And I prepare to register a new patient from the register pool
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
    Given I configure the default "PatientSearch" request
      And I add the query parameter "identifier" with value "https://fhir.nhs.uk/Id/nhs-number|{stored:registered}"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response bundle should contain 1 entries
      And the patient registration type should be "T"

  @guards:register-duplicate-accepted
  @id:fdn.register.03
  Scenario: Register the same patient twice is a duplicate
    Given I configure the default "RegisterPatient" request
      And I prepare to register a new patient from the register pool
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
    When I make the request
    Then the response status code should be "409"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "DUPLICATE_REJECTED"

  @id:fdn.register.04
  Scenario Outline: Register a patient the provider already holds is a duplicate
    Given I configure the default "RegisterPatient" request
      And I prepare to register the pack patient "<patient>"
    When I make the request
    Then the response status code should be "409"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "DUPLICATE_REJECTED"
    Examples:
      | patient  |
      | patient1 |
      | patient2 |
      | patient3 |

  @guards:register-no-registration-type @guards:xml-body-rejected
  @id:fdn.register.05
  Scenario: Register a new patient in XML
    Given I configure the default "RegisterPatient" request
      And I prepare to register a new patient from the register pool
      And I send the request body as FHIR XML
      And I set the "Accept" header to "application/fhir+xml"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR XML
      And the response should be a Bundle resource of type "searchset"
      And the patient registration type should be "T"

  @id:fdn.register.06
  Scenario: Register with an XML body and a JSON Accept answers in JSON
    Given I configure the default "RegisterPatient" request
      And I prepare to register a new patient from the register pool
      And I send the request body as FHIR XML
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a Bundle resource of type "searchset"

  @id:fdn.register.07
  Scenario: Register with optional telecom, address and gender
    Given I configure the default "RegisterPatient" request
      And I prepare to register a new patient from the register pool
      And I set the registration patient's "telecom" to the JSON '[{"system":"phone","value":"01454587554","use":"home"},{"system":"email","value":"test@example.org","use":"home"}]'
      And I set the registration patient's "address" to the JSON '[{"use":"home","line":["1 Trevelyan Square"],"city":"Leeds","postalCode":"LS1 6AE"}]'
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response bundle should contain 1 entries

  @id:fdn.register.08
  Scenario Outline: Register with a Patient missing a mandatory element
    Given I configure the default "RegisterPatient" request
      And I prepare to register a new patient from the register pool
      And I remove the registration patient's "<element>"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | element    |
      | meta       |
      | name       |
      | birthDate  |
      | identifier |

  @guards:register-accepts-extra-elements
  @id:fdn.register.09
  Scenario Outline: Register with a Patient carrying an element the operation does not allow
    Given I configure the default "RegisterPatient" request
      And I prepare to register a new patient from the register pool
      And I set the registration patient's "<element>" to the JSON '<value>'
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | element              | value                                                     |
      | active               | true                                                      |
      | deceasedBoolean      | false                                                     |
      | deceasedDateTime     | "2010-10-10T00:00:00+00:00"                             |
      | maritalStatus        | {"text":"Married"}                                    |
      | multipleBirthBoolean | true                                                      |
      | photo                | [{"title":"photo"}]                                   |
      | contact              | [{"name":{"family":"Smith"}}]                       |
      | animal               | {"species":{"text":"dog"}}                          |
      | communication        | [{"language":{"text":"en"}}]                        |
      | generalPractitioner  | [{"reference":"Practitioner/1"}]                      |
      | managingOrganization | {"reference":"Organization/1"}                        |
      | link                 | [{"other":{"reference":"Patient/1"},"type":"seealso"}] |

  @id:fdn.register.10
  Scenario Outline: Register with an invalid name, birth date or gender
    Given I configure the default "RegisterPatient" request
      And I prepare to register a new patient from the register pool
      And I set the registration patient's "<element>" to the JSON '<value>'
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | element   | value                                                                                           |
      | name      | [{"use":"usual","family":"Smith","given":["Jo"]}]                                   |
      | name      | [{"use":"official","given":["Jo"]}]                                                     |
      | name      | [{"use":"official","family":"Smith"}]                                                   |
      | name      | [{"use":"official","family":"A","given":["B"]},{"use":"official","family":"C","given":["D"]}] |
      | birthDate | "10/03/1951"                                                                                  |
      | birthDate | "1951"                                                                                        |
      | gender    | "F"                                                                                           |
      | address   | [{"use":"home","city":"Leeds"},{"use":"home","city":"York"}]                    |

  @id:fdn.register.11
  Scenario Outline: Register with a Patient that does not use the GP Connect profile
    Given I configure the default "RegisterPatient" request
      And I prepare to register a new patient from the register pool
      And I set the registration patient's "meta" to the JSON '<meta>'
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | meta                                                                                           |
      | {"profile":["https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Patient-1"]}     |
      | {"profile":[]}                                                                               |
      | {"versionId":"1"}                                                                          |

  @id:fdn.register.12
  Scenario Outline: Register with a malformed Parameters resource
    Given I configure the default "RegisterPatient" request
      And I prepare to register a new patient from the register pool
      And I set the registration Parameters to the JSON '<parameter>'
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | parameter                                                                        |
      | []                                                                               |
      | [{"name":"registerPatient"}]                                                 |
      | [{"name":"registerpatient","resource":{"resourceType":"Patient"}}]     |
      | [{"name":"registerPatient","resource":{"resourceType":"Organization"}}] |
      | [{"name":"registerPatient","valueString":"patient"}]                      |

  @id:fdn.register.13
  Scenario: Register with two registerPatient parameters
    Given I configure the default "RegisterPatient" request
      And I prepare to register a new patient from the register pool
      And I duplicate the registerPatient parameter
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @id:fdn.register.14
  Scenario Outline: Register with a body that is not FHIR
    Given I configure the default "RegisterPatient" request
      And I set the request body to '<body>' with content type "application/fhir+json;charset=utf-8"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | body                     |
      | {"resourceType":       |
      | not json                 |
      | <Parameters/>            |

  @id:fdn.register.15
  Scenario: Register with a body that is not a Parameters resource
    Given I configure the default "RegisterPatient" request
      And I set the request body to '{"resourceType":"Patient"}' with content type "application/fhir+json;charset=utf-8"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @id:fdn.register.16
  Scenario Outline: Register with an invalid NHS number
    Given I configure the default "RegisterPatient" request
      And I prepare to register patient "<nhs>" with family name "Smith" born "1951-03-10"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_NHS_NUMBER"
    Examples:
      | nhs                |
      | {bad-nhs:patient2} |
      | 123456789          |
      | 1234567890A        |

  @id:fdn.register.17
  Scenario: Register a patient PDS does not know
    Given I configure the default "RegisterPatient" request
      And I prepare to register patient "{nhs:patientNotInSystem}" with family name "Smith" born "1951-03-10"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PATIENT_DEMOGRAPHICS"

  @guards:register-skips-demographics
  @id:fdn.register.18
  Scenario Outline: Register with demographics that do not match PDS
    Given I configure the default "RegisterPatient" request
      And I prepare to register a new patient from the register pool
      And I set the registration patient's "<element>" to the JSON '<value>'
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PATIENT_DEMOGRAPHICS"
    Examples:
      | element   | value                                                            |
      | birthDate | "1900-01-01"                                                   |
      | name      | [{"use":"official","family":"Nobody","given":["X"]}] |

  @id:fdn.register.19
  Scenario: Register response is not cacheable
    Given I configure the default "RegisterPatient" request
      And I prepare to register the pack patient "patient1"
    When I make the request
    Then the response status code should be "409"
      And the response should be valid against its profiles
      And the response should not be cacheable
