//! From the bytes people send to rows of cells keyed by template column.
//!
//! What real files look like: Excel's "CSV UTF-8" (a BOM), Excel's plain "CSV" on Windows
//! (Windows-1252, so "Zoë" and "O’Neil" arrive as single bytes that are not UTF-8), "Unicode
//! text" (UTF-16 with a BOM), semicolons where the decimal separator is a comma, CRLF line
//! ends, quoted cells holding line breaks, and empty rows and columns at the end. Row numbers
//! are the ones Excel shows (header = row 1), counting empty rows and keeping a cell with line
//! breaks on one row, so a user can find the row the report names.

use std::collections::HashMap;

use s117_shared::import::Column;

use crate::error::ApiError;

/// A file that cannot be read as a CSV at all: one clear message (422).
pub fn unreadable(detail: impl Into<String>) -> ApiError {
    ApiError::Other {
        status: 422,
        code: "invalid-file",
        title: "The file cannot be checked",
        detail: detail.into(),
        extensions: Default::default(),
    }
}

/// The file as text, and how it was read.
pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
}

/// Which encoding the user said the file is in (`None`: detect).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1252,
}

impl Encoding {
    pub fn parse(s: &str) -> Option<Encoding> {
        match s.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "windows-1252" | "cp1252" | "latin1" | "iso-8859-1" => Some(Encoding::Windows1252),
            _ => None,
        }
    }
}

/// Decodes the upload: a UTF-16 or UTF-8 byte-order mark decides; otherwise text that is
/// valid UTF-8 is UTF-8 and anything else is Windows-1252 (every byte is a character there,
/// so a Windows file is never refused or mangled). Takes the bytes by value so that at most
/// one copy of the file lives at a time.
pub fn decode(bytes: Vec<u8>, chosen: Option<Encoding>) -> Result<Decoded, ApiError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(unreadable(
            "The file is empty. Download the template, add a row for each person, and upload it.",
        ));
    }
    for (bom, enc, name) in [
        (&[0xFF, 0xFE][..], encoding_rs::UTF_16LE, "utf-16"),
        (&[0xFE, 0xFF][..], encoding_rs::UTF_16BE, "utf-16"),
    ] {
        if bytes.starts_with(bom) {
            let (text, _) = enc.decode_with_bom_removal(&bytes);
            return checked(text.into_owned(), name);
        }
    }
    let utf8_bom = bytes.starts_with(&[0xEF, 0xBB, 0xBF]);
    match chosen {
        Some(Encoding::Windows1252) if !utf8_bom => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
            checked(text.into_owned(), "windows-1252")
        }
        _ => match String::from_utf8(bytes) {
            Ok(mut text) => {
                if utf8_bom {
                    text.drain(..3);
                }
                checked(text, "utf-8")
            }
            Err(e) if chosen == Some(Encoding::Utf8) => Err(unreadable(format!(
                "The file is not UTF-8 (byte {} is not valid). Save it as \"CSV UTF-8\" or choose Windows-1252.",
                e.utf8_error().valid_up_to() + 1
            ))),
            Err(e) => {
                let bytes = e.into_bytes();
                let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
                checked(text.into_owned(), "windows-1252")
            }
        },
    }
}

/// Refuses binary files (a spreadsheet saved as .xlsx, an image): text never holds NUL or
/// many other control characters.
fn checked(text: String, encoding: &'static str) -> Result<Decoded, ApiError> {
    let sample: Vec<char> = text.chars().take(8192).collect();
    let control = sample
        .iter()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    if sample.contains(&'\0') || control * 100 > sample.len().max(1) {
        return Err(unreadable(
            "This is not a CSV file. In Excel choose File, Save As, \"CSV UTF-8 (Comma delimited)\", and upload that file.",
        ));
    }
    Ok(Decoded { text, encoding })
}

/// The separator: whichever of comma, semicolon or tab the header line has most of.
pub fn sniff_separator(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let mut best = (b',', 0);
    for sep in [b',', b';', b'\t'] {
        let n = first.bytes().filter(|b| *b == sep).count();
        if n > best.1 {
            best = (sep, n);
        }
    }
    best.0
}

/// The header, read: which cell holds which column.
pub struct Header {
    pub positions: HashMap<Column, usize>,
    /// Headers the template does not have (reported, then ignored).
    pub ignored: Vec<String>,
}

