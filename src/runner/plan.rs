//! The test plan: every executable test of the feature files (a scenario, or one Examples row of an outline) with
//! its stable id, title, tags, requirement and guarded faults, read from the features before a run.
//!
//! Feature-file conventions this module reads (see `docs/extending.md`):
//! - `@id:<capability>.<feature>.<nn>` on every scenario; an outline's rows are `<id>.<n>` (1-based, counting
//!   rows across all its Examples blocks in file order). Ids are unique, and never reused for another test.
//! - `@spec:<page>` on a feature (or a scenario, which then replaces the feature's): the specification page the
//!   scenarios check, for example `@spec:appointments_use_case_book_an_appointment`.
//! - `@guards:<fault>` on a scenario or on an Examples block, or a `guards` column in an Examples table (one or
//!   more fault names, comma-separated, per row): the reference-provider faults that the test must fail under
//!   (the kill matrix checks it). The `guards` column is not part of the test's title.
//! - A version tag (`@1.2.7`) says which specification release the requirement comes from.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use cucumber::gherkin::{self, tagexpr::TagOperation};

use super::features::{FeatureFile, FeatureSource};

/// Tag prefixes with a meaning to the harness.
pub const ID_TAG: &str = "id:";
pub const SPEC_TAG: &str = "spec:";
pub const GUARDS_TAG: &str = "guards:";
/// The Examples column that names the faults a row guards.
pub const GUARDS_COLUMN: &str = "guards";

/// One executable test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestCase {
    /// Stable id: the scenario's `@id`, plus `.<row>` for an outline row.
    pub id: String,
    /// The scenario's `@id` (the outline's, for a row).
    pub scenario_id: String,
    /// Scenario name, with `[column=value, ...]` for an outline row.
    pub title: String,
    /// The rule the test checks: the scenario name (an outline's with the row's values put in).
    pub rule: String,
    pub feature: String,
    /// The feature file (as found under the features folder).
    pub file: PathBuf,
    /// Line of the `Scenario` keyword.
    pub scenario_line: usize,
    /// Line cucumber gives the test: the scenario's line, or for an outline row a line derived from its
    /// Examples block (unique within the file).
    pub line: usize,
    /// Every tag that applies (feature, scenario, Examples), without `@`.
    pub tags: Vec<String>,
    /// Specification pages (`@spec:`), scenario-level if given, else the feature's.
    pub specs: Vec<String>,
    /// Faults this test guards (`@guards:`).
    pub guards: Vec<String>,
    /// The Examples row of an outline's test: (column, value), without the `guards` column.
    pub row: Vec<(String, String)>,
    /// Whether the id was derived from file and line because the scenario has no `@id` tag.
    pub derived_id: bool,
}

impl TestCase {
    /// The specification release the requirement comes from (the first `@x.y.z` tag).
    pub fn spec_version(&self) -> Option<&str> {
        self.tags.iter().map(String::as_str).find(|t| {
            let mut parts = t.split('.');
            parts.clone().count() == 3
                && parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        })
    }

    /// The requirement a failure of this test breaks: the rule, then the specification pages that state it
    /// (`GP Connect 1.2.7: https://...`) on a second line.
    pub fn requirement(&self) -> String {
        let version = self.spec_version();
        // Send Document is specified by GP Connect Messaging, published on its own site.
        let (site, release) = if self.has_tag("send-document") {
            (
                Some(MESSAGING),
                format!("Messaging {}", version.unwrap_or("(version not tagged)")),
            )
        } else {
            (
                version,
                version.unwrap_or("(version not tagged)").to_string(),
            )
        };
        let pages: Vec<String> = self.specs.iter().map(|page| spec_url(site, page)).collect();
        if pages.is_empty() {
            self.rule.clone()
        } else {
            format!("{}\nGP Connect {release}: {}", self.rule, pages.join(", "))
        }
    }

    fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }

    /// Whether the test runs one at a time (`@serial`).
    pub fn serial(&self) -> bool {
        self.has_tag("serial")
    }
}

/// The site key of GP Connect Messaging (Send Document) in [`spec_url`].
const MESSAGING: &str = "messaging";

