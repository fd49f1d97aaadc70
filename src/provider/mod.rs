//! The reference provider: a real GP Connect provider (axum) serving the assurance-pack data, with named faults
//! for self-assurance. Every request goes through one pipeline: route -> SSP headers -> JWT -> content
//! negotiation -> handler -> serialisation (JSON/XML), `Cache-Control`, `ETag`, gzip.

mod appointments;
pub mod data;
pub mod documents;
pub mod faults;
mod forward;
mod foundations;
pub mod html;
mod inspect;
pub mod negotiate;
pub mod send_document;
pub mod slots;
pub mod structured;
pub mod tls;
pub mod uktime;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Request, Response, StatusCode};
use serde_json::{json, Value};

use crate::clock::Clock;
use crate::fhir::{DefinitionIndex, FhirPath};
use crate::spine::catalogue::{self, Capability, Interaction};
use crate::spine::errors;
use crate::spine::headers::{self, profile, system};
use crate::spine::jwt::{self, CheckOptions, Jwt};
pub use faults::{Fault, FaultSet};
pub use forward::{Upstream, UpstreamError};
use negotiate::Format;

/// Largest request body the provider reads.
const MAX_REQUEST_BODY: usize = 2 * 1024 * 1024;

/// How the provider is set up.
#[derive(Debug, Clone)]
pub struct ProviderOptions {
    pub asid: String,
    pub faults: FaultSet,
    pub fhir_path: FhirPath,
    pub roots: crate::config::ServiceRoots,
    /// The clock the provider's dates, slots and token checks follow.
    pub clock: Clock,
    /// The definitions index of the run that embeds the provider (`None`: build one from `fhir_path`).
    pub index: Option<Arc<DefinitionIndex>>,
    /// Access Record Structured clinical areas switched off, by parameter name (`includeProblems`): answered
    /// with a warning instead of data (clinical area configuration page).
    pub disabled_areas: Vec<String>,
    /// Serve TLS (with mutual authentication when a client CA is given) instead of plain HTTP.
    pub tls: Option<tls::TlsServing>,
    /// Inspect every request against the consumer rules (`serve --inspect`, consumer runs), and answer the
    /// `/_gpc-assure/` endpoints.
    pub inspector: Option<Arc<crate::consumer::Inspector>>,
    /// The real provider requests are forwarded to instead of being answered (the proxy driver of consumer
    /// runs: `consumer.proxy.upstream`); its answers are judged with the provider rules. Scripted errors and the
    /// `/_gpc-assure/` endpoints are still answered here.
    pub upstream: Option<forward::Upstream>,
    /// Access Record HTML default time frames by section (config `html.default_time_frames`; none: all data).
    pub html_default_time_frames: html::time_frames::DefaultTimeFrames,
}

impl Default for ProviderOptions {
    fn default() -> Self {
        Self {
            asid: crate::config::DEFAULT_PROVIDER_ASID.into(),
            faults: FaultSet::default(),
            fhir_path: FhirPath::development_default(),
            roots: crate::config::ServiceRoots::default(),
            clock: Clock::system(),
            index: None,
            disabled_areas: Vec::new(),
            tls: None,
            inspector: None,
            upstream: None,
            html_default_time_frames: Default::default(),
        }
    }
}

