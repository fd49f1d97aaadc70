@structured @1.6.2 @GetStructuredRecord @spec:accessrecord_structured_development_retrieve_patient_record
Feature: Structured allergies
  A consumer retrieves a patient's allergies and intolerances with `includeAllergies` (Access Record Structured
  1.6.2, "Retrieve a patient's structured record", Allergies): the "Allergies and adverse reactions" List of
  active allergies and, when resolved allergies are asked for, the "Ended allergies" List with the ended
  allergies contained in it; problems linked to the returned allergies in their own List.

  @guards:struct-no-ended-allergies-list @guards:struct-wrong-list-code
  @id:struct.allergies.01
  Scenario Outline: Allergies including resolved allergies return both Lists
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "<patient>"
      And I add the parameter "includeAllergies" with the part "includeResolvedAllergies" set to the boolean "true"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "<patient>"
      And every resource in the structured record should carry its profile
      And every reference in the structured record should resolve inside the Bundle
      And the structured record should hold no resource twice
      And the Bundle should contain the List "Allergies and adverse reactions"
      And the Bundle should contain the List "Ended allergies"
      And every entry of the List "Allergies and adverse reactions" should be a AllergyIntolerance in the Bundle
      And every allergy in the List "Allergies and adverse reactions" should be active
      And the List "Allergies and adverse reactions" should hold every AllergyIntolerance in the Bundle
      And every entry of the List "Ended allergies" should be a AllergyIntolerance contained in the List
      And every allergy contained in the List "Ended allergies" should be ended with an end date and a reason
      And the Bundle should hold no ended allergy as an entry
      And the structured record should hold no OperationOutcome
    Examples:
      | patient   | guards                             |
      | patient2  | struct-resolved-allergies-returned |
      | patient3  | struct-resolved-allergies-returned |
      | patient4  |                                    |
      | patient6  |                                    |
      | patient7  |                                    |
      | patient8  | struct-resolved-allergies-returned |
      | patient12 |                                    |
      | patient17 | struct-resolved-allergies-returned |

  @guards:struct-wrong-list-code
  @id:struct.allergies.02
  Scenario Outline: Allergies excluding resolved allergies return only active allergies
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "<patient>"
      And I add the parameter "includeAllergies" with the part "includeResolvedAllergies" set to the boolean "false"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "<patient>"
      And every resource in the structured record should carry its profile
      And every reference in the structured record should resolve inside the Bundle
      And the Bundle should contain the List "Allergies and adverse reactions"
      And the Bundle should not contain the List "Ended allergies"
      And every entry of the List "Allergies and adverse reactions" should be a AllergyIntolerance in the Bundle
      And every allergy in the List "Allergies and adverse reactions" should be active
      And the Bundle should hold no ended allergy as an entry
    Examples:
      | patient   | guards                             |
      | patient2  | struct-resolved-allergies-returned |
      | patient3  | struct-resolved-allergies-returned |
      | patient4  |                                    |
      | patient6  |                                    |
      | patient7  |                                    |
      | patient8  | struct-resolved-allergies-returned |
      | patient12 |                                    |
      | patient13 |                                    |

  @guards:struct-no-linked-problems
  @id:struct.allergies.03
  Scenario Outline: Problems linked to the returned allergies come in their own List
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeAllergies" with the part "includeResolvedAllergies" set to the boolean "<resolved>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the Bundle should contain <lists> Lists
      And the Bundle should contain the List "Problems - linked problems not relating to the primary query"
      And every entry of the List "Problems - linked problems not relating to the primary query" should be a Condition in the Bundle
      And a problem in the Bundle should be linked to a AllergyIntolerance in the Bundle
      And every problem linked to an item in the Bundle should be in a List of the Bundle
    Examples:
      | resolved | lists |
      | true     | 3     |
      | false    | 2     |

  @id:struct.allergies.04
  Scenario Outline: Allergies of a patient with no linked problems carry no problems List
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "<patient>"
      And I add the parameter "includeAllergies" with the part "includeResolvedAllergies" set to the boolean "true"
    When I make the request
    Then the response status code should be "200"
      And the Bundle should contain 2 Lists
      And the Bundle should not contain the List "Problems - linked problems not relating to the primary query"
      And the response bundle should contain no Condition resources
    Examples:
      | patient  | guards                        |
      | patient3 | struct-no-ended-allergies-list |
      | patient4 | struct-no-ended-allergies-list |

  @guards:struct-no-empty-reason
  @id:struct.allergies.05
  Scenario Outline: A patient without allergies gets empty Lists with the reason
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient1"
      And I add the parameter "includeAllergies" with the part "includeResolvedAllergies" set to the boolean "<resolved>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "patient1"
      And the Bundle should contain <lists> Lists
      And the List "Allergies and adverse reactions" should be empty with the reason "no-content-recorded"
      And the response bundle should contain no AllergyIntolerance resources
    Examples:
      | resolved | lists |
      | true     | 2     |
      | false    | 1     |

  @guards:struct-no-empty-reason
  @id:struct.allergies.06
  Scenario: The Ended allergies List of a patient with no ended allergies is empty with the reason
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient4"
      And I add the parameter "includeAllergies" with the part "includeResolvedAllergies" set to the boolean "true"
    When I make the request
    Then the response status code should be "200"
      And the List "Ended allergies" should be empty with the reason "no-content-recorded"

  @guards:struct-wrong-list-code
  @id:struct.allergies.07
  Scenario Outline: A patient with an explicit "no known allergies" record has it as the one active item
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient5"
      And I add the parameter "includeAllergies" with the part "includeResolvedAllergies" set to the boolean "<resolved>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the Bundle should contain the List "Allergies and adverse reactions"
      And the List "Allergies and adverse reactions" should have 1 entries
      And the List "Allergies and adverse reactions" should hold an item coded "716186003"
    Examples:
      | resolved |
      | true     |
      | false    |

  @guards:struct-allergies-part-optional
  @id:struct.allergies.08
  Scenario: includeAllergies without its mandatory part is refused
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient1"
      And I add the parameter "includeAllergies"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"

  @guards:struct-unknown-parameter-refused
  @id:struct.allergies.09
  Scenario Outline: An unrecognised part of includeAllergies is answered with a warning, not refused
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient1"
      And I add the parameter "includeAllergies" with the part "includeResolvedAllergies" set to the boolean "false"
      And I add to the parameter "includeAllergies" the part "<part>" set to the <type> "<value>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the structured record should warn that "includeAllergies.<part>" is an unrecognised parameter
      And the structured record OperationOutcome should have 1 issue
      And the Bundle should contain the List "Allergies and adverse reactions"
    Examples:
      | part                      | type    | value                    |
      | includePrescriptionIssues | boolean | true                     |
      | timePeriod                | period  | {date:-365}..{date:+0}   |
      | startDate                 | date    | {date:-30}               |

  @guards:struct-unknown-parameter-refused
  @id:struct.allergies.10
  Scenario: An unrecognised parameter is answered with a warning, not refused
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient1"
      And I add the parameter "includeUnknownAllergies" with the part "includeResolvedAllergies" set to the boolean "false"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the structured record should warn that "includeUnknownAllergies" is an unrecognised parameter
      And the structured record OperationOutcome should have 1 issue

  @guards:struct-no-warning-codes
  @id:struct.allergies.11
  Scenario: A withheld confidential allergy is signalled with the confidential-items warning
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient16"
      And I add the parameter "includeAllergies" with the part "includeResolvedAllergies" set to the boolean "false"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the Bundle should contain 1 List
      And the List "Allergies and adverse reactions" should carry the warning "confidential-items" with its note
      And the List "Allergies and adverse reactions" should be empty with the reason "no-content-recorded"

  @guards:struct-confidential-returned
  @id:struct.allergies.12
  Scenario: A confidential allergy is not returned
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient16"
      And I add the parameter "includeAllergies" with the part "includeResolvedAllergies" set to the boolean "false"
    When I make the request
    Then the response status code should be "200"
      And the response bundle should contain no AllergyIntolerance resources

  @guards:struct-no-ended-allergies-list
  @id:struct.allergies.13
  Scenario: An ended allergy recorded without an end reason says "No information available"
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient16"
      And I add the parameter "includeAllergies" with the part "includeResolvedAllergies" set to the boolean "true"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the Bundle should contain 2 Lists
      And every allergy contained in the List "Ended allergies" should give the reason ended "No information available"

  @guards:struct-no-ended-allergies-list @guards:struct-resolved-allergies-returned
  @id:struct.allergies.14
  Scenario: A patient whose allergies have all ended has them only in the Ended allergies List
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient17"
      And I add the parameter "includeAllergies" with the part "includeResolvedAllergies" set to the boolean "true"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the List "Allergies and adverse reactions" should be empty with the reason "no-content-recorded"
      And the List "Ended allergies" should have 2 entries
      And every entry of the List "Ended allergies" should be a AllergyIntolerance contained in the List

  @guards:struct-no-warning-codes
  @id:struct.allergies.15
  Scenario Outline: A record still in transit from the previous practice warns on every List
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient13"
      And I add the parameter "includeAllergies" with the part "includeResolvedAllergies" set to the boolean "<resolved>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every List in the Bundle should carry the warning "data-in-transit" with its note
    Examples:
      | resolved |
      | true     |
      | false    |

  @guards:struct-area-not-asked-returned
  @id:struct.allergies.16
  Scenario: An allergies request returns no data of other areas
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeAllergies" with the part "includeResolvedAllergies" set to the boolean "true"
    When I make the request
    Then the response status code should be "200"
      And the Bundle should not contain the List "Medications and medical devices"
      And the response bundle should contain no MedicationStatement resources
      And the response bundle should contain no Immunization resources
      And the response bundle should contain no Encounter resources
      And no List in the Bundle should carry a warning
