//! CSV cells: a cell that a spreadsheet would read as a formula (it starts with
//! `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, which
//! spreadsheets show as text. Quoting itself is the csv crate's (RFC 4180).

use std::borrow::Cow;

/// `s` as a cell no spreadsheet evaluates.
pub fn cell(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::cell;
    use crate::escape::hostile;

    /// Round trip through a CSV writer and reader: every cell reads back as the
    /// text (with the `'` guard where it was needed) and none starts a formula.
    #[test]
    fn cells_read_back_and_start_no_formula() {
        let inputs = hostile::strings();
        let mut w = ::csv::Writer::from_writer(Vec::new());
        for s in &inputs {
            w.write_record([cell(s).as_ref(), "end"])
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let bytes = w.into_inner().unwrap_or_else(|e| panic!("{e}"));
        let mut r = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&bytes[..]);
        let mut n = 0;
        for (row, s) in r.records().zip(&inputs) {
            let row = row.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(row.len(), 2);
            let got = &row[0];
            assert!(
                !got.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{got:?}"
            );
            assert_eq!(
                got.strip_prefix('\'').filter(|_| got != s).unwrap_or(got),
                s
            );
            n += 1;
        }
        assert_eq!(n, inputs.len());
    }
}
