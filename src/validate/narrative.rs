//! The rules of narrative XHTML (`Narrative.div`) of FHIR DSTU2, checked natively: DSTU2 states them as
//! XPath only (no FHIRPath), so the walk cannot evaluate them from the definition.
//!
//! From the DSTU2 Narrative definition: `Narrative.div` is "a stripped down version of XHTML ... containing only
//! the basic html formatting elements described in chapters 7-11 and 15 of the HTML 4.0 standard, `<a>` elements
//! (either name or href), images and internally contained stylesheets. The XHTML content may not contain a head,
//! a body, external stylesheet references, scripts, forms, base/link/xlink, frames, iframes and objects", with
//! - `txt-1`: only the listed elements (the XPath's list, plus `sub` and `sup`, which chapter 9.2.3 of HTML 4.0
//!   describes and the human text so allows; STU3 added them to the list);
//! - `txt-2`: some non-whitespace content (text, or an image with a source);
//! - `txt-3`: only the listed attributes (so no event handler such as `onclick`); `xml:lang` is read as `lang`.
//!
//! Besides: the div must be well-formed XML, its elements in the XHTML namespace with a `div` root, and only the
//! five predefined XML entities (and character references) may appear (an HTML entity such as `&nbsp;` is
//! undeclared in XML). A `javascript:` URL in `href` or `src` is a script.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

impl super::Validator {
    /// Checks a narrative div (a DSTU2 `xhtml` value) against the narrative rules; each problem is an error.
    pub(super) fn check_narrative(&self, w: &mut super::Walk<'_>, v: &serde_json::Value, at: &str) {
        let Some(div) = v.as_str() else {
            return;
        };
        for p in check(div) {
            w.issue(super::Severity::Error, "invariant", at, p.message, p.rule);
        }
    }
}

/// The XHTML namespace.
const XHTML_NS: &[u8] = b"http://www.w3.org/1999/xhtml";

/// Elements `txt-1` allows: its XPath list, with `kbd`, `sub` and `sup`, which its human text admits (HTML 4.0
/// chapter 9.2, phrase elements, subscripts and superscripts) though the XPath omits them.
pub const ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "b",
    "big",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "ul",
    "var",
];

/// Attributes `txt-3` allows.
pub const ATTRIBUTES: &[&str] = &[
    "abbr",
    "accesskey",
    "align",
    "alt",
    "axis",
    "bgcolor",
    "border",
    "cellhalign",
    "cellpadding",
    "cellspacing",
    "cellvalign",
    "char",
    "charoff",
    "charset",
    "cite",
    "class",
    "colspan",
    "compact",
    "coords",
    "dir",
    "frame",
    "headers",
    "height",
    "href",
    "hreflang",
    "hspace",
    "id",
    "lang",
    "longdesc",
    "name",
    "nowrap",
    "rel",
    "rev",
    "rowspan",
    "rules",
    "scope",
    "shape",
    "span",
    "src",
    "start",
    "style",
    "summary",
    "tabindex",
    "title",
    "type",
    "valign",
    "value",
    "vspace",
    "width",
    "xml:lang",
];

/// Elements the definition names as forbidden, with the reason it gives.
fn forbidden_reason(name: &str) -> Option<&'static str> {
    Some(match name {
        "script" | "noscript" => "scripts are not allowed",
        "form" | "input" | "button" | "select" | "option" | "textarea" | "label" | "fieldset" => {
            "forms are not allowed"
        }
        "base" | "link" => "base and link elements are not allowed",
        "style" => "stylesheets must be internal style attributes, not style elements",
        "head" | "body" | "html" | "title" | "meta" => "a head or body is not allowed",
        "frame" | "frameset" | "iframe" => "frames and iframes are not allowed",
        "object" | "embed" | "applet" | "param" => "objects are not allowed",
        _ => return None,
    })
}

/// One broken narrative rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    /// `txt-1`, `txt-2`, `txt-3` or `xhtml` (well-formedness, namespace, entities).
    pub rule: &'static str,
    pub message: String,
}

impl Problem {
    fn new(rule: &'static str, message: String) -> Self {
        Problem { rule, message }
    }
}

