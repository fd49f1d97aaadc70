@appointments @1.2.7 @appointment @AppointmentCancel @spec:appointments_use_case_cancel_an_appointment
Feature: Cancel an appointment
  A consumer reads an appointment, sets its `status` to `cancelled`, adds the cancellation reason extension and
  PUTs it back with `If-Match` naming the version it read. Nothing else may change. The provider answers the
  cancelled Appointment with a new version, and the slot is free again (Appointment Management 1.2.7, "Cancel
  an appointment").

  @id:appt.cancel.01
  Scenario Outline: Cancel an appointment
    Given I have booked an appointment for patient "<patient>"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the appointment status should be "cancelled"
      And the appointment cancellation reason should be "double booked"
      And the appointment should be the booked appointment with a new version and the changed "status"
      And the response ETag should be the weak form of the resource version
      And every appointment in the response should start in the future
      And every appointment in the response should carry a delivery channel and a practitioner role
      And every Appointment in the response should not carry "reason"
    Examples:
      | patient  |
      | patient1 |
      | patient2 |
      | patient3 |

  @id:appt.cancel.02
  Scenario Outline: The cancellation reason is stored as sent
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "<reason>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the appointment status should be "cancelled"
      And the appointment cancellation reason should be "<reason>"
    Examples:
      | reason                     |
      | Test cancellation reason 1 |
      | test reason for cancel 2   |

  @guards:appt-cancel-keeps-slot-busy
  @id:appt.cancel.03
  Scenario: A cancelled appointment's slot is offered as free again
    Given I have booked an appointment for patient "patient2"
      And I have cancelled the booked appointment with the reason "Slot no longer needed"
      And I configure the default "SearchForFreeSlots" request
      And I search for free slots over the next 14 days
      And I add a searchFilter for the consumer organisation's ODS code
      And I add a searchFilter for the organisation type "gp-practice"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should offer the booked appointment's slot again

  @id:appt.cancel.04
  Scenario: A cancellation without serviceType and serviceCategory is accepted
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "Test-Cancel-Reason"
      And I remove the appointment "serviceType"
      And I remove the appointment "serviceCategory"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the appointment status should be "cancelled"
      And every Appointment in the response should carry the text "serviceType[0].text"
      And at least one Appointment in the response should carry the text "serviceCategory.text"

  @id:appt.cancel.05
  Scenario Outline: Changing anything besides status and reason while cancelling is an invalid resource
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
      And I set the appointment "<element>" to the JSON '<json>'
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | element              | json                                                                                       | guards                      |
      | comment              | "RANDOM COMMENT"                                                                           | appt-cancel-forbidden-field |
      | description          | "RANDOM DESCRIPTION"                                                                       | appt-cancel-forbidden-field |
      | priority             | 1                                                                                          | appt-cancel-forbidden-field |
      | slot                 | [{"reference":"Slot/999999"}]                                                              | appt-cancel-forbidden-field |
      | created              | "2019-01-01T09:00:00+00:00"                                                                | appt-cancel-forbidden-field |
      | contained[0].name    | "Renamed booking organisation"                                                             | appt-cancel-forbidden-field |
      | participant[0].actor | {"reference":"https://test1.supplier.thirdparty.nhs.uk/A11111/STU3/1/GPConnect/Patient/2"} |                             |

  @id:appt.cancel.06
  Scenario: Adding participants while cancelling is an invalid resource
    Given I have booked an appointment for patient "patient2"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
      And I add a participant referencing "Practitioner/2"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @id:appt.cancel.07
  Scenario: Moving an appointment while cancelling is an invalid resource
    Given I have booked an appointment for patient "patient2"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
      And I move the appointment "start" 30 minutes later
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @id:appt.cancel.08
  Scenario: A cancellation with an absolute booking organisation reference is an invalid resource
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
      And I set the booking organisation reference to "https://test1.supplier.thirdparty.nhs.uk/A11111/STU3/1/GPConnect/Organization/1"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @guards:appt-cancel-without-reason
  @id:appt.cancel.09
  Scenario: A cancellation without a cancellation reason is an invalid parameter
    Given I have booked an appointment for patient "patient3"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment without a cancellation reason
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"

  @id:appt.cancel.10
  Scenario: A cancellation with an empty cancellation reason is an invalid parameter
    Given I have booked an appointment for patient "patient3"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason ""
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
      And the response should not be cacheable

  @id:appt.cancel.11
  Scenario Outline: A cancellation reason in an extension of another URL is an invalid resource
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "Too busy" in an extension with the URL "<url>"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | url                                                                                               |
      |                                                                                                   |
      | http://fhir.nhs.uk/StructuraeDefinition/extension-gpconnect-appointment-cancellation-reason-1-010 |

  @id:appt.cancel.12
  Scenario: A cancellation that leaves the status booked is an invalid resource
    Given I have booked an appointment for patient "patient2"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
      And I set the appointment "status" to "booked"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @id:appt.cancel.13
  Scenario: A cancellation naming a version that is no longer current is a conflict
    Given I have booked an appointment for patient "patient3"
      And I have amended the booked appointment's description to "Amended before cancelling"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I set the "If-Match" header to "{stored:previous_etag}"
      And I cancel the appointment with the reason "double booked"
    When I make the request
    Then the response status code should be "409"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "FHIR_CONSTRAINT_VIOLATION"

  @id:appt.cancel.14
  Scenario: A cancellation with an If-Match that is not a version is a conflict
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
      And I set the "If-Match" header to "invalidEtag"
    When I make the request
    Then the response status code should be "409"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "FHIR_CONSTRAINT_VIOLATION"

  @id:appt.cancel.15
  Scenario: A cancellation without If-Match is a conflict
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
      And I remove the "If-Match" header
    When I make the request
    Then the response status code should be "409"
      And the response should be valid against its profiles
      And the response should be a GP Connect OperationOutcome

  @id:appt.cancel.16
  Scenario: A cancellation naming the current version after an amendment succeeds
    Given I have booked an appointment for patient "patient2"
      And I have amended the booked appointment's description to "Amended before cancelling"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the appointment status should be "cancelled"
      And the resource element "description" should be "Amended before cancelling"

  @id:appt.cancel.17
  Scenario: Cancelling an unknown appointment id is not found
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
      And I set the request id to "8888888888"
      And I set the appointment "id" to "8888888888"
    When I make the request
    Then the response status code should be "404"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "NO_RECORD_FOUND"

  @id:appt.cancel.18
  Scenario Outline: Cancel an appointment answering in the format the _format parameter asks for
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
      And I add the query parameter "_format" with value "<_format>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the appointment status should be "cancelled"
      And the appointment cancellation reason should be "double booked"
    Examples:
      | _format               | format |
      | application/fhir+json | JSON   |
      | application/fhir+xml  | XML    |

  @id:appt.cancel.19
  Scenario Outline: Cancel an appointment answering in the format the Accept header asks for
    Given I have booked an appointment for patient "patient2"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
      And I set the "Accept" header to "<accept>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the appointment status should be "cancelled"
    Examples:
      | accept                | format |
      | application/fhir+json | JSON   |
      | application/fhir+xml  | XML    |

  @id:appt.cancel.20
  Scenario Outline: Cancel an appointment answering in the format Accept and _format ask for
    Given I have booked an appointment for patient "patient3"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
      And I set the "Accept" header to "<accept>"
      And I add the query parameter "_format" with value "<_format>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the appointment cancellation reason should be "double booked"
    Examples:
      | accept                | _format               | format |
      | application/fhir+json | application/fhir+json | JSON   |
      | application/fhir+json | application/fhir+xml  | XML    |
      | application/fhir+xml  | application/fhir+json | JSON   |
      | application/fhir+xml  | application/fhir+xml  | XML    |

  @id:appt.cancel.21
  Scenario Outline: Cancel an appointment sent as JSON or XML answering in the format Accept and _format ask for
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
      And I send the request body as <body>
      And I set the "Accept" header to "<accept>"
      And I add the query parameter "_format" with value "<_format>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the appointment status should be "cancelled"
      And the appointment cancellation reason should be "double booked"
    Examples:
      | body      | accept                | _format               | format |
      | FHIR XML  | application/fhir+xml  | application/fhir+xml  | XML    |
      | FHIR JSON | application/fhir+json | application/fhir+json | JSON   |
      | FHIR XML  | application/fhir+xml  | application/fhir+json | JSON   |
      | FHIR JSON | application/fhir+json | application/fhir+xml  | XML    |
      | FHIR XML  | application/fhir+json | application/fhir+json | JSON   |
      | FHIR JSON | application/fhir+xml  | application/fhir+xml  | XML    |
      | FHIR XML  | application/fhir+json | application/fhir+xml  | XML    |
      | FHIR JSON | application/fhir+xml  | application/fhir+json | JSON   |

  @id:appt.cancel.22
  Scenario: A cancellation with Prefer return=representation answers the appointment
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
      And I set the "Prefer" header to "return=representation"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the appointment status should be "cancelled"
      And every participant of every appointment in the response should resolve at the provider

  @id:appt.cancel.23
  Scenario: A cancellation with Prefer return=minimal answers no body
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
      And I set the "Prefer" header to "return=minimal"
    When I make the request
    Then the response status code should be "200"
      And the response body should be empty

  @id:appt.cancel.24
  Scenario: Another organisation may cancel an appointment
    Given I have booked an appointment for patient "patient2"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "Cancelled by another organisation"
      And I set the JWT requesting organisation to organisation "ORG2"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the appointment status should be "cancelled"
      And every appointment in the response should carry the booking organisation it was booked with

  @id:appt.cancel.25
  Scenario: A successful cancellation says Cache-Control no-store
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should not be cacheable

  @id:appt.cancel.26
  Scenario Outline: A cancellation without a mandatory header is a bad request
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
      And I remove the "<header>" header
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | header            | guards                  |
      | Ssp-TraceID       | accept-missing-trace-id |
      | Ssp-From          | accept-missing-from     |
      | Ssp-To            |                         |
      | Ssp-InteractionID |                         |
      | Authorization     |                         |

  @id:appt.cancel.27
  Scenario: A cancellation with another interaction's ID is a bad request
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
      And I set the Ssp-InteractionID header for the "PatientRead" interaction
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @id:appt.cancel.28
  Scenario Outline: A cancellation with a token for another scope is a bad request
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentCancel" request
      And I prepare the booked appointment as the request
      And I cancel the appointment with the reason "double booked"
      And I set the JWT claim "requested_scope" to "<scope>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | scope               |
      | patient/*.read      |
      | organization/*.read |
