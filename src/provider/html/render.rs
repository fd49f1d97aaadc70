//! The XHTML of a care record section, built to the 0.7.4 layout guide (section title, GP transfer banner,
//! content banner, date banner, exclusion banner, table; subsections in their own `div` under an `h2`) and to
//! the FHIR narrative rules: only whitelisted elements, no event attributes, no entities, no formatting
//! whitespace, the outer `div` in the XHTML namespace.

use chrono::NaiveDate;

use super::dates;

/// The XHTML namespace of every narrative `div`.
pub const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// The exclusion banner's text (layout guide, "Section exclusion banner").
pub const EXCLUSION_TEXT: &str = "Items excluded due to confidentiality and/or patient preferences";

/// How the narrative is written: the correct layout, or one broken by the provider's faults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    pub swap_first_columns: bool,
    pub no_table_ids: bool,
    pub no_date_class: bool,
    pub no_empty_text: bool,
    pub no_subsection_headers: bool,
    pub no_date_banners: bool,
    /// Parts that take no date filter get an "All relevant items" date banner as well.
    pub date_banner_everywhere: bool,
    pub no_transfer_banner: bool,
    pub whitespace: bool,
    pub disallowed_tag: bool,
    pub script: bool,
    pub event_attribute: bool,
    pub entity: bool,
}

/// A table column: its header and whether it holds `dd-Mmm-yyyy` dates (`class="date-column"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub date: bool,
}

pub const fn col(name: &'static str) -> Column {
    Column { name, date: false }
}

pub const fn date_col(name: &'static str) -> Column {
    Column { name, date: true }
}

/// A table row: data cells in column order, or a medication group title spanning the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Cells(Vec<String>),
    Group(String),
}

/// A cell of a date column.
pub fn date_cell(date: Option<NaiveDate>) -> String {
    date.map(dates::display).unwrap_or_default()
}

/// A table with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub id: &'static str,
    pub columns: &'static [Column],
    pub rows: Vec<Row>,
}

/// One table with its header and banners: the whole of a single-table view, or a subsection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The subsection title (`h2`); `None` in a single-table view, whose title is the section's `h1`.
    pub heading: Option<&'static str>,
    /// The name in the "No '...' data is recorded" text.
    pub name: &'static str,
    pub content_banners: Vec<&'static str>,
    pub date_banner: Option<String>,
    /// Whether items were withheld (exclusion banner).
    pub excluded: bool,
    pub table: Table,
}

/// A whole section view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub title: &'static str,
    /// The date the patient registered, when the record from the previous practice has not arrived.
    pub transfer: Option<NaiveDate>,
    /// A view with one part is a single-table view (its banners and table sit under the `h1`).
    pub parts: Vec<Part>,
    /// Paragraphs shown instead of parts (a section without a view).
    pub paragraphs: Vec<String>,
}

/// Escapes text for XHTML: the XML predefined entities only.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

struct Writer {
    out: String,
    style: Style,
}

impl Writer {
    fn open(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        if self.style.whitespace && !self.out.is_empty() {
            self.out.push_str("\n\t");
        }
        self.out.push('<');
        self.out.push_str(tag);
        for (k, v) in attrs {
            self.out.push_str(&format!(" {k}=\"{}\"", escape(v)));
        }
        self.out.push('>');
    }

