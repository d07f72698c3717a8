//! Cells for files a spreadsheet will open.

use std::borrow::Cow;

/// A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or carriage
/// return first) gets a leading `'`, so Excel and LibreOffice show it as text (OWASP "CSV
/// injection"). Every CSV the register writes (reports, audit exports, import reports) passes
/// its cells through here.
pub fn neutralise_cell(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}").into(),
        _ => value.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised_and_others_kept() {
        for bad in ["=1+1", "+44", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise_cell(bad), format!("'{bad}"));
        }
        for ok in ["", "Alan", "1=1", "a-b", "'quoted"] {
            assert_eq!(neutralise_cell(ok), ok);
        }
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise_cell("=1+2"), "'=1+2");
        assert_eq!(neutralise_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise_cell("Alan"), "Alan");
    }

    #[test]
    fn neutralises_formula_cells_and_only_those() {
        for bad in ["=1+1", "+44 1234", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise_cell(bad), format!("'{bad}"));
        }
        for ok in ["", "Smith", "1-2", "a=b", "'quoted", " =x"] {
            assert_eq!(neutralise_cell(ok), ok);
        }
    }
}
