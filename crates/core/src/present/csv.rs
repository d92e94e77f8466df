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

/// The report as CSV (RFC 4180 quoting), ending in a newline, one row at a time.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    for r in &report.results {
        let fail = r.status == crate::report::Status::Fail;
        let row = [
            r.check_id.clone(),
            r.status.as_str().into(),
            r.severity.as_str().into(),
            r.priority
                .as_ref()
                .map(|p| p.level.to_string())
                .unwrap_or_default(),
            r.account_id.clone(),
            r.region.to_string(),
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
                remediation_text(report, r)
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
        ];
        w.write_record(row.iter().map(|c| crate::escape::csv::cell(c).into_owned()))?;
    }
    w.flush()
}