    fn close(&mut self, tag: &str) {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    fn element(&mut self, tag: &str, attrs: &[(&str, &str)], text: &str) {
        self.open(tag, attrs);
        self.out.push_str(&escape(text));
        self.close(tag);
    }

    fn banner(&mut self, class: &str, text: &str) {
        self.open("div", &[("class", class)]);
        self.element("p", &[], text);
        self.close("div");
    }

    fn part(&mut self, part: &Part) {
        if let (Some(h), false) = (part.heading, self.style.no_subsection_headers) {
            self.element("h2", &[], h);
        }
        for text in &part.content_banners {
            self.banner("content-banner", text);
        }
        if let (Some(text), false) = (&part.date_banner, self.style.no_date_banners) {
            self.banner("date-banner", text);
        } else if part.date_banner.is_none() && self.style.date_banner_everywhere {
            self.banner("date-banner", "All relevant items");
        }
        if part.excluded {
            self.banner("exclusion-banner", EXCLUSION_TEXT);
        }
        let data_rows = part.table.rows.iter().any(|r| matches!(r, Row::Cells(_)));
        if data_rows {
            self.table(&part.table);
        } else if !self.style.no_empty_text {
            self.open("div", &[]);
            self.element(
                "p",
                &[],
                &format!("No '{}' data is recorded for this patient.", part.name),
            );
            self.close("div");
        }
    }

    fn table(&mut self, table: &Table) {
        let mut columns = table.columns.to_vec();
        let swap = self.style.swap_first_columns && columns.len() > 1;
        if swap {
            columns.swap(0, 1);
        }
        if self.style.no_table_ids {
            self.open("table", &[]);
        } else {
            self.open("table", &[("id", table.id)]);
        }
        self.open("thead", &[]);
        self.open("tr", &[]);
        for c in &columns {
            self.element("th", &[], c.name);
        }
        self.close("tr");
        self.close("thead");
        self.open("tbody", &[]);
        for row in &table.rows {
            self.open("tr", &[]);
            match row {
                Row::Group(title) => {
                    let span = columns.len().to_string();
                    self.open("td", &[("colspan", &span), ("class", "med-item-column")]);
                    self.element("strong", &[], title);
                    self.close("td");
                }
                Row::Cells(cells) => {
                    let mut cells = cells.clone();
                    if swap && cells.len() > 1 {
                        cells.swap(0, 1);
                    }
                    for (c, text) in columns.iter().zip(&cells) {
                        if c.date && !self.style.no_date_class {
                            self.element("td", &[("class", "date-column")], text);
                        } else {
                            self.element("td", &[], text);
                        }
                    }
                }
            }
            self.close("tr");
        }
        self.close("tbody");
        self.close("table");
    }
}

/// Writes a view as the narrative `div`.
pub fn render(view: &View, style: Style) -> String {
    let mut w = Writer {
        out: String::new(),
        style,
    };
    let root: Vec<(&str, &str)> = if style.event_attribute {
        vec![("xmlns", XHTML_NS), ("onclick", "alert('care record')")]
    } else {
        vec![("xmlns", XHTML_NS)]
    };
    w.open("div", &root);
    w.element("h1", &[], view.title);
    if let (Some(date), false) = (view.transfer, style.no_transfer_banner) {
        w.banner(
            "gptransfer-banner",
            &format!(
                "Patient record transfer from previous GP practice not yet complete; information recorded before {} may be missing",
                dates::display(date)
            ),
        );
    }
    let multi_part = !matches!(view.parts.as_slice(), [single] if single.heading.is_none());
    if style.date_banner_everywhere && multi_part && !view.parts.is_empty() {
        // Under the fault the section heading of a multi-part view gets a date banner too.
        w.banner("date-banner", "All relevant items");
    }
    if !view.paragraphs.is_empty() {
        w.open("div", &[]);
        for p in &view.paragraphs {
            w.element("p", &[], p);
        }
        w.close("div");
    }
    match view.parts.as_slice() {
        [single] if single.heading.is_none() => w.part(single),
        parts => {
            for part in parts {
                w.open("div", &[]);
                w.part(part);
                w.close("div");
            }
        }
    }
    if style.disallowed_tag {
        w.open("p", &[]);
        w.open("font", &[]);
        w.element("a", &[], "GP Connect");
        w.close("font");
        w.close("p");
    }
    if style.script {
        w.element("script", &[], "document.title = 'care record';");
    }
    if style.entity {
        w.open("p", &[]);
        w.out.push_str("Care&nbsp;record");
        w.close("p");
    }
    w.close("div");
    w.out
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[Column] = &[date_col("Date"), col("Entry")];

    fn part(rows: Vec<Row>) -> Part {
        Part {
            heading: None,
            name: "Encounters",
            content_banners: vec![],
            date_banner: Some("All relevant items".into()),
            excluded: false,
            table: Table {
                id: "enc-tab",
                columns: COLS,
                rows,
            },
        }
    }

    fn view(rows: Vec<Row>) -> View {
        View {
            title: "Encounters",
            transfer: None,
            parts: vec![part(rows)],
            paragraphs: vec![],
        }
    }

    #[test]
    fn a_single_table_view() {
        let html = render(
            &view(vec![Row::Cells(vec!["01-May-2015".into(), "A & B".into()])]),
            Style::default(),
        );
        assert_eq!(
            html,
            "<div xmlns=\"http://www.w3.org/1999/xhtml\"><h1>Encounters</h1><div class=\"date-banner\"><p>All relevant items</p></div><table id=\"enc-tab\"><thead><tr><th>Date</th><th>Entry</th></tr></thead><tbody><tr><td class=\"date-column\">01-May-2015</td><td>A &amp; B</td></tr></tbody></table></div>"
        );
    }

    #[test]
    fn an_empty_part_says_no_data() {
        let html = render(&view(vec![]), Style::default());
        assert!(
            html.contains("<div><p>No 'Encounters' data is recorded for this patient.</p></div>")
        );
        assert!(!html.contains("<table"));
        let html = render(
            &view(vec![]),
            Style {
                no_empty_text: true,
                ..Style::default()
            },
        );
        assert!(!html.contains("No 'Encounters'"));
    }

    #[test]
    fn faults_break_the_layout() {
        let rows = vec![Row::Cells(vec!["01-May-2015".into(), "x".into()])];
        let html = render(
            &view(rows.clone()),
            Style {
                swap_first_columns: true,
                ..Style::default()
            },
        );
        assert!(html.contains("<th>Entry</th><th>Date</th>"));
        let html = render(
            &view(rows.clone()),
            Style {
                whitespace: true,
                ..Style::default()
            },
        );
        assert!(html.contains("\n\t"));
        let html = render(
            &view(rows),
            Style {
                no_date_class: true,
                no_table_ids: true,
                ..Style::default()
            },
        );
        assert!(!html.contains("date-column") && html.contains("<table>"));
    }
}
