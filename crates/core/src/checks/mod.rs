//! The check catalog and the engine that runs it over an inventory.
//!
//! One file per check, as in ruff: the file holds the check's typed id, its
//! metadata ([`CheckMeta`]), its cloud evaluation, its pre-deployment evaluation
//! over what a template declares (or an explicit cloud-only mark), its fix plan
//! (or an explicit no-automatic-fix mark) and its unit tests. [`REGISTRY`] lists
//! them, one line each; `flowaudit checks`, `flowaudit explain`, exceptions, SARIF
//! rules and the generated docs read it, with the flow-log findings of
//! [`crate::findings`].

use serde_json::json;

use crate::context::RegionCtx;
use crate::model::Inventory;
use crate::region::ResultRegion;
use crate::remediation::build::Planner;
use crate::remediation::plan::{Plan, RemediationOptions};
use crate::report::{CheckResult, ResourceType, Status};

use crate::settings::Settings;
pub use entry::{
    Check, Eval, Fix, FlowLogEval, PlanFn, Predeploy, RegionEval, RegionOutcome, VpcEval,
};
pub use meta::{CheckId, CheckMeta, Outcome, Scope};

pub mod aggregation_interval;
pub mod approved_destination;
pub mod delivery_role;
pub mod destination_encrypted;
pub mod destination_exists;
pub mod destination_shared;
pub mod entry;
pub mod flow_logs_capture_rejects;
pub mod flow_logs_delivering;
pub mod flow_logs_enabled;
pub mod meta;
pub mod recent_delivery;
pub mod record_fields;
pub mod resource_exists;
pub mod retention;
pub mod transit_gateway;

#[cfg(test)]
pub(crate) mod testkit;

impl CheckId {
    /// The registered id spelled `text`, check or finding.
    pub fn parse(text: &str) -> Option<CheckId> {
        meta(text).map(|m| m.id)
    }
}

/// Every check, in report order.
pub static REGISTRY: &[Check] = &[
    flow_logs_enabled::CHECK,
    flow_logs_delivering::CHECK,
    flow_logs_capture_rejects::CHECK,
    destination_exists::CHECK,
    retention::CHECK,
    delivery_role::CHECK,
    destination_shared::CHECK,
    recent_delivery::CHECK,
    aggregation_interval::CHECK,
    record_fields::CHECK,
    destination_encrypted::CHECK,
    approved_destination::CHECK,
    transit_gateway::CHECK,
    resource_exists::CHECK,
];

/// Finds a check by id.
pub fn find(id: &str) -> Option<&'static Check> {
    REGISTRY.iter().find(|c| c.meta.id == *id)
}

/// Every check's and flow-log finding's metadata, checks first, in report order.
pub fn catalog() -> impl Iterator<Item = &'static CheckMeta> {
    REGISTRY
        .iter()
        .map(|c| c.meta)
        .chain(crate::findings::REGISTRY.iter().copied())
}

/// The metadata of a check or flow-log finding.
pub fn meta(id: &str) -> Option<&'static CheckMeta> {
    catalog().find(|m| m.id == *id)
}

/// Adds a plan to every FAIL result that has one. A plan that names an
/// identifier invalid for its type is not offered; the result's message says
/// which value (see `remediation::validate`).
pub fn attach_plans(
    results: &mut [CheckResult],
    inventory: &Inventory,
    options: &RemediationOptions,
) {
    for result in results.iter_mut().filter(|r| r.status == Status::Fail) {
        result.remediation = match plan_for(result, inventory, options) {
            Some(plan) => match crate::remediation::validate::check(&plan) {
                Ok(()) => Some(plan),
                Err(why) => {
                    result
                        .message
                        .push_str(&format!(" No fix plan is offered: {why}."));
                    None
                }
            },
            None => None,
        };
    }
}

