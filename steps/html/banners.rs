//! Then steps on the banners and fixed texts of a care record section (0.7.4 layout guide, "Banners"; the
//! implementation guide's "Supported but hasn't been recorded" text; the Medications view's content banner).
//! A *part* is what a heading titles: the parent element of the `<h1>` (the whole view) or of an `<h2>` (its
//! subsection `<div>`); its banners are its child `<div>`s with the banner's class.

use chrono::{Datelike, Duration, NaiveDate};
use cucumber::then;

use super::narrative::describe;
use super::record::{self, DIV};
use super::sections::{self, Part};
use super::xhtml::Element;
use super::{request, Step};
use crate::provider::html::section::Section;
use crate::steps::uk_time;
use crate::steps::world::GpcWorld;

const DATE_BANNER: &str = "date-banner";
const CONTENT_BANNER: &str = "content-banner";
const GP_TRANSFER_BANNER: &str = "gptransfer-banner";
/// The banner of a part that takes no date filter when the consumer applied one.
const NOT_APPLIED: &str = "Date filter not applied";
/// The banner of a filtered part without a period or a default time frame.
const ALL_RELEVANT: &str = "All relevant items";

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
    // filter MUST display" the not-applied banner; so must the parts whose time frame is 'All' when a default
    // time frame is applied ("Per section default time frames").
    if request::has_parameter(w, "timePeriod") || default_frame(w)?.is_some() {
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

/// The months of the default time frame the provider applies to the requested section: the one the config
/// declares (`html.default_time_frames`), when the consumer sent no period.
fn default_frame(w: &GpcWorld) -> Result<Option<u32>, String> {
    if request::has_parameter(w, "timePeriod") {
        return Ok(None);
    }
    let code = request::requested_section(w).unwrap_or_default();
    Ok(Section::from_code(&code).and_then(|s| w.ctx.config.html.default_time_frames.months(s)))
}

/// The first day of a default time frame of `months` on `today`: the same day `months` earlier, or the last
/// day of that month when it is shorter (31 May less 3 months is 28 or 29 February). Computed here, not with the
/// provider's code, so that a date bug of one does not hide in the other.
fn months_before(today: NaiveDate, months: u32) -> Option<NaiveDate> {
    let total = today.year() * 12 + today.month0() as i32 - i32::try_from(months).ok()?;
    let (year, month) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    (1..=today.day())
        .rev()
        .find_map(|day| NaiveDate::from_ymd_opt(year, month, day))
}

/// The first days the default time frame may start on: by the UK date of the run's clock now, and of five
/// minutes ago (a request made just before midnight was answered on the day before).
fn frame_starts(w: &GpcWorld, months: u32) -> Result<Vec<NaiveDate>, String> {
    let now = w.ctx.clock.now();
    let mut starts: Vec<NaiveDate> = [now, now - Duration::minutes(5)]
        .into_iter()
        .filter_map(|at| months_before(uk_time::date_at(at), months))
        .collect();
    starts.dedup();
    if starts.is_empty() {
        return Err(format!(
            "a default time frame of {months} months cannot start before today's date"
        ));
    }
    Ok(starts)
}

/// Without a period, the date banners state the provider's default time frame for the section, "All data
/// items from [SysDate – DefaultDatePeriod]", and the single-table views show no item before it; where no
/// default time frame is configured (the default: "the default is for ALL items to be provided"), they say
/// "All relevant items".
#[then("the date banners of the section should state the provider's default time frame")]
fn default_frame_banners(w: &mut GpcWorld) -> Step {
    let Some(months) = default_frame(w)? else {
        return date_banners_say(w, &[ALL_RELEVANT.to_string()]);
    };
    let starts = frame_starts(w, months)?;
    let accepted: Vec<String> = starts
        .iter()
        .flat_map(|d| {
            let d = d.format("%d-%b-%Y");
            [
                format!("All data items from {d}"),
                format!("All data items from '{d}'"),
            ]
        })
        .collect();
    date_banners_say(w, &accepted)?;
    let earliest = starts.iter().min().copied().unwrap_or_default();
    let root = record::div(w)?;
    for p in filtered(w)?.iter().filter(|p| p.level == "h1") {
        let (el, at) = part(&root, p.heading, Some(p.level))?;
        for (r, row) in el.find_all("tr").into_iter().enumerate() {
            let first_date = row
                .elements()
                .filter(|c| c.name == "td" && c.has_class("date-column"))
                .find_map(|c| NaiveDate::parse_from_str(&c.text(), "%d-%b-%Y").ok());
            if let Some(date) = first_date.filter(|d| *d < earliest) {
                return Err(format!(
                    "{at} tr[{}]: expected no item before {} (the section's default time frame of {months} months), got one of {}",
                    r + 1,
                    earliest.format("%d-%b-%Y"),
                    date.format("%d-%b-%Y")
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

#[cfg(test)]
mod tests {
    use super::months_before;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn a_frame_of_months_ends_on_the_same_day_or_the_month_end() {
        assert_eq!(months_before(d(2026, 12, 1), 12), Some(d(2025, 12, 1)));
        assert_eq!(months_before(d(2026, 1, 15), 1), Some(d(2025, 12, 15)));
        assert_eq!(months_before(d(2016, 8, 31), 6), Some(d(2016, 2, 29)));
        assert_eq!(months_before(d(2017, 8, 31), 6), Some(d(2017, 2, 28)));
        assert_eq!(months_before(d(2026, 3, 31), 1200), Some(d(1926, 3, 31)));
    }
}
