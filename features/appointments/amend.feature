@appointments @1.2.7 @appointment @AppointmentAmend @spec:appointments_use_case_amend_an_appointment
Feature: Amend an appointment
  A consumer reads an appointment, changes its `description` (up to 100 characters) or `comment` (up to 500)
  and PUTs it back with `If-Match` naming the version it read. Nothing else may change, a cancelled appointment
  may not be amended, and a version that is not current is a conflict. The provider answers the amended
  Appointment with a new version (Appointment Management 1.2.7, "Amend an appointment").

  @guards:appt-etag-not-advanced
  @id:appt.amend.01
  Scenario Outline: Amend the description of an appointment
    Given I have booked an appointment for patient "<patient>"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "description" to "Amended description"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the appointment should be the booked appointment with a new version and the changed "description"
      And the resource element "description" should be "Amended description"
      And the response ETag should be the weak form of the resource version
      And every appointment in the response should start in the future
    Examples:
      | patient  |
      | patient1 |
      | patient2 |
      | patient3 |

  @id:appt.amend.02
  Scenario: Amend the comment of an appointment
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "comment" to "Amended comment"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the appointment should be the booked appointment with a new version and the changed "comment"
      And the resource element "comment" should be "Amended comment"

  @id:appt.amend.03
  Scenario: Amend the description and the comment together
    Given I have booked an appointment for patient "patient2"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "description" to "Changed description"
      And I set the appointment "comment" to "Changed comment"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the appointment should be the booked appointment with a new version and the changed "description, comment"
      And the resource element "description" should be "Changed description"
      And the resource element "comment" should be "Changed comment"
      And every appointment in the response should carry a delivery channel and a practitioner role
      And every appointment in the response should carry the booking organisation it was booked with

  @id:appt.amend.04
  Scenario: An amendment without serviceType and serviceCategory is accepted
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "description" to "Changed without service types"
      And I remove the appointment "serviceType"
      And I remove the appointment "serviceCategory"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the appointment should be the booked appointment with a new version and the changed "description"
      And every Appointment in the response should carry the text "serviceType[0].text"

  @id:appt.amend.05
  Scenario Outline: A description of 100 and a comment of 500 characters are amended whole
    Given I have booked an appointment for patient "patient3"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "<element>" to a text of <length> characters
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the appointment should be the booked appointment with a new version and the changed "<element>"
    Examples:
      | element     | length |
      | description | 100    |
      | comment     | 500    |

  @id:appt.amend.06
  Scenario Outline: An amended description over 100 or comment over 500 characters is refused
    Given I have booked an appointment for patient "patient3"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "<element>" to a text of <length> characters
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | element     | length |
      | description | 101    |
      | comment     | 501    |

  @id:appt.amend.07
  Scenario Outline: Amending an element other than description and comment is an invalid resource
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "<element>" to the JSON '<json>'
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | element              | json                                                                                       | guards                     |
      | priority             | 1                                                                                          | appt-amend-forbidden-field |
      | minutesDuration      | 45                                                                                         | appt-amend-forbidden-field |
      | created              | "2019-01-01T09:00:00+00:00"                                                                | appt-amend-forbidden-field |
      | slot                 | [{"reference":"Slot/999999"}]                                                              | appt-amend-forbidden-field |
      | status               | "cancelled"                                                                                |                            |
      | contained[0].name    | "Renamed booking organisation"                                                             | appt-amend-forbidden-field |
      | participant[0].actor | {"reference":"https://test1.supplier.thirdparty.nhs.uk/A11111/STU3/1/GPConnect/Patient/2"} |                            |
      | identifier           | [{"system":"https://consumersupplier.com/Id/appointment","value":"amended"}]               | appt-amend-forbidden-field |

  @id:appt.amend.08
  Scenario Outline: Moving an appointment by amending it is an invalid resource
    Given I have booked an appointment for patient "patient2"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I move the appointment "<element>" 30 minutes later
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | element |
      | start   |
      | end     |

  @id:appt.amend.09
  Scenario: Adding a participant by amending is an invalid resource
    Given I have booked an appointment for patient "patient2"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I add a participant referencing "Practitioner/2"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @id:appt.amend.10
  Scenario: An amendment carrying a cancellation reason is an invalid resource
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment cancellation reason to "double booked"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @id:appt.amend.11
  Scenario: An amendment with an absolute booking organisation reference is an invalid resource
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the booking organisation reference to "https://test1.supplier.thirdparty.nhs.uk/A11111/STU3/1/GPConnect/Organization/1"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @guards:appt-cancelled-amendable
  @id:appt.amend.12
  Scenario: A cancelled appointment cannot be amended
    Given I have booked an appointment for patient "patient2"
      And I have cancelled the booked appointment with the reason "double booked"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "comment" to "Amended after cancelling"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @guards:appt-if-match-ignored
  @id:appt.amend.13
  Scenario: An amendment naming a version that is no longer current is a conflict
    Given I have booked an appointment for patient "patient3"
      And I have amended the booked appointment's description to "First amendment"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the "If-Match" header to "{stored:previous_etag}"
      And I set the appointment "description" to "Second amendment from a stale copy"
    When I make the request
    Then the response status code should be "409"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "FHIR_CONSTRAINT_VIOLATION"

  @id:appt.amend.14
  Scenario: An amendment with an If-Match that is not a version is a conflict
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the "If-Match" header to "invalidEtag"
      And I set the appointment "comment" to "customComment"
    When I make the request
    Then the response status code should be "409"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "FHIR_CONSTRAINT_VIOLATION"

  @id:appt.amend.15
  Scenario: An amendment without If-Match is a conflict
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I remove the "If-Match" header
      And I set the appointment "comment" to "customComment"
    When I make the request
    Then the response status code should be "409"
      And the response should be valid against its profiles
      And the response should be a GP Connect OperationOutcome

  @id:appt.amend.16
  Scenario: An amendment naming the current version succeeds twice in a row
    Given I have booked an appointment for patient "patient2"
      And I have amended the booked appointment's description to "First amendment"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "description" to "Second amendment"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the appointment should be the booked appointment with a new version and the changed "description"

  @id:appt.amend.17
  Scenario Outline: Amending an unknown appointment id is not found
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the request id to "<id>"
      And I set the appointment "id" to "<id>"
    When I make the request
    Then the response status code should be "404"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "NO_RECORD_FOUND"
    Examples:
      | id         |
      | 8888888888 |

  @id:appt.amend.18
  Scenario: An amendment whose body is not an Appointment is an invalid resource
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I send the appointment as a Patient resource
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"

  @id:appt.amend.19
  Scenario Outline: Amend an appointment answering in the format the _format parameter asks for
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "description" to "Amended for _format"
      And I add the query parameter "_format" with value "<_format>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the resource element "description" should be "Amended for _format"
    Examples:
      | _format               | format |
      | application/fhir+json | JSON   |
      | application/fhir+xml  | XML    |

  @id:appt.amend.20
  Scenario Outline: Amend an appointment answering in the format the Accept header asks for
    Given I have booked an appointment for patient "patient2"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "description" to "Amended for Accept"
      And I set the "Accept" header to "<accept>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the resource element "description" should be "Amended for Accept"
    Examples:
      | accept                | format |
      | application/fhir+json | JSON   |
      | application/fhir+xml  | XML    |

  @id:appt.amend.21
  Scenario Outline: Amend an appointment sent as JSON or XML answering in the format Accept and _format ask for
    Given I have booked an appointment for patient "patient3"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "comment" to "Amended in another format"
      And I send the request body as <body>
      And I set the "Accept" header to "<accept>"
      And I add the query parameter "_format" with value "<_format>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the appointment should be the booked appointment with a new version and the changed "comment"
    Examples:
      | body      | accept                | _format               | format |
      | FHIR JSON | application/fhir+json | application/fhir+json | JSON   |
      | FHIR JSON | application/fhir+json | application/fhir+xml  | XML    |
      | FHIR XML  | application/fhir+xml  | application/fhir+json | JSON   |
      | FHIR XML  | application/fhir+xml  | application/fhir+xml  | XML    |

  @id:appt.amend.22
  Scenario: An amendment with Prefer return=representation answers the appointment
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "comment" to "customComment"
      And I set the "Prefer" header to "return=representation"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the resource element "comment" should be "customComment"

  @id:appt.amend.23
  Scenario: An amendment with Prefer return=minimal answers no body
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "comment" to "customComment"
      And I set the "Prefer" header to "return=minimal"
    When I make the request
    Then the response status code should be "200"
      And the response body should be empty

  @id:appt.amend.24
  Scenario: Another organisation may amend an appointment
    Given I have booked an appointment for patient "patient3"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "description" to "Amended by another organisation"
      And I set the JWT requesting organisation to organisation "ORG2"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the appointment should be the booked appointment with a new version and the changed "description"
      And every appointment in the response should carry the booking organisation it was booked with

  @id:appt.amend.25
  Scenario: A successful amendment says Cache-Control no-store
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "description" to "Amended"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should not be cacheable

  @id:appt.amend.26
  Scenario: A refused amendment says Cache-Control no-store
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "priority" to the JSON "1"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
      And the response should not be cacheable

  @id:appt.amend.27
  Scenario Outline: An amendment without a mandatory header is a bad request
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "description" to "Amended"
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

  @id:appt.amend.28
  Scenario: An amendment with another interaction's ID is a bad request
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "description" to "Amended"
      And I set the Ssp-InteractionID header for the "PatientRead" interaction
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @id:appt.amend.29
  Scenario Outline: An amendment with a token for another scope is a bad request
    Given I have booked an appointment for patient "patient1"
      And I configure the default "AppointmentAmend" request
      And I prepare the booked appointment as the request
      And I set the appointment "description" to "Amended"
      And I set the JWT claim "requested_scope" to "<scope>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | scope               |
      | patient/*.read      |
      | organization/*.read |

  @id:appt.amend.30
  Scenario: The CapabilityStatement declares updating an appointment
    Given I configure the default "MetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the CapabilityStatement should support "update" on Appointment
