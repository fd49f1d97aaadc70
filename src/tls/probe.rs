//! Transport probes: one TLS connection with a chosen protocol version, cipher suites and client certificate,
//! optionally carrying one HTTP/1.1 request (the official suite's cURL probes), and a hand-built ClientHello
//! offering cipher suite code points no TLS library will offer.
//!
//! OpenSSL (the system library, through the `openssl` crate) does the handshakes: rustls cannot offer the
//! weak suites and old versions a provider must refuse (docs/decisions.md). Probes never verify the server's
//! certificate (the official probes set `SslVerifyPeer=false`): they test what the server accepts, not whom the
//! client trusts.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode, SslVersion};

use super::certs::Pem;

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct Probe {
    /// `host:port` to connect to.
    pub addr: String,
    /// The server name sent in SNI (omitted for an IP address).
    pub server_name: String,
    /// The client certificate to present, if any.
    pub client: Option<Pem>,
    /// Whether and against what the server's certificate is checked.
    pub trust: Trust,
    pub timeout: Duration,
}

/// How a probe judges the server's certificate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Trust {
    /// Not at all (the official probes set `SslVerifyPeer=false`: they test what the server accepts).
    #[default]
    Nothing,
    /// Chain to these CAs (PEM), in date, issued for `server_name`.
    Cas(String),
    /// Chain to the system's CAs, in date, issued for `server_name`.
    System,
}

/// A TLS protocol version a probe can pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersion {
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

impl TlsVersion {
    /// `TLSv1.2`, as OpenSSL and the feature files write it.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().replace(' ', "").as_str() {
            "tlsv1" | "tlsv1.0" | "tls1.0" => Some(Self::Tls10),
            "tlsv1.1" | "tls1.1" => Some(Self::Tls11),
            "tlsv1.2" | "tls1.2" => Some(Self::Tls12),
            "tlsv1.3" | "tls1.3" => Some(Self::Tls13),
            _ => None,
        }
    }

    fn openssl(self) -> SslVersion {
        match self {
            Self::Tls10 => SslVersion::TLS1,
            Self::Tls11 => SslVersion::TLS1_1,
            Self::Tls12 => SslVersion::TLS1_2,
            Self::Tls13 => SslVersion::TLS1_3,
        }
    }

    /// The record-layer/ClientHello version number.
    fn wire(self) -> u16 {
        match self {
            Self::Tls10 => 0x0301,
            Self::Tls11 => 0x0302,
            Self::Tls12 | Self::Tls13 => 0x0303,
        }
    }
}

/// An HTTP/1.1 response read off a probe connection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What a probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The handshake completed; the response, when a request was sent and answered, or why it was not.
    Connected {
        version: String,
        cipher: String,
        response: Result<RawResponse, String>,
    },
    /// The server refused the handshake: it sent an alert or closed the connection.
    Refused(String),
    /// The server's certificate failed the probe's check (why, in OpenSSL's words).
    Untrusted(String),
    /// The local TLS library cannot offer what was asked (an unknown cipher name).
    CannotOffer(String),
    /// No TCP connection (refused, unreachable, timed out).
    Unreachable(String),
}

impl Outcome {
    /// One sentence for a failure message.
    pub fn describe(&self) -> String {
        match self {
            Self::Connected {
                version,
                cipher,
                response,
            } => match response {
                Ok(r) => format!(
                    "the handshake completed ({version}, {cipher}) and the provider answered {}",
                    r.status
                ),
                Err(e) => format!("the handshake completed ({version}, {cipher}); then {e}"),
            },
            Self::Refused(d) => format!("the provider refused the handshake ({d})"),
            Self::Untrusted(d) => format!("the provider's certificate failed verification: {d}"),
            Self::CannotOffer(d) => format!("the probe could not offer that: {d}"),
            Self::Unreachable(d) => format!("no connection: {d}"),
        }
    }
}

fn connect(addr: &str, timeout: Duration) -> Result<TcpStream, String> {
    let sockets = addr
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {addr}: {e}"))?;
    let mut last = format!("{addr} resolves to no address");
    for socket in sockets {
        match TcpStream::connect_timeout(&socket, timeout) {
            Ok(s) => {
                s.set_read_timeout(Some(timeout))
                    .map_err(|e| e.to_string())?;
                s.set_write_timeout(Some(timeout))
                    .map_err(|e| e.to_string())?;
                return Ok(s);
            }
            Err(e) => last = format!("cannot connect to {addr}: {e}"),
        }
    }
    Err(last)
}

/// The largest response a probe reads.
const MAX_RESPONSE: usize = 8 * 1024 * 1024;

