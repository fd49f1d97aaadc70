//! YAML configuration: service roots, ASIDs, JWT identity, the test-data map, limits and report folder.
//!
//! Every key has a default (the official assurance-pack values for test data). Unknown keys and bad values are
//! a [`ConfigError`] that names the key, so the CLI can exit 2 with one clear sentence.

use serde::Deserialize;

use crate::spine::catalogue::Capability;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A configuration problem; the message names the key and says what to change.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config key `{key}`: {message}")]
    Invalid { key: String, message: String },
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

/// One value per capability; in YAML a map keyed by the capability's tag (`foundations`, `appointments`,
/// `structured`, `documents`, `html`). A key the file leaves out keeps its default; an unknown key is an error.
#[derive(Debug, Clone, PartialEq)]
pub struct PerCapability<T>([T; Capability::ALL.len()]);

impl<T> PerCapability<T> {
    /// The value of every capability from `f`.
    pub fn from_fn(f: impl Fn(Capability) -> T) -> Self {
        Self(Capability::ALL.map(f))
    }

    /// The value of `capability`.
    pub fn get(&self, capability: Capability) -> &T {
        &self.0[capability.ordinal()]
    }

    /// Every capability with its value, in [`Capability::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Capability, &T)> {
        Capability::ALL.into_iter().zip(self.0.iter())
    }

    /// Replaces the values a config file gives; `key` names the config section in errors.
    fn overlay(mut self, file: BTreeMap<String, T>, key: &str) -> Result<Self, ConfigError> {
        for (tag, value) in file {
            let c = Capability::from_tag(&tag).ok_or_else(|| {
                let known: Vec<&str> = Capability::ALL.iter().map(|c| c.tag()).collect();
                invalid(
                    format!("{key}.{tag}"),
                    format!(
                        "`{tag}` is not a capability; use one of {}",
                        known.join(", ")
                    ),
                )
            })?;
            self.0[c.ordinal()] = value;
        }
        Ok(self)
    }
}

/// Service roots per capability: absolute URLs, or paths relative to the provider base URL.
pub type ServiceRoots = PerCapability<String>;

impl Default for ServiceRoots {
    fn default() -> Self {
        Self::from_fn(|c| {
            match c {
                Capability::Foundations | Capability::Appointments => {
                    "/B82617/STU3/1/gpconnect/fhir"
                }
                Capability::Structured => "/B82617/STU3/1/gpconnect/structured/fhir",
                Capability::Documents => "/B82617/STU3/1/gpconnect/documents/fhir",
                Capability::Html => "/B82617/DSTU2/1/gpconnect/fhir",
            }
            .to_string()
        })
    }
}

/// Which source wins when the FHIR path holds several versions of a canonical URL, per capability: an ordered
/// list of package names (`name` or `name#version`) or folder names (`release-1.2.7`). The first source that
/// holds the URL wins (its highest version); a URL none of them holds resolves to its highest version
/// anywhere. An entry `url|version` pins that URL to that version. `url|version` in a `meta.profile` or
/// `--profile` always pins a version.
pub type DefinitionSources = PerCapability<Vec<String>>;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

impl Default for DefinitionSources {
    fn default() -> Self {
        Self::from_fn(|c| {
            match c {
            // Foundations and Appointment Management 1.2.7.
            Capability::Foundations | Capability::Appointments => strings(&[
                // GPConnect-Searchset-Bundle-1 1.0.0 (release 1.2.7) requires an entry, but the specification
                // answers a search that matches nothing with an empty Bundle; 1.3.0 corrects the cardinality.
                "https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Searchset-Bundle-1|1.3.0",
                // The 1.2.7 code system (1.4.0) lacks UNSUPPORTED_MEDIA_TYPE for the 415 the specification
                // requires; later versions only add codes.
                "https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1|1.7.0",
                "release-1.2.7",
                "careconnect-profiles-stu3",
                "hl7-fhir-stu3-core-3.0.1",
            ]),
            // Access Record Structured 1.6.2. The 1.6.x profiles name these without a version; the first source
            // holds stale copies: ConditionCategory 1.0.0 lacks the `problem-list-item` code ProblemHeader-Condition-1
            // fixes (1.1.0 has it), and RelatedProblemHeader 1.1.0's context omits the List that CareConnect-GPC-List-1
            // 1.7.0 places it on (1.2.0, dated before List 1.7.0, allows Condition and List).
            Capability::Structured => strings(&[
                "https://fhir.hl7.org.uk/STU3/ValueSet/CareConnect-ConditionCategory-1|1.1.0",
                "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-ConditionCategory-1|1.1.0",
                "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-RelatedProblemHeader-1|1.2.0",
                "nhsconnect-STU3-FHIR-Assets",
                "release-1.5.0",
                "careconnect-profiles-stu3",
                "hl7-fhir-stu3-core-3.0.1",
            ]),
            // Access Document: the messaging 1.3.0 release first (as before this change; see the issue note).
            Capability::Documents => strings(&[
                "release-1.3.0-messaging",
                "nhsconnect-STU3-FHIR-Assets",
                "careconnect-profiles-stu3",
                "hl7-fhir-stu3-core-3.0.1",
            ]),
            // Access Record HTML 0.7.x (DSTU2).
            Capability::Html => strings(&["release-0.7.2", "hl7-fhir-dstu2-core-1.0.2"]),
        }
        })
    }
}

