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
