//! The documents the reference provider holds, as data: `documents.json` (embedded) says which pack patient has
//! which document, when it was created and indexed (days before the provider clock's UK date, at a UK local
//! time), who authored it, who keeps it, its type and description, and how its bytes are generated
//! ([`super::content`]). The file is read and every document generated once per process, when the first
//! provider starts; the dates are resolved per request against the provider clock.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;

use super::content::{self, Generated};
use crate::config::{DEFAULT_LOGICAL_IDS, DEFAULT_PATIENTS};
use crate::provider::{data, uktime};

const DATA: &str = include_str!("documents.json");

/// The oldest a document may be, in days (a century).
const MAX_DAYS_AGO: u32 = 36_500;

/// The embedded document data is unusable: a defect of `documents.json`, reported by document.
#[derive(Debug, Clone, thiserror::Error)]
#[error("documents.json: {0}")]
pub struct LibraryError(pub String);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LibraryFile {
    #[serde(default, rename = "comment")]
    _comment: Option<String>,
    documents: Vec<Entry>,
}

/// A moment relative to the provider clock: `days_ago` days before today's UK date, at UK local time `at`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct When {
    pub days_ago: u32,
    pub at: String,
}

impl When {
    fn time(&self) -> Option<NaiveTime> {
        NaiveTime::parse_from_str(&self.at, "%H:%M").ok()
    }

    /// The instant on the day whose UK date is `today`.
    pub fn instant(&self, today: NaiveDate) -> DateTime<Utc> {
        let date = today
            .checked_sub_days(chrono::Days::new(u64::from(self.days_ago)))
            .unwrap_or(NaiveDate::MIN);
        let time = self.time().unwrap_or(NaiveTime::MIN);
        uktime::local_to_utc(date.and_time(time))
    }
}

/// Who authored a document: an organisation or a practitioner, by pack logical name.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Author {
    Organization(String),
    Practitioner(String),
}

/// The kind of document: a SNOMED code of the record composition type refset, or text.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DocType {
    #[serde(default)]
    pub snomed: Option<String>,
    #[serde(default)]
    pub display: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
enum BinaryId {
    Id(String),
    /// The id the test-data map gives a logical name (`largeDocument`), so that the harness and the provider
    /// share one value.
    TestData {
        test_data: String,
    },
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
enum ContentSpec {
    Pdf {
        title: String,
        lines: Vec<String>,
    },
    Text {
        lines: Vec<String>,
    },
    Rtf {
        title: String,
        lines: Vec<String>,
    },
    Png {
        width: u32,
        height: u32,
    },
    Scan {
        title: String,
        lines: Vec<String>,
        min_bytes: usize,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: String,
    patient: String,
    binary: BinaryId,
    #[serde(default)]
    created: Option<When>,
    indexed: When,
    author: Author,
    custodian: String,
    #[serde(rename = "type")]
    kind: DocType,
    description: String,
    content: ContentSpec,
}

/// One document: its metadata and its bytes.
#[derive(Debug, Clone)]
pub struct Document {
    /// The DocumentReference's logical id.
    pub id: String,
    /// The pack patient (`patient2`).
    pub patient: String,
    pub binary_id: String,
    pub created: Option<When>,
    pub indexed: When,
    pub author: Author,
    /// The custodian organisation's pack name (`ORG1`).
    pub custodian: String,
    pub kind: DocType,
    pub description: String,
    pub content_type: &'static str,
    pub bytes: Arc<Vec<u8>>,
}

impl Document {
    /// The moment a `created` search compares: `created`, or `indexed` where the document has no creation date.
    pub fn created_or_indexed(&self, today: NaiveDate) -> DateTime<Utc> {
        self.created
            .as_ref()
            .unwrap_or(&self.indexed)
            .instant(today)
    }

