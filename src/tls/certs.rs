//! A test PKI generated at run time (nothing private is committed): a CA standing for the Spine CA, the
//! provider's server certificate, the Spine Secure Proxy's client certificate, the official suite's bad variants
//! of it (expired, wrong FQDN, wrong authority, revoked), a consumer certificate for the consumer-to-SSP leg, and a
//! CRL that revokes the revoked variant.
//!
//! Validity is judged on the system clock by both TLS stacks, as in a real deployment, so the certificates are
//! dated from the system clock (not the harness's replayable clock): valid ones from a day ago for two years,
//! the expired one from 400 days ago to 30 days ago.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use openssl::pkey::{PKey, Private};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    RevocationReason, RevokedCertParams, SerialNumber,
};
use time::{Duration, OffsetDateTime};

/// Generating or writing the test certificates failed.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("cannot generate a test key: {0}")]
    Key(#[from] openssl::error::ErrorStack),
    #[error("cannot generate a test certificate: {0}")]
    Cert(#[from] rcgen::Error),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A certificate and its private key, PEM encoded.
#[derive(Clone, PartialEq, Eq)]
pub struct Pem {
    pub cert: String,
    pub key: String,
}

impl std::fmt::Debug for Pem {
    // The key never reaches a log or a report.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pem")
            .field("cert", &format_args!("{} bytes", self.cert.len()))
            .field("key", &"<redacted>")
            .finish()
    }
}

/// The Spine Secure Proxy client certificates of the official security tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientVariant {
    /// Issued by the CA to the SSP's FQDN, in date, not revoked.
    Valid,
    /// Its validity ended 30 days ago.
    Expired,
    /// Issued to another FQDN than the SSP's.
    WrongFqdn,
    /// Issued by a CA the provider does not trust.
    WrongAuthority,
    /// Listed in the CA's CRL.
    Revoked,
}

impl ClientVariant {
    pub const ALL: [ClientVariant; 5] = [
        Self::Valid,
        Self::Expired,
        Self::WrongFqdn,
        Self::WrongAuthority,
        Self::Revoked,
    ];

    /// The variant's key in the config (`wrong_fqdn`; feature files may write `wrong-fqdn`).
    pub fn config_key(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Expired => "expired",
            Self::WrongFqdn => "wrong_fqdn",
            Self::WrongAuthority => "wrong_authority",
            Self::Revoked => "revoked",
        }
    }

    /// The variant a feature file or config names.
    pub fn from_key(key: &str) -> Option<Self> {
        let key = key.replace('-', "_");
        Self::ALL.into_iter().find(|v| v.config_key() == key)
    }

    /// The file stem `certs generate` writes the variant under.
    pub fn file_stem(self) -> &'static str {
        match self {
            Self::Valid => "ssp-client",
            Self::Expired => "ssp-client-expired",
            Self::WrongFqdn => "ssp-client-wrong-fqdn",
            Self::WrongAuthority => "ssp-client-wrong-authority",
            Self::Revoked => "ssp-client-revoked",
        }
    }
}

/// What the generated set is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiOptions {
    /// Names the provider's certificate is valid for (DNS names or IP addresses).
    pub hosts: Vec<String>,
    /// The SSP's FQDN, which the provider requires of client certificates.
    pub ssp_fqdn: String,
}

impl Default for PkiOptions {
    fn default() -> Self {
        Self {
            hosts: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            ssp_fqdn: super::DEFAULT_SSP_FQDN.into(),
        }
    }
}

/// The FQDN of the wrong-FQDN variant.
pub const WRONG_FQDN: &str = "not-the-ssp.gpc-assure.test";
/// The FQDN of the consumer's certificate (consumer-to-SSP leg).
pub const CONSUMER_FQDN: &str = "consumer.gpc-assure.test";

