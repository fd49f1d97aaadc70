//! TLS of the harness's client: the `tls` configuration (client identity, trusted CAs, per-capability overrides),
//! loading its files when the client is built, and one-sentence explanations of TLS failures.
//!
//! The configuration holds only paths and the name of the environment variable or file holding a PKCS#12
//! password, so neither `Debug` output nor a report can carry key material or a password: the files are read
//! when the client is built, and what is read lives only inside the reqwest client.

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::path::{Path, PathBuf};

use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde::Deserialize;

use super::ClientError;
use crate::config::{ConfigError, ServiceRoots};
use crate::spine::catalogue::Capability;

/// One set of TLS keys: the top level of `tls`, or one entry of `tls.per_capability`. Paths are read relative to
/// the current directory (as `report_dir` and `fhir_path` are).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct TlsSettings {
    /// PEM certificate presented to the provider, optionally followed by its chain.
    pub client_cert: Option<PathBuf>,
    /// PEM private key of `client_cert` (PKCS#8, PKCS#1 RSA or SEC1 EC; not encrypted).
    pub client_key: Option<PathBuf>,
    /// PKCS#12 file holding the key, the certificate and its chain (instead of `client_cert` and `client_key`).
    pub client_pkcs12: Option<PathBuf>,
    /// Name of the environment variable holding the PKCS#12 password.
    pub pkcs12_password_env: Option<String>,
    /// File whose first line is the PKCS#12 password.
    pub pkcs12_password_file: Option<PathBuf>,
    /// PEM CA certificates trusted for the provider's certificate (instead of the system's roots).
    pub ca_bundle: Option<PathBuf>,
    /// Accept any server certificate (`None` in an override: as the top level says).
    pub insecure: Option<bool>,
}

/// The `tls` section: the settings of every request, and overrides for the service roots of some capabilities.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(from = "TlsFile")]
pub struct TlsConfig {
    pub default: TlsSettings,
    /// Keyed by capability tag (checked by [`TlsConfig::validate`]). An override that names a client identity
    /// replaces the top-level one as a whole; `ca_bundle` and `insecure` replace theirs when given.
    pub per_capability: BTreeMap<String, TlsSettings>,
}

/// The YAML form of [`TlsConfig`] (serde cannot flatten a struct that refuses unknown keys).
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct TlsFile {
    client_cert: Option<PathBuf>,
    client_key: Option<PathBuf>,
    client_pkcs12: Option<PathBuf>,
    pkcs12_password_env: Option<String>,
    pkcs12_password_file: Option<PathBuf>,
    ca_bundle: Option<PathBuf>,
    insecure: Option<bool>,
    per_capability: BTreeMap<String, TlsSettings>,
}

impl From<TlsFile> for TlsConfig {
    fn from(f: TlsFile) -> Self {
        Self {
            default: TlsSettings {
                client_cert: f.client_cert,
                client_key: f.client_key,
                client_pkcs12: f.client_pkcs12,
                pkcs12_password_env: f.pkcs12_password_env,
                pkcs12_password_file: f.pkcs12_password_file,
                ca_bundle: f.ca_bundle,
                insecure: f.insecure,
            },
            per_capability: f.per_capability,
        }
    }
}

/// The warning every report of a run carries when a server certificate goes unchecked.
pub const INSECURE_WARNING: &str = "TLS server certificates were not verified";

fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

