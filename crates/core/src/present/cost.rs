//! The cost report ([`crate::cost::CostReport`]) as a table, Markdown, CSV or
//! JSON. Names from the inventory pass through each language's one escaping
//! function.

use std::fmt::Write as _;

use crate::cost::{Basis, CostReport, VpcCost};
use crate::escape::{csv as csv_escape, markdown, terminal, xml};

/// CSV columns, one row per VPC.
pub const COLUMNS: [&str; 17] = [
    "account_id",
    "region",
    "vpc_id",
    "vpc_name",
    "covered",
    "network_interfaces",
    "all_gb_per_month",
    "reject_gb_per_month",
    "volume_basis",
    "volume_detail",
    "current_monthly",
    "after_fix_monthly",
    "after_fix_plan",
    "cheapest_monthly",
    "cheapest_plan",
    "currency",
    "error",
];

/// `N VPCs[, M not priced]): now C X a month (C Y a year); after the fix plan …;
/// cheapest full coverage …`, with the currency `c` as the caller escaped it.
fn totals(t: &crate::cost::Totals, c: &str) -> String {
    format!(
        "{} VPCs{}: now {c} {} a month ({c} {} a year); after the fix plan {c} {} ({c} {}); cheapest full coverage {c} {} ({c} {})",
        t.vpcs,
        if t.unpriced > 0 {
            format!(", {} not priced", t.unpriced)
        } else {
            String::new()
        },
        money(t.current_monthly),
        money(t.current_yearly),
        money(t.after_fix_monthly),
        money(t.after_fix_yearly),
        money(t.cheapest_monthly),
        money(t.cheapest_yearly)
    )
}

fn money(v: f64) -> String {
    format!("{v:.2}")
}

fn basis(b: Basis) -> &'static str {
    match b {
        Basis::Measured => "measured",
        Basis::Estimated => "estimated",
        Basis::Default => "default rate",
    }
}

/// The label of the cheapest compliant option ("current" when keeping what is
/// there is cheaper).
fn cheapest_label(v: &VpcCost) -> String {
    match v.options.iter().find(|o| o.cheapest) {
        Some(o) if !v.covered || o.cost.total < v.current_monthly => o.label.clone(),
        Some(_) => "current".to_string(),
        None => String::new(),
    }
}

