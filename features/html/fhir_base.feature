@html @0.7.4 @fhir @spec:foundations_use_case_get_the_fhir_conformance_profile
Feature: FHIR base rules on the DSTU2 service root
  The Access Record HTML server (FHIR DSTU2) publishes a DSTU2 `Conformance` statement at /metadata (fhirVersion
  1.0.2, formats `application/xml+fhir` and `application/json+fhir`, the `gpc.getcarerecord` operation) and speaks
  the DSTU2 media types: `_format` overrides `Accept`; with neither, the request's Content-Type decides; an
  unsupported format is refused with 415. JSON and XML request bodies are accepted, gzip is honoured and
  responses may be chunked (0.7.4 "Get the FHIR conformance statement", "Retrieve a care record section").

  @HtmlMetadataRead @guards:html-conformance-stu3
  @id:html.fhir.01
  Scenario: The Conformance statement is returned in JSON
    Given I configure the default "HtmlMetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a Conformance resource
      And the response should not be cacheable

  @HtmlMetadataRead
  @id:html.fhir.02
  Scenario Outline: The Conformance statement states the versions and kind the specification requires
    Given I configure the default "HtmlMetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Conformance resource
      And the resource element "<element>" should be "<value>"
    Examples:
      | element       | value      | guards               |
      | fhirVersion   | 1.0.2      | html-conformance-stu3 |
      | version       | 0.7.4      | html-conformance-stu3 |
      | kind          | capability | html-conformance-stu3 |
      | acceptUnknown | both       | html-conformance-stu3 |
      | rest[0].mode  | server     | html-conformance-stu3 |

  @HtmlMetadataRead @guards:html-conformance-stu3
  @id:html.fhir.03
  Scenario Outline: The Conformance statement populates software details
    Given I configure the default "HtmlMetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Conformance resource
      And the resource element "<element>" should be present
    Examples:
      | element          |
      | software.name    |
      | software.version |

  @HtmlMetadataRead @guards:html-conformance-stu3
  @id:html.fhir.04
  Scenario Outline: The Conformance statement lists the XML and JSON formats
    Given I configure the default "HtmlMetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the Conformance should list the format "<format>" or "<short>"
    Examples:
      | format               | short |
      | application/xml+fhir | xml   |
      | application/json+fhir | json |

  @HtmlMetadataRead @guards:html-conformance-stu3
  @id:html.fhir.05
  Scenario: The Conformance statement lists the gpc.getcarerecord operation
    Given I configure the default "HtmlMetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the Conformance should list the operation "gpc.getcarerecord"

  @HtmlMetadataRead @guards:html-conformance-stu3
  @id:html.fhir.06
  Scenario Outline: The Conformance statement lists the GP Connect DSTU2 profiles it serves
    Given I configure the default "HtmlMetadataRead" request
    When I make the request
    Then the response status code should be "200"
      And the Conformance should list the profile "http://fhir.nhs.net/StructureDefinition/<profile>"
    Examples:
      | profile                             |
      | gpconnect-patient-1                 |
      | gpconnect-operationoutcome-1        |
      | gpconnect-practitioner-1            |
      | gpconnect-organization-1            |
      | gpconnect-searchset-bundle-1        |
      | gpconnect-carerecord-composition-1  |

  # The official pack's nine Content-Type/Accept/_format combinations on /metadata (a GET whose Content-Type names
  # the format of a body it does not carry), and the same rules on the care record, whose body really is JSON or
  # XML. `-` sends nothing.
  @HtmlMetadataRead
  @id:html.fhir.07
  Scenario Outline: The Conformance statement is answered in the negotiated format
    Given I configure the default "HtmlMetadataRead" request
      And I send Content-Type "<content type>", Accept "<accept>" and _format "<format>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <body>
      And the response should be a Conformance resource
    Examples:
      | content type          | accept                | format                | body | guards                                 |
      | application/xml+fhir  | -                     | -                     | XML  | html-xml-ignored                       |
      | application/json+fhir | -                     | -                     | JSON | html-stu3-media-type                   |
      | application/xml+fhir  | application/json+fhir | -                     | JSON | html-stu3-media-type                   |
      | application/json+fhir | application/xml+fhir  | -                     | XML  | html-xml-ignored, ignore-accept-header |
      | application/json+fhir | -                     | application/json+fhir | JSON | html-stu3-media-type                   |
      | application/xml+fhir  | -                     | application/json+fhir | JSON | html-stu3-media-type                   |
      | application/xml+fhir  | -                     | application/xml+fhir  | XML  | html-xml-ignored                       |
      | application/json+fhir | -                     | application/xml+fhir  | XML  | html-xml-ignored, ignore-format-param  |
      | application/xml+fhir  | application/xml+fhir  | application/xml+fhir  | XML  | html-xml-ignored                       |
      | application/xml+fhir  | application/xml+fhir  | application/json+fhir | JSON | ignore-format-param                    |
      | application/json+fhir | application/json+fhir | application/json+fhir | JSON | html-stu3-media-type                   |
      | application/json+fhir | application/json+fhir | application/xml+fhir  | XML  | html-xml-ignored, ignore-format-param  |
      | -                     | -                     | -                     | JSON | html-stu3-media-type                   |
      | -                     | application/xml+fhir  | -                     | XML  | html-xml-ignored, ignore-accept-header |
      | -                     | -                     | xml                   | XML  | html-xml-ignored, ignore-format-param  |
      | -                     | -                     | json                  | JSON | html-stu3-media-type                   |
      | -                     | -                     | application/xml       | XML  | html-xml-ignored, ignore-format-param  |
      | -                     | application/xml+fhir  | application/json      | JSON | ignore-format-param                    |

  @GetCareRecord
  @id:html.fhir.08
  Scenario Outline: A care record request in JSON or XML is answered in the negotiated format
    Given I configure a valid "GetCareRecord" request
      And I send Content-Type "<content type>", Accept "<accept>" and _format "<format>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <body>
      And the response should be a Bundle resource
    Examples:
      | content type          | accept                | format               | body | guards                                 |
      | application/json+fhir | application/json+fhir | -                    | JSON | html-stu3-media-type                   |
      | application/xml+fhir  | application/xml+fhir  | -                    | XML  | html-xml-ignored, xml-body-rejected    |
      | application/xml+fhir  | application/json+fhir | -                    | JSON | html-stu3-media-type, xml-body-rejected |
      | application/json+fhir | application/xml+fhir  | -                    | XML  | html-xml-ignored, ignore-accept-header |
      | application/xml+fhir  | -                     | -                    | XML  | html-xml-ignored, xml-body-rejected    |
      | application/json+fhir | application/xml+fhir  | application/json+fhir | JSON | ignore-format-param                   |
      | application/json+fhir | application/json+fhir | xml                  | XML  | html-xml-ignored, ignore-format-param  |

  # The expected-error workbook: "Invalid accept content" is 415 with BAD_REQUEST.
  @HtmlMetadataRead @GetCareRecord @guards:accept-unsupported-media
  @id:html.fhir.09
  Scenario Outline: An unsupported response format is refused
    Given I configure a valid "<interaction>" request
      And I send Content-Type "<content type>", Accept "<accept>" and _format "<format>"
    When I make the request
    Then the response status code should be "415"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | interaction      | content type          | accept               | format    |
      | HtmlMetadataRead | application/json+fhir | text/xml             | -         |
      | HtmlMetadataRead | application/xml+fhir  | application/xml+fhir | text/xml  |
      | HtmlMetadataRead | -                     | text/plain           | -         |
      | HtmlMetadataRead | -                     | -                    | text/html |
      | GetCareRecord    | application/json+fhir | application/pdf      | -         |
      | GetCareRecord    | application/json+fhir | -                    | fhir+yaml |

  @GetCareRecord
  @id:html.fhir.10
  Scenario Outline: A care record section requested and answered in XML
    Given I configure a valid "GetCareRecord" request
      And I request the care record section "<code>"
      And I send Content-Type "application/xml+fhir", Accept "application/xml+fhir" and _format "-"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR XML
      And the response should be a Bundle resource
    Examples:
      | code | guards                              |
      | ADM  | html-xml-ignored, xml-body-rejected |
      | ALL  | html-xml-ignored, xml-body-rejected |
      | CLI  | html-xml-ignored, xml-body-rejected |
      | ENC  | html-xml-ignored, xml-body-rejected |
      | IMM  | html-xml-ignored, xml-body-rejected |
      | MED  | html-xml-ignored, xml-body-rejected |
      | OBS  | html-xml-ignored, xml-body-rejected |
      | PRB  | html-xml-ignored, xml-body-rejected |
      | REF  | html-xml-ignored, xml-body-rejected |
      | SUM  | html-xml-ignored, xml-body-rejected |

  @HtmlMetadataRead @GetCareRecord @guards:no-gzip
  @id:html.fhir.11
  Scenario Outline: Responses are gzip-compressed when the consumer accepts gzip
    Given I configure a valid "<interaction>" request
      And I set the "Accept-Encoding" header to "gzip"
    When I make the request
    Then the response status code should be "200"
      And the response should be gzip encoded
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a <resource> resource
    Examples:
      | interaction      | resource    |
      | HtmlMetadataRead | Conformance |
      | GetCareRecord    | Bundle      |

  @GetCareRecord @guards:html-stu3-media-type
  @id:html.fhir.12
  Scenario: A care record is sent with chunked transfer encoding
    Given I configure a valid "GetCareRecord" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a Bundle resource
      And the response should use chunked transfer encoding

  @GetCareRecord @guards:html-error-stu3-system
  @id:html.fhir.13
  Scenario Outline: A request body in an unsupported media type is refused
    Given I configure a valid "GetCareRecord" request
      And I set the request body to "<body>" with content type "<type>"
    When I make the request
    Then the response status code should be "415"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | type       | body          |
      | text/plain | patient2 SUM  |
      | text/csv   | a,b           |
