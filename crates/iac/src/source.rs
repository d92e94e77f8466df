//! Positions in source text, and inline suppressions.

use crate::model::Suppression;

/// 1-based line and column (in characters) of byte `offset`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// `flowaudit:ignore <check-id> reason="..."` in the comment lines directly above
/// `line` (1-based), or on it. Comments start with `#` or `//`.
pub fn suppressions(text: &str, line: usize) -> Vec<Suppression> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut n = line;
    // The declaration line itself, then the comment block above it.
    if let Some(l) = lines.get(line.saturating_sub(1)) {
        parse(l, line, &mut out);
    }
    while n > 1 {
        n -= 1;
        let l = lines.get(n - 1).copied().unwrap_or_default().trim_start();
        if !(l.starts_with('#') || l.starts_with("//")) {
            break;
        }
        parse(l, n, &mut out);
    }
    out
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
    }
}