impl Probe {
    /// A TLS handshake pinned to `version` offering `ciphers` (an OpenSSL cipher string; for TLS 1.3 a
    /// ciphersuites list), then `request` (raw HTTP/1.1 bytes, sent with `Connection: close`) if given.
    /// Blocking: call it from `spawn_blocking`.
    pub fn handshake(&self, version: TlsVersion, ciphers: &str, request: Option<&[u8]>) -> Outcome {
        let connector = match self.connector(version, ciphers) {
            Ok(c) => c,
            Err(e) => return Outcome::CannotOffer(e),
        };
        let tcp = match connect(&self.addr, self.timeout) {
            Ok(s) => s,
            Err(e) => return Outcome::Unreachable(e),
        };
        let mut config = match connector.configure() {
            Ok(c) => c,
            Err(e) => return Outcome::CannotOffer(e.to_string()),
        };
        let is_ip = self.server_name.parse::<std::net::IpAddr>().is_ok();
        config.set_use_server_name_indication(!is_ip);
        config.set_verify_hostname(self.trust != Trust::Nothing);
        let mut stream = match config.connect(&self.server_name, tcp) {
            Ok(s) => s,
            Err(e) => {
                if let openssl::ssl::HandshakeError::Failure(mid) = &e {
                    let verdict = mid.ssl().verify_result();
                    if self.trust != Trust::Nothing
                        && verdict != openssl::x509::X509VerifyResult::OK
                    {
                        return Outcome::Untrusted(verdict.error_string().to_string());
                    }
                }
                return Outcome::Refused(handshake_error(&e));
            }
        };
        let version_name = stream.ssl().version_str().to_string();
        let cipher = stream
            .ssl()
            .current_cipher()
            .map_or_else(|| "?".to_string(), |c| c.name().to_string());
        let response = match request {
            None => Err("no request was sent".to_string()),
            Some(bytes) => stream
                .write_all(bytes)
                .and_then(|()| stream.flush())
                .map_err(|e| format!("the request could not be sent: {e}"))
                .and_then(|()| read_response(&mut stream)),
        };
        Outcome::Connected {
            version: version_name,
            cipher,
            response,
        }
    }

    fn connector(&self, version: TlsVersion, ciphers: &str) -> Result<SslConnector, String> {
        let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(|e| e.to_string())?;
        match &self.trust {
            Trust::Nothing => b.set_verify(SslVerifyMode::NONE),
            Trust::System => {
                b.set_default_verify_paths().map_err(|e| e.to_string())?;
                b.set_verify(SslVerifyMode::PEER);
            }
            Trust::Cas(pem) => {
                let mut store =
                    openssl::x509::store::X509StoreBuilder::new().map_err(|e| e.to_string())?;
                for ca in openssl::x509::X509::stack_from_pem(pem.as_bytes())
                    .map_err(|e| format!("the CA bundle is not PEM: {e}"))?
                {
                    store.add_cert(ca).map_err(|e| e.to_string())?;
                }
                b.set_verify_cert_store(store.build())
                    .map_err(|e| e.to_string())?;
                b.set_verify(SslVerifyMode::PEER);
            }
        }
        // Level 0 lets the probe offer what a provider must refuse (NULL and non-PFS suites, TLS 1.0/1.1).
        b.set_security_level(0);
        b.clear_options(openssl::ssl::SslOptions::NO_TLSV1 | openssl::ssl::SslOptions::NO_TLSV1_1);
        b.set_min_proto_version(Some(version.openssl()))
            .and_then(|()| b.set_max_proto_version(Some(version.openssl())))
            .map_err(|e| e.to_string())?;
        if version == TlsVersion::Tls13 {
            b.set_ciphersuites(ciphers)
                .map_err(|_| format!("OpenSSL knows no TLS 1.3 cipher suite `{ciphers}`"))?;
        } else {
            b.set_cipher_list(&format!("{ciphers}:@SECLEVEL=0"))
                .map_err(|_| format!("OpenSSL knows no cipher suite `{ciphers}`"))?;
        }
        if let Some(pem) = &self.client {
            let cert = openssl::x509::X509::from_pem(pem.cert.as_bytes())
                .map_err(|e| format!("the client certificate is not PEM: {e}"))?;
            let key = openssl::pkey::PKey::private_key_from_pem(pem.key.as_bytes())
                .map_err(|e| format!("the client key is not PEM: {e}"))?;
            b.set_certificate(&cert)
                .and_then(|()| b.set_private_key(&key))
                .map_err(|e| format!("the client certificate cannot be used: {e}"))?;
        }
        Ok(b.build())
    }

