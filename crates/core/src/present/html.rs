//! One self-contained HTML file: no external scripts, fonts or styles. A summary
//! by status and severity, a per-region chart (inline SVG), a results table that
//! filters by status, check, region and free text, and for each result its
//! evidence, compliance mapping and remediation (CLI, Terraform, CloudFormation).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::report::{CheckResult, Report, Status};

const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

fn esc(text: &str) -> String {
    crate::escape::xml::text(text)
}

/// Counts per status for each region: an inline SVG of stacked bars.
fn region_chart(report: &Report) -> String {
    let mut by_region: BTreeMap<&str, BTreeMap<Status, usize>> = BTreeMap::new();
    for r in &report.results {
        *by_region
            .entry(r.region.as_str())
            .or_default()
            .entry(r.status)
            .or_default() += 1;
    }
    if by_region.is_empty() {
        return String::new();
    }
    let max = by_region
        .values()
        .map(|m| m.values().sum::<usize>())
        .max()
        .unwrap_or(1)
        .max(1);
    let (label_w, bar_w, row_h) = (150.0, 560.0, 26.0);
    let height = row_h * by_region.len() as f64 + 10.0;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {} {height}\" role=\"img\" aria-labelledby=\"chart-title\">\n<title id=\"chart-title\">Results per region by status</title>\n",
        label_w + bar_w + 60.0
    );
    for (i, (region, counts)) in by_region.iter().enumerate() {
        let y = i as f64 * row_h + 4.0;
        let total: usize = counts.values().sum();
        let _ = writeln!(
            svg,
            "<text x=\"0\" y=\"{:.1}\">{}</text>",
            y + 14.0,
            esc(region)
        );
        let mut x = label_w;
        for status in Status::ALL {
            let n = counts.get(&status).copied().unwrap_or(0);
            if n == 0 {
                continue;
            }
            let w = bar_w * n as f64 / max as f64;
            let _ = writeln!(
                svg,
                "<rect class=\"f-{status}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"18\"><title>{} {status}: {n}</title></rect>",
                esc(region)
            );
            x += w;
        }
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\">{total}</text>",
            x + 6.0,
            y + 14.0
        );
    }
    svg.push_str("</svg>\n<ul class=\"legend\" aria-hidden=\"true\">");
    for status in Status::ALL {
        let _ = write!(svg, "<li><span class=\"b-{status}\"></span>{status}</li>");
    }
    svg.push_str("</ul>\n");
    format!("<h3>Results per region</h3>\n{svg}")
}

fn options(values: &BTreeSet<&str>) -> String {
    values
        .iter()
        .map(|v| format!("<option value=\"{0}\">{0}</option>", esc(v)))
        .collect()
}

fn pre(text: &str) -> String {
    format!("<pre>{}</pre>", esc(text))
}

