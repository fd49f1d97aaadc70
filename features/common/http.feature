@common @http @1.2.7 @spec:development_general_api_guidance @spec:development_fhir_error_handling_guidance
Feature: HTTP behaviour
  Responses are never cacheable, resources carry a weak ETag of their version, only the defined verbs are
  served and URLs are case-sensitive (General API guidance, 1.x).

  @guards:no-cache-control
  @id:common.http.01
  Scenario Outline: Every response says Cache-Control no-store
    Given I configure a valid "<interaction>" request
    When I make the request
    Then the response status code should indicate success
      And the response should be valid against its profiles
      And the response should not be cacheable
    Examples:
      | interaction        |
      | MetadataRead       |
      | PatientSearch      |
      | PatientRead        |
      | PractitionerSearch |
      | PractitionerRead   |
      | OrganizationSearch |
      | OrganizationRead   |
      | LocationRead       |

  @id:common.http.02
  Scenario Outline: Error responses say Cache-Control no-store too
    Given I configure the default "<interaction>" request
      And I set the request id to "does-not-exist"
    When I make the request
    Then the response status code should be "404"
      And the response should be valid against its profiles
      And the response should not be cacheable
    Examples:
      | interaction      |
      | PatientRead      |
      | PractitionerRead |
      | OrganizationRead |
      | LocationRead     |

  @guards:etag-not-version @guards:strong-etag
  @id:common.http.03
  Scenario Outline: A read carries the weak ETag of the resource version
    Given I configure a valid "<interaction>" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response ETag should be the weak form of the resource version
    Examples:
      | interaction      |
      | PatientRead      |
      | PractitionerRead |
      | OrganizationRead |
      | LocationRead     |

  @guards:methods-not-enforced
  @id:common.http.04
  Scenario Outline: An HTTP verb the interaction does not define is refused
    Given I configure a valid "<interaction>" request
      And I set the request method to "<method>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | interaction   | method |
      | PatientRead   | PATCH  |
      | PatientRead   | DELETE |
      | PatientRead   | POST   |
      | PatientSearch | PUT    |
      | PatientSearch | DELETE |
      | MetadataRead  | POST   |
      | LocationRead  | PATCH  |
      | OrganizationRead | DELETE |

  @guards:url-case-insensitive
  @id:common.http.05
  Scenario Outline: Resource paths are case-sensitive
    Given I configure a valid "<interaction>" request
      And I set the request path to "<path>"
    When I make the request
    Then the response status code should be "404"
      And the response should be valid against its profiles
      And the response should not be cacheable
    Examples:
      | interaction   | path             |
      | PatientSearch | /patient         |
      | PatientSearch | /PATIENT         |
      | PatientRead   | /patient/1       |
      | MetadataRead  | /Metadata        |
      | LocationRead  | /location/1      |

  @guards:unknown-paths-served
  @id:common.http.06
  Scenario Outline: A resource type the server does not serve is not found
    Given I configure a valid "PatientSearch" request
      And I set the request path to "<path>"
    When I make the request
    Then the response status code should be "404"
      And the response should be valid against its profiles
    Examples:
      | path            |
      | /Patients       |
      | /Encounter      |
