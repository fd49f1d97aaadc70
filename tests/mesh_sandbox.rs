//! The MESH client against NHS England's MESH sandbox (`mesh-sandbox` from PyPI, installed into `.venv-mesh` by
//! the README's test command), run on loopback with full HMAC authentication: handshake, send, inbox,
//! download, acknowledge and tracking, a chunked gzip message, and each failure as one clear sentence.

use std::path::PathBuf;

use gpc_assure::mesh::sandbox::{Sandbox, SANDBOX_MAILBOXES};
use gpc_assure::mesh::{Credentials, MeshClient, MeshError, Outgoing};

/// The sandbox's Python: `GPC_MESH_SANDBOX_PYTHON`, else the checkout's `.venv-mesh`.
fn python() -> PathBuf {
    std::env::var_os("GPC_MESH_SANDBOX_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv-mesh/bin/python"))
}

async fn sandbox() -> Sandbox {
    let logs = std::env::temp_dir().join(format!("gpc-assure-test-{}-mesh", std::process::id()));
    match Sandbox::start(&python(), &logs).await {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

fn client(sb: &Sandbox, creds: Credentials) -> MeshClient {
    MeshClient::new(&sb.base_url, creds, reqwest::Client::new())
}

#[tokio::test]
async fn a_message_goes_from_one_mailbox_to_another_and_is_acknowledged() {
    let sb = sandbox().await;
    let (from, to) = (SANDBOX_MAILBOXES[0], SANDBOX_MAILBOXES[1]);
    let sender = client(&sb, sb.credentials(from));
    let receiver = client(&sb, sb.credentials(to));
    sender.handshake().await.expect("sender handshake");
    receiver.handshake().await.expect("receiver handshake");
    assert!(receiver.inbox().await.expect("inbox").is_empty());

    let body = b"<Bundle xmlns=\"http://hl7.org/fhir\"/>".to_vec();
    let id = sender
        .send(&Outgoing {
            to: to.into(),
            workflow_id: "GPFED_CONSULT_REPORT".into(),
            subject: Some("Consultation report".into()),
            local_id: Some("local-1".into()),
            file_name: Some("report.xml".into()),
            content_type: Some("application/fhir+xml".into()),
            body: body.clone(),
            compress: false,
        })
        .await
        .expect("send");
    assert_eq!(receiver.inbox().await.expect("inbox"), vec![id.clone()]);
    let got = receiver.download(&id).await.expect("download");
    assert_eq!(got.body, body);
    let m = &got.metadata;
    assert_eq!(m.message_id, id);
    assert_eq!(m.from.as_deref(), Some(from));
    assert_eq!(m.to.as_deref(), Some(to));
    assert_eq!(m.workflow_id.as_deref(), Some("GPFED_CONSULT_REPORT"));
    assert_eq!(m.subject.as_deref(), Some("Consultation report"));
    assert_eq!(m.local_id.as_deref(), Some("local-1"));
    assert_eq!(m.file_name.as_deref(), Some("report.xml"));
    assert_eq!(m.message_type.as_deref(), Some("DATA"));
    assert_eq!(
        sender.tracking(&id).await.expect("tracking").status,
        "accepted"
    );

    receiver.acknowledge(&id).await.expect("acknowledge");
    assert!(receiver.inbox().await.expect("inbox").is_empty());
    let t = sender.tracking(&id).await.expect("tracking");
    assert_eq!(t.status, "acknowledged");
    assert_eq!(t.local_id.as_deref(), Some("local-1"));
}

#[tokio::test]
async fn a_large_message_goes_in_gzipped_chunks_and_comes_back_whole() {
    let sb = sandbox().await;
    let (from, to) = (SANDBOX_MAILBOXES[0], SANDBOX_MAILBOXES[2]);
    let sender = client(&sb, sb.credentials(from)).with_chunk_size(4096);
    let receiver = client(&sb, sb.credentials(to));
    let body: Vec<u8> = (0..10_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let id = sender
        .send(&Outgoing {
            to: to.into(),
            workflow_id: "GPFED_CONSULT_REPORT".into(),
            body: body.clone(),
            compress: true,
            ..Outgoing::default()
        })
        .await
        .expect("send in 10 chunks");
    let got = receiver.download(&id).await.expect("download");
    assert_eq!(got.body.len(), body.len());
    assert_eq!(got.body, body);
}

#[tokio::test]
async fn wrong_credentials_an_unknown_mailbox_and_an_unknown_recipient_are_one_sentence_each() {
    let sb = sandbox().await;
    let mailbox = SANDBOX_MAILBOXES[0];
    let mut wrong_password = sb.credentials(mailbox);
    wrong_password.password = "not-the-password".into();
    let mut wrong_key = sb.credentials(mailbox);
    wrong_key.shared_key = "not-the-key".into();
    for creds in [wrong_password, wrong_key] {
        let e = client(&sb, creds).handshake().await.expect_err("refused");
        assert!(matches!(e, MeshError::Credentials { .. }), "{e:?}");
        let text = e.to_string();
        assert!(
            text.contains(mailbox) && text.contains("password") && text.contains("shared key"),
            "{text}"
        );
        assert!(!text.contains('\n'), "{text}");
    }

    let e = client(&sb, sb.credentials("NOSUCHBOX1"))
        .handshake()
        .await
        .expect_err("unknown");
    assert!(matches!(e, MeshError::UnknownMailbox { .. }), "{e:?}");

    let sender = client(&sb, sb.credentials(mailbox));
    let e = sender
        .send(&Outgoing {
            to: "NOSUCHBOX2".into(),
            workflow_id: "GPFED_CONSULT_REPORT".into(),
            body: b"x".to_vec(),
            ..Outgoing::default()
        })
        .await
        .expect_err("unknown recipient");
    assert!(matches!(e, MeshError::UnknownRecipient { .. }), "{e:?}");
    assert!(e.to_string().contains("NOSUCHBOX2"), "{e}");

    let e = sender
        .download("0123456789ABCDEF0123456789ABCDEF")
        .await
        .expect_err("none");
    assert!(matches!(e, MeshError::NotFound { .. }), "{e:?}");
}

#[tokio::test]
async fn a_missing_sandbox_says_how_to_install_it() {
    let e = Sandbox::start(
        std::path::Path::new("/nonexistent/.venv-mesh/bin/python"),
        &std::env::temp_dir(),
    )
    .await
    .expect_err("not installed");
    assert!(e.to_string().contains("pip install mesh-sandbox"), "{e}");
}

/// A Send Document message built by the harness crosses MESH (gzipped) and arrives byte for byte, readable as
/// FHIR XML and valid against the ITK profiles. The sandbox has no PDS routing, so it goes to the practice's
/// mailbox instead of `GPPROVIDER_<NHS>_<DOB>_<Surname>`.
#[tokio::test]
async fn a_send_document_message_crosses_mesh_and_arrives_valid() {
    use chrono::{TimeZone, Utc};
    use gpc_assure::itk::{message, sample};
    use gpc_assure::validate::{Severity, Store, Validator};

    let sb = sandbox().await;
    let (from, to) = (SANDBOX_MAILBOXES[0], SANDBOX_MAILBOXES[1]);
    let at = Utc
        .with_ymd_and_hms(2026, 12, 1, 10, 0, 0)
        .single()
        .expect("an instant");
    let report = sample::report(from, at);
    let bundle = message::build(&report, &uuid::Uuid::new_v4().to_string());
    let xml = gpc_assure::fhir::xml::json_to_xml(&bundle).expect("FHIR XML");
    let sender = client(&sb, sb.credentials(from));
    let id = sender
        .send(&report.mesh_message(to, xml.clone().into_bytes(), "application/fhir+xml"))
        .await
        .expect("send");
    let receiver = client(&sb, sb.credentials(to));
    let got = receiver.download(&id).await.expect("download");
    assert_eq!(got.body, xml.as_bytes());
    assert_eq!(
        got.metadata.workflow_id.as_deref(),
        Some("GPFED_CONSULT_REPORT")
    );
    assert_eq!(
        got.metadata.subject.as_deref(),
        Some(report.summary().as_str())
    );
    assert_eq!(got.metadata.local_id.as_deref(), Some("A20047"));

    let store = Store::new(gpc_assure::fhir::FhirPath::development_default()).expect("definitions");
    let validator = Validator::new(std::sync::Arc::new(store));
    let text = String::from_utf8(got.body).expect("UTF-8");
    let received = validator.read(&text).expect("FHIR XML");
    let errors: Vec<String> = validator
        .validate(&received, &[])
        .into_iter()
        .filter(|i| i.severity == Severity::Error)
        .map(|i| format!("{}: {}", i.expression, i.message))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    receiver.acknowledge(&id).await.expect("acknowledge");
}
