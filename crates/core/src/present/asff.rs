//! The AWS Security Finding Format (ASFF), as `BatchImportFindings` takes it: one
//! finding per result, under the account's default product.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::finding::{finding_uid, partition, remediation_text, requirements, resource_arn, title};
use crate::report::{CheckResult, Report, ResourceType, Severity, Status};

/// ASFF limits (characters).
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 1024;
const RECOMMENDATION_MAX: usize = 512;

/// One ASFF finding (the fields flowaudit sets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Finding {
    pub schema_version: String,
    pub id: String,
    pub product_arn: String,
    pub generator_id: String,
    pub aws_account_id: String,
    pub region: String,
    pub types: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub severity: FindingSeverity,
    pub title: String,
    pub description: String,
    pub resources: Vec<Resource>,
    pub compliance: Compliance,
    pub workflow: Workflow,
    pub record_state: String,
    pub remediation: Remediation,
    pub product_fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FindingSeverity {
    /// INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL.
    pub label: String,
    pub original: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Resource {
    /// `AwsEc2Vpc`, `AwsEc2TransitGateway`, `AwsAccount` or `Other` (flow logs have
    /// no ASFF type).
    #[serde(rename = "Type")]
    pub kind: String,
    pub id: String,
    pub partition: String,
    pub region: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Compliance {
    /// PASSED, FAILED or NOT_AVAILABLE.
    pub status: String,
    pub related_requirements: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Workflow {
    /// NEW, SUPPRESSED or RESOLVED.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Remediation {
    pub recommendation: Recommendation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Recommendation {
    pub text: String,
    pub url: String,
}

fn label(s: Severity) -> &'static str {
    match s {
        Severity::Info => "INFORMATIONAL",
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
        Severity::Critical => "CRITICAL",
    }
}

/// At most `max` characters, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The result as an ASFF finding.
pub fn finding(report: &Report, r: &CheckResult) -> Finding {
    let time = report
        .collected_at
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let p = partition(r.region.as_str());
    let (compliance, workflow) = match r.status {
        Status::Pass => ("PASSED", "RESOLVED"),
        Status::Fail => ("FAILED", "NEW"),
        Status::Excepted => ("FAILED", "SUPPRESSED"),
        Status::Skipped | Status::Error => ("NOT_AVAILABLE", "NEW"),
    };
    let kind = match r.resource_type {
        ResourceType::Vpc => "AwsEc2Vpc",
        ResourceType::FlowLog => "Other",
        ResourceType::TransitGateway => "AwsEc2TransitGateway",
        _ => "AwsAccount",
    };
    let mut fields = BTreeMap::from([
        ("flowaudit/check_id".to_string(), r.check_id.clone()),
        (
            "flowaudit/status".to_string(),
            r.status.as_str().to_string(),
        ),
    ]);
    if let Some(vpc) = &r.vpc_id {
        fields.insert("flowaudit/vpc_id".into(), vpc.clone());
    }
    if let Some(pr) = &r.priority {
        fields.insert("flowaudit/priority".into(), pr.level.to_string());
    }
    if let Some(e) = &r.exception {
        fields.insert("flowaudit/exception_expires".into(), e.expires.to_string());
        if let Some(owner) = &e.owner {
            fields.insert("flowaudit/exception_owner".into(), owner.clone());
        }
    }
    let mut tags = BTreeMap::new();
    if let Some(name) = &r.vpc_name {
        tags.insert("Name".to_string(), name.clone());
    }
    Finding {
        schema_version: "2018-10-08".into(),
        id: finding_uid(r),
        product_arn: format!(
            "arn:{p}:securityhub:{}:{}:product/{}/default",
            r.region, r.account_id, r.account_id
        ),
        generator_id: format!("flowaudit/{}", r.check_id),
        aws_account_id: r.account_id.clone(),
        region: r.region.to_string(),
        types: vec![
            "Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark"
                .into(),
        ],
        created_at: time.clone(),
        updated_at: time,
        severity: FindingSeverity {
            label: label(r.severity).into(),
            original: r.severity.as_str().into(),
        },
        title: clip(title(report, r), TITLE_MAX),
        description: clip(&r.message, DESCRIPTION_MAX),
        resources: vec![Resource {
            kind: kind.into(),
            id: resource_arn(r),
            partition: p.into(),
            region: r.region.to_string(),
            tags,
        }],
        compliance: Compliance {
            status: compliance.into(),
            related_requirements: requirements(r),
        },
        workflow: Workflow {
            status: workflow.into(),
        },
        record_state: "ACTIVE".into(),
        remediation: Remediation {
            recommendation: Recommendation {
                text: clip(&remediation_text(report, r), RECOMMENDATION_MAX),
                url: super::finding::DOCS_URL.into(),
            },
        },
        product_fields: fields,
    }
}

/// Every result as an ASFF finding.
pub fn findings(report: &Report) -> Vec<Finding> {
    report.results.iter().map(|r| finding(report, r)).collect()
}

/// The findings as a pretty JSON array ending in a newline, one finding at a
/// time.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    super::writer::write_json_seq(report.results.iter().map(|r| finding(report, r)), out)
}
