//! Then steps on the care record Bundle and its Composition (0.7.4 "Retrieve a care record section",
//! "Payload response body"; 0.7.2 `gpconnect-carerecord-composition-1`): the section asked for, the entries,
//! profiles and versions, the Composition's fixed codings and its references into the Bundle.

use cucumber::then;
use serde_json::Value;

use super::record::{self, expect_reference};
use super::{profiles, Step};
use crate::spine::headers::{dstu2, profile};
use crate::steps::world::GpcWorld;

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("(absent)")
}

fn expect(at: &str, expected: &str, actual: &str) -> Step {
    if expected == actual {
        Ok(())
    } else {
        Err(format!("{at}: expected `{expected}`, got `{actual}`"))
    }
}

/// The Composition holds one section, coded with the section asked for.
#[then(expr = "the care record section should be {string}")]
fn section_is(w: &mut GpcWorld, code: String) -> Step {
    let s = record::section(w)?;
    expect(
        "Composition.section[0].code.coding[0].system",
        dstu2::RECORD_SECTION,
        str_at(&s, "/code/coding/0/system"),
    )?;
    expect(
        "Composition.section[0].code.coding[0].code",
        &code,
        str_at(&s, "/code/coding/0/code"),
    )
}

#[then(expr = "the Bundle should hold exactly one {string}")]
fn exactly_one(w: &mut GpcWorld, resource_type: String) -> Step {
    record::single(w, &resource_type).map(|_| ())
}

#[then("the Composition should be the first entry of the Bundle")]
fn composition_first(w: &mut GpcWorld) -> Step {
    let entries = record::entries(w)?;
    let first = entries
        .first()
        .and_then(|(_, r)| r.get("resourceType"))
        .and_then(Value::as_str)
        .unwrap_or("(no entry)");
    expect(
        "Bundle.entry[0].resource.resourceType",
        "Composition",
        first,
    )
}

#[then("the Composition should carry its profile")]
fn composition_profile(w: &mut GpcWorld) -> Step {
    let c = record::composition(w)?;
    let ps: Vec<&str> = c
        .pointer("/meta/profile")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if ps == [profile::DSTU2_CARE_RECORD_COMPOSITION] {
        Ok(())
    } else {
        Err(format!(
            "Composition.meta.profile: expected [{}], got {ps:?}",
            profile::DSTU2_CARE_RECORD_COMPOSITION
        ))
    }
}

#[then("every Patient, Organization, Practitioner, Device and Location should carry its one profile and a version")]
fn resources_profiles(w: &mut GpcWorld) -> Step {
    let kinds = [
        ("Patient", profile::DSTU2_PATIENT),
        ("Organization", profile::DSTU2_ORGANIZATION),
        ("Practitioner", profile::DSTU2_PRACTITIONER),
        ("Device", profile::DSTU2_DEVICE),
        ("Location", profile::DSTU2_LOCATION),
    ];
    for (kind, url) in kinds {
        for (at, r) in record::of_type(w, kind)? {
            let ps: Vec<&str> = r
                .pointer("/meta/profile")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if ps != [url] {
                return Err(format!("{at}.meta.profile: expected [{url}], got {ps:?}"));
            }
            if r.pointer("/meta/versionId")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(format!(
                    "{at}.meta.versionId: expected a version, got (absent)"
                ));
            }
        }
    }
    Ok(())
}

/// A CodeableConcept against the profile's fixed coding at `element` (`Composition.type`): at most one coding,
/// with the fixed system, code and display, and the fixed text when text is given.
fn fixed_concept(w: &GpcWorld, concept: &Value, element: &str, required: bool) -> Step {
    let url = profile::DSTU2_CARE_RECORD_COMPOSITION;
    let path = |p: &str| format!("{element}.{p}");
    if concept.is_null() {
        return if required {
            Err(format!(
                "{element}: expected the profile's fixed coding, got (absent)"
            ))
        } else {
            Ok(())
        };
    }
    let codings = concept
        .get("coding")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if codings.len() > 1 {
        return Err(format!(
            "{element}.coding: expected at most one coding, got {}",
            codings.len()
        ));
    }
    for c in &codings {
        for part in ["system", "code", "display"] {
            let want = profiles::fixed(w, url, &path(&format!("coding.{part}")))?;
            expect(
                &path(&format!("coding[0].{part}")),
                &want,
                c.get(part).and_then(Value::as_str).unwrap_or("(absent)"),
            )?;
        }
    }
    if let Some(text) = concept.get("text").and_then(Value::as_str) {
        let want = profiles::fixed(w, url, &path("text"))?;
        expect(&path("text"), &want, text)?;
    }
    Ok(())
}

