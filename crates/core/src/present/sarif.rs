//! SARIF 2.1.0 for code scanning: one rule per check (help from the catalog), one
//! result per FAIL (and per EXCEPTED, marked suppressed). A cloud resource has no
//! file, so its location is the resource ARN as a logical location.

use serde_json::{json, Value};

use super::finding::{finding_uid, remediation_text, resource_arn};
use crate::checks::catalog;
use crate::report::{Report, Severity, Status};

/// SARIF `level` of a check's severity.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (0.0–10.0) of a severity.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// One rule per built-in check and finding, then one per custom control of
/// the report.
fn rules(report: &Report) -> Vec<Value> {
    let builtin = catalog().map(|m| {
        let help = format!(
            "{}\n\nPasses when: {}\nFails when: {}\n\nRemediation: {}",
            m.rationale, m.passes_when, m.fails_when, m.remediation
        );
        let markdown = format!(
            "**{}**\n\n{}\n\n**Passes when:** {}\n\n**Fails when:** {}\n\n**Remediation:** {}",
            m.title, m.rationale, m.passes_when, m.fails_when, m.remediation
        );
        let mut tags: Vec<String> = vec!["security".into(), "aws".into(), "vpc-flow-logs".into()];
        tags.extend(m.compliance.iter().map(|(f, c)| format!("{f} {c}")));
        json!({
            "id": m.id,
            "name": m.id,
            "shortDescription": { "text": m.title },
            "fullDescription": { "text": m.rationale },
            "help": { "text": help, "markdown": markdown },
            "helpUri": super::finding::DOCS_URL,
            "defaultConfiguration": { "level": level(m.severity) },
            "properties": {
                "tags": tags,
                "security-severity": security_severity(m.severity),
                "precision": "very-high",
            },
        })
    });
    let custom = report.controls.iter().map(|c| {
        let mut tags: Vec<String> = vec!["security".into(), "aws".into(), "custom-control".into()];
        tags.extend(c.compliance.iter().map(|r| format!("{} {}", r.framework, r.control)));
        let remediation = c.remediation.as_deref().unwrap_or("See the control's owner.");
        json!({
            "id": c.id,
            "name": c.id,
            "shortDescription": { "text": c.title },
            "fullDescription": { "text": if c.description.is_empty() { &c.title } else { &c.description } },
            "help": {
                "text": format!("{}\n\nRemediation: {remediation}\n\nQuery ({}):\n{}", c.title, c.source, c.sql),
                "markdown": format!("**{}**\n\n**Remediation:** {remediation}\n\n**Query** ({}):\n\n```sql\n{}\n```", c.title, c.source, c.sql.trim()),
            },
            "defaultConfiguration": { "level": level(c.severity) },
            "properties": {
                "tags": tags,
                "security-severity": security_severity(c.severity),
                "precision": "high",
            },
        })
    });
    builtin.chain(custom).collect()
}

/// Where a result is: the file and line of a declaration (`flowaudit iac`), so
/// code scanning annotates it; always the resource as a logical location.
fn location(r: &crate::report::CheckResult, name: &str) -> Value {
    let logical =
        json!([{ "name": r.resource_id, "fullyQualifiedName": name, "kind": "resource" }]);
    match &r.location {
        Some(l) => json!({
            "physicalLocation": {
                "artifactLocation": { "uri": l.file.trim_start_matches("./") },
                "region": { "startLine": l.line, "startColumn": l.column },
            },
            "logicalLocations": logical,
        }),
        None => json!({ "logicalLocations": logical }),
    }
}

/// The report as a SARIF 2.1.0 log, pretty JSON ending in a newline.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let index = |id: &str| {
        catalog()
            .map(|m| m.id.as_str())
            .chain(report.controls.iter().map(|c| c.id.as_str()))
            .position(|known| known == id)
    };
    let results: Vec<Value> = report
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::Excepted))
        .map(|r| {
            let arn = resource_arn(r);
            let mut text = format!("{}: {}", r.resource_id, r.message);
            if r.status == Status::Fail {
                text.push_str(&format!(" Fix: {}", remediation_text(report, r)));
            }
            let mut result = json!({
                "ruleId": r.check_id,
                "level": level(r.severity),
                "message": { "text": text },
                "locations": [location(r, &arn)],
                "partialFingerprints": { "flowaudit/v1": finding_uid(r) },
                "properties": {
                    "account_id": r.account_id,
                    "region": r.region,
                    "resource_type": r.resource_type,
                    "vpc_id": r.vpc_id,
                    "priority": r.priority.as_ref().map(|p| p.level.to_string()),
                },
            });
            if let Some(i) = index(&r.check_id) {
                result["ruleIndex"] = json!(i);
            }
            if let Some(e) = r
                .exception
                .as_ref()
                .filter(|_| r.status == Status::Excepted)
            {
                result["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": format!(
                        "{} (owner {}, until {})",
                        e.reason,
                        e.owner.as_deref().unwrap_or("none"),
                        e.expires
                    ),
                }]);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "informationUri": "https://github.com/flowaudit/flowaudit",
                    "rules": rules(report),
                },
            },
            "automationDetails": { "id": format!("flowaudit/{}/", report.scope.key().replace(' ', ";")) },
            "invocations": [{
                "executionSuccessful": true,
                "endTimeUtc": report.collected_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            }],
            "results": results,
        }],
    });
    super::writer::write_json(&log, out)
}
