//! `flow-log-destination-shared`: several VPCs writing into one log group.

use serde_json::json;

use super::entry::{Check, Eval, Fix, Predeploy};
use super::meta::{CheckId, CheckMeta, Outcome, Scope};
use crate::context::{flow_log_evidence, RegionCtx, VpcCtx};
use crate::model::{DestinationType, FlowLog};
use crate::remediation::build::{broader, Planner};
use crate::remediation::plan::Action;
use crate::report::Severity;

/// This check's id.
pub const ID: CheckId = CheckId::new("flow-log-destination-shared");

pub static META: CheckMeta = CheckMeta {
    id: ID,
    title: "Each log group receives the flow logs of one VPC",
    severity: Severity::Info,
    scope: Scope::FlowLog,
    rationale: "When several VPCs deliver into one CloudWatch Logs group their records mix: the \
default record format does not name the VPC, so an investigation cannot tell which network a flow \
belongs to, retention and access cannot differ per VPC, and deleting one VPC's group silences the \
others. The CIS guidance warns about this naming gotcha; one group per VPC \
(/aws/vpc-flow-logs/<vpc-id>) avoids it.",
    passes_when: "The flow log's log group receives flow logs of this VPC only.",
    fails_when:
        "Flow logs of several VPCs deliver into the same log group; each VPC involved fails.",
    other_statuses: "SKIPPED for a log group in another account (a central logging account): \
the other VPCs writing into it cannot be seen from here. ERROR for a destination type flowaudit \
does not know. No result for S3 and Firehose destinations, whose layout keeps sources apart.",
    remediation: "Create one log group per VPC and a new flow log into it, confirm delivery, then \
delete the flow log that writes into the shared group.",
    compliance: &[
        ("NIST SP 800-53 Rev. 5", "AU-3"),
        ("NIST SP 800-53 Rev. 5", "AU-6"),
    ],
    equivalents: &[],
};

pub const CHECK: Check = Check {
    meta: &META,
    eval: Eval::FlowLog(evaluate),
    predeploy: Predeploy::CloudOnly(
        "Sharing is judged across every VPC of a region, which a set of templates does not show.",
    ),
    fix: Fix::Plan(plan),
    query: None,
};

fn plan(p: &Planner<'_>) -> Option<(String, Vec<Action>)> {
    let f = p.flow_log?;
    let mut actions = p.new_flow_log(p.vpc_id, broader(&f.traffic_type, &p.options.traffic_type));
    actions.push(p.delete(f));
    Some((format!("Give {} a log group of its own", p.vpc_id), actions))
}

