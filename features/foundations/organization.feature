@foundations @1.2.7 @organization @spec:foundations_use_case_find_an_organisation @spec:foundations_use_case_read_an_organisation
Feature: Organization search and read
  GET /Organization?identifier=https://fhir.nhs.uk/Id/ods-organization-code|<ods> and GET /Organization/<id>
  (Foundations 1.2.7; CareConnect-GPC-Organization-1).

  @OrganizationSearch
  @guards:bundle-wrong-type
  @id:fdn.organization.01
  Scenario Outline: Search finds a pack organisation by ODS code
    Given I configure the default "OrganizationSearch" request
      And I add an ODS organisation identifier for organization "<org>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a Bundle resource of type "searchset"
      And the response bundle should contain 1 entries
      And the resource should carry the identifier "https://fhir.nhs.uk/Id/ods-organization-code|{ods:<org>}"
      And every resource should carry the interaction's profile and a version
      And the resource element "name" should be present
    Examples:
      | org  |
      | ORG1 |
      | ORG2 |
      | ORG3 |

  @OrganizationSearch
  @guards:search-miss-404
  @id:fdn.organization.02
  Scenario: Search for an organisation the provider does not hold returns an empty searchset
    Given I configure the default "OrganizationSearch" request
      And I add an ODS organisation identifier for organization "unknownORG"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And the response bundle should contain 0 entries

  @OrganizationSearch
  @guards:organization-forbidden-elements
  @id:fdn.organization.03
  Scenario Outline: Organization does not populate elements the profile forbids
    Given I configure the default "OrganizationSearch" request
      And I add an ODS organisation identifier for organization "<org>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the resource element "contact" should be absent
      And the resource element "endpoint" should be absent
    Examples:
      | org  |
      | ORG1 |
      | ORG2 |

  @OrganizationSearch
  @id:fdn.organization.04
  Scenario: Organization search without an identifier is a bad request
    Given I configure the default "OrganizationSearch" request
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @OrganizationSearch
  @id:fdn.organization.05
  Scenario: Organization search with two identifiers is a bad request
    Given I configure the default "OrganizationSearch" request
      And I add an ODS organisation identifier for organization "ORG1"
      And I add an ODS organisation identifier for organization "ORG2"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @OrganizationSearch
  @id:fdn.organization.06
  Scenario Outline: Organization search with an unknown identifier system
    Given I configure the default "OrganizationSearch" request
      And I add the query parameter "identifier" with value "<system>|{ods:ORG1}"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_IDENTIFIER_SYSTEM"
    Examples:
      | system                                      |
      | http://fhir.nhs.net/Id/ods-organization-code |
      | https://fhir.nhs.uk/Id/ods-org-code         |
      | https://fhir.nhs.uk/Id/sds-user-id          |

  @OrganizationSearch
  @id:fdn.organization.07
  Scenario Outline: Organization search with a malformed identifier
    Given I configure the default "OrganizationSearch" request
      And I add the query parameter "identifier" with value "<identifier>"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | identifier                                     |
      | {ods:ORG1}                                     |
      | https://fhir.nhs.uk/Id/ods-organization-code\| |
      | \|{ods:ORG1}                                   |

  @OrganizationRead
  @id:fdn.organization.08
  Scenario Outline: Read a pack organisation
    Given I configure the default "OrganizationRead" request
      And I set the request id to the logical id of organization "<org>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a Organization resource
      And the resource should carry the identifier "https://fhir.nhs.uk/Id/ods-organization-code|{ods:<org>}"
      And every resource should carry the interaction's profile and a version
      And the response ETag should be the weak form of the resource version
      And the response should not be cacheable
    Examples:
      | org  |
      | ORG1 |
      | ORG2 |
      | ORG3 |

  @OrganizationRead
  @id:fdn.organization.09
  Scenario Outline: Read an unknown organisation
    Given I configure the default "OrganizationRead" request
      And I set the request id to "<id>"
    When I make the request
    Then the response status code should be "404"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "ORGANISATION_NOT_FOUND"
    Examples:
      | id        |
      | 777777777 |
      | aaBA      |

  @OrganizationRead
  @id:fdn.organization.10
  Scenario: Organization read in XML
    Given I configure the default "OrganizationRead" request
      And I set the request id to the logical id of organization "ORG1"
      And I set the "Accept" header to "application/fhir+xml"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR XML
      And the response should be a Organization resource
