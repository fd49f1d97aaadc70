//! The HTML report, `index.html`: one self-contained page (inline CSS and script, no network) with the run's
//! summary and every test grouped capability -> feature -> scenario. The evidence of each feature's tests is
//! embedded as one gzip-compressed block (its JSON Lines), unpacked and rendered only when one of its tests is
//! opened, so a page of thousands of tests stays light.
//! Filters (capability, status, tag, search) live in the URL fragment (`#status=failed`) so a filtered view can
//! be shared; `#open=<test id>&exchange=1` opens a test and its first exchange.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;

use super::run_record::{ReadError, RunRecord};
use super::{escape_markup as esc, ScenarioOutcome};

/// The page's file name in the report folder.
pub const FILE: &str = "index.html";

const CSS: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// The report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Run(#[from] ReadError),
    #[error("cannot read the evidence of {dir}: {source}")]
    Evidence { dir: String, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Renders `report_dir/index.html` from the run record and evidence files in `report_dir`.
pub fn write(report_dir: &Path) -> Result<(), RenderError> {
    let record = RunRecord::read(report_dir)?;
    let evidence =
        super::evidence::read_lines(report_dir).map_err(|source| RenderError::Evidence {
            dir: report_dir.display().to_string(),
            source,
        })?;
    let page = render(&record, &evidence);
    let path = report_dir.join(FILE);
    std::fs::write(&path, page).map_err(|source| RenderError::Write {
        path: path.display().to_string(),
        source,
    })
}

/// Text with its `http(s)://` addresses as links.
fn linked(text: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        for (j, word) in line.split(' ').enumerate() {
            if j > 0 {
                out.push(' ');
            }
            if word.starts_with("https://") || word.starts_with("http://") {
                let _ = write!(out, "<a href=\"{0}\" rel=\"noreferrer\">{0}</a>", esc(word));
            } else {
                out.push_str(&esc(word));
            }
        }
    }
    out
}

/// The capability folder of a test (`features/structured/allergies.feature` -> `structured`).
fn capability_of(o: &ScenarioOutcome) -> String {
    Path::new(&o.feature_file)
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("features")
        .to_string()
}

/// What a capability folder is called in the report.
fn capability_title(folder: &str) -> String {
    match folder {
        "foundations" => "Foundations".into(),
        "appointments" => "Appointment Management".into(),
        "structured" => "Access Record Structured".into(),
        "documents" => "Access Document".into(),
        "html" => "Access Record HTML".into(),
        "common" => "Common rules (HTTP, JWT, TLS, SSP)".into(),
        "send_document" => "Send Document".into(),
        "consumer" => "Consumer assurance".into(),
        other => other.replace('_', " "),
    }
}

