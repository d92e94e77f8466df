//! Markdown for tickets and pull requests: a summary table, then the failures
//! grouped by priority, each with its remediation commands.

use std::fmt::Write as _;

use crate::priority::Level;
use crate::report::{CheckResult, Report, Status};

use crate::escape::markdown::{code_block, code_span, text as cell};

fn heading(r: &CheckResult) -> String {
    let vpc = match (&r.vpc_id, &r.vpc_name) {
        (Some(id), Some(name)) => format!("{} \"{}\"", code_span(id), cell(name)),
        (Some(id), None) => code_span(id),
        (None, _) => code_span(&r.resource_id),
    };
    format!(
        "**{}** · {} · {vpc} · {} · account {}",
        r.severity,
        code_span(&r.check_id),
        cell(r.region.as_str()),
        cell(&r.account_id)
    )
}

fn finding(out: &mut dyn std::fmt::Write, r: &CheckResult) {
    let _ = writeln!(out, "- {}  ", heading(r));
    let _ = writeln!(out, "  {}", cell(&r.message));
    if let Some(p) = &r.priority {
        let _ = writeln!(out, "  *Why {}:* {}", p.level, cell(&p.reasons.join(", ")));
    }
    if let Some(plan) = &r.remediation {
        if !plan.cli().is_empty() {
            let _ = write!(out, "\n{}", code_block(&plan.cli().join("\n"), "sh", "  "));
        }
    }
    let _ = out.write_char('\n');
}

/// The report as GitHub-flavoured Markdown.
pub fn write(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut out = super::writer::Sink::new(w);
    let s = &report.summary;
    let _ = writeln!(out, "# flowaudit report\n");
    let _ = writeln!(
        out,
        "Source {} · collected {} · {} account(s), {} region(s) ({} unreadable), {} VPCs\n",
        code_span(&report.source),
        report.collected_at.format("%Y-%m-%d %H:%M UTC"),
        s.accounts,
        s.regions,
        s.regions_failed,
        s.vpcs
    );
    let _ = writeln!(out, "| status | results |\n|---|---:|");
    for st in Status::ALL {
        let _ = writeln!(out, "| {} | {} |", st, report.count(st));
    }
    if !s.failures_by_severity.is_empty() {
        let _ = writeln!(out, "\n| failing severity | results |\n|---|---:|");
        for (sev, n) in s.failures_by_severity.iter().rev() {
            let _ = writeln!(out, "| {sev} | {n} |");
        }
    }

    let failing: Vec<&CheckResult> = crate::priority::ranked(&report.results)
        .into_iter()
        .map(|i| &report.results[i])
        .collect();
    let unranked: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Fail && r.priority.is_none())
        .collect();
    if failing.is_empty() && unranked.is_empty() {
        let _ = writeln!(out, "\nNo failing results.");
    }
    for level in [Level::P1, Level::P2, Level::P3, Level::P4] {
        let group: Vec<&&CheckResult> = failing
            .iter()
            .filter(|r| r.priority.as_ref().map(|p| p.level) == Some(level))
            .collect();
        if group.is_empty() {
            continue;
        }
        let what = match level {
            Level::P1 => "internet-exposed production",
            Level::P2 => "internet-exposed or production",
            Level::P3 => "in use",
            Level::P4 => "no network interfaces",
        };
        let _ = writeln!(out, "\n## {level}: {what} ({})\n", group.len());
        for r in group {
            finding(&mut out, r);
        }
    }
    if !unranked.is_empty() {
        let _ = writeln!(out, "\n## Other failures ({})\n", unranked.len());
        for r in unranked {
            finding(&mut out, r);
        }
    }

    let errors: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Error)
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(out, "\n## Not evaluated ({})\n", errors.len());
        for r in errors {
            let _ = writeln!(
                out,
                "- {} · {} · account {}: {}",
                code_span(&r.check_id),
                cell(r.region.as_str()),
                cell(&r.account_id),
                cell(&r.message)
            );
        }
    }
    if !report.exceptions.is_empty() {
        let _ = writeln!(
            out,
            "\n## Exceptions\n\n| # | state | selector | owner | expires | matched |\n|---:|---|---|---|---|---:|"
        );
        for u in &report.exceptions {
            let e = &u.exception;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                u.index,
                u.state.as_str(),
                code_span(&e.selector()).replace('|', "\\|"),
                cell(e.owner.as_deref().unwrap_or("")),
                e.expires,
                u.matched
            );
        }
    }
    out.finish()
}
