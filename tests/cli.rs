//! The command line's exit codes and messages: 2 with one clear sentence when the run cannot start.

mod common;

use std::process::Command;

fn gpc() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gpc-assure"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("GPC_FHIR_PATH");
    c
}

fn run(args: &[&str]) -> (i32, String) {
    let out = gpc().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn unknown_config_key_exits_2_naming_the_key() {
    let dir = std::env::temp_dir().join(format!("gpc-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("bad.yaml");
    std::fs::write(&cfg, "provider_asid: '918999198738'\nconsumer_asidd: '1'\n").unwrap();
    let (code, err) = run(&["run", "--config", cfg.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("consumer_asidd"), "{err}");
    std::fs::write(&cfg, "timeout_secs: 0\n").unwrap();
    let (code, err) = run(&["run", "--config", cfg.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("timeout_secs"), "{err}");
}

#[test]
fn missing_fhir_definitions_exit_2_naming_the_variable() {
    let (code, err) = run(&["run", "--fhir-path", "/nonexistent/fhir"]);
    assert_eq!(code, 2);
    assert!(err.contains("GPC_FHIR_PATH"), "{err}");
}

#[test]
fn unreachable_provider_exits_2() {
    let (code, err) = run(&["run", "--provider", "http://127.0.0.1:9"]);
    assert_eq!(code, 2);
    assert!(err.contains("unreachable"), "{err}");
}

#[test]
fn bad_tag_expression_and_empty_selection_exit_2() {
    let (code, err) = run(&["run", "--tags", "@a and and"]);
    assert_eq!(code, 2, "{err}");
    let (code, err) = run(&["run", "--tags", "@no-such-tag"]);
    assert_eq!(code, 2);
    assert!(err.contains("no test matches"), "{err}");
}

#[test]
fn unknown_fault_exits_2_listing_the_faults() {
    let (code, err) = run(&["run", "--fault", "no-such-fault"]);
    assert_eq!(code, 2);
    assert!(err.contains("no-cache-control"), "{err}");
}

#[test]
fn a_tagged_run_exits_0_and_a_faulty_one_exits_1() {
    let dir = std::env::temp_dir().join(format!("gpc-cli-run-{}", std::process::id()));
    let (code, err) = run(&[
        "run",
        "--quiet",
        "--tags",
        "@MetadataRead",
        "--report-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(dir.join("junit.xml").is_file());
    let (code, _) = run(&[
        "run",
        "--quiet",
        "--tags",
        "@MetadataRead",
        "--fault",
        "capability-wrong-version",
        "--report-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
}

#[test]
fn a_broken_feature_file_exits_2_naming_the_file() {
    let dir = std::env::temp_dir().join(format!("gpc-cli-broken-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("foundations")).unwrap();
    std::fs::write(
        dir.join("foundations/broken.feature"),
        "Feature: x\n  Scenario: y\n    Given a step\n  this line is not Gherkin\n",
    )
    .unwrap();
    let (code, err) = run(&["run", "--features", dir.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("broken.feature"), "{err}");
}

#[test]
fn an_undefined_step_fails_its_scenario_with_exit_1() {
    let dir = std::env::temp_dir().join(format!("gpc-cli-undefined-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("foundations")).unwrap();
    std::fs::write(
        dir.join("foundations/undefined.feature"),
        "Feature: Undefined\n  Scenario: A step nobody wrote\n    Given I configure the default \"MetadataRead\" request\n    When I make the request\n    Then the moon should be made of cheese\n",
    )
    .unwrap();
    let reports = dir.join("reports");
    let (code, err) = run(&[
        "run",
        "--quiet",
        "--features",
        dir.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    let junit = std::fs::read_to_string(reports.join("junit.xml")).unwrap();
    assert!(junit.contains("no matching step definition"), "{junit}");
}

#[test]
fn a_missing_config_file_exits_2() {
    let (code, err) = run(&["run", "--config", "/nonexistent/gpc.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read config file"), "{err}");
}

#[test]
fn validate_exit_codes() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fhir/nhsconnect-gpconnect-spec-examples/1.2.9/foundations");
    let clean = examples.join("read_practitioner_response_example.json");
    let out = gpc()
        .args(["validate", clean.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The published Location example gives `address` as an array; STU3 Location.address is 0..1.
    let invalid = examples.join("read_location_response_example.json");
    let out = gpc()
        .args(["validate", "--format", "json", invalid.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let bundle: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let oo = &bundle["entry"][0]["resource"];
    assert_eq!(oo["issue"][0]["expression"][0], "Location.address");
    assert_eq!(oo["extension"][0]["valueString"], invalid.to_str().unwrap());
    let (code, err) = run(&["validate", "/nonexistent/resource.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
}

/// A batch keeps going past an input it cannot read or parse: every input gets a verdict, the JSON output is
/// one Bundle of OperationOutcomes (one per input, in order, each naming its file), and the exit status says
/// the worst that happened (2: an input could not be read).
#[test]
fn validate_batches_keep_going_and_print_one_json_document() {
    let dir = std::env::temp_dir().join(format!("gpc-cli-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, "{ not json").unwrap();
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fhir/nhsconnect-gpconnect-spec-examples/1.2.9/foundations");
    let clean = examples.join("read_practitioner_response_example.json");
    let args = |extra: &[&str]| {
        let mut a = vec!["validate", "--format", "json"];
        a.extend_from_slice(extra);
        a.extend([
            garbage.to_str().unwrap(),
            "/nonexistent/x.json",
            clean.to_str().unwrap(),
        ]);
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let out = gpc().args(args(&[])).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let bundle: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let entries = bundle["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["resource"]["issue"][0]["code"], "structure");
    assert_eq!(entries[1]["resource"]["issue"][0]["code"], "exception");
    assert_eq!(
        entries[2]["resource"]["issue"][0]["severity"],
        "information"
    );
    let text = gpc()
        .args([
            "validate",
            garbage.to_str().unwrap(),
            clean.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        text.status.code(),
        Some(1),
        "a file that is not JSON fails validation"
    );
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.contains("not validated") && stdout.contains("0 error(s)"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Files validated on several threads come out in the order given, with the same verdicts as one at a time.
#[test]
fn validate_in_parallel_keeps_the_order_and_the_findings() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fhir/nhsconnect-gpconnect-spec-examples/1.6.2");
    let mut files: Vec<String> = Vec::new();
    for sub in ["foundations", "appointments", "accessrecord_structured"] {
        let mut here: Vec<String> = std::fs::read_dir(examples.join(sub))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| p.display().to_string())
            .collect();
        here.sort();
        files.extend(here);
    }
    assert!(files.len() > 20, "{} example files", files.len());
    files.insert(3, "/nonexistent/x.json".into());
    for format in ["text", "json"] {
        let run = |jobs: &str| {
            let out = gpc()
                .args(["validate", "--format", format, "--jobs", jobs])
                .args(&files)
                .output()
                .unwrap();
            (out.status.code(), out.stdout)
        };
        let (one_code, one) = run("1");
        let (many_code, many) = run("4");
        assert_eq!(one_code, Some(2), "a missing file exits 2");
        assert_eq!(many_code, one_code);
        assert!(
            one == many,
            "--jobs 4 differs from --jobs 1 ({format}):\n{}",
            String::from_utf8_lossy(&many)
        );
    }
    let (code, err) = run(&["validate", "--jobs", "0", "x.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--jobs"), "{err}");
}

/// With `--capability`, an error response is judged against GP Connect's OperationOutcome profile, as `run`
/// judges it, whatever profile it claims.
#[test]
fn validate_with_a_capability_judges_operation_outcomes_as_run_does() {
    let dir = std::env::temp_dir().join(format!("gpc-cli-oo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let oo = dir.join("oo.json");
    // A legacy profile claim and no details.coding, which GPConnect-OperationOutcome-1 requires.
    std::fs::write(
        &oo,
        r#"{"resourceType":"OperationOutcome","meta":{"profile":["https://fhir.nhs.uk/StructureDefinition/gpconnect-operationoutcome-1"]},
           "issue":[{"severity":"error","code":"invalid","diagnostics":"bad"}]}"#,
    )
    .unwrap();
    let plain = gpc()
        .args(["validate", oo.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        plain.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plain.stdout)
    );
    let judged = gpc()
        .args([
            "validate",
            "--capability",
            "structured",
            oo.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&judged.stdout);
    assert_eq!(judged.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("GPConnect-OperationOutcome-1"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_closed_stdout_ends_the_listing_quietly() {
    let mut child = gpc()
        .args(["serve", "--list-faults"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the program has started writing (as `| head -1` does mid-listing).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

/// A report that cannot be written (here: `/dev/full`, a disk with no space) is not a verdict: exit 2 and a
/// sentence on stderr, for the validator's report as for any listing (both used to exit 0 having lost it).
#[test]
#[cfg(target_os = "linux")]
fn a_report_that_cannot_be_written_exits_2_saying_so() {
    let clean = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../shared/fhir/nhsconnect-gpconnect-spec-examples/1.2.9/foundations/read_practitioner_response_example.json",
    );
    for args in [
        vec!["validate", clean.to_str().unwrap()],
        vec!["validate", "--format", "json", clean.to_str().unwrap()],
        vec!["serve", "--list-faults"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = gpc().args(&args).stdout(full).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write to standard output"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn one_id_runs_exactly_that_test_and_reports_carry_the_id() {
    let dir = std::env::temp_dir().join(format!("gpc-cli-id-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = gpc()
        .args([
            "run",
            "--plain",
            "--id",
            "fdn.capability.01",
            "--report-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<testcase ").count(), 1, "{junit}");
    assert!(
        junit.contains("<property name=\"id\" value=\"fdn.capability.01\"/>"),
        "{junit}"
    );
    let ev = common::evidence(&dir, "fdn.capability.01");
    assert_eq!(ev["exchanges"][0]["request"]["method"], "GET", "{ev}");
    let record = std::fs::read_to_string(dir.join("run.json")).unwrap();
    assert!(
        record.contains("\"id\":\"fdn.capability.01\""),
        "{record:.300}"
    );
    assert!(dir.join("index.html").is_file());
    let (code, err) = run(&["run", "--id", "fdn.capability.99"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("fdn.capability.99") && err.contains("fdn.capability.01"),
        "{err}"
    );
}

#[test]
fn a_failing_run_prints_h2spec_style_blocks_and_junit_carries_them() {
    let dir = std::env::temp_dir().join(format!("gpc-cli-fail-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = gpc()
        .args([
            "run",
            "--plain",
            "--fault",
            "no-cache-control",
            "--id",
            "fdn.patient-read.02",
            "--report-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for line in [
        "FAIL fdn.patient-read.02  ",
        "  Step:        And the response should not be cacheable",
        "  Requirement: ",
        "https://developer.nhs.uk/apis/gpconnect-1-2-7/foundations_use_case_read_a_patient.html",
        "  Request:     GET http://127.0.0.1:",
        "  Where:       header Cache-Control",
        "  Expected:    `no-store`",
        "  Actual:      (absent)",
        "  Evidence:    ",
    ] {
        assert!(err.contains(line), "missing `{line}` in:\n{err}");
    }
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(
        junit.contains(
            "<failure message=\"header Cache-Control: expected `no-store`, but it is absent\""
        ),
        "{junit}"
    );
    assert!(
        junit.contains("  Where:       header Cache-Control"),
        "{junit}"
    );
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("run.json")).unwrap()).unwrap();
    let failed = record["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "fdn.patient-read.02")
        .unwrap();
    assert_eq!(
        failed["failure"]["failure"]["expected"], "`no-store`",
        "{failed}"
    );
    let page = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(page.contains("Expected:    `no-store`"), "{page:.300}");
}

#[test]
fn a_bad_now_exits_2_saying_what_to_give() {
    let (code, err) = run(&[
        "run",
        "--now",
        "2026-03-29 00:30",
        "--id",
        "fdn.capability.01",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("RFC 3339") && err.contains("2026-03-29 00:30"),
        "{err}"
    );
    let out = gpc()
        .env("GPC_NOW", "yesterday")
        .args(["run", "--id", "fdn.capability.01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn now_replays_an_instant_for_the_harness_and_the_embedded_provider() {
    let dir = std::env::temp_dir().join(format!("gpc-cli-now-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // A slot search over a held slot's day: the slot and the period both come from the replayed instant.
    let out = gpc()
        .args([
            "run",
            "--plain",
            "--now",
            "2026-10-25T00:30:00Z",
            "--id",
            "appt.slots.01.1",
            "--report-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let ex = common::evidence(&dir, "appt.slots.01.1")["exchanges"][1].to_string();
    assert!(
        ex.contains("start=ge2026-10-2"),
        "the search should be for late October 2026: {ex:.300}"
    );
}

#[test]
fn features_export_writes_the_built_in_set_that_run_features_reads_back() {
    let dir = std::env::temp_dir().join(format!("gpc-cli-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = gpc()
        .args(["features", "export", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let checkout = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("features");
    let rel = "appointments/book.feature";
    assert_eq!(
        std::fs::read_to_string(dir.join(rel)).unwrap(),
        std::fs::read_to_string(checkout.join(rel)).unwrap()
    );
    let (code, err) = run(&[
        "run",
        "--features",
        dir.to_str().unwrap(),
        "--id",
        "appt.book.07",
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn certs_generate_writes_a_usable_set_and_serve_refuses_bad_tls_files() {
    let dir = std::env::temp_dir().join(format!("gpc-cli-certs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = gpc()
        .args([
            "certs",
            "generate",
            dir.to_str().unwrap(),
            "--host",
            "gpc.test",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("gpc-assure serve --tls"), "{stdout}");
    for f in [
        "ca.crt",
        "ca.crl",
        "provider.crt",
        "provider.key",
        "ssp-client.crt",
        "ssp-client.key",
        "ssp-client.p12",
        "ssp-client.p12.pass",
        "ssp-client-expired.crt",
        "ssp-client-wrong-fqdn.key",
        "ssp-client-wrong-authority.crt",
        "ssp-client-revoked.crt",
        "consumer-client.crt",
    ] {
        assert!(dir.join(f).is_file(), "{f} was not written");
    }
    // A key that is not a key: the provider cannot start, exit 2 with one sentence.
    let (code, err) = run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        dir.join("provider.crt").to_str().unwrap(),
        "--tls-key",
        dir.join("ca.crt").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("the server key is not a PEM private key"),
        "{err}"
    );
    let (code, err) = run(&[
        "serve",
        "--tls-cert",
        dir.join("missing.crt").to_str().unwrap(),
        "--tls-key",
        dir.join("provider.key").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing.crt"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
