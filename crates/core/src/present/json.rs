//! The JSON report (`flowaudit.report/v1`).

use crate::report::Report;

/// The report as pretty-printed JSON, ending in a newline.
pub fn render(report: &Report) -> String {
    // Serialising plain data with string keys cannot fail; fall back to an
    // explicit error object rather than panicking if it ever did.
    let mut text = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\": \"could not serialise report: {e}\"}}"));
    text.push('\n');
    text
}
