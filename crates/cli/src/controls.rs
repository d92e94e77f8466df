//! Custom controls as written: `[[control]]` entries in `flowaudit.toml` and in
//! the `*.toml` files of a controls directory (`--controls DIR`,
//! `[checks] controls`), read into [`flowaudit_query::Control`]s. Every mistake
//! is an error naming the file, line and column of the key it is about.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use flowaudit_core::controls::{invalid_id, ControlInfo, Covers, Expect};
use flowaudit_core::exceptions::Exception;
use flowaudit_core::report::{ComplianceRef, Severity};
use flowaudit_query::Control;
use serde::Deserialize;
use toml::Spanned;

use crate::located::{line_col, located};

/// How long one control's query may run, unless it says otherwise.
pub const DEFAULT_TIME_LIMIT_SECONDS: u64 = 10;

/// One `[[control]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlEntry {
    pub id: Spanned<String>,
    pub title: Spanned<String>,
    pub severity: Severity,
    #[serde(default)]
    pub description: String,
    /// The kind of resource each row names: `vpc` or `flow-log`.
    pub resource_type: Spanned<String>,
    /// `rows` (one row per resource with resource, status, reason; the
    /// default) or `empty` (the rows are the failures).
    pub expect: Option<Spanned<String>>,
    pub sql: Spanned<String>,
    #[serde(default)]
    pub compliance: Vec<ComplianceEntry>,
    pub remediation: Option<String>,
    pub time_limit_seconds: Option<Spanned<u64>>,
}

/// `{ framework = "...", control = "..." }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplianceEntry {
    pub framework: String,
    pub control: String,
}

/// A controls file: `[[control]]` entries and nothing else.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlFile {
    #[serde(default)]
    control: Vec<Spanned<ControlEntry>>,
}

/// Reads `entries` of the file at `path` (whose text is `text`).
pub fn read_entries(
    entries: &[Spanned<ControlEntry>],
    path: &Path,
    text: &str,
) -> Result<Vec<Control>> {
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let e = entry.get_ref();
        let at = |span: std::ops::Range<usize>, message: String| {
            located(
                path,
                text,
                Some(span),
                &format!("control `{}`: {message}", e.id.get_ref()),
            )
        };
        if let Some(why) = invalid_id(e.id.get_ref()) {
            return Err(located(path, text, Some(e.id.span()), &why));
        }
        if e.title.get_ref().trim().is_empty() {
            return Err(at(e.title.span(), "`title` is empty".into()));
        }
        let covers = Covers::parse(e.resource_type.get_ref()).ok_or_else(|| {
            at(
                e.resource_type.span(),
                format!(
                    "resource_type `{}` is not one a control can cover; use one of: {}",
                    flowaudit_core::escape::terminal::show(e.resource_type.get_ref()),
                    Covers::ALL.map(Covers::as_str).join(", ")
                ),
            )
        })?;
        let expect = match &e.expect {
            None => Expect::Rows,
            Some(s) => match s.get_ref().as_str() {
                "rows" => Expect::Rows,
                "empty" | "eq []" => Expect::Empty,
                other => {
                    return Err(at(
                        s.span(),
                        format!(
                            "expect `{}` is not `rows` or `empty`",
                            flowaudit_core::escape::terminal::show(other)
                        ),
                    ))
                }
            },
        };
        if e.sql.get_ref().trim().is_empty() {
            return Err(at(e.sql.span(), "`sql` is empty".into()));
        }
        let seconds = match &e.time_limit_seconds {
            None => DEFAULT_TIME_LIMIT_SECONDS,
            Some(s) if (1..=3600).contains(s.get_ref()) => *s.get_ref(),
            Some(s) => {
                return Err(at(
                    s.span(),
                    format!(
                        "time_limit_seconds {} is out of range: expected 1 to 3600",
                        s.get_ref()
                    ),
                ))
            }
        };
        let (line, column) = sql_start(text, e.sql.span().start);
        let file = path.display().to_string();
        out.push(Control {
            info: ControlInfo {
                id: e.id.get_ref().clone(),
                title: e.title.get_ref().clone(),
                severity: e.severity,
                description: e.description.clone(),
                covers,
                expect,
                sql: e.sql.get_ref().clone(),
                compliance: e
                    .compliance
                    .iter()
                    .map(|c| ComplianceRef {
                        framework: c.framework.clone().into(),
                        control: c.control.clone().into(),
                    })
                    .collect(),
                remediation: e.remediation.clone(),
                source: format!("{file}:{}", line_of(text, entry.span().start)),
            },
            sql_at: (file, line, column),
            time_limit: Duration::from_secs(seconds),
        });
    }
    Ok(out)
}

