@html @0.7.4 @http @spec:development_api_security_guidance @spec:development_fhir_error_handling_guidance
Feature: HTTP behaviour of the DSTU2 service root
  Responses are never cacheable; only the verbs of the two interactions are served (GET /metadata, POST
  /Patient/$gpc.getcarerecord: any other verb is a bad request, as the expected-error workbook's "Using GET when
  should be POST" says); paths, operation names and resource types are case-sensitive, and unknown ones fail with a
  GP Connect OperationOutcome; headers the specification does not define are allowed (0.7.4 "API security
  guidance", "Error handling guidance"; the official 0.7.4 Http.feature).

  @id:html.http.01
  Scenario Outline: A path the server does not serve is not found
    Given I configure a valid "<interaction>" request
      And I set the request path to "<path>"
    When I make the request
    Then the response status code should be "404"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource
      And the response should not be cacheable
    Examples:
      | interaction      | path            | guards               |
      | HtmlMetadataRead | /metadatas      | unknown-paths-served |
      | GetCareRecord    | /Patients       | unknown-paths-served |
      | HtmlMetadataRead | /Metadata       | url-case-insensitive |
      | GetCareRecord    | /patient/$gpc.getcarerecord | url-case-insensitive |

  @guards:unknown-paths-served
  @id:html.http.02
  Scenario: A PUT to an endpoint the server does not serve fails
    Given I configure a valid "GetCareRecord" request
      And I set the request method to "PUT"
      And I set the request path to "/Appointments/1"
    When I make the request
    Then the response status code should indicate failure
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource

  @guards:methods-not-enforced
  @id:html.http.03
  Scenario Outline: An HTTP verb the interaction does not define is a bad request
    Given I configure a valid "<interaction>" request
      And I set the request method to "<method>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | interaction      | method  |
      | HtmlMetadataRead | PATCH   |
      | HtmlMetadataRead | DELETE  |
      | HtmlMetadataRead | OPTIONS |
      | HtmlMetadataRead | POST    |
      | GetCareRecord    | GET     |
      | GetCareRecord    | PUT     |

  @guards:unknown-paths-served
  @id:html.http.04
  Scenario Outline: A URL or operation name in the wrong case fails
    Given I configure a valid "<interaction>" request
      And I set the request method to "<method>"
      And I set the request path to "<path>"
    When I make the request
    Then the response status code should indicate failure
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource
    Examples:
      | interaction      | method  | path                        | guards               |
      | HtmlMetadataRead | OPTIONS | /Metadata                   |                      |
      | GetCareRecord    | POST    | /Patient/$gpc.getCareRecord | url-case-insensitive |
      | GetCareRecord    | POST    | /Patient/$GPC.GETCARERECORD | url-case-insensitive |

  @guards:html-stu3-media-type
  @id:html.http.05
  Scenario Outline: Headers the specification does not define are allowed
    Given I configure a valid "<interaction>" request
      And I set the "AdditionalHeader" header to "NotStandardHeader"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a <resource> resource
    Examples:
      | interaction      | resource    |
      | GetCareRecord    | Bundle      |
      | HtmlMetadataRead | Conformance |

  @guards:no-cache-control
  @id:html.http.06
  Scenario Outline: Every response says Cache-Control no-store
    Given I configure a valid "<interaction>" request
      And <change>
    When I make the request
    Then the response status code should be "<status>"
      And the response should be valid against its profiles
      And the response should not be cacheable
    Examples:
      | interaction      | change                                             | status |
      | HtmlMetadataRead | I set the "Accept-Encoding" header to "identity"   | 200    |
      | GetCareRecord    | I set the "Accept-Encoding" header to "identity"   | 200    |
      | GetCareRecord    | I request the care record section "XXX"       | 422    |
      | GetCareRecord    | I remove the "Ssp-TraceID" header                  | 400    |
