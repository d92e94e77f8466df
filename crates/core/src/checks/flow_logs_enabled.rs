//! `vpc-flow-logs-enabled`: the CIS AWS Foundations control itself.

use serde_json::json;

use super::entry::{Check, Eval, Fix, Predeploy};
use super::meta::{CheckId, CheckMeta, Outcome, Scope};
use crate::context::{RegionCtx, VpcCtx};
use crate::declared::{DeclaredVpc, Known, Target, Verdict};
use crate::model::FlowLogResourceType;
use crate::remediation::build::Planner;
use crate::remediation::plan::Action;
use crate::report::Severity;
use crate::report::Status;
use crate::settings::Settings;

/// This check's id.
pub const ID: CheckId = CheckId::new("vpc-flow-logs-enabled");

pub static META: CheckMeta = CheckMeta {
    id: ID,
    title: "VPC flow logging is enabled in every VPC",
    severity: Severity::Medium,
    scope: Scope::Vpc,
    rationale: "VPC flow logs record the IP traffic to and from the network interfaces of a VPC. \
Without them there is no record of who talked to what: anomalous traffic, port scans and data \
exfiltration go unseen, and an incident cannot be reconstructed afterwards. Flow logs attached only \
to some subnets or interfaces leave the rest of the VPC dark, so only a VPC-level flow log counts.",
    passes_when: "The VPC has at least one VPC-level flow log whose FlowLogStatus is ACTIVE.",
    fails_when: "The VPC has no VPC-level flow log, or none that is ACTIVE. Coverage by subnet- or \
interface-level flow logs alone is a failure; the message names what is covered.",
    other_statuses: "SKIPPED for VPCs owned by another account (shared VPCs), and for default or \
unused VPCs when --skip-default-vpcs or --skip-unused-vpcs is given. ERROR for every region that \
could not be read.",
    remediation: "Create a CloudWatch Logs log group for the VPC (e.g. /aws/vpc-flow-logs/<vpc-id>) \
with 365-day retention, an IAM role that only vpc-flow-logs.amazonaws.com can assume (limited by \
aws:SourceAccount) and that may write to that group, then `aws ec2 create-flow-logs \
--resource-type VPC --resource-ids <vpc-id> --traffic-type ALL --log-group-name <group> \
--deliver-logs-permission-arn <role-arn>`. Backout: `aws ec2 delete-flow-logs --flow-log-ids <id>`.",
    compliance: &[
        ("CIS AWS Foundations Benchmark v3.0.0", "3.7"),
        ("CIS AWS Foundations Benchmark v1.4.0-v2.0.0", "3.9"),
        ("CIS AWS Foundations Benchmark v1.2.0", "2.9"),
        ("CIS Controls v6", "6.5"),
        ("CIS Controls v6", "12.9"),
        ("CIS Controls v7", "6.2"),
        ("CIS Controls v7", "12.5"),
        ("CCE", "CCE-79202-8"),
        ("PCI DSS v3.2.1", "10.3.3"),
        ("NIST SP 800-53 Rev. 5", "AU-12"),
        ("NIST SP 800-53 Rev. 5", "SI-4"),
        ("GDPR", "Art. 32"),
        ("APRA CPS 234", "36"),
        ("MAS TRM Guidelines 2021", "12.2"),
    ],
    equivalents: &[
        ("AWS Security Hub", "EC2.6"),
        ("AWS Config", "VPC_FLOW_LOGS_ENABLED"),
        ("Prowler", "vpc_flow_logs_enabled"),
        ("Checkov", "CKV2_AWS_11"),
        ("cloud-audit", "aws-vpc-003"),
        ("Trend Micro Conformity", "vpc-flow-log-check"),
    ],
};

