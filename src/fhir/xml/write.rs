//! JSON -> XML: FHIR JSON serialised as FHIR XML, following the JSON representation rules syntactically.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use serde_json::{Map, Value};

use super::{check_general_ref, is_blank, XmlError, FHIR_NS, MAX_DEPTH, XHTML_NS};

/// Serialises a FHIR JSON resource as FHIR XML (UTF-8, indented).
pub fn json_to_xml(resource: &Value) -> Result<String, XmlError> {
    let obj = resource
        .as_object()
        .ok_or_else(|| XmlError::NotAResource("the value is not a JSON object".into()))?;
    let rt = match obj.get("resourceType") {
        Some(Value::String(s)) => s.as_str(),
        Some(_) => {
            return Err(XmlError::NotAResource(
                "resourceType is not a string".into(),
            ))
        }
        None => return Err(XmlError::NotAResource("resourceType is missing".into())),
    };
    let mut w = XmlWriter {
        out: String::with_capacity(4096),
        path: Vec::new(),
    };
    w.out
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    w.resource(rt, obj, true, 0)?;
    w.out.push('\n');
    Ok(w.out)
}

struct XmlWriter {
    out: String,
    path: Vec<String>,
}

impl XmlWriter {
    fn path(&self) -> String {
        self.path.join(".")
    }

    fn err(&self, reason: impl Into<String>) -> XmlError {
        XmlError::InvalidJson {
            path: self.path(),
            reason: reason.into(),
        }
    }

    fn indent(&mut self, depth: usize) {
        self.out.push('\n');
        for _ in 0..depth {
            self.out.push_str("  ");
        }
    }

    fn enter(&mut self, segment: String, depth: usize) -> Result<(), XmlError> {
        self.path.push(segment);
        if depth > MAX_DEPTH {
            return Err(XmlError::TooDeep {
                path: self.path(),
                max: MAX_DEPTH,
            });
        }
        Ok(())
    }

    /// `<Rt>` ... `</Rt>` for a resource object.
    fn resource(
        &mut self,
        rt: &str,
        obj: &Map<String, Value>,
        root: bool,
        depth: usize,
    ) -> Result<(), XmlError> {
        let segment = if root {
            rt.to_string()
        } else {
            format!("ofType({rt})")
        };
        self.enter(segment, depth)?;
        if !is_xml_name(rt) {
            return Err(self.err(format!("resourceType '{rt}' is not a valid element name")));
        }
        if !root {
            self.indent(depth);
        }
        self.out.push('<');
        self.out.push_str(rt);
        if root {
            self.out.push_str(" xmlns=\"");
            self.out.push_str(FHIR_NS);
            self.out.push('"');
        }
        let wrote = self.members(obj, &[], true, depth + 1)?;
        self.close(rt, wrote, depth);
        self.path.pop();
        Ok(())
    }

    /// Closes an element opened with `<name attrs` (no `>` yet).
    fn close(&mut self, name: &str, has_children: bool, depth: usize) {
        if has_children {
            self.indent(depth);
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push('>');
        } else {
            self.out.push_str("/>");
        }
    }

    /// Writes the child elements of an object. `skip` lists properties
    /// already written as attributes. Returns whether anything was written;
    /// on the first child the pending start tag is closed with `>`.
    fn members(
        &mut self,
        obj: &Map<String, Value>,
        skip: &[&str],
        is_resource: bool,
        depth: usize,
    ) -> Result<bool, XmlError> {
        let mut wrote = false;
        for (key, value) in obj {
            if (is_resource && key == "resourceType") || skip.contains(&key.as_str()) {
                continue;
            }
            if let Some(base) = key.strip_prefix('_') {
                if skip.contains(&base) {
                    self.path.push(key.clone());
                    return Err(self.err("extensions on an XML attribute cannot be represented"));
                }
                if obj.contains_key(base) {
                    continue; // merged into the element written for `base`
                }
                if !wrote {
                    self.out.push('>');
                    wrote = true;
                }
                self.property(base, None, Some(value), depth)?;
                continue;
            }
            if !wrote {
                self.out.push('>');
                wrote = true;
            }
            let ext = obj.get(&format!("_{key}"));
            self.property(key, Some(value), ext, depth)?;
        }
        Ok(wrote)
    }

