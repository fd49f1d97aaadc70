//! JSON navigation: path steps over properties, choice elements and `_name` primitive companions.

use serde_json::Value;

use super::parser::Member;
use super::types::{choice_suffix, node_is_type, TYPE_SUFFIXES};
use super::{Item, Node};

fn is_primitive_json(v: &Value) -> bool {
    match v {
        Value::Object(_) => false,
        Value::Array(a) => !a.iter().any(Value::is_object),
        _ => true,
    }
}

pub(super) fn object_ext(v: Option<&Value>) -> Option<&Value> {
    v.filter(|e| e.is_object())
}

/// Pushes the node(s) for a property value and its `_name` companion.
fn push_values<'a>(
    value: Option<&'a Value>,
    ext: Option<&'a Value>,
    hint: Option<&'a str>,
    out: &mut Vec<Item<'a>>,
) {
    let node = |value: Option<&'a Value>, ext: Option<&'a Value>| {
        Item::Node(Node {
            value: value.filter(|v| !v.is_null()),
            ext: object_ext(ext),
            type_hint: hint,
        })
    };
    match (value, ext) {
        (Some(Value::Array(values)), ext) => {
            let exts = ext.and_then(Value::as_array);
            for (i, v) in values.iter().enumerate() {
                let e = exts.and_then(|a| a.get(i)).filter(|e| e.is_object());
                if !v.is_null() || e.is_some() {
                    out.push(node(Some(v), e));
                }
            }
            if let Some(exts) = exts {
                for e in exts.iter().skip(values.len()).filter(|e| e.is_object()) {
                    out.push(node(None, Some(e)));
                }
            }
        }
        (None | Some(Value::Null), Some(Value::Array(exts))) => {
            for e in exts.iter().filter(|e| e.is_object()) {
                out.push(node(None, Some(e)));
            }
        }
        (Some(v), e) if !v.is_null() => out.push(node(Some(v), e)),
        (_, Some(e)) if e.is_object() => out.push(node(None, Some(e))),
        _ => {}
    }
}

pub(super) fn navigate<'a>(node: &Node<'a>, member: &Member, out: &mut Vec<Item<'a>>) {
    let Some(obj) = node.container() else {
        return;
    };
    let (direct, ext) = crate::validate::fields::field_and_extension(
        obj,
        member.name.as_str(),
        member.underscored.as_str(),
    );
    if direct.is_some() || ext.is_some() {
        let hint = direct.and_then(|(k, _)| choice_suffix(k));
        push_values(direct.map(|(_, v)| v), ext, hint, out);
        return;
    }
    if member.type_like
        && node.resource_type().is_some()
        && node_is_type(node, member.name.as_str())
    {
        out.push(Item::Node(*node));
        return;
    }
    if member.choice {
        for (k, v) in obj {
            if let Some(suffix) = k.strip_prefix(member.name.as_str()) {
                if TYPE_SUFFIXES.binary_search(&suffix).is_ok() {
                    let e = if is_primitive_json(v) {
                        companion(obj, k)
                    } else {
                        None
                    };
                    push_values(Some(v), e, Some(suffix), out);
                }
            } else if let Some(base) = k.strip_prefix('_') {
                if let Some(suffix) = base.strip_prefix(member.name.as_str()) {
                    if TYPE_SUFFIXES.binary_search(&suffix).is_ok() && !obj.contains_key(base) {
                        push_values(None, Some(v), Some(suffix), out);
                    }
                }
            }
        }
    }
}

/// The `_name` property of `obj` (a primitive's id and extensions), found without building its name on the
/// heap for the usual short name.
fn companion<'a>(obj: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    let mut buf = [0u8; 64];
    match buf.get_mut(..=name.len()) {
        Some(key) => {
            key[0] = b'_';
            key[1..].copy_from_slice(name.as_bytes());
            // `_` and the bytes of a `str`: still UTF-8.
            std::str::from_utf8(key).ok().and_then(|key| obj.get(key))
        }
        None => obj.get(&format!("_{name}")),
    }
}

pub(super) fn push_children<'a>(node: &Node<'a>, out: &mut Vec<Item<'a>>) {
    let Some(obj) = node.container() else {
        return;
    };
    for (k, v) in obj {
        if k == "resourceType" || k == "fhir_comments" {
            continue;
        }
        if let Some(base) = k.strip_prefix('_') {
            if !obj.contains_key(base) {
                push_values(None, Some(v), choice_suffix(base), out);
            }
        } else {
            let ext = if is_primitive_json(v) {
                companion(obj, k)
            } else {
                None
            };
            push_values(Some(v), ext, choice_suffix(k), out);
        }
    }
}
