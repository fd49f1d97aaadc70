//! Evidence: `evidence/<test id>/` holds every exchange of the test (request, response, timings and the
//! decoded JWT), the profile validator's OperationOutcome for each validated response, and the outcome (with
//! the failure block when the test failed).

use std::path::Path;

use crate::client::Exchange;

use super::ScenarioOutcome;

/// Writes the exchanges and validation results of one test into `dir` (during the run).
pub fn write_exchanges(
    dir: &Path,
    exchanges: &[Exchange],
    validations: &[serde_json::Value],
    messages: &[serde_json::Value],
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (i, m) in messages.iter().enumerate() {
        let json = serde_json::to_vec_pretty(m).map_err(std::io::Error::other)?;
        std::fs::write(dir.join(format!("message-{:02}.json", i + 1)), json)?;
    }
    for (i, oo) in validations.iter().enumerate() {
        let json = serde_json::to_vec_pretty(oo).map_err(std::io::Error::other)?;
        std::fs::write(dir.join(format!("validation-{:02}.json", i + 1)), json)?;
    }
    for (i, ex) in exchanges.iter().enumerate() {
        let json = serde_json::to_vec_pretty(&redacted(ex)).map_err(std::io::Error::other)?;
        std::fs::write(dir.join(format!("exchange-{:02}.json", i + 1)), json)?;
    }
    Ok(())
}

/// The exchange as evidence may show it: the signature of a signed bearer token is replaced by its length
/// (GP Connect's JWTs are unsigned and stay whole; a signature is a secret of whoever made it).
pub fn redacted(ex: &Exchange) -> Exchange {
    let mut ex = ex.clone();
    for (name, value) in &mut ex.request.headers {
        if name.eq_ignore_ascii_case("authorization") {
            if let Some(v) = redact_token(value) {
                *value = v;
            }
        }
    }
    if let Some(sig) = ex
        .jwt
        .as_mut()
        .and_then(|j| j.get_mut("signature"))
        .filter(|s| s.as_str().is_some_and(|s| !s.is_empty()))
    {
        let n = sig.as_str().map_or(0, str::len);
        *sig = serde_json::Value::String(format!("<redacted: {n} characters>"));
    }
    ex
}

/// `Bearer header.payload.signature` with the signature replaced, or `None` when there is no signature.
fn redact_token(value: &str) -> Option<String> {
    let (scheme, token) = value.split_once(' ')?;
    let (unsigned, signature) = token.rsplit_once('.')?;
    if signature.is_empty() || unsigned.matches('.').count() != 1 {
        return None;
    }
    Some(format!(
        "{scheme} {unsigned}.<redacted: {} characters>",
        signature.len()
    ))
}

/// Writes the outcome of one test into `dir` (when the run ends and the failed step is known), with the run's
/// warnings (such as unverified server certificates) when there are any.
pub fn write_outcome(
    dir: &Path,
    outcome: &ScenarioOutcome,
    warnings: &[String],
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut value = serde_json::to_value(outcome).map_err(std::io::Error::other)?;
    if let (false, Some(map)) = (warnings.is_empty(), value.as_object_mut()) {
        map.insert("warnings".into(), serde_json::json!(warnings));
    }
    let json = serde_json::to_vec_pretty(&value).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("scenario.json"), json)?;
    if let Some(f) = &outcome.failure {
        std::fs::write(dir.join("failure.txt"), format!("{}\n", f.render()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_redacted_and_unsigned_tokens_kept() {
        assert_eq!(redact_token("Bearer aaa.bbb."), None);
        assert_eq!(
            redact_token("Bearer aaa.bbb.c2ln").as_deref(),
            Some("Bearer aaa.bbb.<redacted: 4 characters>")
        );
        assert_eq!(redact_token("Bearer invalid"), None);
        let ex = Exchange {
            request: crate::client::OutgoingRequest {
                method: "GET".into(),
                url: "http://x/metadata".into(),
                headers: vec![("Authorization".into(), "Bearer a.b.secret".into())],
                body: None,
            },
            response: None,
            error: None,
            started_at: String::new(),
            elapsed_ms: 0.0,
            jwt: Some(serde_json::json!({ "header": {}, "payload": {}, "signature": "secret" })),
        };
        let text = serde_json::to_string(&redacted(&ex)).unwrap();
        assert!(!text.contains("secret"), "{text}");
    }
}
