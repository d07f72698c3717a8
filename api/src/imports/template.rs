//! The upload template: the CSV header row, its guidance (CSV), and the same template as an
//! Excel workbook whose coded columns have drop-down lists.
//!
//! The workbook is a kinder way to fill the CSV in, not a second upload format: uploads stay
//! CSV, so its guidance says to save the Records sheet as "CSV UTF-8" first. Its header row
//! is [`template_header`], so the saved CSV reads back column for column; its drop-downs
//! offer [`Column::choices`], names the importer resolves (codes are accepted too).

use std::collections::HashMap;

use rust_xlsxwriter::{
    utility::worksheet_range_absolute, DataValidation, DataValidationErrorStyle,
    DataValidationRule, ExcelDateTime, Format, Formula, Workbook, XlsxError,
};
use s117_shared::import::{template_header, Column};
use s117_shared::reference::{ReferenceItem, ReferenceList};

use super::service::lists;
use crate::error::ApiError;
use crate::startup::AppState;

/// The CSV template: the header row, with a byte order mark so that Excel opens it as UTF-8.
pub fn header_csv() -> Vec<u8> {
    format!("\u{feff}{}\r\n", template_header().join(",")).into_bytes()
}

/// What each column takes, then every accepted value of the coded columns (code and name):
/// the rows of the CSV guidance and of the workbook's Guidance sheet.
fn guidance_rows(lists: &HashMap<ReferenceList, Vec<ReferenceItem>>) -> Vec<Vec<&str>> {
    let mut rows = vec![vec!["Column", "Required", "What it takes"]];
    for c in Column::ALL {
        rows.push(vec![
            c.header(),
            if c.required() { "Yes" } else { "No" },
            c.guidance(),
        ]);
    }
    rows.push(vec![""]);
    rows.push(vec!["Column", "Code", "Name (either is accepted)"]);
    for c in Column::ALL {
        let Some(list) = c.list() else { continue };
        for item in lists.get(&list).into_iter().flatten().filter(|i| i.active) {
            rows.push(vec![c.header(), &item.code, &item.display_name]);
        }
    }
    rows
}

/// The template's guidance as CSV.
pub async fn guidance_csv(state: &AppState) -> Result<Vec<u8>, ApiError> {
    let lists = lists(state).await?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(Vec::new());
    let io = |e: csv::Error| ApiError::Internal(anyhow::Error::new(e));
    for row in guidance_rows(&lists) {
        w.write_record(row).map_err(io)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))
}

/// Rows of the Records sheet that get the drop-downs and date checks (Excel rows 2 to 5001).
pub const VALIDATED_ROWS: u32 = 5000;

const RECORDS: &str = "Records";
const LISTS: &str = "Lists";

/// How to go from the workbook to an upload (the top of the Guidance sheet).
const HOW_TO: [&str; 4] = [
    "Fill in the Records sheet, one row per person (the header is row 1; do not change it).",
    "Coded columns have a drop-down list of the names the register accepts (the Lists sheet holds them); codes are accepted too. Dates are dd/mm/yyyy.",
    "The upload takes CSV files only. With the Records sheet open, choose File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\", then upload that CSV file.",
    "The upload checks every row and reports each problem before anything is added to the register.",
];

/// The template as an XLSX workbook: "Records" (the header row, bold and frozen, with
/// drop-downs on the coded columns and date checks on the date columns), "Guidance" and
/// "Lists" (the drop-downs' values, from the live reference data).
pub async fn workbook(state: &AppState) -> Result<Vec<u8>, ApiError> {
    let lists = lists(state).await?;
    let bytes = write_workbook(&lists).map_err(|e| ApiError::Internal(e.into()))?;
    tracing::debug!(bytes = bytes.len(), "upload template workbook written");
    Ok(bytes)
}

