//! `flowaudit diff` as text and JSON.

use std::fmt::Write as _;

use crate::diff::{Change, Diff};

/// The diff as text: a heading per change, one line per finding.
pub fn render(diff: &Diff) -> String {
    match crate::escape::terminal::shown(diff) {
        Ok(safe) => render_shown(&safe),
        Err(e) => format!("error: the comparison could not be prepared for the terminal: {e}\n"),
    }
}

fn render_shown(diff: &Diff) -> String {
    let mut out = String::new();
    let side = |s: &crate::diff::Side| {
        format!(
            "{} ({}, collected {})",
            s.label,
            s.source,
            s.collected_at.format("%Y-%m-%d %H:%M UTC")
        )
    };
    let _ = writeln!(out, "flowaudit diff");
    let _ = writeln!(out, "  old: {}", side(&diff.old));
    let _ = writeln!(out, "  new: {}", side(&diff.new));
    if diff.old.scope != diff.new.scope {
        let _ = writeln!(
            out,
            "  note: the runs cover different scopes ({} vs {})",
            diff.old.scope, diff.new.scope
        );
    }
    for change in Change::ALL {
        let entries: Vec<_> = diff.changes.iter().filter(|e| e.change == change).collect();
        if entries.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n{} ({})",
            capitalised(change.as_str()),
            entries.len()
        );
        for e in entries {
            let vpc = match (&e.vpc_id, &e.vpc_name) {
                (Some(id), Some(name)) if *id != e.resource_id => {
                    format!(" in {id} \"{name}\"")
                }
                (Some(id), None) if *id != e.resource_id => format!(" in {id}"),
                (_, Some(name)) => format!(" \"{name}\""),
                _ => String::new(),
            };
            let status = |s: Option<crate::report::Status>| {
                s.map_or_else(|| "absent".to_string(), |s| s.as_str().to_string())
            };
            let _ = writeln!(
                out,
                "  {:<8} {} {}{} · {} · {} → {} · {}",
                e.severity.as_str(),
                e.check_id,
                e.resource_id,
                vpc,
                e.region,
                status(e.before),
                status(e.after),
                e.message
            );
        }
    }
    let counts: Vec<String> = Change::ALL
        .iter()
        .map(|c| format!("{} {}", diff.count(*c), c.as_str()))
        .collect();
    let _ = writeln!(
        out,
        "\nSummary: {}, {} unchanged",
        counts.join(", "),
        diff.counts.get("unchanged").copied().unwrap_or(0)
    );
    out
}

/// The diff as pretty JSON (`flowaudit.diff/v1`), ending in a newline.
pub fn render_json(diff: &Diff) -> String {
    super::json::pretty(diff)
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
