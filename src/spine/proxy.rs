//! A stand-in for the Spine Secure Proxy: requests in the proxy-prefix form
//! `http://<proxy>/https://<provider>/<service root>/<FHIR request>` (GP Connect 1.2.9
//! development_general_api_guidance) are forwarded to the provider URL after the prefix, over TLS 1.2 with the
//! SSP's client certificate, and the provider's answer is passed back unchanged. The provider sees only its own
//! part, as behind the real SSP.
//!
//! It is what the `@ssp` features send through when the embedded reference provider is tested, and what the
//! tests put in front of it to show that a whole run through an SSP-style prefix proxy passes. It is not the SSP:
//! it does not check the SSP headers or the consumer's authorisation (those are the SSP's own tests).

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, Response, StatusCode};

use crate::tls::certs::Pem;

/// How the proxy reaches providers.
#[derive(Clone)]
pub struct ProxyOptions {
    /// The SSP's client certificate, presented to providers.
    pub identity: Pem,
    /// CAs trusted for providers' certificates (PEM); `None`: the system's roots.
    pub ca_pem: Option<String>,
    /// Per-request timeout.
    pub timeout: std::time::Duration,
}

impl std::fmt::Debug for ProxyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyOptions")
            .field("identity", &self.identity)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The proxy could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("the proxy's TLS client cannot be built: {0}")]
    Client(String),
    #[error("the proxy cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// A running proxy.
#[derive(Debug)]
pub struct RunningProxy {
    /// `http://127.0.0.1:port`: prefix a provider URL with it (and a `/`).
    pub url: String,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningProxy {
    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        let _ = self.task.await;
    }
}

/// Largest request or response body the proxy carries.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// Headers that belong to one connection, not to the exchange (RFC 9110 §7.6.1), and those the proxy sets.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "host",
    "content-length",
];

/// Starts the proxy on `addr`.
pub async fn start(addr: &str, options: ProxyOptions) -> Result<RunningProxy, ProxyError> {
    let client_error = |e: reqwest::Error| ProxyError::Client(e.to_string());
    let identity = reqwest::Identity::from_pem(
        format!("{}\n{}", options.identity.key, options.identity.cert).as_bytes(),
    )
    .map_err(client_error)?;
    // The SSP speaks TLS 1.2 to providers.
    let mut builder = reqwest::Client::builder().identity(identity);
    if let Some(pem) = &options.ca_pem {
        let cas = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(client_error)?;
        builder = builder.tls_certs_only(cas);
    }
    let client = builder
        .min_tls_version(reqwest::tls::Version::TLS_1_2)
        .max_tls_version(reqwest::tls::Version::TLS_1_2)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(options.timeout)
        .no_proxy()
        .build()
        .map_err(client_error)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ProxyError::Bind {
            addr: addr.to_string(),
            source,
        })?;
    let local: SocketAddr = listener.local_addr().map_err(|source| ProxyError::Bind {
        addr: addr.to_string(),
        source,
    })?;
    let app = axum::Router::new().fallback(forward).with_state(client);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = rx.await;
        });
        if let Err(e) = server.await {
            eprintln!("SSP stand-in stopped: {e}");
        }
    });
    Ok(RunningProxy {
        url: format!("http://{local}"),
        shutdown: tx,
        task,
    })
}

fn refusal(status: StatusCode, message: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .header("cache-control", "no-store")
        .body(Body::from(message))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// The provider URL of a proxy-form request: everything after the first `/`, with the query.
pub fn target_of(path_and_query: &str) -> Option<&str> {
    let target = path_and_query.strip_prefix('/')?;
    target.starts_with("https://").then_some(target)
}

async fn forward(State(client): State<reqwest::Client>, req: Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let Some(target) = target_of(path) else {
        return refusal(
            StatusCode::BAD_REQUEST,
            format!("`{path}` is not in the proxy form /https://<provider>/<service root>/..."),
        );
    };
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return refusal(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("request body over {MAX_BODY} bytes"),
            )
        }
    };
    let mut outgoing = client.request(parts.method.clone(), target);
    for (name, value) in &parts.headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            outgoing = outgoing.header(name, value);
        }
    }
    let answer = match outgoing.body(body).send().await {
        Ok(a) => a,
        Err(e) => {
            let why = crate::client::tls::chain(&e);
            return refusal(
                StatusCode::BAD_GATEWAY,
                format!("the SSP could not reach {target}: {why}"),
            );
        }
    };
    let mut builder = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            builder = builder.header(name, value);
        }
    }
    // A streamed answer (no Content-Length: chunked) is forwarded as it comes, so the consumer sees the
    // provider's chunked transfer encoding as through a real proxy; a sized one is forwarded whole.
    if answer.content_length().is_none() {
        let chunks = futures::stream::unfold(Some(answer), |state| async move {
            let mut a = state?;
            match a.chunk().await {
                Ok(Some(bytes)) => Some((Ok(bytes), Some(a))),
                Ok(None) => None,
                Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
            }
        });
        return builder
            .body(Body::from_stream(chunks))
            .unwrap_or_else(|_| Response::new(Body::empty()));
    }
    match answer.bytes().await {
        Ok(bytes) => builder
            .body(Body::from(bytes))
            .unwrap_or_else(|_| Response::new(Body::empty())),
        Err(e) => refusal(
            StatusCode::BAD_GATEWAY,
            format!("the provider's answer could not be read: {e}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_is_the_url_after_the_prefix() {
        assert_eq!(
            target_of("/https://p.example:443/B82617/STU3/1/gpconnect/fhir/metadata?_format=json"),
            Some("https://p.example:443/B82617/STU3/1/gpconnect/fhir/metadata?_format=json")
        );
        assert_eq!(target_of("/http://p.example/x"), None);
        assert_eq!(target_of("/metadata"), None);
    }
}
