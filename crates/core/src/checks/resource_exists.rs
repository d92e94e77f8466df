//! `flow-log-resource-exists`: a flow log whose VPC, subnet or network interface
//! is gone logs nothing, and would otherwise appear nowhere in the report.

use serde_json::json;

use super::entry::{Check, Eval, Fix, Predeploy, RegionOutcome};
use super::meta::{CheckId, CheckMeta, Outcome, Scope};
use crate::context::{flow_log_evidence, RegionCtx};
use crate::declared::{Declared, FlowLog as DeclaredFlowLog, Target, Verdict};
use crate::report::{ResourceType, Severity, Status};

/// This check's id.
pub const ID: CheckId = CheckId::new("flow-log-resource-exists");

pub static META: CheckMeta = CheckMeta {
    id: ID,
    title: "Flow logs belong to resources that exist",
    severity: Severity::Low,
    scope: Scope::Region,
    rationale: "A flow log is attached to a VPC, subnet or network interface. When that \
resource is deleted the flow log can outlive it: it logs nothing, still names a destination and \
a delivery role, and makes a count of 'VPCs with flow logs' taken from DescribeFlowLogs wrong. \
Every flow log flowaudit reads is reported somewhere; one that belongs to no VPC of the \
inventory is reported here.",
    passes_when: "Every flow log of the region belongs to a VPC, subnet or network interface \
of a VPC in the inventory (one result for the region, with the number of flow logs).",
    fails_when: "The flow log's resource (a VPC, subnet or network interface) is not in the \
inventory of its region: deleted, or left out of a hand-made inventory. Before deployment: a \
declared flow log that can log no VPC declared in the template (a reference to something not \
declared or not a VPC, or no target at all), at its own line.",
    other_statuses: "ERROR for a region that could not be read.",
    remediation: "Confirm the resource is gone (`aws ec2 describe-vpcs`, `describe-subnets` or \
`describe-network-interfaces` with its id), then delete the flow log with `aws ec2 \
delete-flow-logs`; if the resource exists, the inventory is incomplete: scan again.",
    compliance: &[("NIST SP 800-53 Rev. 5", "CM-8")],
    equivalents: &[],
};

pub const CHECK: Check = Check {
    meta: &META,
    eval: Eval::Region(evaluate),
    predeploy: Predeploy::FlowLog(predeploy),
    fix: Fix::Manual(
        "Deleting a flow log is left to a person, who first confirms that its resource is gone \
for good and not missing from an incomplete inventory.",
    ),
    query: None,
};

/// Before deployment: a flow log whose target can be no VPC declared here (a
/// reference to something not declared or not a VPC, or no target at all), or
/// names only VPC addresses that are not declared, fails at its own line.
fn predeploy(
    declared: &Declared,
    flow_log: &DeclaredFlowLog,
    _settings: &crate::settings::Settings,
) -> Option<Verdict> {
    let why = match &flow_log.target {
        Target::Dangling(why) => why.clone(),
        Target::Vpcs(addresses)
            if !addresses.is_empty()
                && addresses.iter().all(|a| {
                    !a.starts_with("external:") && !declared.vpcs.iter().any(|v| &v.address == a)
                }) =>
        {
            format!("it targets {}, which is not declared", addresses.join(", "))
        }
        _ => return None,
    };
    Some(Verdict::new(
        Status::Fail,
        &flow_log.location,
        format!(
            "flow log {} can log no VPC declared here: {why}",
            flow_log.address
        ),
    ))
}

fn evaluate(ctx: &RegionCtx<'_>) -> Vec<RegionOutcome> {
    let region = &ctx.region.region;
    if ctx.unattached.is_empty() {
        // Transit Gateway flow logs are judged by transit-gateway-flow-logs-enabled.
        let count = ctx.region.flow_logs.len() - ctx.transit_gateway_flow_logs.len();
        return vec![RegionOutcome {
            resource_type: ResourceType::Region,
            resource_id: region.clone(),
            outcome: Outcome::pass(
                format!("all {count} flow log(s) of {region} belong to VPCs in the inventory"),
                json!({ "flow_logs": count }),
            ),
        }];
    }
    ctx.unattached
        .iter()
        .map(|flow_log| RegionOutcome {
            resource_type: ResourceType::FlowLog,
            resource_id: flow_log.flow_log_id.clone(),
            outcome: Outcome::fail(
                format!(
                    "its {} {} is not in the inventory of {region} (deleted?): the flow log logs nothing",
                    flow_log.resource_type.as_str(),
                    flow_log.resource_id,
                ),
                json!({ "flow_log": flow_log_evidence(flow_log) }),
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::report::{ResourceType, Status};

    const ID: &str = "flow-log-resource-exists";

    #[test]
    fn a_flow_log_of_a_deleted_vpc_fails() {
        let inv = inventory(
            vec![vpc("vpc-1")],
            vec![flow_log("fl-1", "vpc-1"), flow_log("fl-gone", "vpc-gone")],
        );
        let results = run(&inv, ID);
        assert_eq!(results.len(), 1, "{results:#?}");
        let r = &results[0];
        assert_eq!(r.status, Status::Fail);
        assert_eq!(r.resource_id, "fl-gone");
        assert_eq!(r.resource_type, ResourceType::FlowLog);
        assert_eq!(r.vpc_id, None);
        assert!(r.message.contains("VPC vpc-gone"), "{}", r.message);
    }

    #[test]
    fn a_region_whose_flow_logs_all_belong_passes_once() {
        let inv = inventory(vec![vpc("vpc-1")], vec![flow_log("fl-1", "vpc-1")]);
        let results = run(&inv, ID);
        assert_eq!(results.len(), 1, "{results:#?}");
        assert_eq!(results[0].status, Status::Pass);
        assert_eq!(results[0].resource_type, ResourceType::Region);
        assert!(results[0].message.starts_with("all 1 flow log(s) of "));
    }
}
