//! The one JSON path of the steps: dotted member names with optional `[n]` indexes, as FHIRPath writes element
//! locations (`entry[0].resource.name[0].use`). Every step that reads, sets or removes an element of a resource
//! goes through here.

use serde_json::{json, Value};

/// One step of a path: a member name (empty for a bare `[n]`) and an optional index.
fn segments(path: &str) -> Vec<(&str, Option<usize>)> {
    path.split('.')
        .filter(|p| !p.is_empty())
        .map(|part| match part.find('[') {
            Some(i) => (
                &part[..i],
                part[i + 1..].trim_end_matches(']').parse::<usize>().ok(),
            ),
            None => (part, None),
        })
        .collect()
}

/// The value at `path`, if every member and index on the way exists.
pub fn get<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = value;
    for (name, index) in segments(path) {
        if !name.is_empty() {
            cur = cur.get(name)?;
        }
        if let Some(i) = index {
            cur = cur.get(i)?;
        }
    }
    Some(cur)
}

/// The string at `path`.
pub fn str_at<'a>(value: &'a Value, path: &str) -> Option<&'a str> {
    get(value, path).and_then(Value::as_str)
}

/// Sets `path` in `root`, creating objects on the way; an index equal to an array's length appends to it.
pub fn set(root: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let segs = segments(path);
    let mut cur = root;
    for (n, (name, index)) in segs.iter().enumerate() {
        let last = n + 1 == segs.len();
        let obj = cur
            .as_object_mut()
            .ok_or_else(|| format!("`{path}`: `{name}` is not inside an object"))?;
        match index {
            None if last => {
                obj.insert((*name).to_string(), value);
                return Ok(());
            }
            None => {
                cur = obj.entry((*name).to_string()).or_insert_with(|| json!({}));
            }
            Some(i) => {
                let arr = obj
                    .entry((*name).to_string())
                    .or_insert_with(|| json!([]))
                    .as_array_mut()
                    .ok_or_else(|| format!("`{path}`: `{name}` is not an array"))?;
                if *i == arr.len() {
                    arr.push(json!({}));
                }
                let slot = arr
                    .get_mut(*i)
                    .ok_or_else(|| format!("`{path}`: `{name}` has no item {i}"))?;
                if last {
                    *slot = value;
                    return Ok(());
                }
                cur = slot;
            }
        }
    }
    Err(format!("`{path}` is not a path"))
}

/// Removes `path` from `root`; an error when there is nothing there to remove.
pub fn remove(root: &mut Value, path: &str) -> Result<(), String> {
    let segs = segments(path);
    let missing = || format!("there is no `{path}` to remove");
    let Some(((name, index), parents)) = segs.split_last() else {
        return Err(format!("`{path}` is not a path"));
    };
    let mut cur = root;
    for (p, i) in parents {
        cur = cur.get_mut(*p).ok_or_else(missing)?;
        if let Some(i) = i {
            cur = cur.get_mut(*i).ok_or_else(missing)?;
        }
    }
    match index {
        None => cur
            .as_object_mut()
            .and_then(|o| o.remove(*name))
            .map(|_| ())
            .ok_or_else(missing),
        Some(i) => {
            let arr = cur
                .get_mut(*name)
                .and_then(Value::as_array_mut)
                .ok_or_else(missing)?;
            if *i < arr.len() {
                arr.remove(*i);
                Ok(())
            } else {
                Err(missing())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_set_and_remove_share_one_path_language() {
        let mut v = json!({ "participant": [{ "status": "accepted" }] });
        set(&mut v, "participant[0].actor.reference", json!("Patient/1")).ok();
        set(&mut v, "priority", json!(1)).ok();
        assert_eq!(
            str_at(&v, "participant[0].actor.reference"),
            Some("Patient/1")
        );
        assert_eq!(get(&v, "priority"), Some(&json!(1)));
        assert!(remove(&mut v, "participant[0].status").is_ok());
        assert!(get(&v, "participant[0].status").is_none());
        assert!(remove(&mut v, "missing").is_err());
        assert!(set(&mut v, "participant[5].x", json!(1)).is_err());
        assert_eq!(get(&json!([1, 2]), "[1]"), Some(&json!(2)));
    }
}
