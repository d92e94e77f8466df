//! `flow-log-destination-encrypted`: flow-log records rest under a KMS key the
//! account controls.

use serde_json::json;

use super::entry::{Check, Eval, Fix, Predeploy};
use super::meta::{CheckId, CheckMeta, Outcome, Scope};
use crate::context::{flow_log_evidence, Destination, RegionCtx, VpcCtx};
use crate::declared::{
    Declared, Destination as DeclaredDestination, FlowLog as DeclaredFlowLog, Known, Verdict,
};
use crate::model::FlowLog;
use crate::report::{Severity, Status};
use crate::settings::Settings;

/// This check's id.
pub const ID: CheckId = CheckId::new("flow-log-destination-encrypted");

pub static META: CheckMeta = CheckMeta {
    id: ID,
    title: "Flow-log destinations are encrypted with KMS",
    severity: Severity::Low,
    scope: Scope::FlowLog,
    rationale: "Flow-log records map who talks to whom inside the network: addresses, ports, \
volumes, what was refused. Encrypting them under a customer-managed KMS key puts reading them \
behind a key policy and in CloudTrail, and lets the key be revoked; the service-owned encryption \
every log group and S3's SSE-S3 have does neither.",
    passes_when: "The CloudWatch Logs group has a KMS key (kmsKeyId); the S3 bucket's default \
encryption is SSE-KMS (aws:kms or aws:kms:dsse), or SSE-S3 (AES256) when --accept-sse-s3 / \
[checks] accept_sse_s3 is set.",
    fails_when: "The log group has no KMS key, or the bucket's default encryption is SSE-S3 \
(without the setting) or none.",
    other_statuses: "SKIPPED when the destination does not exist (reported by \
flow-log-destination-exists) or belongs to another account, and for shared and skipped VPCs. \
ERROR when the destination or its encryption could not be read or is not in the inventory, for \
an encryption algorithm or destination type flowaudit does not know (named). No result for \
Kinesis Data Firehose destinations, which are not inspected. Before deployment (`flowaudit iac`): \
a flow log into a log group declared in the same files passes when the group names a KMS key \
(kms_key_id / KmsKeyId) and fails when it names none; SKIPPED when the key is known only at \
apply, and for destinations not declared as a log group there (a bucket's encryption is judged \
in the cloud).",
    remediation: "Log group: `aws logs associate-kms-key --log-group-name NAME --kms-key-id \
KEY_ARN`, with a key policy that allows logs.<region>.amazonaws.com to use the key. Bucket: \
`aws s3api put-bucket-encryption --bucket NAME --server-side-encryption-configuration \
'{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"aws:kms\",\
\"KMSMasterKeyID\":\"KEY_ARN\"},\"BucketKeyEnabled\":true}]}'`, with a key policy that allows \
delivery.logs.amazonaws.com to use the key.",
    compliance: &[
        ("NIST SP 800-53 Rev. 5", "AU-9"),
        ("NIST SP 800-53 Rev. 5", "SC-28"),
    ],
    equivalents: &[("Regula", "FG_R00068")],
};

pub const CHECK: Check = Check {
    meta: &META,
    eval: Eval::FlowLog(evaluate),
    predeploy: Predeploy::FlowLog(predeploy),
    fix: Fix::Manual(
        "A KMS key and its key policy are the account's decision (who may decrypt); fix plans \
do not create or choose keys.",
    ),
    query: None,
};

/// Before deployment: a flow log into a log group declared beside it, judged
/// by whether the group names a KMS key, at the flow log's line.
fn predeploy(declared: &Declared, f: &DeclaredFlowLog, _settings: &Settings) -> Option<Verdict> {
    let (status, message) = match &f.destination {
        DeclaredDestination::LogGroup(address) => {
            match declared.log_groups.iter().find(|g| &g.address == address) {
                None => (
                    Status::Skipped,
                    format!("its log group {address} is not declared in these files"),
                ),
                Some(g) => match &g.kms_key {
                    Known::Yes(true) => (
                        Status::Pass,
                        format!("its log group {address} is encrypted with a KMS key"),
                    ),
                    Known::Yes(false) => (
                        Status::Fail,
                        format!("its log group {address} names no KMS key (kms_key_id / KmsKeyId)"),
                    ),
                    Known::Unknown(why) => (
                        Status::Skipped,
                        format!("whether its log group {address} has a KMS key is not known before apply: {why}"),
                    ),
                },
            }
        }
        DeclaredDestination::Elsewhere(what) => (
            Status::Skipped,
            format!("its destination ({what}) is not a log group declared here; its encryption is judged in the cloud"),
        ),
        DeclaredDestination::Unknown(why) => (
            Status::Skipped,
            format!("its destination is not known before apply: {why}"),
        ),
    };
    Some(Verdict::new(
        status,
        &f.location,
        format!("{}: {message}", f.address),
    ))
}

