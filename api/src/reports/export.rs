//! Report rows as spreadsheet cells, and the two file formats.
//!
//! CSV: UTF-8 with a byte order mark (Excel otherwise reads it as Windows-1252), dates as
//! dd/mm/yyyy, every text cell through `neutralise_cell` (formula injection), written in
//! chunks as rows arrive. XLSX: rust_xlsxwriter in constant-memory mode (each row goes to a
//! temporary file as it is written), real Excel dates, the header row frozen and filters on.

use std::borrow::Cow;
use std::cell::RefCell;
use std::io::{Seek, SeekFrom};
use std::rc::Rc;

use actix_web::web::Bytes;
use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use s117_shared::age::{age_on, AgeBand};
use s117_shared::dates::UkDate;
use s117_shared::record::{EndReason, LearningDisability};
use s117_shared::reference::ReferenceList;
use s117_shared::report::{gp_out_of_county, REPORT_COLUMNS};
use s117_shared::spreadsheet::neutralise_cell;

use super::service::ReportRefs;
use super::store::ReportRow;

/// One cell of a report. Text borrows from the row and the reference names where it can:
/// the CSV export writes a cell without allocating (2.7 million cells for 100,000 rows).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Text(Cow<'a, str>),
    Number(i64),
    Date(NaiveDate),
    Empty,
}

impl Cell<'_> {
    /// The same cell owning its text (to hand to another thread).
    pub fn into_owned(self) -> Cell<'static> {
        match self {
            Cell::Text(s) => Cell::Text(Cow::Owned(s.into_owned())),
            Cell::Number(n) => Cell::Number(n),
            Cell::Date(d) => Cell::Date(d),
            Cell::Empty => Cell::Empty,
        }
    }
}

fn text(s: &str) -> Cell<'_> {
    Cell::Text(Cow::Borrowed(s))
}

fn opt_text<'a>(s: Option<&'a str>) -> Cell<'a> {
    s.filter(|s| !s.is_empty()).map_or(Cell::Empty, text)
}

fn opt_date<'a>(d: Option<NaiveDate>) -> Cell<'a> {
    d.map_or(Cell::Empty, Cell::Date)
}

fn yes_no<'a>(b: bool) -> Cell<'a> {
    text(if b { "Yes" } else { "No" })
}

/// The cells of one row, in [`REPORT_COLUMNS`] order.
pub fn cells<'a>(r: &ReportRow<'a>, refs: &'a ReportRefs, today: NaiveDate) -> Vec<Cell<'a>> {
    let name = |list, code: &'a str| text(refs.name(list, code));
    let successor = refs.successor(r.responsible_commissioner);
    let out = vec![
        Cell::Number(r.id),
        opt_text(r.nhs_number),
        opt_text(r.source_system_id),
        text(r.first_name),
        text(r.family_name),
        Cell::Date(r.date_of_birth),
        Cell::Number(i64::from(age_on(r.date_of_birth, today))),
        text(AgeBand::on(r.date_of_birth, today).label()),
        name(ReferenceList::Genders, r.gender),
        r.ethnicity
            .map_or(Cell::Empty, |e| name(ReferenceList::EthnicCategories, e)),
        opt_text(r.address_line_1),
        opt_text(r.address_line_2),
        opt_text(r.address_line_3),
        opt_text(r.town),
        text(r.postcode),
        text(
            LearningDisability::from_input(r.learning_disability)
                .map_or(r.learning_disability, |l| l.label()),
        ),
        opt_text(r.gp_practice),
        text(if r.status == "active" {
            "Active"
        } else {
            "Ended"
        }),
        Cell::Date(r.date_detained),
        name(ReferenceList::QualifyingSections, r.qualifying_section),
        r.place_detained
            .map_or(Cell::Empty, |p| name(ReferenceList::PlacesDetained, p)),
        Cell::Date(r.s117_start_date),
        name(ReferenceList::LocalAuthorities, r.responsible_la),
        yes_no(!refs.home_las.iter().any(|h| h == r.responsible_la)),
        name(ReferenceList::Commissioners, r.responsible_commissioner),
        name(ReferenceList::Commissioners, successor),
        yes_no(gp_out_of_county(
            r.gp_out_of_county,
            r.responsible_commissioner,
            &refs.home_commissioners,
        )),
        opt_date(r.last_review_date),
        opt_date(r.next_review_date),
        opt_date(r.end_date),
        r.end_reason.map_or(Cell::Empty, |e| {
            text(EndReason::from_input(e).map_or(e, |r| r.label()))
        }),
    ];
    debug_assert_eq!(out.len(), REPORT_COLUMNS.len());
    out
}

