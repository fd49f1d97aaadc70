@common @security @1.2.9 @spec:development_api_security_guidance
Feature: Transport security
  Providers use TLS 1.2 with mutual authentication, accept only the Spine Secure Proxy's client certificate
  (issued by the Spine CA, in date, not revoked, for the SSP's FQDN), permit only the supported ciphers
  (AESGCM+EECDH, AESGCM+EDH, AES256+EECDH, AES256+EDH) and drop connections over insecure protocols (Security
  page, 1.x; the official suite's Security.feature). The harness plays the SSP: each probe is one TLS
  connection to the provider's TLS address carrying a CapabilityStatement read. A refusal is a closed connection
  or a 495/496 answer, as the official suite accepts both.

  @guards:tls-plain-http-served @guards:tls-no-hsts
  @id:common.security.01
  Scenario: A plain-HTTP request is dropped or redirected to TLS with Strict-Transport-Security
    Given I configure the default "MetadataRead" request
    When I make the request over plain HTTP to the provider's TLS host
    Then the connection should be closed or the request redirected to https with Strict-Transport-Security

  @guards:tls-off @guards:tls-1.3-only
  @id:common.security.02
  Scenario: A valid SSP client certificate is accepted over TLS 1.2
    Given I configure the default "MetadataRead" request
      And I present the "valid" SSP client certificate
    When I make the request over TLS 1.2
    Then the TLS handshake should succeed
      And the response status code should indicate success
      And the response should be a CapabilityStatement resource

  @id:common.security.03
  Scenario Outline: A bad SSP client certificate is refused
    Given I configure the default "MetadataRead" request
      And I present the "<certificate>" SSP client certificate
    When I make the request over TLS 1.2
    Then the provider should refuse the connection or answer "495, 496"
    Examples:
      | certificate     | guards                          |
      | expired         | tls-accepts-expired-client-cert |
      | wrong-fqdn      | tls-any-client-fqdn             |
      | wrong-authority | tls-accepts-any-ca              |
      | revoked         | tls-ignores-crl                 |

  @guards:tls-no-client-cert-required
  @id:common.security.04
  Scenario: A connection without a client certificate is refused
    Given I configure the default "MetadataRead" request
      And I present no client certificate
    When I make the request over TLS 1.2
    Then the provider should refuse the connection or answer "496"

  @id:common.security.05
  Scenario Outline: Every supported cipher suite is accepted
    Given I configure the default "MetadataRead" request
      And I present the "valid" SSP client certificate
      And I offer only the cipher suite "<cipher>"
    When I make the request over TLS 1.2
    Then the TLS handshake should succeed with the cipher suite "<cipher>"
      And the response status code should indicate success
    Examples:
      | cipher                      | guards                    |
      | ECDHE-RSA-AES128-GCM-SHA256 | tls-1.3-only              |
      | ECDHE-RSA-AES256-GCM-SHA384 | tls-1.3-only              |
      | ECDHE-RSA-AES256-SHA384     | tls-1.3-only              |
      | ECDHE-RSA-AES256-SHA        | tls-1.3-only              |
      | DHE-RSA-AES128-GCM-SHA256   | tls-1.3-only, tls-no-dhe  |
      | DHE-RSA-AES256-GCM-SHA384   | tls-1.3-only, tls-no-dhe  |
      | DHE-RSA-AES256-SHA256       | tls-1.3-only, tls-no-dhe  |
      | DHE-RSA-AES256-SHA          | tls-1.3-only, tls-no-dhe  |

  @guards:tls-off
  @id:common.security.06
  Scenario: A cipher suite that does not exist is refused
    # The official test asks cURL for the cipher "ABC-DEF", which fails in the client before any connection. Here
    # a hand-built ClientHello offers only the unassigned code point 0x0B0B, so the provider itself must refuse.
    When I offer the provider only the unassigned cipher suite 0x0B0B
    Then the provider should refuse the handshake without choosing a cipher suite

  @id:common.security.07
  Scenario Outline: A cipher suite outside the supported list is refused
    Given I configure the default "MetadataRead" request
      And I present the "valid" SSP client certificate
      And I offer only the cipher suite "<cipher>"
    When I make the request over TLS 1.2
    Then the provider should refuse the connection
    Examples:
      | cipher        | guards             |
      | NULL-MD5      | tls-null-cipher    |
      | AES128-SHA256 | tls-non-pfs-cipher |

  @guards:tls-old-versions
  @id:common.security.08
  Scenario Outline: Protocols older than TLS 1.2 are refused
    Given I configure the default "MetadataRead" request
      And I present the "valid" SSP client certificate
    When I make the request over <protocol>
    Then the provider should refuse the connection
    Examples:
      | protocol |
      | TLS 1.0  |
      | TLS 1.1  |

  @guards:tls-expired-server-cert
  @id:common.security.09
  Scenario: The provider's certificate is trusted, in date and issued for its host
    Given I configure the default "MetadataRead" request
      And I present the "valid" SSP client certificate
    When I make the request over TLS 1.2 checking the provider's certificate
    Then the TLS handshake should succeed
      And the response status code should indicate success
