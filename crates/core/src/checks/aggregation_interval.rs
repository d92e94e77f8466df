//! `flow-log-aggregation-interval`: production VPCs log at one-minute
//! granularity, so detections are not ten minutes late.

use serde_json::json;

use super::entry::{Check, Eval, Fix, Predeploy};
use super::meta::{CheckId, CheckMeta, Outcome, Scope};
use crate::context::{flow_log_evidence, RegionCtx, VpcCtx};
use crate::declared::{Declared, FlowLog as DeclaredFlowLog, Known, Target, Verdict};
use crate::model::FlowLog;
use crate::report::{Severity, Status};
use crate::settings::Settings;

/// This check's id.
pub const ID: CheckId = CheckId::new("flow-log-aggregation-interval");

/// The interval, in seconds, production flow logs should use.
const WANTED: u32 = 60;

pub static META: CheckMeta = CheckMeta {
    id: ID,
    title: "Production flow logs aggregate over one minute",
    severity: Severity::Low,
    scope: Scope::FlowLog,
    rationale: "A flow log gathers packets for up to MaxAggregationInterval seconds before it \
writes a record: 600 s (the default) delays every detection built on the records by up to ten \
minutes and blurs short bursts into one record. For production VPCs, where response time \
matters, 60 s is the setting to use.",
    passes_when: "The flow log of a production VPC (tagged as the priority model's \
production_tag_keys and production_tag_values say) has MaxAggregationInterval 60.",
    fails_when: "It has 600 (or any value other than 60).",
    other_statuses: "SKIPPED for flow logs of VPCs that are not production, and for shared or \
skipped VPCs. ERROR when the flow log's MaxAggregationInterval is not in the inventory. Before \
deployment (`flowaudit iac`): a VPC-level flow log is judged by its declared \
max_aggregation_interval / MaxAggregationInterval (600 when not set) when its VPC's declared tags \
mark production; SKIPPED when the tags or the interval are known only at apply.",
    remediation: "The interval of a flow log cannot be changed: create a new one with \
`aws ec2 create-flow-logs … --max-aggregation-interval 60`, confirm it delivers, then delete the \
old one.",
    compliance: &[("NIST SP 800-53 Rev. 5", "SI-4")],
    equivalents: &[],
};

pub const CHECK: Check = Check {
    meta: &META,
    eval: Eval::FlowLog(evaluate),
    predeploy: Predeploy::FlowLog(predeploy),
    fix: Fix::Manual(
        "Replacing a flow log needs a check that the new one delivers before the old one is \
deleted; fix plans do not set the interval yet.",
    ),
    query: None,
};

/// Before deployment: the declared interval of a VPC-level flow log whose
/// VPC's declared tags mark production, at the flow log's line.
fn predeploy(declared: &Declared, f: &DeclaredFlowLog, settings: &Settings) -> Option<Verdict> {
    let Target::Vpcs(addresses) = &f.target else {
        return None;
    };
    let vpcs: Vec<&crate::declared::Vpc> = declared
        .vpcs
        .iter()
        .filter(|v| addresses.contains(&v.address))
        .collect();
    if vpcs.is_empty() {
        return None; // flow-log-resource-exists reports it.
    }
    let mut production = None;
    for v in &vpcs {
        match &v.tags {
            Known::Yes(tags) => {
                if let Some(tag) = settings.priority.production_tag_in(tags) {
                    production = Some((v.address.as_str(), tag));
                    break;
                }
            }
            Known::Unknown(why) => {
                return Some(Verdict::new(
                    Status::Skipped,
                    &f.location,
                    format!(
                        "{}: whether {} is production is not known before apply (its tags: {why})",
                        f.address, v.address
                    ),
                ))
            }
        }
    }
    let (status, message) = match (production, &f.max_aggregation_interval) {
        (None, _) => (
            Status::Skipped,
            format!("{} is not production (no production tag), so 600 s is acceptable", vpcs[0].address),
        ),
        (Some(_), Known::Unknown(why)) => (
            Status::Skipped,
            format!("its interval is not known before apply: {why}"),
        ),
        (Some((_, tag)), Known::Yes(WANTED)) => (
            Status::Pass,
            format!("aggregates over {WANTED} s (production, tag {tag})"),
        ),
        (Some((vpc, tag)), Known::Yes(other)) => (
            Status::Fail,
            format!(
                "aggregates over {other} s, which delays detections by up to {} minute(s); {vpc} is production (tag {tag}) and should use {WANTED} s",
                other.div_ceil(60)
            ),
        ),
    };
    Some(Verdict::new(
        status,
        &f.location,
        format!("{}: {message}", f.address),
    ))
}

fn evaluate(ctx: &RegionCtx<'_>, vpc: &VpcCtx<'_>, flow_log: &FlowLog) -> Option<Outcome> {
    let production = ctx.settings.priority.production_tag(vpc.vpc);
    let evidence = json!({
        "flow_log": flow_log_evidence(flow_log),
        "max_aggregation_interval": flow_log.max_aggregation_interval,
        "production_tag": production,
    });
    let Some(tag) = production else {
        return Some(Outcome::skipped(
            format!(
                "{} is not production (no production tag), so 600 s is acceptable",
                vpc.vpc.vpc_id
            ),
            evidence,
        ));
    };
    Some(match flow_log.max_aggregation_interval {
        Some(WANTED) => Outcome::pass(
            format!("aggregates over {WANTED} s (production, tag {tag})"),
            evidence,
        ),
        Some(other) => Outcome::fail(
            format!(
                "aggregates over {other} s, which delays detections by up to {} minute(s); production VPCs (tag {tag}) should use {WANTED} s",
                other.div_ceil(60)
            ),
            evidence,
        ),
        None => Outcome::error(
            "MaxAggregationInterval is not in the inventory, so the interval is not known",
            evidence,
        ),
    })
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::report::Status;

    const ID: &str = "flow-log-aggregation-interval";

    #[test]
    fn production_needs_sixty_seconds_others_are_skipped_unknown_is_error() {
        let mut prod = vpc("vpc-1");
        prod.tags.insert("env".into(), "prod".into());
        let mut fast = flow_log("fl-1", "vpc-1");
        fast.max_aggregation_interval = Some(60);
        let mut slow = flow_log("fl-2", "vpc-1");
        slow.max_aggregation_interval = Some(600);
        let mut unknown = flow_log("fl-3", "vpc-1");
        unknown.max_aggregation_interval = None;
        let mut dev_log = flow_log("fl-4", "vpc-2");
        dev_log.max_aggregation_interval = Some(600);
        let inv = inventory(vec![prod, vpc("vpc-2")], vec![fast, slow, unknown, dev_log]);
        let results = run(&inv, ID);
        let status = |id: &str| {
            results
                .iter()
                .find(|r| r.resource_id == id)
                .map(|r| r.status)
                .unwrap_or_else(|| panic!("no result for {id}: {results:#?}"))
        };
        assert_eq!(status("fl-1"), Status::Pass);
        assert_eq!(status("fl-2"), Status::Fail);
        assert_eq!(status("fl-3"), Status::Error);
        assert_eq!(status("fl-4"), Status::Skipped);
    }
}
