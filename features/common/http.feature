@common @http @1.2.7
Feature: HTTP behaviour
  Responses are never cacheable, resources carry a weak ETag of their version, only the defined verbs are
  served and URLs are case-sensitive (General API guidance, 1.x).

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
