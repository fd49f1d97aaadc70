//! A small XHTML tree of a Composition section's `text.div`, read with quick-xml: elements with their
//! attributes and children, and text. Parsing is strict XML, as the FHIR narrative requires: an HTML named
//! entity such as `&nbsp;` is an error (only the five XML entities and character references are allowed).

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// The XHTML could not be read as XML.
#[derive(Debug, thiserror::Error)]
pub enum XhtmlError {
    #[error("not well-formed XML at byte {at}: {message}")]
    Malformed { at: u64, message: String },
    #[error(
        "the HTML entity `&{0};` (XHTML holds only the XML entities and character references)"
    )]
    Entity(String),
    #[error("no root element")]
    Empty,
}

/// An element of the narrative.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    /// The local name (`div`, `table`, `td`).
    pub name: String,
    /// Attributes in document order, names as written (`class`, `xmlns`).
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

/// A node of the narrative.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    /// The value of an attribute.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the `class` attribute names `class` (classes are space-separated).
    pub fn has_class(&self, class: &str) -> bool {
        self.attr("class")
            .is_some_and(|c| c.split_whitespace().any(|x| x == class))
    }

    /// The child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// Every element below this one (not itself), in document order.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        fn walk<'a>(e: &'a Element, out: &mut Vec<&'a Element>) {
            for c in e.elements() {
                out.push(c);
                walk(c, out);
            }
        }
        walk(self, &mut out);
        out
    }

    /// Every element named `name` below this one, in document order.
    pub fn find_all(&self, name: &str) -> Vec<&Element> {
        self.descendants()
            .into_iter()
            .filter(|e| e.name == name)
            .collect()
    }

    /// The text content, whitespace-collapsed and trimmed.
    pub fn text(&self) -> String {
        let mut raw = String::new();
        fn collect(e: &Element, out: &mut String) {
            for c in &e.children {
                match c {
                    Node::Text(t) => out.push_str(t),
                    Node::Element(x) => {
                        out.push(' ');
                        collect(x, out);
                        out.push(' ');
                    }
                }
            }
        }
        collect(self, &mut raw);
        raw.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The parent of `target` (compared by address) within this tree, if it is below this element.
    pub fn parent_of<'a>(&'a self, target: &Element) -> Option<&'a Element> {
        for c in self.elements() {
            if std::ptr::eq(c, target) {
                return Some(self);
            }
            if let Some(p) = c.parent_of(target) {
                return Some(p);
            }
        }
        None
    }
}

fn start_element(e: &BytesStart<'_>, at: u64) -> Result<Element, XhtmlError> {
    let malformed = |message: String| XhtmlError::Malformed { at, message };
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| malformed(err.to_string()))?;
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let value =
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| match &err {
                    quick_xml::Error::Escape(
                        quick_xml::escape::EscapeError::UnrecognizedEntity(_, n),
                    ) => XhtmlError::Entity(n.clone()),
                    _ => malformed(err.to_string()),
                })?;
        attrs.push((key, value.into_owned()));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
    })
}

/// Reads `div` as one XML element tree.
pub fn parse(div: &str) -> Result<Element, XhtmlError> {
    let mut reader = Reader::from_str(div);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let at = reader.buffer_position();
        let malformed = |message: String| XhtmlError::Malformed { at, message };
        let event = reader.read_event().map_err(|e| malformed(e.to_string()))?;
        match event {
            Event::Start(e) => stack.push(start_element(&e, at)?),
            Event::Empty(e) => {
                let el = start_element(&e, at)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(el)),
                    None if root.is_none() => root = Some(el),
                    None => return Err(malformed("content after the root element".into())),
                }
            }
            Event::End(_) => {
                let el = stack
                    .pop()
                    .ok_or_else(|| malformed("an end tag without a start tag".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(el)),
                    None if root.is_none() => root = Some(el),
                    None => return Err(malformed("content after the root element".into())),
                }
            }
            Event::Text(t) => {
                let text = t.decode().map_err(|e| malformed(e.to_string()))?;
                push_text(&mut stack, &text, at)?;
            }
            Event::CData(t) => {
                let text = t.decode().map_err(|e| malformed(e.to_string()))?;
                push_text(&mut stack, &text, at)?;
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(|e| malformed(e.to_string()))?
                        .map(String::from)
                } else {
                    let name = r.decode().map_err(|e| malformed(e.to_string()))?;
                    let c = match name.as_ref() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "quot" => '"',
                        "apos" => '\'',
                        other => return Err(XhtmlError::Entity(other.to_string())),
                    };
                    Some(c.to_string())
                };
                let text =
                    resolved.ok_or_else(|| malformed("an invalid character reference".into()))?;
                push_text(&mut stack, &text, at)?;
            }
            Event::Eof => break,
            Event::DocType(_) => return Err(malformed("a DOCTYPE".into())),
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(XhtmlError::Malformed {
            at: reader.buffer_position(),
            message: format!(
                "unclosed element <{}>",
                stack.last().map_or("", |e| e.name.as_str())
            ),
        });
    }
    root.ok_or(XhtmlError::Empty)
}

fn push_text(stack: &mut [Element], text: &str, at: u64) -> Result<(), XhtmlError> {
    match stack.last_mut() {
        Some(parent) => {
            match parent.children.last_mut() {
                Some(Node::Text(t)) => t.push_str(text),
                _ => parent.children.push(Node::Text(text.to_string())),
            }
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err(XhtmlError::Malformed {
            at,
            message: "text outside the root element".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_elements_attributes_and_text() {
        let root = parse(r#"<div xmlns="http://www.w3.org/1999/xhtml"><h1>A &amp; B&#160;</h1><table id="t"><tr><td class="date-column x">01-Jan-2016</td></tr></table></div>"#)
            .expect("well-formed");
        assert_eq!(root.name, "div");
        assert_eq!(root.find_all("h1")[0].text(), "A & B\u{a0}".trim());
        let td = root.find_all("td")[0];
        assert!(td.has_class("date-column"));
        assert_eq!(root.find_all("table")[0].attr("id"), Some("t"));
        let tr = root.find_all("tr")[0];
        assert_eq!(root.parent_of(td).map(|e| e.name.as_str()), Some("tr"));
        assert!(std::ptr::eq(root.parent_of(td).expect("parent"), tr));
    }

    #[test]
    fn html_entities_and_broken_markup_are_errors() {
        assert!(matches!(parse("<div>a&nbsp;b</div>"), Err(XhtmlError::Entity(n)) if n == "nbsp"));
        assert!(parse("<div><p>x</div>").is_err());
        assert!(parse("<div>x</div><div/>").is_err());
    }
}
