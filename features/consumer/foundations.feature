@consumer @foundations @1.2.7 @spec:development_general_api_guidance
Feature: Foundations consumer: finding patients, practitioners, organisations and locations
  The consumer under test performs each Foundations task against the inspecting provider, which judges every
  request it makes against the consumer rules (`gpc-assure consumer rules`): the Spine Secure Proxy headers, the
  JWT, content negotiation, query parameters and request bodies.

  @id:consumer.fou.01
  Scenario Outline: The consumer's requests to <task> carry well-formed SSP headers
    Given the consumer is asked to "<task>"
    When the consumer performs the task
    Then the consumer's requests broke no "ssp" rule
      And every request of the consumer had its own TraceID
    Examples:
      | task              | guards                                                                     |
      | read_metadata     | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid                          |
      | find_patient      | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid, wrong-interaction-id    |
      | register_patient  | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid                          |
      | find_practitioner | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid, wrong-interaction-id    |
      | read_practitioner | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid                          |
      | find_organization | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid, wrong-interaction-id    |
      | read_organization | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid                          |
      | read_location     | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid                          |

  @id:consumer.fou.02 @spec:integration_cross_organisation_audit_and_provenance
  Scenario Outline: The consumer's requests to <task> carry a valid unsigned JWT
    Given the consumer is asked to "<task>"
    When the consumer performs the task
    Then the consumer's requests broke no "jwt" rule
    Examples:
      | task              | guards                                                                                                                                                          |
      | read_metadata     | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, missing-sds-user-id, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, reason-migration-directcare |
      | find_patient      | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, missing-sds-user-id, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, reason-migration-directcare |
      | register_patient  | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, missing-sds-user-id, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, reason-migration-directcare |
      | find_practitioner | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, missing-sds-user-id, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, reason-migration-directcare |
      | read_practitioner | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, missing-sds-user-id, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, reason-migration-directcare |
      | find_organization | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, missing-sds-user-id, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, reason-migration-directcare |
      | read_organization | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, missing-sds-user-id, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, reason-migration-directcare |
      | read_location     | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, missing-sds-user-id, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, reason-migration-directcare |

  @id:consumer.fou.03
  Scenario Outline: The consumer's requests to <task> ask for FHIR STU3 JSON or XML
    Given the consumer is asked to "<task>"
    When the consumer performs the task
    Then the consumer's requests broke no "format" rule
    Examples:
      | task              | guards           |
      | read_metadata     | dstu2-media-type |
      | find_patient      | dstu2-media-type |
      | register_patient  | dstu2-media-type |
      | find_practitioner | dstu2-media-type |
      | read_practitioner | dstu2-media-type |
      | find_organization | dstu2-media-type |
      | read_organization | dstu2-media-type |
      | read_location     | dstu2-media-type |

  @id:consumer.fou.04 @spec:foundations_use_case_find_a_patient
  Scenario Outline: The consumer finds a patient by NHS number with one well-formed search
    Given the consumer is asked to "find_patient"
      And the task's "nhs_number" is "{nhs:<patient>}"
    When the consumer performs the task
    Then the consumer's requests were "PatientSearch"
      And the "PatientSearch" request's query "identifier" is "https://fhir.nhs.uk/Id/nhs-number|{task:nhs_number}"
      And the consumer's requests broke no "params" rule
    Examples:
      | patient  | guards                                                       |
      | patient2 | bad-nhs-identifier-system, unencoded-pipe |
      | patient4 | bad-nhs-identifier-system, unencoded-pipe |

  @id:consumer.fou.05 @spec:foundations_use_case_find_a_practitioner
  Scenario Outline: The consumer's searches for <task> use the identifier forms of the specification
    Given the consumer is asked to "<task>"
    When the consumer performs the task
    Then the consumer's requests broke no "params" rule
      And the consumer's requests were "<interaction>"
    Examples:
      | task              | interaction        | guards         |
      | find_practitioner | PractitionerSearch | unencoded-pipe |
      | find_organization | OrganizationSearch | unencoded-pipe |

  @id:consumer.fou.06 @spec:foundations_use_case_register_a_patient
  @guards:bad-nhs-identifier-system
  Scenario: The consumer registers a patient with a valid registerPatient Parameters body
    Given the consumer is asked to "register_patient"
    When the consumer performs the task
    Then the consumer made a "RegisterPatient" request
      And the consumer's requests broke no "body" rule
      And every request that names a patient names the task's patient

  @id:consumer.fou.07 @spec:development_fhir_error_handling_guidance
  Scenario Outline: The consumer does not repeat a search the provider refused with <error>
    Given the consumer is asked to "find_patient"
      And the provider answers every "PatientSearch" request with "<error>"
    When the consumer performs the task
    Then the consumer did not repeat the failed request
      And every request of the consumer had its own TraceID
    Examples:
      | error                     | guards      |
      | INVALID_NHS_NUMBER        | blind-retry |
      | INVALID_IDENTIFIER_SYSTEM | blind-retry |
      | BAD_REQUEST               | blind-retry |
      | INTERNAL_SERVER_ERROR     | blind-retry |
