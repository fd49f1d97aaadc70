@documents @1.6.2 @DocumentsSearch @spec:access_documents_development_search_patient_documents
Feature: Search parameters of a patient's documents
  Provider systems support the search parameters `created` (the document's creation date, or its indexed date
  where it has none; `ge` for a lower bound, `le` for an upper bound, both for a period), `author` (the
  authoring organisation's ODS code: https://fhir.nhs.uk/Id/ods-organization-code|<code>) and `description`
  (a keyword searched in the description and the type). An `author` that is not an ODS code, and any query
  parameter failure, is INVALID_PARAMETER with diagnostics naming the parameter (Access Document 1.6.2, "Search
  for a patient's documents").

  @guards:doc-created-ignored
  @id:docs.search-params.01
  Scenario Outline: Searching documents created in a period returns only documents of that period
    Given I configure a valid "DocumentsSearch" request
      And I add the query parameter "created" with value "<from>"
      And I add the query parameter "created" with value "<to>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every DocumentReference should have been created in the requested period
    Examples:
      | from                                | to                                |
      | ge{date:-365}                       | le{date:+0}                       |
      | ge{date:-100}                       | le{date:-10}                      |
      | ge{date:-365 yyyy-MM-ddTHH:mm:sszzz} | le{date:-1 yyyy-MM-ddTHH:mm:sszzz} |

  @guards:doc-created-ignored
  @id:docs.search-params.02
  Scenario Outline: Searching documents created after, or before, a date
    Given I configure a valid "DocumentsSearch" request
      And I add the query parameter "created" with value "<created>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every DocumentReference should have been created in the requested period
    Examples:
      | created       |
      | ge{date:-365} |
      | le{date:-30}  |
      | le{date:-365} |

  @guards:doc-created-ignored
  @id:docs.search-params.03
  Scenario Outline: Searching documents created in a period no document can be from returns none
    Given I configure a valid "DocumentsSearch" request
      And I add the query parameter "created" with value "<created>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Bundle resource of type "searchset"
      And the Bundle should contain 0 DocumentReferences
    Examples:
      | created          |
      | ge{date:+1}      |
      | le{date:-36500}  |

  @guards:doc-created-unchecked
  @id:docs.search-params.04
  Scenario Outline: A created value that is not a date is an invalid parameter
    Given I configure a valid "DocumentsSearch" request
      And I add the query parameter "created" with value "<created>"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
      And the OperationOutcome diagnostics should mention "created"
    Examples:
      | created                          |
      | ge2024-13-45                     |
      | geyesterday                      |
      | ge{date:-1 yyyy-MM-ddTHH:mm:ss}  |

  @guards:doc-author-ignored
  @id:docs.search-params.05
  Scenario Outline: Searching documents by authoring organisation returns only that organisation's documents
    Given I configure a valid "DocumentsSearch" request
      And I add the query parameter "author" with value "https://fhir.nhs.uk/Id/ods-organization-code|{ods:<organisation>}"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every DocumentReference should be authored by the requested organisation
    Examples:
      | organisation |
      | ORG1         |
      | ORG2         |

  @guards:doc-author-ignored
  @id:docs.search-params.06
  Scenario: Searching documents by an organisation that authored none returns none
    Given I configure a valid "DocumentsSearch" request
      And I add the query parameter "author" with value "https://fhir.nhs.uk/Id/ods-organization-code|{ods:unknownORG}"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the Bundle should contain 0 DocumentReferences

  @guards:doc-author-system-unchecked
  @id:docs.search-params.07
  Scenario Outline: An author that is not an ODS code is an invalid parameter
    Given I configure a valid "DocumentsSearch" request
      And I add the query parameter "author" with value "<author>"
    When I make the request
    Then the response status code should be "422"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "INVALID_PARAMETER"
      And the OperationOutcome diagnostics should mention "author"
    Examples:
      | author                                           |
      | https://bad-identifier\|{ods:ORG1}               |
      | https://fhir.nhs.uk/Id/sds-user-id\|{sds:practitioner2} |
      | {ods:ORG1}                                       |

  @guards:doc-description-ignored
  @id:docs.search-params.08
  Scenario Outline: Searching documents by keyword returns only documents whose description or type has it
    Given I configure a valid "DocumentsSearch" request
      And I add the query parameter "description" with value "<keyword>"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every DocumentReference's description or type should contain the requested keyword
    Examples:
      | keyword   |
      | Discharge |
      | Referral  |
      | pathology |

  @guards:doc-description-ignored
  @id:docs.search-params.09
  Scenario: Searching documents by a keyword no document has returns none
    Given I configure a valid "DocumentsSearch" request
      And I add the query parameter "description" with value "Zqxjv"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the Bundle should contain 0 DocumentReferences

  @guards:doc-created-ignored @guards:doc-author-ignored
  @id:docs.search-params.10
  Scenario: Searching documents by period and author applies both
    Given I configure a valid "DocumentsSearch" request
      And I add the query parameter "created" with value "ge{date:-365}"
      And I add the query parameter "author" with value "https://fhir.nhs.uk/Id/ods-organization-code|{ods:ORG2}"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And every DocumentReference should have been created in the requested period
      And every DocumentReference should be authored by the requested organisation
