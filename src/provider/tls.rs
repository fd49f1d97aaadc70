//! The reference provider over TLS (OpenSSL): TLS 1.2 and 1.3 with the specification's cipher suites, mutual
//! authentication against a client CA with an optional CRL and a required client FQDN (the SSP's), and a
//! plain-HTTP listener that redirects to TLS with `Strict-Transport-Security`.
//!
//! A client certificate that is expired, from another CA, revoked or for another FQDN fails the handshake (the
//! connection is closed with an alert); a connection without a client certificate completes the handshake and
//! is answered `496` and closed, as nginx does (the official suite accepts a closed connection or 495/496).
//! The transport faults (`tls-*`) each relax one of these rules.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use openssl::pkey::PKey;
use openssl::ssl::{
    Ssl, SslAcceptor, SslContext, SslMethod, SslOptions, SslVerifyMode, SslVersion,
};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{CrlStatus, X509Crl, X509StoreContextRef, X509};
use tokio::io::AsyncWriteExt as _;
use tokio::net::{TcpListener, TcpStream};
use tokio_openssl::SslStream;

use super::faults::{Fault, FaultSet};

/// How the provider serves TLS.
#[derive(Clone)]
pub struct TlsServing {
    /// The server certificate, optionally followed by its chain (PEM).
    pub cert_pem: String,
    /// The server's private key (PEM).
    pub key_pem: String,
    /// CA certificates client certificates must chain to (PEM); `None` serves TLS without client certificates.
    pub client_ca_pem: Option<String>,
    /// A CRL of the client CA (PEM): certificates it lists are refused.
    pub crl_pem: Option<String>,
    /// The FQDN client certificates must be issued to (the SSP's); `None` accepts any.
    pub client_fqdn: Option<String>,
    /// A plain-HTTP address that redirects to the TLS address with `Strict-Transport-Security`.
    pub redirect_listen: Option<String>,
    /// A plain-HTTP address that also serves the API (the embedded run: the suite goes over plain HTTP while the
    /// security features probe the TLS address).
    pub plain_listen: Option<String>,
}

impl std::fmt::Debug for TlsServing {
    // The private key never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsServing")
            .field("mutual", &self.client_ca_pem.is_some())
            .field("crl", &self.crl_pem.is_some())
            .field("client_fqdn", &self.client_fqdn)
            .field("redirect_listen", &self.redirect_listen)
            .field("plain_listen", &self.plain_listen)
            .finish_non_exhaustive()
    }
}

impl TlsServing {
    /// Mutual TLS with a generated test PKI: its server certificate (the expired one under
    /// `tls-expired-server-cert`), its CA for client certificates, its CRL, and the SSP's FQDN required of
    /// clients.
    pub fn from_test_pki(pki: &crate::tls::certs::TestPki, faults: &FaultSet) -> Self {
        let server = if faults.has(Fault::TlsExpiredServerCert) {
            &pki.server_expired
        } else {
            &pki.server
        };
        Self {
            cert_pem: server.cert.clone(),
            key_pem: server.key.clone(),
            client_ca_pem: Some(pki.ca_cert.clone()),
            crl_pem: Some(pki.crl.clone()),
            client_fqdn: Some(pki.options.ssp_fqdn.clone()),
            redirect_listen: None,
            plain_listen: None,
        }
    }
}

impl TlsServing {
    /// Mutual TLS with a test set written by `gpc-assure certs generate DIR`: `provider.crt`/`.key`, client
    /// certificates from `ca.crt`, revocations from `ca.crl`, and the FQDN of `ssp-client.crt` required of
    /// clients.
    pub fn from_test_dir(dir: &std::path::Path) -> Result<Self, TlsSetupError> {
        let read = |file: &str| {
            let path = dir.join(file);
            std::fs::read_to_string(&path).map_err(|source| TlsSetupError::Read { path, source })
        };
        let ssp = read("ssp-client.crt")?;
        let fqdn = X509::from_pem(ssp.as_bytes())
            .map_err(ossl("ssp-client.crt is not a PEM certificate"))?
            .subject_alt_names()
            .into_iter()
            .flatten()
            .find_map(|n| n.dnsname().map(String::from))
            .unwrap_or_else(|| crate::tls::DEFAULT_SSP_FQDN.to_string());
        Ok(Self {
            cert_pem: read("provider.crt")?,
            key_pem: read("provider.key")?,
            client_ca_pem: Some(read("ca.crt")?),
            crl_pem: Some(read("ca.crl")?),
            client_fqdn: Some(fqdn),
            redirect_listen: None,
            plain_listen: None,
        })
    }
}

