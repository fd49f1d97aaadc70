//! XML -> JSON: FHIR XML parsed into FHIR JSON, with an element model for arrays and primitive types.

use std::str::FromStr;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use serde_json::{Map, Number, Value};

use super::{
    char_ref, check_general_ref, is_blank, Position, XmlError, FHIR_NS, MAX_DEPTH, XHTML_NS, XSI_NS,
};
use crate::fhir::model::{ChildKind, ElementModel, TypeCtx};

/// Parses FHIR XML into FHIR JSON, using `model` for arrays and value types.
pub fn xml_to_json(xml: &str, model: &ElementModel) -> Result<Value, XmlError> {
    let src = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let mut p = Parser {
        reader: NsReader::from_str(src),
        src,
        model,
        path: Vec::new(),
        event_start: 0,
    };
    p.document()
}

/// A primitive's value and its `_` companion (id, extensions).
type PrimitiveParts = (Option<Value>, Option<Map<String, Value>>);

/// Result of a child element, before it is placed in its parent object.
enum Item {
    Complex(Value),
    Primitive(Option<Value>, Option<Map<String, Value>>),
}

/// Accumulates the properties of one JSON object in document order.
#[derive(Default)]
struct ObjBuilder {
    entries: Vec<(String, Entry)>,
}

enum Entry {
    Single(Value),
    Primitive(Option<Value>, Option<Map<String, Value>>),
    Many(Vec<Value>),
    PrimitiveMany(Vec<PrimitiveParts>),
}

impl ObjBuilder {
    fn count(&self, name: &str) -> usize {
        match self.entries.iter().find(|(n, _)| n == name) {
            Some((_, Entry::Many(v))) => v.len(),
            Some((_, Entry::PrimitiveMany(v))) => v.len(),
            Some(_) => 1,
            None => 0,
        }
    }

    /// Adds a child; `Err(())` when a non-repeating element occurs twice.
    fn add(&mut self, name: &str, is_array: bool, item: Item) -> Result<(), ()> {
        let existing = self.entries.iter_mut().find(|(n, _)| n == name);
        match (existing, item) {
            (Some((_, Entry::Many(v))), Item::Complex(c)) => v.push(c),
            (Some((_, Entry::PrimitiveMany(v))), Item::Primitive(val, ext)) => v.push((val, ext)),
            (Some(_), _) => return Err(()),
            (None, Item::Complex(c)) => {
                let entry = if is_array {
                    Entry::Many(vec![c])
                } else {
                    Entry::Single(c)
                };
                self.entries.push((name.to_string(), entry));
            }
            (None, Item::Primitive(val, ext)) => {
                let entry = if is_array {
                    Entry::PrimitiveMany(vec![(val, ext)])
                } else {
                    Entry::Primitive(val, ext)
                };
                self.entries.push((name.to_string(), entry));
            }
        }
        Ok(())
    }

    fn finish(self) -> Map<String, Value> {
        let mut map = Map::new();
        for (name, entry) in self.entries {
            match entry {
                Entry::Single(v) => {
                    map.insert(name, v);
                }
                Entry::Many(v) => {
                    map.insert(name, Value::Array(v));
                }
                Entry::Primitive(val, ext) => {
                    if let Some(val) = val {
                        map.insert(name.clone(), val);
                    }
                    if let Some(ext) = ext {
                        map.insert(format!("_{name}"), Value::Object(ext));
                    }
                }
                Entry::PrimitiveMany(items) => {
                    let any_value = items.iter().any(|(v, _)| v.is_some());
                    let any_ext = items.iter().any(|(_, e)| e.is_some());
                    let (values, exts): (Vec<Value>, Vec<Value>) = items
                        .into_iter()
                        .map(|(v, e)| {
                            (
                                v.unwrap_or(Value::Null),
                                e.map_or(Value::Null, Value::Object),
                            )
                        })
                        .unzip();
                    if any_value {
                        map.insert(name.clone(), Value::Array(values));
                    }
                    if any_ext {
                        map.insert(format!("_{name}"), Value::Array(exts));
                    }
                }
            }
        }
        map
    }
}

/// How the attributes and content of an element are interpreted.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ElemRole<'r> {
    Resource,
    Complex {
        is_extension: bool,
    },
    /// A primitive of the given FHIR type code.
    Primitive(&'r str),
}