/// A generated test PKI.
#[derive(Debug, Clone)]
pub struct TestPki {
    pub options: PkiOptions,
    /// The CA standing for the Spine CA (PEM).
    pub ca_cert: String,
    /// A CA nobody trusts, issuer of the wrong-authority variant (PEM).
    pub other_ca_cert: String,
    /// The provider's server certificate and key.
    pub server: Pem,
    /// The same server certificate, expired (for the `tls-expired-server-cert` fault).
    pub server_expired: Pem,
    /// The consumer's client certificate (consumer-to-SSP leg).
    pub consumer: Pem,
    /// The CA's CRL revoking the revoked variant (PEM).
    pub crl: String,
    clients: Vec<(ClientVariant, Pem)>,
}

fn rsa_key() -> Result<(KeyPair, PKey<Private>), CertError> {
    // RSA: the specification's suites are ECDHE-RSA and DHE-RSA, so the provider's key must be RSA.
    let key = PKey::from_rsa(openssl::rsa::Rsa::generate(2048)?)?;
    let pem = String::from_utf8_lossy(&key.private_key_to_pem_pkcs8()?).into_owned();
    let pair = KeyPair::from_pkcs8_pem_and_sign_algo(&pem, &rcgen::PKCS_RSA_SHA256)?;
    Ok((pair, key))
}

fn serial() -> SerialNumber {
    let mut bytes = *uuid::Uuid::new_v4().as_bytes();
    bytes[0] &= 0x7f; // a positive INTEGER
    SerialNumber::from_slice(&bytes)
}

fn name(common: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "gpc-assure test PKI");
    dn.push(DnType::CommonName, common);
    dn
}

fn authority(common: &str, now: OffsetDateTime) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = name(common);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p.not_before = now - Duration::days(1);
    p.not_after = now + Duration::days(3 * 365);
    p.serial_number = Some(serial());
    p
}

fn leaf_params(
    common: &str,
    sans: &[String],
    client: bool,
    (not_before, not_after): (OffsetDateTime, OffsetDateTime),
) -> Result<CertificateParams, CertError> {
    let mut p = CertificateParams::new(sans.to_vec())?;
    p.distinguished_name = name(common);
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    p.extended_key_usages = vec![if client {
        ExtendedKeyUsagePurpose::ClientAuth
    } else {
        ExtendedKeyUsagePurpose::ServerAuth
    }];
    p.not_before = not_before;
    p.not_after = not_after;
    p.serial_number = Some(serial());
    Ok(p)
}

fn key_pem(key: &PKey<Private>) -> Result<String, CertError> {
    Ok(String::from_utf8_lossy(&key.private_key_to_pem_pkcs8()?).into_owned())
}