/// The TLS setup is unusable.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{what}: {source}")]
    OpenSsl {
        what: &'static str,
        source: openssl::error::ErrorStack,
    },
    #[error("the CRL is not signed by the client CA")]
    CrlIssuer,
}

fn ossl(what: &'static str) -> impl FnOnce(openssl::error::ErrorStack) -> TlsSetupError {
    move |source| TlsSetupError::OpenSsl { what, source }
}

/// The cipher string of a provider with `faults` for TLS 1.2 and below.
fn cipher_list(faults: &FaultSet) -> String {
    let mut list = if faults.has(Fault::TlsNoDhe) {
        "AESGCM+EECDH:AES256+EECDH".to_string()
    } else {
        crate::tls::SPEC_CIPHERS.to_string()
    };
    if faults.has(Fault::TlsNonPfsCipher) {
        list.push_str(":AES128-SHA256");
    }
    if faults.has(Fault::TlsNullCipher) {
        list.push_str(":NULL-MD5:eNULL");
    }
    list
}

/// Builds the server context.
pub fn context(tls: &TlsServing, faults: &FaultSet) -> Result<SslContext, TlsSetupError> {
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())
        .map_err(ossl("OpenSSL cannot make a TLS server"))?;
    let mut chain = X509::stack_from_pem(tls.cert_pem.as_bytes())
        .map_err(ossl("the server certificate is not PEM"))?
        .into_iter();
    let leaf = chain.next().ok_or_else(|| TlsSetupError::OpenSsl {
        what: "the server certificate file holds no certificate",
        source: openssl::error::ErrorStack::get(),
    })?;
    let key = PKey::private_key_from_pem(tls.key_pem.as_bytes())
        .map_err(ossl("the server key is not a PEM private key"))?;
    b.set_certificate(&leaf)
        .map_err(ossl("the server certificate cannot be used"))?;
    for c in chain {
        b.add_extra_chain_cert(c)
            .map_err(ossl("the certificate chain cannot be used"))?;
    }
    b.set_private_key(&key)
        .map_err(ossl("the server key cannot be used"))?;
    b.check_private_key()
        .map_err(ossl("the server key does not match its certificate"))?;
    let old = faults.has(Fault::TlsOldVersions);
    let weak = old || faults.has(Fault::TlsNullCipher) || faults.has(Fault::TlsNonPfsCipher);
    if weak {
        b.set_security_level(0);
    }
    let min = if faults.has(Fault::Tls13Only) {
        SslVersion::TLS1_3
    } else if old {
        b.clear_options(SslOptions::NO_TLSV1 | SslOptions::NO_TLSV1_1);
        SslVersion::TLS1
    } else {
        SslVersion::TLS1_2
    };
    b.set_min_proto_version(Some(min))
        .and_then(|()| b.set_max_proto_version(Some(SslVersion::TLS1_3)))
        .map_err(ossl("cannot set the TLS versions"))?;
    let mut ciphers = cipher_list(faults);
    if weak {
        ciphers.push_str(":@SECLEVEL=0");
    }
    b.set_cipher_list(&ciphers)
        .map_err(ossl("cannot set the cipher suites"))?;
    if let Some(ca_pem) = &tls.client_ca_pem {
        let cas = X509::stack_from_pem(ca_pem.as_bytes())
            .map_err(ossl("the client CA file is not PEM"))?;
        let mut store = X509StoreBuilder::new().map_err(ossl("cannot make a store"))?;
        for ca in &cas {
            b.add_client_ca(ca)
                .map_err(ossl("cannot name the client CA"))?;
            store
                .add_cert(ca.clone())
                .map_err(ossl("cannot add the client CA"))?;
        }
        b.set_verify_cert_store(store.build())
            .map_err(ossl("cannot set the client CA"))?;
        let crl = match (&tls.crl_pem, faults.has(Fault::TlsIgnoresCrl)) {
            (Some(pem), false) => {
                let crl = X509Crl::from_pem(pem.as_bytes()).map_err(ossl("the CRL is not PEM"))?;
                let signed = cas.iter().any(|ca| {
                    ca.public_key()
                        .ok()
                        .and_then(|k| crl.verify(&k).ok())
                        .unwrap_or(false)
                });
                if !signed {
                    return Err(TlsSetupError::CrlIssuer);
                }
                Some(crl)
            }
            _ => None,
        };
        let policy = ClientPolicy {
            crl,
            fqdn: tls
                .client_fqdn
                .clone()
                .filter(|_| !faults.has(Fault::TlsAnyClientFqdn)),
            accept_expired: faults.has(Fault::TlsAcceptsExpiredClientCert),
            accept_any_ca: faults.has(Fault::TlsAcceptsAnyCa),
        };
        b.set_verify_callback(SslVerifyMode::PEER, move |ok, ctx| policy.judge(ok, ctx));
        // Resumed sessions need a context id when client certificates are verified; without it OpenSSL answers a
        // resumption with an internal_error alert.
        b.set_session_id_context(b"gpc-assure-provider")
            .map_err(ossl("cannot set the session id context"))?;
    }
    Ok(b.build().into_context())
}

