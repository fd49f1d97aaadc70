//! An inbound request as the inspecting provider received it: what the consumer rules judge. Captures (HAR, raw
//! HTTP) are read back into the same shape, so a replayed request is judged exactly as a live one.

use serde::{Deserialize, Serialize};

/// One request a consumer made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundRequest {
    /// When the provider received it, Unix seconds by the run's clock (JWT times are judged against it).
    pub received_at: i64,
    pub method: String,
    /// The request target as sent: path and query (`/gpconnect/fhir/Patient?identifier=...`).
    pub target: String,
    /// Headers in the order received; names as sent (compared case-insensitively).
    pub headers: Vec<(String, String)>,
    #[serde(with = "body_serde")]
    pub body: Vec<u8>,
}

impl InboundRequest {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header (case-insensitive name).
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The path part of the target, percent-decoded.
    pub fn path(&self) -> String {
        let raw = self.target.split(['?', '#']).next().unwrap_or_default();
        // A proxy-form or absolute target (`http://host/path`) keeps only its path.
        let raw = match raw.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
            None => raw,
        };
        percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned()
    }

    /// The query parameters, decoded, in order.
    pub fn params(&self) -> Vec<(String, String)> {
        self.target
            .split_once('?')
            .map(|(_, q)| {
                form_urlencoded::parse(q.split('#').next().unwrap_or_default().as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The values of one query parameter.
    pub fn param_all(&self, name: &str) -> Vec<String> {
        self.params()
            .into_iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v)
            .collect()
    }

    /// The request line (`GET /path?query`).
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.target)
    }
}

/// Bodies are stored as text when they are UTF-8, else as `{"base64": ...}`.
mod body_serde {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Text(String),
        Binary { base64: String },
    }

    pub fn serialize<S: Serializer>(body: &[u8], s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(body) {
            Ok(text) => Stored::Text(text.to_string()).serialize(s),
            Err(_) => Stored::Binary {
                base64: base64::engine::general_purpose::STANDARD.encode(body),
            }
            .serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        match Stored::deserialize(d)? {
            Stored::Text(t) => Ok(t.into_bytes()),
            Stored::Binary { base64 } => base64::engine::general_purpose::STANDARD
                .decode(base64)
                .map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_and_params() {
        let r = InboundRequest {
            method: "GET".into(),
            target: "/fhir/Patient?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9690937286&_format=json".into(),
            ..Default::default()
        };
        assert_eq!(r.path(), "/fhir/Patient");
        assert_eq!(
            r.param_all("identifier"),
            vec!["https://fhir.nhs.uk/Id/nhs-number|9690937286"]
        );
        let abs = InboundRequest {
            target: "http://host:1/root/Patient/2?x=1".into(),
            ..Default::default()
        };
        assert_eq!(abs.path(), "/root/Patient/2");
    }

    #[test]
    fn body_round_trips_as_text_or_base64() {
        for body in [b"{\"a\":1}".to_vec(), vec![0xff, 0x00, 0x41]] {
            let r = InboundRequest {
                body: body.clone(),
                ..Default::default()
            };
            let text = serde_json::to_string(&r).unwrap();
            let back: InboundRequest = serde_json::from_str(&text).unwrap();
            assert_eq!(back.body, body);
        }
    }
}