/// The problems of a narrative div (the JSON string / the XML element's source), each element or attribute
/// reported once.
pub(super) fn check(div: &str) -> Vec<Problem> {
    let mut problems: Vec<Problem> = Vec::new();
    let mut push = |p: Problem| {
        if !problems.contains(&p) {
            problems.push(p);
        }
    };
    let mut reader = NsReader::from_str(div);
    let mut depth = 0usize;
    let mut roots = 0usize;
    let mut content = false;
    loop {
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                push(Problem::new(
                    "xhtml",
                    format!("the narrative is not well-formed XHTML: {e}"),
                ));
                break;
            }
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                if depth == 0 {
                    roots += 1;
                    if local(e) != "div" || roots > 1 {
                        push(Problem::new(
                            "xhtml",
                            "the narrative must be a single <div> element".into(),
                        ));
                    }
                }
                content |= local(e) == "img" && has_attribute(e, "src");
                element(&reader, e, &mut push);
                if !empty {
                    depth += 1;
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Text(t) => {
                let bare = depth == 0 && !t.iter().all(u8::is_ascii_whitespace);
                if bare {
                    push(Problem::new(
                        "xhtml",
                        "the narrative must be a single <div> element".into(),
                    ));
                }
                content |= !t.iter().all(u8::is_ascii_whitespace);
            }
            Event::CData(t) => content |= !t.iter().all(u8::is_ascii_whitespace),
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                match entity_problem(&name) {
                    Some(p) => push(p),
                    None => content = true,
                }
            }
            Event::DocType(_) => push(Problem::new(
                "xhtml",
                "a DOCTYPE (entity declarations) is not allowed in the narrative".into(),
            )),
            Event::PI(_) | Event::Decl(_) => push(Problem::new(
                "xhtml",
                "processing instructions are not allowed in the narrative".into(),
            )),
            Event::Comment(_) => {}
            Event::Eof => {
                if depth > 0 {
                    push(Problem::new(
                        "xhtml",
                        "the narrative is not well-formed XHTML: an element is not closed".into(),
                    ));
                }
                break;
            }
        }
    }
    if roots == 0 {
        push(Problem::new(
            "xhtml",
            "the narrative must be a single <div> element".into(),
        ));
    }
    if !content {
        push(Problem::new(
            "txt-2",
            "txt-2: the narrative SHALL have some non-whitespace content".into(),
        ));
    }
    problems
}

fn local(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

fn has_attribute(e: &BytesStart<'_>, name: &str) -> bool {
    e.attributes()
        .flatten()
        .any(|a| a.key.as_ref() == name.as_bytes())
}

/// The element's name, namespace and attributes.
fn element(reader: &NsReader<&[u8]>, e: &BytesStart<'_>, push: &mut impl FnMut(Problem)) {
    let name = local(e);
    match reader.resolver().resolve_element(e.name()).0 {
        ResolveResult::Bound(ns) if ns.as_ref() == XHTML_NS => {}
        ResolveResult::Bound(ns) => push(Problem::new(
            "xhtml",
            format!(
                "element <{name}> is in namespace {}, not the XHTML namespace {}",
                String::from_utf8_lossy(ns.as_ref()),
                String::from_utf8_lossy(XHTML_NS)
            ),
        )),
        _ => push(Problem::new(
            "xhtml",
            format!(
                "the narrative is not in the XHTML namespace (declare xmlns=\"{}\" on the div)",
                String::from_utf8_lossy(XHTML_NS)
            ),
        )),
    }
    if let Some(reason) = forbidden_reason(&name) {
        push(Problem::new(
            "txt-1",
            format!("txt-1: element <{name}> is not allowed in the narrative: {reason}"),
        ));
    } else if !ELEMENTS.contains(&name.as_str()) {
        push(Problem::new(
            "txt-1",
            format!(
                "txt-1: element <{name}> is not allowed in the narrative (only the basic HTML formatting elements are)"
            ),
        ));
    }
    for attr in e.attributes() {
        let attr = match attr {
            Ok(a) => a,
            Err(err) => {
                push(Problem::new(
                    "xhtml",
                    format!("the narrative is not well-formed XHTML: {err}"),
                ));
                continue;
            }
        };
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = String::from_utf8_lossy(&attr.value).into_owned();
        if let Some(p) = attribute_entities(&value) {
            push(p);
        }
        let lower = key.to_ascii_lowercase();
        if lower.starts_with("on") {
            push(Problem::new(
                "txt-3",
                format!("txt-3: event attribute `{key}` on <{name}> is not allowed (scripts are not allowed)"),
            ));
        } else if !ATTRIBUTES.contains(&key.as_str()) {
            let why = if lower.starts_with("xlink:") {
                " (xlink is not allowed)"
            } else {
                ""
            };
            push(Problem::new(
                "txt-3",
                format!(
                    "txt-3: attribute `{key}` on <{name}> is not allowed in the narrative{why}"
                ),
            ));
        } else if (key == "href" || key == "src")
            && value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("javascript:")
        {
            push(Problem::new(
                "txt-3",
                format!(
                    "txt-3: `{key}` on <{name}> is a javascript: URL (scripts are not allowed)"
                ),
            ));
        }
    }
}

/// An entity other than the five XML ones or a valid character reference is undeclared.
fn entity_problem(name: &str) -> Option<Problem> {
    match name {
        "amp" | "lt" | "gt" | "quot" | "apos" => None,
        _ => {
            let valid_char = name.strip_prefix('#').is_some_and(|num| {
                let code = match num.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => num.parse::<u32>().ok(),
                };
                code.and_then(char::from_u32).is_some_and(|c| c != '\0')
            });
            (!valid_char).then(|| {
                Problem::new(
                    "xhtml",
                    format!(
                        "the entity &{name}; is not declared in XHTML (only &amp; &lt; &gt; &quot; &apos; and \
                         character references are)"
                    ),
                )
            })
        }
    }
}

