@foundations @1.2.7 @location @LocationRead @spec:foundations_use_case_read_a_location
Feature: Location read
  GET /Location/<id> for the sites of the assurance pack (Foundations 1.2.7; CareConnect-GPC-Location-1).

  @guards:no-version-id
  @id:fdn.location.01
  Scenario Outline: Read a pack location
    Given I configure the default "LocationRead" request
      And I set the request id to the logical id of location "<site>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a Location resource
      And the resource id should be "{loc:<site>}"
      And every resource should carry the interaction's profile and a version
      And the response ETag should be the weak form of the resource version
      And the response should not be cacheable
    Examples:
      | site |
      | SIT1 |
      | SIT2 |
      | SIT3 |

  @guards:location-no-managing-org
  @id:fdn.location.02
  Scenario Outline: A location has a name, an address and its managing organisation
    Given I configure the default "LocationRead" request
      And I set the request id to the logical id of location "<site>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the resource element "name" should be present
      And the resource element "address" should be present
      And the resource reference "managingOrganization" should point to a Organization
      And the resource element "endpoint" should be absent
    Examples:
      | site |
      | SIT1 |
      | SIT2 |
      | SIT3 |

  @guards:error-code-wrong-system @guards:error-no-display
  @id:fdn.location.03
  Scenario Outline: Read an unknown location
    Given I configure the default "LocationRead" request
      And I set the request id to "<id>"
    When I make the request
    Then the response status code should be "404"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "NO_RECORD_FOUND"
    Examples:
      | id         |
      | 666666666  |
      | aaBA       |
      | 1x         |

  @id:fdn.location.04
  Scenario Outline: Location read in each format
    Given I configure the default "LocationRead" request
      And I set the request id to the logical id of location "SIT1"
      And I set the "Accept" header to "<accept>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR <format>
      And the response should be a Location resource
    Examples:
      | accept                | format |
      | application/fhir+json | JSON   |
      | application/fhir+xml  | XML    |