/// Reads the header row; a header that lacks a mandatory column is refused with every
/// missing column named.
pub fn header(cells: &csv::StringRecord) -> Result<Header, ApiError> {
    let mut positions = HashMap::new();
    let mut ignored = Vec::new();
    for (i, cell) in cells.iter().enumerate() {
        let cell = cell.trim();
        if cell.is_empty() {
            continue;
        }
        match Column::from_header(cell) {
            Some(c) if positions.contains_key(&c) => {
                return Err(unreadable(format!(
                    "The column \"{}\" appears more than once in the header row.",
                    c.header()
                )))
            }
            Some(c) => {
                positions.insert(c, i);
            }
            None => ignored.push(cell.to_string()),
        }
    }
    let missing: Vec<&str> = Column::ALL
        .into_iter()
        .filter(|c| c.required() && !positions.contains_key(c))
        .map(|c| c.header())
        .collect();
    if !missing.is_empty() {
        let detail = if positions.is_empty() {
            "The first row of the file must be the template's header row (NHS Number, System ID, First Name, ...). Download the template and copy your data into it.".to_string()
        } else {
            format!(
                "The header row lacks these columns: {}. Download the template to see every column.",
                missing.join(", ")
            )
        };
        return Err(unreadable(detail));
    }
    Ok(Header { positions, ignored })
}

/// Walks the records of a CSV, giving each non-empty row with the row number Excel shows.
pub struct Rows<'a> {
    text: &'a str,
    reader: csv::Reader<&'a [u8]>,
    record: csv::StringRecord,
    /// Line breaks in `text[..counted_to]`.
    breaks: u64,
    counted_to: usize,
    /// Line breaks inside the cells of the records read so far (they do not start rows).
    inside_cells: u64,
}

impl<'a> Rows<'a> {
    pub fn new(text: &'a str) -> Rows<'a> {
        let reader = csv::ReaderBuilder::new()
            .delimiter(sniff_separator(text))
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        Rows {
            text,
            reader,
            record: csv::StringRecord::new(),
            breaks: 0,
            counted_to: 0,
            inside_cells: 0,
        }
    }

    /// The next record and its Excel row number (`None` at the end). Rows whose cells are
    /// all blank are skipped, but still counted.
    pub fn next_row(&mut self) -> Result<Option<(u32, &csv::StringRecord)>, ApiError> {
        loop {
            let more = self.reader.read_record(&mut self.record).map_err(|e| {
                unreadable(format!(
                    "The file cannot be read as CSV near line {}: check its quotes.",
                    e.position().map(|p| p.line()).unwrap_or(0)
                ))
            })?;
            if !more {
                return Ok(None);
            }
            // csv reports where it started reading the record: at the end of the one before
            // (its line break and any blank lines still ahead).
            let start = self
                .record
                .position()
                .map(|p| p.byte() as usize)
                .unwrap_or(self.counted_to)
                .clamp(self.counted_to, self.text.len());
            let bytes = self.text.as_bytes();
            self.breaks += bytes[self.counted_to..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            self.counted_to = start;
            let ahead = bytes[start..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .filter(|b| **b == b'\n')
                .count() as u64;
            let row = (1 + self.breaks + ahead - self.inside_cells) as u32;
            self.inside_cells += self
                .record
                .iter()
                .map(|c| c.matches('\n').count() as u64)
                .sum::<u64>();
            if self.record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            return Ok(Some((row, &self.record)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_is_read_without_mangling() {
        // "Zoë O’Neil" in Windows-1252.
        let bytes = b"Zo\xeb O\x92Neil".to_vec();
        let d = decode(bytes, None).unwrap();
        assert_eq!(d.text, "Zoë O’Neil");
        assert_eq!(d.encoding, "windows-1252");
    }

    #[test]
    fn a_utf8_bom_is_removed() {
        let d = decode(b"\xEF\xBB\xBFa,b".to_vec(), None).unwrap();
        assert_eq!(d.text, "a,b");
        assert_eq!(d.encoding, "utf-8");
    }

    #[test]
    fn binary_and_empty_files_are_refused() {
        assert!(decode(b"PK\x03\x04\x00\x00\x00binary".to_vec(), None).is_err());
        assert!(decode(b"\r\n\r\n".to_vec(), None).is_err());
    }

    #[test]
    fn row_numbers_are_excel_rows() {
        let text = "h1,h2\r\n\"a\nb\",x\r\n\r\nc,d\r\n,\r\n";
        let mut rows = Rows::new(text);
        let mut got = Vec::new();
        while let Some((n, r)) = rows.next_row().unwrap() {
            got.push((n, r.get(0).unwrap().to_string()));
        }
        assert_eq!(
            got,
            vec![(1, "h1".into()), (2, "a\nb".into()), (4, "c".into())]
        );
        // LF only, a blank line before the header, and no final line break.
        let mut rows = Rows::new("\nh\nx\n\ny");
        let mut got = Vec::new();
        while let Some((n, r)) = rows.next_row().unwrap() {
            got.push((n, r.get(0).unwrap().to_string()));
        }
        assert_eq!(got, vec![(2, "h".into()), (3, "x".into()), (5, "y".into())]);
    }

    #[test]
    fn semicolons_are_detected() {
        assert_eq!(sniff_separator("NHS Number;First Name\n1;2"), b';');
        assert_eq!(sniff_separator("NHS Number,First Name"), b',');
    }
}
