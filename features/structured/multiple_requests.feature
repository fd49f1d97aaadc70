@structured @1.6.2 @GetStructuredRecord @spec:accessrecord_structured_development_retrieve_patient_record
Feature: Structured requests for several clinical areas
  A consumer asks for several clinical areas in one request (Access Record Structured 1.6.2, "Retrieve a
  patient's structured record": "The parameters can be used together in a single call"; "Not permitted
  parameter combinations"). Each area's filters apply to that area only.

  @guards:struct-wrong-list-code
  @id:struct.multiple.01
  Scenario Outline: Every clinical area in one request
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "<patient>"
      And I add the parameter "includeAllergies" with the part "includeResolvedAllergies" set to the boolean "true"
      And I add the parameter "includeMedication"
      And I add the parameter "includeConsultations"
      And I add the parameter "includeProblems"
      And I add the parameter "includeImmunisations"
      And I add the parameter "includeUncategorisedData"
      And I add the parameter "includeInvestigations"
      And I add the parameter "includeReferrals"
      And I add the parameter "includeDiaryEntries"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "<patient>"
      And every resource in the structured record should carry its profile
      And every reference in the structured record should resolve inside the Bundle
      And the structured record should hold no resource twice
      And the Bundle should contain the List "Allergies and adverse reactions"
      And the Bundle should contain the List "Ended allergies"
      And the Bundle should contain the List "Medications and medical devices"
      And the Bundle should contain the List "List of consultations"
      And the Bundle should contain the List "Problems"
      And the Bundle should contain the List "Immunisations"
      And the Bundle should contain the List "Uncategorised data"
      And the Bundle should contain the List "Investigations and results"
      And the Bundle should contain the List "Outbound referral"
      And the Bundle should contain the List "Patient recall administration"
      And the structured record should hold no OperationOutcome
    Examples:
      | patient  |
      | patient1 |
      | patient2 |
      | patient3 |

  @guards:struct-forbidden-combination-accepted
  @id:struct.multiple.02
  Scenario Outline: A filter of another area is not permitted with includeConsultations
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeConsultations"
      And I add the parameter "<parameter>" with the part "<part>" set to the <type> "<value>"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | parameter                | part                          | type    | value                  |
      | includeMedication        | medicationSearchFromDate      | date    | {date:-30}             |
      | includeUncategorisedData | uncategorisedDataSearchPeriod | period  | {date:-365}..{date:+0} |
      | includeProblems          | filterStatus                  | code    | active                 |
      | includeReferrals         | referralSearchPeriod          | period  | {date:-365}..{date:+0} |
      | includeDiaryEntries      | diaryEntriesSearchDate        | date    | {date:+0}              |
      | includeImmunisations     | includeNotGiven               | boolean | true                   |
      | includeImmunisations     | includeStatus                 | boolean | false                  |

  @guards:struct-area-not-asked-returned
  @id:struct.multiple.03
  Scenario Outline: Two areas in one request return exactly their Lists
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "<first>"
      And I add the parameter "<second>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every reference in the structured record should resolve inside the Bundle
      And the Bundle should contain the List "<first list>"
      And the Bundle should contain the List "<second list>"
      And the Bundle should not contain the List "Medications and medical devices"
    Examples:
      | first                    | second                | first list         | second list                   |
      | includeImmunisations     | includeReferrals      | Immunisations      | Outbound referral             |
      | includeUncategorisedData | includeInvestigations | Uncategorised data | Investigations and results    |
      | includeDiaryEntries      | includeImmunisations  | Patient recall administration | Immunisations      |

  @guards:struct-medication-date-ignored
  @id:struct.multiple.04
  Scenario: Each area's filter applies to its own area only
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeMedication" with the part "medicationSearchFromDate" set to the date "{date:-30}"
      And I add the parameter "includeAllergies" with the part "includeResolvedAllergies" set to the boolean "true"
      And I add the parameter "includeUncategorisedData" with the part "uncategorisedDataSearchPeriod" set to the period "{date:-3650}..{date:+0}"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every MedicationStatement should be active on or after "{date:-30}"
      And the List "Ended allergies" should have at least 1 entry
      And every item of the List "Uncategorised data" should be dated between "{date:-3650}" and "{date:+0}"

  @guards:struct-unknown-parameter-refused
  @id:struct.multiple.05
  Scenario: An unrecognised area beside known ones is reported and the known ones answered
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeMedication"
      And I add the parameter "includeFamilyHistory"
      And I add the parameter "includeProblems"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the structured record should warn that "includeFamilyHistory" is an unrecognised parameter
      And the structured record OperationOutcome should have 1 issue
      And the Bundle should contain the List "Medications and medical devices"
      And the Bundle should contain the List "Problems"
