//! Presenters: each renders the same [`Report`](crate::report::Report) (or the
//! check catalog) for one audience. None recomputes anything.

pub mod asff;
pub mod catalog;
pub mod csv;
pub mod diff;
pub mod docs;
pub mod finding;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod ocsf;
pub mod plans;
pub mod sarif;
pub mod table;

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

/// Writes `report` in `format` to `out`. JSON is serialised straight into
/// `out` (a 50,000-VPC report is hundreds of MB: never held as a string too);
/// the other formats are rendered, then written.
pub fn write(
    report: &Report,
    format: Format,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, report).map_err(std::io::Error::other)?;
            out.write_all(b"\n")
        }
        other => out.write_all(render(report, other, color).as_bytes()),
    }
}

/// Renders `report` in `format`; `color` only affects the table.
pub fn render(report: &Report, format: Format, color: bool) -> String {
    match format {
        Format::Table => match table::for_terminal(report) {
            Ok(safe) => table::render(&safe, color),
            Err(e) => format!("error: the report could not be prepared for the terminal: {e}\n"),
        },
        Format::Json => json::render(report),
        Format::Ocsf => ocsf::render(report),
        Format::Asff => asff::render(report),
        Format::Sarif => sarif::render(report),
        Format::Csv => csv::render(report),
        Format::Junit => junit::render(report),
        Format::Markdown => markdown::render(report),
        Format::Html => html::render(report),
    }
}
