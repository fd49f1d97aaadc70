@html @0.7.4 @GetCareRecord @spec:accessrecord_development_html_implementation_guide
Feature: The XHTML of a care record section
  A care record section's narrative is XHTML following the FHIR narrative rules (Access Record HTML 0.7.4, "HTML
  implementation standards"): no head, body, scripts, styles, forms, frames, links or event attributes, no HTML
  entities, no platform-specific formatting characters; the section title in `<h1>`, subsection titles in `<h2>`,
  the tables each view requires with their ids, columns in order and `date-column` cells (layout guide and the
  view pages).

  @guards:html-disallowed-tag @guards:html-script @guards:html-event-attribute @guards:html-entity
  @id:html.view.01
  Scenario Outline: The XHTML holds no disallowed element or attribute
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section's XHTML should be well-formed
      And the care record section's XHTML should hold no "head" element
      And the care record section's XHTML should hold no "body" element
      And the care record section's XHTML should hold no "script" element
      And the care record section's XHTML should hold no "style" element
      And the care record section's XHTML should hold no "iframe" element
      And the care record section's XHTML should hold no "form" element
      And the care record section's XHTML should hold no "a" element
      And the care record section's XHTML should hold only the elements and attributes the FHIR narrative allows
      And the care record section's XHTML should hold no event attribute
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

  @guards:html-missing-subsection-headers
  @id:html.view.02
  Scenario Outline: The subsection titles of a multi-table view are h2 headings
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "<patient>"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section's XHTML should have the h2 headings "<headings>"
    Examples:
      | patient | code | headings |
      | patient2 | MED | Acute Medication (Last 12 Months),Current Repeat Medication,Discontinued Repeat Medication,All Medication,All Medication Issues |
      | patient2 | PRB | Active Problems and Issues,Major Inactive Problems and Issues,Other Inactive Problems and Issues |
      | patient2 | SUM | Emergency Codes,Last 3 Encounters,Active Problems and Issues,Major Inactive Problems and Issues,Current Allergies and Adverse Reactions,Acute Medication (Last 12 Months),Current Repeat Medication |
      | patient2 | ALL | Current Allergies and Adverse Reactions,Historical Allergies and Adverse Reactions |
      | patient1 | MED | Acute Medication (Last 12 Months),Current Repeat Medication,Discontinued Repeat Medication,All Medication,All Medication Issues |
      | patient1 | PRB | Active Problems and Issues,Major Inactive Problems and Issues,Other Inactive Problems and Issues |
      | patient1 | ALL | Current Allergies and Adverse Reactions,Historical Allergies and Adverse Reactions |

  @guards:html-table-columns-order
  @id:html.view.03
  Scenario Outline: The tables of a view have the view's columns in order
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "<patient>"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And table <table> of the care record section should have the column headers "<headers>"
    Examples:
      | patient | code | table | headers |
      | patient2 | ADM | 1 | Date,Entry,Details |
      | patient2 | ALL | 1 | Start Date,Details |
      | patient2 | ALL | 2 | Start Date,End Date,Details |
      | patient2 | CLI | 1 | Date,Entry,Details |
      | patient2 | ENC | 1 | Date,Title,Details |
      | patient2 | IMM | 1 | Date,Vaccination,Part,Contents,Details |
      | patient2 | MED | 1 | Type,Start Date,Medication Item,Dosage Instruction,Quantity,Scheduled End Date,Days Duration,Additional Information |
      | patient2 | MED | 2 | Type,Start Date,Medication Item,Dosage Instruction,Quantity,Last Issued Date,Number of Prescriptions Issued,Max Issues,Review Date,Additional Information |
      | patient2 | MED | 3 | Type,Last Issued Date,Medication Item,Dosage Instruction,Quantity,Discontinued Date,Discontinuation Reason,Additional Information |
      | patient2 | MED | 4 | Type,Start Date,Medication Item,Dosage Instruction,Quantity,Last Issued Date,Number of Prescriptions Issued,Discontinuation Details,Additional Information |
      | patient2 | MED | 5 | Type,Issue Date,Medication Item,Dosage Instruction,Quantity,Days Duration,Additional Information |
      | patient2 | OBS | 1 | Date,Entry,Value,Range,Details |
      | patient2 | PRB | 1 | Start Date,Entry,Significance,Details |
      | patient2 | PRB | 2 | Start Date,End Date,Entry,Significance,Details |
      | patient2 | PRB | 3 | Start Date,End Date,Entry,Significance,Details |
      | patient2 | REF | 1 | Date,From,To,Priority,Details |
      | patient2 | SUM | 1 | Date,Entry,Details,Location of further information |
      | patient2 | SUM | 2 | Date,Title,Details |
      | patient2 | SUM | 3 | Start Date,Entry,Significance,Details |
      | patient2 | SUM | 4 | Start Date,End Date,Entry,Significance,Details |
      | patient2 | SUM | 5 | Start Date,Details |
      | patient2 | SUM | 6 | Type,Start Date,Medication Item,Dosage Instruction,Quantity,Scheduled End Date,Days Duration,Additional Information |
      | patient2 | SUM | 7 | Type,Start Date,Medication Item,Dosage Instruction,Quantity,Last Issued Date,Number of Prescriptions Issued,Max Issues,Review Date,Additional Information |

  @guards:html-whitespace-formatting
  @id:html.view.04
  Scenario Outline: The XHTML holds no newline, carriage return or tab
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section's XHTML should hold no newline
      And the care record section's XHTML should hold no carriage return
      And the care record section's XHTML should hold no tab
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
  @id:html.view.05
  Scenario Outline: The section title is the view's h1 heading
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "<patient>"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the care record section's XHTML should have the h1 heading "<heading>"
    Examples:
      | patient | code | heading |
      | patient1 | ADM | Administrative Items |
      | patient2 | ALL | Allergies and Adverse Reactions |
      | patient1 | CLI | Clinical Items |
      | patient2 | ENC | Encounters |
      | patient1 | IMM | Immunisations |
      | patient2 | MED | Medications |
      | patient1 | OBS | Observations |
      | patient2 | PRB | Problems and Issues |
      | patient1 | REF | Referrals |
      | patient2 | SUM | Summary |
      | patient2 | ADM | Administrative Items |
      | patient1 | ALL | Allergies and Adverse Reactions |
      | patient2 | CLI | Clinical Items |
      | patient1 | ENC | Encounters |
      | patient2 | IMM | Immunisations |
      | patient1 | MED | Medications |
      | patient2 | OBS | Observations |
      | patient1 | PRB | Problems and Issues |
      | patient2 | REF | Referrals |
      | patient1 | SUM | Summary |

  @guards:html-missing-table-id
  @id:html.view.06
  Scenario Outline: The tables of a view carry the view's ids in order
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "<patient>"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the tables of the care record section should have the ids "<ids>"
    Examples:
      | patient | code | ids |
      | patient2 | ADM | adm-tab |
      | patient2 | MED | med-tab-acu-med,med-tab-curr-rep,med-tab-dis-rep,med-tab-all-sum,med-tab-all-iss |
      | patient2 | ALL | all-tab-curr,all-tab-hist |
      | patient2 | CLI | cli-tab |
      | patient2 | ENC | enc-tab |
      | patient2 | IMM | imm-tab |
      | patient2 | OBS | obs-tab |
      | patient2 | PRB | prb-tab-act,prb-tab-majinact,prb-tab-othinact |
      | patient2 | REF | ref-tab |
      | patient2 | SUM | cli-tab,enc-tab,prb-tab-act,prb-tab-majinact,all-tab-curr,med-tab-acu-med,med-tab-curr-rep |

  @guards:html-no-date-column-class
  @id:html.view.07
  Scenario Outline: The date cells of a table carry the date-column class and a dd-Mmm-yyyy date
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "<patient>"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And every data row of table "<table>" should have the date-column class on the columns "<columns>"
    Examples:
      | patient | code | table | columns |
      | patient2 | ADM | adm-tab | 1 |
      | patient2 | MED | med-tab-acu-med | 2,6 |
      | patient2 | MED | med-tab-curr-rep | 2,6,9 |
      | patient2 | MED | med-tab-dis-rep | 2,6 |
      | patient2 | MED | med-tab-all-sum | 2,6 |
      | patient2 | MED | med-tab-all-iss | 2 |
      | patient2 | ALL | all-tab-curr | 1 |
      | patient2 | ALL | all-tab-hist | 1,2 |
      | patient2 | CLI | cli-tab | 1 |
      | patient2 | ENC | enc-tab | 1 |
      | patient2 | IMM | imm-tab | 1 |
      | patient2 | OBS | obs-tab | 1 |
      | patient2 | PRB | prb-tab-act | 1 |
      | patient2 | PRB | prb-tab-majinact | 1,2 |
      | patient2 | PRB | prb-tab-othinact | 1,2 |
      | patient2 | REF | ref-tab | 1 |
      | patient2 | SUM | all-tab-curr | 1 |
      | patient2 | SUM | enc-tab | 1 |
      | patient2 | SUM | med-tab-acu-med | 2,6 |
      | patient2 | SUM | med-tab-curr-rep | 2,6,9 |
      | patient2 | SUM | prb-tab-act | 1 |
      | patient2 | SUM | prb-tab-majinact | 1,2 |
      | patient2 | SUM | cli-tab | 1 |
