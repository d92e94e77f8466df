//! A check's registry entry: how it evaluates in the cloud, before deployment,
//! and what fix it offers.

use crate::context::{RegionCtx, VpcCtx};
use crate::model::FlowLog;
use crate::remediation::build::Planner;
use crate::remediation::plan::Action;

use super::meta::{CheckMeta, Outcome};

/// A VPC-level evaluation: called once per VPC in scope.
pub type VpcEval = fn(&RegionCtx<'_>, &VpcCtx<'_>) -> Outcome;
/// A flow-log-level evaluation: called once per flow log of a VPC in scope;
/// `None` where the check does not apply to that flow log.
pub type FlowLogEval = fn(&RegionCtx<'_>, &VpcCtx<'_>, &FlowLog) -> Option<Outcome>;

/// A region-level evaluation: called once per readable region; one outcome per
/// resource it judges (the region itself when all is well).
pub type RegionEval = fn(&RegionCtx<'_>) -> Vec<RegionOutcome>;

/// One outcome of a [`RegionEval`], about one resource.
pub struct RegionOutcome {
    pub resource_type: crate::report::ResourceType,
    pub resource_id: String,
    pub outcome: Outcome,
}

/// How a check evaluates.
#[derive(Clone, Copy)]
pub enum Eval {
    Vpc(VpcEval),
    FlowLog(FlowLogEval),
    Region(RegionEval),
}

/// What a check judges before deployment, over what templates declare.
#[derive(Clone, Copy)]
pub enum Predeploy {
    /// Judged once per declared VPC, with the same predicates as the cloud
    /// evaluation; SKIPPED only for what is not known before apply.
    Vpc(crate::declared::PredeployEval),
    /// Judged once per declared flow log; `None` where there is nothing to say.
    FlowLog(crate::declared::FlowLogPredeploy),
    /// Judged once per declared Transit Gateway.
    TransitGateway(crate::declared::TransitGatewayPredeploy),
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
    /// The check's decision as one SQL statement over `flowaudit query`'s
    /// tables, in the custom controls' rows form (`resource`, `status`,
    /// `reason`, one row per VPC), under the default settings: `explain`
    /// shows it, and a test holds it to the check's own verdicts.
    pub query: Option<&'static str>,
}
