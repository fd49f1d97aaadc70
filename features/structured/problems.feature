@structured @1.6.2 @GetStructuredRecord @spec:accessrecord_structured_development_retrieve_patient_record
Feature: Structured problems
  A consumer retrieves a patient's problems with `includeProblems` (Access Record Structured 1.6.2, "Retrieve a
  patient's structured record", Problems; "Returning data in lists"): the "Problems" List, filtered by
  `filterStatus` when it is given, a secondary List per kind of item the problems are related to, with those
  items, and problems related to the returned problems that the filter left out.

  @guards:struct-wrong-list-code
  @id:struct.problems.01
  Scenario Outline: All problems with the items they are related to
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeProblems"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "patient2"
      And every resource in the structured record should carry its profile
      And every reference in the structured record should resolve inside the Bundle
      And the structured record should hold no resource twice
      And the Bundle should contain the List "Problems"
      And every entry of the List "Problems" should be a Condition in the Bundle
      And the List "Problems" should hold every Condition in the Bundle
      And every item a problem of the List "Problems" links to should be in the Bundle
      And the Bundle should contain the List "<secondary>"
      And every entry of the List "<secondary>" should be a <kind> in the Bundle
    Examples:
      | secondary                                   | kind                |
      | Problems - allergies related to problems    | AllergyIntolerance  |
      | Problems - medications related to problems  | MedicationStatement |

  @guards:struct-problem-status-ignored
  @id:struct.problems.02
  Scenario Outline: filterStatus returns only the problems of that status
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeProblems" with the part "filterStatus" set to the code "<status>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every reference in the structured record should resolve inside the Bundle
      And the Bundle should contain the List "Problems"
      And every problem in the List "Problems" should have the clinical status "<status>"
      And every item a problem of the List "Problems" links to should be in the Bundle
    Examples:
      | status   |
      | active   |
      | inactive |

  @guards:struct-no-linked-problems
  @id:struct.problems.03
  Scenario: A problem related to a returned problem but filtered out is in the linked problems List
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeProblems" with the part "filterStatus" set to the code "inactive"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the Bundle should contain the List "Problems - linked problems not relating to the primary query"
      And every entry of the List "Problems - linked problems not relating to the primary query" should be a Condition in the Bundle
      And every problem linked to an item in the Bundle should be in a List of the Bundle

  @guards:struct-filter-status-unchecked
  @id:struct.problems.04
  Scenario Outline: filterStatus other than active or inactive is refused
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeProblems" with the part "filterStatus" set to the code "<status>"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | status   |
      | resolved |
      | ACTIVE   |
      | unknown  |

  @guards:struct-no-empty-reason
  @id:struct.problems.05
  Scenario Outline: A patient without problems gets an empty Problems List with the reason
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "<patient>"
      And I add the parameter "includeProblems"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the Bundle should contain 1 List
      And the List "Problems" should be empty with the reason "no-content-recorded"
      And the response bundle should contain no Condition resources
    Examples:
      | patient  |
      | patient1 |
      | patient3 |
      | patient4 |
      | patient5 |

  @guards:struct-forbidden-combination-accepted
  @id:struct.problems.06
  Scenario Outline: A filter of another area is not permitted with includeProblems
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeProblems"
      And I add the parameter "<parameter>" with the part "<part>" set to the <type> "<value>"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | parameter                | part                          | type    | value                  |
      | includeMedication        | medicationSearchFromDate      | date    | {date:-30}             |
      | includeUncategorisedData | uncategorisedDataSearchPeriod | period  | {date:-365}..{date:+0} |
      | includeReferrals         | referralSearchPeriod          | period  | {date:-365}..{date:+0} |
      | includeDiaryEntries      | diaryEntriesSearchDate        | date    | {date:+0}              |
      | includeImmunisations     | includeNotGiven               | boolean | true                   |
      | includeImmunisations     | includeStatus                 | boolean | true                   |

  @guards:struct-problem-status-ignored
  @id:struct.problems.07
  Scenario Outline: Filters that are permitted with includeProblems
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeProblems" with the part "filterStatus" set to the code "active"
      And I add the parameter "<parameter>" with the part "<part>" set to the <type> "<value>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the Bundle should contain the List "Problems"
      And every problem in the List "Problems" should have the clinical status "active"
    Examples:
      | parameter             | part                      | type    | value                  |
      | includeAllergies      | includeResolvedAllergies  | boolean | true                   |
      | includeMedication     | includePrescriptionIssues | boolean | false                  |
      | includeInvestigations | investigationSearchPeriod | period  | {date:-365}..{date:+0} |
