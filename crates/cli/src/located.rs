//! Errors that point into a file: `file:line:column: message`, for the config
//! file and the controls files alike.

use std::ops::Range;
use std::path::Path;

/// An error in a file, as `file:line:column: message` (or `file: message`
/// without a place).
pub fn located(
    path: &Path,
    text: &str,
    span: Option<Range<usize>>,
    message: &str,
) -> anyhow::Error {
    match span {
        Some(span) => {
            let (line, col) = line_col(text, span.start);
            anyhow::anyhow!("{}:{line}:{col}: {}", path.display(), message.trim_end())
        }
        None => anyhow::anyhow!("{}: {}", path.display(), message.trim_end()),
    }
}

/// 1-based line and column (in characters) of byte `offset`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}
