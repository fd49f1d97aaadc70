//! Then steps on the banners and fixed texts of a care record section (0.7.4 layout guide, "Banners"; the
//! implementation guide's "Supported but hasn't been recorded" text; the Medications view's content banner).
//! A *part* is what a heading titles: the parent element of the `<h1>` (the whole view) or of an `<h2>` (its
//! subsection `<div>`); its banners are its child `<div>`s with the banner's class.

use cucumber::then;

use super::narrative::describe;
use super::record::{self, DIV};
use super::sections::{self, Part};
use super::xhtml::Element;
use super::{request, Step};
use crate::steps::world::GpcWorld;

const DATE_BANNER: &str = "date-banner";
const CONTENT_BANNER: &str = "content-banner";
const GP_TRANSFER_BANNER: &str = "gptransfer-banner";
/// The banner of a part that takes no date filter when the consumer applied one.
const NOT_APPLIED: &str = "Date filter not applied";

/// The element a heading titles, and the heading's place for messages.
fn part<'a>(
    root: &'a Element,
    heading: &str,
    level: Option<&str>,
) -> Result<(&'a Element, String), String> {
    let candidates: Vec<&Element> = root
        .descendants()
        .into_iter()
        .filter(|e| level.map_or(e.name == "h1" || e.name == "h2", |l| e.name == l))
        .collect();
    let h = candidates
        .iter()
        .find(|e| e.text() == heading)
        .ok_or_else(|| {
            let found: Vec<String> = candidates
                .iter()
                .map(|e| format!("<{}>{}", e.name, e.text()))
                .collect();
            format!(
                "{DIV} <{}>{heading}: expected the heading, got {found:?}",
                level.unwrap_or("h1|h2")
            )
        })?;
    let parent = root.parent_of(h).ok_or_else(|| {
        format!(
            "{DIV} <{}>{heading}: the heading has no parent element",
            h.name
        )
    })?;
    Ok((parent, format!("{DIV} <{}>{heading}", h.name)))
}

/// The part's banners of a class (its child `div`s carrying the class).
fn banners<'a>(part: &'a Element, class: &str) -> Vec<&'a Element> {
    part.elements()
        .filter(|e| e.name == "div" && e.has_class(class))
        .collect()
}

/// The texts of the part's banners of a class.
fn banner_texts(part: &Element, class: &str) -> Vec<String> {
    banners(part, class)
        .into_iter()
        .map(Element::text)
        .collect()
}

/// The parts of the requested section that apply the consumer's period.
fn filtered(w: &GpcWorld) -> Result<&'static [Part], String> {
    let code = request::requested_section(w)
        .ok_or_else(|| "the request asks for no section, so no date banner applies".to_string())?;
    let parts = sections::filtered_parts(&code);
    if parts.is_empty() {
        return Err(format!(
            "section {code} takes no date filter; its view has no date banner to check"
        ));
    }
    Ok(parts)
}

/// Every filtered part has a date banner whose text is one of `accepted`.
fn date_banners_say(w: &GpcWorld, accepted: &[String]) -> Step {
    let root = record::div(w)?;
    for p in filtered(w)? {
        let (el, at) = part(&root, p.heading, Some(p.level))?;
        let texts = banner_texts(el, DATE_BANNER);
        if !texts.iter().any(|t| accepted.contains(t)) {
            return Err(format!(
                "{at} div.{DATE_BANNER}: expected `{}`, got {}",
                accepted.join("` or `"),
                if texts.is_empty() {
                    "(absent)".to_string()
                } else {
                    format!("{texts:?}")
                }
            ));
        }
    }
    // "In the event of a consumer date range being applied to a section, subsections not supporting a date
    // filter MUST display" the not-applied banner.
    if request::has_parameter(w, "timePeriod") {
        let code = request::requested_section(w).unwrap_or_default();
        for p in sections::unfiltered_parts(&code) {
            let (el, at) = part(&root, p.heading, Some(p.level))?;
            let texts = banner_texts(el, DATE_BANNER);
            if !texts.iter().any(|t| t == NOT_APPLIED) {
                return Err(format!(
                    "{at} div.{DATE_BANNER}: expected `{NOT_APPLIED}`, got {}",
                    if texts.is_empty() {
                        "(absent)".to_string()
                    } else {
                        format!("{texts:?}")
                    }
                ));
            }
        }
    }
    Ok(())
}

#[then(expr = "the date banners of the section should say {string}")]
fn date_banners(w: &mut GpcWorld, text: String) -> Step {
    date_banners_say(w, &[text])
}

