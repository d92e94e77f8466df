//! Positions in source text, and inline suppressions.

use flowaudit_core::declared::Suppression;

/// 1-based line and column (in characters) of byte `offset`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    Lines::new(text).line_col(text, offset)
}

/// `flowaudit:ignore <check-id> reason="..."` in the comment lines directly above
/// `line` (1-based), or on it. Comments start with `#` or `//`.
#[cfg(test)]
pub fn suppressions(text: &str, line: usize) -> Vec<Suppression> {
    Lines::new(text).suppressions(text, line)
}

/// Where each line of a text starts, so that many look-ups in one file cost a
/// search each, not a scan of the file. Its methods take the same text.
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }

    /// 1-based line and column (in characters) of byte `offset`.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|s| *s <= offset);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let col = text.get(start..offset).map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    /// Line `n` (1-based) without its line break.
    fn line<'t>(&self, text: &'t str, n: usize) -> Option<&'t str> {
        let start = *self.starts.get(n.checked_sub(1)?)?;
        let end = self.starts.get(n).map_or(text.len(), |e| e - 1);
        let line = text.get(start..end.max(start))?;
        Some(line.strip_suffix('\r').unwrap_or(line))
    }

    /// `flowaudit:ignore <check-id> reason="..."` in the comment lines directly
    /// above `line` (1-based), or on it. Comments start with `#` or `//`.
    pub fn suppressions(&self, text: &str, line: usize) -> Vec<Suppression> {
        let mut out = Vec::new();
        let mut n = line;
        // The declaration line itself, then the comment block above it.
        if let Some(l) = self.line(text, line) {
            parse(l, line, &mut out);
        }
        while n > 1 {
            n -= 1;
            let l = self.line(text, n).unwrap_or_default().trim_start();
            if !(l.starts_with('#') || l.starts_with("//")) {
                break;
            }
            parse(l, n, &mut out);
        }
        out
    }
}

fn parse(line: &str, number: usize, out: &mut Vec<Suppression>) {
    let Some(at) = line.find("flowaudit:ignore") else {
        return;
    };
    let rest = line[at + "flowaudit:ignore".len()..].trim();
    let check = rest
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    let reason = rest
        .find("reason=")
        .map(|i| {
            rest[i + "reason=".len()..]
                .trim()
                .trim_matches('"')
                .to_string()
        })
        .unwrap_or_default();
    if check.is_empty() {
        return;
    }
    out.push(Suppression {
        check,
        reason: if reason.is_empty() {
            "no reason given".into()
        } else {
            reason
        },
        line: number,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppressions_above_and_on_the_line() {
        let text = "x = 1\n# a comment\n# flowaudit:ignore vpc-flow-logs-enabled reason=\"sandbox, deleted weekly\"\nresource \"aws_vpc\" \"a\" {\n";
        let s = suppressions(text, 4);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].check, "vpc-flow-logs-enabled");
        assert_eq!(s[0].reason, "sandbox, deleted weekly");
        assert_eq!(s[0].line, 3);
        // A blank line ends the comment block.
        let text = "# flowaudit:ignore x reason=\"y\"\n\nresource \"aws_vpc\" \"a\" {\n";
        assert!(suppressions(text, 3).is_empty());
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("ab\ncd", 3), (2, 1));
        assert_eq!(line_col("ab\ncd", 2), (1, 3));
        assert_eq!(line_col("", 0), (1, 1));
        assert_eq!(line_col("é\nx", 2), (1, 2));
        let text = "# flowaudit:ignore x reason=\"y\"\r\nresource \"aws_vpc\" \"a\" {\r\n";
        assert_eq!(suppressions(text, 2).len(), 1);
    }
}
