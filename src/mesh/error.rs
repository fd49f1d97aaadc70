//! What went wrong talking to MESH, as one sentence a test engineer can act on. MESH answers errors with an
//! envelope `{"detail":[{"event","code","msg"}]}` (API v2) or `{"errorEvent","errorCode","errorDescription"}` (v1);
//! a request the service cannot read gets a validation body instead.

use serde_json::Value;

/// A MESH request that failed.
#[derive(Debug, thiserror::Error)]
pub enum MeshError {
    #[error("MESH refused the credentials of mailbox {mailbox} ({status} {message}): check the mailbox password and the environment's shared key")]
    Credentials {
        mailbox: String,
        status: u16,
        message: String,
    },
    #[error("MESH does not know mailbox {mailbox} ({status} {message}): check the mailbox id")]
    UnknownMailbox {
        mailbox: String,
        status: u16,
        message: String,
    },
    #[error("MESH refused to send to {to}: the recipient mailbox is not registered ({status} {message})")]
    UnknownRecipient {
        to: String,
        status: u16,
        message: String,
    },
    #[error("MESH {operation}: message {message_id} was not found ({status} {message})")]
    NotFound {
        operation: &'static str,
        message_id: String,
        status: u16,
        message: String,
    },
    #[error("MESH {operation} refused: {status} {message}")]
    Refused {
        operation: &'static str,
        status: u16,
        message: String,
    },
    #[error("MESH {operation}: cannot reach {url}: {reason}")]
    Transport {
        operation: &'static str,
        url: String,
        reason: String,
    },
    #[error("MESH {operation}: {reason}")]
    Protocol {
        operation: &'static str,
        reason: String,
    },
    #[error("cannot compute the MESH authorisation: {0}")]
    Crypto(#[from] openssl::error::ErrorStack),
}

/// The event, code and text of a MESH error body, as `EVENT/CODE text` (the parts that are present).
pub fn describe_error_body(body: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        return if text.is_empty() {
            "(no body)".to_string()
        } else {
            text.chars().take(200).collect()
        };
    };
    let s = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let join = |event: String, code: String, msg: String| {
        let tag = [event, code]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("/");
        match (tag.is_empty(), msg.is_empty()) {
            (true, _) => msg,
            (false, true) => tag,
            (false, false) => format!("{tag} {msg}"),
        }
    };
    if let Some(details) = v.get("detail").and_then(Value::as_array) {
        let parts: Vec<String> = details
            .iter()
            .map(|d| {
                // A validation body names the field it could not read (`loc`).
                let loc = d
                    .get("loc")
                    .and_then(Value::as_array)
                    .map(|l| {
                        l.iter()
                            .filter_map(|x| x.as_str())
                            .collect::<Vec<_>>()
                            .join(".")
                    })
                    .unwrap_or_default();
                let msg = s(d, "msg");
                let msg = if loc.is_empty() {
                    msg
                } else {
                    format!("{loc}: {msg}")
                };
                join(s(d, "event"), s(d, "code"), msg)
            })
            .collect();
        return parts.join("; ");
    }
    if v.get("errorDescription").is_some() || v.get("errorCode").is_some() {
        return join(
            s(&v, "errorEvent"),
            s(&v, "errorCode"),
            s(&v, "errorDescription"),
        );
    }
    v.to_string().chars().take(200).collect()
}

/// The MESH error code of a body (`detail[0].code` or `errorCode`).
pub fn error_code(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    v.pointer("/detail/0/code")
        .or_else(|| v.get("errorCode"))
        .and_then(Value::as_str)
        .map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_read_as_one_line() {
        assert_eq!(
            describe_error_body(
                br#"{"detail":[{"event":"SEND","code":"12","msg":"Unregistered to address"}]}"#
            ),
            "SEND/12 Unregistered to address"
        );
        assert_eq!(
            describe_error_body(
                br#"{"detail":[{"event":"","code":"","msg":"Invalid Authentication Token"}]}"#
            ),
            "Invalid Authentication Token"
        );
        assert_eq!(
            describe_error_body(br#"{"errorEvent":"","errorCode":"","errorDescription":"Invalid Authentication Token"}"#),
            "Invalid Authentication Token"
        );
        assert_eq!(
            describe_error_body(br#"{"detail":[{"type":"missing","loc":["header","mex-to"],"msg":"Field required"}]}"#),
            "header.mex-to: Field required"
        );
        assert_eq!(describe_error_body(b""), "(no body)");
        assert_eq!(
            error_code(
                br#"{"detail":[{"event":"SEND","code":"EPL-151","msg":"No mailbox matched"}]}"#
            )
            .as_deref(),
            Some("EPL-151")
        );
    }
}
