@appointments @1.2.7 @appointment @AppointmentRead @spec:appointments_use_case_read_an_appointment
Feature: Read an appointment
  A consumer reads a future appointment by its logical id. The provider answers the GPConnect-Appointment-1 with
  its version and weak ETag, whichever organisation in the data-sharing agreement asks; an unknown id is not
  found (Appointment Management 1.2.7, "Read an appointment").

  @id:appt.read.01
  Scenario Outline: Read a booked appointment
    Given I have booked an appointment for patient "<patient>"
      And I configure the default "AppointmentRead" request
      And I target the booked appointment
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the appointment should be the booked appointment
      And the appointment status should be "booked"
      And every appointment in the response should start in the future
      And every resource should carry the interaction's profile and a version
    Examples:
      | patient  |
      | patient1 |
      | patient2 |
      | patient3 |

  @id:appt.read.02
  Scenario: A read appointment carries its weak ETag and is not cacheable
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentRead" request
      And I target the booked appointment
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response ETag should be the weak form of the resource version
      And the response should not be cacheable

  @id:appt.read.03
  Scenario: A read appointment carries its delivery channel, practitioner role, types and booking organisation
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentRead" request
      And I target the booked appointment
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every appointment in the response should carry a delivery channel and a practitioner role
      And every Appointment in the response should carry the text "serviceType[0].text"
      And at least one Appointment in the response should carry the text "serviceCategory.text"
      And every appointment in the response should carry the booking organisation it was booked with
      And every Appointment in the response should not carry "reason"
      And every Appointment in the response should not carry "specialty"

  @id:appt.read.04
  Scenario: Every participant of a read appointment resolves at the provider
    Given I have booked an appointment for patient "patient2"
      And I configure the default "AppointmentRead" request
      And I target the booked appointment
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every participant of every appointment in the response should resolve at the provider

  @id:appt.read.05
  Scenario Outline: Another organisation may read an appointment
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentRead" request
      And I target the booked appointment
      And I set the JWT requesting organisation to organisation "<organisation>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the appointment should be the booked appointment
      And every appointment in the response should carry the booking organisation it was booked with
    Examples:
      | organisation |
      | ORG1         |
      | ORG3         |

  @id:appt.read.06
  Scenario Outline: Read an unknown appointment id is not found
    Given I configure the default "AppointmentRead" request
      And I set the request id to "<id>"
    When I make the request
    Then the response status code should be "404"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "NO_RECORD_FOUND"
      And the response should not be cacheable
    Examples:
      | id          |
      | Invalid4321 |
      | 8888888888  |
      | 555555      |

  @past-appointment
  @guards:appt-read-past-allowed
  @id:appt.read.07
  Scenario: Reading an appointment that started before today is refused
    Given I configure the default "AppointmentRead" request
      And I set the request id to "{appt:pastAppointment}"
    When I make the request
    Then the response status code should indicate failure
      And the response should be valid against its profiles
      And the response should be a GP Connect OperationOutcome

  @id:appt.read.08
  Scenario: Read an amended appointment returns the amendment and its new version
    Given I have booked an appointment for patient "patient2"
      And I have amended the booked appointment's description to "Amended before reading"
      And I configure the default "AppointmentRead" request
      And I target the booked appointment
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the appointment should be the booked appointment
      And the resource element "description" should be "Amended before reading"

  @id:appt.read.09
  Scenario: Read a cancelled appointment returns it cancelled with its reason
    Given I have booked an appointment for patient "patient3"
      And I have cancelled the booked appointment with the reason "Patient recovered"
      And I configure the default "AppointmentRead" request
      And I target the booked appointment
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the appointment status should be "cancelled"
      And the appointment cancellation reason should be "Patient recovered"

  @id:appt.read.10
  Scenario Outline: Read an appointment answering in the format the _format parameter asks for
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentRead" request
      And I target the booked appointment
      And I add the query parameter "_format" with value "<_format>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the appointment should be the booked appointment
    Examples:
      | _format               | format |
      | application/fhir+json | JSON   |
      | application/fhir+xml  | XML    |

  @id:appt.read.11
  Scenario Outline: Read an appointment answering in the format Accept and _format ask for
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentRead" request
      And I target the booked appointment
      And I set the "Accept" header to "<accept>"
      And I add the query parameter "_format" with value "<_format>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the appointment should be the booked appointment
    Examples:
      | accept                | _format               | format |
      | application/fhir+json | application/fhir+json | JSON   |
      | application/fhir+json | application/fhir+xml  | XML    |
      | application/fhir+xml  | application/fhir+json | JSON   |
      | application/fhir+xml  | application/fhir+xml  | XML    |

  @id:appt.read.12
  Scenario Outline: Read an appointment answering in the format the Accept header asks for
    Given I have booked an appointment for patient "patient2"
      And I configure the default "AppointmentRead" request
      And I target the booked appointment
      And I set the "Accept" header to "<accept>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the appointment should be the booked appointment
      And every appointment in the response should carry the booking organisation it was booked with
    Examples:
      | accept                | format |
      | application/fhir+json | JSON   |
      | application/fhir+xml  | XML    |

  @id:appt.read.13
  Scenario Outline: A read without a mandatory header is a bad request
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentRead" request
      And I target the booked appointment
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

  @id:appt.read.14
  Scenario: A read with another interaction's ID is a bad request
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentRead" request
      And I target the booked appointment
      And I set the Ssp-InteractionID header for the "PatientRead" interaction
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @id:appt.read.15
  Scenario Outline: A read with a token for another scope is a bad request
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentRead" request
      And I target the booked appointment
      And I set the JWT claim "requested_scope" to "<scope>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | scope               |
      | organization/*.read |
      | patient/*.write     |

  @id:appt.read.16
  Scenario: The CapabilityStatement declares reading an appointment
    Given I configure the default "MetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the CapabilityStatement should support "read" on Appointment
