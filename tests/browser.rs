//! The HTML report in a real browser: headless Chromium opens the report of a run with failures. The page
//! renders with no console message, its counts match the JUnit, the failed filter in the URL shows exactly the
//! failed tests, and opening a test and its first exchange shows the response body. A screenshot of the
//! summary with a failed test opened is written to `target/test-artefacts/report.png`, and the load time of a
//! 3,000-test page is measured (BENCHMARKS.md).
//!
//! Chromium comes from Debian's `chromium` (`bash tests/browser/install-chromium.sh`, part of the README's
//! test command) or from `GPC_CHROMIUM`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use gpc_assure::provider::{Fault, FaultSet};
use gpc_assure::report::run_record::RunRecord;
use gpc_assure::runner::{self, Target};

fn chromium() -> PathBuf {
    if let Ok(p) = std::env::var("GPC_CHROMIUM") {
        return PathBuf::from(p);
    }
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
        {
            let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if out.status.success() && !path.is_empty() {
                return PathBuf::from(path);
            }
        }
    }
    panic!("no Chromium found: run `bash tests/browser/install-chromium.sh` (Debian's chromium) or set GPC_CHROMIUM")
}

/// What headless Chromium made of `page#fragment`: the DOM after the page's script ran, and the console
/// messages it logged.
struct Loaded {
    dom: String,
    console: Vec<String>,
}

fn headless(page: &Path, fragment: &str, extra: &[String]) -> Loaded {
    let profile = common::temp_dir(&format!("chromium-{}", uuid::Uuid::new_v4().simple()));
    let url = format!("file://{}#{fragment}", page.display());
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=15000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(&url)
        .output()
        .expect("Chromium starts");
    let _ = std::fs::remove_dir_all(&profile);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "Chromium failed on {url}: {stderr}");
    Loaded {
        dom: String::from_utf8_lossy(&out.stdout).into_owned(),
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(String::from)
            .collect(),
    }
}

fn dump(page: &Path, fragment: &str) -> Loaded {
    headless(page, fragment, &["--dump-dom".to_string()])
}

/// The opening tags of the test elements (`<details class="t failed" ...>`) in a dumped DOM.
fn test_tags(dom: &str) -> Vec<&str> {
    dom.match_indices("<details class=\"t ")
        .map(|(i, _)| {
            let end = dom[i..].find('>').map_or(dom.len(), |e| i + e);
            &dom[i..end]
        })
        .collect()
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(&tag[start..end])
}

fn body_attr(dom: &str, name: &str) -> Option<String> {
    let i = dom.find("<body")?;
    let end = dom[i..].find('>')? + i;
    attr(&dom[i..end], name).map(String::from)
}

