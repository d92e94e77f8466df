//! The documentation generated from the registries: the README's check and
//! finding tables and a page per check and finding under `docs/checks/`.
//! `scripts/gen-docs.sh` writes them; a test fails when the committed text
//! differs, so the docs cannot drift from the code.

use std::fmt::Write as _;

use super::catalog::sections;
use crate::checks::{catalog, CheckMeta, Fix, Predeploy, REGISTRY};

/// The markers around a generated part of the README.
pub fn markers(name: &str) -> (String, String) {
    (
        format!("<!-- generated: {name} (scripts/gen-docs.sh; do not edit by hand) -->"),
        format!("<!-- end generated: {name} -->"),
    )
}

/// A metadata text in a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The README's table of checks.
pub fn checks_table() -> String {
    let mut out = String::from(
        "| id | severity | one result per | passes when | before deployment | automatic fix |\n\
         |---|---|---|---|---|---|\n",
    );
    for check in REGISTRY {
        let m = check.meta;
        let _ = writeln!(
            out,
            "| [`{id}`](docs/checks/{id}.md) | {} | {} | {} | {} | {} |",
            m.severity.as_str(),
            m.scope.as_str(),
            cell(m.passes_when),
            match check.predeploy {
                Predeploy::Vpc(_) | Predeploy::FlowLog(_) | Predeploy::TransitGateway(_) => {
                    "`flowaudit iac`"
                }
                Predeploy::CloudOnly(_) => "cloud only",
            },
            match check.fix {
                Fix::Plan(_) => "plan with backout",
                Fix::Manual(_) => "none",
            },
            id = m.id,
        );
    }
    out
}

/// The README's table of flow-log findings.
pub fn findings_table() -> String {
    let mut out =
        String::from("| finding | severity | reported when | mapping |\n|---|---|---|---|\n");
    for m in crate::findings::REGISTRY {
        let mapping: Vec<String> = m
            .compliance
            .iter()
            .map(|(framework, control)| format!("{framework} {control}"))
            .collect();
        let _ = writeln!(
            out,
            "| [`{id}`](docs/checks/{id}.md) | {} | {} | {} |",
            m.severity.as_str(),
            cell(m.fails_when),
            cell(&mapping.join("; ")),
            id = m.id,
        );
    }
    out
}

/// `docs/checks/<id>.md`: every doc section of one check or finding.
pub fn page(m: &CheckMeta) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# `{}`: {}\n", m.id, m.title);
    let _ = writeln!(
        out,
        "Severity **{}**, {}.\n",
        m.severity.as_str(),
        m.scope.describe()
    );
    for (heading, text) in sections(m) {
        let _ = writeln!(out, "## {heading}\n\n{text}\n");
    }
    let _ = writeln!(out, "## Compliance\n");
    if m.compliance.is_empty() {
        let _ = writeln!(out, "None.\n");
    } else {
        let _ = writeln!(out, "| framework | control |\n|---|---|");
        for (framework, control) in m.compliance {
            let _ = writeln!(out, "| {} | {} |", cell(framework), cell(control));
        }
        out.push('\n');
    }
    if !m.equivalents.is_empty() {
        let _ = writeln!(out, "## The same control elsewhere\n");
        let _ = writeln!(out, "| tool | id |\n|---|---|");
        for (tool, id) in m.equivalents {
            let _ = writeln!(out, "| {} | `{}` |", cell(tool), id);
        }
        out.push('\n');
    }
    if let Some(sql) = crate::checks::find(m.id.as_str()).and_then(|c| c.query) {
        let _ = writeln!(
            out,
            "## As a stored query

{}

```sql
{sql}
```
",
            super::catalog::QUERY_NOTE
        );
    }
    let _ = writeln!(
        out,
        "_Generated from the check's registry entry by `scripts/gen-docs.sh`; `flowaudit explain {}` prints the same._",
        m.id
    );
    out
}

/// Every generated file under `docs/checks/`: (file name, text).
pub fn pages() -> Vec<(String, String)> {
    catalog()
        .map(|m| (format!("{}.md", m.id), page(m)))
        .collect()
}

/// `text` with the part between `name`'s markers replaced by `body`; an error
/// names the missing marker.
pub fn splice(text: &str, name: &str, body: &str) -> Result<String, String> {
    let (open, close) = markers(name);
    let start = text
        .find(&open)
        .ok_or_else(|| format!("the marker {open} is missing"))?
        + open.len();
    let end = text[start..]
        .find(&close)
        .ok_or_else(|| format!("the marker {close} is missing"))?
        + start;
    Ok(format!("{}\n{body}{}", &text[..start], &text[end..]))
}

/// The README with its generated parts brought up to date.
pub fn readme(text: &str) -> Result<String, String> {
    let text = splice(text, "checks", &checks_table())?;
    splice(&text, "findings", &findings_table())
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The committed README tables and `docs/checks/` pages are what the
    /// registries generate. `FLOWAUDIT_BLESS_DOCS=1` (what
    /// `scripts/gen-docs.sh` sets) writes them instead of comparing.
    #[test]
    fn generated_docs_match_the_registries() {
        let bless = std::env::var_os("FLOWAUDIT_BLESS_DOCS").is_some();
        let readme_path = root().join("README.md");
        let readme = read(&readme_path);
        let wanted = super::readme(&readme).unwrap_or_else(|e| panic!("README.md: {e}"));
        let dir = root().join("docs/checks");
        let pages = super::pages();
        if bless {
            std::fs::write(&readme_path, &wanted).unwrap_or_else(|e| panic!("{e}"));
            std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
            for entry in std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{e}"))
                .flatten()
            {
                if entry.path().extension().is_some_and(|x| x == "md") {
                    std::fs::remove_file(entry.path()).unwrap_or_else(|e| panic!("{e}"));
                }
            }
            for (name, text) in &pages {
                std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
            }
            return;
        }
        let stale = "is not what the registries generate; run scripts/gen-docs.sh";
        assert!(readme == wanted, "README.md {stale}");
        let mut committed: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| n.ends_with(".md"))
            .collect();
        committed.sort();
        let mut names: Vec<String> = pages.iter().map(|(n, _)| n.clone()).collect();
        names.sort();
        assert_eq!(committed, names, "docs/checks/ {stale}");
        for (name, text) in &pages {
            assert!(&read(&dir.join(name)) == text, "docs/checks/{name} {stale}");
        }
    }

    #[test]
    fn splice_names_a_missing_marker() {
        let err = super::splice("no markers", "checks", "x").err();
        assert!(err.is_some_and(|e| e.contains("generated: checks")));
        let (open, close) = super::markers("checks");
        let text = format!("a\n{open}\nold\n{close}\nb\n");
        assert_eq!(
            super::splice(&text, "checks", "new\n"),
            Ok(format!("a\n{open}\nnew\n{close}\nb\n"))
        );
    }
}
