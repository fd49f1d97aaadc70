@documents @1.6.2 @DocumentsMigrate @spec:access_documents_development_migrate_patient_documents
Feature: Migrate a document
  A patient's new practice retrieves a document to migrate it: GET /Binary/[id] on the documents service root
  with the migrate interaction ID and a JWT whose reason_for_request is `migration` (Access Document 1.6.2,
  "Migrate a document"; cross-organisation audit and provenance, `reason_for_request`). There is no size limit:
  a document over 5 MB is returned whole.

  @guards:doc-binary-wrong-content-type
  @id:docs.migrate.01
  Scenario: Migrating a document of a patient
    Given I configure a valid "DocumentsMigrate" request
    When I make the request
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the response should be a Binary resource
      And the Binary should be the document its DocumentReference declared
      And the Binary should have a version

  @guards:doc-large-truncated
  @id:docs.migrate.02
  Scenario: A document over 5 MB is migrated whole
    Given I note what patient "patient4"'s document over 5 MB declares
      And I configure the default "DocumentsMigrate" request
      And I set the request id to "{logical-id:largeDocument}"
    When I make the request allowing a response of up to 64 MB
    Then the response status code should be "200"
      And the response should be valid against its profiles
      And the Binary should be the document its DocumentReference declared

  @id:docs.migrate.03
  Scenario Outline: Migrating a document for a reason other than migration is a bad request
    Given I configure a valid "DocumentsMigrate" request
      And I set the JWT claim "reason_for_request" to "<reason>"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
    Examples:
      | reason        | guards                          |
      | directcare    | doc-migrate-directcare-accepted |
      | secondaryuses | accept-wrong-reason             |

  @guards:doc-unknown-binary-found
  @id:docs.migrate.04
  Scenario: Migrating a document the provider does not hold
    Given I configure the default "DocumentsMigrate" request
      And I set the request id to "no-such-document"
    When I make the request
    Then the response status code should be "404"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "NO_RECORD_FOUND"

  @guards:accept-wrong-scope
  @id:docs.migrate.05
  Scenario: Migrating a document with an organisation scope is a bad request
    Given I configure a valid "DocumentsMigrate" request
      And I set the JWT claim "requested_scope" to "organization/*.read"
    When I make the request
    Then the response status code should be "400"
      And the response should be valid against its profiles
      And the response should be a OperationOutcome resource with error code "BAD_REQUEST"
