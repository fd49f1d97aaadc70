@foundations @1.2.7 @fhir @MetadataRead @spec:foundations_use_case_get_the_fhir_capability_statement
Feature: CapabilityStatement
  The Foundations and Appointments server publishes its CapabilityStatement at /metadata
  (Foundations 1.2.7, "Get the FHIR capability statement").

  @id:fdn.capability.01
  Scenario: The CapabilityStatement is returned in JSON
    Given I configure the default "MetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a CapabilityStatement resource
      And the response should not be cacheable

  @id:fdn.capability.02
  Scenario Outline: The CapabilityStatement states the versions and kind the specification requires
    Given I configure the default "MetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the resource element "<element>" should be "<value>"
    Examples:
      | element               | value      | guards                   |
      | version               | 1.2.7      | capability-wrong-version |
      | fhirVersion           | 3.0.1      | capability-wrong-header  |
      | acceptUnknown         | both       |                          |
      | kind                  | capability |                          |
      | status                | active     |                          |
      | rest[0].mode          | server     |                          |
      | rest[0].security.cors | true       |                          |

  @guards:capability-no-software
  @id:fdn.capability.03
  Scenario Outline: The CapabilityStatement populates software details
    Given I configure the default "MetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the resource element "<element>" should be present
    Examples:
      | element              |
      | software.name        |
      | software.version     |
      | software.releaseDate |

  @guards:capability-dstu2-formats
  @id:fdn.capability.04
  Scenario Outline: The CapabilityStatement lists both formats
    Given I configure the default "MetadataRead" request
    When I make the request
    Then the CapabilityStatement should list the format "<format>"
    Examples:
      | format                |
      | application/fhir+json |
      | application/fhir+xml  |

  @guards:capability-no-profiles
  @id:fdn.capability.05
  Scenario Outline: The CapabilityStatement lists every GP Connect profile it serves
    Given I configure the default "MetadataRead" request
    When I make the request
    Then the CapabilityStatement should list the profile "https://fhir.nhs.uk/STU3/StructureDefinition/<profile>"
    Examples:
      | profile                            |
      | CareConnect-GPC-Patient-1          |
      | CareConnect-GPC-Organization-1     |
      | CareConnect-GPC-Practitioner-1     |
      | CareConnect-GPC-PractitionerRole-1 |
      | CareConnect-GPC-Location-1         |
      | GPConnect-OperationOutcome-1       |
      | GPConnect-Appointment-1            |
      | GPConnect-Schedule-1               |
      | GPConnect-Slot-1                   |

  @id:fdn.capability.06
  Scenario Outline: The CapabilityStatement lists the operations
    Given I configure the default "MetadataRead" request
    When I make the request
    Then the CapabilityStatement should list the operation "<operation>"
    Examples:
      | operation               | guards                             |
      | gpc.registerpatient     | capability-no-register-operation   |
      | gpc.getstructuredrecord | capability-no-structured-operation |

  @guards:capability-no-interactions
  @id:fdn.capability.07
  Scenario Outline: The CapabilityStatement declares the Foundations interactions
    Given I configure the default "MetadataRead" request
    When I make the request
    Then the CapabilityStatement should support "<interaction>" on <resource>
    Examples:
      | resource     | interaction |
      | Patient      | read        |
      | Patient      | search-type |
      | Organization | read        |
      | Organization | search-type |
      | Practitioner | read        |
      | Practitioner | search-type |
      | Location     | read        |

  @id:fdn.capability.08
  Scenario: The CapabilityStatement in XML
    Given I configure the default "MetadataRead" request
      And I set the "Accept" header to "application/fhir+xml"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR XML
      And the response should be a CapabilityStatement resource
      And the resource element "version" should be "1.2.7"

  @id:fdn.capability.09
  Scenario: The CapabilityStatement is served gzip-compressed on request
    Given I configure the default "MetadataRead" request
      And I set the "Accept-Encoding" header to "gzip"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be gzip encoded
      And the response should be a CapabilityStatement resource