impl TestPki {
    /// Generates a fresh set (three RSA keys: the two CAs' and one shared by the leaf certificates).
    pub fn generate(options: PkiOptions) -> Result<Self, CertError> {
        let now = OffsetDateTime::now_utc();
        let valid = (now - Duration::days(1), now + Duration::days(2 * 365));
        let expired = (now - Duration::days(400), now - Duration::days(30));

        let (ca_pair, _) = rsa_key()?;
        let ca_params = authority("gpc-assure Test Spine CA", now);
        let ca_cert = ca_params.self_signed(&ca_pair)?;
        let ca = Issuer::new(ca_params, ca_pair);
        let (other_pair, _) = rsa_key()?;
        let other_params = authority("gpc-assure Untrusted CA", now);
        let other_cert = other_params.self_signed(&other_pair)?;
        let other = Issuer::new(other_params, other_pair);

        let (leaf_pair, leaf_key) = rsa_key()?;
        let leaf_key_pem = key_pem(&leaf_key)?;
        let pem = |params: CertificateParams, issuer: &Issuer<'_, KeyPair>| {
            Ok::<_, CertError>(Pem {
                cert: params.signed_by(&leaf_pair, issuer)?.pem(),
                key: leaf_key_pem.clone(),
            })
        };
        let server_name = options
            .hosts
            .first()
            .cloned()
            .unwrap_or_else(|| "localhost".into());
        let server = pem(
            leaf_params(&server_name, &options.hosts, false, valid)?,
            &ca,
        )?;
        let server_expired = pem(
            leaf_params(&server_name, &options.hosts, false, expired)?,
            &ca,
        )?;
        let ssp = std::slice::from_ref(&options.ssp_fqdn);
        let wrong = [WRONG_FQDN.to_string()];
        let revoked_params = leaf_params(&options.ssp_fqdn, ssp, true, valid)?;
        let revoked_serial = revoked_params.serial_number.clone().unwrap_or_else(serial);
        let clients = vec![
            (
                ClientVariant::Valid,
                pem(leaf_params(&options.ssp_fqdn, ssp, true, valid)?, &ca)?,
            ),
            (
                ClientVariant::Expired,
                pem(leaf_params(&options.ssp_fqdn, ssp, true, expired)?, &ca)?,
            ),
            (
                ClientVariant::WrongFqdn,
                pem(leaf_params(WRONG_FQDN, &wrong, true, valid)?, &ca)?,
            ),
            (
                ClientVariant::WrongAuthority,
                pem(leaf_params(&options.ssp_fqdn, ssp, true, valid)?, &other)?,
            ),
            (ClientVariant::Revoked, pem(revoked_params, &ca)?),
        ];
        let consumer = pem(
            leaf_params(CONSUMER_FQDN, &[CONSUMER_FQDN.to_string()], true, valid)?,
            &ca,
        )?;
        let crl = CertificateRevocationListParams {
            this_update: now - Duration::hours(1),
            next_update: now + Duration::days(2 * 365),
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: vec![RevokedCertParams {
                serial_number: revoked_serial,
                revocation_time: now - Duration::hours(1),
                reason_code: Some(RevocationReason::KeyCompromise),
                invalidity_date: None,
            }],
            key_identifier_method: KeyIdMethod::Sha256,
        }
        .signed_by(&ca)?
        .pem()?;
        Ok(Self {
            options,
            ca_cert: ca_cert.pem(),
            other_ca_cert: other_cert.pem(),
            server,
            server_expired,
            consumer,
            crl,
            clients,
        })
    }

    /// One set per process for the default options (key generation is the slow part; the kill matrix starts
    /// hundreds of providers).
    pub fn shared() -> Result<Arc<TestPki>, String> {
        static SHARED: OnceLock<Result<Arc<TestPki>, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| {
                TestPki::generate(PkiOptions::default())
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
    }

    /// The SSP client certificate of a variant.
    pub fn client(&self, variant: ClientVariant) -> &Pem {
        self.clients
            .iter()
            .find(|(v, _)| *v == variant)
            .map(|(_, p)| p)
            .unwrap_or(&self.consumer)
    }

    /// Writes the set into `dir` (created if missing) and returns the files written. Private keys are written
    /// readable by the owner only; the valid SSP certificate is also written as PKCS#12 protected by
    /// `p12_password`, which goes into `ssp-client.p12.pass` beside it.
    pub fn write_to(&self, dir: &Path, p12_password: &str) -> Result<Vec<PathBuf>, CertError> {
        let mut written = Vec::new();
        let mut put = |file: &str, bytes: &[u8], private: bool| {
            let path = dir.join(file);
            write_file(&path, bytes, private).map_err(|source| CertError::Write {
                path: path.clone(),
                source,
            })?;
            written.push(path);
            Ok::<_, CertError>(())
        };
        std::fs::create_dir_all(dir).map_err(|source| CertError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        put("ca.crt", self.ca_cert.as_bytes(), false)?;
        put("ca.crl", self.crl.as_bytes(), false)?;
        put("other-ca.crt", self.other_ca_cert.as_bytes(), false)?;
        put("provider.crt", self.server.cert.as_bytes(), false)?;
        put("provider.key", self.server.key.as_bytes(), true)?;
        for variant in ClientVariant::ALL {
            let pem = self.client(variant);
            let stem = variant.file_stem();
            put(&format!("{stem}.crt"), pem.cert.as_bytes(), false)?;
            put(&format!("{stem}.key"), pem.key.as_bytes(), true)?;
        }
        put("consumer-client.crt", self.consumer.cert.as_bytes(), false)?;
        put("consumer-client.key", self.consumer.key.as_bytes(), true)?;
        let p12 = self.pkcs12(ClientVariant::Valid, p12_password)?;
        put("ssp-client.p12", &p12, true)?;
        put(
            "ssp-client.p12.pass",
            format!("{p12_password}\n").as_bytes(),
            true,
        )?;
        Ok(written)
    }

    /// A variant's certificate, key and the CA as PKCS#12 protected by `password`.
    pub fn pkcs12(&self, variant: ClientVariant, password: &str) -> Result<Vec<u8>, CertError> {
        let pem = self.client(variant);
        let cert = openssl::x509::X509::from_pem(pem.cert.as_bytes())?;
        let key = PKey::private_key_from_pem(pem.key.as_bytes())?;
        let mut chain = openssl::stack::Stack::new()?;
        chain.push(openssl::x509::X509::from_pem(self.ca_cert.as_bytes())?)?;
        let mut builder = openssl::pkcs12::Pkcs12::builder();
        builder
            .name(variant.file_stem())
            .pkey(&key)
            .cert(&cert)
            .ca(chain);
        Ok(builder.build2(password)?.to_der()?)
    }
}

fn write_file(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    options.open(path)?.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::x509::{X509Crl, X509};

    #[test]
    fn the_variants_are_what_their_names_say() {
        let pki = TestPki::shared().expect("generated");
        let ca = X509::from_pem(pki.ca_cert.as_bytes()).unwrap();
        let other = X509::from_pem(pki.other_ca_cert.as_bytes()).unwrap();
        let crl = X509Crl::from_pem(pki.crl.as_bytes()).unwrap();
        assert!(crl.verify(&ca.public_key().unwrap()).unwrap());
        let now = openssl::asn1::Asn1Time::days_from_now(0).unwrap();
        for v in ClientVariant::ALL {
            let cert = X509::from_pem(pki.client(v).cert.as_bytes()).unwrap();
            let issuer = if v == ClientVariant::WrongAuthority {
                &other
            } else {
                &ca
            };
            assert!(cert.verify(&issuer.public_key().unwrap()).unwrap(), "{v:?}");
            let expired = cert.not_after() < now;
            assert_eq!(expired, v == ClientVariant::Expired, "{v:?}");
            let revoked = matches!(crl.get_by_cert(&cert), openssl::x509::CrlStatus::Revoked(_));
            assert_eq!(revoked, v == ClientVariant::Revoked, "{v:?}");
            let names: Vec<String> = cert
                .subject_alt_names()
                .into_iter()
                .flatten()
                .filter_map(|n| n.dnsname().map(String::from))
                .collect();
            let fqdn = if v == ClientVariant::WrongFqdn {
                WRONG_FQDN
            } else {
                crate::tls::DEFAULT_SSP_FQDN
            };
            assert_eq!(names, vec![fqdn.to_string()], "{v:?}");
        }
    }

    #[test]
    fn the_pkcs12_opens_with_its_password_only() {
        let pki = TestPki::shared().expect("generated");
        let der = pki.pkcs12(ClientVariant::Valid, "s3cret").unwrap();
        let p12 = openssl::pkcs12::Pkcs12::from_der(&der).unwrap();
        assert!(p12.parse2("wrong").is_err());
        let parsed = p12.parse2("s3cret").unwrap();
        assert!(parsed.pkey.is_some() && parsed.cert.is_some());
    }

    #[test]
    fn writing_keeps_keys_private() {
        let dir = std::env::temp_dir().join(format!("gpc-assure-certs-{}", std::process::id()));
        let pki = TestPki::shared().expect("generated");
        let files = pki.write_to(&dir, "pw").unwrap();
        assert!(files.iter().any(|f| f.ends_with("ssp-client-revoked.key")));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.join("provider.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