/// The verdict on an S3 bucket's default encryption algorithm.
fn bucket_verdict(algorithm: &str, accept_sse_s3: bool) -> Result<(bool, String), String> {
    match algorithm {
        "aws:kms" | "aws:kms:dsse" => Ok((true, format!("encrypted by default with {algorithm}"))),
        "AES256" if accept_sse_s3 => Ok((
            true,
            "encrypted by default with SSE-S3 (AES256), accepted by the accept_sse_s3 setting"
                .to_string(),
        )),
        "AES256" => Ok((
            false,
            "encrypted by default with SSE-S3 (AES256) only, not with a KMS key".to_string(),
        )),
        "none" => Ok((false, "has no default encryption".to_string())),
        other => Err(format!(
            "has default encryption {other:?}, an algorithm flowaudit does not know"
        )),
    }
}

fn evaluate(ctx: &RegionCtx<'_>, _vpc: &VpcCtx<'_>, flow_log: &FlowLog) -> Option<Outcome> {
    let destination = ctx.destination(flow_log);
    let what = destination.describe();
    let mut evidence = json!({
        "flow_log": flow_log_evidence(flow_log),
        "destination": what,
    });
    if let Err(outcome) = destination.facts_or_outcome(&evidence)? {
        return Some(outcome);
    }
    Some(match destination {
        Destination::LogGroup { group: Some(g), .. } => {
            evidence["kms_key_id"] = json!(g.kms_key_id);
            match &g.kms_key_id {
                Some(key) => {
                    Outcome::pass(format!("{what} is encrypted with KMS key {key}"), evidence)
                }
                None => Outcome::fail(
                    format!("{what} has no KMS key: only CloudWatch Logs' own encryption"),
                    evidence,
                ),
            }
        }
        Destination::Bucket {
            bucket: Some(b), ..
        } => {
            evidence["default_encryption"] = json!(b.default_encryption);
            let accept = ctx.settings.accept_sse_s3;
            match (&b.default_encryption, &b.default_encryption_error) {
                (_, Some(why)) => Outcome::error(
                    format!("the encryption of {what} could not be read: {why}"),
                    evidence,
                ),
                (None, None) => Outcome::error(
                    format!("the encryption of {what} is not in the inventory"),
                    evidence,
                ),
                (Some(algorithm), None) => match bucket_verdict(algorithm, accept) {
                    Ok((true, how)) => Outcome::pass(format!("{what} is {how}"), evidence),
                    Ok((false, how)) => Outcome::fail(format!("{what} {how}"), evidence),
                    Err(how) => Outcome::error(format!("{what} {how}"), evidence),
                },
            }
        }
        // facts_or_outcome answered every other case already.
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::report::Status;
    use crate::settings::Settings;

    const ID: &str = "flow-log-destination-encrypted";

    #[test]
    fn a_log_group_passes_with_a_kms_key_and_fails_without() {
        let mut inv = inventory(vec![vpc("vpc-1")], vec![flow_log("fl-1", "vpc-1")]);
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Fail, "{}", r.message);
        assert!(r.message.contains("has no KMS key"), "{}", r.message);
        region_mut(&mut inv).log_groups[0].kms_key_id =
            Some("arn:aws:kms:us-east-1:123456789012:key/k".into());
        assert_eq!(only(&inv, ID).status, Status::Pass);
    }

    #[test]
    fn a_bucket_by_its_default_encryption() {
        let mut inv = inventory(vec![vpc("vpc-1")], vec![s3_flow_log("fl-1", "vpc-1", "b")]);
        assert_eq!(only(&inv, ID).status, Status::Pass, "aws:kms");
        let accept = Settings {
            accept_sse_s3: true,
            ..Settings::default()
        };
        for (algorithm, plain, accepting, named) in [
            (
                Some("aws:kms:dsse"),
                Status::Pass,
                Status::Pass,
                "aws:kms:dsse",
            ),
            (Some("AES256"), Status::Fail, Status::Pass, "SSE-S3"),
            (
                Some("none"),
                Status::Fail,
                Status::Fail,
                "no default encryption",
            ),
            (Some("SM4"), Status::Error, Status::Error, "\"SM4\""),
            (None, Status::Error, Status::Error, "not in the inventory"),
        ] {
            inv.accounts[0].s3_buckets[0].default_encryption = algorithm.map(str::to_string);
            let r = only(&inv, ID);
            assert_eq!(r.status, plain, "{algorithm:?}: {}", r.message);
            assert!(r.message.contains(named), "{}", r.message);
            assert_eq!(
                run_with(&inv, &accept, ID)[0].status,
                accepting,
                "{algorithm:?}"
            );
        }
        inv.accounts[0].s3_buckets[0].default_encryption = Some("aws:kms".into());
        inv.accounts[0].s3_buckets[0].default_encryption_error =
            Some("s3:GetBucketEncryption: AccessDenied".into());
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Error);
        assert!(r.message.contains("AccessDenied"), "{}", r.message);
    }

    #[test]
    fn a_missing_destination_is_left_to_destination_exists() {
        let mut inv = inventory(vec![vpc("vpc-1")], vec![flow_log("fl-1", "vpc-1")]);
        region_mut(&mut inv).log_groups[0].exists = false;
        assert_eq!(only(&inv, ID).status, Status::Skipped);
    }
}
