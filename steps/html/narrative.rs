//! Then steps on the XHTML of a care record section as a whole: well-formed XML without HTML entities, the
//! FHIR narrative's element and attribute whitelist, no event attributes or disallowed elements, no
//! platform-specific formatting characters (0.7.4 implementation guide, "XHTML narrative"), the section title
//! in `<h1>` and the subsection titles in `<h2>` (layout guide), and the fragment that says a section cannot
//! be supplied.

use cucumber::then;

use super::record::{self, DIV};
use super::xhtml::Element;
use super::Step;
use crate::steps::world::GpcWorld;
use crate::validate::narrative::{ATTRIBUTES, ELEMENTS};

/// A readable place for an element: `div > table#med-tab-acu-med > tbody > tr[2]`-like, by its name and id.
pub fn describe(e: &Element) -> String {
    match e.attr("id") {
        Some(id) => format!("{}#{id}", e.name),
        None => e.name.clone(),
    }
}

#[then("the care record section's XHTML should be well-formed")]
fn well_formed(w: &mut GpcWorld) -> Step {
    record::div(w).map(|_| ())
}

#[then(expr = "the care record section's XHTML should hold no {string} element")]
fn no_element(w: &mut GpcWorld, name: String) -> Step {
    let root = record::div(w)?;
    let found = root.find_all(&name).len() + usize::from(root.name == name);
    if found == 0 {
        Ok(())
    } else {
        Err(format!(
            "{DIV} <{name}>: must not be populated, got {found} of them"
        ))
    }
}

#[then("the care record section's XHTML should hold only the elements and attributes the FHIR narrative allows")]
fn whitelist(w: &mut GpcWorld) -> Step {
    let root = record::div(w)?;
    let mut all = vec![&root];
    all.extend(root.descendants());
    for e in all {
        if !ELEMENTS.contains(&e.name.as_str()) {
            return Err(format!(
                "{DIV} <{}>: expected only the FHIR narrative's elements, got <{}>",
                e.name, e.name
            ));
        }
        for (a, _) in &e.attrs {
            if !ATTRIBUTES.contains(&a.as_str()) && a != "xmlns" && !a.starts_with("xmlns:") {
                return Err(format!(
                    "{DIV} {} @{a}: expected only the FHIR narrative's attributes, got `{a}`",
                    describe(e)
                ));
            }
        }
    }
    Ok(())
}

#[then("the care record section's XHTML should hold no event attribute")]
fn no_event_attribute(w: &mut GpcWorld) -> Step {
    let root = record::div(w)?;
    let mut all = vec![&root];
    all.extend(root.descendants());
    for e in all {
        if let Some((a, v)) = e
            .attrs
            .iter()
            .find(|(a, _)| a.to_ascii_lowercase().starts_with("on"))
        {
            return Err(format!(
                "{DIV} {} @{a}: must not be populated, got `{v}`",
                describe(e)
            ));
        }
    }
    Ok(())
}

#[then(regex = r"^the care record section's XHTML should hold no (newline|carriage return|tab)$")]
fn no_formatting(w: &mut GpcWorld, what: String) -> Step {
    let (c, shown) = match what.as_str() {
        "newline" => ('\n', "\\n"),
        "carriage return" => ('\r', "\\r"),
        _ => ('\t', "\\t"),
    };
    let text = record::div_text(w)?;
    match text.find(c) {
        None => Ok(()),
        Some(i) => {
            let from = text[..i].char_indices().rev().nth(30).map_or(0, |(j, _)| j);
            Err(format!(
                "{DIV}: must not be populated with `{shown}`, got one at byte {i} after `{}`",
                &text[from..i]
            ))
        }
    }
}

/// The headings of a level (`h1`, `h2`) in document order, with their text.
pub fn headings(root: &Element, level: &str) -> Vec<String> {
    root.find_all(level)
        .into_iter()
        .map(Element::text)
        .collect()
}

#[then(expr = "the care record section's XHTML should have the h1 heading {string}")]
fn h1_heading(w: &mut GpcWorld, heading: String) -> Step {
    let root = record::div(w)?;
    let found = headings(&root, "h1");
    if found.contains(&heading) {
        Ok(())
    } else {
        Err(format!("{DIV} <h1>: expected `{heading}`, got {found:?}"))
    }
}

/// Every heading of the list is an `<h2>`, in the list's order.
#[then(expr = "the care record section's XHTML should have the h2 headings {string}")]
fn h2_headings(w: &mut GpcWorld, list: String) -> Step {
    let root = record::div(w)?;
    let found = headings(&root, "h2");
    let mut from = 0;
    for want in list.split(',').map(str::trim) {
        match found[from..].iter().position(|h| h == want) {
            Some(i) => from += i + 1,
            None => {
                return Err(format!(
                    "{DIV} <h2>: expected `{want}` (subsections in the order {list}), got {found:?}"
                ))
            }
        }
    }
    Ok(())
}

/// The section holds the implementation guide's text for a section that cannot be supplied: "This system does
/// not support retrieval of '[section]' data." or "'[section]' data is not supported by this system.".
#[then(regex = r"^the care record section should say that its '([^']+)' data cannot be supplied$")]
fn cannot_be_supplied(w: &mut GpcWorld, name: String) -> Step {
    let root = record::div(w)?;
    let texts: Vec<String> = root.find_all("p").into_iter().map(Element::text).collect();
    let forms = [
        format!("This system does not support retrieval of '{name}' data."),
        format!("'{name}' data is not supported by this system."),
    ];
    if texts.iter().any(|t| forms.contains(t)) {
        Ok(())
    } else {
        Err(format!(
            "{DIV} <p>: expected `{}` or `{}`, got {texts:?}",
            forms[0], forms[1]
        ))
    }
}
