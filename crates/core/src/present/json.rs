//! The JSON report (`flowaudit.report/v1`), and pretty JSON for every presenter.

use serde::Serialize;

use crate::report::Report;

/// The report as pretty-printed JSON, ending in a newline, serialised straight
/// into `out`.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    super::writer::write_json(report, out)
}

/// Any value as pretty-printed JSON, ending in a newline. Serialising plain data
/// with string keys cannot fail; should it ever, the text is an explicit error
/// object rather than a panic.
pub fn pretty<T: Serialize + ?Sized>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value)
        .unwrap_or_else(|e| format!("{{\"error\": \"could not serialise: {e}\"}}"));
    text.push('\n');
    text
}