/// The plan that fixes one FAIL result, as its check builds it; `None` for
/// other statuses, for a check with no automatic fix, or when the resource is
/// not in the inventory.
pub fn plan_for(
    result: &CheckResult,
    inventory: &Inventory,
    options: &RemediationOptions,
) -> Option<Plan> {
    if result.status != Status::Fail {
        return None;
    }
    let Fix::Plan(build) = find(&result.check_id)?.fix else {
        return None;
    };
    let account = inventory
        .accounts
        .iter()
        .find(|a| a.account_id == result.account_id)?;
    let region = account
        .regions
        .iter()
        .find(|r| result.region == r.region.as_str())?;
    let vpc_id = result.vpc_id.as_deref()?;
    let planner = Planner {
        account,
        region,
        options,
        vpc_id,
        flow_log: region
            .flow_logs
            .iter()
            .find(|f| f.flow_log_id == result.resource_id),
    };
    let (title, actions) = build(&planner)?;
    Some(Plan::new(
        title,
        &account.account_id,
        &region.region,
        Some(vpc_id),
        actions,
    ))
}

/// Runs every check over the inventory; results are sorted by account, region,
/// VPC, check and resource.
pub fn evaluate(inventory: &Inventory, settings: &Settings) -> Vec<CheckResult> {
    let mut results = Vec::new();
    for account in &inventory.accounts {
        if let Some(reason) = &account.error {
            let reason = format!("account could not be read: {reason}");
            unreadable(
                &mut results,
                &account.account_id,
                "all",
                ResourceType::Account,
                &account.account_id,
                &reason,
            );
            continue;
        }
        for region in &account.regions {
            if let Some(reason) = &region.error {
                let reason = format!("region could not be read: {reason}");
                unreadable(
                    &mut results,
                    &account.account_id,
                    &region.region,
                    ResourceType::Region,
                    &region.region,
                    &reason,
                );
                continue;
            }
            let ctx = RegionCtx::new(inventory.collected_at, settings, account, region);
            for check in REGISTRY {
                run_check(&ctx, check, &mut results);
            }
        }
    }
    sort(&mut results);
    results
}

/// Sorts results by account, region, VPC, check (registry order, then custom
/// controls by id) and resource.
pub fn sort(results: &mut [CheckResult]) {
    let order = |id: &str| {
        REGISTRY
            .iter()
            .position(|c| c.meta.id == *id)
            .unwrap_or(usize::MAX)
    };
    results.sort_by(|a, b| {
        (
            &a.account_id,
            &a.region,
            &a.vpc_id,
            order(&a.check_id),
            &a.check_id,
            &a.resource_id,
        )
            .cmp(&(
                &b.account_id,
                &b.region,
                &b.vpc_id,
                order(&b.check_id),
                &b.check_id,
                &b.resource_id,
            ))
    });
}

/// `ERROR` results for every VPC- and region-level check where nothing could be read.
fn unreadable(
    out: &mut Vec<CheckResult>,
    account_id: &str,
    region: &str,
    resource_type: ResourceType,
    resource_id: &str,
    reason: &str,
) {
    for check in REGISTRY
        .iter()
        .filter(|c| matches!(c.meta.scope, Scope::Vpc | Scope::Region))
    {
        out.push(unread_result(
            check.meta.id.as_str(),
            check.meta.severity,
            check.meta.compliance_refs(),
            (account_id, region),
            (resource_type.clone(), resource_id),
            reason,
        ));
    }
}

/// The `ERROR` result of one check (built-in or custom) for an account or
/// region that could not be read.
pub fn unread_result(
    check_id: &str,
    severity: crate::report::Severity,
    compliance: Vec<crate::report::ComplianceRef>,
    (account_id, region): (&str, &str),
    (resource_type, resource_id): (ResourceType, &str),
    reason: &str,
) -> CheckResult {
    CheckResult {
        check_id: check_id.to_string(),
        status: Status::Error,
        severity,
        account_id: account_id.to_string(),
        region: ResultRegion::parse(region),
        resource_type,
        resource_id: resource_id.to_string(),
        vpc_id: None,
        vpc_name: None,
        message: format!("{reason}; its VPCs were not evaluated"),
        evidence: json!({ "error": reason }),
        compliance,
        priority: None,
        exception: None,
        remediation: None,
        location: None,
    }
}