/// The details of one result: evidence, compliance, remediation tabs.
fn details(i: usize, r: &CheckResult) -> String {
    let mut out = String::from("<details><summary>Details</summary><div class=\"detail\">");
    let compliance: Vec<String> = r
        .compliance
        .iter()
        .map(|c| format!("{} {}", esc(&c.framework), esc(&c.control)))
        .collect();
    let _ = write!(
        out,
        "<p><strong>Compliance:</strong> {}</p>",
        compliance.join("; ")
    );
    if let Some(p) = &r.priority {
        let _ = write!(
            out,
            "<p><strong>Priority {}:</strong> {}</p>",
            p.level,
            esc(&p.reasons.join(", "))
        );
    }
    if let Some(e) = &r.exception {
        let _ = write!(
            out,
            "<p><strong>Exception #{}{}:</strong> {} (owner {}, until {})</p>",
            e.index,
            if e.expired { " (expired)" } else { "" },
            esc(&e.reason),
            esc(e.owner.as_deref().unwrap_or("none")),
            e.expires
        );
    }
    let evidence = serde_json::to_string_pretty(&r.evidence).unwrap_or_default();
    let _ = write!(out, "<p><strong>Evidence</strong></p>{}", pre(&evidence));
    if let Some(plan) = &r.remediation {
        let _ = write!(
            out,
            "<p><strong>Remediation:</strong> {}</p><ol>{}</ol>",
            esc(&plan.title),
            plan.steps()
                .iter()
                .map(|s| format!("<li>{}</li>", esc(s)))
                .collect::<String>()
        );
        let panels = [
            ("CLI", plan.cli().join("\n")),
            ("Terraform", plan.terraform()),
            ("CloudFormation", plan.cloudformation()),
            ("Console", plan.console().join("\n")),
            ("Backout", plan.backout().join("\n")),
        ];
        let _ = out.write_str("<div role=\"tablist\" aria-label=\"Remediation formats\">");
        for (k, (name, _)) in panels.iter().enumerate() {
            let _ = write!(
                out,
                "<button type=\"button\" role=\"tab\" id=\"t{i}-{k}\" aria-controls=\"p{i}-{k}\" aria-selected=\"{}\">{name}</button>",
                k == 0
            );
        }
        let _ = out.write_str("</div>");
        for (k, (_, text)) in panels.iter().enumerate() {
            let _ = write!(
                out,
                "<div role=\"tabpanel\" id=\"p{i}-{k}\" aria-labelledby=\"t{i}-{k}\" tabindex=\"0\">{}</div>",
                pre(text)
            );
        }
    }
    let _ = out.write_str("</div></details>");
    out
}

