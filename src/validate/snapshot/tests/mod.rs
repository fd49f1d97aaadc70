use super::*;

mod published;

/// A resolver over a fixed set of definitions.
fn resolver(defs: Vec<Value>) -> impl Fn(&str) -> Option<Arc<Value>> {
    let by_url: HashMap<String, Arc<Value>> = defs
        .into_iter()
        .map(|d| (d["url"].as_str().unwrap().to_string(), Arc::new(d)))
        .collect();
    move |url| by_url.get(url).cloned()
}

fn el(id: &str, min: u64, max: &str, types: &[&str]) -> Value {
    let path: Vec<&str> = id
        .split('.')
        .map(|s| s.split(':').next().unwrap())
        .collect();
    let mut e = json!({ "id": id, "path": path.join("."), "min": min, "max": max });
    if !types.is_empty() {
        e["type"] = Value::Array(types.iter().map(|t| json!({ "code": t })).collect());
    }
    e
}

fn core(name: &str, children: &[(&str, u64, &str, &[&str])]) -> Value {
    let mut elements = vec![el(name, 0, "*", &[])];
    for (c, min, max, types) in children {
        elements.push(el(&format!("{name}.{c}"), *min, max, types));
    }
    json!({
        "resourceType": "StructureDefinition",
        "url": format!("{CORE}{name}"),
        "type": name,
        "snapshot": { "element": elements }
    })
}

fn definitions() -> Vec<Value> {
    let mut thing = core(
        "Thing",
        &[
            ("identifier", 0, "*", &["Identifier"]),
            ("value[x]", 0, "1", &["string", "CodeableConcept"]),
            ("extension", 0, "*", &["Extension"]),
            ("part", 0, "*", &["BackboneElement"]),
            ("part.code", 0, "1", &["CodeableConcept"]),
            ("part.part", 0, "*", &[]),
        ],
    );
    thing["snapshot"]["element"][6]["contentReference"] = json!("#Thing.part");
    vec![
        thing,
        core(
            "Identifier",
            &[("system", 0, "1", &["uri"]), ("value", 0, "1", &["string"])],
        ),
        core(
            "CodeableConcept",
            &[
                ("coding", 0, "*", &["Coding"]),
                ("text", 0, "1", &["string"]),
            ],
        ),
        core(
            "Coding",
            &[("system", 0, "1", &["uri"]), ("code", 0, "1", &["code"])],
        ),
        core(
            "Extension",
            &[
                ("extension", 0, "*", &["Extension"]),
                ("url", 1, "1", &["uri"]),
                ("value[x]", 0, "1", &["string", "CodeableConcept"]),
            ],
        ),
        json!({
            "resourceType": "StructureDefinition",
            "url": "http://x/Ext",
            "type": "Extension",
            "baseDefinition": format!("{CORE}Extension"),
            "differential": { "element": [
                { "id": "Extension", "path": "Extension", "max": "1", "short": "one ext" },
                { "id": "Extension.url", "path": "Extension.url", "fixedUri": "http://x/Ext" },
                { "id": "Extension.value[x]:valueString", "path": "Extension.valueString",
                  "sliceName": "valueString", "type": [{ "code": "string" }] }
            ] }
        }),
    ]
}

fn profile(differential: Value) -> Value {
    json!({
        "resourceType": "StructureDefinition",
        "url": "http://x/Profile",
        "type": "Thing",
        "baseDefinition": format!("{CORE}Thing"),
        "differential": { "element": differential }
    })
}