/// The published page of the GP Connect specification: release 1.2.7 has its own site; later releases are the
/// current site.
pub fn spec_url(version: Option<&str>, page: &str) -> String {
    let site = match version {
        Some("1.2.7") => "gpconnect-1-2-7",
        // Access Record HTML lives on its own release's site; the current site documents 1.x only.
        Some("0.7.4") => "gpconnect-0-7-4",
        Some(MESSAGING) => "gpconnect-messaging",
        _ => "gpconnect",
    };
    format!("https://developer.nhs.uk/apis/{site}/{page}.html")
}

/// The feature files could not be read as a test plan.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("features folder {0} does not exist or holds no .feature files; pass --features DIR")]
    NoFeatures(PathBuf),
    #[error("feature file {path}: {reason}")]
    Feature { path: PathBuf, reason: String },
    #[error(
        "test id `{id}` is used twice: {first} and {second}; every scenario needs its own @id"
    )]
    DuplicateId {
        id: String,
        first: String,
        second: String,
    },
    #[error("{0}")]
    UnknownIds(String),
}

/// Every test of a features folder, in file order.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub cases: Vec<TestCase>,
}

fn tagged<'a>(tags: &'a [String], prefix: &'a str) -> impl Iterator<Item = &'a str> {
    tags.iter().filter_map(move |t| t.strip_prefix(prefix))
}

/// An id for a scenario without `@id`: the file's stem and the scenario's line (it moves when the file does).
fn derived_id(file: &Path, line: usize) -> String {
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("feature");
    format!("{stem}.L{line}")
}

impl Plan {
    /// Reads every feature file under `dir`.
    pub fn load(dir: &Path) -> Result<Self, PlanError> {
        Self::from_source(&FeatureSource::Dir(dir.to_path_buf()))
    }

    /// Reads every feature file of a source (the built-in set or a folder).
    pub fn from_source(source: &FeatureSource) -> Result<Self, PlanError> {
        Self::from_files(&source.files()?)
    }

    /// Builds the plan from feature files already read.
    pub fn from_files(files: &[FeatureFile]) -> Result<Self, PlanError> {
        let mut cases = Vec::new();
        for file in files {
            let f = file.parse()?;
            Self::add_feature(&f, &file.path, &mut cases);
        }
        let mut seen: HashMap<&str, &TestCase> = HashMap::new();
        for c in &cases {
            for id in [&c.id, &c.scenario_id] {
                if let Some(first) = seen.insert(id, c) {
                    let same_scenario =
                        first.file == c.file && first.scenario_line == c.scenario_line;
                    if !same_scenario {
                        return Err(PlanError::DuplicateId {
                            id: id.clone(),
                            first: format!("{}:{}", first.file.display(), first.scenario_line),
                            second: format!("{}:{}", c.file.display(), c.scenario_line),
                        });
                    }
                }
            }
        }
        Ok(Self { cases })
    }

