@html @0.7.4 @ssp-headers @spec:integration_spine_security_proxy_implementation_guide @spec:development_fhir_error_handling_guidance
Feature: Spine Secure Proxy headers on the DSTU2 service root
  Every request to the Access Record HTML server carries Ssp-TraceID (a new GUID), Ssp-From (consumer ASID), Ssp-To
  (provider ASID), Ssp-InteractionID (the 0.x URN of the interaction, which must match the endpoint) and the
  Authorization header. A provider rejects a request whose headers are missing or malformed, whose Ssp-To is not
  its ASID, or whose interaction ID does not fit, with 400 BAD_REQUEST (the expected-error workbook: "Missing trace
  ID header", "Invalid to request content", "Wrong interaction ID header", ...).

  @guards:html-error-stu3-system
  @id:html.ssp.01
  Scenario Outline: A missing SSP or Authorization header is a bad request
    Given I configure a valid "<interaction>" request
      And I remove the "<header>" header
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
      And the response should not be cacheable
    Examples:
      | interaction      | header            | guards                  |
      | HtmlMetadataRead | Ssp-TraceID       | accept-missing-trace-id |
      | HtmlMetadataRead | Ssp-From          | accept-missing-from     |
      | HtmlMetadataRead | Ssp-To            |                         |
      | HtmlMetadataRead | Ssp-InteractionID |                         |
      | HtmlMetadataRead | Authorization     |                         |
      | GetCareRecord    | Ssp-TraceID       | accept-missing-trace-id |
      | GetCareRecord    | Ssp-From          | accept-missing-from     |
      | GetCareRecord    | Ssp-To            |                         |
      | GetCareRecord    | Ssp-InteractionID |                         |
      | GetCareRecord    | Authorization     |                         |

  @guards:html-error-stu3-system
  @id:html.ssp.02
  Scenario Outline: An empty SSP header is a bad request
    Given I configure a valid "HtmlMetadataRead" request
      And I set the "<header>" header to ""
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | header            | guards                  |
      | Ssp-TraceID       | accept-missing-trace-id |
      | Ssp-From          | accept-missing-from     |
      | Ssp-To            |                         |
      | Ssp-InteractionID |                         |

  @guards:html-error-stu3-system
  @id:html.ssp.03
  Scenario Outline: An Ssp-TraceID that is not a GUID is a bad request
    Given I configure a valid "<interaction>" request
      And I set the "Ssp-TraceID" header to "<trace>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | interaction      | trace      |
      | HtmlMetadataRead | not-a-guid |
      | GetCareRecord    | 12345      |

  @guards:accept-wrong-asid
  @id:html.ssp.04
  Scenario Outline: An Ssp-To that is not the provider's ASID is a bad request
    Given I configure a valid "<interaction>" request
      And I set the "Ssp-To" header to "<asid>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | interaction      | asid         |
      | GetCareRecord    | 123456789123 |
      | GetCareRecord    | 200000000359 |
      | HtmlMetadataRead | 000000000000 |

  @guards:ignore-interaction-id
  @id:html.ssp.05
  Scenario Outline: An interaction ID that does not match the endpoint is a bad request
    Given I configure a valid "<interaction>" request
      And I set the Ssp-InteractionID header for the "<other>" interaction
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | interaction      | other                  |
      | HtmlMetadataRead | GetCareRecord          |
      | GetCareRecord    | HtmlMetadataRead       |
      | HtmlMetadataRead | MetadataRead           |
      | GetCareRecord    | GetStructuredRecord    |
      | GetCareRecord    | PatientSearch          |

  @guards:html-error-stu3-system
  @id:html.ssp.06
  Scenario Outline: An interaction ID that is not a GP Connect 0.x URN is a bad request
    Given I configure a valid "<interaction>" request
      And I set the "Ssp-InteractionID" header to "<urn>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | interaction      | urn                                                                 |
      | HtmlMetadataRead | urn:nhs:names:services:gpconnect:fhir:operation:gpc.invalidoperation |
      | GetCareRecord    | urn:nhs:names:services:gpconnect:fhir:operation:gpc.invalidoperation |
      | GetCareRecord    | URN:NHS:NAMES:SERVICES:GPCONNECT:FHIR:OPERATION:GPC.GETCARERECORD    |
      | HtmlMetadataRead | urn:nhs:names:services:gpconnect:fhir:rest:read:Metadata            |
      | HtmlMetadataRead | invalid                                                             |