    /// Sends a hand-built TLS 1.2 ClientHello offering exactly `suites` (code points, any values) and reports
    /// how the server answered. Blocking.
    pub fn hello(&self, version: TlsVersion, suites: &[u16]) -> HelloAnswer {
        let mut tcp = match connect(&self.addr, self.timeout) {
            Ok(s) => s,
            Err(e) => return HelloAnswer::Unreachable(e),
        };
        let hello = client_hello(version.wire(), suites, &self.server_name);
        if let Err(e) = tcp.write_all(&hello) {
            return HelloAnswer::Closed(format!("the ClientHello could not be sent: {e}"));
        }
        let mut head = [0u8; 5];
        match read_exact_or_eof(&mut tcp, &mut head) {
            Ok(0) => return HelloAnswer::Closed("closed without answering".into()),
            Ok(n) if n < 5 => return HelloAnswer::NotTls(head[..n].to_vec()),
            Ok(_) => {}
            Err(e) => return HelloAnswer::Closed(e),
        }
        let len = usize::from(u16::from_be_bytes([head[3], head[4]]));
        let known_version = head[1] == 3 && head[2] <= 4;
        if !matches!(head[0], 0x15 | 0x16) || !known_version || len > 18 * 1024 {
            return HelloAnswer::NotTls(head.to_vec());
        }
        let mut body = vec![0u8; len];
        if let Err(e) = read_exact_or_eof(&mut tcp, &mut body).and_then(|n| {
            (n == len)
                .then_some(())
                .ok_or_else(|| "the record was cut short".to_string())
        }) {
            return HelloAnswer::Closed(e);
        }
        if head[0] == 0x15 {
            return HelloAnswer::Alert {
                level: body.first().copied().unwrap_or(0),
                description: body.get(1).copied().unwrap_or(0),
            };
        }
        // Handshake: ServerHello is type 2; version (2), random (32), session id (1 + n), suite (2).
        if body.first() != Some(&2) {
            return HelloAnswer::NotTls(body.iter().take(16).copied().collect());
        }
        let sid_len = usize::from(body.get(38).copied().unwrap_or(0));
        let at = 39 + sid_len;
        match (body.get(4..6), body.get(at..at + 2)) {
            (Some(v), Some(s)) => HelloAnswer::ServerHello {
                version: u16::from_be_bytes([v[0], v[1]]),
                suite: u16::from_be_bytes([s[0], s[1]]),
            },
            _ => HelloAnswer::NotTls(body.iter().take(16).copied().collect()),
        }
    }
}

/// How a server answered a hand-built ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloAnswer {
    /// It chose a version and a suite.
    ServerHello {
        version: u16,
        suite: u16,
    },
    /// It sent an alert (2 = fatal; 40 handshake_failure, 70 protocol_version, 71 insufficient_security).
    Alert {
        level: u8,
        description: u8,
    },
    /// It closed the connection without a TLS answer.
    Closed(String),
    /// It answered with something that is not TLS (the first bytes).
    NotTls(Vec<u8>),
    Unreachable(String),
}

impl HelloAnswer {
    pub fn describe(&self) -> String {
        match self {
            Self::ServerHello { version, suite } => {
                format!("the server chose version {version:#06x} and cipher suite {suite:#06x}")
            }
            Self::Alert { level, description } => {
                format!("the server sent alert {description} (level {level})")
            }
            Self::Closed(d) => format!("the server closed the connection ({d})"),
            Self::NotTls(bytes) => format!(
                "the server answered with bytes that are not TLS: {:?}",
                String::from_utf8_lossy(bytes)
            ),
            Self::Unreachable(d) => format!("no connection: {d}"),
        }
    }
}

fn read_exact_or_eof(r: &mut impl Read, buf: &mut [u8]) -> Result<usize, String> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if filled == 0 && e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Ok(0)
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(filled)
}

/// A ClientHello record: `version` in the hello, the given suites, no compression, and the extensions a
/// TLS 1.2 server needs to pick an ECDHE suite (SNI, groups, point formats, signature algorithms, secure
/// renegotiation).
fn client_hello(version: u16, suites: &[u16], server_name: &str) -> Vec<u8> {
    let mut ext = Vec::new();
    let mut put_ext = |kind: u16, data: &[u8]| {
        ext.extend_from_slice(&kind.to_be_bytes());
        ext.extend_from_slice(&(data.len() as u16).to_be_bytes());
        ext.extend_from_slice(data);
    };
    if server_name.parse::<std::net::IpAddr>().is_err() && !server_name.is_empty() {
        let name = server_name.as_bytes();
        let mut sni = Vec::new();
        sni.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
        sni.push(0);
        sni.extend_from_slice(&(name.len() as u16).to_be_bytes());
        sni.extend_from_slice(name);
        put_ext(0x0000, &sni);
    }
    // x25519, secp256r1, secp384r1, ffdhe2048
    put_ext(0x000a, &[0, 8, 0, 0x1d, 0, 0x17, 0, 0x18, 1, 0]);
    put_ext(0x000b, &[1, 0]);
    // rsa_pss_rsae_sha256, rsa_pkcs1_sha256, ecdsa_secp256r1_sha256, rsa_pkcs1_sha384, rsa_pkcs1_sha1
    put_ext(
        0x000d,
        &[
            0, 10, 0x08, 0x04, 0x04, 0x01, 0x04, 0x03, 0x05, 0x01, 0x02, 0x01,
        ],
    );
    put_ext(0xff01, &[0]);
    let mut hello = Vec::new();
    hello.extend_from_slice(&version.to_be_bytes());
    let random = uuid::Uuid::new_v4();
    hello.extend_from_slice(random.as_bytes());
    hello.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    hello.push(0); // no session id
    hello.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        hello.extend_from_slice(&s.to_be_bytes());
    }
    hello.extend_from_slice(&[1, 0]); // null compression only
    hello.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    hello.extend_from_slice(&ext);
    let mut handshake = vec![1u8];
    handshake.extend_from_slice(&(hello.len() as u32).to_be_bytes()[1..]);
    handshake.extend_from_slice(&hello);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend_from_slice(&(handshake.len() as u16).to_be_bytes());
    record.extend_from_slice(&handshake);
    record
}

