//! Looking up an object's properties. `serde_json`'s map (in document order) finds a key by hashing it with
//! SipHash; most FHIR objects have a handful of properties, where comparing each key is cheaper.

use serde_json::{Map, Value};

/// Objects with at most this many properties are scanned instead of hashed.
const SCAN_MAX: usize = 8;

/// `obj.get(name)`.
pub(crate) fn field<'v>(obj: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    if obj.len() <= SCAN_MAX {
        obj.iter().find_map(|(k, v)| (k == name).then_some(v))
    } else {
        obj.get(name)
    }
}

/// `(obj.get_key_value(name), obj.get(underscored))` in one look: a primitive's value and its `_name`
/// extension.
pub(crate) fn field_and_extension<'v>(
    obj: &'v Map<String, Value>,
    name: &str,
    underscored: &str,
) -> (Option<(&'v String, &'v Value)>, Option<&'v Value>) {
    if obj.len() > SCAN_MAX {
        return (obj.get_key_value(name), obj.get(underscored));
    }
    let mut direct = None;
    let mut ext = None;
    for (k, v) in obj {
        if k == name {
            direct = Some((k, v));
        } else if k == underscored {
            ext = Some(v);
        }
    }
    (direct, ext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scan_and_a_lookup_find_the_same_properties() {
        for n in [0usize, 1, 3, SCAN_MAX, SCAN_MAX + 1, 20] {
            let mut obj = Map::new();
            for i in 0..n {
                obj.insert(format!("p{i}"), Value::from(i));
                if i % 2 == 0 {
                    obj.insert(format!("_p{i}"), Value::from(i + 100));
                }
            }
            for i in 0..n + 2 {
                let name = format!("p{i}");
                let under = format!("_p{i}");
                assert_eq!(field(&obj, &name), obj.get(&name), "{n} {name}");
                assert_eq!(
                    field_and_extension(&obj, &name, &under),
                    (obj.get_key_value(&name), obj.get(&under)),
                    "{n} {name}"
                );
            }
        }
    }
}
