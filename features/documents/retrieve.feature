@documents @1.6.2 @DocumentsRetrieve @spec:access_documents_development_retrieve_patient_documents
Feature: Retrieve a document
  A consumer retrieves a document from the url of its DocumentReference: GET /Binary/[id] on the documents service
  root (Access Document 1.6.2, "Retrieve a document"). The answer is a Binary with the document's MIME type, its
  content in base64 and the Binary's versionId. Documents up to 5 MB can be retrieved; a larger one, or an id the
  provider does not hold, is 404 NO_RECORD_FOUND.

  @guards:doc-binary-wrong-content-type @guards:doc-wrong-size
  @id:docs.retrieve.01
  Scenario: Retrieving a document of a patient
    Given I configure a valid "DocumentsRetrieve" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR JSON
      And the response should be a Binary resource
      And the Binary should be the document its DocumentReference declared
      And the resource element "securityContext" should be absent

  @guards:no-version-id @guards:strong-etag @guards:etag-not-version
  @id:docs.retrieve.02
  Scenario: A retrieved Binary carries its version and the matching ETag
    Given I configure a valid "DocumentsRetrieve" request
    When I make the request
    Then the response status code should be "200"
      And the Binary should have a version
      And the response ETag should be the weak form of the resource version
      And the response should not be cacheable

  @guards:doc-large-retrievable
  @id:docs.retrieve.03
  Scenario: A document over 5 MB cannot be retrieved
    Given I configure the default "DocumentsRetrieve" request
      And I set the request id to "{logical-id:largeDocument}"
    When I make the request
    Then the response status code should be "404"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "NO_RECORD_FOUND"

  @guards:doc-unknown-binary-found
  @id:docs.retrieve.04
  Scenario: Retrieving a document the provider does not hold
    Given I configure the default "DocumentsRetrieve" request
      And I set the request id to "no-such-document"
    When I make the request
    Then the response status code should be "404"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "NO_RECORD_FOUND"
      And the response should not be cacheable

  @guards:ignore-accept-header
  @id:docs.retrieve.05
  Scenario: Retrieving a document in XML
    Given I configure a valid "DocumentsRetrieve" request
      And I set the "Accept" header to "application/fhir+xml"
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response body should be FHIR XML
      And the Binary should be the document its DocumentReference declared

  @guards:no-gzip
  @id:docs.retrieve.06
  Scenario: A document is served gzip-compressed on request
    Given I configure a valid "DocumentsRetrieve" request
      And I set the "Accept-Encoding" header to "gzip"
    When I make the request
    Then the response status code should be "200"
      And the response should be gzip encoded
      And the Binary should be the document its DocumentReference declared

  @guards:ignore-interaction-id
  @id:docs.retrieve.07
  Scenario: Retrieving a document with another interaction's ID is a bad request
    Given I configure a valid "DocumentsRetrieve" request
      And I set the Ssp-InteractionID header for the "DocumentsSearch" interaction
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @guards:accept-wrong-scope
  @id:docs.retrieve.08
  Scenario: Retrieving a document with an organisation scope is a bad request
    Given I configure a valid "DocumentsRetrieve" request
      And I set the JWT claim "requested_scope" to "organization/*.read"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"

  @guards:accept-expired-jwt
  @id:docs.retrieve.09
  Scenario: Retrieving a document with an expired token is a bad request
    Given I configure a valid "DocumentsRetrieve" request
      And the consumer clock is -600 seconds ahead
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
