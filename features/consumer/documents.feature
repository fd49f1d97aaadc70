@consumer @documents @1.6.2 @spec:access_documents_development_search_patient_documents
Feature: Access Document consumer: finding and retrieving a patient's documents
  The consumer under test finds the patient on the documents service root, searches the patient's documents and
  opens one, against the inspecting provider.

  @id:consumer.doc.01
  Scenario Outline: The consumer's requests to <task> carry well-formed SSP headers
    Given the consumer is asked to "<task>"
    When the consumer performs the task
    Then the consumer's requests broke no "ssp" rule
      And every request of the consumer had its own TraceID
    Examples:
      | task              | guards                                                                                    |
      | find_documents    | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid, reused-trace-id, wrong-interaction-id  |
      | retrieve_document | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid, reused-trace-id, wrong-interaction-id  |

  @id:consumer.doc.02 @spec:integration_cross_organisation_audit_and_provenance
  Scenario Outline: The consumer's requests to <task> carry a valid unsigned JWT
    Given the consumer is asked to "<task>"
    When the consumer performs the task
    Then the consumer's requests broke no "jwt" rule
    Examples:
      | task              | guards                                                                                                                                                          |
      | find_documents    | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, missing-sds-user-id, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, reason-migration-directcare |
      | retrieve_document | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, missing-sds-user-id, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, reason-migration-directcare |

  @id:consumer.doc.03
  Scenario Outline: The consumer's requests to <task> ask for FHIR STU3 JSON or XML
    Given the consumer is asked to "<task>"
    When the consumer performs the task
    Then the consumer's requests broke no "format" rule
    Examples:
      | task              | guards           |
      | find_documents    | dstu2-media-type |
      | retrieve_document | dstu2-media-type |

  @id:consumer.doc.04
  @guards:documents-search-without-includes @guards:bad-nhs-identifier-system
  Scenario: The consumer finds the patient, then searches the documents of the patient it found
    Given the consumer is asked to "find_documents"
    When the consumer performs the task
    Then the consumer's requests were "DocumentsPatientSearch, DocumentsSearch"
      And the consumer asked for the patient its patient search found
      And the consumer's requests broke no "params" rule
      And every request that names a patient names the task's patient

  @id:consumer.doc.05 @spec:access_documents_development_retrieve_patient_documents
  @guards:documents-search-without-includes
  Scenario: The consumer opens a document its search found
    Given the consumer is asked to "retrieve_document"
    When the consumer performs the task
    Then the consumer's requests were "DocumentsPatientSearch, DocumentsSearch, DocumentsRetrieve"
      And the consumer's requests broke no "params" rule

  @id:consumer.doc.06 @spec:development_fhir_error_handling_guidance
  Scenario Outline: After <error> on <interaction> the consumer neither repeats the request nor carries on
    Given the consumer is asked to "<task>"
      And the provider answers every "<interaction>" request with "<error>"
    When the consumer performs the task
    Then the consumer did not repeat the failed request
      And the consumer made no request after the error
    Examples:
      | task              | interaction            | error              | guards                            |
      | find_documents    | DocumentsPatientSearch | INVALID_NHS_NUMBER | blind-retry, continue-after-error |
      | find_documents    | DocumentsSearch        | NO_PATIENT_CONSENT | blind-retry                       |
      | retrieve_document | DocumentsSearch        | NO_PATIENT_CONSENT | blind-retry, continue-after-error |
      | retrieve_document | DocumentsRetrieve      | NO_RECORD_FOUND    | blind-retry                       |
      | find_documents    | DocumentsSearch        | ACCESS DENIED      | blind-retry                       |