/// What the provider requires of a client certificate.
struct ClientPolicy {
    crl: Option<X509Crl>,
    fqdn: Option<String>,
    accept_expired: bool,
    accept_any_ca: bool,
}

impl ClientPolicy {
    /// OpenSSL's verdict on one certificate of the chain (`ok`), amended by the provider's rules and faults.
    fn judge(&self, ok: bool, ctx: &mut X509StoreContextRef) -> bool {
        use openssl_sys as sys;
        if !ok {
            let code = ctx.error().as_raw();
            let tolerated = (self.accept_expired && code == sys::X509_V_ERR_CERT_HAS_EXPIRED)
                || (self.accept_any_ca
                    && matches!(
                        code,
                        sys::X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
                            | sys::X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
                            | sys::X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
                            | sys::X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
                            | sys::X509_V_ERR_CERT_UNTRUSTED
                    ));
            return tolerated;
        }
        if ctx.error_depth() != 0 {
            return true;
        }
        let Some(cert) = ctx.current_cert() else {
            return false;
        };
        if let Some(crl) = &self.crl {
            if matches!(
                crl.get_by_serial(cert.serial_number()),
                CrlStatus::Revoked(_)
            ) {
                return false;
            }
        }
        if let Some(fqdn) = &self.fqdn {
            if !issued_to(cert, fqdn) {
                return false;
            }
        }
        true
    }
}

/// Whether the certificate names `fqdn` (a DNS subjectAltName, or the common name when it has none).
fn issued_to(cert: &openssl::x509::X509Ref, fqdn: &str) -> bool {
    let sans: Vec<String> = cert
        .subject_alt_names()
        .into_iter()
        .flatten()
        .filter_map(|n| n.dnsname().map(str::to_ascii_lowercase))
        .collect();
    let want = fqdn.to_ascii_lowercase();
    if !sans.is_empty() {
        return sans.contains(&want);
    }
    cert.subject_name()
        .entries_by_nid(openssl::nid::Nid::COMMONNAME)
        .any(|e| {
            e.data()
                .to_string()
                .is_ok_and(|cn| cn.eq_ignore_ascii_case(fqdn))
        })
}