/// The provider could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Definitions(#[from] crate::fhir::DefsError),
    #[error("service root `{0}` must be a path starting with `/` for the reference provider")]
    Root(String),
    #[error(transparent)]
    Records(#[from] structured::record::RecordError),
    #[error("`{0}` is not a clinical area that can be disabled; use one of: {known}", known = structured::areas::Area::ALL.iter().map(|a| a.parameter()).collect::<Vec<_>>().join(", "))]
    UnknownArea(String),
    #[error(transparent)]
    Documents(#[from] documents::LibraryError),
    #[error("cannot serve TLS: {0}")]
    Tls(#[from] tls::TlsSetupError),
}

/// The provider's mutable state: patients, the appointment book and appointments, all behind one lock so that a
/// check-and-book is atomic.
#[derive(Debug)]
pub(crate) struct Store {
    pub patients: Vec<data::PatientRecord>,
    pub pds: Vec<data::PdsPerson>,
    pub next_id: u64,
    pub book: slots::SlotBook,
    pub appointments: Vec<appointments::ApptRecord>,
    pub next_appointment_id: u64,
}

/// Shared state of a running provider.
#[derive(Debug)]
pub struct ProviderState {
    pub(crate) asid: String,
    pub(crate) faults: FaultSet,
    pub(crate) fhir_path: FhirPath,
    pub(crate) clock: Clock,
    roots: Vec<(Capability, String)>,
    error_system: String,
    displays: HashMap<String, String>,
    pub(crate) store: Mutex<Store>,
    /// The structured records of the pack patients.
    pub(crate) records: structured::record::Records,
    /// Structured clinical areas switched off.
    pub(crate) disabled_areas: Vec<structured::areas::Area>,
    /// The documents of the pack patients (Access Document), generated when the provider starts.
    pub(crate) documents: Arc<documents::Library>,
    /// The consumer inspector (`serve --inspect`).
    pub(crate) inspector: Option<Arc<crate::consumer::Inspector>>,
    /// The real provider requests are forwarded to (proxy driver).
    pub(crate) upstream: Option<forward::Upstream>,
    /// Access Record HTML default time frames.
    pub(crate) html_default_time_frames: html::time_frames::DefaultTimeFrames,
}

impl ProviderState {
    pub fn new(options: ProviderOptions) -> Result<Self, ProviderError> {
        let index = match options.index {
            Some(index) => index,
            None => Arc::new(options.fhir_path.index()?),
        };
        let error_system = index.fixed_value(
            profile::OPERATION_OUTCOME,
            "OperationOutcome.issue.details.coding.system",
        )?;
        let displays = index.code_displays(&error_system)?;
        let roots: Vec<(Capability, String)> = options
            .roots
            .iter()
            .map(|(c, root)| (c, root.clone()))
            .collect();
        for (_, root) in &roots {
            if !root.starts_with('/') {
                return Err(ProviderError::Root(root.clone()));
            }
        }
        let patients = data::seed_patients();
        let pds = data::seed_pds(&patients);
        let now = options.clock.now();
        let mut book =
            slots::SlotBook::new(now, &crate::config::JwtOrganization::default().ods_code);
        let appointments = appointments::seed(&mut book, now);
        let next_appointment_id = appointments.len() as u64 + 1;
        Ok(Self {
            asid: options.asid,
            faults: options.faults,
            fhir_path: options.fhir_path,
            clock: options.clock,
            roots,
            error_system,
            displays,
            store: Mutex::new(Store {
                patients,
                pds,
                next_id: 1000,
                book,
                appointments,
                next_appointment_id,
            }),
            records: structured::record::Records::embedded()?,
            disabled_areas: options
                .disabled_areas
                .iter()
                .map(|n| {
                    structured::areas::Area::from_parameter(n)
                        .ok_or_else(|| ProviderError::UnknownArea(n.clone()))
                })
                .collect::<Result<_, _>>()?,
            documents: documents::Library::embedded()?,
            inspector: options.inspector,
            upstream: options.upstream,
            html_default_time_frames: options.html_default_time_frames,
        })
    }

    pub(crate) fn fault(&self, f: Fault) -> bool {
        self.faults.has(f)
    }

    /// The active faults.
    pub fn faults(&self) -> &FaultSet {
        &self.faults
    }

    /// The consumer inspector, when the provider inspects.
    pub fn inspector(&self) -> Option<&Arc<crate::consumer::Inspector>> {
        self.inspector.as_ref()
    }

    /// Service roots (path part) per capability.
    pub fn roots(&self) -> &[(Capability, String)] {
        &self.roots
    }

    /// Whether a request path is on the Access Record HTML (DSTU2) service root, whose media types, token,
    /// errors and transfer encoding are its own.
    fn is_html_path(&self, path: &str) -> bool {
        self.roots.iter().any(|(cap, root)| {
            *cap == Capability::Html
                && path
                    .strip_prefix(root.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave the store half-written (every update is one push or
        // assignment), so a poisoned lock is still usable.
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// An error answered with an OperationOutcome.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub code: &'static str,
    pub diagnostics: String,
}

pub(crate) fn api_error(code: &'static str, diagnostics: impl Into<String>) -> ApiError {
    ApiError {
        code,
        diagnostics: diagnostics.into(),
    }
}

/// A successful reply before serialisation.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Value,
    pub version: Option<String>,
    /// `Location` header (create).
    pub location: Option<String>,
    /// `Prefer: return=minimal`: headers only, no body.
    pub minimal: bool,
}

impl Reply {
    pub fn ok(body: Value) -> Self {
        let version = body
            .pointer("/meta/versionId")
            .and_then(Value::as_str)
            .map(String::from);
        Reply {
            status: 200,
            body,
            version,
            ..Reply::default()
        }
    }
}

/// What a handler sees of the request.
#[derive(Debug)]
pub(crate) struct Req<'a> {
    pub id: Option<String>,
    pub params: Vec<(String, String)>,
    pub body: &'a [u8],
    pub body_format: Option<Format>,
    /// The `If-Match` header, as sent.
    pub if_match: Option<String>,
    /// The `Prefer` header asked for `return=minimal`.
    pub prefer_minimal: bool,
    /// The absolute service root the request came in on (`http://host/root`), for `Location` headers.
    pub base_url: String,
    /// The claims of the request's JWT (checked by the pipeline; handlers read interaction-specific claims).
    pub jwt_claims: Value,
    /// The request's `Ssp-TraceID` (the documents searchset Bundle's id).
    pub trace_id: String,
}

impl Req<'_> {
    pub fn param_all(&self, name: &str) -> Vec<&str> {
        self.params
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A provider listening on its sockets.
#[derive(Debug)]
pub struct RunningProvider {
    /// The API's base URL (`https://` when the provider serves TLS).
    pub base_url: String,
    pub addr: SocketAddr,
    /// The plain-HTTP API beside the TLS one (`TlsServing::plain_listen`).
    pub plain_url: Option<String>,
    /// The plain-HTTP address that redirects to TLS (`TlsServing::redirect_listen`).
    pub redirect_url: Option<String>,
    pub state: Arc<ProviderState>,
    shutdown: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningProvider {
    /// The absolute service root URL of each capability.
    pub fn service_roots(&self) -> Vec<(Capability, String)> {
        self.state
            .roots
            .iter()
            .map(|(c, r)| (*c, format!("{}{}", self.base_url, r)))
            .collect()
    }

    /// Stops accepting connections and waits for the server tasks.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Whether a request came in over TLS (a request extension set by the listener's router).
#[derive(Debug, Clone, Copy)]
struct Scheme(&'static str);

pub(crate) fn api_router(state: &Arc<ProviderState>, scheme: &'static str) -> axum::Router {
    axum::Router::new()
        .fallback(handle)
        .layer(axum::Extension(Scheme(scheme)))
        .with_state(state.clone())
}

async fn bind(addr: &str) -> Result<(tokio::net::TcpListener, SocketAddr), ProviderError> {
    let bind_error = |source| ProviderError::Bind {
        addr: addr.to_string(),
        source,
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(bind_error)?;
    let local = listener.local_addr().map_err(bind_error)?;
    Ok((listener, local))
}

/// Serves `app` on `listener` until the shutdown signal.
fn spawn_server<L>(
    listener: L,
    app: axum::Router,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    tokio::spawn(async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stop.wait_for(|s| *s).await;
        });
        if let Err(e) = server.await {
            eprintln!("reference provider stopped: {e}");
        }
    })
}

/// Binds `addr` (port 0 picks a free port) and serves until stopped: plain HTTP, or TLS with the listeners
/// `options.tls` asks for.
pub async fn start(addr: &str, options: ProviderOptions) -> Result<RunningProvider, ProviderError> {
    let tls = options.tls.clone();
    let state = Arc::new(ProviderState::new(options)?);
    let (shutdown, stop) = tokio::sync::watch::channel(false);
    let (listener, local) = bind(addr).await?;
    let mut tasks = Vec::new();
    let Some(tls) = tls else {
        tasks.push(spawn_server(listener, api_router(&state, "http"), stop));
        return Ok(RunningProvider {
            base_url: format!("http://{local}"),
            addr: local,
            plain_url: None,
            redirect_url: None,
            state,
            shutdown,
            tasks,
        });
    };
    if state.fault(Fault::TlsOff) {
        tasks.push(spawn_server(
            listener,
            api_router(&state, "http"),
            stop.clone(),
        ));
    } else {
        let context = tls::context(&tls, &state.faults)?;
        let mutual = tls.client_ca_pem.is_some() && !state.fault(Fault::TlsNoClientCertRequired);
        let listener = tls::TlsListener::new(listener, context, mutual).map_err(|source| {
            ProviderError::Bind {
                addr: addr.to_string(),
                source,
            }
        })?;
        tasks.push(spawn_server(
            listener,
            api_router(&state, "https"),
            stop.clone(),
        ));
    }
    let mut plain_url = None;
    if let Some(plain) = &tls.plain_listen {
        let (listener, at) = bind(plain).await?;
        tasks.push(spawn_server(
            listener,
            api_router(&state, "http"),
            stop.clone(),
        ));
        plain_url = Some(format!("http://{at}"));
    }
    let mut redirect_url = None;
    if let Some(redirect) = &tls.redirect_listen {
        let (listener, at) = bind(redirect).await?;
        let app = if state.fault(Fault::TlsPlainHttpServed) {
            api_router(&state, "http")
        } else {
            tls::redirect_router(local.port(), &state.faults)
        };
        tasks.push(spawn_server(listener, app, stop.clone()));
        redirect_url = Some(format!("http://{at}"));
    }
    Ok(RunningProvider {
        base_url: format!("https://{local}"),
        addr: local,
        plain_url,
        redirect_url,
        state,
        shutdown,
        tasks,
    })
}

pub(crate) fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// The format the client asked for; `Err` carries the unsupported value (415).
fn negotiate(
    st: &ProviderState,
    h: &HeaderMap,
    params: &[(String, String)],
) -> Result<Format, String> {
    let unsupported = |v: &str| {
        if st.fault(Fault::AcceptUnsupportedMedia) {
            Ok(Format::Json)
        } else {
            Err(v.to_string())
        }
    };
    if !st.fault(Fault::IgnoreFormatParam) {
        if let Some((_, v)) = params.iter().find(|(k, _)| k == "_format") {
            return negotiate::format_of(v).map_or_else(|| unsupported(v), Ok);
        }
    }
    if let Some(accept) = header(h, "accept").filter(|a| !a.trim().is_empty()) {
        if st.fault(Fault::IgnoreAcceptHeader) {
            return Ok(Format::Json);
        }
        return negotiate::from_accept(accept).map_or_else(|| unsupported(accept), Ok);
    }
    if let Some(ct) = header(h, "content-type") {
        if let Some(f) = negotiate::format_of(ct) {
            return Ok(f);
        }
    }
    Ok(Format::Json)
}

fn segments_match_ci(template: &str, path: &str) -> Option<Option<String>> {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut id = None;
    for (a, b) in t.iter().zip(&p) {
        if *a == "{id}" && !b.is_empty() {
            id = Some((*b).to_string());
        } else if !a.eq_ignore_ascii_case(b) {
            return None;
        }
    }
    Some(id)
}

/// Interactions whose path matches, with the `{id}` value.
fn route(st: &ProviderState, cap: Capability, rel: &str) -> Vec<(Interaction, Option<String>)> {
    let ci = st.fault(Fault::UrlCaseInsensitive);
    catalogue::candidates_for_path(cap, rel)
        .into_iter()
        .map(|i| {
            (
                i,
                catalogue::match_path(i.path(), rel)
                    .flatten()
                    .map(String::from),
            )
        })
        .chain(
            ci.then(|| {
                Interaction::ALL
                    .iter()
                    .copied()
                    .filter(|i| i.capability().shares_root_with(cap))
                    .filter_map(|i| segments_match_ci(i.path(), rel).map(|id| (i, id)))
                    .collect::<Vec<_>>()
            })
            .into_iter()
            .flatten(),
        )
        .collect()
}

async fn handle(State(st): State<Arc<ProviderState>>, req: Request<Body>) -> Response<Body> {
    if let Some(inspector) = &st.inspector {
        if req.uri().path().starts_with(inspect::ADMIN_PREFIX) {
            return inspect::admin(inspector, req).await;
        }
    }
    let (parts, body) = req.into_parts();
    let params: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let dstu2 = st.is_html_path(parts.uri.path());
    let format = if dstu2 {
        html::wire::negotiate(&st, &parts.headers, &params)
    } else {
        negotiate(&st, &parts.headers, &params)
    };
    let out_format = *format.as_ref().unwrap_or(&Format::Json);
    let gzip = !st.fault(Fault::NoGzip)
        && header(&parts.headers, "accept-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("gzip"));
    let bytes = axum::body::to_bytes(body, MAX_REQUEST_BODY).await;
    let inspected = st.inspector.as_ref().map(|inspector| {
        let (seq, judgement) =
            inspect::judge(&st, inspector, &parts, bytes.as_deref().unwrap_or_default());
        let interaction = judgement.interaction();
        let scripted = interaction.and_then(|i| inspector.take_script(i));
        (inspector, seq, scripted, interaction)
    });
    let result = match (&inspected, bytes) {
        (Some((_, _, Some(code), _)), _) => Err(inspect::scripted_error(code)),
        (_, Ok(bytes)) => match &st.upstream {
            Some(upstream) => {
                let judged =
                    inspected
                        .as_ref()
                        .map(|(inspector, seq, _, interaction)| forward::Judged {
                            inspector,
                            seq: *seq,
                            interaction: *interaction,
                        });
                return forward::forward(&st, upstream, judged, &parts, &bytes, out_format, gzip)
                    .await;
            }
            None => process(&st, &parts, &params, format, &bytes).await,
        },
        (_, Err(_)) => Err(api_error(
            "BAD_REQUEST",
            format!("request body larger than {MAX_REQUEST_BODY} bytes"),
        )),
    };
    let reply = result.unwrap_or_else(|e| {
        if dstu2 {
            html::errors::outcome(&st, &e)
        } else {
            outcome_reply(&st, &e)
        }
    });
    if let Some((inspector, seq, scripted, _)) = inspected {
        inspect::record_reply(inspector, seq, &reply, scripted);
    }
    if dstu2 {
        return html::wire::finish(&st, reply, out_format, gzip);
    }
    finish(&st, reply, out_format, gzip)
}

async fn process(
    st: &ProviderState,
    parts: &axum::http::request::Parts,
    params: &[(String, String)],
    format: Result<Format, String>,
    body: &[u8],
) -> Result<Reply, ApiError> {
    let raw_path = parts.uri.path();
    let path = percent_encoding::percent_decode_str(raw_path)
        .decode_utf8_lossy()
        .into_owned();
    let Some((cap, root, rel)) = st.roots.iter().find_map(|(cap, root)| {
        path.strip_prefix(root.as_str())
            .filter(|r| r.starts_with('/'))
            .map(|r| (*cap, root.clone(), r.to_string()))
    }) else {
        return Err(api_error(
            "NO_RECORD_FOUND",
            format!("no GP Connect service root matches {path}"),
        ));
    };
    let candidates = route(st, cap, &rel);
    if candidates.is_empty() && st.fault(Fault::UnknownPathsServed) {
        let body = json!({ "resourceType": "Bundle", "meta": { "profile": [profile::SEARCHSET_BUNDLE] }, "type": "searchset" });
        return Ok(Reply {
            status: 200,
            body,
            ..Reply::default()
        });
    }
    if candidates.is_empty() {
        return Err(api_error(
            "NO_RECORD_FOUND",
            format!("{rel} is not a GP Connect endpoint of this service root"),
        ));
    }
    let h = &parts.headers;
    for name in headers::SSP_HEADERS {
        let skip = (name == headers::SSP_TRACE_ID && st.fault(Fault::AcceptMissingTraceId))
            || (name == headers::SSP_FROM && st.fault(Fault::AcceptMissingFrom));
        if !skip && header(h, name).is_none_or(|v| v.trim().is_empty()) {
            return Err(api_error(
                "BAD_REQUEST",
                format!("the {name} header is missing"),
            ));
        }
    }
    if !st.fault(Fault::AcceptMissingTraceId) {
        let trace = header(h, headers::SSP_TRACE_ID).unwrap_or_default();
        if uuid::Uuid::parse_str(trace.trim()).is_err() {
            return Err(api_error(
                "BAD_REQUEST",
                format!("Ssp-TraceID `{trace}` is not a GUID"),
            ));
        }
    }
    if !st.fault(Fault::AcceptWrongAsid) {
        let to = header(h, headers::SSP_TO).unwrap_or_default();
        if to.trim() != st.asid {
            return Err(api_error(
                "BAD_REQUEST",
                format!("Ssp-To `{to}` is not this provider's ASID"),
            ));
        }
    }
    let method = parts.method.as_str();
    let urn = header(h, headers::SSP_INTERACTION_ID)
        .unwrap_or_default()
        .trim()
        .to_string();
    let method_ok =
        |i: Interaction| i.method().as_str() == method || st.fault(Fault::MethodsNotEnforced);
    let chosen = candidates
        .iter()
        .find(|(i, _)| i.urn() == urn && method_ok(*i))
        .or_else(|| {
            st.fault(Fault::IgnoreInteractionId)
                .then(|| candidates.iter().find(|(i, _)| method_ok(*i)))
                .flatten()
        });
    let Some((interaction, id)) = chosen else {
        return Err(api_error(
            "BAD_REQUEST",
            format!("Ssp-InteractionID `{urn}` does not match {method} {rel}"),
        ));
    };
    let interaction = *interaction;
    let jwt_claims = if cap == Capability::Html {
        html::jwt::check(
            st,
            header(h, headers::AUTHORIZATION).unwrap_or_default(),
            interaction,
        )?
    } else {
        check_jwt(st, h, interaction)?
    };
    format.map_err(|v| {
        api_error(
            "UNSUPPORTED_MEDIA_TYPE",
            format!("unsupported format `{v}`"),
        )
    })?;
    let body_format = if body.is_empty() {
        None
    } else {
        let ct = header(h, "content-type").unwrap_or_default();
        let body_format = if cap == Capability::Html {
            html::media::format_of(ct)
        } else {
            negotiate::format_of(ct)
        };
        match body_format {
            Some(Format::Xml) if st.fault(Fault::XmlBodyRejected) => {
                return Err(api_error(
                    "UNSUPPORTED_MEDIA_TYPE",
                    "XML request bodies are not supported",
                ))
            }
            Some(f) => Some(f),
            None => {
                return Err(api_error(
                    "UNSUPPORTED_MEDIA_TYPE",
                    format!("unsupported Content-Type `{ct}`"),
                ))
            }
        }
    };
    let prefer_minimal = header(h, "prefer").is_some_and(|p| {
        p.split([';', ','])
            .any(|part| part.trim().eq_ignore_ascii_case("return=minimal"))
    });
    let scheme = parts.extensions.get::<Scheme>().map_or("http", |s| s.0);
    let base_url = header(h, "host")
        .map(|host| format!("{scheme}://{host}{root}"))
        .unwrap_or(root);
    let req = Req {
        id: id.clone(),
        params: params.to_vec(),
        body,
        body_format,
        if_match: header(h, "if-match").map(String::from),
        prefer_minimal,
        base_url,
        jwt_claims,
        trace_id: header(h, headers::SSP_TRACE_ID)
            .unwrap_or_default()
            .trim()
            .to_string(),
    };
    dispatch(st, interaction, &req).await
}

/// The handler of each interaction. A new catalogue row does not compile until it is answered here.
async fn dispatch(
    st: &ProviderState,
    interaction: Interaction,
    req: &Req<'_>,
) -> Result<Reply, ApiError> {
    use appointments::Change;
    use Interaction as I;
    match interaction {
        I::MetadataRead => Ok(Reply::ok(foundations::capability_statement(st))),
        I::PatientSearch => foundations::patient_search(st, req),
        I::PatientRead => foundations::patient_read(st, req),
        I::RegisterPatient => foundations::register_patient(st, req),
        I::PractitionerSearch => foundations::practitioner_search(st, req),
        I::PractitionerRead => foundations::practitioner_read(st, req),
        I::OrganizationSearch => foundations::organization_search(st, req),
        I::OrganizationRead => foundations::organization_read(st, req),
        I::LocationRead => foundations::location_read(st, req),
        I::SearchForFreeSlots => appointments::search_free_slots(st, req),
        I::AppointmentCreate => appointments::book(st, req).await,
        I::AppointmentRead => appointments::read(st, req),
        I::AppointmentAmend => appointments::update(st, req, Change::Amend),
        I::AppointmentCancel => appointments::update(st, req, Change::Cancel),
        I::AppointmentSearch => appointments::retrieve(st, req),
        I::GetStructuredRecord => structured::get_structured_record(st, req),
        I::MigrateStructuredRecord => structured::migrate_structured_record(st, req),
        I::StructuredMetadataRead => Ok(Reply::ok(structured::capability::statement(st))),
        I::DocumentsMetadataRead => Ok(documents::capability_statement(st)),
        I::DocumentsPatientSearch => documents::patient_search(st, req),
        I::DocumentsSearch => documents::search(st, req),
        I::DocumentsRetrieve => documents::retrieve(st, req),
        I::DocumentsMigrate => documents::migrate(st, req),
        I::HtmlMetadataRead => Ok(html::metadata(st)),
        I::GetCareRecord => html::get_care_record(st, req),
    }
}

/// Checks the request's JWT; returns its claims.
fn check_jwt(
    st: &ProviderState,
    h: &HeaderMap,
    interaction: Interaction,
) -> Result<Value, ApiError> {
    let auth = header(h, headers::AUTHORIZATION).unwrap_or_default();
    let Some(token) = auth.strip_prefix("Bearer ") else {
        return Err(api_error(
            "BAD_REQUEST",
            "the Authorization header must be `Bearer <JWT>`",
        ));
    };
    let (jwt, signature) = Jwt::decode(token.trim())
        .map_err(|e| api_error("BAD_REQUEST", format!("malformed JWT: {e}")))?;
    let opts = CheckOptions {
        check_expiry: !st.fault(Fault::AcceptExpiredJwt),
        check_lifetime: !st.fault(Fault::AcceptBadJwtLifetime),
        check_scope: !st.fault(Fault::AcceptWrongScope),
        check_reason: !st.fault(Fault::AcceptWrongReason),
        check_resource_types: !st.fault(Fault::AcceptWrongJwtResourceType),
        check_alg: !st.fault(Fault::AcceptSignedJwt),
    };
    let claims = &jwt.claims;
    if st.fault(Fault::RequireRequestedRecord) && claims.get("requested_record").is_none() {
        return Err(api_error(
            "BAD_REQUEST",
            "JWT claim `requested_record` is missing",
        ));
    }
    let now_check = st.clock.unix_seconds();
    if st.fault(Fault::StrictIssueTime)
        && claims
            .get("iat")
            .and_then(Value::as_i64)
            .is_some_and(|iat| (iat - now_check).abs() > 5)
    {
        return Err(api_error("BAD_REQUEST", "JWT iat is not the current time"));
    }
    if st.fault(Fault::RejectUnkIdentifiers) {
        let ids = claims
            .pointer("/requesting_practitioner/identifier")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let unk = ids
            .iter()
            .any(|i| i.get("value").and_then(Value::as_str) == Some("UNK"));
        let role = ids
            .iter()
            .any(|i| i.get("system").and_then(Value::as_str) == Some(system::SDS_ROLE_PROFILE));
        if unk || !role {
            return Err(api_error(
                "BAD_REQUEST",
                "requesting_practitioner must carry real SDS user and role profile ids",
            ));
        }
    }
    let now = st.clock.unix_seconds();
    // Only the migrate operations take `migration`; their handlers check it (with the confidentiality).
    let reason = claims.get("reason_for_request").and_then(Value::as_str);
    if opts.check_reason && interaction.jwt_reason() == "directcare" && reason == Some("migration")
    {
        return Err(api_error(
            "BAD_REQUEST",
            format!("JWT `reason_for_request` must be `directcare` for {interaction}"),
        ));
    }
    jwt::check(&jwt, &signature, interaction.scope(), now, opts).map_err(|v| {
        let code = if v.status == 422 {
            "INVALID_RESOURCE"
        } else {
            "BAD_REQUEST"
        };
        api_error(code, v.message)
    })?;
    Ok(jwt.claims)
}

/// Builds the OperationOutcome reply for an error.
fn outcome_reply(st: &ProviderState, e: &ApiError) -> Reply {
    let row = errors::row(e.code);
    let mut status = row.map_or(500, |r| r.status);
    if e.code == "BAD_REQUEST" && st.fault(Fault::UnprocessableForBadRequest) {
        status = 422;
    }
    let issue_code = row.map_or("exception", |r| r.issue_code);
    let system = if st.fault(Fault::ErrorCodeWrongSystem) {
        system::SPINE_ERROR_VALUESET
    } else {
        &st.error_system
    };
    let mut coding = json!({ "system": system, "code": e.code });
    if !st.fault(Fault::ErrorNoDisplay) {
        if let Some(d) = st.displays.get(e.code) {
            coding["display"] = json!(d);
        }
    }
    let body = json!({
        "resourceType": "OperationOutcome",
        "meta": { "profile": [profile::OPERATION_OUTCOME] },
        "issue": [{
            "severity": "error",
            "code": issue_code,
            "details": { "coding": [coding] },
            "diagnostics": e.diagnostics
        }]
    });
    Reply {
        status,
        body,
        ..Reply::default()
    }
}

/// The reply's body in the format asked for; a body that cannot be written becomes a 500 OperationOutcome
/// in JSON. Returns the status, the format written and the bytes.
fn encode(reply: &Reply, format: Format) -> (u16, Format, Vec<u8>) {
    let bytes = match format {
        Format::Json => serde_json::to_vec(&reply.body).map_err(|e| e.to_string()),
        Format::Xml => crate::fhir::xml::json_to_xml(&reply.body)
            .map(String::into_bytes)
            .map_err(|e| e.to_string()),
    };
    match bytes {
        Ok(b) => (reply.status, format, b),
        Err(e) => {
            let body = json!({ "resourceType": "OperationOutcome", "issue": [{ "severity": "error", "code": "exception", "diagnostics": e }] });
            (500, Format::Json, body.to_string().into_bytes())
        }
    }
}

/// gzips a non-empty body when the client accepts it, saying so in `Content-Encoding`.
fn compress(
    builder: axum::http::response::Builder,
    bytes: Vec<u8>,
    gzip: bool,
) -> (axum::http::response::Builder, Vec<u8>) {
    if !gzip || bytes.is_empty() {
        return (builder, bytes);
    }
    match negotiate::gzip(&bytes) {
        Ok(z) => (builder.header("content-encoding", "gzip"), z),
        Err(_) => (builder, bytes),
    }
}

fn finish(st: &ProviderState, reply: Reply, format: Format, gzip: bool) -> Response<Body> {
    let (status, format, bytes) = encode(&reply, format);
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    if !reply.minimal {
        builder = builder.header(
            "content-type",
            negotiate::content_type(format, !st.fault(Fault::NoCharset)),
        );
    }
    if let Some(location) = &reply.location {
        builder = builder.header("location", location);
    }
    if !st.fault(Fault::NoCacheControl) {
        builder = builder.header("cache-control", "no-store");
    }
    if let Some(v) = &reply.version {
        let etag = if st.fault(Fault::StrongEtag) {
            format!("\"{v}\"")
        } else if st.fault(Fault::EtagNotVersion) {
            "W/\"0\"".to_string()
        } else {
            format!("W/\"{v}\"")
        };
        builder = builder.header("etag", etag);
    }
    let bytes = if reply.minimal { Vec::new() } else { bytes };
    let (builder, body) = compress(builder, bytes, gzip);
    builder
        .body(Body::from(body))
        .unwrap_or_else(|_| Response::new(Body::from("internal error")))
}
