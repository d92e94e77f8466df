//! Importing findings into AWS Security Hub with `BatchImportFindings`.
//!
//! Findings go to the region their product ARN names, at most 100 per call (the
//! API's limit). Throttled and transient failures are retried with backoff by the
//! SDK's standard retry policy (`--max-attempts`); findings the API rejects are
//! reported one by one from its answer, and the other batches still run.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_securityhub::types::{
    AwsSecurityFinding, Compliance, ComplianceStatus, Partition, Recommendation, RecordState,
    Remediation, Resource, Severity, SeverityLabel, Workflow, WorkflowStatus,
};
use flowaudit_core::present::asff::Finding;

use crate::clients::{client, Ctx};
use crate::errors::reason;

/// `BatchImportFindings` takes at most this many findings per call.
pub const BATCH: usize = 100;

/// A finding the API did not import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub id: String,
    pub code: String,
    pub message: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub imported: usize,
    pub rejected: Vec<Rejected>,
    /// `BatchImportFindings` calls made (retries not counted).
    pub calls: usize,
    /// Batches that failed as a whole: (region, findings, reason).
    pub failed_batches: Vec<(String, usize, String)>,
}

impl ImportOutcome {
    /// One line per finding Security Hub rejected and per batch that failed
    /// as a whole (unescaped: they quote AWS).
    pub fn problems(&self) -> Vec<String> {
        let rejected = self
            .rejected
            .iter()
            .map(|r| format!("{}: {} {}", r.id, r.code, r.message));
        let failed = self
            .failed_batches
            .iter()
            .map(|(region, n, why)| format!("{n} findings in {region}: {why}"));
        rejected.chain(failed).collect()
    }
}

fn to_sdk(f: &Finding) -> AwsSecurityFinding {
    let resources = f
        .resources
        .iter()
        .map(|r| {
            Resource::builder()
                .r#type(&r.kind)
                .id(&r.id)
                .partition(Partition::from(r.partition.as_str()))
                .region(&r.region)
                .set_tags((!r.tags.is_empty()).then(|| {
                    r.tags
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect::<HashMap<_, _>>()
                }))
                .build()
        })
        .collect();
    AwsSecurityFinding::builder()
        .schema_version(&f.schema_version)
        .id(&f.id)
        .product_arn(&f.product_arn)
        .generator_id(&f.generator_id)
        .aws_account_id(&f.aws_account_id)
        .region(&f.region)
        .set_types(Some(f.types.clone()))
        .created_at(&f.created_at)
        .updated_at(&f.updated_at)
        .severity(
            Severity::builder()
                .label(SeverityLabel::from(f.severity.label.as_str()))
                .original(&f.severity.original)
                .build(),
        )
        .title(&f.title)
        .description(&f.description)
        .set_resources(Some(resources))
        .compliance(
            Compliance::builder()
                .status(ComplianceStatus::from(f.compliance.status.as_str()))
                .set_related_requirements(Some(f.compliance.related_requirements.clone()))
                .build(),
        )
        .workflow(
            Workflow::builder()
                .status(WorkflowStatus::from(f.workflow.status.as_str()))
                .build(),
        )
        .record_state(RecordState::from(f.record_state.as_str()))
        .remediation(
            Remediation::builder()
                .recommendation(
                    Recommendation::builder()
                        .text(&f.remediation.recommendation.text)
                        .url(&f.remediation.recommendation.url)
                        .build(),
                )
                .build(),
        )
        .set_product_fields(Some(
            f.product_fields
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ))
        .build()
}

/// Imports `findings`, region by region, in batches of at most [`BATCH`].
pub async fn import(ctx: &Ctx, findings: &[Finding]) -> ImportOutcome {
    let mut by_region: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_region.entry(f.region.as_str()).or_default().push(f);
    }
    let mut outcome = ImportOutcome::default();
    for (region, list) in by_region {
        let hub = client!(aws_sdk_securityhub, ctx, Some(region), region);
        for batch in list.chunks(BATCH) {
            let converted: Vec<AwsSecurityFinding> = batch.iter().map(|f| to_sdk(f)).collect();
            let size = converted.len();
            outcome.calls += 1;
            match hub
                .batch_import_findings()
                .set_findings(Some(converted))
                .send()
                .await
            {
                Ok(out) => {
                    let rejected: Vec<Rejected> = out
                        .failed_findings()
                        .iter()
                        .map(|e| Rejected {
                            id: e.id().unwrap_or_default().to_string(),
                            code: e.error_code().unwrap_or_default().to_string(),
                            message: e.error_message().unwrap_or_default().to_string(),
                        })
                        .collect();
                    outcome.imported += size.saturating_sub(rejected.len());
                    outcome.rejected.extend(rejected);
                }
                Err(e) => outcome.failed_batches.push((
                    region.to_string(),
                    size,
                    format!("securityhub:BatchImportFindings: {}", reason(&e)),
                )),
            }
        }
    }
    outcome
}
