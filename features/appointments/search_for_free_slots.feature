@appointments @1.2.7 @slots @SearchForFreeSlots @spec:appointments_use_case_search_for_free_slots
Feature: Search for free slots
  A consumer searches a practice's free slots: `start` once with the `ge` prefix, `end` once with the `le`
  prefix (a full date or a dateTime with its UK offset, never a partial date), `status=free` and
  `_include=Slot:schedule`, optionally the Schedules' Practitioners and Locations and the Locations' managing
  Organization, and `searchFilter`s naming the consumer organisation's ODS code and type. The period may not
  exceed 14 days. The provider answers a searchset of free slots wholly inside the period with their Schedules
  (Appointment Management 1.2.7, "Search for free slots").

  @id:appt.slots.01
  Scenario Outline: A search over a period of up to 14 days returns the free slots inside it
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of <days> days that holds a free slot
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And every slot in the response should be free and inside the searched period
      And every slot in the response should reference a Schedule in the response
      And every resource should carry the interaction's profile and a version
    Examples:
      | days |
      | 1    |
      | 3    |
      | 8    |
      | 13   |
      | 14   |

  @id:appt.slots.02
  Scenario: A search for a single day finds only free slots of that day
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 0 days that holds a free slot
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And every slot in the response should be free and inside the searched period

  @guards:appt-slots-outside-window
  @id:appt.slots.03
  Scenario: A search starting inside a slot does not offer that slot
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots from one minute after a free slot starts
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every slot in the response should be free and inside the searched period

  @id:appt.slots.04
  Scenario: A search over 14 days finds free slots at the practice
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 14 days that holds a free slot
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response bundle should contain at least 1 Slot resource
      And the response bundle should contain at least 1 Schedule resource
      And the response bundle should contain at least 1 Organization resource

  @id:appt.slots.05
  Scenario Outline: A period longer than 14 days or ending before it starts is an invalid parameter
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over the next 3 days
      And I replace the query parameter "start" with the value "<start>"
      And I replace the query parameter "end" with the value "<end>"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | start                               | end                                  |
      | ge{date:+0}                         | le{date:+15}                         |
      | ge{date:+0}                         | le{date:+31}                         |
      | ge{date:+0}                         | le{date:-1}                          |
      | ge{date:+5}                         | le{date:+2}                          |
      | ge{date:+0 yyyy-MM-ddTHH:mm:sszzz}  | le{date:+15 yyyy-MM-ddTHH:mm:sszzz}  |

  @guards:appt-no-range-limit
  @id:appt.slots.06
  Scenario: A period longer than 14 days is refused with Cache-Control no-store
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over the next 30 days
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
      And the response should not be cacheable

  @id:appt.slots.07
  Scenario Outline: A search without a mandatory parameter is a bad request
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over the next 3 days
      And I remove the query parameters "<parameters>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | parameters | guards                         |
      | start,end  |                                |
      | start      |                                |
      | end        |                                |
      | status     |                                |
      | _include   | appt-schedule-include-optional |

  @id:appt.slots.08
  Scenario: The ge and le prefixes are accepted beside searchFilters the provider does not know
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 3 days that holds a free slot
      And I add the query parameter "searchFilter" with value "https://consumersupplier.com/Id/filter|one"
      And I add a searchFilter for the consumer organisation's ODS code
      And I add a searchFilter for the organisation type "gp-practice"
      And I add the query parameter "searchFilter" with value "https://consumersupplier.com/Id/filter|two"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And every slot in the response should be free and inside the searched period

  @guards:appt-wrong-prefix-accepted
  @id:appt.slots.09
  Scenario Outline: A start or end with a prefix other than ge and le is an invalid parameter
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over the next 3 days
      And I replace the query parameter "start" with the value "<start>{date:+0}"
      And I replace the query parameter "end" with the value "<end>{date:+3}"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | start | end |
      | lt    | gt  |
      | gt    | gt  |
      | lt    | lt  |
      | le    | ge  |
      | eq    | eq  |
      | gt    | lt  |
      | ne    | ne  |
      | gt    | ne  |
      | ne    | lt  |
      | ge    | ne  |
      | ne    | le  |
      | sa    | eb  |
      | ge    | ap  |
      | ge    | ge  |
      | le    | le  |

  @id:appt.slots.10
  Scenario Outline: A start or end without any prefix is an invalid parameter
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over the next 3 days
      And I replace the query parameter "<parameter>" with the value "<value>"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | parameter | value      |
      | start     | {date:+0}  |
      | end       | {date:+3}  |

  @id:appt.slots.11
  Scenario Outline: A parameter with an invalid value is an invalid parameter
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over the next 3 days
      And I replace the query parameter "<parameter>" with the value "<value>"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | parameter | value            | guards                  |
      | start     | invalidStartDate |                         |
      | start     |                  |                         |
      | end       | invalidEndDate   |                         |
      | end       |                  |                         |
      | start     | ge2099-13-01     |                         |
      | end       | le2099-02-30     |                         |
      | status    | busy             | appt-status-not-checked |
      | status    | busy-tentative   |                         |

  @id:appt.slots.12
  Scenario Outline: Full dates and dateTimes with an offset are accepted in any combination
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over the next 3 days
      And I replace the query parameter "start" with the value "ge{date:+0 <start>}"
      And I replace the query parameter "end" with the value "le{date:+3 <end>}"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And every slot in the response should be free and inside the searched period
    Examples:
      | start                  | end                    |
      | yyyy-MM-dd             | yyyy-MM-dd             |
      | yyyy-MM-ddTHH:mm:sszzz | yyyy-MM-ddTHH:mm:sszzz |
      | yyyy-MM-ddTHH:mm:sszzz | yyyy-MM-dd             |
      | yyyy-MM-dd             | yyyy-MM-ddTHH:mm:sszzz |

  @id:appt.slots.13
  Scenario Outline: Partial dates and dateTimes without a UK offset are invalid parameters
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over the next 3 days
      And I replace the query parameter "start" with the value "ge{date:+0 <start>}"
      And I replace the query parameter "end" with the value "le{date:+3 <end>}"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | start                | end                  | guards                     |
      | yyyy-MM-ddTHH:mm:ss  | yyyy-MM-ddTHH:mm:ss  | appt-partial-date-accepted |
      | yyyy-MM-ddTHH:mm:ssZ | yyyy-MM-ddTHH:mm:ss  | appt-partial-date-accepted |
      | yyyy-MM-ddTHH:mm:ss  | yyyy-MM-ddTHH:mm:ssZ | appt-partial-date-accepted |
      | yyyy-MM-ddTHH:mm:ssZ | yyyy-MM-ddTHH:mm:ssZ | appt-partial-date-accepted |
      | yyyy                 | yyyy-MM              |                            |
      | yyyy-MM              | yyyy                 |                            |
      | yyyy-MM-dd           | yyyy-MM              |                            |

  @id:appt.slots.14
  Scenario: Slots carry their profile, a version and an id, and are free
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 3 days that holds a free slot
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every resource should carry the interaction's profile and a version
      And every slot in the response should be free and inside the searched period

  @guards:appt-slot-not-categorised
  @id:appt.slots.15
  Scenario: Every slot has a delivery channel and every Schedule a practitioner role
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 14 days that holds a free slot
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every slot in the response should carry a delivery channel
      And every Schedule in the response should carry a practitioner role from GPConnect-PractitionerRole-1

  @guards:appt-slot-times-utc
  @id:appt.slots.16
  Scenario: Slot and Schedule times are UK local time with their offset
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 14 days that holds a free slot
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every slot and Schedule time in the response should be UK local time with its offset

  @id:appt.slots.17
  Scenario: Slots carry the practice's slot type and a Schedule its session name
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 2 days that holds a free slot
      And I add the query parameter "_include:recurse" with value "Schedule:actor:Location"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And every Slot in the response should carry the text "serviceType[0].text"
      And at least one Schedule in the response should carry the text "serviceCategory.text"

  @id:appt.slots.18
  Scenario Outline: Search for free slots answers in the format the Accept header asks for
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 3 days that holds a free slot
      And I set the "Content-Type" header to "<content type>"
      And I set the "Accept" header to "<accept>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the response should be a Bundle resource of type "searchset"
      And every slot in the response should reference a Schedule in the response
    Examples:
      | content type          | accept                | format |
      | application/fhir+xml  | application/fhir+xml  | XML    |
      | application/fhir+json | application/fhir+json | JSON   |
      | application/fhir+xml  | application/fhir+json | JSON   |
      | application/fhir+json | application/fhir+xml  | XML    |

  @id:appt.slots.19
  Scenario Outline: Search for free slots answers in the format the _format parameter asks for
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 3 days that holds a free slot
      And I set the "Content-Type" header to "<content type>"
      And I add the query parameter "_format" with value "<_format>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the response should be a Bundle resource of type "searchset"
      And every slot in the response should reference a Schedule in the response
    Examples:
      | content type          | _format               | format |
      | application/fhir+xml  | application/fhir+xml  | XML    |
      | application/fhir+json | application/fhir+json | JSON   |
      | application/fhir+xml  | application/fhir+json | JSON   |
      | application/fhir+json | application/fhir+xml  | XML    |

  @id:appt.slots.20
  Scenario Outline: Search for free slots lets the _format parameter override the Accept header
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 3 days that holds a free slot
      And I set the "Content-Type" header to "<content type>"
      And I set the "Accept" header to "<accept>"
      And I add the query parameter "_format" with value "<_format>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the response should be a Bundle resource of type "searchset"
      And every slot in the response should reference a Schedule in the response
    Examples:
      | content type          | accept                | _format               | format |
      | application/fhir+xml  | application/fhir+xml  | application/fhir+xml  | XML    |
      | application/fhir+json | application/fhir+json | application/fhir+json | JSON   |
      | application/fhir+xml  | application/fhir+json | application/fhir+json | JSON   |
      | application/fhir+json | application/fhir+xml  | application/fhir+xml  | XML    |
      | application/fhir+xml  | application/fhir+json | application/fhir+xml  | XML    |
      | application/fhir+json | application/fhir+xml  | application/fhir+json | JSON   |
      | application/fhir+xml  | application/fhir+xml  | application/fhir+json | JSON   |
      | application/fhir+json | application/fhir+json | application/fhir+xml  | XML    |

  @id:appt.slots.21
  Scenario: Every include returns the Schedules' practitioners and locations and their organisations
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 3 days that holds a free slot
      And I add the query parameter "_include:recurse" with value "Schedule:actor:Practitioner"
      And I add the query parameter "_include:recurse" with value "Schedule:actor:Location"
      And I add the query parameter "_include:recurse" with value "Location:managingOrganization"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every slot in the response should reference a Schedule in the response
      And every Practitioner the Schedules name as actor should be in the response
      And every Location the Schedules name as actor should be in the response
      And every Location in the response should have its managing Organization in the response
      And every resource should carry the interaction's profile and a version

  @guards:appt-include-ignored
  @id:appt.slots.22
  Scenario Outline: Only the actors asked for are included
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 3 days that holds a free slot
      And I add the query parameter "_include:recurse" with value "Schedule:actor:<included>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response bundle should contain at least 1 Slot resource
      And every <included> the Schedules name as actor should be in the response
      And the response bundle should contain no <excluded> resources
    Examples:
      | included     | excluded     |
      | Practitioner | Location     |
      | Location     | Practitioner |

  @guards:appt-search-no-organization
  @id:appt.slots.23
  Scenario: Without includes the response holds slots, Schedules and the managing Organization only
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 3 days that holds a free slot
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response bundle should contain at least 1 Slot resource
      And the response bundle should contain no Practitioner resources
      And the response bundle should contain no Location resources
      And the response bundle should contain at least 1 Organization resource

  @id:appt.slots.24
  Scenario: Included practitioners are valid GP Connect practitioners
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 3 days that holds a free slot
      And I add the query parameter "_include:recurse" with value "Schedule:actor:Practitioner"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response bundle should contain at least 1 Practitioner resource
      And every resource should carry the interaction's profile and a version
      And every Practitioner in the response should not carry "telecom"
      And every Practitioner in the response should not carry "birthDate"

  @id:appt.slots.25
  Scenario: Included locations name their managing organisation
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 3 days that holds a free slot
      And I add the query parameter "_include:recurse" with value "Schedule:actor:Location"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response bundle should contain at least 1 Location resource
      And every Location in the response should have its managing Organization in the response

  @id:appt.slots.26
  Scenario Outline: A search filtered by an organisation type returns free slots
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 7 days that holds a free slot
      And I add a searchFilter for the organisation type "<type>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And every slot in the response should be free and inside the searched period
      And every resource should carry the interaction's profile and a version
    Examples:
      | type        |
      | urgent-care |
      | gp-practice |
      | oncology    |

  @id:appt.slots.27
  Scenario Outline: A search filtered by an ODS code returns free slots
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 7 days that holds a free slot
      And I add a searchFilter for the ODS code "<ods>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And every slot in the response should be free and inside the searched period
      And every resource should carry the interaction's profile and a version
    Examples:
      | ods        |
      | {ods:ORG1} |
      | {ods:ORG2} |
      | {ods:ORG3} |
      | GPCA0001   |

  @id:appt.slots.28
  Scenario Outline: A search filtered by an organisation type and an ODS code returns free slots
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 7 days that holds a free slot
      And I add a searchFilter for the organisation type "<type>"
      And I add a searchFilter for the ODS code "<ods>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And every slot in the response should be free and inside the searched period
      And every resource should carry the interaction's profile and a version
    Examples:
      | type        | ods        |
      | urgent-care | {ods:ORG1} |
      | urgent-care | {ods:ORG2} |
      | urgent-care | {ods:ORG3} |
      | urgent-care | GPCA0001   |
      | gp-practice | {ods:ORG1} |
      | gp-practice | {ods:ORG2} |
      | gp-practice | {ods:ORG3} |
      | gp-practice | GPCA0001   |
      | oncology    | {ods:ORG1} |
      | oncology    | {ods:ORG2} |
      | oncology    | {ods:ORG3} |
      | oncology    | GPCA0001   |

  @slot-restrictions
  @guards:appt-restricted-slots-returned
  @id:appt.slots.29
  Scenario: Slots restricted to an organisation type are offered only to consumers of that type
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over the next 14 days
      And I replace the query parameter "start" with the value "ge{date:+14}"
      And I add a searchFilter for the organisation type "urgent-care"
    When I make the request
    Then the response status code should be "200"
      And I remember the slots in the response
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over the next 14 days
      And I replace the query parameter "start" with the value "ge{date:+14}"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should offer fewer slots than the remembered search

  @guards:appt-booked-slot-still-free
  @id:appt.slots.30
  Scenario: A booked slot is no longer offered as free
    Given I have booked an appointment for patient "patient1"
      And I configure the default "SearchForFreeSlots" request
      And I search for free slots over the next 14 days
      And I add a searchFilter for the consumer organisation's ODS code
      And I add a searchFilter for the organisation type "gp-practice"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should not offer the booked appointment's slot

  @id:appt.slots.31
  Scenario: A successful search says Cache-Control no-store
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over a period of 3 days that holds a free slot
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And the response should not be cacheable

  @id:appt.slots.32
  Scenario Outline: A slot search without a mandatory header is a bad request
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over the next 3 days
      And I remove the "<header>" header
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
      And the response should not be cacheable
    Examples:
      | header            | guards                  |
      | Ssp-TraceID       | accept-missing-trace-id |
      | Ssp-From          | accept-missing-from     |
      | Ssp-To            |                         |
      | Ssp-InteractionID |                         |
      | Authorization     |                         |

  @id:appt.slots.33
  Scenario Outline: A slot search with another interaction's ID is a bad request
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over the next 3 days
      And I set the Ssp-InteractionID header for the "<interaction>" interaction
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | interaction       |
      | AppointmentSearch |
      | PatientSearch     |

  @id:appt.slots.34
  Scenario Outline: A slot search with a token for another scope is a bad request
    Given I configure the default "SearchForFreeSlots" request
      And I search for free slots over the next 3 days
      And I set the JWT claim "requested_scope" to "<scope>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | scope           |
      | patient/*.read  |
      | patient/*.write |

  @id:appt.slots.35
  Scenario: The CapabilityStatement declares search for free slots
    Given I configure the default "MetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the CapabilityStatement should support "search-type" on Slot

  @id:appt.slots.36
  Scenario: The CapabilityStatement declares the managing organisation include
    Given I configure the default "MetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the CapabilityStatement should list the searchInclude "Location:managingOrganization" on Slot
