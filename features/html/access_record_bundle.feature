@html @0.7.4 @GetCareRecord @spec:accessrecord_use_case_retrieve_a_care_record_section
Feature: The care record Bundle
  A care record section comes in a searchset Bundle (Access Record HTML 0.7.4, "Retrieve a care record section",
  "Payload response body"): the Composition first, then the Patient, the Organization (custodian), the
  Practitioner and the Device that generated the Composition (its author), each carrying its 0.7.2 profile and
  a version; the fixed values, references and element rules of those profiles (read from the 0.7.2
  StructureDefinitions) hold for every section.

  @guards:html-wrong-section
  @id:html.bundle.01
  Scenario Outline: The Bundle holds one Composition and one Patient
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And the Bundle should hold exactly one "Composition"
      And the Bundle should hold exactly one "Patient"
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

  @guards:html-composition-not-first
  @id:html.bundle.02
  Scenario Outline: The Composition is the first entry of a searchset Bundle
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And the response should be a Bundle resource of type "searchset"
      And the Composition should be the first entry of the Bundle
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
  @id:html.bundle.03
  Scenario Outline: Every resource of the Bundle carries its profile, and all but the Composition a version
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And the Composition should carry its profile
      And every Patient, Organization, Practitioner, Device and Location should carry its one profile and a version
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

  @guards:html-composition-type-wrong
  @id:html.bundle.04
  Scenario Outline: The Composition type is the profile's fixed coding
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And the Composition type should be the profile's fixed coding
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
  @id:html.bundle.05
  Scenario Outline: The Composition class, when present, is the profile's fixed coding
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And the Composition class, if present, should be the profile's fixed coding
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
  @id:html.bundle.06
  Scenario Outline: The Composition subject references the Patient in the Bundle
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And the Composition element "subject.reference" should reference a "Patient" in the Bundle
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

  @guards:html-no-device
  @id:html.bundle.07
  Scenario Outline: The Composition author references the Device in the Bundle
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And the Composition element "author[0].reference" should reference a "Device" in the Bundle
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
  @id:html.bundle.08
  Scenario Outline: The Composition custodian, when it has a reference, references an Organization in the Bundle
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And the Composition custodian, if it has a reference, should reference an "Organization" in the Bundle
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

  @guards:html-stu3-nhs-system
  @id:html.bundle.09
  Scenario Outline: The Patient carries an id and the NHS number asked for
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And the Patient should have an id
      And the Patient should carry the NHS number of patient "patient2"
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
  @id:html.bundle.10
  Scenario Outline: Every Patient telecom has a system and a value
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And every Patient telecom should have a system and a value
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
  @id:html.bundle.11
  Scenario Outline: The Patient marital status, when present, is one coding of its value set
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And the Patient "maritalStatus" codings should each be one coding of the profile's value set
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
  @id:html.bundle.12
  Scenario Outline: Every Patient contact relationship is one coding of its value set and its organization is in the Bundle
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And the Patient "contact.relationship" codings should each be one coding of the profile's value set
      And every Patient "contact.organization" reference should reference an "Organization" in the Bundle
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
  @id:html.bundle.13
  Scenario Outline: Every Patient communication language is one coding of its value set
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And the Patient "communication.language" codings should each be one coding of the profile's value set
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
  @id:html.bundle.14
  Scenario Outline: The Patient care provider, when present, is one Practitioner in the Bundle
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And the Patient should have at most one "careProvider"
      And every Patient "careProvider" reference should reference a "Practitioner" in the Bundle
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
  @id:html.bundle.15
  Scenario Outline: The Patient managing organization, when present, is an Organization in the Bundle
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And every Patient "managingOrganization" reference should reference an "Organization" in the Bundle
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
  @id:html.bundle.16
  Scenario Outline: The Patient carries no photo, animal or link
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And the Patient should not carry "photo"
      And the Patient should not carry "animal"
      And the Patient should not carry "link"
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
  @id:html.bundle.17
  Scenario Outline: Every Practitioner has a name and no photo or qualification
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And every Practitioner should have a name
      And every Practitioner should not carry "photo"
      And every Practitioner should not carry "qualification"
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
  @id:html.bundle.18
  Scenario Outline: Every Practitioner has at most one SDS user id and one SDS role profile id, and coded roles and languages
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And every Practitioner should carry at most one identifier of each SDS system, each with a value
      And every Practitioner role coding should be one SDS job role coding with a code and a display
      And the Practitioner "communication" codings should each be one coding of the profile's value set
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
  @id:html.bundle.19
  Scenario Outline: Every Practitioner role's managing organization is an Organization in the Bundle
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And every Practitioner "practitionerRole.managingOrganization" reference should reference an "Organization" in the Bundle
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
  @id:html.bundle.20
  Scenario Outline: Every Organization carries at most one ODS organisation code, and site codes with values
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And every Organization should carry at most one ODS organisation code, and every ODS identifier a value
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
  @id:html.bundle.21
  Scenario Outline: Every Organization type coding has a system, a code and a display
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And every Organization type should have at most one coding, with a system, a code and a display
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
  @id:html.bundle.22
  Scenario Outline: Every Organization part-of reference is an Organization in the Bundle
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And every Organization "partOf" reference should reference an "Organization" in the Bundle
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

  @guards:html-no-device
  @id:html.bundle.23
  Scenario Outline: The Device holds only the elements the profile allows
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And the Bundle should hold exactly one "Device"
      And the Device should carry none of the elements the profile removes
      And the Device should carry at most one identifier, with a value, and at most one note
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

  @guards:html-no-device
  @id:html.bundle.24
  Scenario Outline: The Device type is the profile's fixed coding
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section should be "<code>"
      And the Bundle should hold exactly one "Device"
      And the Device type should be the profile's fixed coding
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
