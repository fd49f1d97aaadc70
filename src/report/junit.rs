//! JUnit XML: one testsuite per feature, one testcase per scenario, classname naming the capability.

use std::collections::BTreeMap;
use std::path::Path;

use junit_report::{Duration, ReportBuilder, TestCase, TestSuiteBuilder};

use super::ScenarioOutcome;

/// Writes `path` with every outcome, grouped by feature in file order.
pub fn write(path: &Path, outcomes: &[ScenarioOutcome]) -> std::io::Result<()> {
    let mut suites: BTreeMap<(String, String), Vec<&ScenarioOutcome>> = BTreeMap::new();
    for o in outcomes {
        suites
            .entry((o.feature_file.clone(), o.feature.clone()))
            .or_default()
            .push(o);
    }
    let mut report = ReportBuilder::new();
    for ((file, feature), mut cases) in suites {
        cases.sort_by_key(|c| c.line);
        let mut suite = TestSuiteBuilder::new(&feature);
        for c in cases {
            let time = Duration::microseconds((c.duration_ms * 1000.0) as i64);
            let mut tc = if c.passed {
                TestCase::success(&c.name, time)
            } else {
                let message = c.message.as_deref().unwrap_or("failed");
                TestCase::failure(&c.name, time, "assertion", message)
            };
            tc.set_classname(&c.classname);
            tc.set_filepath(&format!("{file}:{}", c.line));
            tc.set_system_out(&format!("evidence: {}", c.evidence));
            suite.add_testcase(tc);
        }
        report.add_testsuite(suite.build());
    }
    let file = std::fs::File::create(path)?;
    report
        .build()
        .write_xml(std::io::BufWriter::new(file))
        .map_err(std::io::Error::other)
}
