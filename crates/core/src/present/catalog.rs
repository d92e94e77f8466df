//! `flowaudit checks` and `flowaudit explain`, generated from the checks' metadata.

use std::fmt::Write as _;

use crate::checks::{catalog, CheckMeta, Fix, Predeploy, REGISTRY};
use crate::controls::{ControlInfo, Expect};
use crate::escape::terminal::show;

/// Whether and how a check or finding is judged before deployment, and its
/// automatic fix, in words (from the registries, never written twice).
pub fn predeploy_and_fix(m: &CheckMeta) -> (String, String) {
    match crate::checks::find(m.id.as_str()) {
        Some(check) => (
            match check.predeploy {
                Predeploy::Vpc(_) => {
                    "Judged by `flowaudit iac` on each declared VPC, with the same rule as in the \
cloud; SKIPPED where a value is known only at apply time."
                        .to_string()
                }
                Predeploy::FlowLog(_) => "Judged by `flowaudit iac` on each declared flow log, \
at its own line."
                    .to_string(),
                Predeploy::TransitGateway(_) => "Judged by `flowaudit iac` on each declared \
Transit Gateway, at its own line."
                    .to_string(),
                Predeploy::CloudOnly(why) => format!("Cloud only. {why}"),
            },
            match check.fix {
                Fix::Plan(_) => "A fix plan comes with each FAIL (`flowaudit fix`, `flowaudit \
remediation`), with its backout."
                    .to_string(),
                Fix::Manual(why) => format!("No automatic fix. {why}"),
            },
        ),
        None => (
            "Not applicable: judged on flow-log records by `flowaudit analyze`.".to_string(),
            crate::findings::NO_FIX.to_string(),
        ),
    }
}

/// Every doc section of a check or finding, with its heading: the prose ones
/// and how it is judged before deployment and fixed.
pub fn sections(m: &CheckMeta) -> Vec<(&'static str, String)> {
    let (predeploy, fix) = predeploy_and_fix(m);
    let mut out: Vec<(&'static str, String)> = m
        .sections()
        .into_iter()
        .map(|(heading, text)| (heading, text.to_string()))
        .collect();
    out.push(("Before deployment", predeploy));
    out.push(("Automatic fix", fix));
    out
}

/// The catalog as a table: id, severity, scope, title.
pub fn render_list() -> String {
    let width = catalog().map(|m| m.id.as_str().len()).max().unwrap_or(0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<width$}  {:<8}  {:<8}  TITLE",
        "ID", "SEVERITY", "SCOPE"
    );
    for m in catalog() {
        let _ = writeln!(
            out,
            "{:<width$}  {:<8}  {:<8}  {}",
            m.id,
            m.severity.as_str(),
            m.scope.as_str(),
            m.title
        );
    }
    let _ = writeln!(
        out,
        "\n{} checks and {} flow-log findings. `flowaudit explain ID` tells more about one.",
        REGISTRY.len(),
        crate::findings::REGISTRY.len()
    );
    out
}

/// The catalog as JSON (for tools).
pub fn render_list_json() -> String {
    let list: Vec<serde_json::Value> = catalog().map(meta_json).collect();
    let mut text = serde_json::to_string_pretty(&list).unwrap_or_default();
    text.push('\n');
    text
}

fn meta_json(m: &CheckMeta) -> serde_json::Value {
    let (predeploy, fix) = predeploy_and_fix(m);
    serde_json::json!({
        "id": m.id,
        "title": m.title,
        "severity": m.severity,
        "scope": m.scope.as_str(),
        "rationale": m.rationale,
        "passes_when": m.passes_when,
        "fails_when": m.fails_when,
        "other_statuses": m.other_statuses,
        "remediation": m.remediation,
        "before_deployment": predeploy,
        "automatic_fix": fix,
        "compliance": m.compliance_refs(),
        "equivalents": m.equivalents.iter().map(|(tool, id)| serde_json::json!({"tool": tool, "id": id})).collect::<Vec<_>>(),
        "query": crate::checks::find(m.id.as_str()).and_then(|c| c.query),
    })
}

