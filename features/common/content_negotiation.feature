@common @content-negotiation @1.2.7 @spec:development_general_api_guidance
Feature: Content negotiation
  JSON is mandatory and XML should be supported: `_format` overrides `Accept`; with neither, the request's
  Content-Type decides; with nothing at all the answer is JSON; an unsupported format is refused with 415.
  Content-Type carries `charset=utf-8`. gzip is honoured. (General API guidance, 1.x.)

  @id:common.format.01
  Scenario Outline: The _format parameter selects the response format
    Given I configure a valid "<interaction>" request
      And I add the query parameter "_format" with value "<format>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <body>
    Examples:
      | interaction   | format                | body | guards              |
      | MetadataRead  | application/fhir+json | JSON |                     |
      | MetadataRead  | application/fhir+xml  | XML  | ignore-format-param |
      | MetadataRead  | json                  | JSON |                     |
      | MetadataRead  | xml                   | XML  | ignore-format-param |
      | PatientSearch | application/fhir+json | JSON |                     |
      | PatientSearch | application/fhir+xml  | XML  | ignore-format-param |
      | PatientSearch | application/json      | JSON |                     |
      | PatientSearch | application/xml       | XML  | ignore-format-param |
      | PatientRead   | json                  | JSON |                     |
      | PatientRead   | xml                   | XML  | ignore-format-param |

  @id:common.format.02
  Scenario Outline: The Accept header selects the response format
    Given I configure a valid "<interaction>" request
      And I set the "Accept" header to "<accept>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <body>
    Examples:
      | interaction        | accept                | body | guards               |
      | MetadataRead       | application/fhir+json | JSON |                      |
      | MetadataRead       | application/fhir+xml  | XML  | ignore-accept-header |
      | PatientSearch      | application/fhir+json | JSON |                      |
      | PatientSearch      | application/fhir+xml  | XML  | ignore-accept-header |
      | OrganizationSearch | application/fhir+xml  | XML  | ignore-accept-header |
      | PractitionerSearch | application/fhir+xml  | XML  | ignore-accept-header |

  @id:common.format.03
  Scenario Outline: The _format parameter overrides the Accept header
    Given I configure a valid "<interaction>" request
      And I set the "Accept" header to "<accept>"
      And I add the query parameter "_format" with value "<format>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <body>
    Examples:
      | interaction   | accept                | format                | body |
      | MetadataRead  | application/fhir+xml  | application/fhir+json | JSON |
      | MetadataRead  | application/fhir+json | application/fhir+xml  | XML  |
      | PatientSearch | application/fhir+xml  | application/fhir+json | JSON |
      | PatientSearch | application/fhir+json | application/fhir+xml  | XML  |

  @id:common.format.04
  Scenario: With no Accept header and no _format the response is JSON
    Given I configure a valid "PatientSearch" request
      And I remove the "Accept" header
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON

  @guards:accept-unsupported-media
  @id:common.format.05
  Scenario Outline: An unsupported format is refused
    Given I configure a valid "<interaction>" request
      And <how>
    When I make the request
    Then the response status code should be "415"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "UNSUPPORTED_MEDIA_TYPE"
    Examples:
      | interaction   | how                                                                 |
      | MetadataRead  | I set the "Accept" header to "text/plain"                           |
      | PatientSearch | I set the "Accept" header to "application/pdf"                      |
      | PatientSearch | I add the query parameter "_format" with value "text/html"          |
      | MetadataRead  | I add the query parameter "_format" with value "fhir+yaml"          |

  @id:common.format.06
  Scenario Outline: A request body in an unsupported media type is refused
    Given I configure the default "RegisterPatient" request
      And I set the request body to "<body>" with content type "<type>"
    When I make the request
    Then the response status code should be "415"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "UNSUPPORTED_MEDIA_TYPE"
    Examples:
      | type       | body          |
      | text/plain | registerPatient |
      | text/csv   | a,b           |

  @guards:no-gzip
  @id:common.format.07
  Scenario Outline: Responses are gzip-compressed when the consumer accepts gzip
    Given I configure a valid "<interaction>" request
      And I set the "Accept-Encoding" header to "gzip"
    When I make the request
    Then the response status code should indicate success
      And the response should be valid against its profiles
      And the response should be gzip encoded
    Examples:
      | interaction        |
      | MetadataRead       |
      | PatientSearch      |
      | PatientRead        |
      | OrganizationRead   |
      | LocationRead       |
