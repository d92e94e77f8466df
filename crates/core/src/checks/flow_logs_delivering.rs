//! `vpc-flow-logs-delivering`: a flow log that exists but cannot deliver logs nothing.

use serde_json::json;

use super::entry::{Check, Eval, Fix, Predeploy};
use super::meta::{CheckId, CheckMeta, Outcome, Scope};
use crate::context::{RegionCtx, VpcCtx};
use crate::remediation::build::Planner;
use crate::remediation::plan::Action;
use crate::report::Severity;

/// This check's id.
pub const ID: CheckId = CheckId::new("vpc-flow-logs-delivering");

pub static META: CheckMeta = CheckMeta {
    id: ID,
    title: "VPC flow logs are delivering",
    severity: Severity::High,
    scope: Scope::Vpc,
    rationale:
        "A flow log can be ACTIVE and still deliver nothing: when its log group or bucket is \
gone, or its role may no longer write, AWS sets DeliverLogsStatus to FAILED and drops the records. \
Such a VPC passes a presence-only audit while no traffic is recorded at all, which is worse than a \
known gap because nobody is looking for it.",
    passes_when: "No VPC-level flow log of the VPC has DeliverLogsStatus FAILED, and every \
ACTIVE one has SUCCESS.",
    fails_when: "A VPC-level flow log has DeliverLogsStatus FAILED; the message quotes AWS's \
DeliverLogsErrorMessage.",
    other_statuses: "SKIPPED when the VPC has no ACTIVE VPC-level flow log (it already fails \
vpc-flow-logs-enabled), for shared VPCs, and for VPCs skipped by option. ERROR when an \
ACTIVE flow log's DeliverLogsStatus is missing or a value other than SUCCESS and FAILED (named in \
the message).",
    remediation:
        "Fix the cause AWS names: recreate the missing log group or bucket, or repair the \
delivery role's trust policy (vpc-flow-logs.amazonaws.com) and permissions (logs:CreateLogStream, \
logs:PutLogEvents). Then check that DeliverLogsStatus returns to SUCCESS.",
    compliance: &[
        ("CIS AWS Foundations Benchmark v3.0.0", "3.7"),
        ("NIST SP 800-53 Rev. 5", "AU-5"),
        ("NIST SP 800-53 Rev. 5", "AU-12"),
    ],
    equivalents: &[],
};

/// This check as a stored query (see [`Check::query`]): FAILED on any
/// VPC-level flow log fails; a status neither SUCCESS nor FAILED (or none) on
/// an ACTIVE one is ERROR.
pub const QUERY: &str = "\
WITH vpc_level AS (
  SELECT f.* FROM flow_logs f JOIN vpcs v
    ON f.account_id = v.account_id AND f.region = v.region
   AND f.resource_type = 'VPC' AND f.resource_id = v.vpc_id)
SELECT v.vpc_id AS resource, v.account_id, v.region,
  CASE
    WHEN NOT EXISTS (SELECT 1 FROM vpc_level f WHERE f.account_id = v.account_id
           AND f.region = v.region AND f.resource_id = v.vpc_id
           AND f.flow_log_status = 'ACTIVE') THEN 'SKIPPED'
    WHEN EXISTS (SELECT 1 FROM vpc_level f WHERE f.account_id = v.account_id
           AND f.region = v.region AND f.resource_id = v.vpc_id
           AND f.deliver_logs_status = 'FAILED') THEN 'FAIL'
    WHEN EXISTS (SELECT 1 FROM vpc_level f WHERE f.account_id = v.account_id
           AND f.region = v.region AND f.resource_id = v.vpc_id
           AND f.flow_log_status = 'ACTIVE'
           AND (f.deliver_logs_status IS NULL
                OR f.deliver_logs_status NOT IN ('SUCCESS', 'FAILED'))) THEN 'ERROR'
    ELSE 'PASS'
  END AS status,
  'delivery: ' || coalesce((
    SELECT group_concat(f.flow_log_id || ' ' || coalesce(f.deliver_logs_status, 'none given'), ', ')
    FROM vpc_level f WHERE f.account_id = v.account_id AND f.region = v.region
      AND f.resource_id = v.vpc_id), 'no VPC-level flow log') AS reason
FROM vpcs v";

pub const CHECK: Check = Check {
    meta: &META,
    eval: Eval::Vpc(evaluate),
    predeploy: Predeploy::CloudOnly("Delivery status exists only once AWS runs the flow log."),
    fix: Fix::Plan(plan),
    query: Some(QUERY),
};

