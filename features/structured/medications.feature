@structured @1.6.2 @GetStructuredRecord @spec:accessrecord_structured_development_retrieve_patient_record
Feature: Structured medications
  A consumer retrieves a patient's medications and medical devices with `includeMedication` (Access Record
  Structured 1.6.2, "Retrieve a patient's structured record", Medications): the "Medications and medical
  devices" List of MedicationStatements, each with its authorisation (MedicationRequest, intent plan) and
  Medication, the prescription issues (intent order) unless `includePrescriptionIssues` is false, and only the
  medications active on or after `medicationSearchFromDate` when it is given.

  @guards:struct-wrong-list-code @guards:struct-dangling-reference
  @id:struct.medications.01
  Scenario Outline: Medications with their issues
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "<patient>"
      And I add the parameter "includeMedication"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "<patient>"
      And every resource in the structured record should carry its profile
      And every reference in the structured record should resolve inside the Bundle
      And the structured record should hold no resource twice
      And the Bundle should contain the List "Medications and medical devices"
      And every entry of the List "Medications and medical devices" should be a MedicationStatement in the Bundle
      And the List "Medications and medical devices" should hold every MedicationStatement in the Bundle
      And every MedicationStatement should be based on a plan MedicationRequest in the Bundle
      And the Bundle should hold at least 1 prescription issue, each based on a plan in the Bundle
      And the structured record should hold no OperationOutcome
    Examples:
      | patient  |
      | patient2 |
      | patient3 |
      | patient5 |
      | patient6 |

  @guards:struct-issues-always-included
  @id:struct.medications.02
  Scenario Outline: Medications without their prescription issues
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "<patient>"
      And I add the parameter "includeMedication" with the part "includePrescriptionIssues" set to the boolean "false"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "<patient>"
      And every reference in the structured record should resolve inside the Bundle
      And the Bundle should contain the List "Medications and medical devices"
      And every MedicationStatement should be based on a plan MedicationRequest in the Bundle
      And the Bundle should hold no prescription issues
    Examples:
      | patient  |
      | patient2 |
      | patient3 |
      | patient5 |
      | patient6 |

  @guards:struct-issues-flag-inverted
  @id:struct.medications.03
  Scenario: includePrescriptionIssues true returns the issues
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeMedication" with the part "includePrescriptionIssues" set to the boolean "true"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the Bundle should hold at least 4 prescription issues, each based on a plan in the Bundle

  @guards:struct-medication-date-ignored
  @id:struct.medications.04
  Scenario Outline: medicationSearchFromDate returns only medications active on or after it
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeMedication" with the part "medicationSearchFromDate" set to the date "<from>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every reference in the structured record should resolve inside the Bundle
      And the Bundle should contain the List "Medications and medical devices"
      And every MedicationStatement should be active on or after "<from>"
      And the List "Medications and medical devices" should hold every MedicationStatement in the Bundle
    Examples:
      | from        |
      | {date:-30}  |
      | {date:-365} |
      | {date:-1095}|
      | {date:+0}   |

  @guards:struct-medication-date-ignored
  @id:struct.medications.05
  Scenario: A medication prescribed elsewhere is returned whatever the search date
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeMedication" with the part "medicationSearchFromDate" set to the date "{date:+0}"
    When I make the request
    Then the response status code should be "200"
      And the List "Medications and medical devices" should have 2 entries

  @guards:struct-confidential-returned
  @id:struct.medications.06
  Scenario: Medications of three years back are returned without a search date
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeMedication"
    When I make the request
    Then the response status code should be "200"
      And the List "Medications and medical devices" should have 4 entries
      And the Bundle should hold at least 6 prescription issues, each based on a plan in the Bundle

  @guards:struct-future-date-accepted
  @id:struct.medications.07
  Scenario Outline: medicationSearchFromDate after today is refused
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeMedication" with the part "medicationSearchFromDate" set to the date "<from>"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | from        |
      | {date:+1}   |
      | {date:+365} |

  @guards:struct-partial-date-accepted
  @id:struct.medications.08
  Scenario Outline: medicationSearchFromDate must be a whole date
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeMedication" with the part "medicationSearchFromDate" set to the date "<from>"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | from                |
      | {date:-400 yyyy}    |
      | {date:-400 yyyy-MM} |

  @id:struct.medications.09
  Scenario Outline: medicationSearchFromDate with a time or an offset is refused
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeMedication" with the part "medicationSearchFromDate" set to the date "<from>"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | from                                | guards                      |
      | {date:-30 yyyy-MM-ddTHH:mm:sszzz}   | struct-date-time-accepted   |
      | {date:-30 yyyy-MM-ddTHH:mm:ss}      | struct-date-time-accepted   |
      | not-a-date                          | struct-bad-date-ignored     |

  @guards:struct-no-warning-codes
  @id:struct.medications.10
  Scenario: A withheld confidential medication is signalled with the confidential-items warning
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeMedication"
    When I make the request
    Then the response status code should be "200"
      And the List "Medications and medical devices" should carry the warning "confidential-items" with its note

  @guards:struct-confidential-returned
  @id:struct.medications.11
  Scenario: Confidential medication is not returned by get structured record
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeMedication"
    When I make the request
    Then the response status code should be "200"
      And the List "Medications and medical devices" should carry the warning "confidential-items" with its note
      And the List "Medications and medical devices" should have 4 entries

  @guards:struct-no-linked-problems
  @id:struct.medications.12
  Scenario: Problems linked to the returned medications come in their own List
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeMedication"
    When I make the request
    Then the response status code should be "200"
      And the Bundle should contain the List "Problems - linked problems not relating to the primary query"
      And a problem in the Bundle should be linked to a MedicationStatement in the Bundle
      And every problem linked to an item in the Bundle should be in a List of the Bundle

  @guards:struct-no-empty-reason
  @id:struct.medications.13
  Scenario Outline: A patient without medication gets an empty List with the reason
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "<patient>"
      And I add the parameter "includeMedication"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the Bundle should contain 1 List
      And the List "Medications and medical devices" should be empty with the reason "no-content-recorded"
      And the response bundle should contain no MedicationStatement resources
    Examples:
      | patient  |
      | patient1 |
      | patient4 |

  @guards:struct-unknown-parameter-refused
  @id:struct.medications.14
  Scenario: An unrecognised part of includeMedication is answered with a warning
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeMedication" with the part "includeResolvedAllergies" set to the boolean "true"
    When I make the request
    Then the response status code should be "200"
      And the structured record should warn that "includeMedication.includeResolvedAllergies" is an unrecognised parameter
      And the Bundle should contain the List "Medications and medical devices"

  @guards:struct-value-type-unchecked
  @id:struct.medications.15
  Scenario: A valueBoolean is required for includePrescriptionIssues
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeMedication" with the part "includePrescriptionIssues" set to the string "false"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"

  @guards:struct-empty-part-ignored
  @id:struct.medications.16
  Scenario: A part without a value is refused
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeMedication" with the part "medicationSearchFromDate" without a value
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"

  @guards:struct-wrong-list-code
  @id:struct.medications.17
  Scenario Outline: Medications and allergies in one request
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "<patient>"
      And I add the parameter "includeMedication" with the part "includePrescriptionIssues" set to the boolean "<issues>"
      And I add the parameter "includeAllergies" with the part "includeResolvedAllergies" set to the boolean "<resolved>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "<patient>"
      And every reference in the structured record should resolve inside the Bundle
      And the Bundle should contain the List "Medications and medical devices"
      And the Bundle should contain the List "Allergies and adverse reactions"
      And every MedicationStatement should be based on a plan MedicationRequest in the Bundle
    Examples:
      | patient  | issues | resolved |
      | patient2 | true   | true     |
      | patient2 | false  | false    |
      | patient3 | true   | false    |
      | patient5 | false  | true     |
      | patient6 | true   | true     |
