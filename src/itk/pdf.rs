//! A minimal PDF 1.4 writer for the consultation reports the harness sends: one A4 page per 50 lines of text in
//! Helvetica, with a correct cross-reference table, so that any PDF reader opens it.

/// Lines per page.
const LINES_PER_PAGE: usize = 50;

/// Escapes a line for a PDF literal string (Latin-1 text; other characters become `?`).
fn literal(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 2);
    for c in line.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// A PDF document with `lines` of text (at least one page, even for no lines).
pub fn text_document(lines: &[String]) -> Vec<u8> {
    let pages: Vec<&[String]> = if lines.is_empty() {
        vec![&[]]
    } else {
        lines.chunks(LINES_PER_PAGE).collect()
    };
    // Objects: 1 catalog, 2 page tree, 3 font, then a page and its content stream per page.
    let mut objects: Vec<String> = Vec::new();
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".into());
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", 4 + 2 * i))
        .collect();
    objects.push(format!(
        "<< /Type /Pages /Kids [{}] /Count {} >>",
        kids.join(" "),
        pages.len()
    ));
    objects.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into());
    for (i, page) in pages.iter().enumerate() {
        let content_id = 5 + 2 * i;
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>"
        ));
        let mut text = String::from("BT /F1 11 Tf 56 790 Td 14 TL\n");
        for line in page.iter() {
            text.push_str(&format!("({}) '\n", literal(line)));
        }
        text.push_str("ET");
        objects.push(format!(
            "<< /Length {} >>\nstream\n{text}\nendstream",
            text.len()
        ));
    }
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cross_reference_table_points_at_every_object() {
        let lines: Vec<String> = (0..120)
            .map(|i| format!("Line {i} (with brackets)"))
            .collect();
        let pdf = text_document(&lines);
        let find = |needle: &[u8]| pdf.windows(needle.len()).position(|w| w == needle);
        assert!(pdf.starts_with(b"%PDF-1.4\n"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        assert!(find(b"/Count 3").is_some(), "120 lines make 3 pages");
        assert!(find(b"(Line 7 \\(with brackets\\)) '").is_some());
        let xref = find(b"xref\n").unwrap();
        let table = String::from_utf8(pdf[xref..].to_vec()).unwrap();
        let start: usize = table
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert_eq!(start, xref);
        let entries: Vec<usize> = table
            .lines()
            .skip(3)
            .take_while(|l| l.ends_with(" n "))
            .map(|l| l[..10].parse().unwrap())
            .collect();
        assert_eq!(entries.len(), 3 + 2 * 3);
        for (i, off) in entries.iter().enumerate() {
            assert!(
                pdf[*off..].starts_with(format!("{} 0 obj", i + 1).as_bytes()),
                "object {}",
                i + 1
            );
        }
        let empty = text_document(&[]);
        assert!(empty.windows(8).any(|w| w == b"/Count 1"));
    }
}

/// Why bytes are not a PDF a reader can open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("does not start with the PDF header `%PDF-`")]
    NoHeader,
    #[error("has no `%%EOF` end-of-file marker (truncated?)")]
    NoEnd,
    #[error("has no page")]
    NoPage,
}

/// The number of pages of a PDF: page objects (`/Type /Page`) in the file and in its Flate-compressed object
/// streams. The header and the end-of-file marker must be there.
pub fn page_count(pdf: &[u8]) -> Result<usize, PdfError> {
    let start = pdf
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    if !pdf[start..].starts_with(b"%PDF-") {
        return Err(PdfError::NoHeader);
    }
    let tail = &pdf[pdf.len().saturating_sub(1024)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(PdfError::NoEnd);
    }
    let mut pages = count_pages(pdf);
    for stream in streams(pdf) {
        let mut inflated = Vec::new();
        use std::io::Read;
        if flate2::read::ZlibDecoder::new(stream)
            .take(64 * 1024 * 1024)
            .read_to_end(&mut inflated)
            .is_ok()
        {
            pages += count_pages(&inflated);
        }
    }
    if pages == 0 {
        Err(PdfError::NoPage)
    } else {
        Ok(pages)
    }
}

/// Occurrences of `/Type /Page` (any whitespace, not `/Pages`).
fn count_pages(bytes: &[u8]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while let Some(p) = find(&bytes[i..], b"/Type") {
        let mut j = i + p + 5;
        while bytes.get(j).is_some_and(|b| b.is_ascii_whitespace()) {
            j += 1;
        }
        if bytes[j..].starts_with(b"/Page") && !bytes[j..].starts_with(b"/Pages") {
            n += 1;
        }
        i = j;
    }
    n
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The raw data of every `stream ... endstream`.
fn streams(pdf: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = find(&pdf[i..], b"stream") {
        let mut s = i + p + 6;
        // `endstream` also contains `stream`: skip it.
        if i + p >= 3 && &pdf[i + p - 3..i + p] == b"end" {
            i = s;
            continue;
        }
        if pdf[s..].starts_with(b"\r\n") {
            s += 2;
        } else if pdf[s..].starts_with(b"\n") {
            s += 1;
        } else {
            i = s;
            continue;
        }
        match find(&pdf[s..], b"endstream") {
            Some(e) => {
                out.push(&pdf[s..s + e]);
                i = s + e + 9;
            }
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod page_tests {
    use super::*;

    #[test]
    fn pages_are_counted_and_broken_files_named() {
        let lines: Vec<String> = (0..51).map(|i| i.to_string()).collect();
        assert_eq!(page_count(&text_document(&lines)), Ok(2));
        assert_eq!(page_count(b"hello"), Err(PdfError::NoHeader));
        let doc = text_document(&lines);
        assert_eq!(page_count(&doc[..doc.len() / 2]), Err(PdfError::NoEnd));
        assert_eq!(page_count(b"%PDF-1.4\n%%EOF\n"), Err(PdfError::NoPage));
    }

    #[test]
    fn the_official_example_pdf_has_pages() {
        use base64::Engine;
        let path = crate::fhir::FhirPath::development_default()
            .existing()
            .expect("../shared/fhir")
            .into_iter()
            .map(|f| {
                f.join(
                    "nhsconnect-gpconnect-messaging-examples/senddocument/consultation_report.xml",
                )
            })
            .find(|p| p.is_file())
            .expect("the official example");
        let text = std::fs::read_to_string(path).expect("readable");
        let b64 = text
            .split("<content value=\"")
            .nth(1)
            .and_then(|t| t.split('"').next())
            .expect("a Binary content");
        let pdf = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64");
        assert!(
            page_count(&pdf).is_ok_and(|n| n >= 1),
            "{:?}",
            page_count(&pdf)
        );
    }
}
