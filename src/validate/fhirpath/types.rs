//! FHIR type knowledge: choice element names, type suffixes, primitive types and `is`/`ofType` tests.

use serde_json::Value;

use super::{Item, Node, PartialDateTime, PartialTime, Precision};

/// Names of STU3 choice elements (`value[x]`, `effective[x]`, ...), sorted.
pub(super) const CHOICE_NAMES: [&str; 58] = [
    "abatement",
    "additive",
    "age",
    "allowed",
    "answer",
    "asNeeded",
    "author",
    "binding",
    "born",
    "bounds",
    "code",
    "collected",
    "content",
    "deceased",
    "defaultValue",
    "definition",
    "detail",
    "diagnosis",
    "dose",
    "due",
    "effective",
    "entity",
    "eventTiming",
    "fixed",
    "initial",
    "item",
    "location",
    "maxValue",
    "medication",
    "minValue",
    "multipleBirth",
    "notDoneReason",
    "occurrence",
    "offset",
    "onBehalfOf",
    "onset",
    "p",
    "pattern",
    "performed",
    "probability",
    "procedure",
    "product",
    "rate",
    "reason",
    "scheduled",
    "serviced",
    "source",
    "start",
    "substance",
    "target",
    "time",
    "timing",
    "used",
    "value",
    "valueSet",
    "what",
    "when",
    "who",
];

/// Type names as they appear as choice suffixes (capitalised), sorted.
pub(super) const TYPE_SUFFIXES: [&str; 50] = [
    "Address",
    "Age",
    "Annotation",
    "Attachment",
    "Base64Binary",
    "Boolean",
    "Canonical",
    "Code",
    "CodeableConcept",
    "Coding",
    "ContactDetail",
    "ContactPoint",
    "Contributor",
    "Count",
    "DataRequirement",
    "Date",
    "DateTime",
    "Decimal",
    "Distance",
    "Dosage",
    "Duration",
    "HumanName",
    "Id",
    "Identifier",
    "Instant",
    "Integer",
    "Markdown",
    "Meta",
    "Money",
    "Oid",
    "ParameterDefinition",
    "Period",
    "PositiveInt",
    "Quantity",
    "Range",
    "Ratio",
    "Reference",
    "RelatedArtifact",
    "SampledData",
    "Signature",
    "String",
    "Time",
    "Timing",
    "TriggerDefinition",
    "UnsignedInt",
    "Uri",
    "Url",
    "UsageContext",
    "Uuid",
    "Xhtml",
];

/// FHIR primitive type names (plus FHIRPath system types in lower-first form).
const PRIMITIVES: [&str; 20] = [
    "base64Binary",
    "boolean",
    "canonical",
    "code",
    "date",
    "dateTime",
    "decimal",
    "id",
    "instant",
    "integer",
    "markdown",
    "oid",
    "positiveInt",
    "string",
    "time",
    "unsignedInt",
    "uri",
    "url",
    "uuid",
    "xhtml",
];

const STRING_LIKE: [&str; 11] = [
    "string",
    "code",
    "id",
    "markdown",
    "uri",
    "url",
    "canonical",
    "oid",
    "uuid",
    "base64Binary",
    "xhtml",
];

/// Splits `valueQuantity` into the choice suffix `Quantity` when `value` is a choice element name.
pub(super) fn choice_suffix(key: &str) -> Option<&str> {
    for (i, c) in key.char_indices().skip(1) {
        if c.is_ascii_uppercase()
            && CHOICE_NAMES.binary_search(&&key[..i]).is_ok()
            && TYPE_SUFFIXES.binary_search(&&key[i..]).is_ok()
        {
            return Some(&key[i..]);
        }
    }
    None
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Canonical type name: primitives (and System types) in lower-first form, others unchanged.
pub(super) fn canonical_type(name: &str) -> String {
    let lf = lower_first(name);
    if PRIMITIVES.contains(&lf.as_str()) {
        lf
    } else {
        name.to_string()
    }
}

fn base_type(t: &str) -> Option<&'static str> {
    Some(match t {
        "code" | "id" | "markdown" => "string",
        "oid" | "uuid" | "url" | "canonical" => "uri",
        "positiveInt" | "unsignedInt" => "integer",
        "Age" | "Count" | "Distance" | "Duration" | "Money" | "SimpleQuantity" => "Quantity",
        _ => return None,
    })
}

const NON_DOMAIN_RESOURCES: [&str; 3] = ["Bundle", "Parameters", "Binary"];

pub(super) fn node_is_type(n: &Node<'_>, want: &str) -> bool {
    if let Some(rt) = n.resource_type() {
        return rt == want
            || want == "Resource"
            || (want == "DomainResource" && !NON_DOMAIN_RESOURCES.contains(&rt));
    }
    if want == "Element" {
        return true;
    }
    if let Some(hint) = n.type_hint {
        let mut t = canonical_type(hint);
        loop {
            if t == want {
                return true;
            }
            match base_type(&t) {
                Some(b) => t = b.to_string(),
                None => return false,
            }
        }
    }
    match n.value {
        Some(Value::Bool(_)) => want == "boolean",
        Some(Value::Number(num)) => {
            if let Some(i) = num.as_i64() {
                match want {
                    "integer" | "decimal" => true,
                    "unsignedInt" => i >= 0,
                    "positiveInt" => i > 0,
                    _ => false,
                }
            } else {
                want == "decimal"
            }
        }
        Some(Value::String(s)) => match want {
            "date" => PartialDateTime::parse(s, false).is_some_and(|d| d.is_date()),
            "dateTime" => PartialDateTime::parse(s, false).is_some(),
            "instant" => PartialDateTime::parse(s, false)
                .is_some_and(|d| d.precision == Precision::Second && d.tz_offset_minutes.is_some()),
            "time" => PartialTime::parse(s).is_some(),
            other => STRING_LIKE.contains(&other),
        },
        _ => false,
    }
}

pub(super) fn item_is_type(item: &Item<'_>, want: &str) -> bool {
    match item {
        Item::Node(n) => node_is_type(n, want),
        Item::Boolean(_) => want == "boolean",
        Item::Integer(_) => want == "integer",
        Item::Decimal(_) => want == "decimal",
        Item::String(_) => want == "string",
        Item::Date(_) => want == "date",
        Item::DateTime(_) => want == "dateTime",
        Item::Time(_) => want == "time",
        Item::Quantity(_) => want == "Quantity",
    }
}