    /// The words a `description` search looks in: the description and the type's text and display.
    pub fn searchable_text(&self) -> Vec<&str> {
        [
            Some(self.description.as_str()),
            self.kind.text.as_deref(),
            self.kind.display.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// Every document of the provider.
#[derive(Debug, Clone)]
pub struct Library {
    documents: Vec<Document>,
}

impl Library {
    /// The embedded library, read and generated once per process.
    pub fn embedded() -> Result<Arc<Library>, LibraryError> {
        static LIBRARY: OnceLock<Result<Arc<Library>, LibraryError>> = OnceLock::new();
        LIBRARY
            .get_or_init(|| Library::parse(DATA).map(Arc::new))
            .clone()
    }

    /// Reads a library file and generates its documents.
    fn parse(text: &str) -> Result<Library, LibraryError> {
        let file: LibraryFile =
            serde_json::from_str(text).map_err(|e| LibraryError(e.to_string()))?;
        let orgs: Vec<&str> = data::organizations().iter().map(|o| o.key).collect();
        let pracs: Vec<String> = crate::config::DEFAULT_PRACTITIONERS
            .iter()
            .map(|(k, _)| (*k).to_string())
            .collect();
        let mut seen = BTreeSet::new();
        let mut documents = Vec::with_capacity(file.documents.len());
        for e in file.documents {
            let bad = |what: String| LibraryError(format!("document {}: {what}", e.id));
            if !DEFAULT_PATIENTS.iter().any(|(p, _)| *p == e.patient) {
                return Err(bad(format!("unknown pack patient `{}`", e.patient)));
            }
            for when in e.created.iter().chain([&e.indexed]) {
                if when.time().is_none() {
                    return Err(bad(format!("`{}` is not a time (HH:MM)", when.at)));
                }
                if when.days_ago == 0 || when.days_ago > MAX_DAYS_AGO {
                    return Err(bad(format!(
                        "days_ago {} is not 1..={MAX_DAYS_AGO} (a document of today could be in the future)",
                        when.days_ago
                    )));
                }
            }
            if let Some(created) = &e.created {
                if created.days_ago < e.indexed.days_ago {
                    return Err(bad("indexed before it was created".into()));
                }
            }
            let author_known = match &e.author {
                Author::Organization(o) => orgs.contains(&o.as_str()),
                Author::Practitioner(p) => pracs.contains(p),
            };
            if !author_known {
                return Err(bad(format!("unknown author {:?}", e.author)));
            }
            if !orgs.contains(&e.custodian.as_str()) {
                return Err(bad(format!("unknown custodian `{}`", e.custodian)));
            }
            if e.kind.snomed.is_some() != e.kind.display.is_some()
                || (e.kind.snomed.is_none() && e.kind.text.is_none())
            {
                return Err(bad(
                    "type needs a SNOMED code with its display, or text".into()
                ));
            }
            let binary_id = match &e.binary {
                BinaryId::Id(id) => id.clone(),
                BinaryId::TestData { test_data } => DEFAULT_LOGICAL_IDS
                    .iter()
                    .find(|(k, _)| k == test_data)
                    .map(|(_, v)| (*v).to_string())
                    .ok_or_else(|| bad(format!("no test-data logical id `{test_data}`")))?,
            };
            if !seen.insert(binary_id.clone()) || !seen.insert(format!("doc:{}", e.id)) {
                return Err(bad(format!("binary `{binary_id}` or id is not unique")));
            }
            let Generated {
                content_type,
                bytes,
            } = match &e.content {
                ContentSpec::Pdf { title, lines } => content::pdf(title, lines),
                ContentSpec::Text { lines } => content::text(lines),
                ContentSpec::Rtf { title, lines } => content::rtf(title, lines),
                ContentSpec::Png { width, height } => {
                    content::png(*width, *height).map_err(|err| bad(err.to_string()))?
                }
                ContentSpec::Scan {
                    title,
                    lines,
                    min_bytes,
                } => content::scanned_pdf(title, lines, *min_bytes),
            };
            documents.push(Document {
                id: e.id,
                patient: e.patient,
                binary_id,
                created: e.created,
                indexed: e.indexed,
                author: e.author,
                custodian: e.custodian,
                kind: e.kind,
                description: e.description,
                content_type,
                bytes: Arc::new(bytes),
            });
        }
        Ok(Library { documents })
    }

    /// The documents of a pack patient (`patient2`), in file order.
    pub fn of_patient<'a>(&'a self, pack: &'a str) -> impl Iterator<Item = &'a Document> + 'a {
        self.documents.iter().filter(move |d| d.patient == pack)
    }

    /// The document whose Binary has this id.
    pub fn by_binary(&self, id: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.binary_id == id)
    }

    pub fn documents(&self) -> &[Document] {
        &self.documents
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_library_loads() {
        let lib = Library::embedded().expect("documents.json is valid");
        assert!(lib.of_patient("patient2").count() >= 5);
        assert_eq!(lib.of_patient("patient3").count(), 0);
        let large = DEFAULT_LOGICAL_IDS
            .iter()
            .find(|(k, _)| *k == "largeDocument")
            .map(|(_, v)| *v)
            .expect("largeDocument");
        let doc = lib.by_binary(large).expect("the large document");
        assert_eq!(doc.patient, "patient4");
        assert!(doc.bytes.len() > 5 * 1024 * 1024);
        // The logical ids of hidden patients are the provider's.
        for p in data::seed_patients() {
            let name = DEFAULT_PATIENTS
                .iter()
                .find(|(_, nhs)| *nhs == p.nhs_number)
                .map(|(n, _)| *n);
            if let Some(id) = name.and_then(|n| {
                DEFAULT_LOGICAL_IDS
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| *v)
            }) {
                assert_eq!(id, p.id, "{name:?}");
            }
        }
    }

    #[test]
    fn defects_are_reported_by_document() {
        let one = |extra: &str| {
            format!(
                r#"{{"documents": [{{"id": "d", "patient": "patient2", "binary": "b", "indexed": {{"days_ago": 2, "at": "09:00"}},
                "author": {{"organization": "ORG1"}}, "custodian": "ORG1", "type": {{"text": "Letter"}},
                "description": "x", "content": {{"text": {{"lines": ["a"]}}}}{extra}}}]}}"#
            )
        };
        assert!(Library::parse(&one("")).is_ok());
        let e = Library::parse(&one(r#", "created": {"days_ago": 1, "at": "09:00"}"#))
            .expect_err("indexed before created");
        assert!(e.to_string().contains("document d: indexed before"), "{e}");
        let e = Library::parse(&one(r#", "created": {"days_ago": 0, "at": "09:00"}"#))
            .expect_err("created today");
        assert!(e.to_string().contains("days_ago 0"), "{e}");
        let text = one("").replace("ORG1\"}", "ORG9\"}");
        assert!(Library::parse(&text).is_err());
        let text = one("").replace("09:00", "9am");
        assert!(Library::parse(&text).is_err());
    }

    #[test]
    fn dates_follow_the_clock() {
        let when = When {
            days_ago: 2,
            at: "10:15".into(),
        };
        let today = NaiveDate::from_ymd_opt(2026, 7, 3).expect("date");
        assert_eq!(
            uktime::format(when.instant(today)),
            "2026-07-01T10:15:00+01:00"
        );
    }
}