/// This check as a stored query (see [`Check::query`]).
pub const QUERY: &str = "\
SELECT v.vpc_id AS resource, v.account_id, v.region,
  CASE WHEN EXISTS (
    SELECT 1 FROM flow_logs f
    WHERE f.account_id = v.account_id AND f.region = v.region
      AND f.resource_type = 'VPC' AND f.resource_id = v.vpc_id
      AND f.flow_log_status = 'ACTIVE')
  THEN 'PASS' ELSE 'FAIL' END AS status,
  'VPC-level flow logs: ' || coalesce((
    SELECT group_concat(f.flow_log_id || ' ' || f.flow_log_status, ', ')
    FROM flow_logs f
    WHERE f.account_id = v.account_id AND f.region = v.region
      AND f.resource_type = 'VPC' AND f.resource_id = v.vpc_id), 'none') AS reason
FROM vpcs v";

pub const CHECK: Check = Check {
    meta: &META,
    eval: Eval::Vpc(evaluate),
    predeploy: Predeploy::Vpc(predeploy),
    fix: Fix::Plan(plan),
    query: Some(QUERY),
};

fn plan(p: &Planner<'_>) -> Option<(String, Vec<Action>)> {
    Some((
        format!("Create a VPC-level flow log for {}", p.vpc_id),
        p.new_flow_log(p.vpc_id, p.options.traffic_type.clone()),
    ))
}

fn predeploy(d: &DeclaredVpc<'_>, _settings: &Settings) -> Verdict {
    let here = &d.vpc.location;
    if let Some(f) = d.certain.first() {
        return Verdict::new(
            Status::Pass,
            here,
            format!("VPC-level flow log {} is declared", f.address),
        );
    }
    if let Some(f) = d.flow_logs.first() {
        let why = match &f.exists {
            Known::Unknown(why) => why.as_str(),
            Known::Yes(_) => "",
        };
        return Verdict::new(
            Status::Skipped,
            here,
            format!("flow log {} may not be created: {why}", f.address),
        );
    }
    if let Some(why) = d.unknown_targets.first() {
        return Verdict::new(
            Status::Skipped,
            here,
            format!("a flow log's target cannot be resolved statically: {why}"),
        );
    }
    let partial: Vec<String> = d
        .declared
        .flow_logs
        .iter()
        .filter_map(|f| match &f.target {
            Target::NotVpc(what) if f.exists != Known::Yes(false) => {
                Some(format!("{} on {what}", f.address))
            }
            _ => None,
        })
        .collect();
    let message = if partial.is_empty() {
        "no VPC-level flow log is declared for this VPC".to_string()
    } else {
        format!(
            "no VPC-level flow log is declared for this VPC (subnet or interface flow logs only cover part of it: {})",
            partial.join(", ")
        )
    };
    Verdict::new(Status::Fail, here, message)
}

