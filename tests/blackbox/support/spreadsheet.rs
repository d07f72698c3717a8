//! Reading back the XLSX files the server writes: cells with calamine, and the parts
//! calamine does not read (frozen panes, filters, data validations) from the sheet's XML.

use std::io::Read;

fn open(bytes: &[u8]) -> calamine::Xlsx<std::io::Cursor<Vec<u8>>> {
    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("opens as XLSX")
}

/// The sheets' names, in the workbook's order.
pub fn sheet_names(bytes: &[u8]) -> Vec<String> {
    use calamine::Reader;
    open(bytes).sheet_names()
}

/// The rows of the first sheet.
pub fn xlsx(bytes: &[u8]) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let range = open(bytes)
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("reads");
    range.rows().map(|r| r.to_vec()).collect()
}

/// The rows of the sheet called `name`.
pub fn xlsx_sheet(bytes: &[u8], name: &str) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let range = open(bytes).worksheet_range(name).expect("the sheet reads");
    range.rows().map(|r| r.to_vec()).collect()
}

/// One file of the XLSX zip as text (`xl/worksheets/sheet1.xml`), unzipped with the `zip`
/// crate that rust_xlsxwriter brings in.
pub fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut out = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    out
}