/// Requesting organisation placed in the JWT.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct JwtOrganization {
    pub ods_code: String,
    pub name: String,
}

impl Default for JwtOrganization {
    fn default() -> Self {
        Self {
            ods_code: "GPCA0001".into(),
            name: "GP Connect Assurance".into(),
        }
    }
}

/// Requesting practitioner placed in the JWT (`sub` equals `id`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct JwtPractitioner {
    pub id: String,
    pub sds_user_id: String,
    pub sds_role_profile_id: String,
    pub local_system: String,
    pub local_id: String,
    pub family: String,
    pub given: String,
    pub prefix: String,
}

impl Default for JwtPractitioner {
    fn default() -> Self {
        Self {
            id: "1".into(),
            sds_user_id: "GCASDS0001".into(),
            sds_role_profile_id: "112233445566".into(),
            local_system: "https://consumersupplier.com/Id/user-guid".into(),
            local_id: "98ed4f78-814d-4266-8d5b-cde742f3093c".into(),
            family: "AssurancePractitioner".into(),
            given: "AssuranceTest".into(),
            prefix: "Mr".into(),
        }
    }
}

/// Requesting device placed in the JWT.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct JwtDevice {
    pub system: String,
    pub value: String,
    pub model: String,
    pub version: String,
}