    /// One JSON property (and its `_` companion).
    fn property(
        &mut self,
        name: &str,
        value: Option<&Value>,
        ext: Option<&Value>,
        depth: usize,
    ) -> Result<(), XmlError> {
        if !is_xml_name(name) {
            self.path.push(name.to_string());
            return Err(self.err("property name is not a valid XML element name"));
        }
        match (value, ext) {
            (Some(Value::Array(items)), ext) => self.array(name, items, ext, depth),
            (None, Some(Value::Array(exts))) => {
                let values = vec![Value::Null; exts.len()];
                self.array(name, &values, Some(&Value::Array(exts.clone())), depth)
            }
            (Some(Value::Object(obj)), ext) => {
                if ext.is_some() {
                    self.path.push(format!("_{name}"));
                    return Err(self.err("'_' companion of a complex element"));
                }
                self.object_at(name, None, obj, depth)
            }
            (Some(Value::String(s)), None) if name == "div" => self.xhtml(s, depth),
            (Some(Value::Null), _) => {
                self.path.push(name.to_string());
                Err(self.err("null is only allowed inside arrays"))
            }
            (value, ext) => self.primitive(name, value, ext, depth),
        }
    }

    fn array(
        &mut self,
        name: &str,
        items: &[Value],
        ext: Option<&Value>,
        depth: usize,
    ) -> Result<(), XmlError> {
        if items.is_empty() {
            self.path.push(name.to_string());
            return Err(self.err("arrays must not be empty"));
        }
        let exts = match ext {
            None => None,
            Some(Value::Array(e)) if e.len() == items.len() => Some(e),
            Some(_) => {
                self.path.push(format!("_{name}"));
                return Err(self.err(format!(
                    "must be an array of the same length as '{name}' ({})",
                    items.len()
                )));
            }
        };
        for (i, item) in items.iter().enumerate() {
            let e = exts.and_then(|e| e.get(i)).filter(|v| !v.is_null());
            match item {
                Value::Object(obj) => {
                    if e.is_some() {
                        self.path.push(format!("_{name}[{i}]"));
                        return Err(self.err("'_' companion of a complex element"));
                    }
                    self.object_at(name, Some(i), obj, depth)?;
                }
                Value::Array(_) => {
                    self.path.push(format!("{name}[{i}]"));
                    return Err(self.err("nested arrays are not allowed"));
                }
                Value::Null => {
                    self.path.push(format!("{name}[{i}]"));
                    if e.is_none() {
                        return Err(self.err("null without a matching '_' entry"));
                    }
                    self.path.pop();
                    self.primitive_at(name, Some(i), None, e, depth)?;
                }
                _ => self.primitive_at(name, Some(i), Some(item), e, depth)?,
            }
        }
        Ok(())
    }

    fn object_at(
        &mut self,
        name: &str,
        index: Option<usize>,
        obj: &Map<String, Value>,
        depth: usize,
    ) -> Result<(), XmlError> {
        self.enter(segment(name, index), depth)?;
        self.indent(depth);
        self.out.push('<');
        self.out.push_str(name);
        if let Some(rt) = obj.get("resourceType") {
            // inline resource: <name><Rt>...</Rt></name>
            let Value::String(rt) = rt else {
                return Err(self.err("resourceType is not a string"));
            };
            self.out.push('>');
            self.resource(rt, obj, false, depth + 1)?;
            self.close(name, true, depth);
            self.path.pop();
            return Ok(());
        }
        let mut skip: Vec<&str> = Vec::with_capacity(2);
        if let Some(id) = obj.get("id") {
            self.attribute("id", id)?;
            skip.push("id");
        }
        if name == "extension" || name == "modifierExtension" {
            if let Some(url) = obj.get("url") {
                self.attribute("url", url)?;
                skip.push("url");
            }
        }
        let wrote = self.members(obj, &skip, false, depth + 1)?;
        self.close(name, wrote, depth);
        self.path.pop();
        Ok(())
    }

    fn attribute(&mut self, name: &str, value: &Value) -> Result<(), XmlError> {
        let Value::String(s) = value else {
            self.path.push(name.to_string());
            return Err(self.err("must be a string"));
        };
        self.check_chars(name, s)?;
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape_attr(s, &mut self.out);
        self.out.push('"');
        Ok(())
    }

    fn check_chars(&mut self, name: &str, s: &str) -> Result<(), XmlError> {
        if s.contains('\0') {
            self.path.push(name.to_string());
            return Err(self.err("NUL characters cannot be represented in XML"));
        }
        Ok(())
    }

    fn primitive(
        &mut self,
        name: &str,
        value: Option<&Value>,
        ext: Option<&Value>,
        depth: usize,
    ) -> Result<(), XmlError> {
        self.primitive_at(name, None, value, ext.filter(|v| !v.is_null()), depth)
    }

