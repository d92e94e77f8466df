//! The check catalog and the engine that runs it over an inventory.
//!
//! One file per check, as in ruff: the file holds the check's typed id, its
//! metadata ([`CheckMeta`]), its cloud evaluation, its pre-deployment evaluation
//! over what a template declares (or an explicit cloud-only mark), its fix plan
//! (or an explicit no-automatic-fix mark) and its unit tests. [`REGISTRY`] lists
//! them, one line each; `flowaudit checks`, `flowaudit explain`, exceptions, SARIF
//! rules and the generated docs read it, with the flow-log findings of
//! [`crate::findings`].

use std::fmt;

use serde_json::{json, Value};

use crate::context::{RegionCtx, VpcCtx};
use crate::model::{FlowLog, Inventory};
use crate::remediation::{Action, Planner};
use crate::report::{CheckResult, ComplianceRef, ResourceType, Severity, Status};
use crate::settings::Settings;

pub mod delivery_role;
pub mod destination_exists;
pub mod destination_shared;
pub mod flow_logs_capture_rejects;
pub mod flow_logs_delivering;
pub mod flow_logs_enabled;
pub mod recent_delivery;
pub mod retention;

#[cfg(test)]
pub(crate) mod testkit;

/// The id of a check or of a flow-log finding. Only the registries make them
/// ([`CheckId::parse`] finds one from text), so an id that crosses a crate is one
/// flowaudit knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckId(&'static str);

impl CheckId {
    pub(crate) const fn new(id: &'static str) -> CheckId {
        CheckId(id)
    }
    pub fn as_str(self) -> &'static str {
        self.0
    }
    /// The registered id spelled `text`, check or finding.
    pub fn parse(text: &str) -> Option<CheckId> {
        meta(text).map(|m| m.id)
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.0)
    }
}

impl serde::Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl PartialEq<str> for CheckId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<String> for CheckId {
    fn eq(&self, other: &String) -> bool {
        self.0 == other
    }
}

/// What a check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Exactly one result per VPC in scope.
    Vpc,
    /// One result per flow log of a VPC in scope, where the check applies.
    FlowLog,
    /// Flow-log records read by `flowaudit analyze`: one result per finding.
    Records,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Vpc => "vpc",
            Scope::FlowLog => "flow-log",
            Scope::Records => "records",
        }
    }
    /// How many results, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Scope::Vpc => "one result per vpc",
            Scope::FlowLog => "one result per flow-log",
            Scope::Records => "one result per finding in flow-log records",
        }
    }
}

/// Everything `flowaudit checks`, `flowaudit explain` and the generated docs say
/// about a check or a flow-log finding.
#[derive(Debug)]
pub struct CheckMeta {
    pub id: CheckId,
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

/// What a check judges before deployment, over what templates declare.
#[derive(Clone, Copy)]
pub enum Predeploy {
    /// Judged once per declared VPC, with the same predicates as the cloud
    /// evaluation; SKIPPED only for what is not known before apply.
    Vpc(crate::declared::PredeployEval),
    /// Judged in the cloud only, and why.
    CloudOnly(&'static str),
}

/// Builds the title and actions of the plan for one FAIL result.
pub type PlanFn = fn(&Planner<'_>) -> Option<(String, Vec<Action>)>;

/// The plan a check's FAIL gets.
#[derive(Clone, Copy)]
pub enum Fix {
    /// Builds the title and actions of the plan for one FAIL result; `None` when
    /// what the plan needs is not in the inventory.
    Plan(PlanFn),
    /// No automatic fix, and why.
    Manual(&'static str),
}

/// A registered check.
pub struct Check {
    pub meta: &'static CheckMeta,
    pub eval: Eval,
    pub predeploy: Predeploy,
    pub fix: Fix,
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
    resource_type: ResourceType,
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
            resource_type: resource_type.clone(),
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
                out.push(ctx.result(meta, vpc, ResourceType::Vpc, &vpc.vpc.vpc_id, outcome));
            }
            Eval::FlowLog(eval) => {
                if vpc.skip_reason.is_some() {
                    continue;
                }
                for flow_log in &vpc.flow_logs {
                    if let Some(outcome) = eval(ctx, vpc, flow_log) {
                        out.push(ctx.result(
                            meta,
                            vpc,
                            ResourceType::FlowLog,
                            &flow_log.flow_log_id,
                            outcome,
                        ));
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
            for (section, text) in [
                ("title", m.title),
                ("rationale", m.rationale),
                ("passes_when", m.passes_when),
                ("fails_when", m.fails_when),
                ("other_statuses", m.other_statuses),
                ("remediation", m.remediation),
            ] {
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
        crate::remediation::attach_plans(
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
            };
            assert_eq!(kind, check.meta.scope, "{}", check.meta.id);
        }
    }
}
