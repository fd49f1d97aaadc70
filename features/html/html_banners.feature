@html @0.7.4 @GetCareRecord @spec:accessrecord_development_html_layout_guide
Feature: The banners and fixed texts of a care record section
  The layout guide's banners (Access Record HTML 0.7.4, "Layout guide"): the date banner of every part that
  supports a date filter (the consumer's period, only a start, only an end, and without one the provider's default
  time frame for the section, "All data items from [SysDate – DefaultDatePeriod]", as the config's
  `html.default_time_frames` declares it, or "All relevant items" where it declares none),
  "Date filter not applied" for the parts that take no filter when a period is applied, no date banner where a
  view takes no filter, the GP transfer banner of a record in transit, the Discontinued Repeat Medication content
  banner, the "No '...' data is recorded for this patient." text of an empty part (implementation guide), and
  the All Medication table that summarises the All Medication Issues (medications view).

  @guards:html-missing-date-banner @guards:html-default-time-frame-overrides-period
  @id:html.banner.01
  Scenario Outline: A period applied to a filtered section is stated in the date banner of every filtered part
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "<patient>"
      And I request the care record section "<code>"
      And I request the time period from "<start>" to "<end>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the date banners of the section should say "For the period '<from>' to '<to>'"
    Examples:
      | code | patient | start | end | from | to |
      | ADM | patient2 | 2014-05-03 | 2016-09-14 | 03-May-2014 | 14-Sep-2016 |
      | CLI | patient2 | 2014-02-03 | 2016-01-24 | 03-Feb-2014 | 24-Jan-2016 |
      | ENC | patient2 | 1982-10-05 | 2016-09-01 | 05-Oct-1982 | 01-Sep-2016 |
      | REF | patient2 | 2014-03-21 | 2016-12-14 | 21-Mar-2014 | 14-Dec-2016 |
      | ADM | patient2 | 2014-05 | 2016-09 | 01-May-2014 | 30-Sep-2016 |
      | CLI | patient2 | 2014-02 | 2016-01 | 01-Feb-2014 | 31-Jan-2016 |
      | ENC | patient2 | 2014-10 | 2016-09 | 01-Oct-2014 | 30-Sep-2016 |
      | REF | patient2 | 2014-03 | 2016-12 | 01-Mar-2014 | 31-Dec-2016 |
      | ADM | patient2 | 1992 | 2016 | 01-Jan-1992 | 31-Dec-2016 |
      | CLI | patient2 | 2014 | 2017 | 01-Jan-2014 | 31-Dec-2017 |
      | ENC | patient2 | 2012 | 2014 | 01-Jan-2012 | 31-Dec-2014 |
      | REF | patient2 | 2016 | 2016 | 01-Jan-2016 | 31-Dec-2016 |
      | MED | patient2 | 2014-02-03 | 2016-01-24 | 03-Feb-2014 | 24-Jan-2016 |
      | OBS | patient2 | 2014-02-03 | 2016-01-24 | 03-Feb-2014 | 24-Jan-2016 |
      | PRB | patient2 | 2014-02-03 | 2016-01-24 | 03-Feb-2014 | 24-Jan-2016 |
      | OBS | patient2 | 2016-02 | 2016-02 | 01-Feb-2016 | 29-Feb-2016 |
      | MED | patient2 | 2015-10-23T11:08:32+00:00 | 2016-12-08T23:59:59+00:00 | 23-Oct-2015 | 08-Dec-2016 |

  @guards:html-missing-date-banner
  @id:html.banner.02
  Scenario Outline: A period with only a start is stated as the data items from that date
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "<patient>"
      And I request the care record section "<code>"
      And I request the time period from "<start>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the date banners of the section should say the data items are from "<from>"
    Examples:
      | code | patient | start | from |
      | ENC | patient1 | 1982-10-05 | 05-Oct-1982 |
      | CLI | patient2 | 2014-02 | 01-Feb-2014 |
      | PRB | patient1 | 2014 | 01-Jan-2014 |
      | MED | patient2 | 2016-12 | 01-Dec-2016 |
      | REF | patient1 | 2016-11 | 01-Nov-2016 |
      | OBS | patient2 | 2016-09 | 01-Sep-2016 |
      | ADM | patient1 | 2016-12 | 01-Dec-2016 |

  @guards:html-missing-date-banner
  @id:html.banner.03
  Scenario Outline: A period with only an end is stated as the data items until that date
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "<patient>"
      And I request the care record section "<code>"
      And I request the time period to "<end>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the date banners of the section should say the data items are until "<to>"
    Examples:
      | code | patient | end | to |
      | ENC | patient2 | 2016-12-12 | 12-Dec-2016 |
      | CLI | patient2 | 2016-02 | 29-Feb-2016 |
      | PRB | patient2 | 2016 | 31-Dec-2016 |
      | MED | patient2 | 2016-12 | 31-Dec-2016 |
      | REF | patient2 | 2016-11 | 30-Nov-2016 |
      | OBS | patient2 | 2016-09 | 30-Sep-2016 |
      | ADM | patient2 | 2016-12 | 31-Dec-2016 |

  @guards:html-missing-date-banner @guards:html-default-time-frame-ignored
  @id:html.banner.04
  Scenario Outline: Without a period the date banners state the section's default time frame, or all relevant items
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "<patient>"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the date banners of the section should state the provider's default time frame
    Examples:
      | code | patient |
      | ADM | patient2 |
      | CLI | patient2 |
      | ENC | patient2 |
      | REF | patient2 |
      | MED | patient2 |
      | OBS | patient2 |
      | PRB | patient2 |
      | ADM | patient1 |
      | CLI | patient1 |
      | ENC | patient1 |
      | REF | patient1 |
      | MED | patient1 |
      | OBS | patient1 |
      | PRB | patient1 |

  @guards:html-period-ignored @guards:html-no-data-text-missing
  @id:html.banner.05
  Scenario Outline: A period before any of the patient's data leaves the filtered section with the no-data text
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "<patient>"
      And I request the care record section "<code>"
      And I request the time period from "<start>" to "<end>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the date banners of the section should say "For the period '<from>' to '<to>'"
      And the part headed "<heading>" should say that no '<heading>' data is recorded for this patient
    Examples:
      | code | patient | start | end | from | to | heading |
      | ADM | patient2 | 2014-05-03 | 2015-04-30 | 03-May-2014 | 30-Apr-2015 | Administrative Items |
      | CLI | patient2 | 2014-02-03 | 2015-01-24 | 03-Feb-2014 | 24-Jan-2015 | Clinical Items |
      | ENC | patient2 | 1982-10-05 | 2015-04-30 | 05-Oct-1982 | 30-Apr-2015 | Encounters |
      | REF | patient2 | 2014-03-21 | 2015-03-14 | 21-Mar-2014 | 14-Mar-2015 | Referrals |
      | OBS | patient2 | 2013-01-01 | 2014-12-31 | 01-Jan-2013 | 31-Dec-2014 | Observations |

  @guards:html-no-data-text-missing
  @id:html.banner.06
  Scenario Outline: An empty part of a patient without data says that no data is recorded
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "<patient>"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the part headed "<heading>" should say that no '<heading>' data is recorded for this patient
    Examples:
      | code | patient | heading |
      | ADM | patient1 | Administrative Items |
      | CLI | patient1 | Clinical Items |
      | ENC | patient1 | Encounters |
      | SUM | patient1 | Last 3 Encounters |
      | SUM | patient1 | Active Problems and Issues |
      | SUM | patient1 | Major Inactive Problems and Issues |
      | SUM | patient1 | Current Allergies and Adverse Reactions |
      | SUM | patient1 | Acute Medication (Last 12 Months) |
      | SUM | patient1 | Current Repeat Medication |
      | REF | patient1 | Referrals |
      | ALL | patient1 | Current Allergies and Adverse Reactions |
      | ALL | patient1 | Historical Allergies and Adverse Reactions |
      | IMM | patient1 | Immunisations |
      | MED | patient1 | Acute Medication (Last 12 Months) |
      | MED | patient1 | Current Repeat Medication |
      | MED | patient1 | Discontinued Repeat Medication |
      | MED | patient1 | All Medication |
      | MED | patient1 | All Medication Issues |
      | OBS | patient1 | Observations |
      | PRB | patient1 | Active Problems and Issues |
      | PRB | patient1 | Major Inactive Problems and Issues |
      | PRB | patient1 | Other Inactive Problems and Issues |

  @guards:html-missing-date-banner
  @id:html.banner.07
  Scenario Outline: A period applied to a view says the date filter is not applied in the parts that take no filter
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "<patient>"
      And I request the care record section "<code>"
      And I request the time period from "2018-04-20" to "2018-04-30"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the part headed "<heading>" should have a date banner saying "Date filter not applied"
    Examples:
      | code | patient | heading |
      | MED | patient2 | Acute Medication (Last 12 Months) |
      | MED | patient2 | Current Repeat Medication |
      | MED | patient2 | Discontinued Repeat Medication |
      | PRB | patient2 | Active Problems and Issues |

  @guards:html-missing-date-banner
  @id:html.banner.08
  Scenario Outline: The parts of a view that support a date filter have a date banner
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "<patient>"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the part headed "<heading>" should have a date banner
    Examples:
      | code | patient | heading |
      | ADM | patient2 | Administrative Items |
      | CLI | patient2 | Clinical Items |
      | ENC | patient2 | Encounters |
      | MED | patient2 | All Medication |
      | MED | patient2 | All Medication Issues |
      | OBS | patient2 | Observations |
      | PRB | patient2 | Active Problems and Issues |
      | PRB | patient2 | Major Inactive Problems and Issues |
      | PRB | patient2 | Other Inactive Problems and Issues |
      | REF | patient2 | Referrals |

  @guards:html-no-gp-transfer-banner
  @id:html.banner.09
  Scenario Outline: The record of a patient in transit has the GP transfer banner below the section title
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "<patient>"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the part headed "<heading>" should have the GP transfer banner with the date the patient registered
    Examples:
      | code | patient | heading |
      | SUM | patient13 | Summary |
      | ADM | patient13 | Administrative Items |
      | ALL | patient13 | Allergies and Adverse Reactions |
      | CLI | patient13 | Clinical Items |
      | ENC | patient13 | Encounters |
      | IMM | patient13 | Immunisations |
      | MED | patient13 | Medications |
      | OBS | patient13 | Observations |
      | PRB | patient13 | Problems and Issues |
      | REF | patient13 | Referrals |

  @guards:html-medication-grouping-wrong @spec:accessrecord_view_medications
  @id:html.banner.10
  Scenario: All Medication summarises All Medication Issues, grouped by medication item
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "MED"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the All Medication table should summarise the All Medication Issues table
      And the grouped rows of the All Medication and All Medication Issues tables should carry the med-item-column class and head their medication's rows

  @guards:html-discontinued-banner-missing @spec:accessrecord_view_medications
  @id:html.banner.11
  Scenario: The Discontinued Repeat Medication subsection has its content banner
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "patient2"
      And I request the care record section "MED"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the part headed "Discontinued Repeat Medication" should have a content banner saying "All repeat medication ended by a clinician action"

  @guards:html-date-banner-on-agnostic
  @id:html.banner.12
  Scenario Outline: The parts of a view that take no date filter have no date banner
    Given I configure the default "GetCareRecord" request
      And I request the care record of patient "<patient>"
      And I request the care record section "<code>"
    When I make the request
    Then the response status code should be "200"
      And the response body should be FHIR JSON
      And the <level> parts headed "<headings>" should have no date banner
    Examples:
      | code | patient | level | headings |
      | SUM | patient2 | h2 | Last 3 Encounters,Active Problems and Issues,Major Inactive Problems and Issues,Current Allergies and Adverse Reactions,Acute Medication (Last 12 Months),Current Repeat Medication |
      | ALL | patient2 | h2 | Current Allergies and Adverse Reactions,Historical Allergies and Adverse Reactions |
      | IMM | patient2 | h1 | Immunisations |
      | SUM | patient2 | h1 | Summary |
      | ALL | patient2 | h1 | Allergies and Adverse Reactions |
