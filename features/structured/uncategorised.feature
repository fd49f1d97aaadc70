@structured @1.6.2 @GetStructuredRecord @spec:accessrecord_structured_development_retrieve_patient_record
Feature: Structured uncategorised data
  A consumer retrieves a patient's uncategorised data with `includeUncategorisedData` (Access Record Structured
  1.6.2): the "Uncategorised data" List of Observations that belong to no other area, restricted by
  `uncategorisedDataSearchPeriod` when it is given (whole dates, not after today, start not after end).

  @guards:struct-wrong-list-code @guards:struct-dangling-reference
  @id:struct.uncategorised.01
  Scenario Outline: All uncategorised data
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "<patient>"
      And I add the parameter "includeUncategorisedData"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "<patient>"
      And every resource in the structured record should carry its profile
      And every reference in the structured record should resolve inside the Bundle
      And the Bundle should contain the List "Uncategorised data"
      And every entry of the List "Uncategorised data" should be a Observation in the Bundle
      And the List "Uncategorised data" should hold every Observation in the Bundle
      And the List "Uncategorised data" should have at least 3 entries
    Examples:
      | patient  |
      | patient2 |
      | patient3 |

  @guards:struct-uncategorised-period-ignored
  @id:struct.uncategorised.02
  Scenario Outline: uncategorisedDataSearchPeriod returns only data inside it
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeUncategorisedData" with the part "uncategorisedDataSearchPeriod" set to the period "<start>..<end>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every reference in the structured record should resolve inside the Bundle
      And every item of the List "Uncategorised data" should be dated between "<start>" and "<end>"
    Examples:
      | start        | end          |
      | {date:-30}   | {date:+0}    |
      | {date:-400}  | {date:-300}  |
      | {date:-1200} | {date:-700}  |
      | {date:-400}  |              |
      |              | {date:-1000} |

  @guards:struct-future-date-accepted
  @id:struct.uncategorised.03
  Scenario Outline: uncategorisedDataSearchPeriod after today is refused
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeUncategorisedData" with the part "uncategorisedDataSearchPeriod" set to the period "<period>"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | period                 |
      | {date:-30}..{date:+1}  |
      | {date:+1}..            |

  @id:struct.uncategorised.04
  Scenario Outline: uncategorisedDataSearchPeriod must be whole dates in order
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeUncategorisedData" with the part "uncategorisedDataSearchPeriod" set to the period "<period>"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | period                                         | guards                        |
      | {date:-30}..{date:-60}                         | struct-period-order-unchecked |
      | {date:-400 yyyy}..{date:+0}                    | struct-partial-date-accepted  |
      | {date:-400 yyyy-MM}..{date:+0}                 | struct-partial-date-accepted  |
      | {date:-30 yyyy-MM-ddTHH:mm:sszzz}..{date:+0}   | struct-date-time-accepted     |

  @guards:struct-no-empty-reason
  @id:struct.uncategorised.05
  Scenario: A patient without uncategorised data gets an empty List with the reason
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient1"
      And I add the parameter "includeUncategorisedData"
    When I make the request
    Then the response status code should be "200"
      And the List "Uncategorised data" should be empty with the reason "no-content-recorded"

  @guards:struct-no-linked-problems
  @id:struct.uncategorised.06
  Scenario: Problems linked to the returned data come in their own List
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeUncategorisedData"
    When I make the request
    Then the response status code should be "200"
      And the Bundle should contain the List "Problems - linked problems not relating to the primary query"
      And a problem in the Bundle should be linked to a Observation in the Bundle
      And every problem linked to an item in the Bundle should be in a List of the Bundle