fn plan(p: &Planner<'_>) -> Option<(String, Vec<Action>)> {
    Some((
        format!("Repair the delivery of {}'s flow logs", p.vpc_id),
        p.repair_delivery(p.vpc_id),
    ))
}

fn evaluate(_ctx: &RegionCtx<'_>, vpc: &VpcCtx<'_>) -> Outcome {
    let evidence = json!({ "flow_logs": vpc.flow_log_evidence() });
    if vpc.active_vpc_level().next().is_none() {
        return Outcome::skipped(
            "no ACTIVE VPC-level flow log (reported by vpc-flow-logs-enabled)",
            evidence,
        );
    }
    let failed: Vec<String> = vpc
        .vpc_level()
        .filter(|f| f.delivery_failed())
        .map(|f| {
            format!(
                "{}: \"{}\"",
                f.flow_log_id,
                f.deliver_logs_error_message
                    .as_deref()
                    .unwrap_or("no error message")
            )
        })
        .collect();
    let unknown: Vec<String> = vpc
        .active_vpc_level()
        .filter_map(|f| {
            f.delivery_unknown()
                .map(|status| format!("{}: \"{status}\"", f.flow_log_id))
        })
        .collect();
    if !failed.is_empty() {
        let mut message = format!("delivery FAILED for {}", failed.join("; "));
        if !unknown.is_empty() {
            message.push_str(&format!(
                "; delivery status not known for {}",
                unknown.join("; ")
            ));
        }
        return Outcome::fail(message, evidence);
    }
    if !unknown.is_empty() {
        return Outcome::error(
            format!(
                "delivery status is neither SUCCESS nor FAILED for {}, so whether records arrive is not known",
                unknown.join("; ")
            ),
            evidence,
        );
    }
    let ids: Vec<&str> = vpc.vpc_level().map(|f| f.flow_log_id.as_str()).collect();
    Outcome::pass(
        format!("delivery not failed for {}", ids.join(", ")),
        evidence,
    )
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::report::Status;

    const ID: &str = "vpc-flow-logs-delivering";

    #[test]
    fn successful_delivery_passes() {
        let inv = inventory(vec![vpc("vpc-1")], vec![flow_log("fl-1", "vpc-1")]);
        assert_eq!(only(&inv, ID).status, Status::Pass);
    }

    #[test]
    fn failed_delivery_fails_and_quotes_aws() {
        let mut fl = flow_log("fl-1", "vpc-1");
        fl.deliver_logs_status = Some(crate::model::DeliveryStatus::Failed);
        fl.deliver_logs_error_message = Some("Access error".into());
        let inv = inventory(vec![vpc("vpc-1")], vec![fl]);
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("\"Access error\""), "{}", r.message);
    }

    /// A status flowaudit does not know, or none at all, is never read as
    /// delivering: ERROR naming it.
    #[test]
    fn unknown_or_missing_delivery_status_is_an_error_naming_it() {
        for (status, named) in [
            (
                Some(crate::model::DeliveryStatus::Other("THROTTLED".into())),
                "fl-1: \"THROTTLED\"",
            ),
            (None, "fl-1: \"none given\""),
        ] {
            let mut fl = flow_log("fl-1", "vpc-1");
            fl.deliver_logs_status = status;
            let inv = inventory(vec![vpc("vpc-1")], vec![fl]);
            let r = only(&inv, ID);
            assert_eq!(r.status, Status::Error, "{}", r.message);
            assert!(r.message.contains(named), "{}", r.message);
        }
    }

    #[test]
    fn one_failing_of_two_fails() {
        let mut bad = flow_log("fl-2", "vpc-1");
        bad.deliver_logs_status = Some(crate::model::DeliveryStatus::Failed);
        let inv = inventory(vec![vpc("vpc-1")], vec![flow_log("fl-1", "vpc-1"), bad]);
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("fl-2"));
        assert!(!r.message.contains("fl-1"));
    }

    #[test]
    fn no_active_flow_log_is_skipped_not_counted_twice() {
        let inv = inventory(vec![vpc("vpc-1")], vec![]);
        let r = only(&inv, ID);
        assert_eq!(r.status, Status::Skipped);
        assert!(r.message.contains("vpc-flow-logs-enabled"));
    }
}
