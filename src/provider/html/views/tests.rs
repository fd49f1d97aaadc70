use chrono::NaiveDate;

use super::super::dates::Period;
use super::super::patients::FULL;
use super::super::record::{build, Part as RecordPart};
use super::super::render::{render, Row, Style};
use super::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, 15).unwrap_or_default()
}

fn ctx(period: Option<Period>) -> Context {
    Context {
        filter: period.map_or(Filter::None, Filter::Consumer),
        today: today(),
        transfer: None,
        grouping_wrong: false,
        no_discontinued_banner: false,
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

fn html(section: Section, parts: &[RecordPart], period: Option<Period>) -> String {
    render(
        &view(section, &build(parts, today()), &ctx(period)),
        Style::default(),
    )
}

fn table_ids(html: &str) -> Vec<&str> {
    html.split("<table id=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect()
}

#[test]
fn every_table_of_the_full_record_has_its_id_in_order() {
    let cases: &[(Section, &[&str])] = &[
        (Section::Adm, &["adm-tab"]),
        (Section::All, &["all-tab-curr", "all-tab-hist"]),
        (Section::Cli, &["cli-tab"]),
        (Section::Enc, &["enc-tab"]),
        (Section::Imm, &["imm-tab"]),
        (
            Section::Med,
            &[
                "med-tab-acu-med",
                "med-tab-curr-rep",
                "med-tab-dis-rep",
                "med-tab-all-sum",
                "med-tab-all-iss",
            ],
        ),
        (Section::Obs, &["obs-tab"]),
        (
            Section::Prb,
            &["prb-tab-act", "prb-tab-majinact", "prb-tab-othinact"],
        ),
        (Section::Ref, &["ref-tab"]),
        (
            Section::Sum,
            &[
                "cli-tab",
                "enc-tab",
                "prb-tab-act",
                "prb-tab-majinact",
                "all-tab-curr",
                "med-tab-acu-med",
                "med-tab-curr-rep",
            ],
        ),
    ];
    for (section, ids) in cases {
        let h = html(*section, FULL, None);
        assert_eq!(table_ids(&h), *ids, "{section:?}");
        assert!(h.starts_with(&format!(
            "<div xmlns=\"{}\"><h1>{}</h1>",
            super::super::render::XHTML_NS,
            section.title()
        )));
        assert!(!h.contains('\n') && !h.contains('\t'));
    }
}

#[test]
fn an_empty_record_says_no_data_under_every_heading() {
    let h = html(Section::Sum, &[], None);
    for heading in [
        "Last 3 Encounters",
        "Active Problems and Issues",
        "Current Repeat Medication",
    ] {
        assert!(h.contains(&format!("<h2>{heading}</h2><div><p>No '{heading}' data is recorded for this patient.</p></div>")), "{h}");
    }
    let h = html(Section::Adm, &[], None);
    assert!(h.contains("<p>No 'Administrative Items' data is recorded for this patient.</p>"));
    assert!(h.contains("<div class=\"date-banner\"><p>All relevant items</p></div>"));
}

#[test]
fn a_period_filters_and_is_stated() {
    let before = Period {
        start: Some(d(2014, 5, 3)),
        end: Some(d(2015, 4, 30)),
    };
    let h = html(Section::Adm, FULL, Some(before));
    assert!(h.contains("<p>For the period '03-May-2014' to '30-Apr-2015'</p>"));
    assert!(h.contains("No 'Administrative Items' data is recorded"));
    let h = html(
        Section::Med,
        FULL,
        Some(Period {
            start: Some(d(2018, 4, 20)),
            end: Some(d(2018, 4, 30)),
        }),
    );
    assert_eq!(
        h.matches("<div class=\"date-banner\"><p>Date filter not applied</p></div>")
            .count(),
        3
    );
    let all_medication = h
        .split("<h2>All Medication</h2>")
        .nth(1)
        .unwrap_or_default();
    assert!(
        all_medication.contains("Salbutamol"),
        "a current repeat is ongoing, so it overlaps any later period"
    );
    assert!(!all_medication.contains("Ibuprofen") && !all_medication.contains("Atenolol"));
    let h = html(
        Section::Prb,
        FULL,
        Some(Period {
            start: None,
            end: Some(d(2016, 12, 31)),
        }),
    );
    assert!(h.contains("<p>Data items until '31-Dec-2016'</p>"));
    assert!(h.contains("<h2>Active Problems and Issues</h2><div class=\"date-banner\"><p>Date filter not applied</p></div>"));
}

#[test]
fn sections_without_a_filter_have_no_date_banner() {
    for section in [Section::All, Section::Imm, Section::Sum] {
        assert!(
            !html(section, FULL, None).contains("date-banner"),
            "{section:?}"
        );
    }
    let h = html(Section::Med, FULL, None);
    assert_eq!(
        h.matches("date-banner").count(),
        2,
        "only All Medication and All Medication Issues"
    );
    assert!(h.contains("<div class=\"content-banner\"><p>All repeat medication ended by a clinician action</p></div>"));
}

#[test]
fn all_medication_summarises_the_issues() {
    let record = build(FULL, today());
    let parts = medications::parts(&record, &ctx(None));
    let cells = |i: usize| -> Vec<Vec<String>> {
        parts[i]
            .table
            .rows
            .iter()
            .filter_map(|r| match r {
                Row::Cells(c) => Some(c.clone()),
                Row::Group(_) => None,
            })
            .collect()
    };
    let (summary, issues) = (cells(3), cells(4));
    assert!(issues.len() >= 4);
    for row in &summary {
        let mine: Vec<&Vec<String>> = issues.iter().filter(|i| i[2] == row[2]).collect();
        assert_eq!(row[6], mine.len().to_string(), "issue count of {}", row[2]);
        assert_eq!(
            Some(&row[5]),
            mine.first().map(|i| &i[1]),
            "last issued of {}",
            row[2]
        );
        assert_eq!(
            Some(&row[1]),
            mine.last().map(|i| &i[1]),
            "first issued of {}",
            row[2]
        );
        assert!(mine
            .iter()
            .all(|i| i[0] == row[0] && i[3] == row[3] && i[4] == row[4] && i[6] == row[8]));
    }
    assert!(summary
        .iter()
        .any(|r| r[6].parse::<usize>().unwrap_or(0) >= 2));
    let items: Vec<&String> = summary.iter().map(|r| &r[2]).collect();
    let mut sorted = items.clone();
    sorted.sort();
    assert_eq!(items, sorted, "grouped alphabetically");
}

#[test]
fn the_recent_acute_follows_the_clock() {
    let h = html(
        Section::Med,
        &[RecordPart::RecentAcute, RecordPart::PastAcute],
        None,
    );
    assert!(h.contains("<td class=\"date-column\">24-Feb-2024</td><td>Amoxicillin"));
    let acute = h
        .split("<h2>Current Repeat Medication</h2>")
        .next()
        .unwrap_or_default();
    assert!(
        !acute.contains("Ibuprofen"),
        "a 2015 acute is not in the last 12 months"
    );
}

#[test]
fn a_confidential_item_raises_the_exclusion_banner() {
    let h = html(
        Section::Enc,
        &[RecordPart::Encounters, RecordPart::ConfidentialEncounter],
        None,
    );
    assert!(h.contains("<div class=\"exclusion-banner\"><p>Items excluded due to confidentiality and/or patient preferences</p></div>"));
    assert!(!h.contains("Confidential consultation"));
}

#[test]
fn the_transfer_banner_sits_under_the_title() {
    let mut c = ctx(None);
    c.transfer = Some(d(2015, 5, 1));
    let h = render(
        &view(Section::Imm, &build(FULL, today()), &c),
        Style::default(),
    );
    assert!(h.contains("<h1>Immunisations</h1><div class=\"gptransfer-banner\"><p>Patient record transfer from previous GP practice not yet complete; information recorded before 01-May-2015 may be missing</p></div>"));
}

#[test]
fn a_default_time_frame_filters_the_consumer_supplied_parts_only() {
    let mut c = ctx(None);
    c.filter = Filter::DefaultFrom(d(2015, 9, 1));
    let enc = render(
        &view(Section::Enc, &build(FULL, today()), &c),
        Style::default(),
    );
    assert!(enc.contains("<div class=\"date-banner\"><p>All data items from 01-Sep-2015</p></div>"));
    let all = html(Section::Enc, FULL, None);
    let dated = |h: &str| h.matches("<td class=\"date-column\">").count();
    assert!(
        dated(&enc) < dated(&all),
        "items before the frame are left out"
    );
    for cell in enc.split("<td class=\"date-column\">").skip(1) {
        let text = cell.split('<').next().unwrap_or_default();
        let date = NaiveDate::parse_from_str(text, "%d-%b-%Y").unwrap_or_default();
        assert!(date >= d(2015, 9, 1), "{text} is before the frame");
    }
    // The parts whose time frame is 'All' keep every item and say the filter is not applied.
    let prb = render(
        &view(Section::Prb, &build(FULL, today()), &c),
        Style::default(),
    );
    assert!(prb.contains("<h2>Active Problems and Issues</h2><div class=\"date-banner\"><p>Date filter not applied</p></div>"));
    assert!(prb.contains("<h2>Major Inactive Problems and Issues</h2><div class=\"date-banner\"><p>All data items from 01-Sep-2015</p></div>"));
}
