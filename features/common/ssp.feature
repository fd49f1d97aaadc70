@common @ssp @1.2.9 @spec:development_general_api_guidance
@guards:tls-off @guards:tls-1.3-only @guards:tls-expired-server-cert
Feature: Requests through the Spine Secure Proxy
  Consumers reach a provider through the Spine Secure Proxy in the proxy-prefix form
  `https://[ssp_fqdn]/https://[provider_fqdn]/[service_root]/[FHIR request]`; the SSP connects to the provider
  over TLS 1.2 with its client certificate, checks the provider's certificate, and the provider sees only its own
  part of the URL (General API guidance, "Spine Secure Proxy"). Against the embedded reference provider the
  requests go through a local SSP stand-in; against a real provider, through the `spine_proxy` of the config.
  The official suite's SSP.feature tests the SSP itself (its consumer certificates, ciphers and CORS), not a
  provider: see the README.

  @id:common.ssp-proxy.01
  Scenario Outline: A request in the SSP's URL form reaches its interaction
    Given I configure a valid "<interaction>" request
    When I make the request through the Spine Secure Proxy
    Then the response status code should indicate success
      And the response should be valid against its profiles
    Examples:
      | interaction             |
      | MetadataRead            |
      | PatientSearch           |
      | PatientRead             |
      | RegisterPatient         |
      | PractitionerSearch      |
      | PractitionerRead        |
      | OrganizationSearch      |
      | OrganizationRead        |
      | LocationRead            |
      | SearchForFreeSlots      |
      | AppointmentCreate       |
      | AppointmentRead         |
      | AppointmentAmend        |
      | AppointmentCancel       |
      | AppointmentSearch       |
      | StructuredMetadataRead  |
      | GetStructuredRecord     |
      | MigrateStructuredRecord |
      | DocumentsMetadataRead   |
      | DocumentsPatientSearch  |
      | DocumentsSearch         |
      | DocumentsRetrieve       |
      | DocumentsMigrate        |
