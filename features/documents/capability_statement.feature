@documents @1.6.2 @DocumentsMetadataRead @spec:access_documents_use_case_get_the_fhir_capability_statement
Feature: Access Document CapabilityStatement
  The Access Document FHIR server publishes its own CapabilityStatement at /metadata on the documents service root
  (Access Document 1.6.2, "Get the FHIR capability statement"): version 1.6.2, Patient search by NHS number,
  Binary read, and DocumentReference search with its search parameters, includes and revinclude.

  @guards:no-cache-control
  @id:docs.capability.01
  Scenario: The documents CapabilityStatement is returned in JSON
    Given I configure the default "DocumentsMetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a CapabilityStatement resource
      And the response should not be cacheable

  @id:docs.capability.02
  Scenario Outline: The documents CapabilityStatement states the version and kind the specification requires
    Given I configure the default "DocumentsMetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the resource element "<element>" should be "<value>"
    Examples:
      | element               | value      | guards                       |
      | version               | 1.6.2      | doc-capability-wrong-version |
      | fhirVersion           | 3.0.1      | capability-wrong-header      |
      | acceptUnknown         | both       | capability-wrong-header      |
      | kind                  | capability | capability-wrong-header      |
      | status                | active     | capability-wrong-header      |
      | rest[0].mode          | server     | capability-wrong-header      |

  @guards:capability-no-software
  @id:docs.capability.03
  Scenario Outline: The documents CapabilityStatement populates software details
    Given I configure the default "DocumentsMetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the resource element "<element>" should be present
    Examples:
      | element              |
      | software.name        |
      | software.version     |
      | software.releaseDate |

  @guards:capability-dstu2-formats
  @id:docs.capability.04
  Scenario Outline: The documents CapabilityStatement lists both formats
    Given I configure the default "DocumentsMetadataRead" request
    When I make the request
    Then the CapabilityStatement should list the format "<format>"
    Examples:
      | format                |
      | application/fhir+json |
      | application/fhir+xml  |

  @guards:capability-no-profiles
  @id:docs.capability.05
  Scenario Outline: The documents CapabilityStatement lists the profiles of the documents server
    Given I configure the default "DocumentsMetadataRead" request
    When I make the request
    Then the CapabilityStatement should list the profile "https://fhir.nhs.uk/STU3/StructureDefinition/<profile>"
    Examples:
      | profile                             |
      | CareConnect-GPC-DocumentReference-1 |
      | GPConnect-Searchset-Bundle-1        |
      | CareConnect-GPC-Patient-1           |
      | CareConnect-GPC-Organization-1      |
      | CareConnect-GPC-Practitioner-1      |
      | CareConnect-GPC-PractitionerRole-1  |
      | GPConnect-OperationOutcome-1        |

  @guards:capability-no-interactions
  @id:docs.capability.06
  Scenario Outline: The documents CapabilityStatement declares the documents interactions
    Given I configure the default "DocumentsMetadataRead" request
    When I make the request
    Then the CapabilityStatement should support "<interaction>" on <resource>
    Examples:
      | resource          | interaction |
      | Patient           | search-type |
      | Binary            | read        |
      | DocumentReference | search-type |

  @guards:doc-capability-no-search-params
  @id:docs.capability.07
  Scenario Outline: The documents CapabilityStatement declares the DocumentReference search parameters
    Given I configure the default "DocumentsMetadataRead" request
    When I make the request
    Then the CapabilityStatement should declare the search parameter "<name>" of type "<type>" on DocumentReference
    Examples:
      | name        | type   |
      | created     | date   |
      | author      | token  |
      | description | string |

  @guards:doc-capability-no-search-params
  @id:docs.capability.08
  Scenario Outline: The documents CapabilityStatement declares the DocumentReference includes
    Given I configure the default "DocumentsMetadataRead" request
    When I make the request
    Then the CapabilityStatement should declare "<include>" as a search include of DocumentReference
    Examples:
      | include                                  |
      | DocumentReference:subject:Patient        |
      | DocumentReference:custodian:Organization |
      | DocumentReference:author:Organization    |
      | DocumentReference:author:Practitioner    |

  @guards:doc-capability-no-search-params
  @id:docs.capability.09
  Scenario: The documents CapabilityStatement declares the PractitionerRole revinclude
    Given I configure the default "DocumentsMetadataRead" request
    When I make the request
    Then the CapabilityStatement should declare "PractitionerRole:practitioner" as a search revinclude of DocumentReference

  @guards:ignore-accept-header
  @id:docs.capability.10
  Scenario: The documents CapabilityStatement in XML
    Given I configure the default "DocumentsMetadataRead" request
      And I set the "Accept" header to "application/fhir+xml"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR XML
      And the resource element "version" should be "1.6.2"

  @guards:no-gzip
  @id:docs.capability.11
  Scenario: The documents CapabilityStatement is served gzip-compressed on request
    Given I configure the default "DocumentsMetadataRead" request
      And I set the "Accept-Encoding" header to "gzip"
    When I make the request
    Then the response status code should be "200"
      And the response should be gzip encoded
      And the response should be a CapabilityStatement resource

  @guards:accept-wrong-scope
  @id:docs.capability.12
  Scenario Outline: Reading the documents CapabilityStatement with a patient scope is a bad request
    Given I configure the default "DocumentsMetadataRead" request
      And I set the JWT claim "requested_scope" to "<scope>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | scope           |
      | patient/*.read  |
      | patient/*.write |