/// Seconds a client has to complete the handshake (and, without a certificate, to send its request head).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A listener whose connections are TLS streams that passed the handshake and the client-certificate rules.
/// Handshakes run in their own tasks, so a slow client never holds up the others.
pub struct TlsListener {
    rx: tokio::sync::mpsc::Receiver<(SslStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    acceptor: tokio::task::JoinHandle<()>,
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

impl TlsListener {
    /// Starts accepting on `listener`; `mutual` says whether a client certificate is required (without one the
    /// connection is answered 496 unless a fault lets it through).
    pub fn new(listener: TcpListener, context: SslContext, mutual: bool) -> std::io::Result<Self> {
        let local = listener.local_addr()?;
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let context = Arc::new(context);
        let acceptor = tokio::spawn(async move {
            loop {
                let (tcp, peer) = match listener.accept().await {
                    Ok(c) => c,
                    Err(_) => {
                        // Out of descriptors or a reset before accept: wait a moment and go on.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let tx = tx.clone();
                let context = context.clone();
                tokio::spawn(async move {
                    let accepted =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake(&context, tcp, mutual))
                            .await;
                    if let Ok(Some(stream)) = accepted {
                        let _ = tx.send((stream, peer)).await;
                    }
                });
            }
        });
        Ok(Self {
            rx,
            local,
            acceptor,
        })
    }
}

/// Completes the handshake; a connection without a required client certificate is answered 496 here.
async fn handshake(
    context: &SslContext,
    tcp: TcpStream,
    mutual: bool,
) -> Option<SslStream<TcpStream>> {
    let ssl = Ssl::new(context).ok()?;
    let mut stream = SslStream::new(ssl, tcp).ok()?;
    Pin::new(&mut stream).accept().await.ok()?;
    if mutual && stream.ssl().peer_certificate().is_none() {
        answer_no_certificate(&mut stream).await;
        return None;
    }
    Some(stream)
}

/// nginx's answer to a request without a client certificate: 496 "SSL Certificate Required".
async fn answer_no_certificate(stream: &mut SslStream<TcpStream>) {
    use tokio::io::AsyncReadExt as _;
    // Read the request head first so the client sees the answer rather than a reset.
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let body = "No required SSL certificate was sent\n";
    let reply = format!(
        "HTTP/1.1 496 SSL Certificate Required\r\ncontent-type: text/plain\r\ncache-control: no-store\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.shutdown().await;
}

impl axum::serve::Listener for TlsListener {
    type Io = SslStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(c) => c,
            // The acceptor task ended: no connection will ever come.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// The plain-HTTP listener's answer: a permanent redirect to the same path on the TLS address, with HSTS.
pub fn redirect_router(tls_port: u16, faults: &FaultSet) -> axum::Router {
    let hsts = !faults.has(Fault::TlsNoHsts);
    axum::Router::new().fallback(
        move |req: axum::http::Request<axum::body::Body>| async move {
            let host = req
                .headers()
                .get("host")
                .and_then(|h| h.to_str().ok())
                .map(|h| crate::tls::host_and_port(h).0.to_string())
                .unwrap_or_else(|| "localhost".into());
            let path = req
                .uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string();
            let mut builder = axum::http::Response::builder()
                .status(301)
                .header("location", format!("https://{host}:{tls_port}{path}"))
                .header("cache-control", "no-store");
            if hsts {
                builder = builder.header("strict-transport-security", "max-age=31536000");
            }
            builder
                .body(axum::body::Body::empty())
                .unwrap_or_else(|_| axum::http::Response::new(axum::body::Body::empty()))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_change_the_cipher_list() {
        assert_eq!(cipher_list(&FaultSet::default()), crate::tls::SPEC_CIPHERS);
        let f = FaultSet::new([Fault::TlsNullCipher, Fault::TlsNoDhe]);
        let l = cipher_list(&f);
        assert!(l.contains("NULL-MD5") && !l.contains("EDH"), "{l}");
    }
}