impl TlsSettings {
    /// Checks that the keys of one section fit together; `prefix` is the section's config key.
    fn validate(&self, prefix: &str) -> Result<(), ConfigError> {
        let pem = self.client_cert.is_some() || self.client_key.is_some();
        match (&self.client_cert, &self.client_key) {
            (Some(_), None) => {
                return Err(invalid(
                    format!("{prefix}.client_cert"),
                    format!("needs `{prefix}.client_key` (the certificate's private key)"),
                ))
            }
            (None, Some(_)) => {
                return Err(invalid(
                    format!("{prefix}.client_key"),
                    format!("needs `{prefix}.client_cert` (the certificate of the key)"),
                ))
            }
            _ => {}
        }
        if pem && self.client_pkcs12.is_some() {
            return Err(invalid(
                format!("{prefix}.client_pkcs12"),
                "give either client_cert and client_key or client_pkcs12, not both",
            ));
        }
        let sources = [
            self.pkcs12_password_env.is_some(),
            self.pkcs12_password_file.is_some(),
        ];
        if self.client_pkcs12.is_some() && sources == [false, false] {
            return Err(invalid(
                format!("{prefix}.client_pkcs12"),
                format!(
                    "needs `{prefix}.pkcs12_password_env` or `{prefix}.pkcs12_password_file` (the password itself never goes in the config)"
                ),
            ));
        }
        if sources == [true, true] {
            return Err(invalid(
                format!("{prefix}.pkcs12_password_env"),
                "give pkcs12_password_env or pkcs12_password_file, not both",
            ));
        }
        if self.client_pkcs12.is_none() {
            let key = if sources[0] {
                Some("pkcs12_password_env")
            } else if sources[1] {
                Some("pkcs12_password_file")
            } else {
                None
            };
            if let Some(key) = key {
                return Err(invalid(
                    format!("{prefix}.{key}"),
                    format!("applies only with `{prefix}.client_pkcs12`"),
                ));
            }
        }
        if let Some(name) = &self.pkcs12_password_env {
            if name.is_empty() || name.contains(['=', '\0']) {
                return Err(invalid(
                    format!("{prefix}.pkcs12_password_env"),
                    format!("`{name}` is not the name of an environment variable"),
                ));
            }
        }
        Ok(())
    }

    /// The client identity this section names, if any (after [`TlsSettings::validate`]).
    fn identity(&self, prefix: &str) -> Option<IdentitySource> {
        if let (Some(cert), Some(key)) = (&self.client_cert, &self.client_key) {
            return Some(IdentitySource::Pem {
                prefix: prefix.to_string(),
                cert: cert.clone(),
                key: key.clone(),
            });
        }
        let file = self.client_pkcs12.clone()?;
        let password = match (&self.pkcs12_password_env, &self.pkcs12_password_file) {
            (Some(var), _) => PasswordSource::Env(var.clone()),
            (None, Some(path)) => PasswordSource::File(path.clone()),
            (None, None) => return None,
        };
        Some(IdentitySource::Pkcs12 {
            prefix: prefix.to_string(),
            file,
            password,
        })
    }
}

impl TlsConfig {
    /// The top-level client identity as PEM, whatever form the config gives it in (the transport probes present
    /// it); `None` without one.
    pub fn identity_pem(&self) -> Result<Option<crate::tls::certs::Pem>, ClientError> {
        self.default
            .identity("tls")
            .map(|source| identity_pem(&source).map(|(_, _, pem)| pem))
            .transpose()
    }