fn ids(sd: &Value) -> Vec<String> {
    sd["snapshot"]["element"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

fn element<'a>(sd: &'a Value, id: &str) -> &'a Value {
    sd["snapshot"]["element"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {:?}", ids(sd)))
}

#[test]
fn slices_renames_and_type_expansion() {
    let defs = definitions();
    let mut g = Generator::new(resolver(defs));
    let sd = g
        .generate(&profile(json!([
            { "id": "Thing.identifier", "path": "Thing.identifier",
              "slicing": { "discriminator": [{ "type": "value", "path": "system" }], "rules": "open" } },
            { "id": "Thing.identifier:nhs", "path": "Thing.identifier", "sliceName": "nhs", "min": 1, "max": "1" },
            { "id": "Thing.identifier:nhs.system", "path": "Thing.identifier.system", "fixedUri": "urn:nhs" },
            { "id": "Thing.value[x]:valueCodeableConcept", "path": "Thing.valueCodeableConcept",
              "sliceName": "valueCodeableConcept", "type": [{ "code": "CodeableConcept" }] },
            { "id": "Thing.value[x]:valueCodeableConcept.coding.system",
              "path": "Thing.valueCodeableConcept.coding.system", "min": 1 },
            { "id": "Thing.extension:ext", "path": "Thing.extension", "sliceName": "ext",
              "type": [{ "code": "Extension", "profile": "http://x/Ext" }] },
            { "id": "Thing.part.code", "path": "Thing.part.code", "min": 1,
              "constraint": [{ "key": "p-1", "severity": "error", "human": "x", "expression": "true" }] }
        ])))
        .unwrap();
    assert_eq!(
        ids(&sd),
        [
            "Thing",
            "Thing.identifier",
            "Thing.identifier:nhs",
            "Thing.identifier:nhs.system",
            "Thing.identifier:nhs.value",
            "Thing.value[x]:valueCodeableConcept",
            "Thing.value[x]:valueCodeableConcept.coding",
            "Thing.value[x]:valueCodeableConcept.coding.system",
            "Thing.value[x]:valueCodeableConcept.coding.code",
            "Thing.value[x]:valueCodeableConcept.text",
            "Thing.extension",
            "Thing.extension:ext",
            "Thing.part",
            "Thing.part.code",
            "Thing.part.part",
        ]
    );
    let nhs = element(&sd, "Thing.identifier:nhs");
    assert_eq!(
        (nhs["min"].clone(), nhs["max"].clone()),
        (json!(1), json!("1"))
    );
    assert_eq!(nhs["sliceName"], "nhs");
    assert!(nhs.get("slicing").is_none());
    assert_eq!(
        element(&sd, "Thing.identifier:nhs.system")["fixedUri"],
        "urn:nhs"
    );
    assert_eq!(
        element(&sd, "Thing.identifier:nhs.system")["path"],
        "Thing.identifier.system"
    );
    let renamed = element(&sd, "Thing.value[x]:valueCodeableConcept.coding.system");
    assert_eq!(renamed["path"], "Thing.valueCodeableConcept.coding.system");
    assert_eq!(renamed["min"], 1);
    // The extension slice takes the definition's narrower max and text; the element is sliced by url.
    let ext = element(&sd, "Thing.extension:ext");
    assert_eq!(
        (ext["max"].clone(), ext["short"].clone()),
        (json!("1"), json!("one ext"))
    );
    assert_eq!(
        element(&sd, "Thing.extension")["slicing"]["discriminator"][0]["path"],
        "url"
    );
    assert_eq!(
        element(&sd, "Thing.part.code")["constraint"][0]["key"],
        "p-1"
    );
    assert_eq!(
        element(&sd, "Thing.part.code")["base"]["path"],
        "Thing.part.code"
    );
}

#[test]
fn differential_only_bases_and_extension_children() {
    let mut defs = definitions();
    // A profile on the differential-only extension definition, constraining inside its value.
    defs.push(json!({
        "resourceType": "StructureDefinition",
        "url": "http://x/Ext2",
        "type": "Extension",
        "baseDefinition": "http://x/Ext",
        "differential": { "element": [
            { "id": "Extension.valueString:valueString", "path": "Extension.valueString", "maxLength": 3 }
        ] }
    }));
    let mut g = Generator::new(resolver(defs));
    let sd = g.with_snapshot("http://x/Ext2").unwrap();
    assert_eq!(
        ids(&sd),
        [
            "Extension",
            "Extension.extension",
            "Extension.url",
            "Extension.value[x]:valueString"
        ]
    );
    let v = element(&sd, "Extension.value[x]:valueString");
    assert_eq!(v["maxLength"], 3);
    assert_eq!(v["type"], json!([{ "code": "string" }]));
    assert_eq!(element(&sd, "Extension.url")["fixedUri"], "http://x/Ext");
    // Children of an extension slice come from the extension definition.
    let sd = g
        .generate(&profile(json!([
            { "id": "Thing.extension:ext", "path": "Thing.extension", "sliceName": "ext",
              "type": [{ "code": "Extension", "profile": "http://x/Ext" }] },
            { "id": "Thing.extension:ext.value[x]:valueString", "path": "Thing.extension.valueString", "min": 1 }
        ])))
        .unwrap();
    assert_eq!(
        element(&sd, "Thing.extension:ext.url")["fixedUri"],
        "http://x/Ext"
    );
    assert_eq!(
        element(&sd, "Thing.extension:ext.value[x]:valueString")["min"],
        1
    );
}

#[test]
fn ids_are_rebuilt_from_paths_and_slice_names() {
    let mut g = Generator::new(resolver(definitions()));
    let sd = g
        .generate(&profile(json!([
            { "path": "Thing.identifier", "slicing": { "rules": "closed" } },
            { "path": "Thing.identifier", "sliceName": "a" },
            { "path": "Thing.identifier.value", "min": 1 },
            { "path": "Thing.identifier", "sliceName": "b" },
            { "path": "Thing.identifier.system", "min": 1 }
        ])))
        .unwrap();
    assert_eq!(element(&sd, "Thing.identifier:a.value")["min"], 1);
    assert_eq!(element(&sd, "Thing.identifier:a.system")["min"], 0);
    assert_eq!(element(&sd, "Thing.identifier:b.system")["min"], 1);
    assert_eq!(element(&sd, "Thing.identifier:b.value")["min"], 0);
    assert_eq!(
        element(&sd, "Thing.identifier")["slicing"]["rules"],
        "closed"
    );
    // A contentReference is expanded from the element it names.
    let sd = g
        .generate(&profile(json!([
            { "id": "Thing.part.part.code", "path": "Thing.part.part.code", "min": 1 }
        ])))
        .unwrap();
    assert_eq!(element(&sd, "Thing.part.part.code")["min"], 1);
    assert_eq!(
        element(&sd, "Thing.part.part.part")["contentReference"],
        "#Thing.part"
    );
}

#[test]
fn re_slices_follow_their_slice() {
    let mut defs = definitions();
    defs.push(json!({
        "resourceType": "StructureDefinition", "url": "http://x/Sliced", "type": "Thing",
        "baseDefinition": format!("{CORE}Thing"),
        "differential": { "element": [
            { "id": "Thing.identifier", "path": "Thing.identifier", "slicing": { "rules": "open" } },
            { "id": "Thing.identifier:a", "path": "Thing.identifier", "sliceName": "a", "max": "3" }
        ] }
    }));
    let mut g = Generator::new(resolver(defs));
    let sd = g
        .generate(&json!({
            "url": "http://x/Resliced", "type": "Thing", "baseDefinition": "http://x/Sliced",
            "differential": { "element": [
                { "id": "Thing.identifier:a", "path": "Thing.identifier", "sliceName": "a",
                  "slicing": { "rules": "closed" } },
                { "id": "Thing.identifier:a/b", "path": "Thing.identifier", "sliceName": "a/b", "min": 1 },
                { "id": "Thing.identifier:c", "path": "Thing.identifier", "sliceName": "c" }
            ] }
        }))
        .unwrap();
    assert_eq!(
        ids(&sd)[..5],
        [
            "Thing",
            "Thing.identifier",
            "Thing.identifier:a",
            "Thing.identifier:a/b",
            "Thing.identifier:c"
        ]
    );
    assert_eq!(
        element(&sd, "Thing.identifier:a")["slicing"]["rules"],
        "closed"
    );
    assert_eq!(element(&sd, "Thing.identifier:a")["max"], "3");
    assert_eq!(element(&sd, "Thing.identifier:a/b")["min"], 1);
    assert_eq!(element(&sd, "Thing.identifier:a/b")["sliceName"], "a/b");
}

#[test]
fn problems_are_reported() {
    let mut defs = definitions();
    defs.push(json!({
        "resourceType": "StructureDefinition", "url": "http://x/A", "type": "Thing",
        "baseDefinition": "http://x/B", "differential": { "element": [] }
    }));
    defs.push(json!({
        "resourceType": "StructureDefinition", "url": "http://x/B", "type": "Thing",
        "baseDefinition": "http://x/A", "differential": { "element": [] }
    }));
    let mut g = Generator::new(resolver(defs));
    assert!(matches!(
        g.with_snapshot("http://x/A"),
        Err(SnapshotError::Cycle { .. })
    ));
    let unknown = g.generate(&profile(
        json!([{ "id": "Thing.colour", "path": "Thing.colour" }]),
    ));
    assert!(
        matches!(&unknown, Err(SnapshotError::NoBaseElement { id, .. }) if id == "Thing.colour"),
        "{unknown:?}"
    );
    let ambiguous = g.generate(&profile(
        json!([{ "id": "Thing.value[x].text", "path": "Thing.value[x].text" }]),
    ));
    assert!(
        matches!(&ambiguous, Err(SnapshotError::Expand { .. })),
        "{ambiguous:?}"
    );
    let missing = g.generate(
        &json!({ "url": "http://x/C", "baseDefinition": "http://x/nowhere",
        "differential": { "element": [] } }),
    );
    assert!(
        matches!(&missing, Err(SnapshotError::NotFound { missing, .. }) if missing == "http://x/nowhere"),
        "{missing:?}"
    );
}
