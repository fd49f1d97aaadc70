@structured @1.6.2 @MigrateStructuredRecord @spec:accessrecord_structured_development_migrate_patient_record
Feature: Migrate a patient's structured record
  The patient's new practice migrates the whole record (Access Record Structured 1.6.2, "Migrate a patient's
  structured record"): `includeFullRecord` with its mandatory part `includeSensitiveInformation`, a JWT whose
  reason is `migration` and whose scope names the confidentiality asked for (`conf/N` without sensitive
  information, `conf/R` with it).

  @guards:struct-migrate-sensitive-unfiltered @guards:struct-wrong-list-code
  @id:struct.migrate.01
  Scenario: Migrating patient2's record without sensitive information returns every area and withholds confidential items
    Given I configure the default "MigrateStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I ask to migrate the full record with includeSensitiveInformation "false"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "patient2"
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
      And every MedicationStatement should be based on a plan MedicationRequest in the Bundle
      And every Encounter in the List "List of consultations" should have its consultation List in the Bundle
      And the List "Medications and medical devices" should carry the warning "confidential-items" with its note

  @guards:struct-migrate-sensitive-withheld
  @id:struct.migrate.02
  Scenario: Migrating patient2's record with sensitive information includes the confidential items
    Given I configure the default "MigrateStructuredRecord" request
      And I set the JWT claim "requested_scope" to "patient/*.read conf/R"
      And I add the NHS number parameter for patient "patient2"
      And I ask to migrate the full record with includeSensitiveInformation "true"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "patient2"
      And every reference in the structured record should resolve inside the Bundle
      And the List "Medications and medical devices" should carry no warning
      And the List "Medications and medical devices" should have 5 entries

  @guards:struct-migrate-sensitive-unfiltered
  @id:struct.migrate.03
  Scenario Outline: Migrating other records returns every area
    Given I configure the default "MigrateStructuredRecord" request
      And I add the NHS number parameter for patient "<patient>"
      And I ask to migrate the full record with includeSensitiveInformation "false"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "<patient>"
      And every reference in the structured record should resolve inside the Bundle
      And the List "Allergies and adverse reactions" should carry the warning "confidential-items" with its note
    Examples:
      | patient   |
      | patient16 |

  @guards:struct-no-ended-allergies-list
  @id:struct.migrate.04
  Scenario: Migrating a record with no data returns every area's List, empty
    Given I configure the default "MigrateStructuredRecord" request
      And I add the NHS number parameter for patient "patient1"
      And I ask to migrate the full record with includeSensitiveInformation "false"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a structured record Bundle for patient "patient1"
      And every reference in the structured record should resolve inside the Bundle
      And the Bundle should contain 10 Lists
      And no List in the Bundle should carry a warning
      And the List "Medications and medical devices" should be empty with the reason "no-content-recorded"

  @id:struct.migrate.05
  Scenario Outline: A patient whose record may not be shared cannot be migrated
    Given I configure the default "MigrateStructuredRecord" request
      And I set the JWT claim "requested_scope" to "patient/*.read conf/<conf>"
      And I add the NHS number parameter for patient "<patient>"
      And I ask to migrate the full record with includeSensitiveInformation "<sensitive>"
    When I make the request
    Then the response status code should be "404"
      And the response should be a OperationOutcome resource with error code "PATIENT_NOT_FOUND"
    Examples:
      | patient   | conf | sensitive | guards                  |
      | patient18 | N    | false     | struct-deceased-served  |
      | patient18 | R    | true      | struct-deceased-served  |
      | patient9  | N    | false     | struct-sensitive-served |

  @guards:struct-migrate-extra-param-accepted
  @id:struct.migrate.06
  Scenario Outline: Migrate takes no other parameter
    Given I configure the default "MigrateStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
      And I ask to migrate the full record with includeSensitiveInformation "false"
      And I add the parameter "<parameter>"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | parameter            |
      | includeImmunisations |
      | includeMedication    |

  @id:struct.migrate.07
  Scenario: Migrate without includeFullRecord is refused
    Given I configure the default "MigrateStructuredRecord" request
      And I add the NHS number parameter for patient "patient2"
    When I make the request
    Then the response status code should be "422"
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"

  @guards:struct-migrate-reason-unchecked
  @id:struct.migrate.08
  Scenario: Migrate with a JWT for direct care is refused
    Given I configure the default "MigrateStructuredRecord" request
      And I set the JWT claim "reason_for_request" to "directcare"
      And I add the NHS number parameter for patient "patient2"
      And I ask to migrate the full record with includeSensitiveInformation "false"
    When I make the request
    Then the response status code should be "400"
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @id:struct.migrate.09
  Scenario Outline: Migrate with a JWT without a valid reason is refused
    Given I configure the default "MigrateStructuredRecord" request
      And <mutation>
      And I add the NHS number parameter for patient "patient2"
      And I ask to migrate the full record with includeSensitiveInformation "false"
    When I make the request
    Then the response status code should be "400"
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | mutation                                                 |
      | I set the JWT claim "reason_for_request" to "badReason"  |
      | I remove the JWT claim "reason_for_request"              |

  @guards:struct-migrate-scope-unchecked
  @id:struct.migrate.10
  Scenario Outline: The JWT's confidentiality must match includeSensitiveInformation
    Given I configure the default "MigrateStructuredRecord" request
      And I set the JWT claim "requested_scope" to "<scope>"
      And I add the NHS number parameter for patient "patient2"
      And I ask to migrate the full record with includeSensitiveInformation "<sensitive>"
    When I make the request
    Then the response status code should be "400"
      And the response should be a OperationOutcome resource with error code "<code>"
    Examples:
      | scope                 | sensitive | code               |
      | patient/*.read conf/N | true      | CONFLICTING_VALUES |
      | patient/*.read conf/R | false     | CONFLICTING_VALUES |
      | patient/*.read        | false     | BAD_REQUEST        |
      | patient/*.read        | true      | BAD_REQUEST        |

  @guards:accept-bad-nhs-number
  @id:struct.migrate.11
  Scenario: Migrate with an invalid NHS number is refused
    Given I configure the default "MigrateStructuredRecord" request
      And I add the NHS number parameter with the system "https://fhir.nhs.uk/Id/nhs-number" and the value "{bad-nhs:patient2}"
      And I ask to migrate the full record with includeSensitiveInformation "false"
    When I make the request
    Then the response status code should be "400"
      And the response should be a OperationOutcome resource with error code "INVALID_NHS_NUMBER"

  @guards:accept-wrong-reason
  @id:struct.migrate.12
  Scenario: Get structured record with a JWT for migration is refused
    Given I configure the default "GetStructuredRecord" request
      And I set the JWT claim "reason_for_request" to "migration"
      And I add the NHS number parameter for patient "patient2"
      And I add the parameter "includeMedication"
    When I make the request
    Then the response status code should be "400"
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
