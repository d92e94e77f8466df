//! OCSF 1.5.0 Compliance Finding events (class 2003), one per result, as a JSON
//! array: for data lakes (Amazon Security Lake, Splunk, ...).

use serde_json::{json, Value};

use super::finding::{
    cloudformation_type, finding_uid, partition, remediation_text, resource_arn, title,
};
use crate::report::{CheckResult, Report, Severity, Status};

/// The OCSF version the events follow.
pub const OCSF_VERSION: &str = "1.5.0";
const CLASS_UID: u32 = 2003;
const CATEGORY_UID: u32 = 2;
/// Activity 1: Create.
const ACTIVITY_ID: u32 = 1;

/// OCSF `severity_id`: 1 Informational … 5 Critical.
pub fn severity_id(s: Severity) -> u32 {
    match s {
        Severity::Info => 1,
        Severity::Low => 2,
        Severity::Medium => 3,
        Severity::High => 4,
        Severity::Critical => 5,
    }
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Info => "Informational",
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
        Severity::Critical => "Critical",
    }
}

/// Finding `status_id` and name: FAIL is New, EXCEPTED Suppressed, PASS Resolved;
/// SKIPPED and ERROR are Other.
pub fn finding_status(s: Status) -> (u32, &'static str) {
    match s {
        Status::Fail => (1, "New"),
        Status::Excepted => (3, "Suppressed"),
        Status::Pass => (4, "Resolved"),
        Status::Skipped => (99, "Skipped"),
        Status::Error => (99, "Error"),
    }
}

/// Compliance `status_id` and name: 1 Pass, 3 Fail (an excepted failure still
/// fails the control), 0 Unknown when not evaluated.
pub fn compliance_status(s: Status) -> (u32, &'static str) {
    match s {
        Status::Pass => (1, "Pass"),
        Status::Fail | Status::Excepted => (3, "Fail"),
        Status::Skipped | Status::Error => (0, "Unknown"),
    }
}

/// The frameworks a result maps to, each once, in order.
fn standards(r: &CheckResult) -> Vec<&str> {
    let mut seen: Vec<&str> = Vec::new();
    for c in &r.compliance {
        if !seen.contains(&&*c.framework) {
            seen.push(&c.framework);
        }
    }
    seen
}

fn event(report: &Report, r: &CheckResult) -> Value {
    let time = report.collected_at.timestamp_millis();
    let (status_id, status) = finding_status(r.status);
    let (compliance_id, compliance) = compliance_status(r.status);
    let mut resource = json!({
        "uid": resource_arn(r),
        "type": cloudformation_type(r),
        "region": r.region,
        "cloud_partition": partition(r.region.as_str()),
        "owner": { "account": { "uid": r.account_id, "type": "AWS Account", "type_id": 10 } },
    });
    if let Some(name) = &r.vpc_name {
        resource["name"] = json!(name);
    }
    let mut unmapped = json!({ "flowaudit_status": r.status.as_str() });
    if let Some(p) = &r.priority {
        unmapped["priority"] = json!(p);
    }
    if let Some(e) = &r.exception {
        unmapped["exception"] = json!(e);
    }
    json!({
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "activity_id": ACTIVITY_ID,
        "activity_name": "Create",
        "type_uid": CLASS_UID * 100 + ACTIVITY_ID,
        "type_name": "Compliance Finding: Create",
        "time": time,
        "severity_id": severity_id(r.severity),
        "severity": severity_name(r.severity),
        "status_id": status_id,
        "status": status,
        "status_code": r.status.as_str(),
        "status_detail": r.message,
        "message": r.message,
        "metadata": {
            "version": OCSF_VERSION,
            "profiles": ["cloud"],
            "product": {
                "name": report.tool.name,
                "vendor_name": "flowaudit",
                "version": report.tool.version,
                "url_string": super::finding::DOCS_URL,
            },
            "event_code": r.check_id,
        },
        "cloud": {
            "provider": "AWS",
            "region": r.region,
            "account": { "uid": r.account_id, "type": "AWS Account", "type_id": 10 },
        },
        "finding_info": {
            "uid": finding_uid(r),
            "title": title(report, r),
            "desc": r.message,
            "types": ["Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark"],
            "created_time": time,
            "product": { "name": report.tool.name, "vendor_name": "flowaudit" },
        },
        "compliance": {
            "control": r.compliance.first().map(|c| &*c.control).unwrap_or_default(),
            "standards": standards(r),
            "requirements": super::finding::requirements(r),
            "status_id": compliance_id,
            "status": compliance,
            "status_code": r.status.as_str(),
        },
        "resources": [resource],
        "evidences": [{ "data": r.evidence }],
        "remediation": { "desc": remediation_text(report, r), "references": [super::finding::DOCS_URL] },
        "unmapped": unmapped,
    })
}

/// Every result as an OCSF Compliance Finding, pretty JSON ending in a newline.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    super::writer::write_json_seq(report.results.iter().map(|r| event(report, r)), out)
}