#[then("the Composition type should be the profile's fixed coding")]
fn composition_type(w: &mut GpcWorld) -> Step {
    let c = record::composition(w)?;
    fixed_concept(
        w,
        c.get("type").unwrap_or(&Value::Null),
        "Composition.type",
        true,
    )
}

#[then("the Composition class, if present, should be the profile's fixed coding")]
fn composition_class(w: &mut GpcWorld) -> Step {
    let c = record::composition(w)?;
    fixed_concept(
        w,
        c.get("class").unwrap_or(&Value::Null),
        "Composition.class",
        false,
    )
}

#[then(expr = "the Composition element {string} should reference a {string} in the Bundle")]
fn composition_reference(w: &mut GpcWorld, element: String, target: String) -> Step {
    let c = record::composition(w)?;
    let pointer = format!("/{}", element.replace(['.', '['], "/").replace(']', ""));
    let reference = c.pointer(&pointer).and_then(Value::as_str).ok_or_else(|| {
        format!("Composition.{element}: expected a reference to a {target}, got (absent)")
    })?;
    expect_reference(w, &format!("Composition.{element}"), reference, &target)
}

#[then(
    expr = "the Composition custodian, if it has a reference, should reference an {string} in the Bundle"
)]
fn custodian(w: &mut GpcWorld, target: String) -> Step {
    let c = record::composition(w)?;
    match c.pointer("/custodian/reference").and_then(Value::as_str) {
        Some(r) => expect_reference(w, "Composition.custodian.reference", r, &target),
        None => Ok(()),
    }
}

#[then(expr = "the Composition should carry a date, the title {string} and the status {string}")]
fn composition_fixed(w: &mut GpcWorld, title: String, status: String) -> Step {
    let c = record::composition(w)?;
    if c.get("date")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(
            "Composition.date: expected the date the Composition was made, got (absent)".into(),
        );
    }
    let url = profile::DSTU2_CARE_RECORD_COMPOSITION;
    for (element, given) in [("title", &title), ("status", &status)] {
        let fixed = profiles::fixed(w, url, &format!("Composition.{element}"))?;
        if fixed != *given {
            return Err(format!(
                "the step's {element} `{given}` is not the profile's fixed value `{fixed}`"
            ));
        }
        expect(
            &format!("Composition.{element}"),
            given,
            c.get(element).and_then(Value::as_str).unwrap_or("(absent)"),
        )?;
    }
    Ok(())
}

#[then(expr = "the Composition section should have the title {string}")]
fn section_title(w: &mut GpcWorld, title: String) -> Step {
    let s = record::section(w)?;
    expect("Composition.section[0].title", &title, str_at(&s, "/title"))
}

/// The section code against the profile's slice for that code: fixed system, code and (where fixed) display,
/// and a text.
#[then(
    expr = "the Composition section code should be the profile's coding for {string} with a text"
)]
fn section_code(w: &mut GpcWorld, code: String) -> Step {
    let slices = profiles::section_codings(w, profile::DSTU2_CARE_RECORD_COMPOSITION)?;
    let (system, display) = slices
        .get(&code)
        .cloned()
        .ok_or_else(|| format!("the Composition profile has no section slice for `{code}`"))?;
    let s = record::section(w)?;
    let at = "Composition.section[0].code.coding[0]";
    let codings = s
        .pointer("/code/coding")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if codings != 1 {
        return Err(format!(
            "Composition.section[0].code.coding: expected exactly one coding, got {codings}"
        ));
    }
    expect(
        &format!("{at}.system"),
        system.as_deref().unwrap_or(dstu2::RECORD_SECTION),
        str_at(&s, "/code/coding/0/system"),
    )?;
    expect(
        &format!("{at}.code"),
        &code,
        str_at(&s, "/code/coding/0/code"),
    )?;
    match display {
        Some(d) => expect(
            &format!("{at}.display"),
            &d,
            str_at(&s, "/code/coding/0/display"),
        )?,
        None if s.pointer("/code/coding/0/display").is_none() => {
            return Err(format!("{at}.display: expected a display, got (absent)"))
        }
        None => {}
    }
    if s.pointer("/code/text")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err("Composition.section[0].code.text: expected a text, got (absent)".into());
    }
    Ok(())
}

#[then("the Composition section should have a narrative status and a div")]
fn section_text(w: &mut GpcWorld) -> Step {
    let s = record::section(w)?;
    if s.pointer("/text/status").and_then(Value::as_str).is_none() {
        return Err(
            "Composition.section[0].text.status: expected a narrative status, got (absent)".into(),
        );
    }
    record::div_text(w).map(|_| ())
}