fn junit_count(junit: &str, attr_name: &str) -> usize {
    let i = junit.find("<testsuites").expect("a testsuites element");
    attr(&junit[i..], attr_name)
        .and_then(|v| v.parse().ok())
        .expect("a count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_of_a_run_with_failures_works_in_headless_chromium() {
    let mut opts = common::options(
        Target::Embedded(FaultSet::new([
            Fault::NoCacheControl,
            Fault::WrongMetaProfile,
        ])),
        "browser",
    );
    opts.tags = Some("@foundations or @appointments".into());
    let summary = runner::run(opts).await.expect("the run completes");
    assert!(summary.failed() > 0 && summary.passed() > 0);
    let dir = summary.report_dir.clone();
    let page = dir.join("index.html");
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    let (tests, failures) = (
        junit_count(&junit, "tests"),
        junit_count(&junit, "failures"),
    );

    // The whole page: no console message, every test there, counts as the JUnit's.
    let all = dump(&page, "");
    assert!(all.console.is_empty(), "console: {:#?}", all.console);
    assert_eq!(body_attr(&all.dom, "data-ready").as_deref(), Some("1"));
    let tags = test_tags(&all.dom);
    assert_eq!(tags.len(), tests, "one element per JUnit testcase");
    let failed_tags = tags
        .iter()
        .filter(|t| t.contains("class=\"t failed\""))
        .count();
    assert_eq!(failed_tags, failures, "failed tests as in the JUnit");
    assert_eq!(
        body_attr(&all.dom, "data-shown").as_deref(),
        Some(tests.to_string().as_str())
    );
    assert!(all
        .dom
        .contains(&format!("{failures} of {tests} tests failed")));

    // The failed filter, from the URL: exactly the failed tests are shown.
    let failed_ids: Vec<String> = summary.failed_ids();
    let first = &failed_ids[0];
    let filtered = dump(&page, &format!("status=failed&open={first}&exchange=1"));
    assert!(
        filtered.console.is_empty(),
        "console: {:#?}",
        filtered.console
    );
    let shown: Vec<&str> = test_tags(&filtered.dom)
        .into_iter()
        .filter(|t| !t.contains(" hidden"))
        .filter_map(|t| attr(t, "data-id"))
        .collect();
    assert_eq!(
        shown, failed_ids,
        "the failed filter shows the failed tests"
    );
    assert_eq!(
        body_attr(&filtered.dom, "data-shown").as_deref(),
        Some(failures.to_string().as_str())
    );

    // Opening the test and its first exchange shows the exchange's response body.
    let opened = filtered
        .dom
        .find(&format!("id=\"t-{first}\""))
        .map(|i| &filtered.dom[i..])
        .expect("the opened test is on the page");
    let opened = &opened[..opened.find("</details>\n").unwrap_or(opened.len())];
    assert!(
        opened.contains("data-loaded=\"1\""),
        "the evidence was read: {opened:.400}"
    );
    let evidence = common::evidence(&dir, first);
    let exchange = &evidence["exchanges"][0];
    let status = exchange["response"]["status"].as_u64().expect("a response");
    assert!(
        opened.contains(&format!("<h4>Response {status}</h4>")),
        "{opened:.2000}"
    );
    let body: serde_json::Value =
        serde_json::from_str(exchange["response"]["body"].as_str().expect("a text body"))
            .expect("a JSON body");
    let resource_type = body["resourceType"].as_str().expect("a resource");
    assert!(
        opened.contains(&format!("data-p=\"{resource_type}.resourceType\"")),
        "the body is shown element by element: {opened:.3000}"
    );

    // Its profile validation is listed, each issue's element a link into the response body it names.
    let validations = evidence["validations"].as_array().map_or(0, Vec::len);
    if validations > 0 {
        assert!(
            opened.contains("<h4>Profile validation</h4>"),
            "{opened:.3000}"
        );
        assert_eq!(opened.matches("<details class=\"v\">").count(), validations);
    }
    let response_issues_with_elements = evidence["validations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["exchange"].is_u64())
        .flat_map(|v| {
            v["outcome"]["issue"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|i| i["expression"].is_array())
        .count();
    assert_eq!(
        opened.matches("class=\"goto\"").count(),
        response_issues_with_elements
    );

    // The screenshot: the summary and the opened failed test.
    let artefacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-artefacts");
    std::fs::create_dir_all(&artefacts).unwrap();
    let shot = artefacts.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let taken = headless(
        &page,
        &format!("status=failed&open={first}&exchange=1"),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1400,1600".to_string(),
            "--hide-scrollbars".to_string(),
        ],
    );
    assert!(taken.console.is_empty(), "console: {:#?}", taken.console);
    let png = std::fs::read(&shot).expect("the screenshot is written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
    println!("screenshot: {}", shot.display());

    // A page of 3,000 tests (this run's tests and evidence, repeated) loads in the browser.
    let record = RunRecord::read(&dir).unwrap();
    let lines = gpc_assure::report::evidence::read_lines(&dir).unwrap();
    let mut big = record.clone();
    big.outcomes.clear();
    let mut big_lines = std::collections::HashMap::new();
    'fill: for round in 0.. {
        for o in &record.outcomes {
            if big.outcomes.len() == 3000 {
                break 'fill;
            }
            let mut o = o.clone();
            let id = format!("{}.r{round}", o.id);
            if let Some(line) = lines.get(&o.id) {
                big_lines.insert(id.clone(), line.replacen(&o.id, &id, 1));
            }
            o.id = id;
            big.outcomes.push(o);
        }
    }
    let big_dir = common::temp_dir("browser-3000");
    std::fs::create_dir_all(&big_dir).unwrap();
    let big_page = big_dir.join("index.html");
    let html = gpc_assure::report::html::render(&big, &big_lines);
    std::fs::write(&big_page, &html).unwrap();
    let mut load_ms = Vec::new();
    for _ in 0..3 {
        let loaded = dump(&big_page, "status=failed");
        assert!(loaded.console.is_empty(), "console: {:#?}", loaded.console);
        assert_eq!(test_tags(&loaded.dom).len(), 3000);
        load_ms.push(
            body_attr(&loaded.dom, "data-load-ms")
                .and_then(|v| v.parse::<u64>().ok())
                .expect("the page says when it was ready"),
        );
    }
    load_ms.sort_unstable();
    println!(
        "3,000-test report: {} bytes, ready {} ms after navigation (median of {:?})",
        html.len(),
        load_ms[1],
        load_ms
    );
    let _ = std::fs::remove_dir_all(&big_dir);
    common::discard_reports(&summary);
}
