//! Transport security and the Spine Secure Proxy: the request built as usual, sent as one TLS probe to the
//! provider's TLS address with a chosen client certificate, protocol version and cipher suites (the harness
//! plays the SSP), or in the SSP's proxy-prefix form; the expectations on the handshake and the refusal.

use cucumber::{given, then, when};

use super::Step;
use crate::client::{Exchange, OutgoingRequest, RecordedResponse};
use crate::steps::world::GpcWorld;
use crate::tls::certs::ClientVariant;
use crate::tls::probe::{HelloAnswer, Outcome, Probe, TlsVersion, Trust};

/// What a security scenario's probe offers, and what it found.
#[derive(Debug, Default)]
pub struct ProbeState {
    /// `Some(None)`: no client certificate; `None`: not chosen (the valid one).
    pub client: Option<Option<ClientVariant>>,
    /// The cipher suites offered (an OpenSSL cipher string); `None`: the specification's list.
    pub ciphers: Option<String>,
    pub outcome: Option<Outcome>,
    pub hello: Option<HelloAnswer>,
}

#[given(expr = "I present the {string} SSP client certificate")]
fn present(w: &mut GpcWorld, variant: String) -> Step {
    let v = ClientVariant::from_key(&variant).ok_or_else(|| {
        let known: Vec<&str> = ClientVariant::ALL.iter().map(|v| v.config_key()).collect();
        format!(
            "`{variant}` is no SSP client certificate; use one of {}",
            known.join(", ")
        )
    })?;
    w.probe.client = Some(Some(v));
    Ok(())
}

#[given("I present no client certificate")]
fn present_none(w: &mut GpcWorld) -> Step {
    w.probe.client = Some(None);
    Ok(())
}

#[given(expr = "I offer only the cipher suite {string}")]
fn offer_cipher(w: &mut GpcWorld, cipher: String) -> Step {
    w.probe.ciphers = Some(cipher);
    Ok(())
}

/// The provider's TLS address as (`host:port`, host).
fn tls_address(w: &GpcWorld) -> Result<(String, String), String> {
    let t = &w.ctx.transport;
    let base = t.tls_base_url.as_deref().ok_or_else(|| {
        format!(
            "the provider has no TLS address for the security tests; {}",
            t.setup_hint
        )
    })?;
    if !base.starts_with("https://") {
        return Err(format!(
            "the TLS address `{base}` does not start with https://"
        ));
    }
    let (host, port) = crate::tls::host_and_port(crate::tls::authority_of(base));
    let addr = if host.contains(':') {
        format!("[{host}]:{}", port.unwrap_or(443))
    } else {
        format!("{host}:{}", port.unwrap_or(443))
    };
    let host = host.to_string();
    Ok((addr, host))
}

/// The path and query of an absolute URL.
fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/').map_or("/", |i| &rest[i..])
}

