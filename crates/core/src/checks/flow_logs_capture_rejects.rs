//! `vpc-flow-logs-capture-rejects`: an ACCEPT-only flow log misses rejected traffic.

use serde_json::json;

use super::entry::{Check, Eval, Fix, Predeploy};
use super::meta::{CheckId, CheckMeta, Outcome, Scope};
use crate::context::{RegionCtx, VpcCtx};
use crate::declared::{DeclaredVpc, Known, Verdict};
use crate::model::TrafficType;
use crate::remediation::build::Planner;
use crate::remediation::plan::Action;
use crate::report::Severity;
use crate::report::Status;
use crate::settings::Settings;

/// This check's id.
pub const ID: CheckId = CheckId::new("vpc-flow-logs-capture-rejects");

pub static META: CheckMeta = CheckMeta {
    id: ID,
    title: "VPC flow logs capture rejected traffic",
    severity: Severity::Medium,
    scope: Scope::Vpc,
    rationale: "CIS recommends flow logging of packet rejects at least: rejected connections are \
where port scans, probing and misconfigured security groups show up. A flow log that captures \
only ACCEPT traffic passes a presence check yet records none of it.",
    passes_when: "An ACTIVE VPC-level flow log captures REJECT or ALL traffic (ALL only, with \
--required-traffic-type all).",
    fails_when: "Every ACTIVE VPC-level flow log captures only ACCEPT traffic (or, with \
--required-traffic-type all, none captures ALL).",
    other_statuses: "SKIPPED when the VPC has no ACTIVE VPC-level flow log (it already fails \
vpc-flow-logs-enabled), for shared VPCs, and for VPCs skipped by option.",
    remediation: "Flow logs cannot be modified: create an additional VPC-level flow log with \
--traffic-type ALL (or REJECT), confirm it delivers, then delete the ACCEPT-only one.",
    compliance: &[
        ("CIS AWS Foundations Benchmark v3.0.0", "3.7"),
        ("CIS AWS Foundations Benchmark v1.4.0-v2.0.0", "3.9"),
        ("CIS AWS Foundations Benchmark v1.2.0", "2.9"),
        ("NIST SP 800-53 Rev. 5", "SI-4"),
    ],
    equivalents: &[],
};

/// This check as a stored query (see [`Check::query`]), for the default
/// `required_traffic_type = reject` (REJECT or ALL passes; with `all`, only ALL).
pub const QUERY: &str = "\
SELECT v.vpc_id AS resource, v.account_id, v.region,
  CASE
    WHEN NOT EXISTS (SELECT 1 FROM flow_logs f WHERE f.account_id = v.account_id
           AND f.region = v.region AND f.resource_type = 'VPC'
           AND f.resource_id = v.vpc_id AND f.flow_log_status = 'ACTIVE') THEN 'SKIPPED'
    WHEN EXISTS (SELECT 1 FROM flow_logs f WHERE f.account_id = v.account_id
           AND f.region = v.region AND f.resource_type = 'VPC'
           AND f.resource_id = v.vpc_id AND f.flow_log_status = 'ACTIVE'
           AND f.traffic_type IN ('REJECT', 'ALL')) THEN 'PASS'
    ELSE 'FAIL'
  END AS status,
  'ACTIVE VPC-level flow logs capture: ' || coalesce((
    SELECT group_concat(f.flow_log_id || ' ' || f.traffic_type, ', ')
    FROM flow_logs f WHERE f.account_id = v.account_id AND f.region = v.region
      AND f.resource_type = 'VPC' AND f.resource_id = v.vpc_id
      AND f.flow_log_status = 'ACTIVE'), 'nothing') AS reason
FROM vpcs v";

pub const CHECK: Check = Check {
    meta: &META,
    eval: Eval::Vpc(evaluate),
    predeploy: Predeploy::Vpc(predeploy),
    fix: Fix::Plan(plan),
    query: Some(QUERY),
};

fn plan(p: &Planner<'_>) -> Option<(String, Vec<Action>)> {
    let traffic = match &p.options.traffic_type {
        TrafficType::Accept => TrafficType::All,
        other => other.clone(),
    };
    let mut actions = p.new_flow_log(p.vpc_id, traffic);
    actions.extend(
        p.vpc_flow_logs(p.vpc_id)
            .filter(|f| f.is_active() && f.traffic_type == TrafficType::Accept)
            .map(|f| p.delete(f)),
    );
    Some((format!("Capture rejected traffic of {}", p.vpc_id), actions))
}