    fn add_feature(f: &gherkin::Feature, path: &Path, cases: &mut Vec<TestCase>) {
        let scenarios = f.scenarios.iter().map(|s| (s, &[][..])).chain(
            f.rules
                .iter()
                .flat_map(|r| r.scenarios.iter().map(|s| (s, &r.tags[..]))),
        );
        for (s, rule_tags) in scenarios {
            let base_tags: Vec<String> = f
                .tags
                .iter()
                .chain(rule_tags)
                .chain(&s.tags)
                .cloned()
                .collect();
            let (scenario_id, derived) = match tagged(&s.tags, ID_TAG).next() {
                Some(id) => (id.to_string(), false),
                None => (derived_id(path, s.position.line), true),
            };
            let specs: Vec<String> = {
                let own: Vec<String> = tagged(&s.tags, SPEC_TAG).map(String::from).collect();
                if own.is_empty() {
                    tagged(&f.tags, SPEC_TAG).map(String::from).collect()
                } else {
                    own
                }
            };
            let make = |id: String,
                        title: String,
                        rule: String,
                        line: usize,
                        tags: Vec<String>,
                        row_guards: Vec<String>,
                        row: Vec<(String, String)>| {
                let guards = tagged(&tags, GUARDS_TAG)
                    .map(String::from)
                    .chain(row_guards)
                    .collect();
                TestCase {
                    id,
                    scenario_id: scenario_id.clone(),
                    title,
                    rule,
                    feature: f.name.clone(),
                    file: path.to_path_buf(),
                    scenario_line: s.position.line,
                    line,
                    tags,
                    specs: specs.clone(),
                    guards,
                    row,
                    derived_id: derived,
                }
            };
            if s.examples.is_empty() {
                cases.push(make(
                    scenario_id.clone(),
                    s.name.clone(),
                    s.name.clone(),
                    s.position.line,
                    base_tags,
                    Vec::new(),
                    Vec::new(),
                ));
                continue;
            }
            let mut row_number = 0;
            for ex in &s.examples {
                let Some(table) = &ex.table else { continue };
                let Some((header, rows)) = table.rows.split_first() else {
                    continue;
                };
                for (index, row) in rows.iter().enumerate() {
                    row_number += 1;
                    let cells: Vec<String> = header
                        .iter()
                        .zip(row)
                        .filter(|(k, _)| *k != GUARDS_COLUMN)
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect();
                    let row_guards: Vec<String> = header
                        .iter()
                        .zip(row)
                        .filter(|(k, _)| *k == GUARDS_COLUMN)
                        .flat_map(|(_, v)| v.split(','))
                        .map(str::trim)
                        .filter(|g| !g.is_empty())
                        .map(String::from)
                        .collect();
                    let rule = expand_name(&s.name, header, row);
                    let title = format!("{rule} [{}]", cells.join(", "));
                    let tags: Vec<String> = base_tags.iter().chain(&ex.tags).cloned().collect();
                    // cucumber gives an expanded row the line of its Examples keyword + row index + 2.
                    let line = ex.position.line + index + 2;
                    cases.push(make(
                        format!("{scenario_id}.{row_number}"),
                        title,
                        rule,
                        line,
                        tags,
                        row_guards,
                        header
                            .iter()
                            .zip(row)
                            .filter(|(k, _)| *k != GUARDS_COLUMN)
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                    ));
                }
            }
        }
    }