impl Default for JwtDevice {
    fn default() -> Self {
        Self {
            system: "https://consumersupplier.com/Id/device-identifier".into(),
            value: "gpc-assure".into(),
            model: "gpc-assure".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// JWT identity: who the harness says it is.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct JwtConfig {
    /// `iss`: the consumer system's URL.
    pub issuer: String,
    /// `aud`: defaults to the capability's service root URL when empty.
    pub audience: Option<String>,
    pub organization: JwtOrganization,
    pub practitioner: JwtPractitioner,
    pub device: JwtDevice,
}

impl Default for JwtConfig {
    fn default() -> Self {
        Self {
            issuer: "https://gpc-assure.consumer.example".into(),
            audience: None,
            organization: JwtOrganization::default(),
            practitioner: JwtPractitioner::default(),
            device: JwtDevice::default(),
        }
    }
}

/// One identity of the register-patient pool (a PDS test identity that is not registered at the provider).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PoolPatient {
    pub nhs_number: String,
    pub family: String,
    pub given: String,
    pub gender: String,
    pub birth_date: String,
}

/// Logical test-data names resolved to the provider's identifiers.
#[derive(Debug, Clone, PartialEq)]
pub struct TestData {
    pub patients: BTreeMap<String, String>,
    /// The Access Record HTML (0.7.x) pack's patients: a different pack, with its own roles.
    pub html_patients: BTreeMap<String, String>,
    pub organizations: BTreeMap<String, String>,
    pub practitioners: BTreeMap<String, String>,
    pub locations: BTreeMap<String, String>,
    /// Appointment logical ids the API cannot create (an appointment that started before today).
    pub appointments: BTreeMap<String, String>,
    /// Logical ids the API does not reveal: the Patient ids of pack patients a search must not return
    /// (`patient9`), the Binary id of the document too large for "Retrieve a document" (`largeDocument`).
    pub logical_ids: BTreeMap<String, String>,
    pub register_pool: Vec<PoolPatient>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestDataFile {
    patients: Option<BTreeMap<String, String>>,
    html_patients: Option<BTreeMap<String, String>>,
    organizations: Option<BTreeMap<String, String>>,
    practitioners: Option<BTreeMap<String, String>>,
    locations: Option<BTreeMap<String, String>>,
    appointments: Option<BTreeMap<String, String>>,
    logical_ids: Option<BTreeMap<String, String>>,
    register_pool: Option<Vec<PoolPatient>>,
}

/// Official assurance-pack NHS numbers (provider-testing `Data/NHSNoMap.csv`, 1.6.0 pack).
pub const DEFAULT_PATIENTS: &[(&str, &str)] = &[
    ("patient1", "9690937278"),
    ("patient2", "9690937286"),
    ("patient3", "9690937294"),
    ("patient4", "9690937308"),
    ("patient5", "9690937375"),
    ("patient6", "9690937383"),
    ("patient7", "9690937391"),
    ("patient8", "9690937405"),
    ("patient9", "9690938533"),
    ("patient10", "9690938541"),
    ("patient11", "9690938622"),
    ("patient12", "9690938614"),
    ("patient13", "9690938096"),
    ("patient14", "9476718943"),
    ("patient15", "9690938576"),
    ("patient16", "9690938118"),
    ("patient17", "9690938126"),
    ("patient18", "9690938681"),
    ("patient21", "9690938142"),
    ("patientNotInSystem", "9999999999"),
    ("patientNoAppointments", "9690938134"),
];

/// The Access Record HTML 0.7.x pack's NHS numbers (provider-testing `feature/0.7.4` `Data/NHSNoMap.csv`).
/// `patient16` and `patient17` are not in that map; the numbers here are this project's choice (valid check
/// digits, the same test range). Roles: `Data/Test Suite Required Patients.xlsx` (README, "Access Record HTML").
pub const DEFAULT_HTML_PATIENTS: &[(&str, &str)] = &[
    ("patient1", "9658218865"),
    ("patient2", "9658218873"),
    ("patient3", "9658218881"),
    ("patient4", "9658218903"),
    ("patient5", "9658218989"),
    ("patient6", "9658218997"),
    ("patient7", "9658219004"),
    ("patient8", "9658219012"),
    ("patient9", "9658220142"),
    ("patient10", "9658220150"),
    ("patient11", "9658220223"),
    ("patient12", "9658220215"),
    ("patient13", "9658219691"),
    ("patient14", "9476718943"),
    ("patient15", "9658220169"),
    ("patient16", "9658220177"),
    ("patient17", "9658220185"),
    ("patient18", "9658220290"),
    ("patientNotInSystem", "9999999999"),
];

/// ODS codes (`Data/ODSCodeMap.csv`).
pub const DEFAULT_ORGANIZATIONS: &[(&str, &str)] = &[
    ("ORG1", "B82617"),
    ("ORG2", "R1A14"),
    ("ORG3", "X12345"),
    ("SIT1", "Z26556"),
    ("SIT2", "Z33432"),
    ("SIT3", "Z33433"),
    ("SIT4", "Z99899"),
    ("unknownORG", "INVOC1"),
    ("unknownSIT", "INVSC1"),
];

/// SDS user ids (`Data/PractitionerCodeMap.csv`); practitioner4 must not exist at the provider.
pub const DEFAULT_PRACTITIONERS: &[(&str, &str)] = &[
    ("practitioner1", "G13579135"),
    ("practitioner2", "G11111116"),
    ("practitioner3", "G22345655"),
    ("practitioner4", "G99999999"),
    ("practitioner5", "G22222226"),
];

/// Location logical ids (`Data/LocationLogicalIdentifierMap.csv`).
pub const DEFAULT_LOCATIONS: &[(&str, &str)] = &[("SIT1", "1"), ("SIT2", "8"), ("SIT3", "3")];

/// The first sixty Spine test identities of `Data/RegisterPatients.csv`.
pub const DEFAULT_REGISTER_POOL: &[(&str, &str, &str, &str, &str)] = &[
    ("9651258500", "REA", "Clive", "male", "1951-03-10"),
    ("9651258519", "SOFFE", "Oscar", "male", "1937-03-11"),
    ("9651258527", "FLYNN", "Tommy", "male", "1950-04-10"),
    ("9651258535", "CONWAY", "Julius", "male", "1924-08-16"),
    ("9651258543", "VOCE", "Ramon", "male", "1919-10-17"),
    ("9651258551", "EVANS", "Paul", "male", "1932-12-29"),
    ("9651258578", "HYFLE", "Claude", "male", "1939-01-14"),
    ("9651258586", "TOOLE", "Felix", "male", "1934-08-13"),
    ("9651258594", "STYCHE", "Milo", "male", "1917-08-08"),
    ("9651258608", "RODDAN", "Ivor", "male", "1930-06-14"),
    ("9651258616", "GRALEY", "Lesley", "female", "1920-03-02"),
    ("9651258624", "LESLIE", "Blanch", "female", "1924-06-26"),
    ("9651258632", "MOYES", "Louise", "female", "1923-04-14"),
    ("9651258640", "HOLT", "Kerry", "female", "1923-01-26"),
    ("9651258659", "MOLLOY", "Leona", "female", "1949-07-12"),
    ("9651258667", "BEVAN", "Roslyn", "female", "1929-07-25"),
    ("9651258675", "KERR", "Mabel", "female", "1938-10-17"),
    ("9651258683", "SHERRY", "Tina", "female", "1936-04-17"),
    ("9651258691", "HYLAND", "Netta", "female", "1930-11-13"),
    ("9651258705", "MOSSES", "Wendy", "female", "1948-02-29"),
    ("9651258713", "MOAH", "Josh", "male", "2017-05-18"),
    ("9651258721", "MELLOY", "Jacob", "male", "2017-03-28"),
    ("9651258748", "McKAY", "Claude", "male", "2017-01-11"),
    ("9651258764", "BUSH", "Tim", "male", "2013-03-06"),
    ("9651258772", "WILLER", "Nigel", "male", "2016-01-16"),
    ("9651258780", "STYCHE", "Brad", "male", "2011-08-08"),
    ("9651258799", "MAGINN", "Derek", "male", "2009-07-13"),
    ("9651258802", "SHARD", "Oswald", "male", "2010-11-10"),
    ("9651258810", "WELDON", "Dwayne", "male", "2003-09-20"),
    ("9651258829", "HIDE", "Nathan", "male", "2005-01-04"),
    ("9651258837", "WREN", "Edmund", "male", "2004-01-10"),
    ("9651258845", "FALVEY", "Archie", "male", "2000-12-03"),
    ("9651258853", "TIMSON", "Steven", "male", "2002-11-18"),
    ("9651258861", "HEATON", "Gerald", "male", "2001-09-14"),
    ("9651258888", "KNIPE", "Iris", "female", "2017-05-18"),
    ("9651258896", "MCANN", "Doreen", "female", "2017-04-10"),
    ("9651258918", "CONWAY", "Ella", "female", "2016-12-29"),
    ("9651258926", "HEALY", "Kathy", "female", "2016-07-05"),
    ("9651258934", "GEMMEL", "Maude", "female", "2016-03-06"),
    ("9651258942", "BIRD", "Monica", "female", "2015-02-27"),
    ("9651258950", "DOWD", "Hilda", "female", "2012-03-27"),
    ("9651258969", "HYLAND", "Julia", "female", "2007-10-05"),
    ("9651258977", "CATON", "Maxine", "female", "2009-08-19"),
    ("9651258985", "BRADY", "Tamsyn", "female", "2003-08-19"),
    ("9651258993", "McCOAG", "Lori", "female", "2006-02-23"),
    ("9651259000", "KEVAN", "Casey", "female", "2005-06-12"),
    ("9651259019", "JOSEPH", "Glenda", "female", "2001-02-26"),
    ("9651259027", "VAREY", "Dianne", "female", "2001-07-12"),
    ("9651259035", "GORDON", "Katie", "female", "2000-04-02"),
    ("9651259043", "NILSEN", "Ross", "male", "1991-04-30"),
    ("9651259051", "BYATT", "Arnold", "male", "1980-01-12"),
    ("9651259078", "VESEY", "Edmond", "male", "1990-06-18"),
    ("9651259086", "TIDMAN", "Vernon", "male", "1997-04-07"),
    ("9651259094", "MATHER", "Milo", "male", "1995-10-26"),
    ("9651259108", "ESKEW", "Abel", "male", "1985-10-04"),
    ("9651259116", "LEEPER", "Karl", "male", "1979-09-12"),
    ("9651259124", "OUSEY", "Otto", "male", "1986-02-27"),
    ("9651259132", "DALTON", "Manuel", "male", "1959-07-29"),
    ("9651259140", "MULLEN", "Chas", "male", "1975-02-18"),
    ("9651259159", "CUBBON", "Nathan", "male", "1971-11-30"),
];

/// Appointments the reference provider seeds: `pastAppointment` started yesterday (patient2).
pub const DEFAULT_APPOINTMENTS: &[(&str, &str)] = &[("pastAppointment", "1")];

/// Logical ids of the reference provider the API does not reveal: the pack patients that Find a patient leaves
/// out (sensitive, superseded, not on PDS, deceased, inactive) and patient4's document over 5 MB.
pub const DEFAULT_LOGICAL_IDS: &[(&str, &str)] = &[
    ("patient9", "9"),
    ("patient10", "10"),
    ("patient11", "11"),
    ("patient14", "14"),
    ("patient18", "18"),
    ("patient21", "21"),
    ("largeDocument", "p4-scan-pdf"),
];

fn to_map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

impl Default for TestData {
    fn default() -> Self {
        Self {
            patients: to_map(DEFAULT_PATIENTS),
            html_patients: to_map(DEFAULT_HTML_PATIENTS),
            organizations: to_map(DEFAULT_ORGANIZATIONS),
            practitioners: to_map(DEFAULT_PRACTITIONERS),
            locations: to_map(DEFAULT_LOCATIONS),
            appointments: to_map(DEFAULT_APPOINTMENTS),
            logical_ids: to_map(DEFAULT_LOGICAL_IDS),
            register_pool: DEFAULT_REGISTER_POOL
                .iter()
                .map(|(n, f, g, s, d)| PoolPatient {
                    nhs_number: (*n).into(),
                    family: (*f).into(),
                    given: (*g).into(),
                    gender: (*s).into(),
                    birth_date: (*d).into(),
                })
                .collect(),
        }
    }
}

impl TestData {
    fn merge(file: TestDataFile) -> Result<Self, ConfigError> {
        let mut data = TestData::default();
        let sections = [
            ("patients", file.patients, &mut data.patients),
            ("html_patients", file.html_patients, &mut data.html_patients),
            ("organizations", file.organizations, &mut data.organizations),
            ("practitioners", file.practitioners, &mut data.practitioners),
            ("locations", file.locations, &mut data.locations),
            ("appointments", file.appointments, &mut data.appointments),
            ("logical_ids", file.logical_ids, &mut data.logical_ids),
        ];
        for (section, given, target) in sections {
            for (name, value) in given.unwrap_or_default() {
                if !target.contains_key(&name) {
                    let known: Vec<&str> = target.keys().map(String::as_str).collect();
                    return Err(invalid(
                        format!("test_data.{section}.{name}"),
                        format!("unknown logical name; known names are {}", known.join(", ")),
                    ));
                }
                if value.trim().is_empty() {
                    return Err(invalid(
                        format!("test_data.{section}.{name}"),
                        "must not be empty",
                    ));
                }
                target.insert(name, value.trim().to_string());
            }
        }
        if let Some(pool) = file.register_pool {
            if pool.is_empty() {
                return Err(invalid(
                    "test_data.register_pool",
                    "must list at least one identity",
                ));
            }
            data.register_pool = pool;
        }
        let numbers = data
            .patients
            .iter()
            .map(|p| ("patients", p))
            .chain(data.html_patients.iter().map(|p| ("html_patients", p)));
        for (section, (name, nhs)) in numbers {
            if !is_ten_digits(nhs) {
                return Err(invalid(
                    format!("test_data.{section}.{name}"),
                    format!("`{nhs}` is not a 10-digit NHS number"),
                ));
            }
        }
        for (i, p) in data.register_pool.iter().enumerate() {
            if !is_ten_digits(&p.nhs_number) {
                return Err(invalid(
                    format!("test_data.register_pool[{i}].nhs_number"),
                    format!("`{}` is not a 10-digit NHS number", p.nhs_number),
                ));
            }
            if chrono::NaiveDate::parse_from_str(&p.birth_date, "%Y-%m-%d").is_err() {
                return Err(invalid(
                    format!("test_data.register_pool[{i}].birth_date"),
                    format!("`{}` is not a date (YYYY-MM-DD)", p.birth_date),
                ));
            }
        }
        Ok(data)
    }

