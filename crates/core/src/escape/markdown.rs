//! Markdown (CommonMark and GitHub's tables): untrusted text is shown as
//! literal text, never as markup, a link, raw HTML or a new line; code goes in
//! a fence that no line of it can close.

/// `s` as literal inline text: control characters shown as escapes (so it
/// stays on one line and in its table cell), then backslash-escaped where
/// CommonMark or GitHub would read markup: everywhere for the characters that
/// open emphasis, code, links, images, raw HTML, entities, table cells,
/// strikethrough and math, and at the start for block markers (`#`, `-`, `+`,
/// `=`, and `1.` or `1)`). CommonMark reads `\x` as `x`, so the text renders as
/// written while staying readable in the source.
pub fn text(s: &str) -> String {
    const INLINE: &str = "\\`*_[]<>!&|~$";
    let shown = super::terminal::show(s);
    let mut out = String::with_capacity(shown.len() + 8);
    let digits = shown.chars().take_while(char::is_ascii_digit).count();
    for (i, c) in shown.chars().enumerate() {
        let block_marker =
            (i == 0 && "#-+=".contains(c)) || (i == digits && digits > 0 && (c == '.' || c == ')'));
        if INLINE.contains(c) || block_marker {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `s` as an inline code span: control characters shown, delimited by one
/// backtick more than the longest run of backticks inside it.
pub fn code_span(s: &str) -> String {
    let shown = super::terminal::show(s);
    let longest = shown.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest + 1);
    let pad = if shown.starts_with('`')
        || shown.ends_with('`')
        || (shown.starts_with(' ') && shown.ends_with(' '))
    {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{shown}{pad}{ticks}")
}

/// A fenced code block of `lang` holding `code`, each line prefixed by
/// `indent`: the fence is one backtick longer than the longest run of
/// backticks in the code (at least three), so no line can close it.
pub fn code_block(code: &str, lang: &str, indent: &str) -> String {
    let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    let mut out = format!("{indent}{fence}{lang}\n");
    for line in code.lines() {
        out.push_str(indent);
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&format!("{indent}{fence}\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::{code_block, code_span, text};
    use crate::escape::{hostile, terminal};
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

    fn events(md: &str) -> Vec<Event<'_>> {
        Parser::new_ext(
            md,
            Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_MATH,
        )
        .collect()
    }

    /// The text of `md`, which must be one paragraph of plain text (no
    /// emphasis, link, HTML, heading, list or break).
    fn plain(md: &str) -> String {
        let mut read = String::new();
        for e in events(md) {
            match e {
                Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => {}
                Event::Text(t) => read.push_str(&t),
                other => panic!("{other:?} in {md:?}"),
            }
        }
        read
    }

    /// Round trip through a CommonMark parser: one paragraph of plain text that
    /// reads as the string shown (no emphasis, link, HTML, heading or break).
    #[test]
    fn text_is_read_back_as_plain_text() {
        for s in hostile::strings() {
            let md = format!("x {} x", text(&s));
            let read = plain(&md);
            assert_eq!(read, format!("x {} x", terminal::show(&s)), "{md:?}");
        }
    }

    /// At the start of a line too (list markers, headings, `1.`): still one
    /// paragraph of the text.
    #[test]
    fn text_at_the_start_of_a_line_is_no_block_marker() {
        let mut cases = hostile::strings();
        cases.extend(
            [
                "# h", "- item", "+ item", "1. one", "12) two", "=== ", "> quote",
            ]
            .map(String::from),
        );
        for s in cases {
            let shown = terminal::show(&s).into_owned();
            if shown.trim() != shown || shown.is_empty() {
                continue;
            }
            let md = format!("{}\n", text(&s));
            let read = plain(&md);
            assert_eq!(read, shown, "{md:?}");
        }
    }

    /// A code span reads back as the string shown.
    #[test]
    fn code_spans_read_back() {
        for s in hostile::strings() {
            let md = format!("x {} x", code_span(&s));
            let mut code = None;
            for e in events(&md) {
                match e {
                    Event::Code(c) => code = Some(c.to_string()),
                    Event::Start(Tag::Paragraph)
                    | Event::End(TagEnd::Paragraph)
                    | Event::Text(_) => {}
                    other => panic!("{other:?} in {md:?}"),
                }
            }
            let shown = terminal::show(&s).into_owned();
            if shown.trim().is_empty() {
                continue;
            }
            assert_eq!(code.as_deref(), Some(shown.as_str()), "{md:?}");
        }
    }

    /// A fence holds any code: the parser gives back the code, and nothing
    /// after the block is inside it.
    #[test]
    fn code_blocks_cannot_be_closed_from_inside() {
        for s in hostile::strings() {
            let code = format!("aws x {s}");
            let md = format!("{}\nafter\n", code_block(&code, "sh", "  "));
            let mut inside = String::new();
            let mut in_code = false;
            let mut after = false;
            for e in events(&md) {
                match e {
                    Event::Start(Tag::CodeBlock(_)) => in_code = true,
                    Event::End(TagEnd::CodeBlock) => in_code = false,
                    Event::Text(t) if in_code => inside.push_str(&t),
                    Event::Text(t) => after |= t.contains("after"),
                    _ => {}
                }
            }
            let expected: String = code
                .lines()
                .map(|l| format!("{}\n", l.trim_start_matches(' ')))
                .collect();
            assert_eq!(
                inside.lines().map(|l| l.trim_start()).collect::<Vec<_>>(),
                expected.lines().map(|l| l.trim_start()).collect::<Vec<_>>(),
                "{md:?}"
            );
            assert!(after, "{md:?}");
        }
    }
}