/// The report as one self-contained HTML page.
pub fn write(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let s = &report.summary;
    let mut out = super::writer::Sink::new(w);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n<title>flowaudit report · {}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        report.collected_at.format("%Y-%m-%d %H:%M UTC")
    );
    let _ = write!(
        out,
        "<header>\n<h1>flowaudit report</h1>\n<p class=\"meta\">Source <code>{}</code> · collected {} · {} account(s) · {} region(s) ({} unreadable) · {} VPCs · {} results</p>\n</header>\n<main>\n",
        esc(&report.source),
        report.collected_at.format("%Y-%m-%d %H:%M UTC"),
        s.accounts,
        s.regions,
        s.regions_failed,
        s.vpcs,
        s.results
    );
    let _ = out.write_str("<section aria-labelledby=\"h-summary\">\n<h2 id=\"h-summary\">Summary</h2>\n<ul class=\"cards\">\n");
    for st in Status::ALL {
        let _ = writeln!(
            out,
            "<li><span class=\"n s-{st}\">{}</span>{st}</li>",
            report.count(st)
        );
    }
    let _ = out.write_str("</ul>\n");
    if !s.failures_by_severity.is_empty() {
        let _ = out.write_str("<table class=\"severity\"><caption>Failing results by severity</caption><thead><tr><th scope=\"col\">Severity</th><th scope=\"col\">FAIL</th></tr></thead><tbody>\n");
        for (sev, n) in s.failures_by_severity.iter().rev() {
            let _ = writeln!(out, "<tr><td>{sev}</td><td>{n}</td></tr>");
        }
        let _ = out.write_str("</tbody></table>\n");
    }
    let _ = out.write_str(&region_chart(report));
    let _ = out.write_str("</section>\n");

    let checks: BTreeSet<&str> = report.results.iter().map(|r| r.check_id.as_str()).collect();
    let regions: BTreeSet<&str> = report.results.iter().map(|r| r.region.as_str()).collect();
    let statuses: String = Status::ALL
        .iter()
        .map(|st| format!("<option value=\"{st}\">{st}</option>"))
        .collect();
    let _ = write!(
        out,
        "<section aria-labelledby=\"h-results\">\n<h2 id=\"h-results\">Results</h2>\n<form id=\"filters\" class=\"filters\" role=\"search\" aria-label=\"Filter results\">\n<label>Status<select id=\"f-status\"><option value=\"\">All</option>{statuses}</select></label>\n<label>Check<select id=\"f-check\"><option value=\"\">All</option>{}</select></label>\n<label>Region<select id=\"f-region\"><option value=\"\">All</option>{}</select></label>\n<label>Text<input id=\"f-text\" type=\"search\" placeholder=\"VPC, message, account…\"></label>\n<button type=\"button\" id=\"f-reset\">Reset</button>\n</form>\n<p id=\"shown\" aria-live=\"polite\">{} of {} results shown</p>\n",
        options(&checks),
        options(&regions),
        report.results.len(),
        report.results.len()
    );
    let _ = out.write_str("<table id=\"results\">\n<caption>One row per check and resource; open Details for evidence and remediation.</caption>\n<thead><tr><th scope=\"col\">Status</th><th scope=\"col\">Severity</th><th scope=\"col\">Priority</th><th scope=\"col\">Check</th><th scope=\"col\">Region</th><th scope=\"col\">Resource</th><th scope=\"col\">Message</th></tr></thead>\n<tbody>\n");
    for (i, r) in report.results.iter().enumerate() {
        let resource = match (&r.vpc_id, &r.vpc_name) {
            (Some(id), Some(name)) if *id == r.resource_id => {
                format!("{} “{}”", esc(id), esc(name))
            }
            (Some(id), Some(name)) => {
                format!("{}<br>in {} “{}”", esc(&r.resource_id), esc(id), esc(name))
            }
            (Some(id), None) if *id != r.resource_id => {
                format!("{}<br>in {}", esc(&r.resource_id), esc(id))
            }
            _ => esc(&r.resource_id),
        };
        let _ = writeln!(
            out,
            "<tr data-status=\"{st}\" data-check=\"{check}\" data-region=\"{region}\"><td><span class=\"badge s-{st}\">{st}</span></td><td>{}</td><td>{}</td><td>{check}</td><td>{region}</td><td>{resource}<br><small>{}</small></td><td class=\"msg\">{}{}</td></tr>",
            r.severity,
            r.priority.as_ref().map(|p| p.level.to_string()).unwrap_or_default(),
            match &r.location {
                Some(l) => format!("{}:{}", esc(&l.file), l.line),
                None => format!("account {}", esc(&r.account_id)),
            },
            esc(&r.message),
            details(i, r),
            st = r.status,
            check = esc(&r.check_id),
            region = esc(r.region.as_str()),
        );
    }
    let _ = out.write_str("</tbody>\n</table>\n</section>\n");

    if let Some(cost) = &report.cost {
        let _ = out.write_str(&super::cost::html(cost));
    }
    if !report.exceptions.is_empty() {
        let _ = out.write_str("<section aria-labelledby=\"h-exceptions\">\n<h2 id=\"h-exceptions\">Exceptions</h2>\n<table><thead><tr><th scope=\"col\">#</th><th scope=\"col\">State</th><th scope=\"col\">Selector</th><th scope=\"col\">Owner</th><th scope=\"col\">Expires</th><th scope=\"col\">Matched</th><th scope=\"col\">Reason</th></tr></thead><tbody>\n");
        for u in &report.exceptions {
            let e = &u.exception;
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                u.index,
                u.state.as_str(),
                esc(&e.selector()),
                esc(e.owner.as_deref().unwrap_or("")),
                e.expires,
                u.matched,
                esc(&e.reason)
            );
        }
        let _ = out.write_str("</tbody></table>\n</section>\n");
    }
    let _ = write!(
        out,
        "</main>\n<footer>Generated by {} {}. Schema of the JSON report: {}.</footer>\n<script>\n{JS}</script>\n</body>\n</html>\n",
        esc(&report.tool.name),
        esc(&report.tool.version),
        esc(&report.schema)
    );
    out.finish()
}