    /// Resolves a logical patient name (`patient2`) to its NHS number.
    pub fn patient(&self, name: &str) -> Option<&str> {
        self.patients.get(name).map(String::as_str)
    }
    /// Resolves a logical patient name of the Access Record HTML pack to its NHS number.
    pub fn html_patient(&self, name: &str) -> Option<&str> {
        self.html_patients.get(name).map(String::as_str)
    }
    pub fn organization(&self, name: &str) -> Option<&str> {
        self.organizations.get(name).map(String::as_str)
    }
    pub fn practitioner(&self, name: &str) -> Option<&str> {
        self.practitioners.get(name).map(String::as_str)
    }
    pub fn location(&self, name: &str) -> Option<&str> {
        self.locations.get(name).map(String::as_str)
    }
    pub fn appointment(&self, name: &str) -> Option<&str> {
        self.appointments.get(name).map(String::as_str)
    }
    pub fn logical_id(&self, name: &str) -> Option<&str> {
        self.logical_ids.get(name).map(String::as_str)
    }
}

/// A proxy URL must be an absolute http(s) URL of a host, without credentials (they would show in logs), query
/// or fragment.
fn check_proxy_url(key: &str, url: &str) -> Result<(), ConfigError> {
    let bad = |why: &str| invalid(key, format!("`{url}` {why}"));
    let parsed =
        reqwest::Url::parse(url).map_err(|_| bad("is not an absolute http:// or https:// URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(bad("is not an absolute http:// or https:// URL"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        // Not echoed: the URL holds a secret.
        return Err(invalid(key, "must not carry credentials (user:password@)"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad("must not have a query or fragment"));
    }
    Ok(())
}

fn is_ten_digits(s: &str) -> bool {
    s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The whole configuration, after defaults and validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub service_roots: ServiceRoots,
    pub consumer_asid: String,
    pub provider_asid: String,
    pub jwt: JwtConfig,
    pub test_data: TestData,
    pub timeout_secs: u64,
    pub max_body_bytes: usize,
    pub concurrency: usize,
    pub report_dir: PathBuf,
    pub fhir_path: Vec<PathBuf>,
    pub definitions: DefinitionSources,
    /// Client identity and trusted CAs of the harness's HTTPS requests (paths only, never key material).
    pub tls: crate::client::tls::TlsConfig,
    /// Spine Secure Proxy base URL: every request goes as `<spine_proxy>/<provider URL>`.
    pub spine_proxy: Option<String>,
    /// Forward HTTP proxy of every request (CONNECT for https).
    pub http_proxy: Option<String>,
    /// Where the security features find a real provider's TLS and plain addresses and the SSP certificates.
    pub security: crate::tls::settings::SecurityConfig,
    /// Consumer assurance: the driver that makes the consumer under test act (`gpc-assure consumer run`).
    pub consumer: crate::consumer::config::ConsumerConfig,
    /// Access Record HTML: the provider's default time frames (the reference provider's too).
    pub html: crate::provider::html::time_frames::HtmlSettings,
    /// Send Document: MESH, the mailboxes and the sender trigger.
    pub send_document: crate::send_document::config::SendDocumentConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    service_roots: Option<BTreeMap<String, String>>,
    consumer_asid: Option<String>,
    provider_asid: Option<String>,
    jwt: Option<JwtConfig>,
    test_data: Option<TestDataFile>,
    timeout_secs: Option<u64>,
    max_body_bytes: Option<usize>,
    concurrency: Option<usize>,
    report_dir: Option<PathBuf>,
    fhir_path: Option<Vec<PathBuf>>,
    definitions: Option<BTreeMap<String, Vec<String>>>,
    tls: Option<crate::client::tls::TlsConfig>,
    spine_proxy: Option<String>,
    http_proxy: Option<String>,
    security: Option<crate::tls::settings::SecurityConfig>,
    consumer: Option<crate::consumer::config::ConsumerConfig>,
    html: Option<crate::provider::html::time_frames::HtmlConfigFile>,
    send_document: Option<crate::send_document::config::SendDocumentConfig>,
}

pub const DEFAULT_CONSUMER_ASID: &str = "200000000359";
pub const DEFAULT_PROVIDER_ASID: &str = "918999198738";

impl Default for Config {
    fn default() -> Self {
        Self {
            service_roots: ServiceRoots::default(),
            consumer_asid: DEFAULT_CONSUMER_ASID.into(),
            provider_asid: DEFAULT_PROVIDER_ASID.into(),
            jwt: JwtConfig::default(),
            test_data: TestData::default(),
            timeout_secs: 30,
            max_body_bytes: 5 * 1024 * 1024,
            concurrency: 16,
            report_dir: PathBuf::from("reports"),
            fhir_path: Vec::new(),
            definitions: DefinitionSources::default(),
            tls: crate::client::tls::TlsConfig::default(),
            spine_proxy: None,
            http_proxy: None,
            security: Default::default(),
            consumer: Default::default(),
            html: Default::default(),
            send_document: Default::default(),
        }
    }
}

impl Config {
    /// Loads and validates a YAML config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_yaml(&text).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: path.to_path_buf(),
                message,
            },
            other => other,
        })
    }

