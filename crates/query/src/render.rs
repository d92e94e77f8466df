//! A query's rows as a table, JSON or CSV, and the schema as text or Markdown.

use std::fmt::Write as _;

use flowaudit_core::escape::{csv, markdown, terminal::show};
use rusqlite::types::Value;

use crate::schema::TABLES;
use crate::Rows;

/// A value as text: NULL as `NULL` in tables, empty in CSV.
fn cell(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Integer(n) => Some(n.to_string()),
        Value::Real(x) => Some(x.to_string()),
        Value::Text(t) => Some(t.clone()),
        Value::Blob(b) => Some(b.iter().map(|x| format!("{x:02x}")).collect()),
    }
}

/// Aligned columns for a terminal, every value escaped.
pub fn table(rows: &Rows) -> String {
    let text: Vec<Vec<String>> = rows
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| cell(v).map_or_else(|| "NULL".to_string(), |s| show(&s).into_owned()))
                .collect()
        })
        .collect();
    let header: Vec<String> = rows.columns.iter().map(|c| show(c).into_owned()).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &text {
        for (w, v) in widths.iter_mut().zip(r) {
            *w = (*w).max(v.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    let mut out = line(&header);
    out.push('\n');
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&line(&rule));
    out.push('\n');
    for r in &text {
        out.push_str(&line(r));
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "({} row{})",
        text.len(),
        if text.len() == 1 { "" } else { "s" }
    );
    out
}

/// A JSON array with one object per row (columns in order); NULL is `null`.
pub fn json(rows: &Rows) -> String {
    let list: Vec<serde_json::Value> = rows
        .rows
        .iter()
        .map(|r| {
            let mut object = serde_json::Map::new();
            for (name, value) in rows.columns.iter().zip(r) {
                let v = match value {
                    Value::Null => serde_json::Value::Null,
                    Value::Integer(n) => serde_json::Value::from(*n),
                    Value::Real(x) => serde_json::Value::from(*x),
                    other => serde_json::Value::from(cell(other).unwrap_or_default()),
                };
                object.insert(name.clone(), v);
            }
            serde_json::Value::Object(object)
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&list).unwrap_or_else(|_| "[]".into());
    text.push('\n');
    text
}

/// CSV (RFC 4180) with a header line; NULL is an empty cell; cells that a
/// spreadsheet would run as formulas are defused.
pub fn csv(rows: &Rows) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let header: Vec<String> = rows
        .columns
        .iter()
        .map(|c| csv::cell(c).into_owned())
        .collect();
    let mut records = vec![header];
    records.extend(rows.rows.iter().map(|r| {
        r.iter()
            .map(|v| cell(v).map_or_else(String::new, |s| csv::cell(&s).into_owned()))
            .collect()
    }));
    for record in &records {
        // Writing into memory does not fail.
        let _ = w.write_record(record);
    }
    w.into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

/// Every table with its columns, types and meaning (`query --schema`).
pub fn schema() -> String {
    let mut out = String::new();
    for table in TABLES {
        let _ = writeln!(out, "{}: {}", table.name, table.about);
        let width = table
            .columns
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(0);
        let kind = table
            .columns
            .iter()
            .map(|c| c.kind.name().len())
            .max()
            .unwrap_or(0);
        for c in table.columns {
            let _ = writeln!(
                out,
                "  {:<width$}  {:<kind$}  {}",
                c.name,
                c.kind.name(),
                c.about
            );
        }
        out.push('\n');
    }
    out
}

/// The schema as Markdown, for the README (generated, never edited by hand).
pub fn schema_markdown() -> String {
    let mut out = String::new();
    for table in TABLES {
        let _ = writeln!(
            out,
            "**`{}`**: {}\n",
            table.name,
            markdown::text(table.about)
        );
        out.push_str("| column | type | meaning |\n|---|---|---|\n");
        for c in table.columns {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                c.name,
                c.kind.name(),
                markdown::text(c.about)
            );
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Rows {
        Rows {
            columns: vec!["vpc_id".into(), "n".into(), "note".into()],
            rows: vec![
                vec![Value::Text("vpc-1".into()), Value::Integer(2), Value::Null],
                vec![
                    Value::Text("vpc-22".into()),
                    Value::Integer(0),
                    Value::Text("=HYPERLINK(\"x\")\u{1b}[2J".into()),
                ],
            ],
        }
    }

    #[test]
    fn table_aligns_and_escapes() {
        let text = table(&rows());
        assert!(text.starts_with("vpc_id  n  note\n------  -  "), "{text}");
        assert!(text.contains("vpc-1   2  NULL\n"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text:?}");
        assert!(text.ends_with("(2 rows)\n"));
    }

    #[test]
    fn json_keeps_types_and_nulls() {
        let value: serde_json::Value =
            serde_json::from_str(&json(&rows())).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(value[0]["n"], 2);
        assert!(value[0]["note"].is_null());
        assert_eq!(value[1]["vpc_id"], "vpc-22");
    }

    #[test]
    fn csv_defuses_formulas_and_leaves_null_empty() {
        let text = csv(&rows());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "vpc_id,n,note");
        assert_eq!(lines[1], "vpc-1,2,");
        assert!(lines[2].starts_with("vpc-22,0,"), "{text}");
        assert!(
            !lines[2].contains(",=HYPERLINK") && !lines[2].contains(",\"=HYPERLINK"),
            "{text}"
        );
    }

    /// The README's table of tables is what `schema_markdown` writes
    /// (`scripts/gen-docs.sh` rewrites it).
    #[test]
    fn readme_query_tables_are_generated() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
        let readme = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let wanted =
            flowaudit_core::present::docs::splice(&readme, "query-tables", &schema_markdown())
                .unwrap_or_else(|e| panic!("README.md: {e}"));
        if std::env::var_os("FLOWAUDIT_BLESS_DOCS").is_some() {
            std::fs::write(&path, &wanted).unwrap_or_else(|e| panic!("{e}"));
            return;
        }
        assert!(
            readme == wanted,
            "README.md's query tables are not what the schema generates; run scripts/gen-docs.sh"
        );
    }

    #[test]
    fn schema_lists_every_table() {
        let text = schema();
        for t in TABLES {
            assert!(text.contains(&format!("{}: ", t.name)), "{}", t.name);
        }
    }
}
