//! CSV: one row per result, a header row, a stable column order.

use super::finding::{remediation_text, requirements};
use crate::report::Report;

/// The columns, in order.
pub const COLUMNS: [&str; 17] = [
    "check_id",
    "status",
    "severity",
    "priority",
    "account_id",
    "region",
    "resource_type",
    "resource_id",
    "vpc_id",
    "vpc_name",
    "message",
    "compliance",
    "exception_owner",
    "exception_expires",
    "remediation",
    "file",
    "line",
];

/// The report as CSV (RFC 4180 quoting), ending in a newline.
pub fn render(report: &Report) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut rows: Vec<[String; 17]> = Vec::with_capacity(report.results.len());
    for r in &report.results {
        let fail = r.status == crate::report::Status::Fail;
        rows.push([
            r.check_id.clone(),
            r.status.as_str().into(),
            r.severity.as_str().into(),
            r.priority
                .as_ref()
                .map(|p| p.level.to_string())
                .unwrap_or_default(),
            r.account_id.clone(),
            r.region.clone(),
            r.resource_type.to_string(),
            r.resource_id.clone(),
            r.vpc_id.clone().unwrap_or_default(),
            r.vpc_name.clone().unwrap_or_default(),
            r.message.clone(),
            requirements(r).join("; "),
            r.exception
                .as_ref()
                .and_then(|e| e.owner.clone())
                .unwrap_or_default(),
            r.exception
                .as_ref()
                .map(|e| e.expires.to_string())
                .unwrap_or_default(),
            if fail {
                remediation_text(r)
            } else {
                String::new()
            },
            r.location
                .as_ref()
                .map(|l| l.file.clone())
                .unwrap_or_default(),
            r.location
                .as_ref()
                .map(|l| l.line.to_string())
                .unwrap_or_default(),
        ]);
    }
    let written = w.write_record(COLUMNS).and_then(|()| {
        rows.iter().try_for_each(|row| {
            w.write_record(row.iter().map(|c| crate::escape::csv::cell(c).into_owned()))
        })
    });
    let bytes = match written
        .map_err(|e| e.to_string())
        .and_then(|()| w.into_inner().map_err(|e| e.to_string()))
    {
        Ok(bytes) => bytes,
        Err(e) => return format!("error: could not write CSV: {e}\n"),
    };
    String::from_utf8_lossy(&bytes).into_owned()
}
