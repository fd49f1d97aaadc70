@common @jwt @1.2.7
Feature: Audit JWT
  Every request carries `Authorization: Bearer <JWT>`: an unsigned token (`alg: none`, empty signature) whose
  claims identify the consumer system, the user and the organisation. `exp` is exactly `iat` + 300 seconds.
  (Cross-organisation audit and provenance, 1.x.)

  Scenario: The default token is accepted
    Given I configure a valid "PatientSearch" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles

  Scenario Outline: A token missing a mandatory claim is a bad request
    Given I configure a valid "PatientSearch" request
      And I remove the JWT claim "<claim>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | claim                   |
      | iss                     |
      | sub                     |
      | aud                     |
      | exp                     |
      | iat                     |
      | reason_for_request      |
      | requested_scope         |
      | requesting_device       |
      | requesting_organization |
      | requesting_practitioner |

  Scenario Outline: A token with a wrong reason for request is a bad request
    Given I configure a valid "PatientSearch" request
      And I set the JWT claim "reason_for_request" to "<reason>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | reason       |
      | notdirectcare |
      | DirectCare   |
      | secondaryuses |

  Scenario Outline: A token whose scope does not fit the interaction is a bad request
    Given I configure a valid "<interaction>" request
      And I set the JWT claim "requested_scope" to "<scope>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | interaction        | scope               |
      | PatientSearch      | organization/*.read |
      | PatientSearch      | patient/*.write     |
      | PatientRead        | organization/*.read |
      | PractitionerSearch | patient/*.read      |
      | OrganizationRead   | patient/*.read      |
      | LocationRead       | patient/*.read      |
      | MetadataRead       | patient/*.read      |
      | RegisterPatient    | patient/*.read      |

  Scenario Outline: A token whose lifetime is not 300 seconds is a bad request
    Given I configure a valid "PatientSearch" request
      And I set the JWT expiry to <seconds> seconds after the issue time
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | seconds |
      | 299     |
      | 301     |
      | 600     |
      | 3600    |
      | -300    |

  Scenario Outline: An expired token is a bad request
    Given I configure a valid "PatientSearch" request
      And the consumer clock is <offset> seconds ahead
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | offset |
      | -600   |
      | -301   |
      | -3600  |

  Scenario Outline: Clock skew within the token lifetime is tolerated
    Given I configure a valid "PatientSearch" request
      And the consumer clock is <offset> seconds ahead
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
    Examples:
      | offset |
      | -10    |
      | -200   |
      | 10     |
      | 120    |

  Scenario Outline: A claim resource of the wrong type is an invalid resource
    Given I configure a valid "PatientSearch" request
      And I set the JWT claim "<claim>.resourceType" to "<type>"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_RESOURCE"
    Examples:
      | claim                   | type         |
      | requesting_device       | Patient      |
      | requesting_practitioner | Patient      |
      | requesting_organization | Practitioner |

  Scenario Outline: A malformed claim resource is a bad request
    Given I configure a valid "PatientSearch" request
      And I set the JWT claim "<claim>" to the JSON '<value>'
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | claim                              | value                                                                  |
      | requesting_organization.identifier | []                                                                     |
      | requesting_organization.name       | ""                                                                     |
      | requesting_practitioner.identifier | [{"system":"https://fhir.nhs.uk/Id/sds-role-profile-id","value":"1"}]  |
      | requesting_practitioner.id         | "2"                                                                    |
      | requesting_device                  | "a device"                                                             |
      | exp                                | "soon"                                                                 |
      | iat                                | 12.5                                                                   |

  Scenario Outline: UNK identifiers and a missing role profile are accepted
    Given I configure a valid "PatientSearch" request
      And I set the JWT claim "requesting_practitioner.identifier" to the JSON '<identifiers>'
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
    Examples:
      | identifiers                                                                                                                                 |
      | [{"system":"https://fhir.nhs.uk/Id/sds-user-id","value":"UNK"},{"system":"https://fhir.nhs.uk/Id/sds-role-profile-id","value":"UNK"}]     |
      | [{"system":"https://fhir.nhs.uk/Id/sds-user-id","value":"G13579135"}]                                                                      |

  Scenario Outline: A token that is not an unsigned JWT is a bad request
    Given I configure a valid "PatientSearch" request
      And I set the JWT header "<key>" to "<value>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | key | value |
      | alg | HS256 |
      | alg | RS256 |
      | typ | JWS   |

  Scenario: A token with a signature is a bad request
    Given I configure a valid "PatientSearch" request
      And I set the JWT signature to "c2lnbmF0dXJl"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  Scenario: A token that is not base64url encoded is a bad request
    Given I configure a valid "PatientSearch" request
      And I send the JWT without base64 encoding
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  Scenario Outline: A malformed Authorization header is a bad request
    Given I configure a valid "PatientSearch" request
      And I set the Authorization header to "<value>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | value                   |
      | Bearer                  |
      | Basic dXNlcjpwYXNz      |
      | Bearer abc.def          |
      | Bearer e30.e30.         |

  Scenario: A request without an Authorization header is a bad request
    Given I configure a valid "PatientSearch" request
      And I remove the "Authorization" header
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
