//! `transit-gateway-flow-logs-enabled`: every Transit Gateway has an ACTIVE
//! flow log, since traffic between VPCs, VPNs and Direct Connect crosses it.

use serde_json::json;

use super::entry::{Check, Eval, Fix, Predeploy, RegionOutcome};
use super::meta::{CheckId, CheckMeta, Outcome, Scope};
use crate::context::{flow_log_evidence, RegionCtx};
use crate::declared::{Declared, Known, TransitGateway as DeclaredTransitGateway, Verdict};
use crate::model::{FlowLog, TransitGateway};
use crate::report::{ResourceType, Severity, Status};

/// This check's id.
pub const ID: CheckId = CheckId::new("transit-gateway-flow-logs-enabled");

pub static META: CheckMeta = CheckMeta {
    id: ID,
    title: "Every Transit Gateway has an ACTIVE flow log",
    severity: Severity::Medium,
    scope: Scope::Region,
    rationale: "A Transit Gateway carries traffic between VPCs, VPNs and Direct Connect: lateral \
movement from one VPC to another crosses it. VPC flow logs see that traffic only at the \
interfaces of VPCs that have them; a Transit Gateway flow log records every flow through the hub, \
including to on-premises networks no VPC flow log covers.",
    passes_when: "Each Transit Gateway of the account in the region (listed with \
DescribeTransitGateways, one paginated call per region) has a flow log with ResourceType \
TransitGateway whose FlowLogStatus is ACTIVE. A region without Transit Gateways passes once.",
    fails_when: "A Transit Gateway has no ACTIVE Transit-Gateway-level flow log (one result per \
gateway), or a Transit Gateway flow log names a gateway the region does not have (deleted?).",
    other_statuses: "Before deployment (`flowaudit iac`): each declared Transit Gateway \
(aws_ec2_transit_gateway, AWS::EC2::TransitGateway) passes when a flow log names it \
(transit_gateway_id, or ResourceType TransitGateway), at the gateway's line; SKIPPED when that \
flow log may not be created. In the cloud: SKIPPED for gateways owned by another account (shared through AWS RAM) and \
for deleted ones, and for a region of an inventory that does not list Transit Gateways (written \
by an earlier version or by hand). ERROR when DescribeTransitGateways failed (the reason is \
named) and for every region that could not be read.",
    remediation: "`aws ec2 create-flow-logs --resource-type TransitGateway --resource-ids \
<tgw-id> --log-destination-type s3 --log-destination arn:aws:s3:::<bucket>/<prefix>` (or \
cloud-watch-logs with a log group and --deliver-logs-permission-arn). Transit Gateway flow logs \
always aggregate over 60 s and capture all traffic.",
    compliance: &[
        ("NIST SP 800-53 Rev. 5", "AU-12"),
        ("NIST SP 800-53 Rev. 5", "SI-4"),
    ],
    equivalents: &[],
};

pub const CHECK: Check = Check {
    meta: &META,
    eval: Eval::Region(evaluate),
    predeploy: Predeploy::TransitGateway(predeploy),
    fix: Fix::Manual(
        "Fix plans create VPC-level flow logs; a Transit Gateway flow log is created with the \
command in the remediation outline.",
    ),
    query: None,
};

/// Before deployment: a declared Transit Gateway passes when a flow log that
/// may exist names it, at the gateway's line.
fn predeploy(declared: &Declared, g: &DeclaredTransitGateway) -> Verdict {
    let logs: Vec<&crate::declared::FlowLog> = declared
        .flow_logs
        .iter()
        .filter(|f| f.transit_gateway.as_deref() == Some(g.address.as_str()))
        .filter(|f| f.exists != Known::Yes(false))
        .collect();
    if let Some(f) = logs.iter().find(|f| f.exists == Known::Yes(true)) {
        return Verdict::new(
            Status::Pass,
            &g.location,
            format!(
                "flow log {} is declared for Transit Gateway {}",
                f.address, g.address
            ),
        );
    }
    if let Some(f) = logs.first() {
        let why = match &f.exists {
            Known::Unknown(why) => why.as_str(),
            Known::Yes(_) => "",
        };
        return Verdict::new(
            Status::Skipped,
            &g.location,
            format!(
                "flow log {} of {} may not be created: {why}",
                f.address, g.address
            ),
        );
    }
    Verdict::new(
        Status::Fail,
        &g.location,
        format!(
            "no flow log is declared for Transit Gateway {}: traffic through it will not be logged",
            g.address
        ),
    )
}

fn evaluate(ctx: &RegionCtx<'_>) -> Vec<RegionOutcome> {
    let region = &ctx.region.region;
    let at_region = |outcome: Outcome| {
        vec![RegionOutcome {
            resource_type: ResourceType::Region,
            resource_id: region.clone(),
            outcome,
        }]
    };
    if let Some(why) = &ctx.region.transit_gateways_error {
        return at_region(Outcome::error(
            format!("the Transit Gateways of {region} could not be listed: {why}"),
            json!({ "error": why }),
        ));
    }
    let Some(gateways) = &ctx.region.transit_gateways else {
        return at_region(Outcome::skipped(
            format!("the inventory does not list the Transit Gateways of {region} (it was written by an earlier version or by hand; scan again)"),
            json!({ "transit_gateways": null }),
        ));
    };
    let flow_logs = &ctx.transit_gateway_flow_logs;
    if gateways.is_empty() && flow_logs.is_empty() {
        return at_region(Outcome::pass(
            format!("{region} has no Transit Gateway"),
            json!({ "transit_gateways": 0 }),
        ));
    }
    let mut out: Vec<RegionOutcome> = gateways
        .iter()
        .map(|g| RegionOutcome {
            resource_type: ResourceType::TransitGateway,
            resource_id: g.transit_gateway_id.clone(),
            outcome: judge(&ctx.account.account_id, g, flow_logs),
        })
        .collect();
    for f in flow_logs.iter().filter(|f| {
        !gateways
            .iter()
            .any(|g| g.transit_gateway_id == f.resource_id)
    }) {
        out.push(RegionOutcome {
            resource_type: ResourceType::FlowLog,
            resource_id: f.flow_log_id.clone(),
            outcome: Outcome::fail(
                format!(
                    "its Transit Gateway {} is not in {region} (deleted?): the flow log logs nothing",
                    f.resource_id
                ),
                json!({ "flow_log": flow_log_evidence(f) }),
            ),
        });
    }
    out
}

