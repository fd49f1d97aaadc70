//! The reader gives serde_json's value (key order included) or serde_json's error, for every input.

use serde_json::Value;

use super::parse;

/// What serde_json makes of `text`, as comparable text: the value written out (order kept) or the error.
fn serde_json_reads(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => format!("ok {v}"),
        Err(e) => format!("error {e}"),
    }
}

fn ours(text: &str) -> String {
    match parse(text) {
        Ok(v) => format!("ok {v}"),
        Err(e) => format!("error {e}"),
    }
}

fn assert_same(text: &str) {
    assert_eq!(ours(text), serde_json_reads(text), "input: {text:?}");
}

#[test]
fn values_and_errors_are_serde_jsons() {
    let long = "A".repeat(1000);
    let long_escaped = format!("{long}\\n{long}\\u00e9{long}\"");
    for text in [
        "{}",
        "[]",
        " { \"a\" : [ 1 , 2 , { } , [ ] ] , \"b\" : null , \"c\" : true , \"d\" : false } ",
        "{\"resourceType\":\"Patient\",\"id\":\"x\",\"active\":true}",
        "\"plain\"",
        "\"\"",
        "\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041 \\u00e9 \\u20ac end\"",
        "\"pair \\ud83d\\ude00 end\"",
        "\"lone high \\ud83d end\"",
        "\"lone high then other \\ud83d\\u0041\"",
        "\"lone low \\ude00\"",
        "\"bad escape \\x\"",
        "\"bad hex \\u12g4\"",
        "\"control \u{1} inside\"",
        "\"tab \t inside\"",
        "\"non-ASCII é € 😀 \"",
        "\"unterminated",
        "0",
        "-0",
        "7",
        "01",
        "-5",
        "1.5",
        "1e3",
        "1E-3",
        "-1.25e+2",
        "9999999999999999999",
        "18446744073709551615",
        "18446744073709551616",
        "123456789012345678901234567890",
        "-9223372036854775808",
        "-9223372036854775809",
        "2.2250738585072011e-308",
        "1e400",
        "1.",
        ".5",
        "-",
        "+1",
        "1-2",
        "{\"a\":1,\"a\":2,\"b\":3}",
        "{\"a\":1,}",
        "[1,]",
        "[1 2]",
        "{\"a\" 1}",
        "{a:1}",
        "{\"$serde_json::private::RawValue\":\"1\"}",
        "{\"x\":1,\"$serde_json::private::RawValue\":\"1\"}",
        "nul",
        "null x",
        "true",
        "tru",
        "",
        "   ",
        "\u{feff}{}",
        "[[[[[[[[[[]]]]]]]]]]",
    ] {
        assert_same(text);
    }
    assert_same(&format!("\"{long}\""));
    assert_same(&format!("\"{long_escaped}"));
    assert_same(&format!("\"{long}\u{1}{long}\""));
    assert_same(&format!("{{\"data\":\"{long}\\\"{long}\"}}"));
    // Nesting at, over and far over the reader's depth and serde_json's limit.
    for depth in [99, 100, 101, 127, 128, 129, 500] {
        assert_same(&format!("{}{}", "[".repeat(depth), "]".repeat(depth)));
        assert_same(&format!(
            "{}1{}",
            "{\"a\":".repeat(depth),
            "}".repeat(depth)
        ));
    }
}

/// A small, fixed pseudo-random sequence (the same on every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.0 >> 33).unwrap_or(0) % below.max(1)
    }
}

#[test]
fn mutants_of_a_resource_read_as_serde_json_reads_them() {
    let seed = r#"{"resourceType":"Bundle","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Observation","valueQuantity":{"value":1.5e2,"unit":"mg","code":"mg"},"note":[{"text":"line\nnext \"q\" \u00e9 😀"}],"component":[],"x":[1,-2,30,null,true,false,{}]}}]}"#;
    let pieces = [
        "\"",
        "\\",
        "\\u",
        "\\ud83d",
        "\\ude00",
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "-",
        "0",
        "1",
        "e",
        ".",
        " ",
        "\n",
        "\u{1}",
        "é",
        "null",
        "true",
        "\"a\":",
        "$serde_json::private::RawValue",
    ];
    let mut rng = Lcg(17);
    for _ in 0..20_000 {
        let mut text: Vec<char> = seed.chars().collect();
        for _ in 0..=rng.next(3) {
            let at = rng.next(text.len() + 1);
            match rng.next(3) {
                0 if at < text.len() => {
                    text.remove(at);
                }
                1 if at < text.len() => {
                    let piece = pieces[rng.next(pieces.len())];
                    text.splice(at..=at, piece.chars());
                }
                _ => {
                    let piece = pieces[rng.next(pieces.len())];
                    text.splice(at..at, piece.chars());
                }
            }
        }
        let text: String = text.into_iter().collect();
        assert_same(&text);
    }
}

#[test]
fn every_shared_json_file_reads_as_serde_json_reads_it() {
    let mut files = Vec::new();
    let mut folders = vec![
        std::path::PathBuf::from("../shared/fhir/nhsconnect-gpconnect-spec-examples"),
        std::path::PathBuf::from("../shared/fhir/realworld-gp2gp-adaptor"),
        std::path::PathBuf::from("../shared/fhir/nhsconnect-STU3-FHIR-Assets"),
    ];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)
            .expect("../shared/fhir beside the repository")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 100, "the shared JSON files are found");
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        assert_eq!(ours(&text), serde_json_reads(&text), "{}", path.display());
    }
}

#[test]
fn the_first_special_byte_is_found_from_any_start() {
    let mut rng = Lcg(5);
    let mut bytes = vec![0u8; 300];
    for _ in 0..300 {
        for b in &mut bytes {
            *b = match rng.next(60) {
                0 => b'"',
                1 => b'\\',
                2 => u8::try_from(rng.next(32)).unwrap_or(0),
                _ => u8::try_from(0x20 + rng.next(224)).unwrap_or(b'a'),
            };
        }
        for start in 0..=bytes.len() {
            let expected = bytes[start..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .map_or(bytes.len(), |p| p + start);
            assert_eq!(super::special_from(&bytes, start), expected);
        }
    }
}