    /// The tests a run selects: those whose tags match `tags` and, when `ids` is given, whose id or scenario id is
    /// one of them. An id that names no test is an error (a typo must not run nothing and pass).
    pub fn select(
        &self,
        tags: Option<&TagOperation>,
        ids: Option<&[String]>,
    ) -> Result<Vec<&TestCase>, PlanError> {
        if let Some(ids) = ids {
            let unknown: Vec<&String> = ids
                .iter()
                .filter(|id| {
                    !self
                        .cases
                        .iter()
                        .any(|c| c.id == **id || c.scenario_id == **id)
                })
                .collect();
            if !unknown.is_empty() {
                let hint = unknown
                    .iter()
                    .filter_map(|u| self.nearest(u))
                    .next()
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default();
                return Err(PlanError::UnknownIds(format!(
                    "no test has the id {}{hint}; ids are the `@id:` tags of the feature files",
                    unknown
                        .iter()
                        .map(|u| format!("`{u}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        Ok(self
            .cases
            .iter()
            .filter(|c| tags.is_none_or(|t| eval_tags(t, &c.tags)))
            .filter(|c| ids.is_none_or(|ids| ids.iter().any(|i| *i == c.id || *i == c.scenario_id)))
            .collect())
    }

    /// The ids of the feature `wanted` seems to name (its first two parts), as a range.
    fn nearest(&self, wanted: &str) -> Option<String> {
        let stem: Vec<&str> = wanted.split('.').take(2).collect();
        let stem = format!("{}.", stem.join("."));
        let mut found = self
            .cases
            .iter()
            .map(|c| c.scenario_id.as_str())
            .filter(|id| id.starts_with(&stem));
        let first = found.next()?;
        let last = found.next_back().unwrap_or(first);
        Some(format!("that feature has {first} to {last}"))
    }

    /// Tests by (feature file, cucumber line), for matching cucumber's scenarios to the plan.
    pub fn by_location(&self) -> BTreeMap<(PathBuf, usize), &TestCase> {
        self.cases
            .iter()
            .map(|c| ((c.file.clone(), c.line), c))
            .collect()
    }

    /// Scenarios without an `@id` tag (their ids are derived from file and line).
    pub fn derived_ids(&self) -> usize {
        let mut scenarios: Vec<&str> = self
            .cases
            .iter()
            .filter(|c| c.derived_id)
            .map(|c| c.scenario_id.as_str())
            .collect();
        scenarios.dedup();
        scenarios.len()
    }
}

/// Replaces `<column>` placeholders in a scenario name with the row's values, as cucumber does.
fn expand_name(name: &str, header: &[String], row: &[String]) -> String {
    header.iter().zip(row).fold(name.to_string(), |n, (k, v)| {
        n.replace(&format!("<{k}>"), v)
    })
}

/// Evaluates a tag expression over tags written without `@`.
pub fn eval_tags(op: &TagOperation, tags: &[String]) -> bool {
    use cucumber::tag::Ext as _;
    op.eval(tags.iter())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn plan(text: &str) -> Result<Plan, PlanError> {
        let dir =
            std::env::temp_dir().join(format!("gpc-plan-{}-{}", std::process::id(), text.len()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("a.feature"), text).expect("feature file");
        Plan::load(&dir)
    }

    const FEATURE: &str = "@cap @1.2.7 @spec:page_one
Feature: F
  @id:x.f.01
  Scenario: One
    Given a step

  @id:x.f.02 @guards:some-fault
  Scenario Outline: Two <a>
    Given a step
    Examples:
      | a |
      | 1 |
      | 2 |
    @guards:other-fault
    Examples:
      | a | guards       |
      | 3 | third, fault |
";

    #[test]
    fn rows_get_numbered_ids_and_every_tag_that_applies() {
        let p = plan(FEATURE).expect("plan");
        let ids: Vec<&str> = p.cases.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["x.f.01", "x.f.02.1", "x.f.02.2", "x.f.02.3"]);
        let third = &p.cases[3];
        assert_eq!(third.title, "Two 3 [a=3]");
        assert_eq!(
            third.guards,
            ["some-fault", "other-fault", "third", "fault"]
        );
        assert_eq!(p.cases[1].guards, ["some-fault"]);
        assert_eq!(third.specs, ["page_one"]);
        assert_eq!(third.spec_version(), Some("1.2.7"));
        assert_eq!(
            third.requirement(),
            "Two 3\nGP Connect 1.2.7: https://developer.nhs.uk/apis/gpconnect-1-2-7/page_one.html"
        );
        assert_eq!(p.cases[1].line + 1, p.cases[2].line);
    }

    #[test]
    fn selection_by_id_and_tags() {
        let p = plan(FEATURE).expect("plan");
        let one = p
            .select(None, Some(&["x.f.02.2".into()]))
            .expect("known id");
        assert_eq!(one.len(), 1);
        let outline = p.select(None, Some(&["x.f.02".into()])).expect("known id");
        assert_eq!(outline.len(), 3);
        let tags = TagOperation::from_str("@guards:other-fault").expect("tag expression");
        assert_eq!(p.select(Some(&tags), None).expect("select").len(), 1);
        let e = p
            .select(None, Some(&["x.f.99".into()]))
            .expect_err("unknown id");
        assert!(e.to_string().contains("x.f.99"), "{e}");
    }

    #[test]
    fn duplicate_ids_are_refused_and_missing_ids_derived() {
        let dup = FEATURE.replace("@id:x.f.02", "@id:x.f.01");
        let e = plan(&dup).expect_err("duplicate");
        assert!(e.to_string().contains("x.f.01"), "{e}");
        let none = FEATURE.replace("@id:x.f.01\n", "");
        let p = plan(&none).expect("plan");
        assert_eq!(p.cases[0].id, "a.L3");
        assert_eq!(p.derived_ids(), 1);
    }
}
