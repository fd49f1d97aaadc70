@html @0.7.4 @GetCareRecord @spec:accessrecord_use_case_retrieve_a_care_record_section
Feature: Retrieve a care record section
  A consumer asks a GP practice for one section of a patient's record with `$gpc.getcarerecord` (Access Record
  HTML 0.7.4, "Retrieve a care record section"): a Parameters body naming the patient's NHS number, the
  section code and, for the sections that take one, a time period. The provider answers a searchset Bundle
  holding one Composition section of XHTML, or an OperationOutcome with the 0.x error code the error
  handling guidance and the expected-error workbook give for what was wrong.

  @guards:html-wrong-section @guards:html-stu3-media-type
  @id:html.rec.01
  Scenario Outline: Every care record section of the 0.7.4 views can be retrieved
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And the care record section should be "<code>"
    Examples:
      | code |
      | ADM  |
      | ALL  |
      | CLI  |
      | ENC  |
      | IMM  |
      | MED  |
      | OBS  |
      | PRB  |
      | REF  |
      | SUM  |

  # The 0.7.4 views cover ten sections; INV and PAT are codes of the record-section value set with no view.
  # A provider cannot meaningfully supply them, so it answers the section with the implementation guide's
  # "cannot be supplied" fragment in place of a table (accessrecord_development_html_implementation_guide,
  # "Error handling"). The official pack comments these rows out.
  @guards:html-wrong-section
  @id:html.rec.02
  Scenario Outline: A section of the value set without a view is answered with the cannot-be-supplied text
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And the care record section should be "<code>"
      And the care record section should say that its '<name>' data cannot be supplied
    Examples:
      | code | name            |
      | INV  | Investigations  |
      | PAT  | Patient Details |

  @guards:html-error-stu3-system
  @id:html.rec.03
  Scenario: An empty request is a bad request
    Given I configure the default "GetCareRecord" request
    When I make the request
    Then the response status code should be "400"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"

  @guards:html-error-stu3-system
  @id:html.rec.04
  Scenario: A request without a record section is a bad request
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
    When I make the request
    Then the response status code should be "400"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"

  @guards:html-error-stu3-system
  @id:html.rec.05
  Scenario Outline: A record section outside the value set is an invalid parameter
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "422"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "INVALID_PARAMETER"
    Examples:
      | code |
      | ZZZ  |
      | XXX  |
      |      |

  @guards:html-multiple-sections-accepted
  @id:html.rec.06
  Scenario Outline: Two record sections in one request are a bad request
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<first>"
      And I add another care record section "<second>"
    When I make the request
    Then the response status code should be "400"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | first | second |
      | SUM   | ALL    |
      | SUM   | SUM    |

  @guards:html-error-stu3-system
  @id:html.rec.07
  Scenario: A record section coded in another system is a bad request
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "SUM"
      And I set the record section system to "http://GPConnectTest.nhs.net/ValueSet/record-section"
    When I make the request
    Then the response status code should be "400"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"

  @guards:html-error-stu3-system
  @id:html.rec.08
  Scenario: A record section sent as a string instead of a CodeableConcept is a bad request
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I send the record section "SUM" as a string parameter
    When I make the request
    Then the response status code should be "400"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"

  # The official pack expects 400 with any code; the specification's expected-error workbook says
  # "No NHS number in request: 422 INVALID_PARAMETER".
  @guards:html-error-stu3-system
  @id:html.rec.09
  Scenario: A request without the patient's NHS number is an invalid parameter
    Given I configure the default "GetCareRecord" request
      And I request the care record section "SUM"
      And the JWT requests the record of patient "patient2"
    When I make the request
    Then the response status code should be "422"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "INVALID_PARAMETER"

  @guards:html-invalid-nhs-number-accepted
  @id:html.rec.10
  Scenario Outline: An NHS number that is not a valid NHS number is INVALID_NHS_NUMBER
    Given I configure the default "GetCareRecord" request
      And I request the care record of NHS number "<nhs>"
      And I request the care record section "SUM"
    When I make the request
    Then the response status code should be "400"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "INVALID_NHS_NUMBER"
    Examples:
      | nhs         | guards |
      | 1234567891  |        |
      | 96582188731 |        |
      | 965821887   |        |
      | 96582A8873  |        |
      | {bad-nhs:patient2} | html-error-stu3-system |

  @guards:html-error-stu3-system
  @id:html.rec.11
  Scenario: An NHS number in another identifier system is INVALID_IDENTIFIER_SYSTEM
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I set the NHS number system to "http://GPConnectTest.nhs.net/Id/identifierSystem"
      And I request the care record section "SUM"
    When I make the request
    Then the response status code should be "400"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "INVALID_IDENTIFIER_SYSTEM"

  @guards:html-error-stu3-system
  @id:html.rec.12
  Scenario Outline: Two NHS number parameters in one request are a bad request
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I add another NHS number parameter for patient "<other>"
      And I request the care record section "SUM"
    When I make the request
    Then the response status code should be "400"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | other    |
      | patient3 |
      | patient2 |

  @guards:html-error-stu3-system
  @id:html.rec.13
  Scenario: An NHS number the provider does not hold is PATIENT_NOT_FOUND
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patientNotInSystem"
      And I request the care record section "SUM"
    When I make the request
    Then the response status code should be "404"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "PATIENT_NOT_FOUND"

  @guards:html-error-stu3-system
  @id:html.rec.14
  Scenario: An NHS number sent as a string instead of an Identifier is a bad request
    Given I configure the default "GetCareRecord" request
      And I send the NHS number of patient "patient2" as a string parameter
      And I request the care record section "SUM"
    When I make the request
    Then the response status code should be "400"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"

  @guards:html-period-ignored @guards:html-wrong-section
  @id:html.rec.15
  Scenario Outline: A time period is accepted for a section that can be filtered
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
      And I request the time period from "2015-01-01" to "2016-12-31"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And the care record section should be "<code>"
      And the date banners of the section should say "For the period '01-Jan-2015' to '31-Dec-2016'"
    Examples:
      | code |
      | ADM  |
      | CLI  |
      | ENC  |
      | MED  |
      | OBS  |
      | PRB  |
      | REF  |

  @guards:html-period-accepted-on-agnostic
  @id:html.rec.16
  Scenario Outline: A time period for a section that must not be filtered is a bad request
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
      And I request the time period from "2015-01-01" to "2016-12-31"
    When I make the request
    Then the response status code should be "400"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"
    Examples:
      | code |
      | ALL  |
      | IMM  |
      | SUM  |

  @guards:html-no-consent-served
  @id:html.rec.17
  Scenario Outline: The record of a patient who dissents from sharing is NO_PATIENT_CONSENT
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient15"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "403"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "NO_PATIENT_CONSENT"
    Examples:
      | code |
      | ADM  |
      | ALL  |
      | CLI  |
      | ENC  |
      | IMM  |
      | MED  |
      | OBS  |
      | PRB  |
      | REF  |
      | SUM  |
      | INV  |
      | PAT  |

  @guards:html-wrong-section
  @id:html.rec.18
  Scenario Outline: The parameters may come in any order
    Given I configure the default "GetCareRecord" request
      And I request the time period from "2015-01-01" to "2016-12-31"
      And I request the care record section "<code>"
      And I request the care record of patient "patient2"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And the care record section should be "<code>"
    Examples:
      | code |
      | ADM  |
      | CLI  |
      | ENC  |
      | REF  |
      | MED  |
      | OBS  |
      | PRB  |

  @guards:html-error-stu3-system
  @id:html.rec.19
  Scenario: A request body of an unknown resource type is INVALID_RESOURCE
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "SUM"
      And I change the request body's resource type to "InvalidResourceType"
    When I make the request
    Then the response status code should be "422"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "INVALID_RESOURCE"

  # Not in the official pack: the workbook's "FHIR validation invalid request - JSON (If invalid resource i.e.
  # sending patient when it should be a practitioner): 400 BAD_REQUEST".
  @guards:html-error-stu3-system
  @id:html.rec.20
  Scenario: A request body that is another resource than Parameters is a bad request
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I send a Patient resource as the request body instead of the Parameters
    When I make the request
    Then the response status code should be "400"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "BAD_REQUEST"

  @guards:html-error-stu3-system
  @id:html.rec.21
  Scenario Outline: A time period bound that is not a date is an invalid parameter
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "ENC"
      And I request the time period from "<start>" to "<end>"
    When I make the request
    Then the response status code should be "422"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "INVALID_PARAMETER"
    Examples:
      | start | end  |
      | abcd  | 2016 |
      | 2014  | abcd |

  @guards:html-end-before-start-accepted
  @id:html.rec.22
  Scenario Outline: A time period that ends before it starts is an invalid parameter
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
      And I request the time period from "<start>" to "<end>"
    When I make the request
    Then the response status code should be "422"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "INVALID_PARAMETER"
    Examples:
      | code | start      | end        |
      | ENC  | 2016       | 2014       |
      | OBS  | 2016-03-01 | 2016-02-29 |
      | MED  | 2016-02    | 2015-12-31 |

  @guards:html-wrong-section
  @id:html.rec.23
  Scenario Outline: A time period with only one bound is accepted
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "ENC"
      And I request the time period <bound> "<date>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And the care record section should be "ENC"
    Examples:
      | bound | date |
      | from  | 2012 |
      | to    | 2016 |

  @guards:html-wrong-section
  @id:html.rec.24
  Scenario Outline: Every date and dateTime form of a time period is accepted
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
      And I request the time period from "<start>" to "<end>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the response should be a Bundle resource of type "searchset"
      And the care record section should be "<code>"
      And the care record section's XHTML should be well-formed
    Examples:
      | code | start                     | end                       |
      | ADM  | 2014                      | 2016                      |
      | ADM  | 2014-02                   | 2016                      |
      | ADM  | 2014-10-05                | 2016-08                   |
      | ADM  | 2014-05                   | 2016-09-14                |
      | ADM  | 2015-10-23T11:08:32+00:00 | 2016-12-08T23:59:59+00:00 |
      | CLI  | 2013                      | 2017                      |
      | CLI  | 2014-02                   | 2016                      |
      | CLI  | 2014-02-03                | 2016-01-24                |
      | CLI  | 2014                      | 2016-06-01                |
      | CLI  | 2015-03-14T03:14:11+00:00 | 2016-08-03T18:32:43+00:00 |
      | ENC  | 2015                      | 2017-01                   |
      | ENC  | 2015-05                   | 2017-01-27                |
      | ENC  | 2014-10-05                | 2016                      |
      | ENC  | 2014-10-05                | 2016-08                   |
      | ENC  | 2014-10-05                | 2016-09-01                |
      | ENC  | 2014-04-03T22:03:25+00:00 | 2016-03-13T17:13:12+00:00 |
      | REF  | 2013                      | 2017                      |
      | REF  | 2014-02                   | 2016                      |
      | REF  | 2014-02-03                | 2016-01-24                |
      | REF  | 2014                      | 2016-06-01                |
      | REF  | 2015-03-14T03:14:11+00:00 | 2016-08-03T18:32:43+00:00 |
      | MED  | 2014                      | 2016                      |
      | MED  | 2014-02                   | 2016                      |
      | MED  | 2014-10-05                | 2016-08                   |
      | MED  | 2014-05                   | 2016-09-14                |
      | MED  | 2015-10-23T11:08:32+00:00 | 2016-12-08T23:59:59+00:00 |
      | OBS  | 2014                      | 2016                      |
      | OBS  | 2014-02                   | 2016                      |
      | OBS  | 2014-10-05                | 2016-08                   |
      | OBS  | 2014-05                   | 2016-09-14                |
      | OBS  | 2015-10-23T11:08:32+00:00 | 2016-12-08T23:59:59+00:00 |
      | PRB  | 2014                      | 2016                      |
      | PRB  | 2014-02                   | 2016                      |
      | PRB  | 2014-10-05                | 2016-08                   |
      | PRB  | 2014-05                   | 2016-09-14                |
      | PRB  | 2015-10-23T11:08:32+00:00 | 2016-12-08T23:59:59+00:00 |
      | ENC  | 2015-10-23T11:08:32Z      | 2016-12-08T23:59:59Z      |
      | ENC  | 2015-10-23T11:08:32+01:00 | 2016-12-08T23:59:59-05:00 |

  @guards:html-partial-datetime-accepted
  @id:html.rec.25
  Scenario Outline: A dateTime without a time zone is an invalid parameter
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
      And I request the time period from "<start>" to "<end>"
    When I make the request
    Then the response status code should be "422"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "INVALID_PARAMETER"
    Examples:
      | code | start               | end                 |
      | ADM  | 2015-10-23T11:08:32 | 2016-12-08T23:59:59 |
      | CLI  | 2015-03-14T03:14:11 | 2016-08-03T18:32:43 |
      | ENC  | 2014-04-03T22:03:25 | 2016-03-13T17:13:12 |
      | REF  | 2015-03-14T03:14:11 | 2016-08-03T18:32:43 |
      | MED  | 2015-10-23T11:08:32 | 2016-12-08T23:59:59 |
      | OBS  | 2015-10-23T11:08:32 | 2016-12-08T23:59:59 |
      | PRB  | 2015-10-23T11:08:32 | 2016-12-08T23:59:59 |

  @guards:html-error-stu3-system
  @id:html.rec.26
  Scenario Outline: A parameter name in another spelling or case is an invalid parameter
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "ENC"
      And I request the time period from "2015-01-01" to "2016-12-31"
      And I rename the parameter "<name>" to "<renamed>"
    When I make the request
    Then the response status code should be "422"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "INVALID_PARAMETER"
    Examples:
      | name             | renamed           |
      | patientNHSNumber | patientsNHSNumber |
      | patientNHSNumber | patientnhsnumber  |
      | patientNHSNumber | PATIENTNHSNUMBER  |
      | recordSection    | recordSections    |
      | recordSection    | RecordSection     |
      | recordSection    | RECORDSECTION     |
      | timePeriod       | time              |
      | timePeriod       | TimePeriod        |
      | timePeriod       | TIMEPERIOD        |

  @guards:html-invalid-nhs-number-accepted
  @id:html.rec.27
  Scenario: An empty NHS number is INVALID_NHS_NUMBER
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "SUM"
      And I set the NHS number value to ""
    When I make the request
    Then the response status code should be "400"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "INVALID_NHS_NUMBER"

  @guards:html-error-stu3-system
  @id:html.rec.28
  Scenario: An empty NHS number system is INVALID_IDENTIFIER_SYSTEM
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "SUM"
      And I set the NHS number system to ""
    When I make the request
    Then the response status code should be "400"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "INVALID_IDENTIFIER_SYSTEM"

  @guards:html-error-stu3-system
  @id:html.rec.29
  Scenario: An empty record section system is an invalid parameter
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "SUM"
      And I set the record section system to ""
    When I make the request
    Then the response status code should be "422"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "INVALID_PARAMETER"

  @guards:html-lowercase-section-accepted
  @id:html.rec.30
  Scenario Outline: A section code in another case is an invalid parameter
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "422"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "INVALID_PARAMETER"
    Examples:
      | code |
      | adm  |
      | Adm  |
      | aDm  |
      | all  |
      | All  |
      | AlL  |
      | cli  |
      | Cli  |
      | enc  |
      | Enc  |
      | ENc  |
      | imm  |
      | Imm  |
      | iMM  |
      | med  |
      | Med  |
      | mEd  |
      | obs  |
      | Obs  |
      | prb  |
      | Prb  |
      | ref  |
      | Ref  |
      | sum  |
      | Sum  |
      | sUm  |
      | inv  |
      | Inv  |
      | pat  |
      | Pat  |

  @guards:html-not-on-spine-served
  @id:html.rec.31
  Scenario Outline: A patient on the provider's system but not on Spine is PATIENT_NOT_FOUND
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient14"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "404"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "PATIENT_NOT_FOUND"
    Examples:
      | code |
      | ADM  |
      | ALL  |
      | CLI  |
      | ENC  |
      | IMM  |
      | MED  |
      | OBS  |
      | PRB  |
      | REF  |
      | SUM  |
      | INV  |
      | PAT  |

  @guards:html-sensitive-served
  @id:html.rec.32
  Scenario Outline: The record of a patient flagged sensitive is PATIENT_NOT_FOUND
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "<patient>"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "404"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "PATIENT_NOT_FOUND"
    Examples:
      | patient  | code |
      | patient9 | ADM  |
      | patient9 | ALL  |
      | patient9 | CLI  |
      | patient9 | ENC  |
      | patient9 | IMM  |
      | patient9 | MED  |
      | patient9 | OBS  |
      | patient9 | PRB  |
      | patient9 | REF  |
      | patient9 | SUM  |
      | patient9 | INV  |
      | patient9 | PAT  |
      | patient10 | SUM |
      | patient10 | ALL |
      | patient10 | MED |

  @guards:html-deceased-window-short @guards:html-wrong-section
  @id:html.rec.33
  Scenario Outline: The record of a patient who died within the last 28 days is returned with the date of death
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient18"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And the care record section should be "<code>"
      And the Patient should have died no more than 28 days ago
    Examples:
      | code |
      | ADM  |
      | ALL  |
      | CLI  |
      | ENC  |
      | IMM  |
      | MED  |
      | OBS  |
      | PRB  |
      | REF  |
      | SUM  |
      | INV  |
      | PAT  |

  @guards:html-deceased-no-window
  @id:html.rec.34
  Scenario Outline: The record of a patient who died more than 28 days ago is PATIENT_NOT_FOUND
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient17"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "404"
      And the response body should be FHIR JSON
      And the response should be a GP Connect 0.x OperationOutcome with error code "PATIENT_NOT_FOUND"
    Examples:
      | code |
      | ADM  |
      | ALL  |
      | CLI  |
      | ENC  |
      | IMM  |
      | MED  |
      | OBS  |
      | PRB  |
      | REF  |
      | SUM  |
      | INV  |
      | PAT  |

  # The official pack expects the section code's display to be the view title ("Allergies and Adverse
  # Reactions", "Problems and Issues"); the 0.7.2 Composition profile fixes the display of each section slice
  # ("Allergies and Sensitivities" for ALL), so the display is read from the profile.
  @guards:html-wrong-section
  @id:html.rec.35
  Scenario Outline: The Composition carries the care record's fixed elements and the section's title and code
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "<patient>"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the response should be valid against its profiles
      And the Composition should carry a date, the title "Patient Care Record" and the status "final"
      And the Composition section should have the title "<title>"
      And the Composition section code should be the profile's coding for "<code>" with a text
      And the Composition section should have a narrative status and a div
    Examples:
      | patient  | code | title                           |
      | patient1 | ADM  | Administrative Items            |
      | patient2 | ADM  | Administrative Items            |
      | patient1 | ALL  | Allergies and Adverse Reactions |
      | patient2 | ALL  | Allergies and Adverse Reactions |
      | patient1 | CLI  | Clinical Items                  |
      | patient2 | CLI  | Clinical Items                  |
      | patient1 | ENC  | Encounters                      |
      | patient2 | ENC  | Encounters                      |
      | patient1 | IMM  | Immunisations                   |
      | patient2 | IMM  | Immunisations                   |
      | patient1 | MED  | Medications                     |
      | patient2 | MED  | Medications                     |
      | patient1 | OBS  | Observations                    |
      | patient2 | OBS  | Observations                    |
      | patient1 | PRB  | Problems and Issues             |
      | patient2 | PRB  | Problems and Issues             |
      | patient1 | REF  | Referrals                       |
      | patient2 | REF  | Referrals                       |
      | patient1 | SUM  | Summary                         |
      | patient2 | SUM  | Summary                         |
