//! `flow-log-recent-delivery`: records actually arrive at the destination.

use chrono::Duration;
use serde_json::json;

use super::entry::{Check, Eval, Fix, Predeploy};
use super::meta::{CheckId, CheckMeta, Outcome, Scope};
use crate::context::{flow_log_evidence, Destination, RegionCtx, VpcCtx};
use crate::model::FlowLog;
use crate::remediation::build::Planner;
use crate::remediation::plan::Action;
use crate::report::Severity;

/// This check's id.
pub const ID: CheckId = CheckId::new("flow-log-recent-delivery");

pub static META: CheckMeta = CheckMeta {
    id: ID,
    title: "Flow-log records arrived recently",
    severity: Severity::Low,
    scope: Scope::FlowLog,
    rationale: "The only proof that flow logging works is records at the destination. A flow log \
can be ACTIVE with DeliverLogsStatus SUCCESS and still deliver nothing for days (a KMS key \
policy, a bucket policy, a role changed after creation). A destination that received nothing \
recently, in a VPC that has network interfaces, deserves a look.",
    passes_when: "The destination received flow-log records within --max-delivery-age-hours \
(default 24) of the inventory's collection time.",
    fails_when: "The newest record is older than that, or no delivery was ever seen.",
    other_statuses: "SKIPPED for flow logs younger than --delivery-grace-minutes (default 60), for VPCs without network \
interfaces (nothing to log), for missing destinations (reported by flow-log-destination-exists) \
and for destinations in other accounts. ERROR when the destination could not be read. No result \
for Firehose destinations.",
    remediation: "Look at DeliverLogsErrorMessage, the role's permissions, the KMS key policy of \
the log group or bucket, and the bucket policy (delivery.logs.amazonaws.com must be allowed to \
PutObject). `flowaudit analyze` reads the records themselves.",
    compliance: &[
        ("NIST SP 800-53 Rev. 5", "AU-5"),
        ("NIST SP 800-53 Rev. 5", "SI-4"),
    ],
    equivalents: &[],
};

pub const CHECK: Check = Check {
    meta: &META,
    eval: Eval::FlowLog(evaluate),
    predeploy: Predeploy::CloudOnly("Records arrive only after the flow log is deployed."),
    fix: Fix::Plan(plan),
    query: None,
};

fn plan(p: &Planner<'_>) -> Option<(String, Vec<Action>)> {
    let f = p.flow_log?;
    Some((
        format!("Find out why {} delivers nothing", f.flow_log_id),
        vec![p.investigate_delivery(f)],
    ))
}

fn evaluate(ctx: &RegionCtx<'_>, vpc: &VpcCtx<'_>, flow_log: &FlowLog) -> Option<Outcome> {
    let max_hours = ctx.settings.max_delivery_age_hours;
    let destination = ctx.destination(flow_log);
    let what = destination.describe();
    let mut evidence = json!({
        "flow_log": flow_log_evidence(flow_log),
        "destination": what,
        "collected_at": ctx.collected_at,
        "max_delivery_age_hours": max_hours,
        "creation_time": flow_log.creation_time,
        "network_interface_count": vpc.vpc.network_interface_count,
    });
    if matches!(destination, Destination::Firehose | Destination::Unnamed) {
        return None;
    }
    if let Some(created) = flow_log.creation_time {
        let grace = ctx.settings.delivery_grace_minutes;
        if ctx.collected_at - created < Duration::minutes(i64::from(grace)) {
            return Some(Outcome::skipped(
                format!(
                    "flow log {} is younger than {grace} minutes; its first records may not have arrived",
                    flow_log.flow_log_id
                ),
                evidence,
            ));
        }
    }
    if vpc.vpc.network_interface_count == Some(0) {
        return Some(Outcome::skipped(
            "VPC has no network interfaces, so there is no traffic to log",
            evidence,
        ));
    }
    let facts = match destination.facts_or_outcome(&evidence)? {
        Ok(facts) => facts,
        Err(outcome) => return Some(outcome),
    };
    evidence["newest_delivery"] = json!(facts.newest_delivery);
    if let Some(reason) = facts.newest_delivery_error {
        return Some(Outcome::error(
            format!("newest delivery to {what} could not be read: {reason}"),
            evidence,
        ));
    }
    let outcome = match facts.newest_delivery {
        None => Outcome::fail(format!("no flow-log delivery to {what} was seen"), evidence),
        Some(t) => {
            let age = ctx.collected_at - t;
            if age <= Duration::hours(i64::from(max_hours)) {
                Outcome::pass(
                    format!("{what} received records {} ago", human(age)),
                    evidence,
                )
            } else {
                Outcome::fail(
                    format!(
                        "{what} received nothing for {} (newest at {}; limit {max_hours} h)",
                        human(age),
                        t.format("%Y-%m-%d %H:%M UTC")
                    ),
                    evidence,
                )
            }
        }
    };
    Some(outcome)
}

/// `3 d 4 h`, `5 h 2 min`, `12 min`.
fn human(age: Duration) -> String {
    let minutes = age.num_minutes().max(0);
    let (d, h, m) = (minutes / 1440, (minutes / 60) % 24, minutes % 60);
    if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else {
        format!("{m} min")
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use crate::checks::testkit::*;
    use crate::model::Vpc;
    use crate::report::Status;

    const ID: &str = "flow-log-recent-delivery";

    #[test]
    fn recent_passes_old_or_never_fails() {
        let mut inv = inventory(vec![vpc("vpc-1")], vec![flow_log("fl-1", "vpc-1")]);
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Pass);
        assert!(r.message.contains("20 min ago"), "{}", r.message);
        region_mut(&mut inv).log_groups[0].last_event_time = Some(now() - Duration::hours(50));
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("2 d 2 h"), "{}", r.message);
        region_mut(&mut inv).log_groups[0].last_event_time = None;
        assert_eq!(only(&inv, ID).status, Status::Fail);
        region_mut(&mut inv).log_groups[0].last_event_error = Some("AccessDenied".into());
        assert_eq!(only(&inv, ID).status, Status::Error);
    }

    #[test]
    fn s3_newest_object() {
        let mut inv = inventory(vec![vpc("vpc-1")], vec![s3_flow_log("fl-1", "vpc-1", "b")]);
        assert_eq!(only(&inv, ID).status, Status::Pass);
        inv.accounts[0].s3_buckets[0].newest_object_time = Some(now() - Duration::days(3));
        assert_eq!(only(&inv, ID).status, Status::Fail);
    }

    #[test]
    fn young_flow_log_and_idle_vpc_are_skipped() {
        let mut fl = flow_log("fl-1", "vpc-1");
        fl.creation_time = Some(now() - Duration::minutes(10));
        let inv = inventory(vec![vpc("vpc-1")], vec![fl]);
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Skipped);
        assert!(
            r.message.contains("younger than 60 minutes"),
            "{}",
            r.message
        );

        let idle = Vpc {
            network_interface_count: Some(0),
            ..vpc("vpc-1")
        };
        let mut inv = inventory(vec![idle], vec![flow_log("fl-1", "vpc-1")]);
        region_mut(&mut inv).log_groups[0].last_event_time = None;
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Skipped);
        assert!(r.message.contains("no network interfaces"));
    }
}