/// A tag that names a version of the specification (`1.6.2`).
fn is_version(tag: &str) -> bool {
    let parts: Vec<&str> = tag.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Tags offered by the tag filter: not the per-test bookkeeping ones (`id:`, `guards:`, `spec:`).
fn is_filter_tag(tag: &str) -> bool {
    !(tag.starts_with("id:") || tag.starts_with("guards:") || tag.starts_with("spec:"))
}

/// Lines of JSON, gzip-compressed and in base64, as the page embeds a feature's evidence.
fn packed(lines: &[&str]) -> String {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for line in lines {
        // Writing into a Vec cannot fail.
        let _ = gz.write_all(line.as_bytes());
        let _ = gz.write_all(b"\n");
    }
    let bytes = gz.finish().unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The packed evidence of each feature file's tests (compressed on every core); features without evidence
/// have none.
fn pack_features(
    outcomes: &[ScenarioOutcome],
    evidence: &HashMap<String, String>,
) -> HashMap<String, String> {
    let mut by_feature: Vec<(&str, Vec<&str>)> = Vec::new();
    for o in outcomes {
        let Some(line) = evidence.get(&o.id) else {
            continue;
        };
        match by_feature.iter_mut().find(|(f, _)| *f == o.feature_file) {
            Some((_, lines)) => lines.push(line),
            None => by_feature.push((&o.feature_file, vec![line])),
        }
    }
    // Largest first, dealt round-robin, so that the threads finish together.
    by_feature
        .sort_by_key(|(_, lines)| std::cmp::Reverse(lines.iter().map(|l| l.len()).sum::<usize>()));
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let by_feature = &by_feature;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    by_feature
                        .iter()
                        .skip(t)
                        .step_by(threads)
                        .map(|(f, lines)| ((*f).to_string(), packed(lines)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

fn ms(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.1} s", v / 1000.0)
    } else {
        format!("{v:.0} ms")
    }
}

/// Per capability: tests passed, failed, and the spec versions their tags name.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    versions: BTreeSet<String>,
}

/// The page.
pub fn render(record: &RunRecord, evidence: &HashMap<String, String>) -> String {
    let meta = &record.meta;
    let outcomes = &record.outcomes;
    let packed = pack_features(outcomes, evidence);
    // Capabilities in the order their first test comes.
    let mut caps: Vec<String> = Vec::new();
    let mut tallies: HashMap<String, Tally> = HashMap::new();
    let mut tags: BTreeSet<&str> = BTreeSet::new();
    for o in outcomes {
        let cap = capability_of(o);
        if !caps.contains(&cap) {
            caps.push(cap.clone());
        }
        let t = tallies.entry(cap).or_default();
        if o.passed {
            t.passed += 1;
        } else {
            t.failed += 1;
        }
        for tag in &o.tags {
            if is_version(tag) {
                t.versions.insert(tag.clone());
            }
            if is_filter_tag(tag) {
                tags.insert(tag);
            }
        }
    }
    let passed = outcomes.iter().filter(|o| o.passed).count();
    let failed = outcomes.len() - passed;
    let not_run: usize = meta.not_run.iter().map(|n| n.count).sum();

    let mut h = String::with_capacity(
        packed.values().map(String::len).sum::<usize>() + outcomes.len() * 600 + 64 * 1024,
    );
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>gpc-assure report: {passed} passed, {failed} failed</title><style>{CSS}</style></head>\n<body>\n"
    );
    let status_word = if failed == 0 { "passed" } else { "failed" };
    let _ = writeln!(
        h,
        "<header><h1>gpc-assure report <span class=\"verdict {status_word}\">{}</span></h1>",
        if failed == 0 {
            "all tests passed".to_string()
        } else {
            format!("{failed} of {} tests failed", outcomes.len())
        }
    );
    h.push_str("<table class=\"meta\">\n");
    let mut row = |k: &str, v: &str| {
        let _ = writeln!(h, "<tr><th>{}</th><td>{v}</td></tr>", esc(k));
    };
    row("Tool", &esc(&meta.tool));
    row("Target", &esc(&meta.target));
    row(
        "Provider base URL",
        &format!("<code>{}</code>", esc(&meta.base_url)),
    );
    row(
        "Provider ASID / ODS code",
        &format!(
            "{} / {}",
            esc(&meta.provider_asid),
            esc(meta
                .provider_ods
                .as_deref()
                .unwrap_or("(not in the service roots)"))
        ),
    );
    row(
        "Consumer ASID / ODS code",
        &format!("{} / {}", esc(&meta.consumer_asid), esc(&meta.consumer_ods)),
    );
    row(
        "Configuration (SHA-256)",
        &format!("<code>{}</code>", esc(&meta.config_digest)),
    );
    row(
        "Started / ended",
        &format!(
            "{} / {} ({:.1} s)",
            esc(&meta.started),
            esc(&meta.ended),
            meta.elapsed_secs
        ),
    );
    let selection = match (&meta.tags, &meta.ids) {
        (None, None) => "every test".to_string(),
        (tags, ids) => [
            tags.as_ref().map(|t| format!("--tags {t}")),
            ids.as_ref().map(|i| format!("--id {}", i.join(","))),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" "),
    };
    row("Selection", &esc(&selection));
    row(
        "Tests",
        &format!(
            "{} run: <b class=\"passed\">{passed} passed</b>, <b class=\"failed\">{failed} failed</b>{}; evidence kept for {} tests",
            outcomes.len(),
            if not_run > 0 {
                format!(", <b class=\"notrun\">{not_run} not run</b>")
            } else {
                String::new()
            },
            esc(&meta.evidence)
        ),
    );
    for n in &meta.not_run {
        row(
            "Not run",
            &esc(&format!("{} @{} tests: {}", n.count, n.tag, n.reason)),
        );
    }
    for w in &meta.warnings {
        row(
            "Warning",
            &format!("<span class=\"failed\">{}</span>", esc(w)),
        );
    }
    h.push_str("</table>\n<table class=\"caps\"><thead><tr><th>Capability</th><th>Spec</th><th>Passed</th><th>Failed</th><th>Not run</th><th class=\"barcol\"></th></tr></thead><tbody>\n");
    for cap in &caps {
        let t = &tallies[cap];
        let skipped: usize = meta
            .not_run
            .iter()
            .filter(|n| n.tag.replace('-', "_") == *cap)
            .map(|n| n.count)
            .sum();
        let total = (t.passed + t.failed + skipped).max(1) as f64;
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#capability={c}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{skipped}</td>\
             <td class=\"barcol\"><div class=\"bar\"><span class=\"p\" style=\"width:{:.2}%\"></span><span class=\"f\" style=\"width:{:.2}%\"></span><span class=\"s\" style=\"width:{:.2}%\"></span></div></td></tr>",
            esc(&capability_title(cap)),
            esc(&t.versions.iter().cloned().collect::<Vec<_>>().join(", ")),
            t.passed,
            t.failed,
            t.passed as f64 * 100.0 / total,
            t.failed as f64 * 100.0 / total,
            skipped as f64 * 100.0 / total,
            c = esc(cap),
        );
    }
    h.push_str("</tbody></table></header>\n");

    // Filters.
    h.push_str("<nav class=\"filters\"><label>Capability <select id=\"f-capability\"><option value=\"\">all</option>");
    for cap in &caps {
        let _ = write!(
            h,
            "<option value=\"{}\">{}</option>",
            esc(cap),
            esc(&capability_title(cap))
        );
    }
    h.push_str("</select></label> <label>Status <select id=\"f-status\"><option value=\"\">all</option><option value=\"passed\">passed</option><option value=\"failed\">failed</option></select></label> <label>Tag <select id=\"f-tag\"><option value=\"\">all</option>");
    for tag in &tags {
        let _ = write!(h, "<option value=\"{0}\">@{0}</option>", esc(tag));
    }
    let _ = write!(
        h,
        "</select></label> <label>Search <input id=\"f-q\" type=\"search\" placeholder=\"id, title, message\"></label> \
         <span id=\"shown\">{0} of {0} tests shown</span></nav>\n\
         <noscript><p>Filters and evidence need JavaScript; the tests and their failures below read without it.</p></noscript>\n<main>\n",
        outcomes.len()
    );

    // Tests: capability -> feature -> scenario, each in the order it first comes.
    let grouped = grouped(outcomes, &caps);
    for (cap, features) in &grouped {
        let _ = writeln!(
            h,
            "<section class=\"cap\" data-cap=\"{}\"><h2>{}</h2>",
            esc(cap),
            esc(&capability_title(cap))
        );
        for (file, tests) in features {
            let _ = writeln!(
                h,
                "<section class=\"feat\"><h3>{} <small>{}</small></h3>",
                esc(&tests[0].feature),
                esc(file)
            );
            if let Some(blob) = packed.get(*file) {
                let _ = writeln!(
                    h,
                    "<script type=\"text/plain\" class=\"evf\">{blob}</script>"
                );
            }
            for o in tests {
                test_html(&mut h, o, cap, evidence.contains_key(&o.id));
            }
            h.push_str("</section>\n");
        }
        h.push_str("</section>\n");
    }
    let _ = write!(h, "</main>\n<script>{SCRIPT}</script>\n</body></html>\n");
    h
}

