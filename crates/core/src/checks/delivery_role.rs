//! `flow-log-delivery-role`: the IAM role a CloudWatch Logs flow log publishes with.

use serde_json::json;

use super::entry::{Check, Eval, Fix, Predeploy};
use super::meta::{CheckId, CheckMeta, Outcome, Scope};
use crate::arn;
use crate::context::{flow_log_evidence, RegionCtx, VpcCtx};
use crate::declared::{DeclaredVpc, Known, Verdict};
use crate::model::{DestinationType, FlowLog};
use crate::policy;
use crate::remediation::build::Planner;
use crate::remediation::plan::Action;
use crate::report::Severity;
use crate::report::Status;
use crate::settings::Settings;

pub use crate::policy::{FLOW_LOGS_SERVICE, REQUIRED_ACTIONS};

/// This check's id.
pub const ID: CheckId = CheckId::new("flow-log-delivery-role");

pub static META: CheckMeta = CheckMeta {
    id: ID,
    title: "Flow-log delivery roles are sound",
    severity: Severity::Medium,
    scope: Scope::FlowLog,
    rationale: "A flow log that publishes to CloudWatch Logs assumes an IAM role. If the role is \
deleted, no longer trusts vpc-flow-logs.amazonaws.com, or lost its logs permissions, delivery \
stops. A trust policy without an aws:SourceAccount or aws:SourceArn condition lets the flow-logs \
service assume the role on behalf of any account (the confused-deputy problem).",
    passes_when: "The role exists, trusts vpc-flow-logs.amazonaws.com for sts:AssumeRole, and \
allows logs:CreateLogStream and logs:PutLogEvents. Without a SourceAccount/SourceArn condition it \
passes with a warning in the message.",
    fails_when: "The flow log has no role, the role does not exist, its trust policy does not let \
vpc-flow-logs.amazonaws.com assume it (or lets anyone), or its policies do not allow both actions.",
    other_statuses: "SKIPPED for roles in another account. ERROR when the role could not be read \
or was not inspected. No result for S3 and Firehose destinations, which use no role.",
    remediation: "Trust policy: Allow Principal Service vpc-flow-logs.amazonaws.com, Action \
sts:AssumeRole, Condition StringEquals aws:SourceAccount <account> and ArnLike aws:SourceArn \
arn:aws:ec2:<region>:<account>:vpc-flow-log/*. Permissions: logs:CreateLogStream, \
logs:PutLogEvents, logs:DescribeLogStreams on the flow-log groups only.",
    compliance: &[
        ("CIS AWS Foundations Benchmark v3.0.0", "3.7"),
        ("NIST SP 800-53 Rev. 5", "AC-6"),
        ("NIST SP 800-53 Rev. 5", "AU-9"),
    ],
    equivalents: &[],
};

pub const CHECK: Check = Check {
    meta: &META,
    eval: Eval::FlowLog(evaluate),
    predeploy: Predeploy::Vpc(predeploy),
    fix: Fix::Plan(plan),
    query: None,
};

fn plan(p: &Planner<'_>) -> Option<(String, Vec<Action>)> {
    let f = p.flow_log?;
    Some((
        format!("Repair the delivery role of {}", f.flow_log_id),
        p.repair_role(p.vpc_id, f),
    ))
}

/// The one reading of a trust policy, in the cloud and before deployment: what
/// is wrong with it for flow-log delivery (nothing: empty), and whether it has a
/// source condition.
fn trust_problems(document: Option<&serde_json::Value>) -> (Vec<String>, bool) {
    match document.map(|doc| policy::trust(doc, FLOW_LOGS_SERVICE)) {
        None => (vec!["has no trust policy".to_string()], false),
        Some(t) if !t.trusts_service => {
            (vec![format!("does not trust {FLOW_LOGS_SERVICE}")], false)
        }
        Some(t) if t.trusts_anyone => (
            vec!["trust policy lets any principal assume it".to_string()],
            t.has_source_condition,
        ),
        Some(t) => (Vec::new(), t.has_source_condition),
    }
}

fn predeploy(d: &DeclaredVpc<'_>, _settings: &Settings) -> Verdict {
    let f = match d.relied_on() {
        Ok(f) => f,
        Err(skipped) => return skipped,
    };
    let address = match &f.role {
        None => {
            return Verdict::new(
                Status::Skipped,
                &f.location,
                format!(
                    "flow log {} needs no delivery role here, or its role is not declared in these files",
                    f.address
                ),
            )
        }
        Some(Known::Unknown(why)) => {
            return Verdict::new(
                Status::Skipped,
                &f.location,
                format!(
                    "the delivery role of {} is not known before apply: {why}",
                    f.address
                ),
            )
        }
        Some(Known::Yes(address)) => address,
    };
    let Some(role) = d.declared.roles.iter().find(|r| &r.address == address) else {
        return Verdict::new(
            Status::Skipped,
            &f.location,
            format!("role {address} is not declared in these files"),
        );
    };
    match &role.trust_policy {
        Known::Unknown(why) => Verdict::new(
            Status::Skipped,
            &role.location,
            format!(
                "the trust policy of {} is not known before apply: {why}",
                role.address
            ),
        ),
        Known::Yes(document) => match trust_problems(Some(document)) {
            (problems, _) if !problems.is_empty() => Verdict::new(
                Status::Fail,
                &role.location,
                format!("role {} {}", role.address, problems.join("; ")),
            ),
            (_, true) => Verdict::new(
                Status::Pass,
                &role.location,
                format!(
                    "role {} trusts {FLOW_LOGS_SERVICE} with a source condition",
                    role.address
                ),
            ),
            (_, false) => Verdict::new(
                Status::Pass,
                &role.location,
                format!(
                    "role {} trusts {FLOW_LOGS_SERVICE}; warning: no aws:SourceAccount or aws:SourceArn condition (confused-deputy risk)",
                    role.address
                ),
            ),
        },
    }
}

