//! Inventory + settings → report.

use std::collections::BTreeMap;

use crate::checks;
use crate::exceptions::Exception;
use crate::model::Inventory;
use crate::report::{
    AccountSummary, Report, ReportScope, Severity, Status, Summary, ToolInfo, REPORT_SCHEMA,
};
use crate::settings::Settings;

/// Where an inventory came from, as the report records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Demo,
    InventoryFile(String),
    Scan,
    /// `flowaudit iac` over these paths.
    Iac(String),
    /// `flowaudit analyze` over these paths.
    Analyze(String),
}

impl Source {
    pub fn label(&self) -> String {
        match self {
            Source::Demo => "demo".to_string(),
            Source::InventoryFile(path) => format!("inventory:{path}"),
            Source::Scan => "scan".to_string(),
            Source::Iac(paths) => format!("iac:{paths}"),
            Source::Analyze(paths) => format!("analyze:{paths}"),
        }
    }
}

/// Evaluates every check and assembles the report.
pub fn build_report(inventory: &Inventory, settings: &Settings, source: &Source) -> Report {
    build_report_with(inventory, settings, source, &[], Custom::default())
}

/// The custom controls that ran over the inventory and their results, to be
/// ranked, excepted and reported beside the built-in checks'.
#[derive(Debug, Default)]
pub struct Custom {
    pub controls: Vec<crate::controls::ControlInfo>,
    pub results: Vec<crate::report::CheckResult>,
}

/// Evaluates every check, adds the custom controls' results, ranks the
/// failures, applies `exceptions` (judged on the collection date) and assembles
/// the report.
pub fn build_report_with(
    inventory: &Inventory,
    settings: &Settings,
    source: &Source,
    exceptions: &[Exception],
    custom: Custom,
) -> Report {
    let mut results = checks::evaluate(inventory, settings);
    if !custom.results.is_empty() {
        results.extend(custom.results);
        checks::sort(&mut results);
    }
    crate::priority::attach(&mut results, inventory, &settings.priority);
    let uses = crate::exceptions::apply(
        &mut results,
        inventory,
        exceptions,
        inventory.collected_at.date_naive(),
    );
    // Plans only for what is still to be fixed: an excepted VPC is left alone.
    crate::checks::attach_plans(&mut results, inventory, &settings.remediation);
    let regions = inventory.accounts.iter().flat_map(|a| &a.regions);
    let counts = Counts {
        accounts: inventory.accounts.len(),
        regions: regions.clone().count(),
        regions_failed: regions.filter(|r| r.error.is_some()).count(),
        vpcs: inventory.vpc_count(),
        by_account: by_account(inventory, &results),
    };
    let mut report = assemble(
        results,
        uses,
        counts,
        settings,
        source,
        inventory.collected_at,
        scope_of(inventory),
    );
    report.controls = custom.controls;
    report
}

/// What the summary counts besides the results.
struct Counts {
    accounts: usize,
    regions: usize,
    regions_failed: usize,
    vpcs: usize,
    by_account: BTreeMap<String, AccountSummary>,
}

/// The report of `flowaudit iac` and `flowaudit analyze`: results that do not
/// come from an inventory, with `exceptions` applied on the collection date.
pub fn build_results_report(
    mut results: Vec<crate::report::CheckResult>,
    settings: &Settings,
    source: &Source,
    exceptions: &[Exception],
    collected_at: chrono::DateTime<chrono::Utc>,
) -> Report {
    let empty = Inventory::new(collected_at);
    let uses =
        crate::exceptions::apply(&mut results, &empty, exceptions, collected_at.date_naive());
    // One `vpc-flow-logs-enabled` result per declared VPC (names repeat across
    // templates and module directories, so they are not counted by name).
    let vpcs = results
        .iter()
        .filter(|r| r.check_id == "vpc-flow-logs-enabled" && r.vpc_id.is_some())
        .count();
    let counts = Counts {
        accounts: 0,
        regions: 0,
        regions_failed: 0,
        vpcs,
        by_account: BTreeMap::new(),
    };
    assemble(
        results,
        uses,
        counts,
        settings,
        source,
        collected_at,
        ReportScope::default(),
    )
}

fn assemble(
    results: Vec<crate::report::CheckResult>,
    uses: Vec<crate::exceptions::ExceptionUse>,
    counts: Counts,
    settings: &Settings,
    source: &Source,
    collected_at: chrono::DateTime<chrono::Utc>,
    scope: ReportScope,
) -> Report {
    let mut by_status: BTreeMap<Status, usize> = Status::ALL.into_iter().map(|s| (s, 0)).collect();
    let mut failures_by_severity: BTreeMap<Severity, usize> = BTreeMap::new();
    for r in &results {
        *by_status.entry(r.status).or_default() += 1;
        if r.status == Status::Fail {
            *failures_by_severity.entry(r.severity).or_default() += 1;
        }
    }
    let summary = Summary {
        accounts: counts.accounts,
        regions: counts.regions,
        regions_failed: counts.regions_failed,
        vpcs: counts.vpcs,
        results: results.len(),
        by_status,
        failures_by_severity,
        exceptions: crate::exceptions::count(&results, &uses),
        by_account: counts.by_account,
    };
    Report {
        schema: REPORT_SCHEMA.to_string(),
        tool: ToolInfo {
            name: "flowaudit".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        source: source.label(),
        collected_at,
        scope,
        settings: settings.clone(),
        summary,
        results,
        exceptions: uses,
        stats: None,
        cost: None,
        controls: Vec::new(),
    }
}

/// Each account's regions, VPCs and results by status.
fn by_account(
    inventory: &Inventory,
    results: &[crate::report::CheckResult],
) -> BTreeMap<String, AccountSummary> {
    let mut out: BTreeMap<String, AccountSummary> = inventory
        .accounts
        .iter()
        .map(|a| {
            (
                a.account_id.clone(),
                AccountSummary {
                    error: a.error.clone(),
                    regions: a.regions.len(),
                    regions_failed: a.regions.iter().filter(|r| r.error.is_some()).count(),
                    vpcs: a.regions.iter().map(|r| r.vpcs.len()).sum(),
                    by_status: Status::ALL.into_iter().map(|s| (s, 0)).collect(),
                },
            )
        })
        .collect();
    for r in results {
        if let Some(a) = out.get_mut(&r.account_id) {
            *a.by_status.entry(r.status).or_default() += 1;
        }
    }
    out
}

/// The sorted accounts and regions of an inventory.
fn scope_of(inventory: &Inventory) -> ReportScope {
    let mut accounts: Vec<String> = inventory
        .accounts
        .iter()
        .map(|a| a.account_id.clone())
        .collect();
    let mut regions: Vec<String> = inventory
        .accounts
        .iter()
        .flat_map(|a| a.regions.iter().map(|r| r.region.clone()))
        .collect();
    accounts.sort();
    accounts.dedup();
    regions.sort();
    regions.dedup();
    ReportScope { accounts, regions }
}