    fn primitive_at(
        &mut self,
        name: &str,
        index: Option<usize>,
        value: Option<&Value>,
        ext: Option<&Value>,
        depth: usize,
    ) -> Result<(), XmlError> {
        self.enter(segment(name, index), depth)?;
        let text = match value {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Bool(b)) => Some(b.to_string()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => return Err(self.err("expected a primitive value")),
        };
        let ext = match ext {
            None => None,
            Some(Value::Object(o)) => Some(o),
            Some(_) => return Err(self.err("the '_' companion must be an object")),
        };
        if text.is_none() && ext.is_none() {
            return Err(self.err("primitive without value and without '_' companion"));
        }
        self.indent(depth);
        self.out.push('<');
        self.out.push_str(name);
        let mut skip = Vec::with_capacity(1);
        if let Some(ext) = ext {
            if let Some(id) = ext.get("id") {
                self.attribute("id", id)?;
                skip.push("id");
            }
            if ext.contains_key("value") {
                return Err(self.err("'value' is not allowed in a '_' companion"));
            }
        }
        if let Some(text) = &text {
            self.check_chars("value", text)?;
            self.out.push_str(" value=\"");
            escape_attr(text, &mut self.out);
            self.out.push('"');
        }
        let wrote = match ext {
            Some(ext) => self.members(ext, &skip, false, depth + 1)?,
            None => false,
        };
        self.close(name, wrote, depth);
        self.path.pop();
        Ok(())
    }

    fn xhtml(&mut self, div: &str, depth: usize) -> Result<(), XmlError> {
        self.enter("div".to_string(), depth)?;
        let checked = check_xhtml(div).map_err(|reason| XmlError::InvalidXhtml {
            path: self.path(),
            reason,
        })?;
        self.indent(depth);
        self.out.push_str(&checked);
        self.path.pop();
        Ok(())
    }
}

fn segment(name: &str, index: Option<usize>) -> String {
    match index {
        Some(i) => format!("{name}[{i}]"),
        None => name.to_string(),
    }
}

/// FHIR property names are ASCII identifiers; anything else is refused.
fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Escapes an attribute value; whitespace and control characters become
/// character references so they survive attribute-value normalisation.
fn escape_attr(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            '\t' => out.push_str("&#x9;"),
            c if u32::from(c) < 0x20 => {
                out.push_str(&format!("&#x{:X};", u32::from(c)));
            }
            c => out.push(c),
        }
    }
}

/// Checks narrative XHTML (well-formed, root `div` in the XHTML namespace)
/// and returns it, adding the XHTML namespace declaration when missing.
fn check_xhtml(div: &str) -> Result<String, String> {
    let mut reader = NsReader::from_str(div);
    let mut depth = 0usize;
    let mut root_seen = false;
    let mut insert_at = None;
    loop {
        let start = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| e.to_string())?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if depth == 0 {
                    if root_seen {
                        return Err("more than one root element".into());
                    }
                    root_seen = true;
                    if e.local_name().as_ref() != b"div" {
                        return Err("the root element must be <div>".into());
                    }
                    let (ns, _) = reader.resolver().resolve_element(e.name());
                    match ns {
                        ResolveResult::Bound(ns) if ns.as_ref() == XHTML_NS.as_bytes() => {}
                        ResolveResult::Unbound if e.name().prefix().is_none() => {
                            insert_at = Some(start + 1 + e.name().as_ref().len());
                        }
                        _ => return Err(format!("<div> must be in namespace {XHTML_NS}")),
                    }
                }
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(format!("nesting deeper than {MAX_DEPTH} levels"));
                    }
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Text(t) => {
                if depth == 0 && !is_blank(&t) {
                    return Err("text outside the <div> element".into());
                }
            }
            Event::CData(_) if depth == 0 => return Err("text outside the <div> element".into()),
            Event::GeneralRef(r) => {
                if depth == 0 {
                    return Err("text outside the <div> element".into());
                }
                check_general_ref(&r)?;
            }
            Event::DocType(_) => return Err("DOCTYPE is not allowed".into()),
            Event::Decl(_) => return Err("XML declaration is not allowed in narrative".into()),
            Event::Eof => break,
            Event::CData(_) | Event::Comment(_) | Event::PI(_) => {}
        }
    }
    if !root_seen {
        return Err("no <div> element".into());
    }
    Ok(match insert_at {
        Some(at) if div.is_char_boundary(at) => {
            let mut s = String::with_capacity(div.len() + XHTML_NS.len() + 10);
            s.push_str(&div[..at]);
            s.push_str(" xmlns=\"");
            s.push_str(XHTML_NS);
            s.push('"');
            s.push_str(&div[at..]);
            s
        }
        _ => div.to_string(),
    })
}
