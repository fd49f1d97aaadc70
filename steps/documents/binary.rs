//! Expectations on Binary resources: the document a Binary carries is the one its DocumentReference declares
//! (MIME type and size), and it is a whole file of that type (its signature and, for PDF and PNG, its end).

use base64::Engine;
use cucumber::then;
use serde_json::Value;

use super::{binary_id, document_references, Step};
use crate::spine::catalogue::Interaction;
use crate::steps::common::resource_type;
use crate::steps::world::GpcWorld;

/// The bytes of a Binary's `content`.
fn decode(binary: &Value) -> Result<Vec<u8>, String> {
    let text = binary
        .get("content")
        .and_then(Value::as_str)
        .ok_or("Binary.content: expected the base64 document, but it is absent")?;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| format!("Binary.content: expected base64, {e}"))
}

/// Checks that `bytes` is a whole file of `content_type` (for the types the harness knows).
fn whole_document(content_type: &str, bytes: &[u8]) -> Result<(), String> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    let ok = match essence.as_str() {
        "application/pdf" => bytes.starts_with(b"%PDF-") && tail.windows(5).any(|w| w == b"%%EOF"),
        "image/png" => {
            bytes.starts_with(b"\x89PNG\r\n\x1a\n") && tail.windows(4).any(|w| w == b"IEND")
        }
        "application/rtf" | "text/rtf" => {
            bytes.starts_with(b"{\\rtf") && bytes.trim_ascii_end().ends_with(b"}")
        }
        "text/plain" => std::str::from_utf8(bytes).is_ok(),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "Binary.content: expected a whole {essence} document (its signature and end), got {} bytes starting {:?}",
            bytes.len(),
            String::from_utf8_lossy(&bytes[..bytes.len().min(8)])
        ))
    }
}

/// Checks a Binary against what its DocumentReference declared.
fn check(binary: &Value, content_type: &str, size: u64) -> Step {
    if resource_type(binary) != "Binary" {
        return Err(format!(
            "resourceType: expected Binary, got {}",
            resource_type(binary)
        ));
    }
    let actual_type = binary
        .get("contentType")
        .and_then(Value::as_str)
        .unwrap_or("(absent)");
    if actual_type != content_type {
        return Err(format!(
            "Binary.contentType: expected `{content_type}` (the DocumentReference's content.attachment.contentType), got `{actual_type}`"
        ));
    }
    let bytes = decode(binary)?;
    if bytes.len() as u64 != size {
        return Err(format!(
            "Binary.content: expected {size} bytes (the DocumentReference's content.attachment.size), got {}",
            bytes.len()
        ));
    }
    whole_document(content_type, &bytes)
}

fn declared(w: &GpcWorld) -> Result<(String, u64), String> {
    let kind = w.stored.get("declared-type").cloned().ok_or(
        "no DocumentReference was noted for this Binary (a step must look the document up first)",
    )?;
    let size = w
        .stored
        .get("declared-size")
        .and_then(|s| s.parse().ok())
        .ok_or("no declared size was noted")?;
    Ok((kind, size))
}

#[then("the Binary should be the document its DocumentReference declared")]
fn as_declared(w: &mut GpcWorld) -> Step {
    let (kind, size) = declared(w)?;
    check(w.resource()?, &kind, size)
}

#[then("the Binary should have a version")]
fn version(w: &mut GpcWorld) -> Step {
    match w
        .resource()?
        .pointer("/meta/versionId")
        .and_then(Value::as_str)
    {
        Some(v) if !v.is_empty() => Ok(()),
        _ => Err(
            "Binary.meta.versionId: expected the current version of the Binary, but it is absent"
                .into(),
        ),
    }
}

#[then("every DocumentReference with a url should have its Binary retrievable as declared")]
async fn every_binary(w: &mut GpcWorld) -> Step {
    let docs = document_references(w.resource()?);
    let with_url: Vec<&Value> = docs
        .iter()
        .filter(|d| d.pointer("/content/0/attachment/url").is_some())
        .collect();
    if with_url.is_empty() {
        return Err(
            "expected DocumentReferences with a content.attachment.url to retrieve, got none"
                .into(),
        );
    }
    let validator = w
        .ctx
        .validator(Interaction::DocumentsRetrieve.capability())?;
    for d in with_url {
        let doc_id = d
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("(no id)")
            .to_string();
        let at = format!("DocumentReference/{doc_id}");
        let id = binary_id(d).ok_or_else(|| {
            format!(
                "{at}.content[0].attachment.url: expected a URL ending /Binary/[id], got {:?}",
                d.pointer("/content/0/attachment/url")
            )
        })?;
        let content_type = d
            .pointer("/content/0/attachment/contentType")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{at}.content[0].attachment.contentType: expected a MIME type, but it is absent"))?
            .to_string();
        let size = d
            .pointer("/content/0/attachment/size")
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("{at}.content[0].attachment.size: expected the document's size, but it is absent"))?;
        let saved = w.snapshot();
        w.configure(Interaction::DocumentsRetrieve)?;
        w.id = Some(id.clone());
        w.send().await?;
        let result = (|| {
            let status = w.response()?.status;
            if status != 200 {
                return Err(format!("retrieving Binary/{id} returned HTTP {status}"));
            }
            let binary = w.resource()?.clone();
            let issues = validator.validate_expecting(&binary, &[]);
            w.keep_validation(
                format!("Binary/{id}"),
                true,
                crate::validate::operation_outcome(&issues),
            );
            if let Some(e) = issues
                .iter()
                .find(|i| i.severity == crate::validate::Severity::Error)
            {
                return Err(format!("Binary/{id}: {}: {}", e.expression, e.message));
            }
            check(&binary, &content_type, size)
        })();
        w.restore(saved);
        result.map_err(|e| format!("{at}: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_documents() {
        assert!(whole_document("application/pdf", b"%PDF-1.4\n...\n%%EOF\n").is_ok());
        assert!(whole_document("application/pdf", b"%PDF-1.4\n...").is_err());
        assert!(whole_document("application/rtf", b"{\\rtf1 x}\n").is_ok());
        assert!(whole_document("text/plain; charset=utf-8", b"abc").is_ok());
        assert!(whole_document("text/plain", &[0xff, 0xfe]).is_err());
        assert!(whole_document("application/msword", b"anything").is_ok());
    }
}
