//! Transport security shared by the harness and the reference provider: the specification's TLS facts, test
//! certificates generated at run time, and the probes that offer chosen protocol versions and cipher suites.
//!
//! - [`certs`]: a test PKI (CA, provider and SSP certificates, the official bad variants, a CRL);
//! - [`settings`]: the config's `security` section (a real provider's addresses and certificate variants);
//! - [`probe`]: handshakes with a chosen version and cipher suite (OpenSSL, which can offer weak suites) and a
//!   hand-built ClientHello for a suite no library will offer.

pub mod certs;
pub mod probe;
pub mod settings;

/// The cipher suites a provider must accept, as the specification gives them (an OpenSSL cipher string:
/// AESGCM+EECDH, AESGCM+EDH, AES256+EECDH, AES256+EDH; GP Connect 0.7.4 development_api_security_guidance).
pub const SPEC_CIPHERS: &str = "AESGCM+EECDH:AESGCM+EDH:AES256+EECDH:AES256+EDH";

/// The FQDN of the Spine Secure Proxy's client certificate in the generated test set: the host of the official
/// suite's self-signed SSP certificates (provider-testing `Certificates/Self Signed/SSP`).
pub const DEFAULT_SSP_FQDN: &str = "msg.dev.spine2.ncrs.nhs.uk";

/// The host and port of a URL authority (`host`, `host:443`, `[::1]:8443`), the host without brackets.
pub fn host_and_port(authority: &str) -> (&str, Option<u16>) {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']').unwrap_or((rest, ""));
        return (host, after.strip_prefix(':').and_then(|p| p.parse().ok()));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(p) => (host, Some(p)),
            Err(_) => (authority, None),
        },
        _ => (authority, None),
    }
}

/// The authority (`host:port`) of an absolute URL.
pub fn authority_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or_default()
}

/// Where and with what the security and SSP features reach the provider's transport.
#[derive(Debug, Clone, Default)]
pub struct TransportTarget {
    /// The provider's TLS base URL (`https://host:port`); the probes request the service roots' paths there.
    pub tls_base_url: Option<String>,
    /// The provider's plain-HTTP address, which must drop the connection or redirect to TLS.
    pub plain_url: Option<String>,
    /// The SSP client certificates the probes can present, by variant.
    pub clients: Vec<(certs::ClientVariant, certs::Pem)>,
    /// CAs trusted for the provider's certificate (PEM); `None`: the system's.
    pub ca_pem: Option<String>,
    /// The Spine Secure Proxy to send through (proxy-prefix form), when the client does not already.
    pub spine_proxy: Option<String>,
    /// What to set up when something is missing (a sentence for failure messages).
    pub setup_hint: String,
}

impl TransportTarget {
    /// The certificate of a variant, or why there is none.
    pub fn client(&self, variant: certs::ClientVariant) -> Result<&certs::Pem, String> {
        self.clients
            .iter()
            .find(|(v, _)| *v == variant)
            .map(|(_, p)| p)
            .ok_or_else(|| {
                format!(
                    "no `{}` SSP client certificate is configured; {}",
                    variant.config_key(),
                    self.setup_hint
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities_split_into_host_and_port() {
        assert_eq!(
            host_and_port("example.test:8080"),
            ("example.test", Some(8080))
        );
        assert_eq!(host_and_port("example.test"), ("example.test", None));
        assert_eq!(host_and_port("[::1]:80"), ("::1", Some(80)));
        assert_eq!(host_and_port("[::1]"), ("::1", None));
        assert_eq!(authority_of("https://h.test:1/a?b"), "h.test:1");
    }
}
