//! A provider that answers garbage (not JSON, truncated JSON, 10 MB of noise) or never answers: the affected
//! scenarios fail with clear messages, the run completes, and the reports are written.

mod common;

use std::time::Duration;

use gpc_assure::runner::{self, Target};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Clone, Copy)]
enum Garbage {
    NotJson,
    Truncated,
    Noise10Mb,
    Silent,
}

async fn serve(kind: Garbage) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = sock.read(&mut buf).await;
                let body: Vec<u8> = match kind {
                    Garbage::NotJson => b"<html>Service Unavailable</html>".to_vec(),
                    Garbage::Truncated => br#"{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Pat"#.to_vec(),
                    Garbage::Noise10Mb => (0..10 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect(),
                    Garbage::Silent => {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        return;
                    }
                };
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/fhir+json;charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(&body).await;
            });
        }
    });
    format!("http://{addr}")
}

async fn run_against(kind: Garbage, name: &str, expect: &str) {
    let url = serve(kind).await;
    let mut opts = common::options(Target::External(url), name);
    opts.tags = Some("@MetadataRead or @PatientSearch".into());
    // Only the silent provider should hit the timeout; the others get time to send their bodies on a busy machine.
    opts.config.timeout_secs = if matches!(kind, Garbage::Silent) {
        1
    } else {
        20
    };
    let summary = runner::run(opts).await.expect("the run completes");
    assert!(!summary.outcomes.is_empty());
    assert_eq!(summary.passed(), 0, "nothing can pass against garbage");
    let with_message = summary
        .outcomes
        .iter()
        .filter(|o| o.message.as_deref().is_some_and(|m| m.contains(expect)))
        .count();
    assert!(
        with_message > 0,
        "no failure message mentions `{expect}`: {:?}",
        summary
            .outcomes
            .iter()
            .map(|o| &o.message)
            .take(3)
            .collect::<Vec<_>>()
    );
    let junit = std::fs::read_to_string(summary.report_dir.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<testcase ").count(), summary.outcomes.len());
    assert!(junit.contains(expect) || expect.contains('`'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_json_body_fails_with_a_clear_message() {
    run_against(Garbage::NotJson, "notjson", "not JSON").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_json_fails_with_a_clear_message() {
    run_against(Garbage::Truncated, "truncated", "not JSON").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_megabytes_of_noise_is_cut_at_the_body_limit() {
    run_against(Garbage::Noise10Mb, "noise", "byte limit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_provider_times_out() {
    run_against(Garbage::Silent, "silent", "timeout").await;
}