fn evaluate(ctx: &RegionCtx<'_>, _vpc: &VpcCtx<'_>, flow_log: &FlowLog) -> Option<Outcome> {
    if let DestinationType::Other(kind) = &flow_log.destination_type {
        return Some(Outcome::error(
            format!(
                "whether a delivery role is needed cannot be judged: the destination type {kind:?} is not one flowaudit knows"
            ),
            json!({ "flow_log": flow_log_evidence(flow_log) }),
        ));
    }
    if flow_log.destination_type != DestinationType::CloudWatchLogs {
        return None;
    }
    let mut evidence = json!({ "flow_log": flow_log_evidence(flow_log), "role_arn": flow_log.deliver_logs_permission_arn });
    let Some(role_arn) = flow_log.deliver_logs_permission_arn.as_deref() else {
        return Some(Outcome::fail(
            "flow log publishes to CloudWatch Logs with no delivery role",
            evidence,
        ));
    };
    if let Some(owner) = arn::account_of(role_arn).filter(|a| *a != ctx.account.account_id) {
        return Some(Outcome::skipped(
            format!("role {role_arn} belongs to account {owner} and cannot be inspected from here"),
            evidence,
        ));
    }
    let Some(role) = ctx.role(role_arn) else {
        return Some(Outcome::error(
            format!("role {role_arn} was not inspected (not in the inventory)"),
            evidence,
        ));
    };
    if let Some(reason) = &role.error {
        return Some(Outcome::error(
            format!("role {role_arn} could not be read: {reason}"),
            evidence,
        ));
    }
    if !role.exists {
        return Some(Outcome::fail(
            format!("role {role_arn} does not exist"),
            evidence,
        ));
    }
    let documents: Vec<&serde_json::Value> = role
        .permission_policies
        .iter()
        .map(|p| &p.document)
        .collect();
    let missing: Vec<&str> = REQUIRED_ACTIONS
        .into_iter()
        .filter(|action| !policy::allows(documents.iter().copied(), action))
        .collect();
    evidence["trust_policy"] = json!(role.trust_policy);
    evidence["permission_policies"] = json!(role
        .permission_policies
        .iter()
        .map(|p| &p.name)
        .collect::<Vec<_>>());
    evidence["missing_actions"] = json!(missing);

    let (mut problems, source_condition) = trust_problems(role.trust_policy.as_ref());
    if !missing.is_empty() {
        problems.push(format!("does not allow {}", missing.join(", ")));
    }
    if !problems.is_empty() {
        return Some(Outcome::fail(
            format!("role {role_arn} {}", problems.join("; ")),
            evidence,
        ));
    }
    let message = if source_condition {
        format!(
            "role {role_arn} trusts {FLOW_LOGS_SERVICE} with a source condition and may write logs"
        )
    } else {
        format!(
            "role {role_arn} may deliver; warning: its trust policy has no aws:SourceAccount or aws:SourceArn condition (confused-deputy risk)"
        )
    };
    Some(Outcome::pass(message, evidence))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::checks::testkit::*;
    use crate::report::Status;

    const ID: &str = "flow-log-delivery-role";

    fn inv() -> crate::model::Inventory {
        inventory(vec![vpc("vpc-1")], vec![flow_log("fl-1", "vpc-1")])
    }

    #[test]
    fn sound_role_passes() {
        let r = only(&inv(), ID);
        assert_eq!(r.status, Status::Pass);
        assert!(!r.message.contains("warning"));
    }

    #[test]
    fn no_source_condition_passes_with_warning() {
        let mut inv = inv();
        inv.accounts[0].iam_roles[0].trust_policy = Some(trust_policy(false));
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Pass);
        assert!(r.message.contains("confused-deputy"));
    }

    #[test]
    fn wrong_trust_fails() {
        let mut inv = inv();
        inv.accounts[0].iam_roles[0].trust_policy = Some(
            json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
        );
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Fail);
        assert!(r
            .message
            .contains("does not trust vpc-flow-logs.amazonaws.com"));
    }

    #[test]
    fn missing_permissions_fail() {
        let mut inv = inv();
        inv.accounts[0].iam_roles[0].permission_policies[0].document = json!({"Statement": [{"Effect": "Allow", "Action": "logs:CreateLogStream", "Resource": "*"}]});
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.message.contains("does not allow logs:PutLogEvents"),
            "{}",
            r.message
        );
    }

    #[test]
    fn missing_role_or_no_role_fails() {
        let mut inv = inv();
        inv.accounts[0].iam_roles[0].exists = false;
        assert_eq!(only(&inv, ID).status, Status::Fail);
        region_mut(&mut inv).flow_logs[0].deliver_logs_permission_arn = None;
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("no delivery role"));
    }

    #[test]
    fn foreign_role_skipped_unread_role_error() {
        let mut inv = inv();
        inv.accounts[0].iam_roles.clear();
        assert_eq!(only(&inv, ID).status, Status::Error);
        region_mut(&mut inv).flow_logs[0].deliver_logs_permission_arn =
            Some("arn:aws:iam::999999999999:role/x".into());
        assert_eq!(only(&inv, ID).status, Status::Skipped);
    }

    #[test]
    fn s3_destination_has_no_role_result() {
        let inv = inventory(vec![vpc("vpc-1")], vec![s3_flow_log("fl-1", "vpc-1", "b")]);
        assert!(run(&inv, ID).is_empty());
    }
}