/// One check explained; `None` for an unknown id.
pub fn render_explain(id: &str) -> Option<String> {
    let m = crate::checks::meta(id)?;
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", m.id, m.title);
    let _ = writeln!(
        out,
        "Severity: {}    Scope: {}",
        m.severity,
        m.scope.describe()
    );
    for (heading, text) in sections(m) {
        let _ = writeln!(out, "\n{heading}\n{}", indent(&text));
    }
    let _ = writeln!(out, "\nCompliance");
    for (framework, control) in m.compliance {
        let _ = writeln!(out, "  {framework}: {control}");
    }
    if !m.equivalents.is_empty() {
        let _ = writeln!(out, "\nSame control elsewhere");
        for (tool, tool_id) in m.equivalents {
            let _ = writeln!(out, "  {tool}: {tool_id}");
        }
    }
    if let Some(sql) = crate::checks::find(id).and_then(|c| c.query) {
        let _ = writeln!(out, "\nAs a stored query\n{}\n", indent(QUERY_NOTE));
        for line in sql.lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    Some(out)
}

/// What a built-in check's stored query is, before it.
pub const QUERY_NOTE: &str = "The same decision as SQL over the tables of `flowaudit query`, \
with the default settings, in the rows form of a custom control (`resource_type = \"vpc\"`): \
a test requires its verdicts to equal the check's on the demo and in moto scans.";

/// The check's explanation as JSON.
pub fn render_explain_json(id: &str) -> Option<String> {
    let m = crate::checks::meta(id)?;
    let mut text = serde_json::to_string_pretty(&meta_json(m)).unwrap_or_default();
    text.push('\n');
    Some(text)
}

fn indent(text: &str) -> String {
    // Wrap at 88 columns, two spaces in.
    let mut out = String::new();
    let mut line = String::from(" ");
    for word in text.split_whitespace() {
        if line.len() + word.len() + 1 > 88 {
            out.push_str(&line);
            out.push('\n');
            line = String::from(" ");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out
}

/// Custom controls as a table, after the built-in catalog's. Their text comes
/// from files that may arrive with the code under review: shown escaped.
pub fn render_controls(controls: &[&ControlInfo]) -> String {
    if controls.is_empty() {
        return String::new();
    }
    let width = controls
        .iter()
        .map(|c| c.id.len())
        .max()
        .unwrap_or(0)
        .max(2);
    let mut out = String::from("\nCustom controls\n");
    let _ = writeln!(
        out,
        "{:<width$}  {:<8}  {:<8}  TITLE",
        "ID", "SEVERITY", "COVERS"
    );
    for c in controls {
        let _ = writeln!(
            out,
            "{:<width$}  {:<8}  {:<8}  {} ({})",
            c.id,
            c.severity.as_str(),
            c.covers.as_str(),
            show(&c.title),
            show(&c.source)
        );
    }
    out
}

/// One custom control explained: its metadata and its stored query.
pub fn render_control(c: &ControlInfo) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", c.id, show(&c.title));
    let _ = writeln!(
        out,
        "Severity: {}    Covers: one result per {}    Custom control from {}",
        c.severity,
        c.covers.as_str(),
        show(&c.source)
    );
    if !c.description.is_empty() {
        let _ = writeln!(out, "\nWhat it checks\n{}", indent(&show(&c.description)));
    }
    let how = match c.expect {
        Expect::Rows => "One row per resource with resource, status and reason.",
        Expect::Empty => {
            "The rows are the failures; every other resource passes (expect: no rows)."
        }
    };
    let _ = writeln!(out, "\nHow its rows are read\n{}", indent(how));
    if let Some(r) = &c.remediation {
        let _ = writeln!(out, "\nRemediation\n{}", indent(&show(r)));
    }
    if !c.compliance.is_empty() {
        let _ = writeln!(out, "\nCompliance");
        for r in &c.compliance {
            let _ = writeln!(out, "  {}: {}", show(&r.framework), show(&r.control));
        }
    }
    let _ = writeln!(out, "\nQuery");
    for line in c.sql.trim_end().lines() {
        let _ = writeln!(out, "  {}", show(line));
    }
    out
}