fn evaluate(_ctx: &RegionCtx<'_>, vpc: &VpcCtx<'_>) -> Outcome {
    let evidence = json!({ "flow_logs": vpc.flow_log_evidence() });
    if let Some(active) = vpc.active_vpc_level().next() {
        return Outcome::pass(
            format!("VPC-level flow log {} is ACTIVE", active.flow_log_id),
            evidence,
        );
    }
    let inactive: Vec<String> = vpc
        .vpc_level()
        .map(|f| format!("{} ({})", f.flow_log_id, f.flow_log_status))
        .collect();
    let partial: Vec<String> = vpc
        .flow_logs
        .iter()
        .filter(|f| {
            f.is_active()
                && matches!(
                    f.resource_type,
                    FlowLogResourceType::Subnet | FlowLogResourceType::NetworkInterface
                )
        })
        .map(|f| {
            format!(
                "{} {}",
                f.resource_type.as_str().to_lowercase(),
                f.resource_id
            )
        })
        .collect();
    let mut message = if inactive.is_empty() {
        "no VPC-level flow log".to_string()
    } else {
        format!("no ACTIVE VPC-level flow log: {}", inactive.join(", "))
    };
    if partial.is_empty() {
        message.push_str("; no traffic of this VPC is logged");
    } else {
        message.push_str(&format!(
            "; only partly covered by flow logs on {}",
            partial.join(", ")
        ));
    }
    Outcome::fail(message, evidence)
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::model::{Subnet, Vpc};
    use crate::report::Status;
    use crate::settings::Settings;

    const ID: &str = "vpc-flow-logs-enabled";

    #[test]
    fn active_vpc_flow_log_passes() {
        let inv = inventory(vec![vpc("vpc-1")], vec![flow_log("fl-1", "vpc-1")]);
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Pass);
        assert_eq!(r.vpc_id.as_deref(), Some("vpc-1"));
        assert_eq!(r.resource_type, crate::report::ResourceType::Vpc);
        assert!(r.compliance.iter().any(|c| c.control == "3.7"));
    }

    #[test]
    fn no_flow_log_fails() {
        let inv = inventory(vec![vpc("vpc-1")], vec![]);
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("no VPC-level flow log"), "{}", r.message);
    }

    #[test]
    fn subnet_only_coverage_fails_and_names_it() {
        let mut inv = inventory(vec![vpc("vpc-1")], vec![flow_log("fl-1", "subnet-a")]);
        region_mut(&mut inv).subnets.push(Subnet {
            subnet_id: "subnet-a".into(),
            vpc_id: "vpc-1".into(),
        });
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("subnet subnet-a"), "{}", r.message);
    }

    #[test]
    fn inactive_vpc_flow_log_fails() {
        let mut fl = flow_log("fl-1", "vpc-1");
        fl.flow_log_status = "INACTIVE".into();
        let inv = inventory(vec![vpc("vpc-1")], vec![fl]);
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("fl-1 (INACTIVE)"), "{}", r.message);
    }

    #[test]
    fn flow_log_of_another_vpc_does_not_count() {
        let inv = inventory(
            vec![vpc("vpc-1"), vpc("vpc-2")],
            vec![flow_log("fl-1", "vpc-2")],
        );
        let results = run(&inv, ID);
        assert_eq!(results.len(), 2);
        assert_eq!(results[0].status, Status::Fail);
        assert_eq!(results[1].status, Status::Pass);
    }

    #[test]
    fn shared_default_and_unused_vpcs_are_skipped_with_reason() {
        let shared = Vpc {
            owner_id: "999999999999".into(),
            ..vpc("vpc-shared")
        };
        let default = Vpc {
            is_default: true,
            ..vpc("vpc-default")
        };
        let unused = Vpc {
            network_interface_count: Some(0),
            ..vpc("vpc-unused")
        };
        let inv = inventory(vec![shared, default, unused], vec![]);
        // By default, only the shared VPC is skipped: CIS says "all VPCs".
        let results = run(&inv, ID);
        let status = |id: &str| {
            results
                .iter()
                .find(|r| r.resource_id == id)
                .map(|r| r.status)
        };
        assert_eq!(status("vpc-shared"), Some(Status::Skipped));
        assert_eq!(status("vpc-default"), Some(Status::Fail));
        assert_eq!(status("vpc-unused"), Some(Status::Fail));

        let settings = Settings {
            skip_default_vpcs: true,
            skip_unused_vpcs: true,
            ..Settings::default()
        };
        let results = run_with(&inv, &settings, ID);
        assert_eq!(results.len(), 3);
        assert!(results.iter().all(|r| r.status == Status::Skipped));
        let default = results.iter().find(|r| r.resource_id == "vpc-default");
        assert!(default.is_some_and(|r| r.message.contains("--skip-default-vpcs")));
        let shared = results.iter().find(|r| r.resource_id == "vpc-shared");
        assert!(shared.is_some_and(|r| r.message.contains("999999999999")));
    }

    #[test]
    fn unreadable_region_is_an_error_not_silence() {
        let mut inv = inventory(vec![], vec![]);
        region_mut(&mut inv).error = Some("AccessDenied".into());
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Error);
        assert_eq!(r.resource_type, crate::report::ResourceType::Region);
        assert!(r.message.contains("AccessDenied"));
    }
}
