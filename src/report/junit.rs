//! JUnit XML: one testsuite per feature, one testcase per test. The testcase's name is the test's title, its
//! classname names the capability and feature, and its properties carry the stable id, the requirement and the
//! evidence file. A failure has the one-line message as its `message` and the h2spec-style block as its body.
//! Run-wide warnings (server certificates not verified) are a `gpc-assure.warning` property of every testsuite,
//! where JUnit readers show suite properties.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::{escape_markup as esc, ScenarioOutcome};

/// The document for `outcomes`, grouped by feature in file order; `warnings` apply to the whole run.
pub fn render(outcomes: &[ScenarioOutcome], warnings: &[String]) -> String {
    let mut suites: BTreeMap<(&str, &str), Vec<&ScenarioOutcome>> = BTreeMap::new();
    for o in outcomes {
        suites
            .entry((o.feature_file.as_str(), o.feature.as_str()))
            .or_default()
            .push(o);
    }
    let total = outcomes.len();
    let failures = outcomes.iter().filter(|o| !o.passed).count();
    let seconds: f64 = outcomes.iter().map(|o| o.duration_ms).sum::<f64>() / 1000.0;
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"gpc-assure\" tests=\"{total}\" failures=\"{failures}\" errors=\"0\" time=\"{seconds:.3}\">"
    );
    for ((file, feature), mut cases) in suites {
        cases.sort_by_key(|c| c.line);
        let failed = cases.iter().filter(|c| !c.passed).count();
        let time: f64 = cases.iter().map(|c| c.duration_ms).sum::<f64>() / 1000.0;
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\" time=\"{time:.3}\" file=\"{}\">",
            esc(feature),
            cases.len(),
            esc(file)
        );
        if !warnings.is_empty() {
            x.push_str("    <properties>\n");
            for w in warnings {
                let _ = writeln!(
                    x,
                    "      <property name=\"gpc-assure.warning\" value=\"{}\"/>",
                    esc(w)
                );
            }
            x.push_str("    </properties>\n");
        }
        for c in cases {
            let _ = writeln!(
                x,
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\" file=\"{}\" line=\"{}\">",
                esc(&c.name),
                esc(&c.classname),
                c.duration_ms / 1000.0,
                esc(file),
                c.line
            );
            x.push_str("      <properties>\n");
            let requirement = c.requirement.replace('\n', " — ");
            for (k, v) in [
                ("id", c.id.as_str()),
                ("requirement", requirement.as_str()),
                ("evidence", c.evidence.as_str()),
            ] {
                let _ = writeln!(x, "        <property name=\"{k}\" value=\"{}\"/>", esc(v));
            }
            x.push_str("      </properties>\n");
            if !c.passed {
                let message = c.message.as_deref().unwrap_or("failed");
                let body = c
                    .failure
                    .as_ref()
                    .map_or_else(|| message.to_string(), |f| f.render());
                let _ = writeln!(
                    x,
                    "      <failure message=\"{}\" type=\"assertion\">{}</failure>",
                    esc(message),
                    esc(&body)
                );
            }
            let _ = writeln!(
                x,
                "      <system-out>evidence: {}</system-out>",
                esc(&c.evidence)
            );
            x.push_str("    </testcase>\n");
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

/// Writes `path` with every outcome and the run's warnings.
pub fn write(
    path: &Path,
    outcomes: &[ScenarioOutcome],
    warnings: &[String],
) -> std::io::Result<()> {
    std::fs::write(path, render(outcomes, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome() -> ScenarioOutcome {
        ScenarioOutcome {
            id: "fdn.http.01.2".into(),
            feature: "HTTP <behaviour>".into(),
            feature_file: "features/common/http.feature".into(),
            classname: "gpc.common.HTTP".into(),
            name: "A \"quoted\" & odd name".into(),
            line: 12,
            tags: vec![],
            requirement: "Every response says no-store".into(),
            passed: false,
            message: Some("header Cache-Control: expected `no-store`, got `(absent)`".into()),
            failure: None,
            duration_ms: 12.5,
            evidence: "evidence/fdn.http.01.2".into(),
            exchanges: 1,
        }
    }

    #[test]
    fn testcases_carry_their_id_and_failures_their_block() {
        let x = render(&[outcome()], &[]);
        assert!(
            x.contains("<property name=\"id\" value=\"fdn.http.01.2\"/>"),
            "{x}"
        );
        assert!(
            x.contains("name=\"A &quot;quoted&quot; &amp; odd name\""),
            "{x}"
        );
        assert!(
            x.contains("<testsuite name=\"HTTP &lt;behaviour&gt;\""),
            "{x}"
        );
        assert!(x.contains("failures=\"1\""), "{x}");
        assert!(
            x.contains("<failure message=\"header Cache-Control: expected `no-store`"),
            "{x}"
        );
    }

    #[test]
    fn run_warnings_are_suite_properties() {
        let warning = "TLS server certificates were not verified (tls.insecure)".to_string();
        let x = render(&[outcome()], &[warning]);
        assert!(
            x.contains("file=\"features/common/http.feature\">\n    <properties>\n      <property name=\"gpc-assure.warning\" value=\"TLS server certificates were not verified (tls.insecure)\"/>\n    </properties>\n    <testcase "),
            "{x}"
        );
        assert!(!render(&[outcome()], &[]).contains("gpc-assure.warning"));
    }
}
