//! The check catalog and the engine that runs it over an inventory.
//!
//! One file per check, as in ruff: the file holds the check's metadata
//! ([`CheckMeta`]), its evaluation function and its unit tests. [`REGISTRY`] lists
//! them; `flowaudit checks` and `flowaudit explain` are generated from it.

use serde_json::{json, Value};

use crate::context::{RegionCtx, VpcCtx};
use crate::model::{FlowLog, Inventory};
use crate::report::{CheckResult, ComplianceRef, Severity, Status};
use crate::settings::Settings;

pub mod delivery_role;
mod destination_exists;
mod destination_shared;
mod flow_logs_capture_rejects;
mod flow_logs_delivering;
mod flow_logs_enabled;
mod recent_delivery;
mod retention;

#[cfg(test)]
pub(crate) mod testkit;

/// What a check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Exactly one result per VPC in scope.
    Vpc,
    /// One result per flow log of a VPC in scope, where the check applies.
    FlowLog,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Vpc => "vpc",
            Scope::FlowLog => "flow-log",
        }
    }
}

/// Everything `flowaudit checks` and `flowaudit explain` say about a check.
#[derive(Debug)]
pub struct CheckMeta {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub scope: Scope,
    /// Why this matters.
    pub rationale: &'static str,
    pub passes_when: &'static str,
    pub fails_when: &'static str,
    /// Other statuses and when they occur.
    pub other_statuses: &'static str,
    /// Remediation outline.
    pub remediation: &'static str,
    /// (framework, control id).
    pub compliance: &'static [(&'static str, &'static str)],
    /// (tool, id) of the same control in other tools.
    pub equivalents: &'static [(&'static str, &'static str)],
}

impl CheckMeta {
    pub fn compliance_refs(&self) -> Vec<ComplianceRef> {
        self.compliance
            .iter()
            .map(|(framework, control)| ComplianceRef {
                framework: (*framework).into(),
                control: (*control).into(),
            })
            .collect()
    }
}

/// A check's decision for one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub message: String,
    pub evidence: Value,
}

impl Outcome {
    pub fn new(status: Status, message: impl Into<String>, evidence: Value) -> Self {
        Outcome {
            status,
            message: message.into(),
            evidence,
        }
    }
    pub fn pass(message: impl Into<String>, evidence: Value) -> Self {
        Self::new(Status::Pass, message, evidence)
    }
    pub fn fail(message: impl Into<String>, evidence: Value) -> Self {
        Self::new(Status::Fail, message, evidence)
    }
    pub fn skipped(message: impl Into<String>, evidence: Value) -> Self {
        Self::new(Status::Skipped, message, evidence)
    }
    pub fn error(message: impl Into<String>, evidence: Value) -> Self {
        Self::new(Status::Error, message, evidence)
    }
}

/// A VPC-level evaluation: called once per VPC in scope.
pub type VpcEval = fn(&RegionCtx<'_>, &VpcCtx<'_>) -> Outcome;
/// A flow-log-level evaluation: called once per flow log of a VPC in scope;
/// `None` where the check does not apply to that flow log.
pub type FlowLogEval = fn(&RegionCtx<'_>, &VpcCtx<'_>, &FlowLog) -> Option<Outcome>;

/// How a check evaluates.
#[derive(Clone, Copy)]
pub enum Eval {
    Vpc(VpcEval),
    FlowLog(FlowLogEval),
}

/// A registered check.
pub struct Check {
    pub meta: &'static CheckMeta,
    pub eval: Eval,
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
];

/// Finds a check by id.
pub fn find(id: &str) -> Option<&'static Check> {
    REGISTRY.iter().find(|c| c.meta.id == id)
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
                "account",
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
                    "region",
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
    let order = |id: &str| {
        REGISTRY
            .iter()
            .position(|c| c.meta.id == id)
            .unwrap_or(usize::MAX)
    };
    results.sort_by(|a, b| {
        (
            &a.account_id,
            &a.region,
            &a.vpc_id,
            order(&a.check_id),
            &a.resource_id,
        )
            .cmp(&(
                &b.account_id,
                &b.region,
                &b.vpc_id,
                order(&b.check_id),
                &b.resource_id,
            ))
    });
    results
}

/// `ERROR` results for every VPC-level check where nothing could be read.
fn unreadable(
    out: &mut Vec<CheckResult>,
    account_id: &str,
    region: &str,
    resource_type: &str,
    resource_id: &str,
    reason: &str,
) {
    for check in REGISTRY.iter().filter(|c| c.meta.scope == Scope::Vpc) {
        out.push(CheckResult {
            check_id: check.meta.id.to_string(),
            status: Status::Error,
            severity: check.meta.severity,
            account_id: account_id.to_string(),
            region: region.to_string(),
            resource_type: resource_type.to_string(),
            resource_id: resource_id.to_string(),
            vpc_id: None,
            vpc_name: None,
            message: format!("{reason}; its VPCs were not evaluated"),
            evidence: json!({ "error": reason }),
            compliance: check.meta.compliance_refs(),
            priority: None,
            exception: None,
            remediation: None,
            location: None,
        });
    }
}

fn run_check(ctx: &RegionCtx<'_>, check: &Check, out: &mut Vec<CheckResult>) {
    let meta = check.meta;
    for vpc in &ctx.vpcs {
        match check.eval {
            Eval::Vpc(eval) => {
                let outcome = match &vpc.skip_reason {
                    Some(reason) => {
                        Outcome::skipped(reason.clone(), json!({ "skip_reason": reason }))
                    }
                    None => eval(ctx, vpc),
                };
                out.push(ctx.result(meta, vpc, "vpc", &vpc.vpc.vpc_id, outcome));
            }
            Eval::FlowLog(eval) => {
                if vpc.skip_reason.is_some() {
                    continue;
                }
                for flow_log in &vpc.flow_logs {
                    if let Some(outcome) = eval(ctx, vpc, flow_log) {
                        out.push(ctx.result(meta, vpc, "flow-log", &flow_log.flow_log_id, outcome));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn registry_ids_are_unique_and_kebab_case() {
        let mut seen = HashSet::new();
        for check in REGISTRY {
            assert!(seen.insert(check.meta.id), "duplicate id {}", check.meta.id);
            assert!(check
                .meta
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-'));
            assert!(
                !check.meta.compliance.is_empty(),
                "{} has no compliance mapping",
                check.meta.id
            );
            assert!(!check.meta.rationale.is_empty());
        }
        assert_eq!(REGISTRY.len(), 8);
    }

    #[test]
    fn scope_matches_eval_kind() {
        for check in REGISTRY {
            let kind = match check.eval {
                Eval::Vpc(_) => Scope::Vpc,
                Eval::FlowLog(_) => Scope::FlowLog,
            };
            assert_eq!(kind, check.meta.scope, "{}", check.meta.id);
        }
    }
}
