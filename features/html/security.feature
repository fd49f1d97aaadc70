@html @0.7.4 @security @HtmlMetadataRead @spec:development_api_security_guidance
Feature: Transport security of the DSTU2 service root
  The Access Record HTML server is reached as every GP Connect provider is: TLS 1.2 with mutual authentication,
  only the Spine Secure Proxy's client certificate (issued by the Spine CA, in date, not revoked, for the SSP's
  FQDN), and no service over plain HTTP (0.7.4 "API security guidance"; the official 0.7.4 Security.feature). The
  harness plays the SSP: each probe is one TLS connection to the provider's TLS address carrying a Conformance read
  on the DSTU2 root. A refusal is a closed connection or a 495/496 answer, as the official suite accepts both.

  @guards:tls-plain-http-served @guards:tls-no-hsts
  @id:html.sec.01
  Scenario: A plain-HTTP request is dropped or redirected to TLS with Strict-Transport-Security
    Given I configure the default "HtmlMetadataRead" request
    When I make the request over plain HTTP to the provider's TLS host
    Then the connection should be closed or the request redirected to https with Strict-Transport-Security

  @guards:tls-off @guards:tls-1.3-only
  @id:html.sec.02
  Scenario: A valid SSP client certificate is accepted over TLS 1.2
    Given I configure the default "HtmlMetadataRead" request
      And I present the "valid" SSP client certificate
    When I make the request over TLS 1.2
    Then the TLS handshake should succeed
      And the response status code should be "200"
      And the response should be a Conformance resource

  @guards:tls-no-client-cert-required
  @id:html.sec.03
  Scenario: A connection without a client certificate is refused
    Given I configure the default "HtmlMetadataRead" request
      And I present no client certificate
    When I make the request over TLS 1.2
    Then the provider should refuse the connection or answer "496"

  @id:html.sec.04
  Scenario Outline: A bad SSP client certificate is refused
    Given I configure the default "HtmlMetadataRead" request
      And I present the "<certificate>" SSP client certificate
    When I make the request over TLS 1.2
    Then the provider should refuse the connection or answer "495, 496"
    Examples:
      | certificate     | guards                          |
      | wrong-authority | tls-accepts-any-ca              |
      | expired         | tls-accepts-expired-client-cert |
      | revoked         | tls-ignores-crl                 |
      | wrong-fqdn      | tls-any-client-fqdn             |

  @guards:tls-old-versions
  @id:html.sec.05
  Scenario Outline: Protocols older than TLS 1.2 are refused
    Given I configure the default "HtmlMetadataRead" request
      And I present the "valid" SSP client certificate
    When I make the request over <protocol>
    Then the provider should refuse the connection
    Examples:
      | protocol |
      | TLS 1.0  |
      | TLS 1.1  |
