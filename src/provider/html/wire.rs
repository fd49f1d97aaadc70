//! The wire format of the DSTU2 root: which of its media types a request asks for, and how a reply is written
//! (its media types, `Cache-Control`, gzip, a streamed body).

use axum::body::Body;
use axum::http::{HeaderMap, Response, StatusCode};

use crate::provider::negotiate::Format;
use crate::provider::{Fault, ProviderState, Reply};

/// The format asked for on the DSTU2 root (its own media types); `Err` carries the unsupported value (415).
pub(crate) fn negotiate(
    st: &ProviderState,
    h: &HeaderMap,
    params: &[(String, String)],
) -> Result<Format, String> {
    let chosen = (|| {
        let unsupported = |v: &str| {
            if st.fault(Fault::AcceptUnsupportedMedia) {
                Ok(Format::Json)
            } else {
                Err(v.to_string())
            }
        };
        if !st.fault(Fault::IgnoreFormatParam) {
            if let Some((_, v)) = params.iter().find(|(k, _)| k == "_format") {
                return super::media::format_of(v).map_or_else(|| unsupported(v), Ok);
            }
        }
        // `*/*` states no preference (HTTP clients send it by default): the request's own format decides, as
        // the official 0.7.4 FhirBase tests expect of an XML request without Accept.
        if let Some(accept) =
            super::super::header(h, "accept").filter(|a| !a.trim().is_empty() && a.trim() != "*/*")
        {
            if st.fault(Fault::IgnoreAcceptHeader) {
                return Ok(Format::Json);
            }
            return super::media::from_accept(accept).map_or_else(|| unsupported(accept), Ok);
        }
        Ok(super::super::header(h, "content-type")
            .and_then(super::media::format_of)
            .unwrap_or(Format::Json))
    })();
    if st.fault(Fault::HtmlXmlIgnored) {
        return chosen.map(|_| Format::Json);
    }
    chosen
}

/// Serialises a reply on the DSTU2 root: its media types, `Cache-Control: no-store`, gzip when asked, and the
/// body streamed (chunked transfer encoding, as the official 0.7.4 pack expects of a care record).
pub(crate) fn finish(
    st: &ProviderState,
    reply: Reply,
    format: Format,
    gzip: bool,
) -> Response<Body> {
    let (status, format, bytes) = super::super::encode(&reply, format);
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(
            "content-type",
            super::media::content_type(
                format,
                !st.fault(Fault::NoCharset),
                st.fault(Fault::HtmlStu3MediaType),
            ),
        );
    if !st.fault(Fault::NoCacheControl) {
        builder = builder.header("cache-control", "no-store");
    }
    let (builder, body) = super::super::compress(builder, bytes, gzip);
    let chunk = bytes::Bytes::from(body);
    let stream = futures::stream::once(async move { Ok::<_, std::convert::Infallible>(chunk) });
    builder
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| Response::new(Body::from("internal error")))
}