/// The tests of one capability, by feature file.
type Features<'a> = Vec<(&'a str, Vec<&'a ScenarioOutcome>)>;

/// The tests grouped by capability (in `caps` order) and feature file, each in the order it first comes.
fn grouped<'a>(
    outcomes: &'a [ScenarioOutcome],
    caps: &'a [String],
) -> Vec<(&'a str, Features<'a>)> {
    let mut grouped: Vec<(&str, Features<'a>)> =
        caps.iter().map(|c| (c.as_str(), Vec::new())).collect();
    for o in outcomes {
        let cap = capability_of(o);
        let Some((_, features)) = grouped.iter_mut().find(|(c, _)| *c == cap) else {
            continue;
        };
        match features.iter_mut().find(|(f, _)| *f == o.feature_file) {
            Some((_, tests)) => tests.push(o),
            None => features.push((&o.feature_file, vec![o])),
        }
    }
    grouped
}

/// One test: its summary line, requirement, failure block and (collapsed) evidence.
fn test_html(h: &mut String, o: &ScenarioOutcome, cap: &str, evidence: bool) {
    let status = if o.passed { "passed" } else { "failed" };
    let search = format!(
        "{} {} {} {}",
        o.id,
        o.name,
        o.feature,
        o.message.as_deref().unwrap_or_default()
    )
    .to_lowercase();
    let tags: Vec<&str> = o
        .tags
        .iter()
        .map(String::as_str)
        .filter(|t| is_filter_tag(t))
        .collect();
    let _ = write!(
        h,
        "<details class=\"t {status}\" id=\"t-{id}\" data-id=\"{id}\" data-cap=\"{}\" data-status=\"{status}\" data-tags=\"{}\" data-s=\"{}\">\
         <summary><span class=\"st\">{}</span> <code class=\"id\">{id}</code> {} <span class=\"dur\">{} · {} exchange{}</span></summary>\n<div class=\"tb\">",
        esc(cap),
        esc(&tags.join(" ")),
        esc(&search),
        if o.passed { "PASS" } else { "FAIL" },
        esc(&o.name),
        ms(o.duration_ms),
        o.exchanges,
        if o.exchanges == 1 { "" } else { "s" },
        id = esc(&o.id),
    );
    let _ = write!(
        h,
        "<p class=\"req\">{}</p><p class=\"where\">{}, line {} · tags {}</p>",
        linked(&o.requirement),
        esc(&o.feature_file),
        o.line,
        esc(&o
            .tags
            .iter()
            .map(|t| format!("@{t}"))
            .collect::<Vec<_>>()
            .join(" "))
    );
    if let Some(f) = &o.failure {
        let _ = write!(h, "<pre class=\"failure\">{}</pre>", esc(&f.render()));
    }
    if evidence {
        h.push_str("<div class=\"ev\"></div>");
    } else {
        h.push_str(
            "<p class=\"noev\">No evidence kept for this test (see the run's --evidence).</p>",
        );
    }
    h.push_str("</div></details>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::run_record::RunMeta;

    fn outcome(id: &str, file: &str, passed: bool) -> ScenarioOutcome {
        ScenarioOutcome {
            id: id.into(),
            feature: "A <feature>".into(),
            feature_file: file.into(),
            classname: "gpc.x.A".into(),
            name: "does \"things\"".into(),
            line: 3,
            tags: vec!["foundations".into(), "1.2.7".into(), format!("id:{id}")],
            requirement: "Req\nGP Connect 1.2.7: https://developer.nhs.uk/x.html".into(),
            passed,
            message: (!passed).then(|| "status: expected 200, got 500".into()),
            failure: None,
            duration_ms: 12.0,
            evidence: "evidence/x.jsonl".into(),
            exchanges: 1,
        }
    }

    #[test]
    fn the_page_groups_tests_escapes_text_and_embeds_evidence_packed() {
        let record = RunRecord {
            meta: RunMeta {
                tool: "gpc-assure 0.1.0".into(),
                ..Default::default()
            },
            outcomes: vec![
                outcome("fdn.a.01", "features/foundations/a.feature", true),
                outcome("fdn.a.02", "features/foundations/a.feature", false),
                outcome("html.b.01", "features/html/b.feature", true),
            ],
        };
        let mut ev = HashMap::new();
        ev.insert(
            "fdn.a.01".to_string(),
            r#"{"id":"fdn.a.01","exchanges":[],"validations":[],"messages":[]}"#.to_string(),
        );
        let page = render(&record, &ev);
        assert!(page.contains("1 of 3 tests failed"));
        assert!(page.contains("A &lt;feature&gt;"));
        assert!(page.contains("does &quot;things&quot;"));
        assert!(page.contains("<a href=\"https://developer.nhs.uk/x.html\""));
        assert_eq!(page.matches("class=\"evf\"").count(), 1);
        assert_eq!(page.matches("<div class=\"ev\">").count(), 1);
        assert_eq!(page.matches("<section class=\"cap\"").count(), 2);
        assert!(!page.contains("http://") || !page.contains("<script src"));
        assert!(page.contains("<td>1.2.7</td>"));
    }
}
