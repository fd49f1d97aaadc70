@html @0.7.4 @jwt @spec:integration_cross_organisation_audit_and_provenance @spec:development_fhir_error_handling_guidance
Feature: Audit JWT of GP Connect 0.x
  Every request to the DSTU2 service root carries `Authorization: Bearer <JWT>`: an unsigned token (`alg: none`,
  empty signature) whose `aud` is fixed to `https://authorize.fhir.nhs.net/token`, whose `requested_record` names
  the record asked for (the Patient by `http://fhir.nhs.net/Id/nhs-number`, or the Organization by its ODS code),
  whose `exp` is `iat` + 300 seconds and whose device, organisation and practitioner are minimal DSTU2 resources
  (the practitioner's SDS user id under `http://fhir.nhs.net/sds-user-id`, or `UNK`). A provider rejects a token
  that breaks these rules with 400 BAD_REQUEST, and a claim resource that is not valid FHIR with 422
  INVALID_RESOURCE (0.7.4 "Cross organisation audit and provenance"; the expected-error workbook).

  @guards:html-stu3-media-type
  @id:html.jwt.01
  Scenario Outline: The default 0.x token is accepted
    Given I configure a valid "<interaction>" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a <resource> resource
    Examples:
      | interaction      | resource    | guards              |
      | HtmlMetadataRead | Conformance | html-conformance-stu3 |
      | GetCareRecord    | Bundle      |                     |

  @id:html.jwt.02
  Scenario Outline: A token missing a mandatory claim is a bad request
    Given I configure a valid "<interaction>" request
      And I remove the JWT claim "<claim>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | interaction      | claim                   | guards                 |
      | HtmlMetadataRead | iss                     | html-error-stu3-system |
      | HtmlMetadataRead | sub                     | html-error-stu3-system |
      | HtmlMetadataRead | aud                     | html-error-stu3-system |
      | HtmlMetadataRead | exp                     | html-error-stu3-system |
      | HtmlMetadataRead | iat                     | html-error-stu3-system |
      | HtmlMetadataRead | reason_for_request      | html-error-stu3-system |
      | HtmlMetadataRead | requested_record        | html-error-stu3-system |
      | HtmlMetadataRead | requested_scope         | html-error-stu3-system |
      | HtmlMetadataRead | requesting_device       | html-error-stu3-system |
      | HtmlMetadataRead | requesting_organization | html-error-stu3-system |
      | HtmlMetadataRead | requesting_practitioner | html-error-stu3-system |
      | GetCareRecord    | requested_record        | html-error-stu3-system |
      | GetCareRecord    | aud                     | html-error-stu3-system |
      | GetCareRecord    | requesting_practitioner | html-error-stu3-system |

  @guards:html-error-stu3-system
  @id:html.jwt.03
  Scenario Outline: A claim sent as null is a bad request
    Given I configure a valid "HtmlMetadataRead" request
      And I set the JWT claim "<claim>" to the JSON 'null'
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | claim                   |
      | aud                     |
      | iss                     |
      | sub                     |
      | reason_for_request      |
      | requesting_organization |
      | requesting_practitioner |
      | requested_record        |

  @id:html.jwt.04
  Scenario Outline: An audience other than the authorisation server's token URL is a bad request
    Given I configure a valid "<interaction>" request
      And I set the JWT claim "aud" to "<aud>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | interaction      | aud                                         | guards                 |
      | HtmlMetadataRead | https://notValid.fhir.nhs.net/tokenEndpoint | html-error-stu3-system |
      | HtmlMetadataRead | http://authorize.fhir.nhs.net/token         | html-error-stu3-system |
      | HtmlMetadataRead | '; DROP TABLE audit; --                     | html-error-stu3-system |
      | GetCareRecord    | https://authorize.fhir.nhs.net/token/       | html-error-stu3-system |

  @guards:html-accepts-1x-jwt
  @id:html.jwt.05
  Scenario Outline: A GP Connect 1.x token is refused on the DSTU2 root
    Given I configure a valid "<interaction>" request
      And I make the JWT a GP Connect 1.x token: aud the service root and no requested record
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | interaction      |
      | HtmlMetadataRead |
      | GetCareRecord    |

  @id:html.jwt.06
  Scenario Outline: A token whose lifetime is not 300 seconds is a bad request
    Given I configure a valid "HtmlMetadataRead" request
      And I set the JWT expiry to <seconds> seconds after the issue time
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | seconds | guards                  |
      | 301     | accept-bad-jwt-lifetime |
      | 299     | accept-bad-jwt-lifetime |
      | 600     | accept-bad-jwt-lifetime |
      | -1      | html-error-stu3-system  |
      | -300    | html-error-stu3-system  |

  @guards:accept-expired-jwt
  @id:html.jwt.07
  Scenario Outline: An expired token is a bad request
    Given I configure a valid "<interaction>" request
      And the consumer clock is <offset> seconds ahead
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | interaction      | offset |
      | HtmlMetadataRead | -600   |
      | HtmlMetadataRead | -301   |
      | GetCareRecord    | -600   |

  @guards:html-conformance-stu3
  @id:html.jwt.08
  Scenario Outline: A token issued now, or moved by clock skew within its lifetime, is accepted
    Given I configure a valid "HtmlMetadataRead" request
      And the consumer clock is <offset> seconds ahead
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a Conformance resource
    Examples:
      | offset |
      | 0      |
      | 200    |
      | -10    |
      | -200   |

  @guards:html-error-stu3-system
  @id:html.jwt.09
  Scenario Outline: A time claim that is not a valid Unix time is a bad request
    Given I configure a valid "HtmlMetadataRead" request
      And I set the JWT claim "<claim>" to the JSON '<value>'
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | claim | value  |
      | exp   | 0      |
      | exp   | "soon" |
      | iat   | 0      |
      | iat   | "now"  |
      | iat   | 12.5   |

  @id:html.jwt.10
  Scenario Outline: A reason for request other than directcare is a bad request
    Given I configure a valid "<interaction>" request
      And I set the JWT claim "reason_for_request" to "<reason>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | interaction      | reason                    | guards              |
      | HtmlMetadataRead | notdirectcare             | accept-wrong-reason |
      | HtmlMetadataRead | DirectCare                | accept-wrong-reason |
      | HtmlMetadataRead | <script>alert(1)</script> | accept-wrong-reason |
      | GetCareRecord    | secondaryuses             | accept-wrong-reason |

  @guards:accept-wrong-scope
  @id:html.jwt.11
  Scenario Outline: A requested scope that does not fit the interaction is a bad request
    Given I configure a valid "<interaction>" request
      And I set the JWT claim "requested_scope" to "<scope>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | interaction      | scope               |
      | GetCareRecord    | organization/*.read |
      | GetCareRecord    | encounter/*.read    |
      | GetCareRecord    | patient/*.write     |
      | HtmlMetadataRead | patient/*.read      |

  @guards:html-error-stu3-system
  @id:html.jwt.12
  Scenario Outline: An issuer or subject that is not valid is a bad request
    Given I configure a valid "HtmlMetadataRead" request
      And I set the JWT claim "<claim>" to the JSON '<value>'
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | claim | value                        |
      | iss   | 12345                        |
      | iss   | "<script>alert(1)</script>"  |
      | sub   | "<script>alert(1)</script>"  |
      | sub   | 1                            |

  @guards:html-error-stu3-system
  @id:html.jwt.13
  Scenario Outline: A malformed Authorization header is a bad request
    Given I configure a valid "<interaction>" request
      And I set the Authorization header to "<value>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | interaction      | value              |
      | HtmlMetadataRead | Bearer             |
      | HtmlMetadataRead | Bearer abc.def     |
      | HtmlMetadataRead | Basic dXNlcjpwYXNz |
      | GetCareRecord    | Bearer e30.e30.    |

  @guards:html-error-stu3-system
  @id:html.jwt.14
  Scenario Outline: A request without an Authorization header is a bad request
    Given I configure a valid "<interaction>" request
      And I remove the "Authorization" header
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | interaction      |
      | HtmlMetadataRead |
      | GetCareRecord    |

  @guards:html-error-stu3-system
  @id:html.jwt.15
  Scenario: A token that is not base64url encoded is a bad request
    Given I configure a valid "HtmlMetadataRead" request
      And I send the JWT without base64 encoding
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"

  @id:html.jwt.16
  Scenario Outline: A token that is not an unsigned JWT is a bad request
    Given I configure a valid "HtmlMetadataRead" request
      And <change>
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | change                                      | guards                                    |
      | I set the JWT header "alg" to "HS256"       | accept-signed-jwt, html-error-stu3-system |
      | I set the JWT signature to "c2lnbmF0dXJl"   | accept-signed-jwt                         |

  @guards:html-error-stu3-system
  @id:html.jwt.17
  Scenario Outline: A claim name in the wrong case is a missing claim
    Given I configure a valid "HtmlMetadataRead" request
      And I rename the JWT claim "<claim>" to "<renamed>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | claim              | renamed            |
      | iss                | ISS                |
      | reason_for_request | Reason_For_Request |
      | requested_record   | Requested_Record   |

  @guards:html-requested-record-ignored
  @id:html.jwt.18
  Scenario Outline: A requested record that is not the patient of the request is a bad request
    Given I configure a valid "GetCareRecord" request
      And the JWT requests the record of patient "<other>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | other              |
      | patient15          |
      | patient3           |
      | patientNotInSystem |

  @id:html.jwt.19
  Scenario Outline: A claim resource of an invalid or wrong resource type is a bad request
    Given I configure a valid "HtmlMetadataRead" request
      And I set the JWT claim "<claim>.resourceType" to "<type>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | claim                   | type                | guards                                                 |
      | requesting_device       | InvalidResourceType | accept-wrong-jwt-resource-type, html-error-stu3-system |
      | requesting_organization | InvalidResourceType | accept-wrong-jwt-resource-type, html-error-stu3-system |
      | requesting_practitioner | InvalidResourceType | accept-wrong-jwt-resource-type, html-error-stu3-system |
      | requesting_device       | Patient             | accept-wrong-jwt-resource-type, html-error-stu3-system |
      | requesting_practitioner | Patient             | accept-wrong-jwt-resource-type, html-error-stu3-system |
      | requesting_organization | Practitioner        | accept-wrong-jwt-resource-type, html-error-stu3-system |

  @guards:html-error-stu3-system
  @id:html.jwt.20
  Scenario Outline: A claim resource that is not valid FHIR is an invalid resource
    Given I configure a valid "HtmlMetadataRead" request
      And I set the JWT claim "<claim>.invalidField" to "invalid"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "INVALID_RESOURCE"
    Examples:
      | claim                   |
      | requesting_device       |
      | requesting_organization |
      | requesting_practitioner |

  @guards:html-error-stu3-system
  @id:html.jwt.21
  Scenario Outline: An organisation or practitioner without its national identifier is a bad request
    Given I configure a valid "HtmlMetadataRead" request
      And I set the JWT claim "<claim>.identifier" to the JSON '<identifiers>'
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | claim                   | identifiers                                                                 |
      | requesting_organization | [{"system":"http://fhir.nhs.net/Id/someOtherCodingSystem","value":"NoOdsCode"}] |
      | requesting_organization | []                                                                          |
      | requesting_practitioner | [{"system":"http://IdentifierServer/RandomId","value":"ABC123"}]            |
      | requesting_practitioner | []                                                                          |

  @guards:html-error-stu3-system
  @id:html.jwt.22
  Scenario Outline: A practitioner whose id is not the subject, or without a name, is a bad request
    Given I configure a valid "HtmlMetadataRead" request
      And <change>
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | change                                                        |
      | I set the JWT claim "requesting_practitioner.id" to "2"       |
      | I set the JWT claim "sub" to "2"                              |
      | I remove the JWT claim "requesting_practitioner.name"         |

  @id:html.jwt.23
  Scenario Outline: A user without a smartcard, or without a role and local identifier, is accepted
    Given I configure a valid "HtmlMetadataRead" request
      And I set the JWT claim "requesting_practitioner.identifier" to the JSON '<identifiers>'
      And <role>
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a Conformance resource
    Examples:
      | identifiers                                                                                                                        | role                                                                                                                                                | guards                 |
      | [{"system":"http://fhir.nhs.net/sds-user-id","value":"UNK"},{"system":"https://consumersupplier.com/Id/user-guid","value":"98ed4f78"}] | I set the JWT claim "requesting_practitioner.practitionerRole" to the JSON '[{"role":{"coding":[{"system":"http://fhir.nhs.net/ValueSet/sds-job-role-name-1","code":"UNK"}]}}]' | html-stu3-media-type   |
      | [{"system":"http://fhir.nhs.net/sds-user-id","value":"G13579135"}]                                                                 | I remove the JWT claim "requesting_practitioner.practitionerRole"                                                                                   | html-stu3-media-type   |

  @guards:html-stu3-media-type
  @id:html.jwt.24
  Scenario: A care record token whose requested record is the requested patient is accepted
    Given I configure a valid "GetCareRecord" request
      And the JWT requests the record of patient "patient2"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a Bundle resource
