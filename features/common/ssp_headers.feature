@common @ssp-headers @1.2.7 @spec:integration_spine_security_proxy_implementation_guide
Feature: Spine Secure Proxy headers
  Every request carries Ssp-TraceID (a new GUID), Ssp-From (consumer ASID), Ssp-To (provider ASID) and
  Ssp-InteractionID (the URN of the interaction, which must match the endpoint). A provider rejects a request
  whose headers are missing, whose Ssp-To is not its ASID, or whose interaction ID does not fit.

  @guards:422-for-400
  @id:common.ssp.01
  Scenario Outline: A missing SSP header is a bad request
    Given I configure a valid "<interaction>" request
      And I remove the "<header>" header
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
      And the response should not be cacheable
    Examples:
      | interaction        | header            | guards                  |
      | PatientSearch      | Ssp-TraceID       | accept-missing-trace-id |
      | PatientSearch      | Ssp-From          | accept-missing-from     |
      | PatientSearch      | Ssp-To            |                         |
      | PatientSearch      | Ssp-InteractionID |                         |
      | PatientRead        | Ssp-TraceID       | accept-missing-trace-id |
      | PatientRead        | Ssp-From          | accept-missing-from     |
      | PatientRead        | Ssp-To            |                         |
      | PatientRead        | Ssp-InteractionID |                         |
      | OrganizationSearch | Ssp-TraceID       | accept-missing-trace-id |
      | OrganizationSearch | Ssp-From          | accept-missing-from     |
      | OrganizationSearch | Ssp-To            |                         |
      | OrganizationSearch | Ssp-InteractionID |                         |
      | PractitionerRead   | Ssp-TraceID       | accept-missing-trace-id |
      | PractitionerRead   | Ssp-From          | accept-missing-from     |
      | PractitionerRead   | Ssp-To            |                         |
      | PractitionerRead   | Ssp-InteractionID |                         |
      | LocationRead       | Ssp-TraceID       | accept-missing-trace-id |
      | LocationRead       | Ssp-From          | accept-missing-from     |
      | LocationRead       | Ssp-To            |                         |
      | LocationRead       | Ssp-InteractionID |                         |
      | MetadataRead       | Ssp-TraceID       | accept-missing-trace-id |
      | MetadataRead       | Ssp-From          | accept-missing-from     |
      | MetadataRead       | Ssp-To            |                         |
      | MetadataRead       | Ssp-InteractionID |                         |

  @id:common.ssp.02
  Scenario Outline: An empty SSP header is a bad request
    Given I configure a valid "PatientSearch" request
      And I set the "<header>" header to ""
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

  @id:common.ssp.03
  Scenario Outline: An Ssp-TraceID that is not a GUID is a bad request
    Given I configure a valid "PatientSearch" request
      And I set the "Ssp-TraceID" header to "<trace>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | trace           |
      | not-a-guid      |
      | 12345           |

  @guards:accept-wrong-asid
  @id:common.ssp.04
  Scenario Outline: An Ssp-To that is not the provider's ASID is a bad request
    Given I configure a valid "<interaction>" request
      And I set the "Ssp-To" header to "<asid>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | interaction   | asid         |
      | PatientSearch | 200000000359 |
      | PatientSearch | 999999999999 |
      | MetadataRead  | 000000000000 |

  @guards:ignore-interaction-id
  @id:common.ssp.05
  Scenario Outline: An interaction ID that does not match the endpoint is a bad request
    Given I configure a valid "<interaction>" request
      And I set the Ssp-InteractionID header for the "<other>" interaction
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | interaction        | other              |
      | PatientSearch      | PractitionerSearch |
      | PatientSearch      | PatientRead        |
      | PatientRead        | PatientSearch      |
      | PatientRead        | OrganizationRead   |
      | OrganizationSearch | OrganizationRead   |
      | OrganizationRead   | PractitionerRead   |
      | PractitionerSearch | OrganizationSearch |
      | LocationRead       | OrganizationRead   |
      | MetadataRead       | PatientSearch      |
      | MetadataRead       | StructuredMetadataRead |

  @id:common.ssp.06
  Scenario Outline: An interaction ID that is not a GP Connect 1.x URN is a bad request
    Given I configure a valid "PatientSearch" request
      And I set the "Ssp-InteractionID" header to "<urn>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | urn                                                         |
      | urn:nhs:names:services:gpconnect:fhir:rest:search:patient   |
      | urn:nhs:names:services:gpconnect:fhir:rest:search:patient-2 |
      | invalid                                                     |
