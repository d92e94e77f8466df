//! Flow logs delivered as Apache Parquet (`FileFormat=parquet`: Gzip-compressed
//! column chunks, one column per field, `_` where the text format has `-`).
//! Each row is turned into the text record of the file's own columns and read
//! like any other line, so one parser and one set of checks serve both.

use std::io::Read;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

use crate::input::Input;

const MAGIC: &[u8; 4] = b"PAR1";

/// Whether the input is a Parquet file (by its magic bytes).
pub(crate) fn is_parquet(input: &Input) -> bool {
    match input {
        Input::Bytes { data, .. } => data.starts_with(MAGIC),
        Input::Path(p) => {
            let mut head = [0u8; 4];
            std::fs::File::open(p)
                .and_then(|mut f| f.read_exact(&mut head))
                .is_ok()
                && &head == MAGIC
        }
        Input::Failed { .. } => false,
    }
}

/// What [`rows`] hands over: the field names first, then each row as text.
pub(crate) enum Row<'a> {
    Columns(Vec<String>),
    Values(usize, &'a str),
}

fn value(field: &Field, out: &mut String) {
    use std::fmt::Write;
    let _ = match field {
        Field::Null => write!(out, "-"),
        Field::Str(s) => write!(out, "{}", if s.is_empty() { "-" } else { s }),
        Field::Bytes(b) => write!(out, "{}", String::from_utf8_lossy(b.data())),
        Field::Bool(b) => write!(out, "{b}"),
        Field::Byte(n) => write!(out, "{n}"),
        Field::Short(n) => write!(out, "{n}"),
        Field::Int(n) => write!(out, "{n}"),
        Field::Long(n) => write!(out, "{n}"),
        Field::UByte(n) => write!(out, "{n}"),
        Field::UShort(n) => write!(out, "{n}"),
        Field::UInt(n) => write!(out, "{n}"),
        Field::ULong(n) => write!(out, "{n}"),
        // Not a type AWS writes; kept visible so that the record is reported
        // as malformed rather than read wrongly.
        other => write!(out, "{}", other.to_string().replace(' ', "_")),
    };
}

thread_local! {
    /// Set while this thread is inside the Parquet reader.
    static IN_READER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Reads every row of a Parquet input. Fuzzing found four damaged footers that
/// parquet 57.3.2 panicked on (an `unwrap` on `None`, a capacity overflow) or
/// that made it allocate hundreds of GB and abort the process; 60.1.0 rejects
/// all four with an error (they are fixtures in `tests/flowlogs/damaged/`). A
/// panic that may remain is caught here and the file reported as unreadable,
/// like any other bad file.
pub(crate) fn rows(input: Input, each: &mut dyn FnMut(Row)) -> Result<(), String> {
    IN_READER.with(|f| f.set(true));
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_rows(input, each)));
    IN_READER.with(|f| f.set(false));
    read.unwrap_or_else(|_| {
        Err("Parquet: the file is damaged (the Parquet reader failed on it)".into())
    })
}

/// Keeps panics raised inside the Parquet reader (caught by [`rows`]) from
/// printing a panic message; every other panic goes to the hook set before.
pub fn quiet_reader_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !IN_READER.with(std::cell::Cell::get) {
            previous(info)
        }
    }));
}

fn read_rows(input: Input, each: &mut dyn FnMut(Row)) -> Result<(), String> {
    // Our own code runs outside the flag: its panics are never quieted.
    let mut each = |row: Row| {
        IN_READER.with(|f| f.set(false));
        each(row);
        IN_READER.with(|f| f.set(true));
    };
    let reader: Box<dyn FileReader> = match input {
        Input::Path(p) => {
            let file = std::fs::File::open(&p).map_err(|e| e.to_string())?;
            Box::new(SerializedFileReader::new(file).map_err(|e| e.to_string())?)
        }
        Input::Bytes { data, .. } => Box::new(
            SerializedFileReader::new(bytes::Bytes::from(data)).map_err(|e| e.to_string())?,
        ),
        Input::Failed { reason, .. } => return Err(reason),
    };
    let names: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().replace('_', "-"))
        .collect();
    each(Row::Columns(names));
    let mut text = String::with_capacity(256);
    let rows = reader.get_row_iter(None).map_err(|e| e.to_string())?;
    for (i, row) in rows.enumerate() {
        let row = row.map_err(|e| format!("Parquet row {}: {e}", i + 1))?;
        text.clear();
        for (n, (_, field)) in row.get_column_iter().enumerate() {
            if n > 0 {
                text.push(' ');
            }
            value(field, &mut text);
        }
        each(Row::Values(i, &text));
    }
    Ok(())
}
