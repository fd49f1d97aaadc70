@foundations @1.2.7 @practitioner @spec:foundations_use_case_find_a_practitioner @spec:foundations_use_case_read_a_practitioner
Feature: Practitioner search and read
  GET /Practitioner?identifier=https://fhir.nhs.uk/Id/sds-user-id|<id> and GET /Practitioner/<id>
  (Foundations 1.2.7; CareConnect-GPC-Practitioner-1).

  @PractitionerSearch
  @id:fdn.practitioner.01
  Scenario Outline: Search finds a pack practitioner by SDS user id
    Given I configure the default "PractitionerSearch" request
      And I add an SDS user identifier for practitioner "<practitioner>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a Bundle resource of type "searchset"
      And the response bundle should contain 1 entries
      And the resource should carry the identifier "https://fhir.nhs.uk/Id/sds-user-id|{sds:<practitioner>}"
      And every resource should carry the interaction's profile and a version
    Examples:
      | practitioner  |
      | practitioner1 |
      | practitioner2 |
      | practitioner3 |
      | practitioner5 |

  @PractitionerSearch
  @guards:practitioner-role-ids-miscounted
  @id:fdn.practitioner.02
  Scenario Outline: Search returns the practitioner's SDS role profile ids
    Given I configure the default "PractitionerSearch" request
      And I add an SDS user identifier for practitioner "<practitioner>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the resource should carry <count> identifiers with system "https://fhir.nhs.uk/Id/sds-role-profile-id"
    Examples:
      | practitioner  | count |
      | practitioner1 | 0     |
      | practitioner2 | 1     |
      | practitioner3 | 2     |
      | practitioner5 | 1     |

  @PractitionerSearch
  @guards:search-miss-404
  @id:fdn.practitioner.03
  Scenario: Search for a practitioner the provider does not hold returns an empty searchset
    Given I configure the default "PractitionerSearch" request
      And I add an SDS user identifier for practitioner "practitioner4"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And the response bundle should contain 0 entries

  @PractitionerSearch
  @guards:practitioner-forbidden-elements
  @id:fdn.practitioner.04
  Scenario Outline: Practitioner does not populate elements the profile forbids
    Given I configure the default "PractitionerSearch" request
      And I add an SDS user identifier for practitioner "practitioner2"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the resource element "<element>" should be absent
    Examples:
      | element       |
      | telecom       |
      | address       |
      | birthDate     |
      | photo         |
      | qualification |

  @PractitionerSearch
  @id:fdn.practitioner.05
  Scenario: Practitioner search without an identifier is a bad request
    Given I configure the default "PractitionerSearch" request
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @PractitionerSearch
  @id:fdn.practitioner.06
  Scenario: Practitioner search with two identifiers is a bad request
    Given I configure the default "PractitionerSearch" request
      And I add an SDS user identifier for practitioner "practitioner1"
      And I add an SDS user identifier for practitioner "practitioner2"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @PractitionerSearch
  @id:fdn.practitioner.07
  Scenario Outline: Practitioner search with an unknown identifier system
    Given I configure the default "PractitionerSearch" request
      And I add the query parameter "identifier" with value "<system>|{sds:practitioner1}"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_IDENTIFIER_SYSTEM"
    Examples:
      | system                                   |
      | http://fhir.nhs.net/Id/sds-user-id       |
      | https://fhir.nhs.uk/Id/sds-role-profile-id |
      | https://fhir.nhs.uk/Id/nhs-number        |

  @PractitionerSearch
  @id:fdn.practitioner.08
  Scenario Outline: Practitioner search with a malformed identifier
    Given I configure the default "PractitionerSearch" request
      And I add the query parameter "identifier" with value "<identifier>"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
    Examples:
      | identifier                           |
      | {sds:practitioner1}                  |
      | https://fhir.nhs.uk/Id/sds-user-id\| |

  @PractitionerRead
  @id:fdn.practitioner.09
  Scenario Outline: Read a pack practitioner
    Given I configure the default "PractitionerRead" request
      And I set the request id to the logical id of practitioner "<practitioner>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a Practitioner resource
      And the resource should carry the identifier "https://fhir.nhs.uk/Id/sds-user-id|{sds:<practitioner>}"
      And every resource should carry the interaction's profile and a version
      And the response ETag should be the weak form of the resource version
    Examples:
      | practitioner  |
      | practitioner1 |
      | practitioner2 |
      | practitioner3 |
      | practitioner5 |

  @PractitionerRead
  @guards:wrong-not-found-code
  @id:fdn.practitioner.10
  Scenario Outline: Read an unknown practitioner
    Given I configure the default "PractitionerRead" request
      And I set the request id to "<id>"
    When I make the request
    Then the response status code should be "404"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "PRACTITIONER_NOT_FOUND"
    Examples:
      | id        |
      | 888888888 |
      | aaBA      |

  @PractitionerRead
  @id:fdn.practitioner.11
  Scenario: Practitioner read in XML
    Given I configure the default "PractitionerRead" request
      And I set the request id to the logical id of practitioner "practitioner2"
      And I set the "Accept" header to "application/fhir+xml"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR XML
      And the response should be a Practitioner resource