    /// Checks every section, the capability names of `per_capability`, and that capabilities sharing a service
    /// root (Foundations and Appointments by default) get the same settings, since requests are told apart by
    /// their URL only.
    pub fn validate(&self, roots: &ServiceRoots) -> Result<(), ConfigError> {
        self.default.validate("tls")?;
        for (tag, settings) in &self.per_capability {
            let prefix = format!("tls.per_capability.{tag}");
            if Capability::from_tag(tag).is_none() {
                let known: Vec<&str> = Capability::ALL.iter().map(|c| c.tag()).collect();
                return Err(invalid(
                    prefix,
                    format!(
                        "`{tag}` is not a capability; use one of {}",
                        known.join(", ")
                    ),
                ));
            }
            settings.validate(&prefix)?;
        }
        for (a, root_a) in roots.iter() {
            for (b, root_b) in roots.iter() {
                if a < b && root_a == root_b && !self.effective(a).same_setup(&self.effective(b)) {
                    let named = if self.per_capability.contains_key(a.tag()) {
                        a
                    } else {
                        b
                    };
                    let other = if named == a { b } else { a };
                    return Err(invalid(
                        format!("tls.per_capability.{}", named.tag()),
                        format!(
                            "{} shares its service root `{root_a}` with {}; give tls.per_capability.{} the same settings",
                            named.tag(),
                            other.tag(),
                            other.tag()
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The settings of the requests under `capability`'s service root, after its override.
    pub(crate) fn effective(&self, capability: Capability) -> Effective {
        let mut e = Effective::of(&self.default, "tls");
        if let Some(o) = self.per_capability.get(capability.tag()) {
            let prefix = format!("tls.per_capability.{}", capability.tag());
            let over = Effective::of(o, &prefix);
            if over.identity.is_some() {
                e.identity = over.identity;
            }
            if over.ca_bundle.is_some() {
                e.ca_bundle = over.ca_bundle;
            }
            if let Some(insecure) = o.insecure {
                e.insecure = insecure.then(|| format!("{prefix}.insecure"));
            }
        }
        e
    }

    /// The settings of requests under no overridden service root.
    pub(crate) fn top_level(&self) -> Effective {
        Effective::of(&self.default, "tls")
    }

    /// One line per section that turns certificate checks off, for stderr and the reports.
    pub fn warnings(&self) -> Vec<String> {
        let sections = std::iter::once(("tls".to_string(), &self.default)).chain(
            self.per_capability
                .iter()
                .map(|(tag, s)| (format!("tls.per_capability.{tag}"), s)),
        );
        sections
            .filter(|(_, s)| s.insecure == Some(true))
            .map(|(prefix, _)| format!("{INSECURE_WARNING} ({prefix}.insecure)"))
            .collect()
    }
}

/// Where a PKCS#12 password comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PasswordSource {
    Env(String),
    File(PathBuf),
}

/// A client identity to load; `prefix` is the config section that names it.
#[derive(Debug, Clone)]
enum IdentitySource {
    Pem {
        prefix: String,
        cert: PathBuf,
        key: PathBuf,
    },
    Pkcs12 {
        prefix: String,
        file: PathBuf,
        password: PasswordSource,
    },
}

impl IdentitySource {
    /// The same files, wherever in the config they were named.
    fn same_files(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Self::Pem { cert, key, .. },
                Self::Pem {
                    cert: c, key: k, ..
                },
            ) => cert == c && key == k,
            (
                Self::Pkcs12 { file, password, .. },
                Self::Pkcs12 {
                    file: f,
                    password: p,
                    ..
                },
            ) => file == f && password == p,
            _ => false,
        }
    }
}

/// The TLS setup of one reqwest client, with the config key each part came from (for messages).
#[derive(Debug, Clone)]
pub(crate) struct Effective {
    identity: Option<IdentitySource>,
    /// (`...ca_bundle` key, path).
    ca_bundle: Option<(String, PathBuf)>,
    /// The `...insecure` key that turned checks off.
    insecure: Option<String>,
}

impl Effective {
    pub(crate) fn of(s: &TlsSettings, prefix: &str) -> Self {
        Self {
            identity: s.identity(prefix),
            ca_bundle: s
                .ca_bundle
                .clone()
                .map(|p| (format!("{prefix}.ca_bundle"), p)),
            insecure: (s.insecure == Some(true)).then(|| format!("{prefix}.insecure")),
        }
    }

    /// Whether two setups would build the same client (one client serves both).
    pub(crate) fn same_setup(&self, other: &Self) -> bool {
        let identity = match (&self.identity, &other.identity) {
            (Some(a), Some(b)) => a.same_files(b),
            (None, None) => true,
            _ => false,
        };
        identity
            && self.ca_bundle.as_ref().map(|(_, p)| p) == other.ca_bundle.as_ref().map(|(_, p)| p)
            && self.insecure.is_some() == other.insecure.is_some()
    }

    /// What the provider's certificate is checked against, for the unknown-CA message.
    pub(crate) fn trust(&self) -> Trust {
        match &self.ca_bundle {
            Some((key, _)) => Trust::Bundle(key.clone()),
            None => Trust::System,
        }
    }

    /// Applies the identity, the trusted CAs and `insecure` to a client builder, reading the files.
    pub(crate) fn configure(
        &self,
        mut builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, ClientError> {
        if let Some(identity) = &self.identity {
            builder = builder.identity(load_identity(identity)?);
        }
        if self.insecure.is_some() {
            // Also skips the host-name check; `ca_bundle` is then moot.
            builder = builder.tls_danger_accept_invalid_certs(true);
        } else if let Some((key, path)) = &self.ca_bundle {
            builder = builder.tls_certs_only(load_ca_bundle(key, path)?);
        }
        Ok(builder)
    }
}

/// The CAs a client trusts for the server's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Trust {
    /// The system's roots (no `ca_bundle`).
    System,
    /// The CAs of this `...ca_bundle` key.
    Bundle(String),
}

/// A configuration problem with a file: `<key> <path>: <what>`.
fn file_error(key: &str, path: &Path, what: impl std::fmt::Display) -> ClientError {
    ClientError::Build(format!("{key} {}: {what}", path.display()))
}

fn read(key: &str, path: &Path) -> Result<Vec<u8>, ClientError> {
    std::fs::read(path)
        .map_err(|e| file_error(key, path, format_args!("cannot read the file ({e})")))
}

fn load_ca_bundle(key: &str, path: &Path) -> Result<Vec<reqwest::Certificate>, ClientError> {
    let pem = read(key, path)?;
    // Parsed here so that a damaged certificate is named with its key and file, not by the client builder.
    let certs = X509::stack_from_pem(&pem).map_err(|e| {
        file_error(
            key,
            path,
            format_args!("not a bundle of PEM certificates ({e})"),
        )
    })?;
    if certs.is_empty() {
        return Err(file_error(key, path, "no PEM certificate in the file"));
    }
    certs
        .iter()
        .map(|c| {
            c.to_der()
                .ok()
                .and_then(|der| reqwest::Certificate::from_der(&der).ok())
                .ok_or_else(|| file_error(key, path, "a certificate of the file cannot be used"))
        })
        .collect()
}

/// The identity as the PEM reqwest takes (key, then the certificate and its chain), whatever form it came in.
fn load_identity(source: &IdentitySource) -> Result<reqwest::Identity, ClientError> {
    let (key_name, key_path, pem) = identity_pem(source)?;
    let mut bytes = pem.key.into_bytes();
    bytes.extend(pem.cert.into_bytes());
    reqwest::Identity::from_pem(&bytes).map_err(|e| {
        file_error(
            &key_name,
            &key_path,
            format_args!("cannot use the identity: {}", chain(&e)),
        )
    })
}

/// The identity as PEM (the certificate followed by its chain; the key), with the config key and file that
/// name it, for errors.
fn identity_pem(
    source: &IdentitySource,
) -> Result<(String, PathBuf, crate::tls::certs::Pem), ClientError> {
    let (key_name, key_path, pkey, certs) = match source {
        IdentitySource::Pem { prefix, cert, key } => {
            let cert_key = format!("{prefix}.client_cert");
            let key_key = format!("{prefix}.client_key");
            let certs = X509::stack_from_pem(&read(&cert_key, cert)?)
                .ok()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| file_error(&cert_key, cert, "no PEM certificate in the file"))?;
            let pkey = pem_key(&key_key, key)?;
            if !matches_key(&certs[0], &pkey) {
                return Err(file_error(
                    &key_key,
                    key,
                    format_args!(
                        "the key does not match the certificate in {cert_key} {}",
                        cert.display()
                    ),
                ));
            }
            (key_key, key.clone(), pkey, certs)
        }
        IdentitySource::Pkcs12 {
            prefix,
            file,
            password,
        } => {
            let (pkey, certs) = pkcs12(prefix, file, password)?;
            (format!("{prefix}.client_pkcs12"), file.clone(), pkey, certs)
        }
    };
    let key = pkey.private_key_to_pem_pkcs8().map_err(|e| {
        file_error(
            &key_name,
            &key_path,
            format_args!("cannot use the key: {e}"),
        )
    })?;
    let mut cert_pem = Vec::new();
    for cert in &certs {
        cert_pem.extend(cert.to_pem().map_err(|e| {
            file_error(
                &key_name,
                &key_path,
                format_args!("cannot use the certificate: {e}"),
            )
        })?);
    }
    let pem = crate::tls::certs::Pem {
        cert: String::from_utf8_lossy(&cert_pem).into_owned(),
        key: String::from_utf8_lossy(&key).into_owned(),
    };
    Ok((key_name, key_path, pem))
}

/// The public key of `cert` is that of `key`.
fn matches_key(cert: &X509, key: &PKey<Private>) -> bool {
    cert.public_key().is_ok_and(|public| public.public_eq(key))
}

fn pem_key(key: &str, path: &Path) -> Result<PKey<Private>, ClientError> {
    let pem = read(key, path)?;
    if String::from_utf8_lossy(&pem).contains("ENCRYPTED") {
        return Err(file_error(
            key,
            path,
            "the private key is encrypted; give an unencrypted PEM key or use client_pkcs12",
        ));
    }
    // The callback answers any password prompt with nothing, so OpenSSL never asks on the terminal.
    PKey::private_key_from_pem_callback(&pem, |_| Ok(0)).map_err(|_| {
        file_error(
            key,
            path,
            "no private key in the file (PEM PKCS#8, PKCS#1 RSA or SEC1 EC expected)",
        )
    })
}

/// The PKCS#12 password, read now so that it is never kept.
fn password(prefix: &str, source: &PasswordSource) -> Result<String, ClientError> {
    let password = match source {
        PasswordSource::Env(var) => std::env::var(var).map_err(|e| {
            let why = match e {
                std::env::VarError::NotPresent => "is not set",
                std::env::VarError::NotUnicode(_) => "does not hold UTF-8 text",
            };
            ClientError::Build(format!("{prefix}.pkcs12_password_env {var} {why}"))
        })?,
        PasswordSource::File(path) => {
            let key = format!("{prefix}.pkcs12_password_file");
            let text = String::from_utf8(read(&key, path)?)
                .map_err(|_| file_error(&key, path, "the file is not UTF-8 text"))?;
            text.lines().next().unwrap_or_default().to_string()
        }
    };
    if password.contains('\0') {
        let key = match source {
            PasswordSource::Env(var) => format!("{prefix}.pkcs12_password_env {var}"),
            PasswordSource::File(path) => {
                format!("{prefix}.pkcs12_password_file {}", path.display())
            }
        };
        return Err(ClientError::Build(format!(
            "{key}: the password contains a NUL character"
        )));
    }
    Ok(password)
}

fn pkcs12(
    prefix: &str,
    file: &Path,
    source: &PasswordSource,
) -> Result<(PKey<Private>, Vec<X509>), ClientError> {
    let key = format!("{prefix}.client_pkcs12");
    let der = read(&key, file)?;
    let archive =
        Pkcs12::from_der(&der).map_err(|_| file_error(&key, file, "not a PKCS#12 file"))?;
    let password = password(prefix, source)?;
    let parsed = archive.parse2(&password).map_err(|e| {
        // OpenSSL 3 refuses the RC2/3DES encryption of older exports unless its legacy provider is loaded.
        if e.errors()
            .iter()
            .any(|x| x.reason().is_some_and(|r| r.contains("unsupported")))
        {
            file_error(
                &key,
                file,
                format_args!(
                    "the file is encrypted with a legacy algorithm OpenSSL 3 refuses (re-export it with AES, or use client_cert and client_key): {e}"
                ),
            )
        } else {
            file_error(&key, file, "wrong password or not a PKCS#12 file")
        }
    })?;
    let pkey = parsed
        .pkey
        .ok_or_else(|| file_error(&key, file, "no private key in the file"))?;
    let cert = parsed
        .cert
        .ok_or_else(|| file_error(&key, file, "no certificate in the file"))?;
    if !matches_key(&cert, &pkey) {
        return Err(file_error(
            &key,
            file,
            "the private key does not match the certificate",
        ));
    }
    let chain = parsed.ca.into_iter().flatten();
    Ok((pkey, std::iter::once(cert).chain(chain).collect()))
}

/// Every message of an error and its sources, joined with `: `.
pub fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// What a failed request knows about where it went, for [`classify`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attempt<'a> {
    /// The host the TLS connection was for (the SSP's when requests go through it).
    pub host: &'a str,
    /// The URL was `https://`.
    pub https: bool,
    /// The failure happened while connecting (TCP, proxy tunnel or TLS handshake).
    pub connecting: bool,
    pub trust: &'a Trust,
}

/// The error `e` wraps: an `io::Error`'s own `source()` skips the error it carries (hyper and tokio-rustls nest
/// rustls's error in two of them), so that one is taken instead.
fn cause<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a (dyn StdError + 'static)> {
    match e
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        Some(inner) => Some(inner),
        None => e.source(),
    }
}

/// One sentence for a TLS failure, or `None` when the error is not one (rustls's error is looked for along the
/// whole chain of causes).
pub(crate) fn classify(error: &(dyn StdError + 'static), attempt: Attempt<'_>) -> Option<String> {
    let mut closed = false;
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(rustls_sentence(r, attempt));
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            closed |= matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
            );
        }
        current = cause(e);
    }
    (closed && attempt.https && attempt.connecting)
        .then(|| "the provider refused the TLS handshake (it closed the connection)".to_string())
}