/// The request as raw HTTP/1.1 for `host`, closing the connection after the answer.
fn raw_http(request: &OutgoingRequest, host: &str) -> Vec<u8> {
    let mut text = format!(
        "{} {} HTTP/1.1\r\nHost: {host}\r\n",
        request.method,
        path_of(&request.url)
    );
    for (k, v) in &request.headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = request.body.clone().unwrap_or_default();
    if !body.is_empty() {
        text.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    text.push_str("Connection: close\r\n\r\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(&body);
    bytes
}

async fn probe_request(w: &mut GpcWorld, version: TlsVersion, check_server: bool) -> Step {
    let (addr, host) = tls_address(w)?;
    let client = match w.probe.client {
        Some(None) => None,
        Some(Some(v)) => Some(w.ctx.transport.client(v)?.clone()),
        None => Some(w.ctx.transport.client(ClientVariant::Valid)?.clone()),
    };
    let trust = match (check_server, &w.ctx.transport.ca_pem) {
        (false, _) => Trust::Nothing,
        (true, Some(pem)) => Trust::Cas(pem.clone()),
        (true, None) => Trust::System,
    };
    let (mut request, jwt) = w.build_request()?;
    let base = w.ctx.transport.tls_base_url.clone().unwrap_or_default();
    request.url = format!("{}{}", base.trim_end_matches('/'), path_of(&request.url));
    let raw = raw_http(&request, &host);
    let ciphers = w
        .probe
        .ciphers
        .clone()
        .unwrap_or_else(|| crate::tls::SPEC_CIPHERS.to_string());
    let probe = Probe {
        addr,
        server_name: host,
        client,
        trust,
        timeout: std::time::Duration::from_secs(w.ctx.config.timeout_secs),
    };
    let started = std::time::Instant::now();
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let outcome =
        tokio::task::spawn_blocking(move || probe.handshake(version, &ciphers, Some(&raw)))
            .await
            .map_err(|e| format!("the probe stopped: {e}"))?;
    let (response, error) = match &outcome {
        Outcome::Connected {
            response: Ok(r), ..
        } => (
            Some(RecordedResponse {
                status: r.status,
                headers: r.headers.clone(),
                wire_bytes: r.body.len(),
                body: r.body.clone(),
            }),
            None,
        ),
        other => (None, Some(other.describe())),
    };
    w.record_and_look(Exchange {
        request,
        response,
        error,
        started_at,
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        jwt,
    });
    w.probe.outcome = Some(outcome);
    Ok(())
}

#[when(regex = r"^I make the request over TLS (1\.[0-3])$")]
async fn over_tls(w: &mut GpcWorld, version: String) -> Step {
    let v = TlsVersion::parse(&format!("tls{version}"))
        .ok_or_else(|| format!("TLS {version} is not a protocol version"))?;
    probe_request(w, v, false).await
}

#[when("I make the request over TLS 1.2 checking the provider's certificate")]
async fn over_tls_checked(w: &mut GpcWorld) -> Step {
    probe_request(w, TlsVersion::Tls12, true).await
}

fn outcome(w: &GpcWorld) -> Result<&Outcome, String> {
    w.probe.outcome.as_ref().ok_or_else(|| {
        "no TLS probe was made (missing `When I make the request over TLS 1.2`)".into()
    })
}

#[then("the TLS handshake should succeed")]
fn handshake_succeeds(w: &mut GpcWorld) -> Step {
    match outcome(w)? {
        Outcome::Connected { .. } => Ok(()),
        other => Err(format!(
            "expected the TLS handshake to succeed, but {}",
            other.describe()
        )),
    }
}

#[then(expr = "the TLS handshake should succeed with the cipher suite {string}")]
fn handshake_with(w: &mut GpcWorld, cipher: String) -> Step {
    match outcome(w)? {
        Outcome::Connected { cipher: got, .. } if *got == cipher => Ok(()),
        Outcome::Connected { cipher: got, .. } => Err(format!(
            "the handshake used the cipher suite {got}, not {cipher}"
        )),
        other => Err(format!(
            "expected the TLS handshake with {cipher} to succeed, but {}",
            other.describe()
        )),
    }
}

/// Whether the probe ended without an answer from the application: a refused handshake, or a connection the
/// provider closed before any response.
fn refused(o: &Outcome) -> bool {
    matches!(
        o,
        Outcome::Refused(_)
            | Outcome::Connected {
                response: Err(_),
                ..
            }
    )
}

#[then("the provider should refuse the connection")]
fn refuses(w: &mut GpcWorld) -> Step {
    let o = outcome(w)?;
    if refused(o) {
        Ok(())
    } else {
        Err(format!(
            "expected the provider to refuse the connection, but {}",
            o.describe()
        ))
    }
}

#[then(expr = "the provider should refuse the connection or answer {string}")]
fn refuses_or_answers(w: &mut GpcWorld, statuses: String) -> Step {
    let allowed: Vec<u16> = statuses
        .split(',')
        .map(|s| s.trim().parse::<u16>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("`{statuses}` is not a list of status codes"))?;
    let o = outcome(w)?;
    match o {
        Outcome::Connected {
            response: Ok(r), ..
        } if allowed.contains(&r.status) => Ok(()),
        o if refused(o) => Ok(()),
        o => Err(format!(
            "expected the provider to refuse the connection or answer {statuses}, but {}",
            o.describe()
        )),
    }
}

#[when("I make the request over plain HTTP to the provider's TLS host")]
async fn over_plain(w: &mut GpcWorld) -> Step {
    let t = &w.ctx.transport;
    let plain = t.plain_url.clone().ok_or_else(|| {
        format!(
            "the provider has no plain-HTTP address to test; {}",
            t.setup_hint
        )
    })?;
    let (mut request, jwt) = w.build_request()?;
    request.url = format!("{}{}", plain.trim_end_matches('/'), path_of(&request.url));
    let exchange = w.ctx.client.direct().send(request, jwt).await;
    w.record_and_look(exchange);
    Ok(())
}

#[then("the connection should be closed or the request redirected to https with Strict-Transport-Security")]
fn closed_or_redirected(w: &mut GpcWorld) -> Step {
    let ex = w.last()?;
    let Some(r) = &ex.response else {
        // Dropped, reset or refused: no insecure connection was accepted.
        return Ok(());
    };
    if !(300..400).contains(&r.status) {
        return Err(format!(
            "the provider answered {} over plain HTTP instead of dropping the connection or redirecting to TLS",
            r.status
        ));
    }
    let location = r.header("location").unwrap_or_default();
    if !location.starts_with("https://") {
        return Err(format!(
            "the provider redirected ({}) to `{location}`, not to an https:// URL",
            r.status
        ));
    }
    if r.header("strict-transport-security").is_none() {
        return Err(format!(
            "the provider redirected ({}) to TLS without a Strict-Transport-Security header",
            r.status
        ));
    }
    Ok(())
}

#[when(regex = r"^I offer the provider only the unassigned cipher suite 0x([0-9A-Fa-f]{4})$")]
async fn offer_unassigned(w: &mut GpcWorld, code: String) -> Step {
    let suite = u16::from_str_radix(&code, 16).map_err(|e| e.to_string())?;
    let (addr, host) = tls_address(w)?;
    let probe = Probe {
        addr: addr.clone(),
        server_name: host,
        client: None,
        trust: Trust::Nothing,
        timeout: std::time::Duration::from_secs(w.ctx.config.timeout_secs),
    };
    let started = std::time::Instant::now();
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let answer = tokio::task::spawn_blocking(move || probe.hello(TlsVersion::Tls12, &[suite]))
        .await
        .map_err(|e| format!("the probe stopped: {e}"))?;
    // Evidence: the ClientHello as a pseudo-request, the answer as the error text.
    w.record_and_look(Exchange {
        request: OutgoingRequest {
            method: "TLS ClientHello".into(),
            url: format!("https://{addr}"),
            headers: vec![("cipher-suites".into(), format!("0x{code}"))],
            body: None,
        },
        response: None,
        error: Some(answer.describe()),
        started_at,
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        jwt: None,
    });
    w.probe.hello = Some(answer);
    Ok(())
}

#[then("the provider should refuse the handshake without choosing a cipher suite")]
fn hello_refused(w: &mut GpcWorld) -> Step {
    let answer = w
        .probe
        .hello
        .as_ref()
        .ok_or("no ClientHello was sent (missing `When I offer the provider only ...`)")?;
    match answer {
        HelloAnswer::Alert { .. } | HelloAnswer::Closed(_) => Ok(()),
        other => Err(format!(
            "expected a TLS alert or a closed connection, but {}",
            other.describe()
        )),
    }
}

#[when("I make the request through the Spine Secure Proxy")]
async fn through_ssp(w: &mut GpcWorld) -> Step {
    if w.ctx.config.spine_proxy.is_some() {
        // The client already sends every request in the SSP's form.
        return w.send().await;
    }
    let ssp = w.ctx.transport.spine_proxy.clone().ok_or_else(|| {
        "no Spine Secure Proxy to send through: set `spine_proxy` in the config (the SSP's URL); the embedded \
         reference provider starts a local SSP stand-in"
            .to_string()
    })?;
    let (mut request, jwt) = w.build_request()?;
    let tls = w.ctx.transport.tls_base_url.clone().ok_or_else(|| {
        format!(
            "the provider has no TLS address for the SSP to reach; {}",
            w.ctx.transport.setup_hint
        )
    })?;
    let provider_url = format!("{}{}", tls.trim_end_matches('/'), path_of(&request.url));
    request.url = format!("{}/{provider_url}", ssp.trim_end_matches('/'));
    let exchange = w.ctx.client.send(request, jwt).await;
    w.record_and_look(exchange);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_keep_their_query() {
        assert_eq!(path_of("https://h:1/a/b?x=1"), "/a/b?x=1");
        assert_eq!(path_of("https://h"), "/");
    }
}
