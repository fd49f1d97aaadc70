@structured @1.6.2 @GetStructuredRecord @spec:accessrecord_structured_development_retrieve_patient_record
Feature: Structured immunisations
  A consumer retrieves a patient's immunisations with `includeImmunisations` (Access Record Structured 1.6.2):
  the "Immunisations" List, without immunisations that were not given unless `includeNotGiven` is true.

  @guards:struct-wrong-list-code @guards:struct-dangling-reference
  @id:struct.immunisations.01
  Scenario Outline: Immunisations given
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "<patient>"
      And I add the parameter "includeImmunisations"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "<patient>"
      And every resource in the structured record should carry its profile
      And every reference in the structured record should resolve inside the Bundle
      And the Bundle should contain the List "Immunisations"
      And every entry of the List "Immunisations" should be a Immunization in the Bundle
      And the List "Immunisations" should hold every Immunization in the Bundle
      And no Immunization in the Bundle should be marked not given
    Examples:
      | patient  | guards                     |
      | patient2 | struct-not-given-returned  |
      | patient3 |                            |

  @guards:struct-not-given-withheld
  @id:struct.immunisations.02
  Scenario: includeNotGiven true adds the immunisations not given
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeImmunisations" with the part "includeNotGiven" set to the boolean "true"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And at least one Immunization in the Bundle should be marked not given
      And the List "Immunisations" should hold every Immunization in the Bundle

  @guards:struct-not-given-returned
  @id:struct.immunisations.03
  Scenario Outline: includeNotGiven false and includeStatus leave out immunisations not given
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeImmunisations" with the part "<part>" set to the boolean "<value>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the Bundle should contain the List "Immunisations"
      And no Immunization in the Bundle should be marked not given
    Examples:
      | part            | value |
      | includeNotGiven | false |
      | includeStatus   | true  |
      | includeStatus   | false |

  @guards:struct-no-empty-reason
  @id:struct.immunisations.04
  Scenario: A patient without immunisations gets an empty List with the reason
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient1"
      And I add the parameter "includeImmunisations"
    When I make the request
    Then the response status code should be "200"
      And the List "Immunisations" should be empty with the reason "no-content-recorded"

  @guards:struct-value-type-unchecked
  @id:struct.immunisations.05
  Scenario: includeNotGiven must be a boolean
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeImmunisations" with the part "includeNotGiven" set to the string "true"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"

  @guards:struct-unknown-parameter-refused
  @id:struct.immunisations.06
  Scenario: An unrecognised part of includeImmunisations is answered with a warning
    Given I configure the default "GetStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeImmunisations" with the part "includeRecalls" set to the boolean "true"
    When I make the request
    Then the response status code should be "200"
      And the structured record should warn that "includeImmunisations.includeRecalls" is an unrecognised parameter
      And the Bundle should contain the List "Immunisations"
