@consumer @structured @1.6.2 @spec:accessrecord_structured_development_retrieve_patient_record
Feature: Access Record Structured consumer: retrieving and migrating a patient's structured record
  The consumer under test asks for clinical areas of a patient's record, and migrates a whole record, against the
  inspecting provider.

  @id:consumer.str.01
  Scenario Outline: The consumer's requests to <task> carry well-formed SSP headers
    Given the consumer is asked to "<task>"
      And the task's "capability" is "structured"
    When the consumer performs the task
    Then the consumer's requests broke no "ssp" rule
      And every request of the consumer had its own TraceID
    Examples:
      | task                      | guards                                                                   |
      | get_structured_record     | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid, wrong-interaction-id  |
      | migrate_structured_record | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid, wrong-interaction-id  |
      | read_metadata             | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid                        |

  @id:consumer.str.02 @spec:integration_cross_organisation_audit_and_provenance
  Scenario Outline: The consumer's requests to <task> carry a valid unsigned JWT
    Given the consumer is asked to "<task>"
      And the task's "capability" is "structured"
    When the consumer performs the task
    Then the consumer's requests broke no "jwt" rule
    Examples:
      | task                      | guards                                                                                                                                                          |
      | get_structured_record     | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, missing-sds-user-id, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, reason-migration-directcare |
      | migrate_structured_record | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, migrate-directcare                   |
      | read_metadata             | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, missing-sds-user-id, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, reason-migration-directcare |

  @id:consumer.str.03
  Scenario Outline: The consumer's requests to <task> ask for and send FHIR STU3 JSON or XML
    Given the consumer is asked to "<task>"
    When the consumer performs the task
    Then the consumer's requests broke no "format" rule
    Examples:
      | task                      | guards           |
      | get_structured_record     | dstu2-media-type |
      | migrate_structured_record | dstu2-media-type |

  @id:consumer.str.04
  Scenario Outline: The consumer asks for <include> with a valid Parameters body for the task's patient
    Given the consumer is asked to "get_structured_record"
      And the task's "include" is "<include>"
    When the consumer performs the task
    Then the consumer's requests were "GetStructuredRecord"
      And the consumer's requests broke no "body" rule
      And every request that names a patient names the task's patient
    Examples:
      | include                                    | guards                                                        |
      | includeAllergies                           | bad-nhs-identifier-system, structured-forbidden-combination   |
      | includeMedication                          | bad-nhs-identifier-system, structured-forbidden-combination   |
      | includeConsultations                       | bad-nhs-identifier-system, structured-forbidden-combination   |
      | includeProblems                            | bad-nhs-identifier-system, structured-forbidden-combination   |
      | includeImmunisations                       | bad-nhs-identifier-system, structured-forbidden-combination   |
      | includeUncategorisedData                   | bad-nhs-identifier-system, structured-forbidden-combination   |
      | includeInvestigations                      | bad-nhs-identifier-system, structured-forbidden-combination   |
      | includeReferrals                           | bad-nhs-identifier-system, structured-forbidden-combination   |
      | includeDiaryEntries                        | bad-nhs-identifier-system, structured-forbidden-combination   |
      | includeAllergies,includeMedication         | bad-nhs-identifier-system, structured-forbidden-combination   |

  @id:consumer.str.05 @spec:accessrecord_structured_development_migrate_patient_record
  @guards:bad-nhs-identifier-system @guards:migrate-directcare
  Scenario: The consumer migrates a whole record with a valid Parameters body, reason and scope
    Given the consumer is asked to "migrate_structured_record"
    When the consumer performs the task
    Then the consumer's requests were "MigrateStructuredRecord"
      And the consumer's requests broke no "body" rule
      And the consumer's requests broke no "jwt" rule
      And every request that names a patient names the task's patient

  @id:consumer.str.06 @spec:development_fhir_error_handling_guidance
  Scenario Outline: After <error> the consumer does not repeat its structured record request
    Given the consumer is asked to "get_structured_record"
      And the task's "nhs_number" is "{nhs:<patient>}"
      And the provider answers every "GetStructuredRecord" request with "<error>"
    When the consumer performs the task
    Then the consumer did not repeat the failed request
      And the consumer made no request after the error
    Examples:
      | patient  | error              | guards      |
      | patient2 | NO_PATIENT_CONSENT | blind-retry |
      | patient2 | PATIENT_NOT_FOUND  | blind-retry |
      | patient2 | INVALID_NHS_NUMBER | blind-retry |
      | patient2 | INVALID_PARAMETER  | blind-retry |
      | patient2 | INVALID_RESOURCE   | blind-retry |
      | patient2 | INTERNAL_SERVER_ERROR | blind-retry |