fn rustls_sentence(e: &rustls::Error, attempt: Attempt<'_>) -> String {
    use rustls::{CertificateError as C, Error as E, InvalidMessage};
    match e {
        E::AlertReceived(alert) => format!(
            "the provider refused the TLS handshake (alert {})",
            snake_case(&format!("{alert:?}"))
        ),
        E::InvalidCertificate(C::UnknownIssuer) => match attempt.trust {
            Trust::Bundle(key) => {
                format!("the provider's certificate is signed by a CA not in {key} (unknown CA)")
            }
            Trust::System => "the provider's certificate is signed by a CA the system does not trust (unknown CA; tls.ca_bundle names the CAs to trust)".to_string(),
        },
        E::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            "the provider's certificate has expired".to_string()
        }
        E::InvalidCertificate(C::NotValidYet | C::NotValidYetContext { .. }) => {
            "the provider's certificate is not valid yet".to_string()
        }
        E::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => format!(
            "the provider's certificate is not valid for host {} (hostname mismatch)",
            attempt.host
        ),
        E::InvalidCertificate(C::Revoked) => "the provider's certificate is revoked".to_string(),
        E::InvalidCertificate(_) => "the provider's certificate was rejected".to_string(),
        // A plain-HTTP answer ("HTTP/1.1 400 ...") read as a TLS record has no valid content type or version.
        E::InvalidMessage(
            InvalidMessage::InvalidContentType | InvalidMessage::UnknownProtocolVersion,
        ) => "the provider did not answer in TLS (is it plain HTTP?)".to_string(),
        E::PeerIncompatible(_) => {
            "the provider offers no TLS version or cipher suite the harness accepts (TLS 1.2 or later)"
                .to_string()
        }
        _ => "the TLS connection failed".to_string(),
    }
}

