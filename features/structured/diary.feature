@structured @1.6.2 @GetStructuredRecord @spec:accessrecord_structured_development_retrieve_patient_record
Feature: Structured diary entries
  A consumer retrieves a patient's diary entries with `includeDiaryEntries` (Access Record Structured 1.6.2):
  the "Patient recall administration" List of ProcedureRequests, only those on or before
  `diaryEntriesSearchDate` when it is given (a whole date, today or later).

  @guards:struct-wrong-list-code @guards:struct-dangling-reference
  @id:struct.diary.01
  Scenario Outline: All diary entries
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "<patient>"
      And I add the parameter "includeDiaryEntries"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "<patient>"
      And every resource in the structured record should carry its profile
      And every reference in the structured record should resolve inside the Bundle
      And the Bundle should contain the List "Patient recall administration"
      And every entry of the List "Patient recall administration" should be a ProcedureRequest in the Bundle
      And the List "Patient recall administration" should hold every ProcedureRequest in the Bundle
    Examples:
      | patient  |
      | patient2 |
      | patient3 |

  @guards:struct-diary-date-ignored
  @id:struct.diary.02
  Scenario Outline: diaryEntriesSearchDate returns only entries on or before it
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeDiaryEntries" with the part "diaryEntriesSearchDate" set to the date "<date>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every item of the List "Patient recall administration" should be dated between "" and "<date>"
    Examples:
      | date        |
      | {date:+0}   |
      | {date:+400} |

  @id:struct.diary.03
  Scenario Outline: diaryEntriesSearchDate must be a whole date, today or later
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeDiaryEntries" with the part "diaryEntriesSearchDate" set to the date "<date>"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | date                               | guards                       |
      | {date:-1}                          | struct-future-date-accepted  |
      | {date:+30 yyyy-MM}                 | struct-partial-date-accepted |
      | {date:+400 yyyy}                   | struct-partial-date-accepted |
      | {date:+30 yyyy-MM-ddTHH:mm:sszzz}  | struct-date-time-accepted    |

  @guards:struct-no-empty-reason
  @id:struct.diary.04
  Scenario: A patient without diary entries gets an empty List with the reason
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient1"
      And I add the parameter "includeDiaryEntries"
    When I make the request
    Then the response status code should be "200"
      And the List "Patient recall administration" should be empty with the reason "no-content-recorded"

  @guards:struct-area-not-asked-returned
  @id:struct.diary.05
  Scenario: Diary entries do not include the requests of investigations
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeDiaryEntries"
    When I make the request
    Then the response status code should be "200"
      And the response bundle should contain no DiagnosticReport resources
      And the response bundle should contain no MedicationStatement resources
