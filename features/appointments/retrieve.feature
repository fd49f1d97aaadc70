@appointments @1.2.7 @patient-appointments @AppointmentSearch @spec:appointments_use_case_retrieve_a_patients_appointments
Feature: Retrieve a patient's appointments
  A consumer retrieves a patient's appointments in a date range: exactly two `start` parameters, one with the
  `ge` and one with the `le` prefix, full dates without a time, no part of the range in the past. The provider
  answers a searchset of the patient's appointments starting in the range, cancelled ones included; a range it
  cannot accept is an invalid parameter (Appointment Management 1.2.7, "Retrieve a patient's appointments").

  @id:appt.retrieve.01
  Scenario: A patient without appointments has an empty searchset
    Given I configure the default "AppointmentSearch" request
      And I set the request id to the logical id of patient "patientNoAppointments"
      And I add the query parameter "start" with value "ge{date:+0}"
      And I add the query parameter "start" with value "le{date:+1}"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And the response bundle should contain 0 entries

  @id:appt.retrieve.02
  Scenario Outline: Retrieve returns every appointment booked for the patient in the range
    Given I have booked <count> appointments for patient "<patient>"
      And I configure the default "AppointmentSearch" request
      And I set the request id to the logical id of patient "<patient>"
      And I add the query parameter "start" with value "ge{date:+0}"
      And I add the query parameter "start" with value "le{date:+14}"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And the response should contain every appointment booked in this scenario
      And every appointment in the response should belong to patient "<patient>"
      And every appointment in the response should start within the searched dates
      And every appointment in the response should start in the future
      And every resource should carry the interaction's profile and a version
    Examples:
      | patient  | count |
      | patient4 | 1     |
      | patient5 | 3     |
      | patient6 | 2     |

  @id:appt.retrieve.03
  Scenario: Retrieved appointments carry their delivery channel, practitioner role and booking organisation
    Given I have booked an appointment for patient "patient7"
      And I configure the default "AppointmentSearch" request
      And I set the request id to the logical id of patient "patient7"
      And I add the query parameter "start" with value "ge{date:+0}"
      And I add the query parameter "start" with value "le{date:+14}"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every appointment in the response should carry a delivery channel and a practitioner role
      And every appointment in the response should carry the booking organisation it was booked with
      And every Appointment in the response should not carry "reason"
      And every Appointment in the response should not carry "specialty"
      And every Appointment in the response should carry the text "serviceType[0].text"

  @id:appt.retrieve.04
  Scenario: Every participant of a retrieved appointment resolves at the provider
    Given I have booked an appointment for patient "patient8"
      And I configure the default "AppointmentSearch" request
      And I set the request id to the logical id of patient "patient8"
      And I add the query parameter "start" with value "ge{date:+0}"
      And I add the query parameter "start" with value "le{date:+14}"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every participant of every appointment in the response should resolve at the provider

  @guards:appt-retrieve-omits-cancelled
  @id:appt.retrieve.05
  Scenario: Retrieve includes cancelled appointments
    Given I have booked an appointment for patient "patient12"
      And I have cancelled the booked appointment with the reason "No longer needed"
      And I configure the default "AppointmentSearch" request
      And I set the request id to the logical id of patient "patient12"
      And I add the query parameter "start" with value "ge{date:+0}"
      And I add the query parameter "start" with value "le{date:+14}"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should contain every appointment booked in this scenario
      And the booked appointment in the response should have status "cancelled"

  @id:appt.retrieve.06
  Scenario: Retrieve with extra parameters it does not know ignores them
    Given I configure the default "AppointmentSearch" request
      And I set the request id to the logical id of patient "patient5"
      And I add the query parameter "start" with value "ge{date:+0}"
      And I add the query parameter "start" with value "le{date:+14}"
      And I add the query parameter "_sort" with value "date"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"

  @guards:appt-retrieve-unknown-patient
  @id:appt.retrieve.07
  Scenario Outline: Retrieve for a patient id the provider does not hold is not found
    Given I configure the default "AppointmentSearch" request
      And I set the request id to "<id>"
      And I add the query parameter "start" with value "ge{date:+0}"
      And I add the query parameter "start" with value "le{date:+14}"
    When I make the request
    Then the response status code should be "404"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "PATIENT_NOT_FOUND"
    Examples:
      | id        |
      | null      |
      | dd        |
      | 999999999 |

  @id:appt.retrieve.08
  Scenario Outline: Retrieve appointments answering in the format Accept and _format ask for
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentSearch" request
      And I set the request id to "{stored:patient}"
      And I add the query parameter "start" with value "ge{date:+0}"
      And I add the query parameter "start" with value "le{date:+14}"
      And I set the "Accept" header to "<accept>"
      And I add the query parameter "_format" with value "<_format>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the response should be a Bundle resource of type "searchset"
      And the response should contain every appointment booked in this scenario
    Examples:
      | accept                | _format               | format |
      | application/fhir+json | application/fhir+json | JSON   |
      | application/fhir+json | application/fhir+xml  | XML    |
      | application/fhir+xml  | application/fhir+json | JSON   |
      | application/fhir+xml  | application/fhir+xml  | XML    |

  @id:appt.retrieve.09
  Scenario Outline: Retrieve appointments answering in the format the Accept header asks for
    Given I have booked an appointment for patient "patient2"
      And I configure the default "AppointmentSearch" request
      And I set the request id to "{stored:patient}"
      And I add the query parameter "start" with value "ge{date:+0}"
      And I add the query parameter "start" with value "le{date:+14}"
      And I set the "Accept" header to "<accept>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the response should contain every appointment booked in this scenario
    Examples:
      | accept                | format |
      | application/fhir+json | JSON   |
      | application/fhir+xml  | XML    |

  @id:appt.retrieve.10
  Scenario Outline: Retrieve appointments answering in the format the _format parameter asks for
    Given I have booked an appointment for patient "patient3"
      And I configure the default "AppointmentSearch" request
      And I set the request id to "{stored:patient}"
      And I add the query parameter "start" with value "ge{date:+0}"
      And I add the query parameter "start" with value "le{date:+14}"
      And I add the query parameter "_format" with value "<_format>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the response should contain every appointment booked in this scenario
    Examples:
      | _format               | format |
      | application/fhir+json | JSON   |
      | application/fhir+xml  | XML    |

  @id:appt.retrieve.11
  Scenario Outline: A start date that is not a full date without a time is an invalid parameter
    Given I configure the default "AppointmentSearch" request
      And I set the request id to the logical id of patient "patient4"
      And I add the query parameter "start" with value "ge{date:+0 <from>}"
      And I add the query parameter "start" with value "le{date:+14 <to>}"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | from                   | to                     | guards                      |
      | yyyy-MM-dd             | yyyy                   |                             |
      | yyyy-MM-dd             | yyyy-MM                |                             |
      | yyyy-MM-dd             | yyyy-MM-ddTHH:mm:ss    | appt-retrieve-time-accepted |
      | yyyy-MM-dd             | yyyy-MM-ddTHH:mm:ssZ   |                             |
      | yyyy-MM-dd             | yyyy-MM-ddTHH:mm:sszzz |                             |
      | yyyy                   | yyyy-MM-dd             |                             |
      | yyyy-MM                | yyyy-MM-dd             |                             |
      | yyyy-MM-ddTHH:mm:ss    | yyyy-MM-dd             |                             |
      | yyyy-MM-ddTHH:mm:ssZ   | yyyy-MM-dd             |                             |
      | yyyy-MM-ddTHH:mm:sszzz | yyyy-MM-dd             |                             |

  @id:appt.retrieve.12
  Scenario Outline: Start parameters without one ge and one le prefix are invalid parameters
    Given I configure the default "AppointmentSearch" request
      And I set the request id to the logical id of patient "patient5"
      And I add the query parameter "start" with value "<from>{date:+0}"
      And I add the query parameter "start" with value "<to>{date:+14}"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | from      | to        |
      | ge        | lt        |
      | ge        | gt        |
      | ge        | eq        |
      | ge        | ge        |
      | lt        | le        |
      | gt        | le        |
      | eqs       | le        |
      | le        | le        |
      | random123 | random123 |

  @id:appt.retrieve.13
  Scenario Outline: Retrieve with only one start parameter is an invalid parameter
    Given I configure the default "AppointmentSearch" request
      And I set the request id to the logical id of patient "patient5"
      And I add the query parameter "start" with value "<start>"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | start        |
      | le{date:+14} |
      | ge{date:+0}  |

  @id:appt.retrieve.14
  Scenario: Retrieve without start parameters is an invalid parameter
    Given I configure the default "AppointmentSearch" request
      And I set the request id to the logical id of patient "patient5"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"

  @guards:appt-retrieve-past-range
  @id:appt.retrieve.15
  Scenario Outline: A range that is partly or wholly in the past is an invalid parameter
    Given I configure the default "AppointmentSearch" request
      And I set the request id to the logical id of patient "patient3"
      And I add the query parameter "start" with value "ge<from>"
      And I add the query parameter "start" with value "le<to>"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | from        | to           |
      | 2010-02-03  | 2010-03-03   |
      | 2010-03-03  | {date:+14}   |
      | {date:-1}   | {date:+14}   |
      | {date:-7}   | {date:-1}    |

  @id:appt.retrieve.16
  Scenario: A range that ends before it starts is an invalid parameter
    Given I configure the default "AppointmentSearch" request
      And I set the request id to the logical id of patient "patient3"
      And I add the query parameter "start" with value "ge{date:+10}"
      And I add the query parameter "start" with value "le{date:+2}"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
      And the response should not be cacheable

  @id:appt.retrieve.17
  Scenario: A retrieve of today only is accepted
    Given I configure the default "AppointmentSearch" request
      And I set the request id to the logical id of patient "patient5"
      And I add the query parameter "start" with value "ge{date:+0}"
      And I add the query parameter "start" with value "le{date:+0}"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"

  @id:appt.retrieve.18
  Scenario: A successful retrieve says Cache-Control no-store
    Given I configure the default "AppointmentSearch" request
      And I set the request id to the logical id of patient "patient1"
      And I add the query parameter "start" with value "ge{date:+0}"
      And I add the query parameter "start" with value "le{date:+1}"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And the response should not be cacheable

  @id:appt.retrieve.19
  Scenario Outline: A retrieve with a token for another scope is a bad request
    Given I configure the default "AppointmentSearch" request
      And I set the request id to the logical id of patient "patient4"
      And I add the query parameter "start" with value "ge{date:+0}"
      And I add the query parameter "start" with value "le{date:+14}"
      And I set the JWT claim "requested_scope" to "<scope>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | scope                |
      | organization/*.write |
      | patient/*.write      |
      | organization/*.read  |

  @id:appt.retrieve.20
  Scenario Outline: A retrieve with another interaction's ID is a bad request
    Given I configure the default "AppointmentSearch" request
      And I set the request id to the logical id of patient "patient4"
      And I add the query parameter "start" with value "ge{date:+0}"
      And I add the query parameter "start" with value "le{date:+14}"
      And I set the Ssp-InteractionID header for the "<interaction>" interaction
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
      And the response should not be cacheable
    Examples:
      | interaction        |
      | OrganizationSearch |
      | SearchForFreeSlots |

  @id:appt.retrieve.21
  Scenario Outline: A retrieve without a mandatory header is a bad request
    Given I configure the default "AppointmentSearch" request
      And I set the request id to the logical id of patient "patient4"
      And I add the query parameter "start" with value "ge{date:+0}"
      And I add the query parameter "start" with value "le{date:+14}"
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

  @id:appt.retrieve.22
  Scenario: The CapabilityStatement declares retrieving a patient's appointments
    Given I configure the default "MetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the CapabilityStatement should support "search-type" on Appointment
