@structured @1.6.2 @GetStructuredRecord @spec:accessrecord_structured_development_retrieve_patient_record
Feature: Structured consultations
  A consumer retrieves a patient's consultations with `includeConsultations` (Access Record Structured 1.6.2):
  the "List of consultations" List of Encounters, each with the Lists that describe its structure (consultation,
  topics, categories) and the items they hold, a secondary List per kind of item contained in the consultations,
  restricted by `consultationSearchPeriod` or limited by `includeNumberOfMostRecent` (not both).

  @guards:struct-wrong-list-code @guards:struct-dangling-reference
  @id:struct.consultations.01
  Scenario Outline: All consultations with their structure
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "<patient>"
      And I add the parameter "includeConsultations"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "<patient>"
      And every resource in the structured record should carry its profile
      And every reference in the structured record should resolve inside the Bundle
      And the structured record should hold no resource twice
      And the Bundle should contain the List "List of consultations"
      And every entry of the List "List of consultations" should be a Encounter in the Bundle
      And the List "List of consultations" should hold every Encounter in the Bundle
      And every Encounter in the List "List of consultations" should have its consultation List in the Bundle
      And every List of a consultation's structure should be in the Bundle
      And the Bundle should contain the List "Consultations - uncategorised data contained in consultations"
      And every entry of the List "Consultations - uncategorised data contained in consultations" should be a Observation in the Bundle
    Examples:
      | patient  |
      | patient2 |
      | patient3 |

  @guards:struct-most-recent-ignored
  @id:struct.consultations.02
  Scenario Outline: includeNumberOfMostRecent limits the consultations to the most recent ones
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeConsultations" with the part "includeNumberOfMostRecent" set to the positiveInt "<n>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every reference in the structured record should resolve inside the Bundle
      And the List "List of consultations" should have <n> entries
      And every Encounter in the List "List of consultations" should have its consultation List in the Bundle
    Examples:
      | n |
      | 1 |
      | 2 |

  @guards:struct-consultation-period-ignored
  @id:struct.consultations.03
  Scenario Outline: consultationSearchPeriod returns only consultations inside it
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeConsultations" with the part "consultationSearchPeriod" set to the period "<start>..<end>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every reference in the structured record should resolve inside the Bundle
      And every item of the List "List of consultations" should be dated between "<start>" and "<end>"
    Examples:
      | start        | end         |
      | {date:-90}   | {date:+0}   |
      | {date:-400}  | {date:-300} |
      |              | {date:-400} |
      | {date:-400}  |             |

  @guards:struct-consultation-both-accepted
  @id:struct.consultations.04
  Scenario: consultationSearchPeriod and includeNumberOfMostRecent together are an invalid resource
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeConsultations" with the part "consultationSearchPeriod" set to the period "{date:-400}..{date:+0}"
      And I add to the parameter "includeConsultations" the part "includeNumberOfMostRecent" set to the positiveInt "1"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @id:struct.consultations.05
  Scenario Outline: consultationSearchPeriod must be whole dates, in order, not after today
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeConsultations" with the part "consultationSearchPeriod" set to the period "<period>"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | period                                       | guards                        |
      | {date:-30}..{date:-60}                       | struct-period-order-unchecked |
      | {date:-400 yyyy}..{date:+0}                  | struct-partial-date-accepted  |
      | {date:-400 yyyy-MM}..{date:+0}               | struct-partial-date-accepted  |
      | {date:-30 yyyy-MM-ddTHH:mm:sszzz}..{date:+0} | struct-date-time-accepted     |
      | {date:-30}..{date:+1}                        | struct-future-date-accepted   |
      | {date:+1}..                                  | struct-future-date-accepted   |

  @guards:struct-most-recent-unchecked
  @id:struct.consultations.06
  Scenario Outline: includeNumberOfMostRecent must be a positive integer
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeConsultations" with the part "includeNumberOfMostRecent" set to the <type> "<n>"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | type       | n   |
      | positiveInt | 0  |
      | integer    | -1  |
      | string     | two |

  @guards:struct-no-empty-reason
  @id:struct.consultations.07
  Scenario: A patient without consultations gets an empty List with the reason
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient1"
      And I add the parameter "includeConsultations"
    When I make the request
    Then the response status code should be "200"
      And the Bundle should contain 1 List
      And the List "List of consultations" should be empty with the reason "no-content-recorded"

  @guards:struct-no-linked-problems
  @id:struct.consultations.08
  Scenario: Problems linked to items of the consultations are returned with them
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeConsultations"
    When I make the request
    Then the response status code should be "200"
      And every problem linked to an item in the Bundle should be in a List of the Bundle
      And a problem in the Bundle should be linked to a Encounter in the Bundle
      And the Bundle should contain the List "Problems - linked problems not relating to the primary query"
