@structured @1.6.2 @StructuredMetadataRead @spec:accessrecord_structured_get_the_fhir_capability_statement
Feature: Access Record Structured CapabilityStatement
  The structured service root answers `GET /metadata` with the Access Record Structured CapabilityStatement
  (1.6.2, "Get the FHIR capability statement"): its version, the versioned profiles it serves and its two
  operations.

  @guards:struct-capability-wrong-version
  @id:struct.capability.01
  Scenario: The structured CapabilityStatement names the version implemented
    Given I configure the default "StructuredMetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a CapabilityStatement resource
      And the resource element "version" should be "1.6.2"
      And the resource element "fhirVersion" should be "3.0.1"
      And the resource element "name" should be "GP Connect API - Access Record Structured"
      And the response should not be cacheable

  @id:struct.capability.02
  Scenario Outline: The structured CapabilityStatement lists both operations with their definitions
    Given I configure the default "StructuredMetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the CapabilityStatement should list the operation "<operation>" defined by "https://fhir.nhs.uk/STU3/OperationDefinition/<definition>"
    Examples:
      | operation                   | definition                                                 | guards                          |
      | gpc.getstructuredrecord     | GPConnect-GetStructuredRecord-Operation-1/_history/1.16    | struct-capability-old-operation |
      | gpc.migratestructuredrecord | GPConnect-MigrateStructuredRecord-Operation-1/_history/1.1 | struct-capability-no-migrate    |

  @guards:struct-capability-unversioned-profiles
  @id:struct.capability.03
  Scenario Outline: The structured CapabilityStatement lists each profile at the version 1.6.2 pins
    Given I configure the default "StructuredMetadataRead" request
    When I make the request
    Then the CapabilityStatement should list the profile "<base>/StructureDefinition/<profile>" at version "<version>"
    Examples:
      | base                  | profile                                   | version |
      | https://fhir.nhs.uk/STU3 | CareConnect-GPC-Patient-1              | 1.8     |
      | https://fhir.nhs.uk/STU3 | CareConnect-GPC-Organization-1         | 1.4     |
      | https://fhir.nhs.uk/STU3 | CareConnect-GPC-Practitioner-1         | 1.3     |
      | https://fhir.nhs.uk/STU3 | CareConnect-GPC-PractitionerRole-1     | 1.2     |
      | https://fhir.nhs.uk/STU3 | CareConnect-GPC-AllergyIntolerance-1   | 1.7     |
      | https://fhir.nhs.uk/STU3 | CareConnect-GPC-Medication-1           | 1.2     |
      | https://fhir.nhs.uk/STU3 | CareConnect-GPC-MedicationStatement-1  | 1.7     |
      | https://fhir.nhs.uk/STU3 | CareConnect-GPC-MedicationRequest-1    | 1.6     |
      | https://fhir.nhs.uk/STU3 | CareConnect-GPC-List-1                 | 1.7     |
      | https://fhir.nhs.uk/STU3 | GPConnect-StructuredRecord-Bundle-1    | 1.3     |
      | https://fhir.nhs.uk/STU3 | GPConnect-OperationOutcome-1           | 1.2     |
      | https://fhir.nhs.uk/STU3 | CareConnect-GPC-Immunization-1         | 1.5     |
      | https://fhir.nhs.uk/STU3 | CareConnect-GPC-ProblemHeader-Condition-1 | 1.7  |
      | https://fhir.nhs.uk/STU3 | CareConnect-GPC-Encounter-1            | 1.5     |
      | https://fhir.nhs.uk/STU3 | CareConnect-GPC-Observation-1          | 1.7     |
      | https://fhir.nhs.uk/STU3 | CareConnect-GPC-DiagnosticReport-1     | 1.3     |
      | https://fhir.nhs.uk/STU3 | CareConnect-GPC-Specimen-1             | 1.3     |
      | https://fhir.nhs.uk/STU3 | CareConnect-GPC-ProcedureRequest-1     | 1.4     |
      | https://fhir.nhs.uk/STU3 | CareConnect-GPC-ReferralRequest-1      | 1.2     |
      | https://fhir.nhs.uk/STU3 | CareConnect-GPC-DocumentReference-1    | 1.3     |
      | https://fhir.hl7.org.uk/STU3 | CareConnect-HealthcareService-1    | 1.0     |

  @guards:ignore-interaction-id
  @id:struct.capability.04
  Scenario: The structured metadata interaction ID is not the Foundations one
    Given I configure the default "StructuredMetadataRead" request
      And I set the Ssp-InteractionID header for the "MetadataRead" interaction
    When I make the request
    Then the response status code should be "400"
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
