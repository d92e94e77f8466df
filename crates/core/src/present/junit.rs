//! JUnit XML for CI dashboards: a test suite per check, a test case per resource;
//! FAIL is a failure, SKIPPED and EXCEPTED are skipped, ERROR is an error.

use std::fmt::Write as _;

use crate::checks::catalog;
use crate::report::{CheckResult, Report, Status};

/// XML text: the one XML escaping function (control characters shown).
fn escape(s: &str) -> String {
    crate::escape::xml::text(s)
}

fn count(results: &[&CheckResult], status: &[Status]) -> usize {
    results
        .iter()
        .filter(|r| status.contains(&r.status))
        .count()
}

/// The report as JUnit XML.
pub fn write(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let all: Vec<&CheckResult> = report.results.iter().collect();
    let mut out = super::writer::Sink::new(w);
    let _ = out.write_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"flowaudit\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\" timestamp=\"{}\">",
        all.len(),
        count(&all, &[Status::Fail]),
        count(&all, &[Status::Error]),
        count(&all, &[Status::Skipped, Status::Excepted]),
        report.collected_at.format("%Y-%m-%dT%H:%M:%S")
    );
    // Suites in catalog order, then any check the catalog does not know.
    let mut ids: Vec<&str> = catalog().map(|m| m.id.as_str()).collect();
    for r in &report.results {
        if !ids.contains(&r.check_id.as_str()) {
            ids.push(&r.check_id);
        }
    }
    for id in ids {
        let cases: Vec<&CheckResult> = all.iter().copied().filter(|r| r.check_id == id).collect();
        if cases.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\">",
            escape(id),
            cases.len(),
            count(&cases, &[Status::Fail]),
            count(&cases, &[Status::Error]),
            count(&cases, &[Status::Skipped, Status::Excepted]),
        );
        for r in cases {
            let name = format!("{}/{}/{}", r.account_id, r.region, r.resource_id);
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
                escape(id),
                escape(name.as_str())
            );
            let message = escape(r.message.as_str());
            match r.status {
                Status::Pass => {
                    let _ = out.write_str("/>\n");
                }
                Status::Fail => {
                    let body = r
                        .remediation
                        .as_ref()
                        .map(|p| format!("{}\n{}", p.title, p.cli().join("\n")))
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{message}\" type=\"{}\">{}</failure>\n    </testcase>",
                        r.severity,
                        escape(body.as_str())
                    );
                }
                Status::Skipped | Status::Excepted => {
                    let _ = writeln!(
                        out,
                        ">\n      <skipped message=\"{}: {message}\"/>\n    </testcase>",
                        r.status
                    );
                }
                Status::Error => {
                    let _ = writeln!(
                        out,
                        ">\n      <error message=\"{message}\" type=\"ERROR\"/>\n    </testcase>"
                    );
                }
            }
        }
        let _ = out.write_str("  </testsuite>\n");
    }
    let _ = out.write_str("</testsuites>\n");
    out.finish()
}
