@structured @1.6.2 @GetStructuredRecord @spec:accessrecord_structured_development_retrieve_patient_record
Feature: Structured investigations
  A consumer retrieves a patient's investigations with `includeInvestigations` (Access Record Structured 1.6.2):
  the "Investigations and results" List of DiagnosticReports with their test groups, results, filing comments,
  specimens and requests, restricted by `investigationSearchPeriod` (by DiagnosticReport.issued) when it is given.

  @guards:struct-wrong-list-code @guards:struct-dangling-reference
  @id:struct.investigations.01
  Scenario Outline: All investigations with their results
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "<patient>"
      And I add the parameter "includeInvestigations"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "<patient>"
      And every resource in the structured record should carry its profile
      And every reference in the structured record should resolve inside the Bundle
      And the structured record should hold no resource twice
      And the Bundle should contain the List "Investigations and results"
      And every entry of the List "Investigations and results" should be a DiagnosticReport in the Bundle
      And the List "Investigations and results" should hold every DiagnosticReport in the Bundle
      And every Observation a DiagnosticReport or test group names should be in the Bundle
      And the response bundle should contain at least 1 Specimen resource
    Examples:
      | patient  |
      | patient2 |
      | patient3 |

  @guards:struct-investigation-period-ignored
  @id:struct.investigations.02
  Scenario Outline: investigationSearchPeriod returns only reports issued inside it
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeInvestigations" with the part "investigationSearchPeriod" set to the period "<start>..<end>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every reference in the structured record should resolve inside the Bundle
      And every item of the List "Investigations and results" should be dated between "<start>" and "<end>"
      And every Observation a DiagnosticReport or test group names should be in the Bundle
    Examples:
      | start        | end         |
      | {date:-90}   | {date:+0}   |
      | {date:-1000} | {date:-400} |
      |              | {date:-400} |

  @id:struct.investigations.03
  Scenario Outline: investigationSearchPeriod must be whole dates, in order, not after today
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeInvestigations" with the part "investigationSearchPeriod" set to the period "<period>"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | period                                       | guards                        |
      | {date:-30}..{date:-60}                       | struct-period-order-unchecked |
      | {date:-400 yyyy-MM}..{date:+0}               | struct-partial-date-accepted  |
      | {date:-30 yyyy-MM-ddTHH:mm:sszzz}..{date:+0} | struct-date-time-accepted     |
      | {date:-30}..{date:+7}                        | struct-future-date-accepted   |

  @guards:struct-no-empty-reason
  @id:struct.investigations.04
  Scenario: A patient without investigations gets an empty List with the reason
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient1"
      And I add the parameter "includeInvestigations"
    When I make the request
    Then the response status code should be "200"
      And the List "Investigations and results" should be empty with the reason "no-content-recorded"

  @guards:struct-no-linked-problems
  @id:struct.investigations.05
  Scenario: Problems linked to the returned investigations come in their own List
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeInvestigations"
    When I make the request
    Then the response status code should be "200"
      And a problem in the Bundle should be linked to a DiagnosticReport in the Bundle
      And every problem linked to an item in the Bundle should be in a List of the Bundle
      And the Bundle should contain the List "Problems - linked problems not relating to the primary query"