struct Parser<'a> {
    reader: NsReader<&'a [u8]>,
    src: &'a str,
    model: &'a ElementModel,
    path: Vec<String>,
    /// Byte offset where the last event read starts.
    event_start: usize,
}

impl<'a> Parser<'a> {
    fn next(&mut self) -> Result<Event<'a>, XmlError> {
        self.event_start = offset(self.reader.buffer_position());
        match self.reader.read_event() {
            Ok(Event::DocType(_)) => Err(XmlError::DoctypeForbidden {
                at: self.position(self.event_start),
            }),
            Ok(event) => Ok(event),
            Err(e) => Err(XmlError::Malformed {
                at: self.position(offset(self.reader.error_position())),
                message: e.to_string(),
            }),
        }
    }

    fn position(&self, offset: usize) -> Position {
        let before = self
            .src
            .as_bytes()
            .get(..offset.min(self.src.len()))
            .unwrap_or_default();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(before.get(line_start..).unwrap_or_default())
            .chars()
            .count()
            + 1;
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        Position { line, column }
    }

    fn here(&self) -> Position {
        self.position(self.event_start)
    }

    fn path_string(&self) -> String {
        self.path.join(".")
    }

    fn malformed(&self, message: impl Into<String>) -> XmlError {
        XmlError::Malformed {
            at: self.here(),
            message: message.into(),
        }
    }

    fn structure(&self, at: usize, reason: impl Into<String>) -> XmlError {
        XmlError::InvalidStructure {
            path: self.path_string(),
            reason: reason.into(),
            at: self.position(at),
        }
    }

    fn text_not_allowed(&self) -> XmlError {
        XmlError::TextNotAllowed {
            path: self.path_string(),
            at: self.here(),
        }
    }

    fn namespace_of(&self, e: &BytesStart<'_>) -> String {
        match self.reader.resolver().resolve_element(e.name()).0 {
            ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).into_owned(),
            ResolveResult::Unbound => String::new(),
            ResolveResult::Unknown(prefix) => {
                format!("(undeclared prefix {})", String::from_utf8_lossy(&prefix))
            }
        }
    }

    fn document(&mut self) -> Result<Value, XmlError> {
        let (root, empty) = loop {
            match self.next()? {
                Event::Start(e) => break (e, false),
                Event::Empty(e) => break (e, true),
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
                Event::Text(t) if is_blank(&t) => {}
                Event::Eof => return Err(self.malformed("no root element")),
                _ => return Err(self.malformed("content before the root element")),
            }
        };
        let at = self.event_start;
        let name = local_name(&root);
        let ns = self.namespace_of(&root);
        if ns != FHIR_NS {
            return Err(XmlError::WrongNamespace {
                path: name,
                found: ns,
                expected: FHIR_NS,
                at: self.position(at),
            });
        }
        let Some(ctx) = self.model.root(&name) else {
            return Err(XmlError::UnknownResourceType {
                name,
                at: self.position(at),
            });
        };
        self.path.push(name);
        let item = self.element(&root, empty, ctx, ElemRole::Resource, 1)?;
        self.path.pop();
        loop {
            match self.next()? {
                Event::Eof => break,
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(t) if is_blank(&t) => {}
                _ => return Err(self.malformed("content after the root element")),
            }
        }
        match item {
            Item::Complex(v) => Ok(v),
            Item::Primitive(..) => Err(self.structure(at, "the root is not a resource")),
        }
    }

    /// Parses an element whose start tag is `start`; `self.path` names it.
    fn element(
        &mut self,
        start: &BytesStart<'a>,
        empty: bool,
        ctx: TypeCtx,
        role: ElemRole<'_>,
        depth: usize,
    ) -> Result<Item, XmlError> {
        let at = self.event_start;
        if depth > MAX_DEPTH {
            return Err(XmlError::TooDeep {
                path: self.path_string(),
                max: MAX_DEPTH,
            });
        }
        let mut obj = ObjBuilder::default();
        if role == ElemRole::Resource {
            let rt = Value::String(local_name(start));
            obj.entries
                .push(("resourceType".to_string(), Entry::Single(rt)));
        }
        let value = self.attributes(start, ctx, role, at, &mut obj)?;
        if !empty {
            self.children(ctx, role, depth, &mut obj)?;
        }
        if let ElemRole::Primitive(_) = role {
            let ext = obj.finish();
            let ext = (!ext.is_empty()).then_some(ext);
            if value.is_none() && ext.is_none() {
                return Err(self.structure(at, "primitive element without value, id or extension"));
            }
            Ok(Item::Primitive(value, ext))
        } else {
            Ok(Item::Complex(Value::Object(obj.finish())))
        }
    }

    /// Handles the attributes of an element; returns a primitive's value.
    fn attributes(
        &self,
        start: &BytesStart<'a>,
        ctx: TypeCtx,
        role: ElemRole<'_>,
        at: usize,
        obj: &mut ObjBuilder,
    ) -> Result<Option<Value>, XmlError> {
        let mut value = None;
        for attr in start.attributes() {
            let attr = attr.map_err(|e| XmlError::Malformed {
                at: self.position(at),
                message: e.to_string(),
            })?;
            let key = attr.key;
            if is_namespace_decl(key.as_ref()) {
                continue;
            }
            let (ns, local) = self.reader.resolver().resolve_attribute(key);
            if matches!(ns, ResolveResult::Bound(ns) if ns.as_ref() == XSI_NS) {
                continue; // xsi:schemaLocation and friends
            }
            let name = String::from_utf8_lossy(key.as_ref()).into_owned();
            let unexpected = || XmlError::UnexpectedAttribute {
                path: self.path_string(),
                name: name.clone(),
                at: self.position(at),
            };
            if key.prefix().is_some() {
                return Err(unexpected());
            }
            let local = local.as_ref();
            let allowed = match role {
                ElemRole::Resource => false,
                ElemRole::Primitive(_) => local == b"id" || local == b"value",
                ElemRole::Complex { is_extension } => {
                    local == b"id" || (is_extension && local == b"url")
                }
            };
            if !allowed {
                return Err(unexpected());
            }
            let raw = std::str::from_utf8(&attr.value).map_err(|e| XmlError::Malformed {
                at: self.position(at),
                message: e.to_string(),
            })?;
            let text = unescape_attr(raw).map_err(|message| XmlError::Malformed {
                at: self.position(at),
                message,
            })?;
            if let (ElemRole::Primitive(code), b"value") = (role, local) {
                value = Some(self.typed(code, text, None, at)?);
                continue;
            }
            let typed = match self.model.child(&ctx, &name).map(|i| i.kind) {
                Some(ChildKind::Primitive(code)) => self.typed(&code, text, Some(&name), at)?,
                _ => return Err(unexpected()),
            };
            obj.add(&name, false, Item::Complex(typed))
                .map_err(|()| unexpected())?;
        }
        Ok(value)
    }

    /// Reads child content up to and including the end tag.
    fn children(
        &mut self,
        ctx: TypeCtx,
        role: ElemRole<'_>,
        depth: usize,
        obj: &mut ObjBuilder,
    ) -> Result<(), XmlError> {
        loop {
            match self.next()? {
                Event::Start(e) => self.child(&e, false, ctx, role, depth, obj)?,
                Event::Empty(e) => self.child(&e, true, ctx, role, depth, obj)?,
                Event::End(_) => return Ok(()),
                Event::Text(t) if is_blank(&t) => {}
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                    return Err(self.text_not_allowed())
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Decl(_) | Event::DocType(_) => {
                    return Err(self.malformed("declaration inside an element"))
                }
                Event::Eof => return Err(self.malformed("unexpected end of document")),
            }
        }
    }

    fn child(
        &mut self,
        e: &BytesStart<'a>,
        empty: bool,
        ctx: TypeCtx,
        parent: ElemRole<'_>,
        depth: usize,
        obj: &mut ObjBuilder,
    ) -> Result<(), XmlError> {
        let at = self.event_start;
        let name = local_name(e);
        let info = self.model.child(&ctx, &name);
        self.path.push(match &info {
            Some(i) if i.is_array => format!("{name}[{}]", obj.count(&name)),
            _ => name.clone(),
        });
        let expected = match info.as_ref().map(|i| &i.kind) {
            Some(ChildKind::Xhtml) => XHTML_NS,
            _ => FHIR_NS,
        };
        let ns = self.namespace_of(e);
        if ns != expected {
            return Err(XmlError::WrongNamespace {
                path: self.path_string(),
                found: ns,
                expected,
                at: self.position(at),
            });
        }
        let Some(info) = info else {
            return Err(XmlError::UnknownElement {
                path: self.path_string(),
                at: self.position(at),
            });
        };
        let attribute_only = match parent {
            ElemRole::Resource => false,
            ElemRole::Primitive(_) => name == "id",
            ElemRole::Complex { is_extension } => name == "id" || (is_extension && name == "url"),
        };
        if attribute_only {
            return Err(self.structure(at, format!("'{name}' must be an XML attribute here")));
        }
        let item = match &info.kind {
            ChildKind::Primitive(code) => {
                self.element(e, empty, info.ctx, ElemRole::Primitive(code), depth + 1)?
            }
            ChildKind::Complex => {
                let is_extension = name == "extension" || name == "modifierExtension";
                let role = ElemRole::Complex { is_extension };
                self.element(e, empty, info.ctx, role, depth + 1)?
            }
            ChildKind::Resource => self.inline_resource(e, empty, at, depth + 1)?,
            ChildKind::Xhtml => Item::Complex(Value::String(self.xhtml(e, empty, depth + 1)?)),
        };
        obj.add(&name, info.is_array, item)
            .map_err(|()| self.structure(at, "element is not repeatable but occurs again"))?;
        self.path.pop();
        Ok(())
    }

    /// `<resource><Patient>...</Patient></resource>`
    fn inline_resource(
        &mut self,
        e: &BytesStart<'a>,
        empty: bool,
        at: usize,
        depth: usize,
    ) -> Result<Item, XmlError> {
        if depth > MAX_DEPTH {
            return Err(XmlError::TooDeep {
                path: self.path_string(),
                max: MAX_DEPTH,
            });
        }
        for attr in e.attributes() {
            let attr = attr.map_err(|err| XmlError::Malformed {
                at: self.position(at),
                message: err.to_string(),
            })?;
            if !is_namespace_decl(attr.key.as_ref()) {
                return Err(XmlError::UnexpectedAttribute {
                    path: self.path_string(),
                    name: String::from_utf8_lossy(attr.key.as_ref()).into_owned(),
                    at: self.position(at),
                });
            }
        }
        if empty {
            return Err(self.structure(at, "an inline resource element must contain a resource"));
        }
        let mut found = None;
        loop {
            let (inner, inner_empty) = match self.next()? {
                Event::Start(inner) => (inner, false),
                Event::Empty(inner) => (inner, true),
                Event::End(_) => break,
                Event::Text(t) if is_blank(&t) => continue,
                Event::Comment(_) | Event::PI(_) => continue,
                Event::Eof => return Err(self.malformed("unexpected end of document")),
                _ => return Err(self.text_not_allowed()),
            };
            let inner_at = self.event_start;
            if found.is_some() {
                return Err(self.structure(inner_at, "more than one resource in one element"));
            }
            let rt = local_name(&inner);
            let ns = self.namespace_of(&inner);
            if ns != FHIR_NS {
                return Err(XmlError::WrongNamespace {
                    path: format!("{}.{rt}", self.path_string()),
                    found: ns,
                    expected: FHIR_NS,
                    at: self.position(inner_at),
                });
            }
            let Some(ctx) = self.model.root(&rt) else {
                return Err(XmlError::UnknownResourceType {
                    name: rt,
                    at: self.position(inner_at),
                });
            };
            self.path.push(format!("ofType({rt})"));
            found = Some(self.element(&inner, inner_empty, ctx, ElemRole::Resource, depth + 1)?);
            self.path.pop();
        }
        found
            .ok_or_else(|| self.structure(at, "an inline resource element must contain a resource"))
    }

    /// Narrative XHTML: returned as the source text of the element, with the
    /// XHTML namespace declared on it if it was inherited from an ancestor.
    fn xhtml(&mut self, e: &BytesStart<'a>, empty: bool, depth: usize) -> Result<String, XmlError> {
        let begin = self.event_start;
        let mut level = 0usize;
        if !empty {
            loop {
                match self.next()? {
                    Event::Start(_) => {
                        level += 1;
                        if depth + level > MAX_DEPTH {
                            return Err(XmlError::TooDeep {
                                path: self.path_string(),
                                max: MAX_DEPTH,
                            });
                        }
                    }
                    Event::End(_) if level == 0 => break,
                    Event::End(_) => level -= 1,
                    Event::GeneralRef(r) => {
                        check_general_ref(&r).map_err(|m| self.malformed(m))?;
                    }
                    Event::Eof => return Err(self.malformed("unexpected end of document")),
                    Event::Decl(_) | Event::DocType(_) => {
                        return Err(self.malformed("declaration inside an element"))
                    }
                    Event::Empty(_)
                    | Event::Text(_)
                    | Event::CData(_)
                    | Event::Comment(_)
                    | Event::PI(_) => {}
                }
            }
        }
        let end = offset(self.reader.buffer_position());
        let text = self
            .src
            .get(begin..end)
            .ok_or_else(|| self.malformed("cannot locate the narrative text"))?;
        // Declare the element's own namespace prefix if an ancestor did it.
        let qname = e.name();
        let decl_key: Vec<u8> = match qname.prefix() {
            Some(p) => [b"xmlns:".as_slice(), p.as_ref()].concat(),
            None => b"xmlns".to_vec(),
        };
        let declared = e
            .attributes()
            .flatten()
            .any(|a| a.key.as_ref() == decl_key.as_slice());
        let insert_at = 1 + qname.as_ref().len();
        if declared || !text.is_char_boundary(insert_at) {
            return Ok(text.to_string());
        }
        let mut out = String::with_capacity(text.len() + 48);
        out.push_str(&text[..insert_at]);
        out.push(' ');
        out.push_str(&String::from_utf8_lossy(&decl_key));
        out.push_str("=\"");
        out.push_str(XHTML_NS);
        out.push('"');
        out.push_str(&text[insert_at..]);
        Ok(out)
    }

    /// Converts an attribute value to the JSON type of its FHIR type.
    fn typed(
        &self,
        code: &str,
        text: String,
        attr: Option<&str>,
        at: usize,
    ) -> Result<Value, XmlError> {
        let bad = |text: String| XmlError::InvalidValue {
            path: match attr {
                Some(a) => format!("{}@{a}", self.path_string()),
                None => self.path_string(),
            },
            fhir_type: code.to_string(),
            value: text,
            at: self.position(at),
        };
        match code {
            "boolean" => match text.as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(bad(text)),
            },
            "integer" | "unsignedInt" | "positiveInt" => {
                if !is_fhir_integer(&text) {
                    return Err(bad(text));
                }
                match text.parse::<i64>() {
                    Ok(n) => Ok(Value::from(n)),
                    Err(_) => Err(bad(text)),
                }
            }
            "decimal" => {
                if !is_fhir_decimal(&text) {
                    return Err(bad(text));
                }
                match Number::from_str(&text) {
                    Ok(n) => Ok(Value::Number(n)),
                    Err(_) => Err(bad(text)),
                }
            }
            _ => Ok(Value::String(text)),
        }
    }
}