fn evaluate(ctx: &RegionCtx<'_>, vpc: &VpcCtx<'_>, flow_log: &FlowLog) -> Option<Outcome> {
    if let DestinationType::Other(kind) = &flow_log.destination_type {
        return Some(Outcome::error(
            format!(
                "whether the destination is shared cannot be judged: the destination type {kind:?} is not one flowaudit knows"
            ),
            json!({ "flow_log": flow_log_evidence(flow_log) }),
        ));
    }
    let group = flow_log.cloudwatch_log_group()?;
    if let Some(owner) = ctx.foreign_account(flow_log) {
        return Some(Outcome::skipped(
            format!(
                "log group {group} belongs to account {owner}: which other VPCs write into it cannot be seen from here"
            ),
            json!({ "flow_log": flow_log_evidence(flow_log), "log_group_name": group, "owner": owner }),
        ));
    }
    let vpcs = ctx.vpcs_sharing_destination(flow_log);
    let evidence = json!({
        "flow_log": flow_log_evidence(flow_log),
        "log_group_name": group,
        "vpcs_writing_to_group": vpcs,
    });
    let others: Vec<&str> = vpcs
        .iter()
        .copied()
        .filter(|v| *v != vpc.vpc.vpc_id)
        .collect();
    Some(if others.is_empty() {
        Outcome::pass(
            format!("log group {group} receives flow logs of this VPC only"),
            evidence,
        )
    } else {
        Outcome::fail(
            format!(
                "log group {group} also receives flow logs of {} ({} VPCs in all)",
                others.join(", "),
                vpcs.len()
            ),
            evidence,
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::model::Subnet;
    use crate::report::Status;

    const ID: &str = "flow-log-destination-shared";

    #[test]
    fn one_group_per_vpc_passes() {
        let inv = inventory(
            vec![vpc("vpc-1"), vpc("vpc-2")],
            vec![flow_log("fl-1", "vpc-1"), flow_log("fl-2", "vpc-2")],
        );
        let results = run(&inv, ID);
        assert_eq!(results.len(), 2);
        assert!(results.iter().all(|r| r.status == Status::Pass));
    }

    #[test]
    fn shared_group_fails_for_each_vpc() {
        let mut a = flow_log("fl-1", "vpc-1");
        let mut b = flow_log("fl-2", "vpc-2");
        a.log_group_name = Some("shared".into());
        b.log_group_name = Some("shared".into());
        let inv = inventory(vec![vpc("vpc-1"), vpc("vpc-2"), vpc("vpc-3")], vec![a, b]);
        let results = run(&inv, ID);
        assert_eq!(results.len(), 2);
        assert!(results.iter().all(|r| r.status == Status::Fail));
        assert!(results[0].message.contains("vpc-2"));
        assert!(results[1].message.contains("vpc-1"));
    }

    #[test]
    fn subnet_flow_log_of_another_vpc_counts() {
        let a = flow_log("fl-1", "vpc-1");
        let mut b = flow_log("fl-2", "subnet-b");
        b.log_group_name = a.log_group_name.clone();
        let mut inv = inventory(vec![vpc("vpc-1"), vpc("vpc-2")], vec![a, b]);
        region_mut(&mut inv).subnets.push(Subnet {
            subnet_id: "subnet-b".into(),
            vpc_id: "vpc-2".into(),
        });
        let results = run(&inv, ID);
        assert_eq!(results.len(), 2);
        assert!(results.iter().all(|r| r.status == Status::Fail));
    }

    #[test]
    fn two_flow_logs_of_one_vpc_in_one_group_pass() {
        let a = flow_log("fl-1", "vpc-1");
        let b = flow_log("fl-2", "vpc-1");
        let inv = inventory(vec![vpc("vpc-1")], vec![a, b]);
        let results = run(&inv, ID);
        assert_eq!(results.len(), 2);
        assert!(results.iter().all(|r| r.status == Status::Pass));
    }

    /// A central log group in another account is not judged from here (it was
    /// PASS: "receives flow logs of this VPC only", which nobody can know).
    #[test]
    fn a_group_in_another_account_is_skipped() {
        let mut a = flow_log("fl-1", "vpc-1");
        a.log_group_name = None;
        a.log_destination =
            Some("arn:aws:logs:us-east-1:999999999999:log-group:central-flow-logs".into());
        let inv = inventory(vec![vpc("vpc-1")], vec![a]);
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Skipped, "{}", r.message);
        assert!(r.message.contains("account 999999999999"), "{}", r.message);
    }

    /// A destination type flowaudit does not know is an ERROR naming it, never
    /// silently no result.
    #[test]
    fn an_unknown_destination_type_is_an_error() {
        let mut a = flow_log("fl-1", "vpc-1");
        a.destination_type = crate::model::DestinationType::Other("kafka".into());
        let inv = inventory(vec![vpc("vpc-1")], vec![a]);
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Error);
        assert!(r.message.contains("\"kafka\""), "{}", r.message);
    }

    #[test]
    fn s3_has_no_result() {
        let inv = inventory(vec![vpc("vpc-1")], vec![s3_flow_log("fl-1", "vpc-1", "b")]);
        assert!(run(&inv, ID).is_empty());
    }
}
