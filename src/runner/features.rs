//! Where the feature files come from: the set built into the binary (the default, so an installed binary needs
//! no checkout) or a folder given with `--features` (a supplier's own or edited scenarios). Both are read into
//! memory once; the test plan and cucumber parse the same text.

use std::path::{Path, PathBuf};

use cucumber::gherkin::{self, GherkinEnv};

use super::plan::PlanError;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_features.rs"));
}

/// The folder name embedded feature paths are shown under (`features/appointments/book_an_appointment.feature`).
const EMBEDDED_ROOT: &str = "features";

/// The source of the feature files of a run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FeatureSource {
    /// The feature files built into the binary.
    #[default]
    Embedded,
    /// Every `*.feature` file under a folder.
    Dir(PathBuf),
}

/// One feature file: the path it is reported under and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureFile {
    pub path: PathBuf,
    pub text: String,
}

impl std::fmt::Display for FeatureSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Embedded => write!(f, "the built-in features"),
            Self::Dir(d) => write!(f, "{}", d.display()),
        }
    }
}

/// The built-in feature files: (path relative to `features/`, text).
pub fn embedded() -> &'static [(&'static str, &'static str)] {
    embedded::FEATURES
}

impl FeatureSource {
    /// Every feature file of the source, sorted by path.
    pub fn files(&self) -> Result<Vec<FeatureFile>, PlanError> {
        match self {
            Self::Embedded => Ok(embedded()
                .iter()
                .map(|(rel, text)| FeatureFile {
                    path: Path::new(EMBEDDED_ROOT).join(rel),
                    text: (*text).to_string(),
                })
                .collect()),
            Self::Dir(dir) => {
                let files = feature_files(dir);
                if files.is_empty() {
                    return Err(PlanError::NoFeatures(dir.clone()));
                }
                files
                    .into_iter()
                    .map(|path| {
                        let text =
                            std::fs::read_to_string(&path).map_err(|e| PlanError::Feature {
                                path: path.clone(),
                                reason: e.to_string(),
                            })?;
                        Ok(FeatureFile { path, text })
                    })
                    .collect()
            }
        }
    }
}

impl FeatureFile {
    /// Parses the file as Gherkin; the feature carries this file's path.
    pub fn parse(&self) -> Result<gherkin::Feature, PlanError> {
        let mut feature =
            gherkin::Feature::parse(&self.text, GherkinEnv::default()).map_err(|e| {
                PlanError::Feature {
                    path: self.path.clone(),
                    reason: e.to_string(),
                }
            })?;
        feature.path = Some(self.path.clone());
        Ok(feature)
    }
}

/// Feature files under `dir` (made absolute), sorted.
pub fn feature_files(dir: &Path) -> Vec<PathBuf> {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut out = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "feature") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Writes the built-in feature files under `dir` (`gpc-assure features export DIR`), keeping their folders;
/// returns how many were written. Existing files of the same name are replaced.
pub fn export(dir: &Path) -> std::io::Result<usize> {
    for (rel, text) in embedded() {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text)?;
    }
    Ok(embedded().len())
}

/// A cucumber parser over features already read into memory, with outline examples expanded as cucumber's own
/// parser does.
pub struct MemoryParser;

impl cucumber::Parser<Vec<gherkin::Feature>> for MemoryParser {
    type Cli = cucumber::cli::Empty;
    type Output =
        futures::stream::Iter<std::vec::IntoIter<cucumber::parser::Result<gherkin::Feature>>>;

    fn parse(self, input: Vec<gherkin::Feature>, _: Self::Cli) -> Self::Output {
        use cucumber::feature::Ext as _;
        let features: Vec<_> = input
            .into_iter()
            .map(|f| f.expand_examples().map_err(cucumber::parser::Error::from))
            .collect();
        futures::stream::iter(features)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_features_are_the_checkouts() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("features");
        let on_disk = FeatureSource::Dir(dir)
            .files()
            .expect("the checkout's features");
        let built_in = FeatureSource::Embedded.files().expect("built-in features");
        assert_eq!(on_disk.len(), built_in.len());
        for (d, b) in on_disk.iter().zip(&built_in) {
            assert!(
                d.path.ends_with(&b.path),
                "{} vs {}",
                d.path.display(),
                b.path.display()
            );
            assert_eq!(d.text, b.text, "{}", b.path.display());
        }
    }

    #[test]
    fn a_folder_without_features_is_an_error() {
        let dir = std::env::temp_dir().join(format!("gpc-no-features-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let err = FeatureSource::Dir(dir.clone())
            .files()
            .expect_err("no features");
        assert!(err.to_string().contains("holds no .feature files"), "{err}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
