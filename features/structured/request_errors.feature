@structured @1.6.2 @GetStructuredRecord @spec:accessrecord_structured_development_retrieve_patient_record
Feature: Structured record request errors
  The error table of "Retrieve a patient's structured record" (Access Record Structured 1.6.2): the patient the
  request names, the NHS number, the Parameters resource and parameters that take no part.

  @id:struct.request-errors.01
  Scenario Outline: A patient whose record may not be shared is not found
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "<patient>"
      And I add the parameter "includeAllergies" with the part "includeResolvedAllergies" set to the boolean "true"
    When I make the request
    Then the response status code should be "404"
      And the response should be a OperationOutcome resource with error code "PATIENT_NOT_FOUND"
      And the response should be valid against its profiles
    Examples:
      | patient            | guards                   |
      | patient9           | struct-sensitive-served  |
      | patient10          | struct-sensitive-served  |
      | patient18          | struct-deceased-served   |
      | patient21          | struct-inactive-served   |
      | patient11          | struct-superseded-served |
      | patient14          | struct-untraced-served   |
      | patientNotInSystem |                          |

  @guards:struct-no-consent-served
  @id:struct.request-errors.02
  Scenario Outline: A patient who dissented from sharing is refused for lack of consent
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient15"
      And I add the parameter "<parameter>"
    When I make the request
    Then the response status code should be "403"
      And the response should be a OperationOutcome resource with error code "NO_PATIENT_CONSENT"
    Examples:
      | parameter         |
      | includeMedication |
      | includeProblems   |

  @guards:accept-bad-nhs-number
  @id:struct.request-errors.03
  Scenario Outline: An NHS number that fails its check is refused
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter with the system "https://fhir.nhs.uk/Id/nhs-number" and the value "<value>"
      And I add the parameter "includeMedication"
    When I make the request
    Then the response status code should be "400"
      And the response should be a OperationOutcome resource with error code "INVALID_NHS_NUMBER"
    Examples:
      | value               |
      | {bad-nhs:patient2}  |
      | 12345               |
      | 969093728A          |

  @guards:accept-unknown-identifier-system
  @id:struct.request-errors.04
  Scenario Outline: The NHS number must carry the NHS number system
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter with the system "<system>" and the value "{nhs:patient2}"
      And I add the parameter "includeMedication"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | system                            |
      | http://fhir.nhs.net/Id/nhs-number |
      | https://example.org/nhs-number    |
      |                                   |

  @guards:struct-value-type-unchecked
  @id:struct.request-errors.05
  Scenario: The NHS number must be a valueIdentifier
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2" as a string
      And I add the parameter "includeMedication"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"

  @id:struct.request-errors.06
  Scenario: A request without the NHS number is refused
    Given I configure the default "GetStructuredRecord" request
      And I add the parameter "includeMedication"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"

  @id:struct.request-errors.07
  Scenario: A Parameters resource with no parameter is refused
    Given I configure the default "GetStructuredRecord" request
      And I set the request body to an empty Parameters resource
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"

  @id:struct.request-errors.08
  Scenario: A body that is not a Parameters resource is refused as an invalid resource
    Given I configure the default "GetStructuredRecord" request
      And I set the request body to '{"resourceType": "Patient"}' with content type "application/fhir+json"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @id:struct.request-errors.09
  Scenario: A body that is not FHIR is refused as an invalid resource
    Given I configure the default "GetStructuredRecord" request
      And I set the request body to "this is not json" with content type "application/fhir+json"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @id:struct.request-errors.10
  Scenario: The same area twice is refused
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeProblems"
      And I add the parameter "includeProblems"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"

  @guards:struct-area-not-asked-returned
  @id:struct.request-errors.11
  Scenario: The patient alone is a valid request and returns only the patient and practice
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "patient2"
      And the Bundle should contain 0 Lists