fn predeploy(d: &DeclaredVpc<'_>, settings: &Settings) -> Verdict {
    let first = match d.relied_on() {
        Ok(f) => f,
        Err(skipped) => return skipped,
    };
    let accepts = |t: &str| {
        settings
            .required_traffic_type
            .accepts(&TrafficType::from(t.to_string()))
    };
    if let Some((f, t)) = d.certain.iter().find_map(|f| match &f.traffic {
        Known::Yes(t) if accepts(t) => Some((f, t)),
        _ => None,
    }) {
        return Verdict::new(
            Status::Pass,
            &f.location,
            format!("flow log {} captures {t} traffic", f.address),
        );
    }
    if let Some((f, why)) = d.certain.iter().find_map(|f| match &f.traffic {
        Known::Unknown(why) => Some((f, why)),
        Known::Yes(_) => None,
    }) {
        return Verdict::new(
            Status::Skipped,
            &f.location,
            format!(
                "the traffic type of {} is not known before apply: {why}",
                f.address
            ),
        );
    }
    let t = match &first.traffic {
        Known::Yes(t) => t.as_str(),
        Known::Unknown(_) => "",
    };
    Verdict::new(
        Status::Fail,
        &first.location,
        format!(
            "flow log {} captures {t} only; {} is required",
            first.address,
            settings.required_traffic_type.describe()
        ),
    )
}

fn evaluate(ctx: &RegionCtx<'_>, vpc: &VpcCtx<'_>) -> Outcome {
    use crate::model::TrafficType;
    let required = ctx.settings.required_traffic_type;
    let evidence = json!({
        "required_traffic_type": required.describe(),
        "flow_logs": vpc.flow_log_evidence(),
    });
    let active: Vec<_> = vpc.active_vpc_level().collect();
    if active.is_empty() {
        return Outcome::skipped(
            "no ACTIVE VPC-level flow log (reported by vpc-flow-logs-enabled)",
            evidence,
        );
    }
    if let Some(ok) = active.iter().find(|f| required.accepts(&f.traffic_type)) {
        return Outcome::pass(
            format!(
                "flow log {} captures {} traffic",
                ok.flow_log_id,
                ok.traffic_type.as_str()
            ),
            evidence,
        );
    }
    let seen: Vec<String> = active
        .iter()
        .map(|f| match &f.traffic_type {
            TrafficType::Other(text) => format!(
                "{} captures {text:?}, a traffic type flowaudit does not know",
                f.flow_log_id
            ),
            known => format!("{} captures {}", f.flow_log_id, known.as_str()),
        })
        .collect();
    Outcome::fail(
        format!(
            "no ACTIVE VPC-level flow log captures {} traffic: {}",
            required.describe(),
            seen.join(", ")
        ),
        evidence,
    )
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::model::TrafficType;
    use crate::report::Status;
    use crate::settings::{RequiredTrafficType, Settings};

    const ID: &str = "vpc-flow-logs-capture-rejects";

    fn with_traffic(t: TrafficType) -> crate::model::Inventory {
        let mut fl = flow_log("fl-1", "vpc-1");
        fl.traffic_type = t;
        inventory(vec![vpc("vpc-1")], vec![fl])
    }

    #[test]
    fn all_and_reject_pass_accept_fails() {
        assert_eq!(
            only(&with_traffic(TrafficType::All), ID).status,
            Status::Pass
        );
        assert_eq!(
            only(&with_traffic(TrafficType::Reject), ID).status,
            Status::Pass
        );
        let r = only(&with_traffic(TrafficType::Accept), ID);
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("fl-1 captures ACCEPT"), "{}", r.message);
    }

    /// A traffic type flowaudit does not know fails, named; it is never read
    /// as ALL.
    #[test]
    fn an_unknown_traffic_type_fails_and_is_named() {
        let r = only(&with_traffic(TrafficType::from("SOME".to_string())), ID);
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.message
                .contains("fl-1 captures \"SOME\", a traffic type flowaudit does not know"),
            "{}",
            r.message
        );
    }

    #[test]
    fn setting_requires_all() {
        let settings = Settings {
            required_traffic_type: RequiredTrafficType::All,
            ..Settings::default()
        };
        let r = run_with(&with_traffic(TrafficType::Reject), &settings, ID);
        assert_eq!(r[0].status, Status::Fail);
        let r = run_with(&with_traffic(TrafficType::All), &settings, ID);
        assert_eq!(r[0].status, Status::Pass);
    }

    #[test]
    fn accept_plus_reject_flow_logs_pass() {
        let mut accept = flow_log("fl-1", "vpc-1");
        accept.traffic_type = TrafficType::Accept;
        let mut reject = flow_log("fl-2", "vpc-1");
        reject.traffic_type = TrafficType::Reject;
        let inv = inventory(vec![vpc("vpc-1")], vec![accept, reject]);
        assert_eq!(only(&inv, ID).status, Status::Pass);
    }

    #[test]
    fn no_active_flow_log_is_skipped() {
        let inv = inventory(vec![vpc("vpc-1")], vec![]);
        assert_eq!(only(&inv, ID).status, Status::Skipped);
    }
}
