@appointments @1.2.7 @booking @AppointmentCreate @spec:appointments_use_case_book_an_appointment
Feature: Book an appointment
  A consumer books one free slot, or several adjacent slots of one schedule, for a patient: it POSTs a
  GPConnect-Appointment-1 with the patient and location participants, start and end equal to the slots', status
  `booked`, the slot references, `created`, a description of up to 100 characters, an optional comment of up to
  500, and the booking organisation as a contained Organization referenced by the booking organisation
  extension; it never sends `reason`, `specialty` or a cancellation reason. The provider answers 201 with the
  Appointment, its version and a Location header, or 409 DUPLICATE_REJECTED when a slot is no longer free
  (Appointment Management 1.2.7, "Book an appointment").

  @guards:appt-create-200 @guards:appt-wrong-location-header
  @id:appt.book.01
  Scenario Outline: Book an appointment in a free slot
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "<patient>" in a free slot
    When I make the request
    Then the response status code should be "201"
      And the response should be valid against its profiles
      And the appointment should be booked as the request asked
      And the response Location header should name the new appointment version
      And the response ETag should be the weak form of the resource version
      And every resource should carry the interaction's profile and a version
    Examples:
      | patient  |
      | patient1 |
      | patient2 |
      | patient3 |

  @id:appt.book.02
  Scenario: A booked appointment carries its slot's delivery channel, practitioner role and types
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
    When I make the request
    Then the response status code should be "201"
      And the response should be valid against its profiles
      And every appointment in the response should carry a delivery channel and a practitioner role
      And every Appointment in the response should carry the text "serviceType[0].text"
      And every appointment in the response should carry the booking organisation it was booked with
      And every Appointment in the response should not carry "reason"
      And every Appointment in the response should not carry "specialty"
      And the appointment should carry no cancellation reason

  @id:appt.book.03
  Scenario: The serviceType and serviceCategory a consumer sends are ignored
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I set the appointment "serviceType" to the JSON '[{"text":"Sent by the consumer"}]'
      And I set the appointment "serviceCategory" to the JSON '{"text":"Sent by the consumer"}'
    When I make the request
    Then the response status code should be "201"
      And the response should be valid against its profiles
      And the appointment should be booked as the request asked
      And every Appointment in the response should carry the text "serviceType[0].text"

  @id:appt.book.04
  Scenario: Book an appointment with a description and a comment
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient2" in a free slot
      And I set the appointment "description" to "Review of asthma medication"
      And I set the appointment "comment" to "Patient prefers a morning call back"
    When I make the request
    Then the response status code should be "201"
      And the response should be valid against its profiles
      And the appointment should be booked as the request asked
      And the resource element "description" should be "Review of asthma medication"
      And the resource element "comment" should be "Patient prefers a morning call back"

  @id:appt.book.05
  Scenario: Book an appointment without a comment
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient2" in a free slot
    When I make the request
    Then the response status code should be "201"
      And the response should be valid against its profiles
      And the appointment should be booked as the request asked
      And the resource element "comment" should be absent

  @id:appt.book.06
  Scenario Outline: A description of 100 and a comment of 500 characters are stored whole
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient3" in a free slot
      And I set the appointment "<element>" to a text of <length> characters
    When I make the request
    Then the response status code should be "201"
      And the response should be valid against its profiles
      And the appointment should be booked as the request asked
    Examples:
      | element     | length |
      | description | 100    |
      | comment     | 500    |

  @guards:appt-text-length-unchecked
  @id:appt.book.07
  Scenario Outline: A description over 100 or a comment over 500 characters is refused
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient3" in a free slot
      And I set the appointment "<element>" to a text of <length> characters
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | element     | length |
      | description | 101    |
      | comment     | 501    |
      | comment     | 2000   |

  @id:appt.book.08
  Scenario: Book an appointment without a practitioner participant
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I remove the Practitioner participant from the appointment
    When I make the request
    Then the response status code should be "201"
      And the response should be valid against its profiles
      And the appointment should be booked as the request asked

  @id:appt.book.09
  Scenario: Book an appointment for a booking organisation without an organisation type
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I remove the booking organisation's "type"
    When I make the request
    Then the response status code should be "201"
      And the response should be valid against its profiles
      And the appointment should be booked as the request asked
      And every appointment in the response should carry the booking organisation it was booked with

  @id:appt.book.10
  Scenario: Book an appointment in two adjacent slots of one schedule
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient2" in two adjacent free slots
    When I make the request
    Then the response status code should be "201"
      And the response should be valid against its profiles
      And the appointment should be booked as the request asked

  @guards:appt-non-adjacent-slots
  @id:appt.book.11
  Scenario: Slots that are not adjacent cannot be booked as one appointment
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient2" in two free slots that are not adjacent
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @guards:appt-start-end-unchecked
  @id:appt.book.12
  Scenario Outline: A start or end that differs from the slot's is refused
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I move the appointment "<element>" <minutes> minutes later
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | element | minutes |
      | start   | 5       |
      | end     | 5       |
      | start   | -60     |

  @past-slots
  @guards:appt-past-bookable
  @id:appt.book.13
  Scenario: A slot that has already started cannot be booked
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot that has already started
    When I make the request
    Then the response status code should indicate failure
      And the response should be valid against its profiles
      And the response should be a GP Connect OperationOutcome

  @guards:appt-double-booking
  @id:appt.book.14
  Scenario: A slot that is already booked is a duplicate
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient2" in the booked appointment's slot
    When I make the request
    Then the response status code should be "409"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "DUPLICATE_REJECTED"

  @id:appt.book.15
  Scenario Outline: An appointment without a mandatory element is an invalid resource
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I remove the appointment "<element>"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | element     | guards                |
      | start       |                       |
      | end         |                       |
      | status      |                       |
      | slot        |                       |
      | participant |                       |
      | created     | appt-created-optional |
      | description |                       |
      | meta        |                       |
      | contained   |                       |

  @id:appt.book.16
  Scenario Outline: An appointment without its patient or location participant is an invalid resource
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I remove the <participant> participant from the appointment
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | participant |
      | Patient     |
      | Location    |

  @id:appt.book.17
  Scenario: An appointment with no participants at all is an invalid resource
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I remove the Patient participant from the appointment
      And I remove the Location participant from the appointment
      And I remove the Practitioner participant from the appointment
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @id:appt.book.18
  Scenario: Participants without a status are an invalid resource
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I remove the status of every participant
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @id:appt.book.19
  Scenario: An identifier without a value is an invalid resource
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I set the appointment "identifier" to the JSON '[{"system":"https://consumersupplier.com/Id/appointment"}]'
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @id:appt.book.20
  Scenario Outline: An appointment carrying an element a booking must not send is an invalid resource
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I set the appointment "<element>" to the JSON '<json>'
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | element   | json                                                                  | guards               |
      | reason    | [{"text":"Chest pain"}]                                               | appt-reason-accepted |
      | specialty | [{"coding":[{"system":"http://snomed.info/sct","code":"394814009"}]}] |                      |
      | typeCode  | {"text":"unknown element"}                                            |                      |
      | status    | "proposed"                                                            |                      |
      | status    | "cancelled"                                                           |                      |

  @id:appt.book.21
  Scenario: A new appointment carrying a cancellation reason is an invalid resource
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I set the appointment cancellation reason to "Not needed"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @id:appt.book.22
  Scenario Outline: A slot reference that is not a relative reference to a slot is an invalid resource
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I set the appointment "slot" to the JSON '[{"reference":"<reference>"}]'
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | reference                                                                    | guards                        |
      | Slot/45555g55555                                                             |                               |
      | Slot/45555555##                                                              |                               |
      | Slot/hello                                                                   | appt-slot-reference-unchecked |
      | https://test1.supplier.thirdparty.nhs.uk/A11111/STU3/1/GPConnect/Slot/#12345 |                               |

  @id:appt.book.23
  Scenario Outline: A participant the provider does not hold is a reference not found
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I remove the <kind> participant from the appointment
      And I add a participant referencing "<kind>/999999999"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "REFERENCE_NOT_FOUND"
    Examples:
      | kind     | guards                            |
      | Patient  | appt-unknown-participant-accepted |
      | Location |                                   |

  @guards:appt-booking-org-unchecked
  @id:appt.book.24
  Scenario Outline: A booking organisation that is incomplete or not contained is an invalid resource
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I remove the booking organisation's "<element>"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | element    |
      | name       |
      | telecom    |
      | identifier |

  @id:appt.book.25
  Scenario Outline: A booking organisation reference that does not point to the contained Organization is an invalid resource
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I set the booking organisation reference to "<reference>"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | reference                                                                     |
      | https://test1.supplier.thirdparty.nhs.uk/A11111/STU3/1/GPConnect/Organization/1 |
      | #2                                                                            |

  @id:appt.book.26
  Scenario: An appointment without the booking organisation extension is an invalid resource
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I remove the booking organisation extension
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @id:appt.book.27
  Scenario: A body that is not an Appointment is an invalid resource
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I send the appointment as a Patient resource
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @id:appt.book.28
  Scenario Outline: Book an appointment answering in the format Accept and _format ask for
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I set the "Accept" header to "<accept>"
      And I add the query parameter "_format" with value "<_format>"
    When I make the request
    Then the response status code should be "201"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the appointment should be booked as the request asked
      And every appointment in the response should carry the booking organisation it was booked with
    Examples:
      | accept                | _format               | format |
      | application/fhir+json | application/fhir+json | JSON   |
      | application/fhir+json | application/fhir+xml  | XML    |
      | application/fhir+xml  | application/fhir+json | JSON   |
      | application/fhir+xml  | application/fhir+xml  | XML    |

  @id:appt.book.29
  Scenario Outline: Book an appointment sent as JSON or XML answering in the _format asked for
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient2" in a free slot
      And I send the request body as <body>
      And I add the query parameter "_format" with value "<_format>"
    When I make the request
    Then the response status code should be "201"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the appointment should be booked as the request asked
    Examples:
      | body      | _format               | format |
      | FHIR JSON | application/fhir+json | JSON   |
      | FHIR JSON | application/fhir+xml  | XML    |
      | FHIR XML  | application/fhir+json | JSON   |
      | FHIR XML  | application/fhir+xml  | XML    |

  @id:appt.book.30
  Scenario Outline: Book an appointment answering in the format the Accept header asks for
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient3" in a free slot
      And I set the "Accept" header to "<accept>"
    When I make the request
    Then the response status code should be "201"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the appointment should be booked as the request asked
    Examples:
      | accept                | format |
      | application/fhir+json | JSON   |
      | application/fhir+xml  | XML    |

  @id:appt.book.31
  Scenario: A booking with Prefer return=representation answers the appointment
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I set the "Prefer" header to "return=representation"
    When I make the request
    Then the response status code should be "201"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the appointment should be booked as the request asked

  @guards:appt-prefer-ignored
  @id:appt.book.32
  Scenario: A booking with Prefer return=minimal answers no body
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I set the "Prefer" header to "return=minimal"
    When I make the request
    Then the response status code should be "201"
      And the response body should be empty
      And the response Location header should name an appointment

  @id:appt.book.33
  Scenario: Every participant of a booked appointment resolves at the provider
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
    When I make the request
    Then the response status code should be "201"
      And the response should be valid against its profiles
      And every participant of every appointment in the response should resolve at the provider

  @id:appt.book.34
  Scenario: A successful booking says Cache-Control no-store
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
    When I make the request
    Then the response status code should be "201"
      And the response should be valid against its profiles
      And the response should not be cacheable

  @id:appt.book.35
  Scenario: A refused booking says Cache-Control no-store
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I remove the appointment "slot"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
      And the response should not be cacheable

  @id:appt.book.36
  Scenario Outline: A booking without a mandatory header is a bad request
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
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

  @id:appt.book.37
  Scenario: A booking with another interaction's ID is a bad request
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I set the Ssp-InteractionID header for the "RegisterPatient" interaction
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @id:appt.book.38
  Scenario Outline: A booking with a token for another scope is a bad request
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
      And I set the JWT claim "requested_scope" to "<scope>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | scope               |
      | patient/*.read      |
      | organization/*.read |

  @id:appt.book.39
  Scenario: The CapabilityStatement declares booking an appointment
    Given I configure the default "MetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the CapabilityStatement should support "create" on Appointment

  @guards:appt-booking-race
  @id:appt.book.40
  Scenario: Twenty concurrent bookings of one slot book it once and refuse the rest as duplicates
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
    When I make the request 20 times at once
    Then exactly 1 of the responses should have status code "201"
      And the response should be valid against its profiles
      And the appointment should be booked as the request asked
      And every other response should have status code "409" and error code "DUPLICATE_REJECTED"