fn offset(pos: u64) -> usize {
    usize::try_from(pos).unwrap_or(usize::MAX)
}

fn local_name(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

fn is_namespace_decl(key: &[u8]) -> bool {
    key == b"xmlns" || key.starts_with(b"xmlns:")
}

/// `-?(0|[1-9][0-9]*)`
fn is_fhir_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    match digits.as_bytes() {
        [b'0'] => true,
        [first, rest @ ..] => (b'1'..=b'9').contains(first) && rest.iter().all(u8::is_ascii_digit),
        [] => false,
    }
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
fn is_fhir_decimal(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let frac_ok = frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    let exp_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    });
    is_fhir_integer(int) && frac_ok && exp_ok
}

/// Unescapes an attribute value and applies XML attribute-value
/// normalisation (literal tab, CR, LF become spaces; CRLF counts once).
fn unescape_attr(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find(['&', '\t', '\n', '\r', '<']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        match tail.as_bytes().first() {
            Some(b'&') => {
                let end = tail
                    .find(';')
                    .ok_or_else(|| "unterminated reference in attribute value".to_string())?;
                let name = &tail[1..end];
                let c = match name {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    _ => match name.strip_prefix('#') {
                        Some(num) => char_ref(num.as_bytes())
                            .ok_or_else(|| format!("invalid character reference &{name};"))?,
                        None => return Err(format!("undeclared entity &{name};")),
                    },
                };
                out.push(c);
                rest = &tail[end + 1..];
            }
            Some(b'<') => return Err("'<' is not allowed in attribute values".into()),
            Some(b'\r') => {
                out.push(' ');
                rest = tail.strip_prefix("\r\n").unwrap_or(&tail[1..]);
            }
            _ => {
                out.push(' ');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}