/// Every `*.toml` file of `dir`, in name order, read as controls files.
pub fn read_dir(dir: &Path) -> Result<Vec<Control>> {
    let listing = std::fs::read_dir(dir)
        .with_context(|| format!("could not read the controls directory {}", dir.display()))?;
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in listing {
        let path = entry
            .with_context(|| format!("could not read the controls directory {}", dir.display()))?
            .path();
        if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    if files.is_empty() {
        bail!(
            "the controls directory {} holds no .toml file",
            dir.display()
        );
    }
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let (text, _) = crate::input::read_text(&path, "controls file")?;
        let file: ControlFile =
            toml::from_str(&text).map_err(|e| located(&path, &text, e.span(), e.message()))?;
        if file.control.is_empty() {
            bail!("{}: no [[control]] entry", path.display());
        }
        out.extend(read_entries(&file.control, &path, &text)?);
    }
    Ok(out)
}

/// The config file's controls, then each directory's; ids must be unique.
pub fn gather(from_config: &[Control], dirs: &[PathBuf]) -> Result<Vec<Control>> {
    let mut controls = from_config.to_vec();
    for dir in dirs {
        controls.extend(read_dir(dir)?);
    }
    unique(&controls)?;
    Ok(controls)
}

/// Refuses two controls with one id, naming both places.
fn unique(controls: &[Control]) -> Result<()> {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for c in controls {
        if let Some(first) = seen.insert(&c.info.id, &c.info.source) {
            bail!(
                "{}: control `{}` is also defined at {first}; each control needs an id of its own",
                c.info.source,
                c.info.id
            );
        }
    }
    Ok(())
}

/// Refuses an exception whose `check` names no check, finding or control in
/// `controls`; `at` holds where each exception's `check` key is.
pub fn check_exceptions(
    exceptions: &[Exception],
    at: &[String],
    controls: &[Control],
) -> Result<()> {
    let ids: Vec<String> = controls.iter().map(|c| c.info.id.clone()).collect();
    for (i, e) in exceptions.iter().enumerate() {
        if let Err(err) = e.validate_check(&ids) {
            let place = at.get(i).map_or("flowaudit.toml", String::as_str);
            bail!("{place}: exception #{}: {err}", i + 1);
        }
    }
    Ok(())
}

/// 1-based line and column where the SQL text of a TOML string that starts at
/// byte `start` begins: after the quotes, and after the newline that a
/// multi-line string drops.
fn sql_start(text: &str, start: usize) -> (usize, usize) {
    let rest = text.get(start..).unwrap_or("");
    let skip = if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
        let after = &rest[3..];
        3 + if after.starts_with("\r\n") {
            2
        } else if after.starts_with('\n') {
            1
        } else {
            0
        }
    } else if rest.starts_with('"') || rest.starts_with('\'') {
        1
    } else {
        0
    };
    line_col(text, start + skip)
}

fn line_of(text: &str, offset: usize) -> usize {
    line_col(text, offset).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_starts_after_the_quotes_and_the_dropped_newline() {
        let text = "sql = \"\"\"\nSELECT 1\n\"\"\"\nother = 'SELECT 2'\n";
        assert_eq!(sql_start(text, 6), (2, 1));
        assert_eq!(sql_start(text, text.find("'SELECT").unwrap_or(0)), (4, 10));
    }
}
