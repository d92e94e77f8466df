//! Text for a terminal: control characters (C0, DEL, C1) and the Unicode
//! direction overrides are shown as escapes (`\n`, `\x1b`, `\u{202e}`), never
//! written, so a name cannot start a new line, move the cursor, set a title or
//! hide text. A backslash is doubled so that the shown text reads back to the
//! original with [`unshow`].

use std::borrow::Cow;

fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` as it may be written to a terminal.
pub fn show(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| hidden(c) || c == '\\') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 && hidden(c) => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if hidden(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A copy of `value` (a report, a diff) with every string in it passed through
/// [`show`], for renderers that write to a terminal: no field, present or
/// added later, can reach the terminal raw.
pub fn shown<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> Result<T, String> {
    let mut v = serde_json::to_value(value).map_err(|e| e.to_string())?;
    show_all(&mut v);
    serde_json::from_value(v).map_err(|e| e.to_string())
}

fn show_all(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            if let Cow::Owned(o) = show(s) {
                *s = o;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(show_all),
        Value::Object(map) => {
            let keys: Vec<String> = map
                .keys()
                .filter(|k| show(k) != k.as_str())
                .cloned()
                .collect();
            for k in keys {
                if let Some(value) = map.remove(&k) {
                    map.insert(show(&k).into_owned(), value);
                }
            }
            map.values_mut().for_each(show_all);
        }
        _ => {}
    }
}

/// The original text of [`show`]'s output (for tests and for reading it back).
pub fn unshow(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            'u' => {
                if chars.next()? != '{' {
                    return None;
                }
                let hex: String = chars.by_ref().take_while(|c| *c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{show, unshow};
    use crate::escape::hostile;

    #[test]
    fn nothing_a_terminal_acts_on_gets_through_and_the_text_reads_back() {
        for s in hostile::strings() {
            let shown = show(&s);
            assert!(
                !shown.chars().any(|c| c.is_control()
                    || ('\u{202a}'..='\u{202e}').contains(&c)
                    || ('\u{2066}'..='\u{2069}').contains(&c)),
                "{shown:?}"
            );
            assert_eq!(unshow(&shown).as_deref(), Some(s.as_str()), "{s:?}");
        }
        assert_eq!(show("vpc-1\nPASS"), "vpc-1\\nPASS");
        assert_eq!(show("\u{1b}[31m"), "\\x1b[31m");
        assert_eq!(show("plain"), "plain");
    }
}