fn judge(account_id: &str, g: &TransitGateway, flow_logs: &[&FlowLog]) -> Outcome {
    let own: Vec<&FlowLog> = flow_logs
        .iter()
        .copied()
        .filter(|f| f.resource_id == g.transit_gateway_id)
        .collect();
    let evidence = json!({
        "transit_gateway": g,
        "flow_logs": own.iter().map(|f| flow_log_evidence(f)).collect::<Vec<_>>(),
    });
    let name = g.name().map_or_else(String::new, |n| {
        format!(" ({})", crate::escape::terminal::show(n))
    });
    if !g.owner_id.is_empty() && g.owner_id != account_id {
        return Outcome::skipped(
            format!(
                "shared Transit Gateway{name} owned by account {}; its flow logs are the owner's to audit",
                g.owner_id
            ),
            evidence,
        );
    }
    if g.state == "deleted" || g.state == "deleting" {
        return Outcome::skipped(
            format!("the Transit Gateway{name} is {}", g.state),
            evidence,
        );
    }
    if let Some(active) = own.iter().find(|f| f.is_active()) {
        return Outcome::pass(
            format!(
                "flow log {} of the Transit Gateway{name} is ACTIVE",
                active.flow_log_id
            ),
            evidence,
        );
    }
    let inactive: Vec<String> = own
        .iter()
        .map(|f| format!("{} ({})", f.flow_log_id, f.flow_log_status))
        .collect();
    Outcome::fail(
        if inactive.is_empty() {
            format!("the Transit Gateway{name} has no flow log: traffic through it is not logged")
        } else {
            format!(
                "the Transit Gateway{name} has no ACTIVE flow log: {}",
                inactive.join(", ")
            )
        },
        evidence,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::model::FlowLogResourceType;
    use crate::report::Status;

    fn gateway(id: &str) -> TransitGateway {
        TransitGateway {
            transit_gateway_id: id.into(),
            state: "available".into(),
            owner_id: ACCOUNT.into(),
            tags: Default::default(),
        }
    }

    fn tgw_flow_log(id: &str, tgw: &str) -> FlowLog {
        let mut f = flow_log(id, tgw);
        f.resource_type = FlowLogResourceType::TransitGateway;
        f
    }

    fn with(
        gateways: Option<Vec<TransitGateway>>,
        flow_logs: Vec<FlowLog>,
    ) -> crate::model::Inventory {
        let mut inv = inventory(vec![vpc("vpc-1")], flow_logs);
        region_mut(&mut inv).transit_gateways = gateways;
        inv
    }

    fn by_resource(inv: &crate::model::Inventory) -> Vec<(String, Status)> {
        run(inv, ID.as_str())
            .into_iter()
            .map(|r| (r.resource_id, r.status))
            .collect()
    }

    #[test]
    fn each_gateway_passes_or_fails_and_orphans_fail() {
        let mut shared = gateway("tgw-shared");
        shared.owner_id = "999988887777".into();
        let inv = with(
            Some(vec![gateway("tgw-1"), gateway("tgw-2"), shared]),
            vec![
                flow_log("fl-vpc", "vpc-1"),
                tgw_flow_log("fl-1", "tgw-1"),
                tgw_flow_log("fl-gone", "tgw-gone"),
            ],
        );
        let mut got = by_resource(&inv);
        got.sort();
        assert_eq!(
            got,
            [
                ("fl-gone".to_string(), Status::Fail),
                ("tgw-1".to_string(), Status::Pass),
                ("tgw-2".to_string(), Status::Fail),
                ("tgw-shared".to_string(), Status::Skipped),
            ]
        );
        // The VPC's own flow log is not a Transit Gateway's, and the Transit
        // Gateway flow logs are not "unattached" to flow-log-resource-exists.
        let exists = run(&inv, "flow-log-resource-exists");
        assert_eq!(exists.len(), 1);
        assert_eq!(exists[0].status, Status::Pass, "{}", exists[0].message);
    }

    #[test]
    fn an_inactive_flow_log_fails_naming_its_status() {
        let mut f = tgw_flow_log("fl-1", "tgw-1");
        f.flow_log_status = crate::model::FlowLogStatus::Other("PAUSED".into());
        let r = only(&with(Some(vec![gateway("tgw-1")]), vec![f]), ID.as_str());
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("fl-1 (PAUSED)"), "{}", r.message);
    }

    #[test]
    fn unknown_and_unreadable_lists_are_said_so() {
        assert_eq!(
            by_resource(&with(Some(vec![]), vec![])),
            [(REGION.to_string(), Status::Pass)]
        );
        assert_eq!(
            by_resource(&with(None, vec![])),
            [(REGION.to_string(), Status::Skipped)]
        );
        let mut inv = with(None, vec![]);
        region_mut(&mut inv).transit_gateways_error =
            Some("ec2:DescribeTransitGateways: AccessDenied".into());
        let r = only(&inv, ID.as_str());
        assert_eq!(r.status, Status::Error);
        assert!(r.message.contains("AccessDenied"), "{}", r.message);
    }
}