    /// Parses and validates YAML text (an empty document gives the defaults).
    pub fn from_yaml(text: &str) -> Result<Self, ConfigError> {
        let file: ConfigFile = if text.trim().is_empty() {
            ConfigFile::default()
        } else {
            serde_yaml_ng::from_str(text).map_err(|e| ConfigError::Parse {
                path: PathBuf::from("<config>"),
                message: e.to_string(),
            })?
        };
        let defaults = Config::default();
        let config = Config {
            service_roots: defaults
                .service_roots
                .overlay(file.service_roots.unwrap_or_default(), "service_roots")?,
            consumer_asid: file.consumer_asid.unwrap_or(defaults.consumer_asid),
            provider_asid: file.provider_asid.unwrap_or(defaults.provider_asid),
            jwt: file.jwt.unwrap_or(defaults.jwt),
            test_data: TestData::merge(file.test_data.unwrap_or_default())?,
            timeout_secs: file.timeout_secs.unwrap_or(defaults.timeout_secs),
            max_body_bytes: file.max_body_bytes.unwrap_or(defaults.max_body_bytes),
            concurrency: file.concurrency.unwrap_or(defaults.concurrency),
            report_dir: file.report_dir.unwrap_or(defaults.report_dir),
            fhir_path: file.fhir_path.unwrap_or_default(),
            definitions: defaults
                .definitions
                .overlay(file.definitions.unwrap_or_default(), "definitions")?,
            tls: file.tls.unwrap_or_default(),
            spine_proxy: file.spine_proxy,
            http_proxy: file.http_proxy,
            security: file.security.unwrap_or_default(),
            consumer: file.consumer.unwrap_or_default(),
            html: crate::provider::html::time_frames::HtmlSettings::from_file(
                file.html.unwrap_or_default(),
            )
            .map_err(|(key, message)| invalid(key, message))?,
            send_document: file.send_document.unwrap_or_default(),
        };
        if let Some((key, message)) = config.send_document.problems().into_iter().next() {
            return Err(invalid(key, message));
        }
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(p) = self.consumer.problems().into_iter().next() {
            return Err(invalid(p.key, p.message));
        }
        for (key, asid) in [
            ("consumer_asid", &self.consumer_asid),
            ("provider_asid", &self.provider_asid),
        ] {
            if asid.is_empty() || asid.len() > 12 || !asid.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(
                    key,
                    format!("`{asid}` is not an ASID (up to 12 digits)"),
                ));
            }
        }
        if self.timeout_secs == 0 || self.timeout_secs > 3600 {
            return Err(invalid(
                "timeout_secs",
                "must be between 1 and 3600 seconds",
            ));
        }
        if self.max_body_bytes < 1024 {
            return Err(invalid("max_body_bytes", "must be at least 1024"));
        }
        if self.concurrency == 0 || self.concurrency > 256 {
            return Err(invalid("concurrency", "must be between 1 and 256"));
        }
        for (capability, root) in self.service_roots.iter() {
            let key = format!("service_roots.{}", capability.tag());
            let ok = root.starts_with('/')
                || root.starts_with("http://")
                || root.starts_with("https://");
            if !ok || root.ends_with('/') {
                return Err(invalid(
                    key,
                    format!("`{root}` must be an absolute URL or a path starting with `/`, without a trailing `/`"),
                ));
            }
        }
        if self.jwt.organization.ods_code.trim().is_empty() {
            return Err(invalid("jwt.organization.ods_code", "must not be empty"));
        }
        if self.jwt.practitioner.id.trim().is_empty() {
            return Err(invalid("jwt.practitioner.id", "must not be empty"));
        }
        for (key, url) in [
            ("spine_proxy", &self.spine_proxy),
            ("http_proxy", &self.http_proxy),
        ] {
            if let Some(url) = url {
                check_proxy_url(key, url)?;
            }
        }
        self.security.validate()?;
        self.tls.validate(&self.service_roots)
    }

    /// Resolves a service root (absolute URL or path) against the provider base URL.
    pub fn resolve_root(base: &str, root: &str) -> String {
        if root.starts_with("http://") || root.starts_with("https://") {
            root.to_string()
        } else {
            format!("{}{}", base.trim_end_matches('/'), root)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_yaml_gives_defaults() {
        let c = Config::from_yaml("").unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.test_data.patient("patient2"), Some("9690937286"));
        assert_eq!(c.test_data.register_pool.len(), 60);
    }

    #[test]
    fn unknown_top_level_key_names_the_key() {
        let e = Config::from_yaml("timeout: 3\n").unwrap_err().to_string();
        assert!(e.contains("unknown field `timeout`"), "{e}");
    }

    #[test]
    fn unknown_nested_key_names_the_key() {
        let e = Config::from_yaml("jwt:\n  organisation: {}\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("organisation"), "{e}");
    }

    #[test]
    fn unknown_logical_name_is_rejected() {
        let e = Config::from_yaml("test_data:\n  patients:\n    patient99: '9690937278'\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("test_data.patients.patient99"), "{e}");
    }

    #[test]
    fn bad_values_name_their_key() {
        for (yaml, key) in [
            ("consumer_asid: abc\n", "consumer_asid"),
            ("timeout_secs: 0\n", "timeout_secs"),
            ("concurrency: 0\n", "concurrency"),
            (
                "service_roots:\n  foundations: 'fhir/'\n",
                "service_roots.foundations",
            ),
            (
                "test_data:\n  patients:\n    patient1: '12'\n",
                "test_data.patients.patient1",
            ),
        ] {
            let e = Config::from_yaml(yaml).unwrap_err().to_string();
            assert!(e.contains(key), "{yaml}: {e}");
        }
        let e = Config::from_yaml("timeout_secs: ten\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("timeout_secs"), "{e}");
    }

    #[test]
    fn capability_maps_overlay_their_defaults_and_refuse_unknown_capabilities() {
        let c = Config::from_yaml("service_roots:\n  structured: /X/STU3/1/s\n").unwrap();
        assert_eq!(c.service_roots.get(Capability::Structured), "/X/STU3/1/s");
        assert_eq!(
            c.service_roots.get(Capability::Html),
            ServiceRoots::default().get(Capability::Html)
        );
        let e = Config::from_yaml("service_roots:\n  send-document: /x\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("service_roots.send-document") && e.contains("foundations"),
            "{e}"
        );
        let e = Config::from_yaml("definitions:\n  structure: []\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("definitions.structure"), "{e}");
    }

    #[test]
    fn proxies_must_be_absolute_http_urls() {
        for (yaml, key) in [
            (
                "spine_proxy: proxy.int.spine2.ncrs.nhs.uk\n",
                "`spine_proxy`",
            ),
            ("spine_proxy: ftp://proxy.example\n", "`spine_proxy`"),
            (
                "http_proxy: http://user:secret@proxy:8080\n",
                "`http_proxy`",
            ),
            ("http_proxy: /proxy\n", "`http_proxy`"),
        ] {
            let e = Config::from_yaml(yaml).unwrap_err().to_string();
            assert!(e.contains(key) && !e.contains("secret"), "{yaml}: {e}");
        }
        let c = Config::from_yaml(
            "spine_proxy: https://proxy.int.spine2.ncrs.nhs.uk\nhttp_proxy: http://proxy.corp.example:8080\n",
        )
        .unwrap();
        assert_eq!(
            c.spine_proxy.as_deref(),
            Some("https://proxy.int.spine2.ncrs.nhs.uk")
        );
        assert_eq!(
            c.http_proxy.as_deref(),
            Some("http://proxy.corp.example:8080")
        );
    }

    #[test]
    fn overrides_merge_with_defaults() {
        let c = Config::from_yaml(
            "test_data:\n  patients:\n    patient1: '9000000009'\nconcurrency: 4\n",
        )
        .unwrap();
        assert_eq!(c.test_data.patient("patient1"), Some("9000000009"));
        assert_eq!(c.test_data.patient("patient2"), Some("9690937286"));
        assert_eq!(c.concurrency, 4);
    }
}
