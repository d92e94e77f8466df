//! `flow-log-retention`: flow-log data must be kept long enough to investigate.

use serde_json::json;

use super::entry::{Check, Eval, Fix, Predeploy};
use super::meta::{CheckId, CheckMeta, Outcome, Scope};
use crate::context::{flow_log_evidence, Destination, RegionCtx, VpcCtx};
use crate::declared::{self, DeclaredVpc, Known, Verdict};
use crate::model::FlowLog;
use crate::remediation::build::Planner;
use crate::remediation::plan::Action;
use crate::report::Severity;
use crate::report::Status;
use crate::settings::Settings;

/// This check's id.
pub const ID: CheckId = CheckId::new("flow-log-retention");

pub static META: CheckMeta = CheckMeta {
    id: ID,
    title: "Flow-log data is retained long enough",
    severity: Severity::Low,
    scope: Scope::FlowLog,
    rationale: "Intrusions are often discovered months after they began. Flow logs that expire \
after a few days cannot show how an attacker got in or what left the network; PCI DSS asks for a \
year of audit history. A log group created by hand or by a tool often has a short retention, or \
none at all (never expires, which is compliant but costly).",
    passes_when: "The CloudWatch Logs group keeps events at least --min-retention-days (default \
365) or never expires; for S3, no enabled lifecycle rule expires flow-log objects sooner.",
    fails_when: "The log group's retention, or the bucket's lifecycle expiration for flow-log \
objects, is shorter than the minimum.",
    other_statuses: "SKIPPED when the destination does not exist (reported by \
flow-log-destination-exists) or belongs to another account. ERROR when it could not be read. No \
result for Kinesis Data Firehose destinations.",
    remediation:
        "`aws logs put-retention-policy --log-group-name <group> --retention-in-days 365`, \
or raise the expiration of the bucket's lifecycle rule for the flow-log prefix.",
    compliance: &[
        ("PCI DSS v4.0", "10.5.1"),
        ("NIST SP 800-53 Rev. 5", "AU-11"),
        ("CIS Controls v8", "8.10"),
    ],
    equivalents: &[
        ("AWS Config", "CW_LOGGROUP_RETENTION_PERIOD_CHECK"),
        ("AWS Security Hub", "CloudWatch.16"),
    ],
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
        format!("Keep the flow-log data of {} long enough", f.flow_log_id),
        p.retention(f),
    ))
}

/// The one rule, in the cloud and before deployment: data kept for `expiry`
/// days (`None`: never expires) is enough when it reaches `min`.
fn judge(what: &str, setting: &str, expiry: Option<u32>, min: u32) -> (Status, String) {
    match expiry {
        None => (Status::Pass, format!("{what} never expires flow-log data")),
        Some(days) if days >= min => (
            Status::Pass,
            format!("{what} keeps flow-log data {days} days (minimum {min})"),
        ),
        Some(days) => (
            Status::Fail,
            format!("{what} {setting} is {days} days, below the minimum of {min}"),
        ),
    }
}

fn predeploy(d: &DeclaredVpc<'_>, settings: &Settings) -> Verdict {
    let f = match d.relied_on() {
        Ok(f) => f,
        Err(skipped) => return skipped,
    };
    let address = match &f.destination {
        declared::Destination::LogGroup(address) => address,
        declared::Destination::Elsewhere(what) => {
            return Verdict::new(
                Status::Skipped,
                &f.location,
                format!(
                    "flow log {} delivers to {what}, not declared here; its retention is checked by `flowaudit scan`",
                    f.address
                ),
            )
        }
        declared::Destination::Unknown(why) => {
            return Verdict::new(
                Status::Skipped,
                &f.location,
                format!(
                    "the destination of {} is not known before apply: {why}",
                    f.address
                ),
            )
        }
    };
    let Some(group) = d.declared.log_groups.iter().find(|g| &g.address == address) else {
        return Verdict::new(
            Status::Skipped,
            &f.location,
            format!("log group {address} is not declared in these files"),
        );
    };
    match &group.retention_days {
        Known::Yes(expiry) => {
            let what = format!("log group {}", group.address);
            let (status, message) = judge(&what, "retention", *expiry, settings.min_retention_days);
            Verdict::new(status, &group.location, message)
        }
        Known::Unknown(why) => Verdict::new(
            Status::Skipped,
            &group.location,
            format!(
                "the retention of {} is not known before apply: {why}",
                group.address
            ),
        ),
    }
}

fn evaluate(ctx: &RegionCtx<'_>, _vpc: &VpcCtx<'_>, flow_log: &FlowLog) -> Option<Outcome> {
    let min = ctx.settings.min_retention_days;
    let destination = ctx.destination(flow_log);
    let what = destination.describe();
    let setting = match destination {
        Destination::Bucket { .. } => "lifecycle expiration",
        _ => "retention",
    };
    let mut evidence = json!({
        "flow_log": flow_log_evidence(flow_log),
        "destination": what,
        "min_retention_days": min,
    });
    let facts = match destination.facts_or_outcome(&evidence)? {
        Ok(facts) => facts,
        Err(outcome) => return Some(outcome),
    };
    evidence["expiry_days"] = json!(facts.expiry_days);
    let (status, message) = judge(&what, setting, facts.expiry_days, min);
    Some(Outcome::new(status, message, evidence))
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::report::Status;
    use crate::settings::Settings;

    const ID: &str = "flow-log-retention";

    fn with_retention(days: Option<u32>) -> crate::model::Inventory {
        let mut inv = inventory(vec![vpc("vpc-1")], vec![flow_log("fl-1", "vpc-1")]);
        region_mut(&mut inv).log_groups[0].retention_in_days = days;
        inv
    }

    #[test]
    fn retention_thresholds() {
        assert_eq!(only(&with_retention(Some(365)), ID).status, Status::Pass);
        assert_eq!(only(&with_retention(Some(3653)), ID).status, Status::Pass);
        let never = only(&with_retention(None), ID);
        assert_eq!(never.status, Status::Pass);
        assert!(never.message.contains("never expires"));
        let short = only(&with_retention(Some(30)), ID);
        assert_eq!(short.status, Status::Fail);
        assert!(
            short.message.contains("30 days, below the minimum of 365"),
            "{}",
            short.message
        );
    }

    #[test]
    fn minimum_is_a_setting() {
        let settings = Settings {
            min_retention_days: 30,
            ..Settings::default()
        };
        assert_eq!(
            run_with(&with_retention(Some(30)), &settings, ID)[0].status,
            Status::Pass
        );
    }

    #[test]
    fn s3_lifecycle_expiration() {
        let mut inv = inventory(vec![vpc("vpc-1")], vec![s3_flow_log("fl-1", "vpc-1", "b")]);
        assert_eq!(only(&inv, ID).status, Status::Pass);
        inv.accounts[0].s3_buckets[0].expiration_days = Some(90);
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("lifecycle expiration is 90 days"));
    }

    #[test]
    fn missing_destination_is_skipped() {
        let mut inv = with_retention(Some(1));
        region_mut(&mut inv).log_groups[0].exists = false;
        assert_eq!(only(&inv, ID).status, Status::Skipped);
    }
}
