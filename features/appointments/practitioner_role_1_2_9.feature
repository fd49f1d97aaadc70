@appointments @1.2.9 @practitioner-role @spec:overview_release_notes_1_2_9
Feature: Practitioner roles of slots and appointments (1.2.9)
  Appointment Management 1.2.9 widens the practitioner role of a Schedule and an Appointment
  (Extension-GPConnect-PractitionerRole-1) from the 20 roles of GPConnect-PractitionerRole-1 to any of the SDS
  job role names (https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-SDSJobRoleName-1), coded with the code
  system's display (GP Connect 1.2.9 release notes, "practitioner role and Appointment").

  @SearchForFreeSlots
  @id:appt.role-129.01
  Scenario: Every Schedule offered carries a practitioner role from the SDS job role names
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 14 days that holds a free slot
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every Schedule in the response should carry a practitioner role from the SDS job role names

  @AppointmentCreate
  @id:appt.role-129.02
  Scenario: A booked appointment carries a practitioner role from the SDS job role names
    Given I configure the default "AppointmentCreate" request
      And I prepare an appointment for patient "patient1" in a free slot
    When I make the request
    Then the response status code should be "201"
      And the response should be valid against its profiles
      And every Appointment in the response should carry a practitioner role from the SDS job role names

  @AppointmentRead
  @id:appt.role-129.03
  Scenario: A read appointment carries a practitioner role from the SDS job role names
    Given I have booked an appointment for patient "patient2"
      And I configure the default "AppointmentRead" request
      And I target the booked appointment
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every Appointment in the response should carry a practitioner role from the SDS job role names

  @AppointmentSearch
  @id:appt.role-129.04
  Scenario: Retrieved appointments carry a practitioner role from the SDS job role names
    Given I have booked an appointment for patient "patient3"
      And I configure the default "AppointmentSearch" request
      And I set the request id to "{stored:patient}"
      And I add the query parameter "start" with value "ge{date:+0}"
      And I add the query parameter "start" with value "le{date:+14}"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every Appointment in the response should carry a practitioner role from the SDS job role names