/// Aligned text for a terminal.
pub fn table(r: &CostReport) -> String {
    let c = terminal::show(&r.prices.currency);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Flow-log cost per month ({c}; prices of {}{})",
        terminal::show(&r.prices.date),
        r.prices
            .file
            .as_deref()
            .map(|f| format!(", with {}", terminal::show(f)))
            .unwrap_or_default()
    );
    let _ = writeln!(out);
    let rows: Vec<[String; 8]> = r
        .vpcs
        .iter()
        .map(|v| {
            let name = v
                .name
                .as_deref()
                .map(|n| format!(" ({})", terminal::show(n)))
                .unwrap_or_default();
            match (&v.error, &v.volume) {
                (Some(why), _) => [
                    terminal::show(&format!("{}/{}", v.account_id, v.region)).into_owned(),
                    format!("{}{name}", terminal::show(&v.vpc_id)),
                    "ERROR".to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    terminal::show(why).into_owned(),
                ],
                (None, volume) => [
                    terminal::show(&format!("{}/{}", v.account_id, v.region)).into_owned(),
                    format!("{}{name}", terminal::show(&v.vpc_id)),
                    if v.covered { "covered" } else { "NOT covered" }.to_string(),
                    volume
                        .as_ref()
                        .map(|x| format!("{:.1} ({})", x.all_gb_per_month, basis(x.basis)))
                        .unwrap_or_default(),
                    money(v.current_monthly),
                    money(v.after_fix_monthly),
                    money(v.cheapest_monthly),
                    cheapest_label(v),
                ],
            }
        })
        .collect();
    let header = [
        "ACCOUNT/REGION".to_string(),
        "VPC".to_string(),
        "STATE".to_string(),
        "GB/MONTH (ALL)".to_string(),
        "NOW".to_string(),
        "AFTER FIX".to_string(),
        "CHEAPEST".to_string(),
        "CHEAPEST WAY".to_string(),
    ];
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                if (4..=6).contains(&i) {
                    format!("{cell:>w$}")
                } else {
                    format!("{cell:<w$}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    let _ = writeln!(out);
    for t in &r.accounts {
        let _ = writeln!(
            out,
            "account {}: {} VPC(s){}; now {} a month ({} a year), after the fix plan {} ({}), cheapest full coverage {} ({})",
            terminal::show(t.account_id.as_deref().unwrap_or_default()),
            t.vpcs,
            if t.unpriced > 0 { format!(", {} not priced", t.unpriced) } else { String::new() },
            money(t.current_monthly),
            money(t.current_yearly),
            money(t.after_fix_monthly),
            money(t.after_fix_yearly),
            money(t.cheapest_monthly),
            money(t.cheapest_yearly)
        );
    }
    let t = &r.total;
    let _ = writeln!(
        out,
        "total: {} VPC(s); now {c} {} a month, after the fix plan {c} {}, cheapest full coverage {c} {} ({c} {} a year)",
        t.vpcs,
        money(t.current_monthly),
        money(t.after_fix_monthly),
        money(t.cheapest_monthly),
        money(t.cheapest_yearly)
    );
    for e in &r.errors {
        let _ = writeln!(out, "ERROR {}", terminal::show(e));
    }
    let _ = writeln!(
        out,
        "\nVolumes: measured = bytes AWS reported over the window; estimated = from measured flow logs; default rate = {} GB per interface-month. `--format json` gives each figure's source and every option.",
        r.assumptions.default_gb_per_interface_month
    );
    out
}

/// GitHub-flavoured Markdown.
pub fn markdown(r: &CostReport) -> String {
    let c = markdown::text(&r.prices.currency);
    let mut out = String::new();
    let _ = writeln!(out, "## Flow-log cost per month ({c})\n");
    let _ = writeln!(
        out,
        "Prices of {} ({}){}.\n",
        markdown::text(&r.prices.date),
        markdown::text(&r.prices.source),
        r.prices
            .file
            .as_deref()
            .map(|f| format!(", overridden by {}", markdown::code_span(f)))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "| Account | Region | VPC | Covered | GB/month (ALL) | Basis | Now | After fix | Cheapest | Cheapest way |"
    );
    let _ = writeln!(out, "|---|---|---|---|--:|---|--:|--:|--:|---|");
    for v in &r.vpcs {
        let vpc = match &v.name {
            Some(n) => format!("{} ({})", markdown::code_span(&v.vpc_id), markdown::text(n)),
            None => markdown::code_span(&v.vpc_id),
        };
        match (&v.error, &v.volume) {
            (Some(why), _) => {
                let _ = writeln!(
                    out,
                    "| {} | {} | {vpc} | ERROR | | | | | | {} |",
                    markdown::text(&v.account_id),
                    markdown::text(&v.region),
                    markdown::text(why)
                );
            }
            (None, volume) => {
                let _ = writeln!(
                    out,
                    "| {} | {} | {vpc} | {} | {} | {} | {} | {} | {} | {} |",
                    markdown::text(&v.account_id),
                    markdown::text(&v.region),
                    if v.covered { "yes" } else { "**no**" },
                    volume
                        .as_ref()
                        .map(|x| format!("{:.1}", x.all_gb_per_month))
                        .unwrap_or_default(),
                    volume.as_ref().map(|x| basis(x.basis)).unwrap_or_default(),
                    money(v.current_monthly),
                    money(v.after_fix_monthly),
                    money(v.cheapest_monthly),
                    markdown::text(&cheapest_label(v))
                );
            }
        }
    }
    let _ = writeln!(out, "\n**Total**, {}.", totals(&r.total, &c));
    for e in &r.errors {
        let _ = writeln!(out, "\n- ERROR: {}", markdown::text(e));
    }
    out
}

/// Per account: now, after the fix plan and cheapest, as horizontal bars (inline SVG).
fn html_chart(r: &CostReport) -> String {
    let max = r
        .accounts
        .iter()
        .flat_map(|t| [t.current_monthly, t.after_fix_monthly, t.cheapest_monthly])
        .fold(0.0_f64, f64::max);
    if r.accounts.is_empty() || max <= 0.0 {
        return String::new();
    }
    let (label_w, bar_w, row_h) = (150.0, 520.0, 16.0);
    let group_h = row_h * 3.0 + 12.0;
    let height = group_h * r.accounts.len() as f64;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {} {height}\" role=\"img\" aria-labelledby=\"cost-chart-title\">\n<title id=\"cost-chart-title\">Monthly cost per account: now, after the fix plan, cheapest full coverage</title>\n",
        label_w + bar_w + 110.0
    );
    for (i, t) in r.accounts.iter().enumerate() {
        let y0 = i as f64 * group_h;
        let account = xml::text(t.account_id.as_deref().unwrap_or_default());
        let _ = writeln!(
            svg,
            "<text x=\"0\" y=\"{:.1}\">{account}</text>",
            y0 + row_h + 10.0
        );
        for (j, (class, label, v)) in [
            ("c-now", "now", t.current_monthly),
            ("c-fix", "after fix", t.after_fix_monthly),
            ("c-cheapest", "cheapest", t.cheapest_monthly),
        ]
        .into_iter()
        .enumerate()
        {
            let y = y0 + j as f64 * row_h;
            let w = bar_w * v / max;
            let _ = writeln!(
                svg,
                "<rect class=\"{class}\" x=\"{label_w}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\"><title>{account} {label}: {} {}</title></rect><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                row_h - 3.0,
                xml::text(&r.prices.currency),
                money(v),
                label_w + w + 6.0,
                y + row_h - 5.0,
                money(v)
            );
        }
    }
    svg.push_str("</svg>\n<ul class=\"legend\" aria-hidden=\"true\"><li><span class=\"b-now\"></span>now</li><li><span class=\"b-fix\"></span>after the fix plan</li><li><span class=\"b-cheapest\"></span>cheapest full coverage</li></ul>\n");
    svg
}