/// The layout guide writes the banner `Data items from [Start Date]`; the date is accepted with or without the
/// quotes the applied-range banner puts around its dates.
#[then(expr = "the date banners of the section should say the data items are from {string}")]
fn date_banners_from(w: &mut GpcWorld, date: String) -> Step {
    date_banners_say(
        w,
        &[
            format!("Data items from '{date}'"),
            format!("Data items from {date}"),
        ],
    )
}

#[then(expr = "the date banners of the section should say the data items are until {string}")]
fn date_banners_until(w: &mut GpcWorld, date: String) -> Step {
    date_banners_say(
        w,
        &[
            format!("Data items until '{date}'"),
            format!("Data items until {date}"),
        ],
    )
}

#[then(
    regex = r#"^the part headed "([^"]+)" should say that no '([^']+)' data is recorded for this patient$"#
)]
fn no_data(w: &mut GpcWorld, heading: String, name: String) -> Step {
    let root = record::div(w)?;
    let (el, at) = part(&root, &heading, None)?;
    let want = format!("No '{name}' data is recorded for this patient.");
    let texts: Vec<String> = el.find_all("p").into_iter().map(Element::text).collect();
    if texts.contains(&want) {
        Ok(())
    } else {
        Err(format!("{at} <p>: expected `{want}`, got {texts:?}"))
    }
}

#[then(expr = "the part headed {string} should have a date banner saying {string}")]
fn date_banner_saying(w: &mut GpcWorld, heading: String, text: String) -> Step {
    let root = record::div(w)?;
    let (el, at) = part(&root, &heading, None)?;
    let texts = banner_texts(el, DATE_BANNER);
    if texts.contains(&text) {
        Ok(())
    } else {
        Err(format!(
            "{at} div.{DATE_BANNER}: expected `{text}`, got {}",
            if texts.is_empty() {
                "(absent)".to_string()
            } else {
                format!("{texts:?}")
            }
        ))
    }
}

#[then(expr = "the part headed {string} should have a date banner")]
fn has_date_banner(w: &mut GpcWorld, heading: String) -> Step {
    let root = record::div(w)?;
    let (el, at) = part(&root, &heading, None)?;
    if banners(el, DATE_BANNER).is_empty() {
        Err(format!(
            "{at} div.{DATE_BANNER}: expected a date banner, got (absent)"
        ))
    } else {
        Ok(())
    }
}

#[then(expr = "the {word} parts headed {string} should have no date banner")]
fn no_date_banner(w: &mut GpcWorld, level: String, list: String) -> Step {
    let root = record::div(w)?;
    for heading in list.split(',').map(str::trim) {
        let (el, at) = part(&root, heading, Some(&level))?;
        if let Some(b) = banners(el, DATE_BANNER).first() {
            return Err(format!(
                "{at} div.{DATE_BANNER}: must not be populated (the view takes no date filter), got `{}`",
                b.text()
            ));
        }
    }
    Ok(())
}

/// "Patient record transfer from previous GP practice not yet complete; information recorded before
/// dd-Mmm-yyyy may be missing", with a real date.
#[then(
    expr = "the part headed {string} should have the GP transfer banner with the date the patient registered"
)]
fn gp_transfer(w: &mut GpcWorld, heading: String) -> Step {
    let root = record::div(w)?;
    let (el, at) = part(&root, &heading, Some("h1"))?;
    let texts = banner_texts(el, GP_TRANSFER_BANNER);
    let prefix = "Patient record transfer from previous GP practice not yet complete; information recorded before ";
    let suffix = " may be missing";
    let ok = texts.iter().any(|t| {
        t.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(suffix))
            .is_some_and(|d| {
                chrono::NaiveDate::parse_from_str(d, "%d-%b-%Y").is_ok() && d.len() == 11
            })
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{at} div.{GP_TRANSFER_BANNER}: expected `{prefix}dd-Mmm-yyyy{suffix}`, got {}",
            if texts.is_empty() {
                "(absent)".to_string()
            } else {
                format!("{texts:?}")
            }
        ))
    }
}

#[then(expr = "the part headed {string} should have a content banner saying {string}")]
fn content_banner(w: &mut GpcWorld, heading: String, text: String) -> Step {
    let root = record::div(w)?;
    let (el, at) = part(&root, &heading, None)?;
    let all: Vec<&Element> = banners(el, CONTENT_BANNER);
    let hit = all
        .iter()
        .any(|b| b.find_all("p").iter().any(|p| p.text() == text) || b.text() == text);
    if hit {
        Ok(())
    } else {
        let got: Vec<String> = all
            .iter()
            .map(|b| format!("{}: {}", describe(b), b.text()))
            .collect();
        Err(format!(
            "{at} div.{CONTENT_BANNER}: expected `{text}`, got {}",
            if got.is_empty() {
                "(absent)".to_string()
            } else {
                format!("{got:?}")
            }
        ))
    }
}