fn handshake_error<S>(e: &openssl::ssl::HandshakeError<S>) -> String {
    match e {
        openssl::ssl::HandshakeError::SetupFailure(s) => s.to_string(),
        openssl::ssl::HandshakeError::Failure(mid)
        | openssl::ssl::HandshakeError::WouldBlock(mid) => {
            let detail = mid.error().to_string();
            match alert_number(&detail) {
                Some(n) => format!("TLS alert {n} {}", alert_name(n)),
                None if detail.contains("unexpected eof") || detail.contains("SYSCALL") => {
                    "the connection was closed during the handshake".to_string()
                }
                None => detail,
            }
        }
    }
}

fn alert_number(detail: &str) -> Option<u8> {
    let at = detail.find("alert number ")? + "alert number ".len();
    detail[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

/// The RFC 8446 / 5246 name of an alert.
pub fn alert_name(n: u8) -> &'static str {
    match n {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        40 => "handshake_failure",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        109 => "missing_extension",
        112 => "unrecognized_name",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => "",
    }
}

/// Reads an HTTP/1.1 response to EOF (the request asked for `Connection: close`): status, headers, body
/// (de-chunked).
fn read_response(r: &mut impl Read) -> Result<RawResponse, String> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                raw.extend_from_slice(&buf[..n]);
                if raw.len() > MAX_RESPONSE {
                    return Err(format!("the response exceeds {MAX_RESPONSE} bytes"));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            // A TLS peer that closes without close_notify ends the body all the same.
            Err(_) if !raw.is_empty() => break,
            Err(e) => {
                return Err(format!(
                    "the connection was closed before a response arrived ({e})"
                ))
            }
        }
    }
    parse_response(&raw)
}

/// Parses a whole HTTP/1.1 response.
pub fn parse_response(raw: &[u8]) -> Result<RawResponse, String> {
    if raw.is_empty() {
        return Err("the connection was closed before a response arrived".into());
    }
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("the response has no complete header")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|_| status_line.starts_with("HTTP/"))
        .ok_or_else(|| format!("`{status_line}` is not an HTTP status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let rest = &raw[end + 4..];
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.to_ascii_lowercase().contains("chunked")
    });
    let body = if chunked {
        dechunk(rest)?
    } else {
        rest.to_vec()
    };
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("a chunk size line is cut short")?;
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("`{size_text}` is not a chunk size"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = rest.get(..size).ok_or("a chunk is cut short")?;
        out.extend_from_slice(chunk);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_parse_with_and_without_chunks() {
        let r = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi").unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"hi"[..]));
        let r = parse_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n3\r\n th\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(r.body, b"hi th");
        assert!(parse_response(b"SSH-2.0\r\n\r\n").is_err());
        assert!(parse_response(b"").is_err());
    }

    #[test]
    fn alert_numbers_are_read_from_openssl_messages() {
        let d = "error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1601:SSL alert number 40";
        assert_eq!(alert_number(d), Some(40));
        assert_eq!(alert_name(40), "handshake_failure");
    }

    #[test]
    fn the_client_hello_is_well_formed() {
        let h = client_hello(0x0303, &[0xc02f, 0xfefe], "example.test");
        assert_eq!(&h[..3], &[0x16, 0x03, 0x01]);
        assert_eq!(usize::from(u16::from_be_bytes([h[3], h[4]])), h.len() - 5);
        assert_eq!(h[5], 1);
        // suites after version (2) + random (32) + session id length (1)
        let at = 5 + 4 + 2 + 32 + 1;
        assert_eq!(&h[at..at + 6], &[0, 4, 0xc0, 0x2f, 0xfe, 0xfe]);
    }
}