fn write_workbook(
    lists: &HashMap<ReferenceList, Vec<ReferenceItem>>,
) -> Result<Vec<u8>, XlsxError> {
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let text = Format::new().set_num_format("@");
    let wrap = Format::new().set_text_wrap();
    let mut workbook = Workbook::new();

    // The values each coded column offers, in the template's order: the Lists sheet has
    // one column for each, and the Records column's drop-down is that range.
    let choices: Vec<(Column, Vec<&str>)> = Column::ALL
        .into_iter()
        .filter_map(|c| {
            let items = c
                .list()
                .and_then(|l| lists.get(&l))
                .map_or(&[][..], Vec::as_slice);
            c.choices(items).map(|v| (c, v))
        })
        .collect();

    let records = workbook.add_worksheet();
    records.set_name(RECORDS)?;
    records.set_freeze_panes(1, 0)?;
    for (col, c) in Column::ALL.into_iter().enumerate() {
        let col = col as u16;
        records.write_string_with_format(0, col, c.header(), &bold)?;
        let offered = choices.iter().enumerate().find(|(_, (k, _))| *k == c);
        let widest = offered
            .and_then(|(_, (_, v))| v.iter().map(|s| s.chars().count()).max())
            .unwrap_or(0);
        records.set_column_width(col, (c.header().len().max(widest).clamp(12, 45) + 2) as f64)?;
        let check = if let Some((i, (_, values))) = offered.filter(|(_, (_, v))| !v.is_empty()) {
            let range = worksheet_range_absolute(LISTS, 1, i as u16, values.len() as u32, i as u16);
            DataValidation::new()
                .allow_list_formula(Formula::new(format!("={range}")))
                .set_error_title("Not in the list")?
                .set_error_message(
                    "Pick a value from the drop-down list. A code, or a former name, is also accepted: the upload check says if it is not.",
                )?
        } else if c.is_date() {
            // Shown (and saved to CSV) as dd/mm/yyyy whatever the computer's locale.
            records.set_column_format(col, &date)?;
            DataValidation::new()
                .allow_date(DataValidationRule::Between(
                    ExcelDateTime::from_ymd(1900, 1, 1)?,
                    ExcelDateTime::from_ymd(2099, 12, 31)?,
                ))
                .set_error_title("Not a date")?
                .set_error_message("Enter a date as dd/mm/yyyy, for example 13/02/1980.")?
        } else {
            if matches!(c, Column::NhsNumber | Column::SystemId) {
                // Kept as typed: leading zeros survive the save to CSV.
                records.set_column_format(col, &text)?;
            }
            DataValidation::new().allow_any_value()
        };
        // A warning, not a refusal: the upload check is the judge, and says why.
        let check = check
            .set_input_message(c.guidance())?
            .set_error_style(DataValidationErrorStyle::Warning);
        records.add_data_validation(1, col, VALIDATED_ROWS, col, &check)?;
    }

    let guidance = workbook.add_worksheet();
    guidance.set_name("Guidance")?;
    guidance.set_column_width(0, 34)?;
    guidance.set_column_width(1, 14)?;
    guidance.set_column_width(2, 90)?;
    guidance.write_string_with_format(0, 0, "How to use this template", &bold)?;
    for (i, line) in HOW_TO.iter().enumerate() {
        guidance.write_string(i as u32 + 1, 0, *line)?;
    }
    let top = HOW_TO.len() as u32 + 2;
    for (i, row) in guidance_rows(lists).iter().enumerate() {
        let r = top + i as u32;
        let heading = row.first() == Some(&"Column");
        for (col, cell) in row.iter().enumerate() {
            let col = col as u16;
            if heading {
                guidance.write_string_with_format(r, col, *cell, &bold)?;
            } else if col == 2 {
                guidance.write_string_with_format(r, col, *cell, &wrap)?;
            } else {
                guidance.write_string(r, col, *cell)?;
            }
        }
    }

    let sheet = workbook.add_worksheet();
    sheet.set_name(LISTS)?;
    for (i, (c, values)) in choices.iter().enumerate() {
        let col = i as u16;
        sheet.write_string_with_format(0, col, c.header(), &bold)?;
        for (row, v) in values.iter().enumerate() {
            sheet.write_string(row as u32 + 1, col, *v)?;
        }
        let widest = values.iter().map(|s| s.chars().count()).max().unwrap_or(0);
        sheet.set_column_width(col, (c.header().len().max(widest).min(80) + 2) as f64)?;
    }

    // Records is the sheet that opens (and the one "Save As CSV" saves).
    workbook.worksheet_from_name(RECORDS)?.set_active(true);
    workbook.save_to_buffer()
}