fn run_check(ctx: &RegionCtx<'_>, check: &Check, out: &mut Vec<CheckResult>) {
    let meta = check.meta;
    if let Eval::Region(eval) = check.eval {
        for r in eval(ctx) {
            out.push(ctx.result(meta, None, r.resource_type, &r.resource_id, r.outcome));
        }
        return;
    }
    for vpc in &ctx.vpcs {
        match check.eval {
            Eval::Vpc(eval) => {
                let outcome = match &vpc.skip_reason {
                    Some(reason) => {
                        Outcome::skipped(reason.clone(), json!({ "skip_reason": reason }))
                    }
                    None => eval(ctx, vpc),
                };
                out.push(ctx.result(meta, Some(vpc), ResourceType::Vpc, &vpc.vpc.vpc_id, outcome));
            }
            Eval::FlowLog(eval) => {
                if vpc.skip_reason.is_some() {
                    continue;
                }
                for flow_log in &vpc.flow_logs {
                    if let Some(outcome) = eval(ctx, vpc, flow_log) {
                        out.push(ctx.result(
                            meta,
                            Some(vpc),
                            ResourceType::FlowLog,
                            &flow_log.flow_log_id,
                            outcome,
                        ));
                    }
                }
            }
            Eval::Region(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Walks both registries: every entry has a unique kebab-case id and every
    /// doc section; every check says how it is judged before deployment (or
    /// why it is cloud only) and how it is fixed (or why not).
    #[test]
    fn every_entry_is_complete() {
        let mut seen = HashSet::new();
        for m in catalog() {
            let id = m.id.as_str();
            assert!(seen.insert(id), "duplicate id {id}");
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{id}"
            );
            for (section, text) in [("Title", m.title)].into_iter().chain(m.sections()) {
                assert!(!text.trim().is_empty(), "{id}: {section} is empty");
            }
            assert!(
                !m.compliance.is_empty() || m.id == crate::findings::INPUT.id,
                "{id} has no compliance mapping"
            );
            assert_eq!(CheckId::parse(id), Some(m.id));
        }
        for check in REGISTRY {
            let id = check.meta.id;
            assert_ne!(check.meta.scope, Scope::Records, "{id}");
            if let Predeploy::CloudOnly(why) = check.predeploy {
                assert!(!why.trim().is_empty(), "{id}: cloud only without a reason");
            }
            if let Fix::Manual(why) = check.fix {
                assert!(!why.trim().is_empty(), "{id}: no fix without a reason");
            }
        }
        for m in crate::findings::REGISTRY {
            assert_eq!(m.scope, Scope::Records, "{}", m.id);
            assert!(find(m.id.as_str()).is_none(), "{} is both", m.id);
        }
        assert_eq!(CheckId::parse("vpc-flow-log-enabled"), None);
    }

    /// A check that says it has a fix plan gives one to its FAILs (the demo
    /// fails every check).
    #[test]
    fn every_check_with_a_fix_plans_its_failures() {
        let inventory = match crate::demo::inventory() {
            Ok(inventory) => inventory,
            Err(e) => panic!("demo inventory: {e}"),
        };
        let mut results = evaluate(&inventory, &Settings::default());
        attach_plans(
            &mut results,
            &inventory,
            &crate::remediation::RemediationOptions::default(),
        );
        for check in REGISTRY {
            let planned = results
                .iter()
                .filter(|r| r.check_id == check.meta.id.as_str() && r.status == Status::Fail)
                .any(|r| r.remediation.is_some());
            assert_eq!(
                planned,
                matches!(check.fix, Fix::Plan(_)),
                "{}",
                check.meta.id
            );
        }
    }

    #[test]
    fn scope_matches_eval_kind() {
        for check in REGISTRY {
            let kind = match check.eval {
                Eval::Vpc(_) => Scope::Vpc,
                Eval::FlowLog(_) => Scope::FlowLog,
                Eval::Region(_) => Scope::Region,
            };
            assert_eq!(kind, check.meta.scope, "{}", check.meta.id);
        }
    }
}
