//! The human-readable report: grouped by account and region, then by VPC.

use std::fmt::Write as _;

use owo_colors::{OwoColorize, Style};

use crate::report::{CheckResult, Report, Severity, Status};
use crate::stats::{ReadStats, RunStats};

/// The report as the table prints it, every string passed through
/// [`crate::escape::terminal::show`] (by `shown`, so that no field, present or
/// added later, reaches the terminal raw). Results are converted one at a time
/// and without what the table never prints (evidence, compliance mapping, fix
/// plan): converting the whole report as one JSON tree cost more memory than the
/// report itself (4.6 GB peak for 50,000 VPCs). A table that starts printing one
/// of those fields must keep it here.
pub fn for_terminal(report: &Report) -> Result<Report, String> {
    use crate::escape::terminal::shown;
    let head = Report {
        schema: report.schema.clone(),
        tool: report.tool.clone(),
        source: report.source.clone(),
        collected_at: report.collected_at,
        scope: report.scope.clone(),
        settings: report.settings.clone(),
        summary: report.summary.clone(),
        results: Vec::new(),
        exceptions: report.exceptions.clone(),
        stats: report.stats.clone(),
        controls: report.controls.clone(),
        // Rendered from the original: the cost table escapes its own names.
        cost: None,
    };
    let mut safe = shown(&head)?;
    safe.results = report
        .results
        .iter()
        .map(|r| {
            shown(&CheckResult {
                check_id: r.check_id.clone(),
                status: r.status,
                severity: r.severity,
                account_id: r.account_id.clone(),
                region: r.region.clone(),
                resource_type: r.resource_type.clone(),
                resource_id: r.resource_id.clone(),
                vpc_id: r.vpc_id.clone(),
                vpc_name: r.vpc_name.clone(),
                message: r.message.clone(),
                evidence: serde_json::Value::Null,
                compliance: Vec::new(),
                priority: r.priority.clone(),
                exception: r.exception.clone(),
                remediation: None,
                location: r.location.clone(),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(safe)
}

/// Renders the report as text; `color` adds ANSI colours.
pub fn write(report: &Report, color: bool, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut out = super::writer::Sink::new(w);
    let paint = |text: &str, style: Style| -> String {
        if color {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    };
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let check_width = report
        .results
        .iter()
        .map(|r| r.check_id.len())
        .max()
        .unwrap_or(0);

    let _ = writeln!(
        out,
        "{} · source {} · collected {}",
        paint("flowaudit report", bold),
        report.source,
        report.collected_at.format("%Y-%m-%d %H:%M UTC")
    );

    render_priorities(&mut out, report, &paint);

    let mut group: Option<(&str, &str)> = None;
    let mut vpc: Option<Option<&str>> = None;
    for r in &report.results {
        let key = match &r.location {
            Some(l) => (l.file.as_str(), ""),
            None => (r.account_id.as_str(), r.region.as_str()),
        };
        if group != Some(key) {
            group = Some(key);
            vpc = None;
            let heading = match &r.location {
                Some(l) => l.file.clone(),
                None => format!("{} · account {}", r.region, r.account_id),
            };
            let _ = writeln!(out, "\n{}", paint(&heading, bold));
        }
        if vpc != Some(r.vpc_id.as_deref()) {
            vpc = Some(r.vpc_id.as_deref());
            let heading = match (&r.vpc_id, &r.vpc_name) {
                (Some(id), Some(name)) => format!("{id} \"{name}\""),
                (Some(id), None) => id.clone(),
                (None, _) => format!("{} {}", r.resource_type, r.resource_id),
            };
            let _ = writeln!(out, "  {heading}");
        }
        let status = format!("{:<8}", r.status.as_str());
        let _ = writeln!(
            out,
            "    {} {} {:<check_width$}  {}",
            paint(&status, status_style(r.status)),
            paint(
                &format!("{:<8}", r.severity.as_str()),
                severity_style(r.severity)
            ),
            r.check_id,
            message(r),
        );
    }
    if report.results.is_empty() {
        let nothing = if report.source.starts_with("analyze:") {
            "no findings"
        } else {
            "no VPCs found: nothing to evaluate"
        };
        let _ = writeln!(out, "\n  {}", paint(nothing, dim));
    }

    let s = &report.summary;
    let _ = writeln!(out);
    let regions = if s.regions_failed > 0 {
        format!("{} regions ({} unreadable)", s.regions, s.regions_failed)
    } else {
        format!("{} regions", s.regions)
    };
    let counts: Vec<String> = Status::ALL
        .into_iter()
        .map(|st| {
            let text = format!("{} {}", report.count(st), st.as_str());
            paint(&text, status_style(st))
        })
        .collect();
    if report.source.starts_with("analyze:") {
        let _ = writeln!(
            out,
            "{} {} findings: {}",
            paint("Summary:", bold),
            s.results,
            counts.join(", ")
        );
    } else if report.source.starts_with("iac:") {
        let _ = writeln!(
            out,
            "{} {} VPCs declared, {} results: {}",
            paint("Summary:", bold),
            s.vpcs,
            s.results,
            counts.join(", ")
        );
    } else {
        let _ = writeln!(
            out,
            "{} {} account(s), {}, {} VPCs, {} results: {}",
            paint("Summary:", bold),
            s.accounts,
            regions,
            s.vpcs,
            s.results,
            counts.join(", ")
        );
    }
    if !s.failures_by_severity.is_empty() {
        let by_sev: Vec<String> = s
            .failures_by_severity
            .iter()
            .rev()
            .map(|(sev, n)| format!("{n} {sev}"))
            .collect();
        let _ = writeln!(out, "Failures by severity: {}", by_sev.join(", "));
    }
    render_accounts(&mut out, report);
    render_exceptions(&mut out, report, &paint);
    if let Some(stats) = &report.stats {
        render_stats(&mut out, stats);
    }
    out.finish()
}

/// How many failing results the priority section lists before pointing at the rest.
const PRIORITY_LINES: usize = 25;

/// The failing results, highest priority first.
fn render_priorities(
    out: &mut dyn std::fmt::Write,
    report: &Report,
    paint: &dyn Fn(&str, Style) -> String,
) {
    let order = crate::priority::ranked(&report.results);
    if order.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{}",
        paint(
            "Fix first (failing results, highest priority first)",
            Style::new().bold()
        )
    );
    for &i in order.iter().take(PRIORITY_LINES) {
        let r = &report.results[i];
        let Some(p) = &r.priority else { continue };
        let vpc = match (&r.vpc_id, &r.vpc_name) {
            (Some(id), Some(name)) => format!("{id} \"{name}\""),
            (Some(id), None) => id.clone(),
            (None, _) => r.resource_id.clone(),
        };
        let _ = writeln!(
            out,
            "  {} {} {} {} {} · {}",
            paint(&p.level.to_string(), Style::new().bold()),
            paint(
                &format!("{:<8}", r.severity.as_str()),
                severity_style(r.severity)
            ),
            r.check_id,
            vpc,
            r.region,
            p.reasons.join(", ")
        );
    }
    if order.len() > PRIORITY_LINES {
        let _ = writeln!(
            out,
            "  … and {} more (every one is listed below; the JSON report carries each priority)",
            order.len() - PRIORITY_LINES
        );
    }
}

/// What `analyze` read: inputs, records, the time span, the pace.
fn render_read(out: &mut dyn std::fmt::Write, read: &ReadStats) {
    let _ = writeln!(
        out,
        "\nRead: {} input(s), {} record(s) ({} NODATA, {} SKIPDATA), {} malformed line(s), {} unreadable input(s)",
        read.inputs, read.records, read.nodata, read.skipdata, read.malformed, read.unreadable
    );
    if read.outside_window > 0 {
        let _ = writeln!(
            out,
            "{} record(s) outside the time window left out",
            read.outside_window
        );
    }
    if read.control_messages > 0 {
        let _ = writeln!(
            out,
            "{} CloudWatch Logs CONTROL_MESSAGE payload(s) (the destination's health checks) left out",
            read.control_messages
        );
    }
    let _ = writeln!(
        out,
        "Records from {} to {}; {} ms on {} thread(s), {} records/s",
        read.from.as_deref().unwrap_or("-"),
        read.to.as_deref().unwrap_or("-"),
        read.wall_ms,
        read.threads,
        read.records_per_second
    );
}

/// One line per account when there are several.
fn render_accounts(out: &mut dyn std::fmt::Write, report: &Report) {
    let accounts = &report.summary.by_account;
    if accounts.len() < 2 {
        return;
    }
    let _ = writeln!(out, "Accounts:");
    for (id, a) in accounts {
        let counts: Vec<String> = Status::ALL
            .iter()
            .filter_map(|st| {
                let n = a.by_status.get(st).copied().unwrap_or(0);
                (n > 0).then(|| format!("{n} {st}"))
            })
            .collect();
        match &a.error {
            Some(why) => {
                let _ = writeln!(out, "  {id}: not read: {why}");
            }
            None => {
                let _ = writeln!(
                    out,
                    "  {id}: {} regions ({} unreadable), {} VPCs: {}",
                    a.regions,
                    a.regions_failed,
                    a.vpcs,
                    counts.join(", ")
                );
            }
        }
    }
}

/// Every configured exception and what became of it.
fn render_exceptions(
    out: &mut dyn std::fmt::Write,
    report: &Report,
    paint: &dyn Fn(&str, Style) -> String,
) {
    use crate::exceptions::ExceptionState;
    if report.exceptions.is_empty() {
        return;
    }
    let c = &report.summary.exceptions;
    let _ = writeln!(
        out,
        "Exceptions: {} configured: {} active ({} result(s) excepted), {} expired ({} result(s) failing again), {} stale{}",
        c.configured,
        c.active,
        c.excepted_results,
        c.expired,
        c.expired_results,
        c.stale,
        if c.not_evaluated > 0 {
            format!(", {} not evaluated", c.not_evaluated)
        } else {
            String::new()
        }
    );
    for u in &report.exceptions {
        let e = &u.exception;
        let (state, style) = match u.state {
            ExceptionState::Active => ("active ", Style::new().cyan()),
            ExceptionState::Expired => ("EXPIRED", Style::new().red().bold()),
            ExceptionState::Stale => ("STALE  ", Style::new().yellow()),
            ExceptionState::NotEvaluated => ("UNJUDGED", Style::new().yellow()),
        };
        let when = if u.days_left >= 0 {
            format!("expires {} (in {} days)", e.expires, u.days_left)
        } else {
            format!("expired {} ({} days ago)", e.expires, -u.days_left)
        };
        let note = match u.state {
            ExceptionState::Stale => "matched no failing result: remove it".to_string(),
            ExceptionState::NotEvaluated => {
                "its results were not evaluated this run (SKIPPED or ERROR): keep it".to_string()
            }
            _ => format!("matched {}", u.matched),
        };
        let _ = writeln!(
            out,
            "  #{} {} {} · owner {} · {} · {}{}",
            u.index,
            paint(state, style),
            e.selector(),
            e.owner.as_deref().unwrap_or("(none)"),
            when,
            note,
            e.source
                .as_deref()
                .map(|s| format!(" · {s}"))
                .unwrap_or_default()
        );
    }
}

/// The `--stats` section: totals, calls per operation, wall time per region.
fn render_stats(out: &mut dyn std::fmt::Write, stats: &RunStats) {
    let stats = match stats {
        RunStats::Read { read } => return render_read(out, read),
        RunStats::Api(api) => api,
    };
    let _ = writeln!(
        out,
        "\nAPI calls: {} ({} retries), wall time {} ms",
        stats.total_calls, stats.total_retries, stats.wall_ms
    );
    for (op, c) in &stats.calls {
        let _ = writeln!(out, "  {:>6}  {op} ({} attempts)", c.calls, c.attempts);
    }
    for (scope, n) in &stats.calls_by_scope {
        let wall = stats
            .region_wall_ms
            .get(scope)
            .map(|ms| format!(", {ms} ms"))
            .unwrap_or_default();
        let _ = writeln!(out, "  {scope}: {n} calls{wall}");
    }
}

fn message(r: &CheckResult) -> String {
    if let Some(l) = &r.location {
        format!("line {}: {}", l.line, r.message)
    } else if r.resource_type == crate::report::ResourceType::FlowLog {
        format!("{}: {}", r.resource_id, r.message)
    } else {
        r.message.clone()
    }
}

fn status_style(status: Status) -> Style {
    match status {
        Status::Pass => Style::new().green(),
        Status::Fail => Style::new().red().bold(),
        Status::Excepted => Style::new().cyan(),
        Status::Skipped => Style::new().yellow(),
        Status::Error => Style::new().magenta().bold(),
    }
}

fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Critical | Severity::High => Style::new().red(),
        Severity::Medium => Style::new().yellow(),
        Severity::Low | Severity::Info => Style::new().dimmed(),
    }
}
