@structured @1.6.2 @GetStructuredRecord @spec:accessrecord_structured_development_retrieve_patient_record
Feature: Structured referrals
  A consumer retrieves a patient's outbound referrals with `includeReferrals` (Access Record Structured 1.6.2):
  the "Outbound referral" List of ReferralRequests, restricted by `referralSearchPeriod` (by authoredOn) when it
  is given.

  @guards:struct-wrong-list-code @guards:struct-dangling-reference
  @id:struct.referrals.01
  Scenario Outline: All referrals
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "<patient>"
      And I add the parameter "includeReferrals"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "<patient>"
      And every resource in the structured record should carry its profile
      And every reference in the structured record should resolve inside the Bundle
      And the Bundle should contain the List "Outbound referral"
      And every entry of the List "Outbound referral" should be a ReferralRequest in the Bundle
      And the List "Outbound referral" should hold every ReferralRequest in the Bundle
    Examples:
      | patient  |
      | patient2 |
      | patient3 |

  @guards:struct-referral-period-ignored
  @id:struct.referrals.02
  Scenario Outline: referralSearchPeriod returns only referrals authored inside it
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeReferrals" with the part "referralSearchPeriod" set to the period "<start>..<end>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every item of the List "Outbound referral" should be dated between "<start>" and "<end>"
    Examples:
      | start        | end         |
      | {date:-400}  | {date:+0}   |
      |              | {date:-400} |
      | {date:-2000} |             |

  @id:struct.referrals.03
  Scenario Outline: referralSearchPeriod must be whole dates, in order, not after today
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeReferrals" with the part "referralSearchPeriod" set to the period "<period>"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | period                                       | guards                        |
      | {date:-30}..{date:-60}                       | struct-period-order-unchecked |
      | {date:-400 yyyy}..{date:+0}                  | struct-partial-date-accepted  |
      | {date:-30 yyyy-MM-ddTHH:mm:sszzz}..{date:+0} | struct-date-time-accepted     |
      | {date:+1}..                                  | struct-future-date-accepted   |

  @guards:struct-no-empty-reason
  @id:struct.referrals.04
  Scenario: A patient without referrals gets an empty List with the reason
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient1"
      And I add the parameter "includeReferrals"
    When I make the request
    Then the response status code should be "200"
      And the List "Outbound referral" should be empty with the reason "no-content-recorded"

  @guards:struct-no-linked-problems
  @id:struct.referrals.05
  Scenario: Problems linked to the returned referrals come in their own List
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeReferrals"
    When I make the request
    Then the response status code should be "200"
      And a problem in the Bundle should be linked to a ReferralRequest in the Bundle
      And the Bundle should contain the List "Problems - linked problems not relating to the primary query"