/// Entities in an attribute value (the raw text between the quotes).
fn attribute_entities(raw: &str) -> Option<Problem> {
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        let tail = &rest[i + 1..];
        let Some(end) = tail.find(';') else {
            return Some(Problem::new(
                "xhtml",
                "the narrative is not well-formed XHTML: an unterminated entity in an attribute value".into(),
            ));
        };
        if let Some(p) = entity_problem(&tail[..end]) {
            return Some(p);
        }
        rest = &tail[end + 1..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = "xmlns=\"http://www.w3.org/1999/xhtml\"";

    fn rules(div: &str) -> Vec<&'static str> {
        check(div).into_iter().map(|p| p.rule).collect()
    }

    #[test]
    fn a_good_div_passes() {
        let div = format!(
            "<div {NS}><h1>Medications</h1><div class=\"content-banner\"><p>All relevant items</p></div>\
             <table id=\"med-tab-acu-med\"><thead><tr><th class=\"date-column\">Start Date</th><th>Details</th>\
             </tr></thead><tbody><tr><td>01-Jan-2016</td><td>Ibuprofen 400mg &amp; water &#160;</td></tr>\
             </tbody></table><p>H<sub>2</sub>O <a href=\"#top\" title=\"x\">top</a></p><br/></div>"
        );
        assert_eq!(check(&div), Vec::<Problem>::new());
        assert!(check(&format!("<div {NS}><img src=\"x.png\" alt=\"\"/></div>")).is_empty());
    }

    #[test]
    fn each_rule_is_flagged() {
        let script = check(&format!(
            "<div {NS}><p>x</p><script>alert(1)</script></div>"
        ));
        assert!(
            script
                .iter()
                .any(|p| p.rule == "txt-1" && p.message.contains("<script>")),
            "{script:?}"
        );
        let onclick = check(&format!("<div {NS}><p onclick=\"go()\">x</p></div>"));
        assert!(
            onclick
                .iter()
                .any(|p| p.rule == "txt-3" && p.message.contains("onclick")),
            "{onclick:?}"
        );
        let font = check(&format!("<div {NS}><font color=\"red\">x</font></div>"));
        assert!(
            font.iter()
                .any(|p| p.rule == "txt-1" && p.message.contains("<font>")),
            "{font:?}"
        );
        let entity = check(&format!("<div {NS}><p>a&nbsp;b</p></div>"));
        assert!(
            entity
                .iter()
                .any(|p| p.rule == "xhtml" && p.message.contains("&nbsp;")),
            "{entity:?}"
        );
        assert_eq!(rules(&format!("<div {NS}>  <p> </p></div>")), ["txt-2"]);
        assert_eq!(rules("<div><p>x</p></div>"), ["xhtml"]);
        assert!(rules(&format!("<div {NS}><p>x</div>")).contains(&"xhtml"));
        assert!(
            rules(&format!("<div {NS}><a href=\"javascript:x()\">x</a></div>")).contains(&"txt-3")
        );
        assert!(rules(&format!(
            "<div {NS}><p style=\"color:red\" xml:lang=\"en\">x</p></div>"
        ))
        .is_empty());
        assert!(rules(&format!("<p {NS}>x</p>")).contains(&"xhtml"));
        assert!(rules(&format!(
            "<div {NS}><a xmlns:xlink=\"http://www.w3.org/1999/xlink\" xlink:href=\"x\">x</a></div>"
        ))
        .contains(&"txt-3"));
        assert!(rules(&format!("<div {NS}><form><p>x</p></form></div>")).contains(&"txt-1"));
    }
}
