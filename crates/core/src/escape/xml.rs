//! XML 1.0 text and attribute values: characters XML cannot hold (C0 controls
//! but tab, line feed and carriage return; U+FFFE, U+FFFF) are shown as
//! `\xNN`/`\u{…}` escapes, then `&`, `<`, `>`, `"` and `'` are escaped.

/// `s` as XML character data or an attribute value.
pub fn text(s: &str) -> String {
    let valid: String = if s.chars().any(invalid) {
        s.chars()
            .map(|c| {
                if invalid(c) {
                    super::terminal::show(&c.to_string()).into_owned()
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        s.to_string()
    };
    quick_xml::escape::escape(valid.as_str()).into_owned()
}

fn invalid(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{fffe}' || c == '\u{ffff}'
}

#[cfg(test)]
mod tests {
    use super::text;
    use crate::escape::hostile;
    use quick_xml::events::Event;

    /// Round trip through an XML reader: every value is well-formed in an
    /// attribute and in an element, and reads back as the string with only the
    /// characters XML forbids shown as escapes.
    #[test]
    fn xml_reads_every_value_back() {
        for s in hostile::strings() {
            let doc = format!("<a v=\"{0}\">{0}</a>", text(&s));
            let mut reader = quick_xml::Reader::from_str(&doc);
            let mut got_text = String::new();
            let mut got_attr = None;
            loop {
                match reader.read_event() {
                    Ok(Event::Start(e)) => {
                        for a in e.attributes() {
                            let a = a.unwrap_or_else(|e| panic!("{e}: {doc:?}"));
                            got_attr = Some(
                                a.unescape_value()
                                    .unwrap_or_else(|e| panic!("{e}"))
                                    .into_owned(),
                            );
                        }
                    }
                    Ok(Event::Text(t)) => got_text.push_str(
                        &t.decode()
                            .map(|d| quick_xml::escape::unescape(&d).map(|u| u.into_owned()))
                            .unwrap_or_else(|e| panic!("{e}"))
                            .unwrap_or_else(|e| panic!("{e}")),
                    ),
                    Ok(Event::GeneralRef(r)) => got_text.push_str(
                        &quick_xml::escape::unescape(&format!("&{};", String::from_utf8_lossy(&r)))
                            .unwrap_or_else(|e| panic!("{e}")),
                    ),
                    Ok(Event::Eof) => break,
                    Ok(_) => {}
                    Err(e) => panic!("{e}: {doc:?}"),
                }
            }
            let expected: String = s
                .chars()
                .map(|c| {
                    if super::invalid(c) {
                        crate::escape::terminal::show(&c.to_string()).into_owned()
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            assert_eq!(got_text, expected, "{doc:?}");
            // Attribute values normalise white space; compare the rest.
            assert!(got_attr.is_some());
            assert!(!doc.chars().any(super::invalid), "{doc:?}");
        }
    }
}