// --- CSV ----------------------------------------------------------------------------------

/// Chunks handed to the response once they reach this size.
const CHUNK: usize = 64 * 1024;

/// The buffer the CSV writer writes into, shared with the encoder that drains it.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes CSV rows into a buffer that the caller drains in chunks.
pub struct CsvEncoder {
    writer: csv::Writer<Shared>,
    buf: Shared,
    /// Numbers and dates are written here first (reused: no allocation per cell).
    scratch: String,
}

impl CsvEncoder {
    /// A new file: the byte order mark and the header row.
    pub fn new() -> Self {
        let buf = Shared::default();
        buf.0.borrow_mut().extend_from_slice("\u{feff}".as_bytes());
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(buf.clone());
        writer
            .write_record(REPORT_COLUMNS)
            .expect("writing to memory");
        CsvEncoder {
            writer,
            buf,
            scratch: String::with_capacity(32),
        }
    }

    pub fn row(&mut self, cells: &[Cell<'_>]) {
        use std::fmt::Write;
        for cell in cells {
            let neutral;
            let field: &str = match cell {
                Cell::Text(s) => {
                    neutral = neutralise_cell(s);
                    &neutral
                }
                Cell::Number(n) => {
                    self.scratch.clear();
                    write!(self.scratch, "{n}").expect("writing to memory");
                    &self.scratch
                }
                Cell::Date(d) => {
                    self.scratch.clear();
                    write!(self.scratch, "{}", UkDate(*d)).expect("writing to memory");
                    &self.scratch
                }
                Cell::Empty => "",
            };
            self.writer.write_field(field).expect("writing to memory");
        }
        self.writer
            .write_record(None::<&[u8]>)
            .expect("writing to memory");
    }

    /// The bytes written so far, if there are at least a chunk's worth (or `all`).
    pub fn take(&mut self, all: bool) -> Option<Bytes> {
        self.writer.flush().expect("writing to memory");
        let mut buf = self.buf.0.borrow_mut();
        if buf.is_empty() || (!all && buf.len() < CHUNK) {
            return None;
        }
        Some(Bytes::from(std::mem::replace(
            &mut *buf,
            Vec::with_capacity(CHUNK * 2),
        )))
    }
}

impl Default for CsvEncoder {
    fn default() -> Self {
        Self::new()
    }
}

// --- XLSX ---------------------------------------------------------------------------------

/// Rows handed to the workbook writer at a time: one message per row made the two threads
/// wake each other 100,000 times.
pub const XLSX_BATCH: usize = 512;

/// Builds the workbook from batches of rows as they arrive (run on a blocking thread: it
/// writes temporary files) and returns it as a temporary file, rewound, with the row count.
pub fn write_xlsx(
    batches: &mut tokio::sync::mpsc::Receiver<Vec<Vec<Cell<'static>>>>,
    title: &str,
) -> Result<(std::fs::File, u32), XlsxError> {
    let mut workbook = Workbook::new();
    let header = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    // Sheet names are at most 31 characters and cannot hold some punctuation.
    let name: String = title
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ')
        .take(31)
        .collect();
    sheet.set_name(name.trim())?;
    sheet.set_freeze_panes(1, 0)?;
    for (col, title) in REPORT_COLUMNS.iter().enumerate() {
        let col = col as u16;
        sheet.write_string_with_format(0, col, *title, &header)?;
        sheet.set_column_width(col, (title.len().max(10) + 2) as f64)?;
    }
    let mut row_num: u32 = 0;
    while let Some(rows) = batches.blocking_recv() {
        for cells in rows {
            row_num += 1;
            for (col, cell) in cells.into_iter().enumerate() {
                let col = col as u16;
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(row_num, col, s.into_owned())?;
                    }
                    Cell::Number(n) => {
                        sheet.write_number(row_num, col, n as f64)?;
                    }
                    Cell::Date(d) => {
                        sheet.write_date_with_format(row_num, col, d, &date)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
    }
    sheet.autofilter(0, 0, row_num, (REPORT_COLUMNS.len() - 1) as u16)?;
    let mut file = tempfile::tempfile()?;
    workbook.save_to_writer(&mut file)?;
    file.seek(SeekFrom::Start(0))?;
    Ok((file, row_num))
}
