//! The `security` section of the config: where the security features find a real provider's TLS and plain-HTTP
//! addresses, the SSP client certificate variants they present, and the CAs the provider's certificate must chain
//! to. Only paths are held (key material is read when the run starts and never reaches a report).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::certs::{ClientVariant, Pem};

/// A PEM certificate and its PEM private key.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CertFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl CertFiles {
    /// Reads both files; the error names the config key and the file.
    pub fn read(&self, key: &str) -> Result<Pem, String> {
        let read = |p: &PathBuf, what: &str| {
            std::fs::read_to_string(p).map_err(|e| format!("{key}.{what} {}: {e}", p.display()))
        };
        let pem = Pem {
            cert: read(&self.cert, "cert")?,
            key: read(&self.key, "key")?,
        };
        if !pem.cert.contains("-----BEGIN CERTIFICATE-----") {
            return Err(format!(
                "{key}.cert {}: no PEM certificate in the file",
                self.cert.display()
            ));
        }
        if !pem.key.contains("PRIVATE KEY-----") {
            return Err(format!(
                "{key}.key {}: no PEM private key in the file",
                self.key.display()
            ));
        }
        Ok(pem)
    }
}

/// The `security` section.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// The provider's TLS address (`https://host:port`); default: `--provider` when it is https.
    pub tls_url: Option<String>,
    /// The provider's plain-HTTP address, which must drop connections or redirect to TLS; default: the TLS
    /// address's host on port 80.
    pub plain_url: Option<String>,
    /// CAs the provider's certificate must chain to (PEM); default: `tls.ca_bundle`, else the system's.
    pub ca_bundle: Option<PathBuf>,
    /// The SSP client certificates by variant: `valid` (default: `tls.client_cert`/`client_key`), `expired`,
    /// `wrong_fqdn`, `wrong_authority`, `revoked`.
    pub client_certificates: BTreeMap<String, CertFiles>,
}

impl SecurityConfig {
    /// Checks the keys (the files are read when a run starts).
    pub fn validate(&self) -> Result<(), crate::config::ConfigError> {
        let invalid =
            |key: String, message: String| crate::config::ConfigError::Invalid { key, message };
        for (key, url, scheme) in [
            ("security.tls_url", &self.tls_url, "https://"),
            ("security.plain_url", &self.plain_url, "http://"),
        ] {
            if let Some(u) = url {
                if !u.starts_with(scheme) {
                    return Err(invalid(
                        key.into(),
                        format!("`{u}` must start with {scheme}"),
                    ));
                }
            }
        }
        for name in self.client_certificates.keys() {
            if ClientVariant::from_key(name).is_none() {
                let known: Vec<&str> = ClientVariant::ALL.iter().map(|v| v.config_key()).collect();
                return Err(invalid(
                    format!("security.client_certificates.{name}"),
                    format!("not a certificate variant; use one of {}", known.join(", ")),
                ));
            }
        }
        Ok(())
    }

    /// The configured variants, read.
    pub fn read_clients(&self) -> Result<Vec<(ClientVariant, Pem)>, String> {
        self.client_certificates
            .iter()
            .filter_map(|(name, files)| ClientVariant::from_key(name).map(|v| (v, name, files)))
            .map(|(v, name, files)| {
                files
                    .read(&format!("security.client_certificates.{name}"))
                    .map(|pem| (v, pem))
            })
            .collect()
    }
}
