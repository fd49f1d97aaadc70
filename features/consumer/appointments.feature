@consumer @appointments @1.2.7 @spec:appointments_use_case_book_an_appointment
Feature: Appointment Management consumer: searching slots, booking, reading, amending and cancelling
  The consumer under test performs each appointment task against the inspecting provider. Tasks on an existing
  appointment start from one the harness books first (outside the consumer's requests).

  @id:consumer.appt.01
  Scenario Outline: The consumer's requests to <task> carry well-formed SSP headers
    Given I have booked an appointment for patient "patient2"
      And the consumer is asked to "<task>"
    When the consumer performs the task
    Then the consumer's requests broke no "ssp" rule
      And every request of the consumer had its own TraceID
    Examples:
      | task                  | guards                                                                                     |
      | search_slots          | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid, wrong-interaction-id                    |
      | book_appointment      | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid, reused-trace-id, wrong-interaction-id   |
      | read_appointment      | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid                                          |
      | retrieve_appointments | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid, reused-trace-id                         |
      | amend_appointment     | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid, reused-trace-id                         |
      | cancel_appointment    | missing-ssp-from, wrong-ssp-to, trace-id-not-uuid, reused-trace-id, wrong-interaction-id   |

  @id:consumer.appt.02 @spec:integration_cross_organisation_audit_and_provenance
  Scenario Outline: The consumer's requests to <task> carry a valid unsigned JWT
    Given I have booked an appointment for patient "patient2"
      And the consumer is asked to "<task>"
    When the consumer performs the task
    Then the consumer's requests broke no "jwt" rule
    Examples:
      | task                  | guards                                                                                                                                                          |
      | search_slots          | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, missing-sds-user-id, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, reason-migration-directcare |
      | book_appointment      | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, missing-sds-user-id, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, reason-migration-directcare |
      | read_appointment      | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, missing-sds-user-id, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, reason-migration-directcare |
      | retrieve_appointments | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, missing-sds-user-id, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, reason-migration-directcare |
      | amend_appointment     | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, missing-sds-user-id, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, reason-migration-directcare |
      | cancel_appointment    | wrong-scope, jwt-exp-600, jwt-iat-future, jwt-expired, signed-jwt, missing-sds-user-id, sub-mismatch, org-no-ods, device-wrong-type, aud-wrong, reason-migration-directcare |

  @id:consumer.appt.03
  Scenario Outline: The consumer's requests to <task> ask for and send FHIR STU3 JSON or XML
    Given I have booked an appointment for patient "patient2"
      And the consumer is asked to "<task>"
    When the consumer performs the task
    Then the consumer's requests broke no "format" rule
    Examples:
      | task                  | guards           |
      | search_slots          | dstu2-media-type |
      | book_appointment      | dstu2-media-type |
      | read_appointment      | dstu2-media-type |
      | retrieve_appointments | dstu2-media-type |
      | amend_appointment     | dstu2-media-type |
      | cancel_appointment    | dstu2-media-type |

  @id:consumer.appt.04 @spec:appointments_use_case_search_for_free_slots
  @guards:slot-search-without-schedule @guards:unencoded-pipe
  Scenario: The consumer searches for free slots with the parameters the specification requires
    Given the consumer is asked to "search_slots"
    When the consumer performs the task
    Then the consumer's requests were "SearchForFreeSlots"
      And the consumer's requests broke no "params" rule

  @id:consumer.appt.05
  @guards:no-booking-organisation @guards:booking-with-reason @guards:bad-nhs-identifier-system
  Scenario: The consumer books a slot its search offered, with a valid Appointment
    Given the consumer is asked to "book_appointment"
    When the consumer performs the task
    Then the consumer's requests were "PatientSearch, SearchForFreeSlots, AppointmentCreate"
      And the consumer booked a slot its slot search offered
      And the consumer asked for the patient its patient search found
      And the consumer's requests broke no "body" rule
      And every request that names a patient names the task's patient

  @id:consumer.appt.06 @spec:appointments_use_case_amend_an_appointment
  @guards:amend-without-if-match
  Scenario: The consumer reads the appointment, then amends it with If-Match and a valid body
    Given I have booked an appointment for patient "patient2"
      And the consumer is asked to "amend_appointment"
    When the consumer performs the task
    Then the consumer's requests were "AppointmentRead, AppointmentAmend"
      And the consumer's requests broke no "body" rule

  @id:consumer.appt.07 @spec:appointments_use_case_cancel_an_appointment
  @guards:cancel-without-if-match @guards:cancel-without-reason @guards:wrong-interaction-id
  Scenario: The consumer reads the appointment, then cancels it with If-Match and a cancellation reason
    Given I have booked an appointment for patient "patient2"
      And the consumer is asked to "cancel_appointment"
    When the consumer performs the task
    Then the consumer's requests were "AppointmentRead, AppointmentCancel"
      And the consumer's requests broke no "body" rule

  @id:consumer.appt.08 @spec:appointments_use_case_retrieve_a_patients_appointments
  @guards:bad-nhs-identifier-system
  Scenario: The consumer finds the patient, then lists the appointments of the patient it found
    Given I have booked an appointment for patient "patient2"
      And the consumer is asked to "retrieve_appointments"
    When the consumer performs the task
    Then the consumer's requests were "PatientSearch, AppointmentSearch"
      And the consumer asked for the patient its patient search found
      And every request that names a patient names the task's patient

  @id:consumer.appt.09 @spec:development_fhir_error_handling_guidance
  Scenario Outline: After <error> on <interaction>, the consumer neither repeats the request nor carries on
    Given I have booked an appointment for patient "patient2"
      And the consumer is asked to "<task>"
      And the provider answers every "<interaction>" request with "<error>"
    When the consumer performs the task
    Then the consumer did not repeat the failed request
      And the consumer made no request after the error
    Examples:
      | task                  | interaction        | error              | guards                           |
      | book_appointment      | PatientSearch      | PATIENT_NOT_FOUND  | blind-retry, continue-after-error |
      | book_appointment      | SearchForFreeSlots | BAD_REQUEST        | blind-retry, continue-after-error |
      | book_appointment      | AppointmentCreate  | DUPLICATE_REJECTED | blind-retry                       |
      | book_appointment      | AppointmentCreate  | INVALID_RESOURCE   | blind-retry                       |
      | retrieve_appointments | PatientSearch      | INVALID_NHS_NUMBER | blind-retry, continue-after-error |
      | amend_appointment     | AppointmentRead    | NO_RECORD_FOUND    | blind-retry, continue-after-error |
      | cancel_appointment    | AppointmentRead    | NO_RECORD_FOUND    | blind-retry, continue-after-error |
      | amend_appointment     | AppointmentAmend   | INVALID_RESOURCE   | blind-retry                       |

  @id:consumer.appt.10 @spec:development_general_api_guidance
  Scenario Outline: After a version conflict the consumer reads the appointment again before it retries <task>
    Given I have booked an appointment for patient "patient2"
      And the consumer is asked to "<task>"
      And the provider answers the next "<interaction>" request with "FHIR_CONSTRAINT_VIOLATION"
    When the consumer performs the task
    Then after the conflict the consumer read the appointment again and sent its new version in If-Match
    Examples:
      | task               | interaction       | guards                              |
      | amend_appointment  | AppointmentAmend  | blind-retry, no-reread-on-conflict  |
      | cancel_appointment | AppointmentCancel | blind-retry, no-reread-on-conflict  |
