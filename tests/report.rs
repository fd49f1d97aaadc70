//! `gpc-assure report`: the HTML report rendered again from a run's folder, the First-of-Type evidence pack
//! (no private key, no password in it) and its verification.

mod common;

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::Command;

const PASSWORD: &str = "hunter2-in-the-url";
const ENV_PASSWORD: &str = "s3cret-mesh-password-from-env";

fn gpc(args: &[&str], dir: &Path) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gpc-assure"))
        .args(args)
        .current_dir(dir)
        .env("GPC_TEST_MESH_PASSWORD", ENV_PASSWORD)
        .output()
        .expect("gpc-assure runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A run of two tests whose config names a MESH URL with a password, a password's environment variable and a
/// client key file (none used by these tests, all of them in the config the pack copies).
fn run_with_secrets(name: &str) -> (PathBuf, PathBuf, String) {
    let work = common::temp_dir(name);
    std::fs::create_dir_all(&work).unwrap();
    let pki = gpc_assure::tls::certs::TestPki::shared().expect("the test PKI");
    let pem = pki.client(gpc_assure::tls::certs::ClientVariant::Valid);
    std::fs::write(work.join("client.key"), &pem.key).unwrap();
    std::fs::write(work.join("client.crt"), &pem.cert).unwrap();
    let config = format!(
        "send_document:\n  mesh_url: https://x26:{PASSWORD}@mesh.example.nhs.uk\n  mailbox: X26ABC1\n  password_env: GPC_TEST_MESH_PASSWORD\n  tls:\n    client_cert: {0}/client.crt\n    client_key: {0}/client.key\n",
        work.display()
    );
    std::fs::write(work.join("config.yaml"), config).unwrap();
    let reports = work.join("reports");
    // The run is made from its own folder; the definitions are where the other tests find them.
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fhir");
    let fhir = shared.display().to_string();
    let mut fhir_args = Vec::new();
    if std::env::var_os("GPC_FHIR_PATH").is_none() {
        fhir_args = vec!["--fhir-path", fhir.as_str()];
    }
    let (code, _, err) = gpc(
        &[
            &["run"][..],
            &fhir_args,
            &[
                "--config",
                "config.yaml",
                "--id",
                "fdn.capability.01,fdn.capability.02",
                "--quiet",
                "--report-dir",
                "reports",
            ][..],
        ]
        .concat(),
        &work,
    );
    assert_eq!(code, Some(0), "{err}");
    (work, reports, pem.key.clone())
}

fn pack_entries(pack: &Path) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(pack).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (f.name().to_string(), bytes)
        })
        .collect()
}

#[test]
fn a_pack_holds_the_report_with_a_manifest_and_no_key_or_password() {
    let (work, reports, key) = run_with_secrets("pack");
    let (code, out, err) = gpc(&["report", "--pack", "reports"], &work);
    assert_eq!(code, Some(0), "{err}");
    let pack = work.join("reports.zip");
    assert!(out.contains("reports.zip"), "{out}");

    let entries = pack_entries(&pack);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "index.html",
        "junit.xml",
        "cucumber.json",
        "run.json",
        "config.yaml",
        "evidence/foundations.capability_statement.jsonl",
        "manifest.json",
    ] {
        assert!(names.contains(&expected), "{expected} missing: {names:?}");
    }
    // No key material and no password anywhere in the pack.
    let key_lines: Vec<&str> = key
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 20)
        .collect();
    assert!(!key_lines.is_empty());
    for (name, bytes) in &entries {
        let text = String::from_utf8_lossy(bytes);
        for needle in [PASSWORD, ENV_PASSWORD, "PRIVATE KEY"]
            .iter()
            .chain(key_lines.iter())
        {
            assert!(!text.contains(needle), "{name} holds {needle}");
        }
    }
    let config = entries
        .iter()
        .find(|(n, _)| n == "config.yaml")
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .unwrap();
    assert!(
        config.contains("GPC_TEST_MESH_PASSWORD") && config.contains("client.key"),
        "the config is kept, its secrets redacted: {config}"
    );

    // The manifest lists every other file with its SHA-256, and the pack verifies.
    let manifest: serde_json::Value = serde_json::from_slice(
        &entries
            .iter()
            .find(|(n, _)| n == "manifest.json")
            .unwrap()
            .1,
    )
    .unwrap();
    assert_eq!(
        manifest["files"].as_array().unwrap().len(),
        entries.len() - 1
    );
    let (code, out, err) = gpc(&["report", "--verify", "reports.zip"], &work);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("verified"), "{out}");

    // A pack whose file was changed after packing does not verify.
    let tampered = work.join("tampered.zip");
    {
        let mut w = zip::ZipWriter::new(std::fs::File::create(&tampered).unwrap());
        for (name, bytes) in &entries {
            w.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
                .unwrap();
            let mut bytes = bytes.clone();
            if name == "junit.xml" {
                bytes.extend_from_slice(b"<!-- edited -->");
            }
            w.write_all(&bytes).unwrap();
        }
        w.start_file("extra.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(b"added later").unwrap();
        w.finish().unwrap();
    }
    let (code, out, _) = gpc(&["report", "--verify", "tampered.zip"], &work);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("junit.xml: SHA-256"), "{out}");
    assert!(
        out.contains("extra.txt: in the pack but not in the manifest"),
        "{out}"
    );

    // Not a pack at all: exit 2 with one sentence.
    std::fs::write(work.join("not.zip"), b"hello").unwrap();
    let (code, _, err) = gpc(&["report", "--verify", "not.zip"], &work);
    assert_eq!(code, Some(2));
    assert!(err.contains("not a readable evidence pack"), "{err}");

    // A key file left in the report folder stops the pack.
    std::fs::write(reports.join("evidence/stray.jsonl"), &key).unwrap();
    let (code, _, err) = gpc(
        &["report", "--pack", "reports", "--out", "again.zip"],
        &work,
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("holds a private key"), "{err}");
    assert!(!work.join("again.zip").exists());
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn report_renders_the_html_again_from_the_run_folder() {
    let (work, reports, _) = run_with_secrets("rerender");
    let page = reports.join("index.html");
    let first = std::fs::read(&page).unwrap();
    std::fs::remove_file(&page).unwrap();
    let (code, out, err) = gpc(&["report", "reports"], &work);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("index.html"), "{out}");
    assert_eq!(std::fs::read(&page).unwrap(), first, "the same page again");
    let (code, _, err) = gpc(&["report", "elsewhere"], &work);
    assert_eq!(code, Some(2));
    assert!(err.contains("is not a gpc-assure report folder"), "{err}");
    let _ = std::fs::remove_dir_all(&work);
}