/// `HandshakeFailure` -> `handshake_failure`, `UnknownCA` -> `unknown_ca` (the RFC names of rustls's alerts).
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            if prev.is_ascii_lowercase() || (prev.is_ascii_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn attempt(trust: &Trust) -> Attempt<'_> {
        Attempt {
            host: "provider.example",
            https: true,
            connecting: true,
            trust,
        }
    }

    #[test]
    fn alert_names_are_the_rfc_names() {
        for (debug, name) in [
            ("HandshakeFailure", "handshake_failure"),
            ("UnknownCA", "unknown_ca"),
            ("CertificateRequired", "certificate_required"),
            ("UnknownPSKIdentity", "unknown_psk_identity"),
            ("BadCertificate", "bad_certificate"),
        ] {
            assert_eq!(snake_case(debug), name);
        }
    }

    #[test]
    fn rustls_errors_are_found_inside_io_errors() {
        let trust = Trust::Bundle("tls.ca_bundle".into());
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert_eq!(
            classify(&io, attempt(&trust)).as_deref(),
            Some("the provider's certificate is signed by a CA not in tls.ca_bundle (unknown CA)")
        );
        // As hyper hands it over: io::Error(Other) around io::Error(InvalidData) around rustls's error.
        let nested = std::io::Error::other(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::Expired),
        ));
        assert_eq!(
            classify(&nested, attempt(&trust)).as_deref(),
            Some("the provider's certificate has expired")
        );
        let alert = rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure);
        assert_eq!(
            classify(&alert, attempt(&trust)).as_deref(),
            Some("the provider refused the TLS handshake (alert handshake_failure)")
        );
        let name = rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName);
        assert!(classify(&name, attempt(&Trust::System))
            .is_some_and(|m| m.contains("not valid for host provider.example")));
    }

    #[test]
    fn a_closed_connection_is_a_refusal_only_during_a_tls_connect() {
        let eof = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "tls handshake eof");
        let trust = Trust::System;
        assert!(classify(&eof, attempt(&trust)).is_some_and(|m| m.contains("refused")));
        let plain = Attempt {
            https: false,
            ..attempt(&trust)
        };
        assert_eq!(classify(&eof, plain), None);
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(classify(&refused, attempt(&trust)), None);
    }

    fn tls_error(yaml: &str) -> String {
        Config::from_yaml(yaml).unwrap_err().to_string()
    }

    #[test]
    fn sections_that_do_not_fit_together_name_their_key() {
        for (yaml, key) in [
            ("tls:\n  client_cert: c.pem\n", "`tls.client_cert`"),
            ("tls:\n  client_key: k.pem\n", "`tls.client_key`"),
            (
                "tls:\n  client_cert: c.pem\n  client_key: k.pem\n  client_pkcs12: x.p12\n  pkcs12_password_env: P\n",
                "`tls.client_pkcs12`",
            ),
            ("tls:\n  client_pkcs12: x.p12\n", "`tls.client_pkcs12`"),
            (
                "tls:\n  client_pkcs12: x.p12\n  pkcs12_password_env: P\n  pkcs12_password_file: p\n",
                "`tls.pkcs12_password_env`",
            ),
            ("tls:\n  pkcs12_password_file: p\n", "`tls.pkcs12_password_file`"),
            (
                "tls:\n  per_capability:\n    documents: { client_cert: c.pem }\n",
                "`tls.per_capability.documents.client_cert`",
            ),
            (
                "tls:\n  per_capability:\n    document: {}\n",
                "`tls.per_capability.document`",
            ),
            ("tls:\n  password: x\n", "unknown field `password`"),
            (
                "tls:\n  per_capability:\n    html: { password: x }\n",
                "unknown field `password`",
            ),
        ] {
            let e = tls_error(yaml);
            assert!(e.contains(key), "{yaml}: {e}");
        }
    }

    #[test]
    fn capabilities_sharing_a_root_need_the_same_settings() {
        let e = tls_error("tls:\n  per_capability:\n    foundations: { insecure: true }\n");
        assert!(
            e.contains("tls.per_capability.foundations") && e.contains("appointments"),
            "{e}"
        );
        let same = "tls:\n  per_capability:\n    foundations: { ca_bundle: ca.pem }\n    appointments: { ca_bundle: ca.pem }\n";
        assert!(Config::from_yaml(same).is_ok());
        let apart = "service_roots:\n  appointments: /A/fhir\ntls:\n  per_capability:\n    foundations: { insecure: true }\n";
        assert!(Config::from_yaml(apart).is_ok());
    }

    #[test]
    fn overrides_inherit_what_they_do_not_name() {
        let c = Config::from_yaml(
            "tls:\n  client_cert: c.pem\n  client_key: k.pem\n  ca_bundle: ca.pem\n  per_capability:\n    documents: { client_pkcs12: d.p12, pkcs12_password_env: P }\n",
        )
        .unwrap();
        let docs = c.tls.effective(Capability::Documents);
        assert!(
            matches!(docs.identity, Some(IdentitySource::Pkcs12 { ref prefix, .. }) if prefix == "tls.per_capability.documents")
        );
        assert_eq!(docs.trust(), Trust::Bundle("tls.ca_bundle".into()));
        assert!(!docs.same_setup(&c.tls.top_level()));
        assert!(c
            .tls
            .effective(Capability::Html)
            .same_setup(&c.tls.top_level()));
    }

    #[test]
    fn insecure_sections_are_warned_about() {
        let c = Config::from_yaml(
            "tls:\n  insecure: true\n  per_capability:\n    documents: { insecure: false }\n",
        )
        .unwrap();
        assert_eq!(
            c.tls.warnings(),
            vec!["TLS server certificates were not verified (tls.insecure)".to_string()]
        );
        assert!(c.tls.effective(Capability::Documents).insecure.is_none());
        assert!(c.tls.effective(Capability::Html).insecure.is_some());
    }
}
