@structured @1.6.2 @spec:development_general_api_guidance
Feature: Structured and migrate requests over HTTP
  The transport rules of GP Connect apply to the structured service root (General API guidance 1.x; Spine Secure
  Proxy guide): responses are not cacheable, JSON and XML are served, gzip is honoured, and the SSP headers and
  the JWT are checked on every structured interaction.

  @guards:no-cache-control
  @id:struct.http.01
  Scenario Outline: Structured responses are not cacheable
    Given I configure a valid "<interaction>" request
    When I make the request
    Then the response status code should indicate success
      And the response should not be cacheable
    Examples:
      | interaction             |
      | GetStructuredRecord     |
      | MigrateStructuredRecord |
      | StructuredMetadataRead  |

  @guards:ignore-format-param
  @id:struct.http.02
  Scenario Outline: The structured record is served as FHIR XML when _format asks for it
    Given I configure a valid "<interaction>" request
      And I add the query parameter "_format" with value "application/fhir+xml"
    When I make the request
    Then the response status code should indicate success
      And the response body should be FHIR XML
      And the response should be valid against its profiles
    Examples:
      | interaction             |
      | GetStructuredRecord     |
      | MigrateStructuredRecord |

  @guards:ignore-accept-header
  @id:struct.http.03
  Scenario: The structured record is served as FHIR XML when Accept asks for it
    Given I configure a valid "GetStructuredRecord" request
      And I set the "Accept" header to "application/fhir+xml"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR XML
      And the response should be valid against its profiles

  @guards:xml-body-rejected
  @id:struct.http.04
  Scenario: A Parameters body in FHIR XML is accepted
    Given I configure a valid "GetStructuredRecord" request
      And I send the request body as FHIR XML
    When I make the request
    Then the response status code should be "200"
      And the response should be a structured record Bundle for patient "patient2"

  @guards:no-gzip
  @id:struct.http.05
  Scenario: The structured record is gzip-compressed when the consumer accepts gzip
    Given I configure a valid "GetStructuredRecord" request
      And I set the "Accept-Encoding" header to "gzip"
    When I make the request
    Then the response status code should be "200"
      And the response should be gzip encoded

  @id:struct.http.06
  Scenario Outline: A structured request without an SSP header is a bad request
    Given I configure a valid "<interaction>" request
      And I remove the "<header>" header
    When I make the request
    Then the response status code should be "400"
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | interaction             | header      | guards                  |
      | GetStructuredRecord     | Ssp-TraceID | accept-missing-trace-id |
      | GetStructuredRecord     | Ssp-From    | accept-missing-from     |
      | MigrateStructuredRecord | Ssp-TraceID | accept-missing-trace-id |

  @guards:accept-wrong-asid
  @id:struct.http.07
  Scenario: A structured request for another provider's ASID is a bad request
    Given I configure a valid "GetStructuredRecord" request
      And I set the "Ssp-To" header to "999999999999"
    When I make the request
    Then the response status code should be "400"
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @guards:accept-wrong-scope
  @id:struct.http.08
  Scenario Outline: A JWT scope for writing is refused on the structured operations
    Given I configure a valid "<interaction>" request
      And I set the JWT claim "requested_scope" to "<scope>"
    When I make the request
    Then the response status code should be "400"
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | interaction             | scope                  |
      | GetStructuredRecord     | patient/*.write        |
      | MigrateStructuredRecord | patient/*.write conf/N |

  @guards:accept-expired-jwt
  @id:struct.http.09
  Scenario: An expired JWT is refused on get structured record
    Given I configure a valid "GetStructuredRecord" request
      And the consumer clock is -600 seconds ahead
    When I make the request
    Then the response status code should be "400"
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @guards:ignore-interaction-id
  @id:struct.http.10
  Scenario: The migrate interaction ID does not fit get structured record
    Given I configure a valid "GetStructuredRecord" request
      And I set the Ssp-InteractionID header for the "MigrateStructuredRecord" interaction
    When I make the request
    Then the response status code should be "400"
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
