//! `flow-log-destination-exists`: a flow log into a deleted log group or bucket
//! delivers nothing.

use serde_json::json;

use super::entry::{Check, Eval, Fix, Predeploy};
use super::meta::{CheckId, CheckMeta, Outcome, Scope};
use crate::context::{flow_log_evidence, Destination, Known, RegionCtx, VpcCtx};
use crate::model::FlowLog;
use crate::remediation::build::Planner;
use crate::remediation::plan::Action;
use crate::report::Severity;

/// This check's id.
pub const ID: CheckId = CheckId::new("flow-log-destination-exists");

pub static META: CheckMeta = CheckMeta {
    id: ID,
    title: "Flow-log destinations exist",
    severity: Severity::High,
    scope: Scope::FlowLog,
    rationale:
        "Deleting a log group or bucket does not delete the flow logs that write to it. The \
flow log stays ACTIVE while every record is dropped, typically after a clean-up of 'unused' log \
groups or a stack deletion. Checking that the destination exists catches this before an incident \
does.",
    passes_when: "The flow log's CloudWatch Logs group or S3 bucket exists.",
    fails_when: "The log group or bucket does not exist.",
    other_statuses: "SKIPPED for destinations in another account (they cannot be seen from here) \
and for Kinesis Data Firehose destinations (not inspected). ERROR when the destination could not \
be read or was not inspected.",
    remediation: "Recreate the log group (`aws logs create-log-group` and `put-retention-policy`) \
or the bucket with the policy that lets delivery.logs.amazonaws.com write to it; or delete the \
orphaned flow log and create one that points at an existing destination.",
    compliance: &[
        ("CIS AWS Foundations Benchmark v3.0.0", "3.7"),
        ("NIST SP 800-53 Rev. 5", "AU-5"),
        ("NIST SP 800-53 Rev. 5", "AU-9"),
    ],
    equivalents: &[],
};

pub const CHECK: Check = Check {
    meta: &META,
    eval: Eval::FlowLog(evaluate),
    predeploy: Predeploy::CloudOnly("Whether a destination exists is known only in the account; a template that names a log group it does not declare gets a SKIPPED flow-log-retention result saying so."),
    fix: Fix::Plan(plan),
    query: None,
};

fn plan(p: &Planner<'_>) -> Option<(String, Vec<Action>)> {
    let f = p.flow_log?;
    Some((
        format!("Recreate the destination of {}", f.flow_log_id),
        p.recreate_destination(f),
    ))
}

fn evaluate(ctx: &RegionCtx<'_>, _vpc: &VpcCtx<'_>, flow_log: &FlowLog) -> Option<Outcome> {
    let destination = ctx.destination(flow_log);
    let what = destination.describe();
    let evidence = json!({ "flow_log": flow_log_evidence(flow_log), "destination": what });
    let outcome = match (&destination, destination.known()) {
        (Destination::Foreign { account }, _) => Outcome::skipped(
            format!("destination belongs to account {account} and cannot be inspected from here"),
            evidence,
        ),
        (Destination::Firehose, _) => Outcome::skipped(
            "Kinesis Data Firehose destinations are not inspected",
            evidence,
        ),
        (Destination::Unknown { .. }, _) => Outcome::error(
            format!("{what}: whether it exists cannot be checked"),
            evidence,
        ),
        (Destination::Unnamed, _) => {
            Outcome::fail("flow log names no resolvable destination", evidence)
        }
        (_, Some(Known::Present(_))) => Outcome::pass(format!("{what} exists"), evidence),
        (_, Some(Known::Missing)) => Outcome::fail(
            format!(
                "{what} does not exist; records of {} are dropped",
                flow_log.flow_log_id
            ),
            evidence,
        ),
        (_, Some(Known::Unreadable(reason))) => {
            Outcome::error(format!("{what} could not be read: {reason}"), evidence)
        }
        (_, Some(Known::NotInspected) | None) => Outcome::error(
            format!("{what} was not inspected (not in the inventory)"),
            evidence,
        ),
    };
    Some(outcome)
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::model::DestinationType;
    use crate::report::Status;

    const ID: &str = "flow-log-destination-exists";

    #[test]
    fn existing_group_and_bucket_pass() {
        let inv = inventory(
            vec![vpc("vpc-1")],
            vec![
                flow_log("fl-1", "vpc-1"),
                s3_flow_log("fl-2", "vpc-1", "logs-bucket"),
            ],
        );
        let results = run(&inv, ID);
        assert_eq!(results.len(), 2);
        assert!(
            results.iter().all(|r| r.status == Status::Pass),
            "{results:#?}"
        );
        assert!(results
            .iter()
            .all(|r| r.resource_type == crate::report::ResourceType::FlowLog
                && r.vpc_id.as_deref() == Some("vpc-1")));
    }

    #[test]
    fn missing_group_and_bucket_fail() {
        let mut inv = inventory(
            vec![vpc("vpc-1")],
            vec![
                flow_log("fl-1", "vpc-1"),
                s3_flow_log("fl-2", "vpc-1", "logs-bucket"),
            ],
        );
        region_mut(&mut inv).log_groups[0].exists = false;
        inv.accounts[0].s3_buckets[0].exists = false;
        let results = run(&inv, ID);
        assert!(
            results.iter().all(|r| r.status == Status::Fail),
            "{results:#?}"
        );
        assert!(results[0]
            .message
            .contains("/aws/vpc-flow-logs/vpc-1 does not exist"));
    }

    #[test]
    fn foreign_destination_is_skipped() {
        let mut fl = s3_flow_log("fl-1", "vpc-1", "central");
        fl.destination_type = DestinationType::CloudWatchLogs;
        fl.log_group_name = None;
        fl.log_destination = Some("arn:aws:logs:eu-west-1:999999999999:log-group:central:*".into());
        let inv = inventory(vec![vpc("vpc-1")], vec![fl]);
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Skipped);
        assert!(r.message.contains("999999999999"));
    }

    #[test]
    fn unreadable_or_uninspected_is_error() {
        let mut inv = inventory(vec![vpc("vpc-1")], vec![flow_log("fl-1", "vpc-1")]);
        region_mut(&mut inv).log_groups[0].error = Some("AccessDeniedException".into());
        assert_eq!(only(&inv, ID).status, Status::Error);
        region_mut(&mut inv).log_groups.clear();
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Error);
        assert!(r.message.contains("not inspected"));
    }

    #[test]
    fn firehose_is_skipped() {
        let mut fl = flow_log("fl-1", "vpc-1");
        fl.destination_type = DestinationType::KinesisDataFirehose;
        fl.log_destination =
            Some("arn:aws:firehose:eu-west-1:111122223333:deliverystream/x".into());
        let inv = inventory(vec![vpc("vpc-1")], vec![fl]);
        assert_eq!(only(&inv, ID).status, Status::Skipped);
    }
}
