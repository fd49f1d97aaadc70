//! Rules about the project's own sources that keep one fact in one place.

use std::path::{Path, PathBuf};

use gpc_assure::spine::Interaction;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The string literals of one line of Rust (comments left out; good enough for this project's style, where a
/// literal never spans a `//`).
fn literals(line: &str) -> Vec<String> {
    let code = match line.trim_start() {
        l if l.starts_with("//") => return Vec::new(),
        _ => line,
    };
    let mut out = Vec::new();
    let mut chars = code.chars();
    let mut current: Option<String> = None;
    while let Some(c) = chars.next() {
        match (&mut current, c) {
            (None, '"') => current = Some(String::new()),
            (Some(s), '\\') => {
                s.push('\\');
                if let Some(n) = chars.next() {
                    s.push(n);
                }
            }
            (Some(_), '"') => out.extend(current.take()),
            (Some(s), c) => s.push(c),
            (None, '/') if chars.clone().next() == Some('/') => break,
            (None, _) => {}
        }
    }
    out
}

#[test]
fn interaction_names_are_spelled_only_in_the_catalogue() {
    let mut files = Vec::new();
    for dir in ["src", "steps", "tests", "benches"] {
        rust_files(&root().join(dir), &mut files);
    }
    let catalogue = root().join("src/spine/catalogue.rs");
    let mut found = Vec::new();
    for f in files.iter().filter(|f| **f != catalogue) {
        let text = std::fs::read_to_string(f).expect("a readable source file");
        for (n, line) in text.lines().enumerate() {
            for lit in literals(line) {
                // A literal that is exactly a name is a name used as a key (dispatch, lookup). Tag expressions
                // (`@PatientRead`) and feature text quoted in a test are feature-file language, not keys.
                for i in Interaction::ALL {
                    let name = i.name();
                    if lit == name {
                        found.push(format!(
                            "{}:{}: \"{lit}\" names {name}",
                            f.strip_prefix(root()).unwrap_or(f).display(),
                            n + 1
                        ));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "interaction names belong in the catalogue (src/spine/catalogue.rs) and the feature files; use \
         `Interaction::X` instead:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_literal_scanner_sees_literals_and_skips_comments() {
    assert_eq!(literals(r#"let a = "x\"y"; // "z""#), vec![r#"x\"y"#]);
    assert!(literals(r#"  // "PatientRead""#).is_empty());
    assert_eq!(literals(r#"f("a", "b")"#), vec!["a", "b"]);
}

/// Every scenario of the project's features has a unique, well-formed `@id`, names the specification page it
/// checks and the release it comes from.
#[test]
fn every_test_has_a_unique_id_and_a_requirement() {
    use gpc_assure::runner::Plan;
    let plan =
        Plan::load(&root().join("features")).expect("the features load without duplicate ids");
    assert_eq!(plan.derived_ids(), 0, "every scenario needs an @id tag");
    let id = regex::Regex::new(
        r"^(fdn|common|appt|struct|docs|html|consumer|sd)\.[a-z0-9-]+\.\d{2,3}(\.\d+)?$",
    )
    .expect("regex");
    let mut problems = Vec::new();
    for c in &plan.cases {
        let folder = c
            .file
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let prefix = match folder {
            "foundations" => "fdn.",
            "common" => "common.",
            "appointments" => "appt.",
            "structured" => "struct.",
            "documents" => "docs.",
            "html" => "html.",
            "consumer" => "consumer.",
            "send_document" => "sd.",
            other => {
                problems.push(format!("{}: unknown capability folder {other}", c.id));
                continue;
            }
        };
        if !id.is_match(&c.id) || !c.id.starts_with(prefix) {
            problems.push(format!(
                "{}: not an id of the form {prefix}<feature>.<nn>",
                c.id
            ));
        }
        if c.specs.is_empty() {
            problems.push(format!(
                "{}: no @spec: page on the feature or scenario",
                c.id
            ));
        }
        if c.spec_version().is_none() {
            problems.push(format!("{}: no release tag such as @1.2.7", c.id));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(plan.cases.len() >= 767, "{} tests", plan.cases.len());
}

/// The README's fault table is what `gpc-assure serve --list-faults` prints: every fault, in order, with its
/// description.
#[test]
fn the_readme_fault_table_matches_the_faults() {
    use gpc_assure::provider::Fault;
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let table: Vec<(String, String)> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| fault | what breaks |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            match cells.as_slice() {
                [name, what] => Some((name.trim_matches('`').to_string(), (*what).to_string())),
                _ => None,
            }
        })
        .collect();
    let expected: Vec<(String, String)> = Fault::ALL
        .iter()
        .map(|f| (f.name().to_string(), f.description().to_string()))
        .collect();
    let mut diff = Vec::new();
    for (a, b) in expected.iter().zip(&table) {
        if a != b {
            diff.push(format!("faults.rs: {a:?}\nREADME:    {b:?}"));
        }
    }
    if expected.len() != table.len() {
        diff.push(format!(
            "faults.rs has {} faults, the README table {}",
            expected.len(),
            table.len()
        ));
    }
    assert!(
        diff.is_empty(),
        "README.md's fault table must list `gpc-assure serve --list-faults` in order:\n{}",
        diff.join("\n")
    );
}

/// `.ci/run` runs the README's test command, the second line of its first code block, word for word.
#[test]
fn ci_runs_the_readme_test_command() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("the README starts with a sh code block");
    let test_line = block
        .lines()
        .nth(1)
        .and_then(|l| l.split(" # ").next())
        .map(str::trim)
        .expect("the block's second line is the test command");
    assert!(test_line.ends_with("cargo test"), "{test_line}");
    let ci = std::fs::read_to_string(root().join(".ci/run")).expect(".ci/run");
    assert!(
        ci.lines().any(|l| l.trim() == test_line),
        ".ci/run must run the README's test command `{test_line}`"
    );
}