/// The cost section of the HTML report.
pub fn html(r: &CostReport) -> String {
    let c = xml::text(&r.prices.currency);
    let mut out = String::from("<section id=\"cost\" aria-labelledby=\"h-cost\">\n<h2 id=\"h-cost\">What flow logging costs</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"meta\">Per month in {c}, prices of {} ({}){}. Volumes are measured, estimated from measured flow logs, or at the default rate; the JSON report gives each figure's source.</p>",
        xml::text(&r.prices.date),
        xml::text(&r.prices.source),
        r.prices
            .file
            .as_deref()
            .map(|f| format!(", overridden by <code>{}</code>", xml::text(f)))
            .unwrap_or_default()
    );
    out.push_str(&html_chart(r));
    out.push_str("<table id=\"cost-vpcs\">\n<caption>One row per VPC: what its flow logs cost now, with the fix plan, and the cheapest way to full coverage.</caption>\n<thead><tr><th scope=\"col\">Account</th><th scope=\"col\">Region</th><th scope=\"col\">VPC</th><th scope=\"col\">Covered</th><th scope=\"col\">GB/month (ALL)</th><th scope=\"col\">Basis</th><th scope=\"col\">Now</th><th scope=\"col\">After fix</th><th scope=\"col\">Cheapest</th><th scope=\"col\">Cheapest way</th></tr></thead>\n<tbody>\n");
    for v in &r.vpcs {
        let vpc = match &v.name {
            Some(n) => format!("{} “{}”", xml::text(&v.vpc_id), xml::text(n)),
            None => xml::text(&v.vpc_id),
        };
        let head = format!(
            "<tr><td>{}</td><td>{}</td><td>{vpc}</td>",
            xml::text(&v.account_id),
            xml::text(&v.region)
        );
        let _ = match (&v.error, &v.volume) {
            (Some(why), _) => writeln!(
                out,
                "{head}<td><span class=\"badge s-ERROR\">ERROR</span></td><td colspan=\"6\">{}</td></tr>",
                xml::text(why)
            ),
            (None, volume) => writeln!(
                out,
                "{head}<td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                if v.covered { "yes" } else { "<strong>no</strong>" },
                volume.as_ref().map(|x| format!("{:.1}", x.all_gb_per_month)).unwrap_or_default(),
                volume.as_ref().map(|x| basis(x.basis)).unwrap_or_default(),
                money(v.current_monthly),
                money(v.after_fix_monthly),
                money(v.cheapest_monthly),
                xml::text(&cheapest_label(v))
            ),
        };
    }
    out.push_str("</tbody></table>\n");
    let _ = writeln!(
        out,
        "<p id=\"cost-total\">Total, {}.</p>",
        totals(&r.total, &c)
    );
    if !r.errors.is_empty() {
        out.push_str("<ul class=\"cost-errors\">\n");
        for e in &r.errors {
            let _ = writeln!(
                out,
                "<li><span class=\"badge s-ERROR\">ERROR</span> {}</li>",
                xml::text(e)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
    out
}

/// CSV, one row per VPC (formula-like cells neutralised).
pub fn csv(r: &CostReport) -> Result<String, String> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let err = |e: ::csv::Error| format!("could not write CSV: {e}");
    w.write_record(COLUMNS).map_err(err)?;
    for v in &r.vpcs {
        let priced = v.error.is_none();
        let figure = |x: f64| if priced { money(x) } else { String::new() };
        let volume = v.volume.as_ref();
        let row = [
            v.account_id.clone(),
            v.region.clone(),
            v.vpc_id.clone(),
            v.name.clone().unwrap_or_default(),
            v.covered.to_string(),
            v.network_interfaces
                .map(|n| n.to_string())
                .unwrap_or_default(),
            volume
                .map(|x| format!("{:.3}", x.all_gb_per_month))
                .unwrap_or_default(),
            volume
                .map(|x| format!("{:.3}", x.reject_gb_per_month))
                .unwrap_or_default(),
            volume
                .map(|x| basis(x.basis).to_string())
                .unwrap_or_default(),
            volume.map(|x| x.detail.clone()).unwrap_or_default(),
            figure(v.current_monthly),
            figure(v.after_fix_monthly),
            v.after_fix
                .as_ref()
                .map(|p| p.label.clone())
                .unwrap_or_default(),
            figure(v.cheapest_monthly),
            cheapest_label(v),
            r.prices.currency.clone(),
            v.error.clone().unwrap_or_default(),
        ];
        w.write_record(row.iter().map(|cell| csv_escape::cell(cell).into_owned()))
            .map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| format!("could not write CSV: {e}"))?;
    String::from_utf8(bytes).map_err(|e| format!("could not write CSV: {e}"))
}

/// The documented JSON (`flowaudit.cost/v1`).
pub fn json(r: &CostReport) -> Result<String, String> {
    let mut text = serde_json::to_string_pretty(r)
        .map_err(|e| format!("could not serialise the cost report: {e}"))?;
    text.push('\n');
    Ok(text)
}
