//! Presenters: each renders the same [`Report`](crate::report::Report) (or the
//! check catalog) for one audience. None recomputes anything.

pub mod asff;
pub mod catalog;
pub mod cost;
pub mod csv;
pub mod diff;
pub mod docs;
pub mod finding;
pub mod fix;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod ocsf;
pub mod plans;
pub mod sarif;
pub mod table;
pub mod writer;

pub use writer::{to_string, write_json, write_json_seq, Sink};

use std::io;

use crate::report::Report;

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Table,
    Json,
    Ocsf,
    Asff,
    Sarif,
    Csv,
    Junit,
    Markdown,
    Html,
}

impl Format {
    pub const ALL: [Format; 9] = [
        Format::Table,
        Format::Json,
        Format::Ocsf,
        Format::Asff,
        Format::Sarif,
        Format::Csv,
        Format::Junit,
        Format::Markdown,
        Format::Html,
    ];

    /// The name `--format` and `-o FORMAT=PATH` take.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Ocsf => "ocsf",
            Format::Asff => "asff",
            Format::Sarif => "sarif",
            Format::Csv => "csv",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Writes `report` in `format` to `out`, as it is rendered: no format holds
/// the whole text before writing it (a 50,000-VPC report is hundreds of MB).
/// `color` only affects the table.
pub fn write(
    report: &Report,
    format: Format,
    color: bool,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    match format {
        Format::Table => {
            let safe = table::for_terminal(report).map_err(|e| {
                io::Error::other(format!(
                    "the report could not be prepared for the terminal: {e}"
                ))
            })?;
            table::write(&safe, color, out)?;
            // The cost table escapes its own names.
            match &report.cost {
                Some(c) => write!(out, "\n{}", cost::table(c)),
                None => Ok(()),
            }
        }
        Format::Json => json::write(report, out),
        Format::Ocsf => ocsf::write(report, out),
        Format::Asff => asff::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Csv => csv::write(report, out),
        Format::Junit => junit::write(report, out),
        Format::Markdown => {
            markdown::write(report, out)?;
            match &report.cost {
                Some(c) => write!(out, "\n{}", cost::markdown(c)),
                None => Ok(()),
            }
        }
        Format::Html => html::write(report, out),
    }
}

/// `report` in `format` as a string (tests, snapshots, small reports).
pub fn render(report: &Report, format: Format, color: bool) -> String {
    to_string(|out| write(report, format, color, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A destination that takes `room` bytes and then fails, like a full disk.
    struct Full {
        room: usize,
    }

    impl io::Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::other("no space left on device"));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Every format writes as it renders, and a failing destination is an
    /// error from every format, never a silently short report.
    #[test]
    fn every_format_streams_and_reports_a_failing_destination() {
        let inventory = match crate::demo::inventory() {
            Ok(inventory) => inventory,
            Err(e) => panic!("demo inventory: {e}"),
        };
        let report = crate::build_report(
            &inventory,
            &crate::Settings::default(),
            &crate::Source::Demo,
        );
        for format in Format::ALL {
            let mut whole = Vec::new();
            assert!(
                write(&report, format, false, &mut whole).is_ok(),
                "{format:?}"
            );
            assert!(whole.len() > 1000, "{format:?}");
            let mut full = Full { room: 512 };
            let err = write(&report, format, false, &mut full).err();
            assert!(
                err.is_some_and(|e| e.to_string().contains("no space left")),
                "{format:?}"
            );
        }
    }
}
