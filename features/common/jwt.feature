@common @jwt @1.2.7 @spec:integration_cross_organisation_audit_and_provenance
Feature: Audit JWT
  Every request carries `Authorization: Bearer <JWT>`: an unsigned token (`alg: none`, empty signature) whose
  claims identify the consumer system, the user and the organisation. `exp` is exactly `iat` + 300 seconds.
  (Cross-organisation audit and provenance, 1.x.)

  @guards:require-requested-record
  @id:common.jwt.01
  Scenario: The default token is accepted
    Given I configure a valid "PatientSearch" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles

  @id:common.jwt.02
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

  @guards:accept-wrong-reason
  @id:common.jwt.03
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

  @guards:accept-wrong-scope
  @id:common.jwt.04
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

  @id:common.jwt.05
  Scenario Outline: A token whose lifetime is not 300 seconds is a bad request
    Given I configure a valid "PatientSearch" request
      And I set the JWT expiry to <seconds> seconds after the issue time
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | seconds | guards                  |
      | 299     | accept-bad-jwt-lifetime |
      | 301     | accept-bad-jwt-lifetime |
      | 600     | accept-bad-jwt-lifetime |
      | 3600    | accept-bad-jwt-lifetime |
      | -300    |                         |

  @guards:accept-expired-jwt
  @id:common.jwt.06
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

  @guards:strict-issue-time
  @id:common.jwt.07
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

  @guards:accept-wrong-jwt-resource-type
  @id:common.jwt.08
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

  @id:common.jwt.09
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

  @guards:reject-unk-identifiers
  @id:common.jwt.10
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

  @id:common.jwt.11
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

  @guards:accept-signed-jwt
  @id:common.jwt.12
  Scenario: A token with a signature is a bad request
    Given I configure a valid "PatientSearch" request
      And I set the JWT signature to "c2lnbmF0dXJl"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @id:common.jwt.13
  Scenario: A token that is not base64url encoded is a bad request
    Given I configure a valid "PatientSearch" request
      And I send the JWT without base64 encoding
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @id:common.jwt.14
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

  @id:common.jwt.15
  Scenario: A request without an Authorization header is a bad request
    Given I configure a valid "PatientSearch" request
      And I remove the "Authorization" header
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
