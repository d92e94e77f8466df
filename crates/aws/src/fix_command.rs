//! `flowaudit fix` and `flowaudit rollback` as a library: scan, choose the failures and their plans
//! ([`propose`]), then apply the merged actions with a journal, re-scan what they
//! touched and compare each chosen failure before and after ([`apply`]). The
//! binary only asks for confirmation and prints; every decision is here, in
//! typed results.

use std::collections::BTreeSet;

use flowaudit_core::remediation::{unique_actions, Action, Plan};
use flowaudit_core::{CheckResult, Inventory, Report, Status};

use crate::collect::{connect, ensure_readable, scan, Progress, ScanError, ScanOptions, Silent};
use crate::fix::{self, FixError, Outcome};
use crate::journal::{Entry, Journal};
use crate::rollback::Failure;

/// One failure chosen for fixing, with its plan.
#[derive(Debug, Clone)]
pub struct Chosen {
    pub check_id: String,
    pub resource_id: String,
    pub region: String,
    pub vpc_id: Option<String>,
    pub plan: Plan,
}

/// What `fix` would do: the report it judged, the failures chosen and the
/// actions (merged across plans) that fix them.
#[derive(Debug)]
pub struct Proposal {
    pub report: Report,
    pub chosen: Vec<Chosen>,
    pub actions: Vec<Action>,
}

/// Scans, judges with `judge`, and keeps the FAIL results with a plan that
/// `wanted` selects.
pub async fn propose(
    opts: ScanOptions,
    progress: &dyn Progress,
    judge: impl Fn(&Inventory) -> Report,
    wanted: impl Fn(&CheckResult) -> bool,
) -> Result<Proposal, ScanError> {
    let before = scan(opts, progress).await?;
    ensure_readable(&before.inventory)?;
    let report = judge(&before.inventory);
    let chosen: Vec<Chosen> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Fail && wanted(r))
        .filter_map(|r| {
            Some(Chosen {
                check_id: r.check_id.clone(),
                resource_id: r.resource_id.clone(),
                region: r.region.to_string(),
                vpc_id: r.vpc_id.clone(),
                plan: r.remediation.clone()?,
            })
        })
        .collect();
    let actions = unique_actions(chosen.iter().map(|c| &c.plan));
    Ok(Proposal {
        report,
        chosen,
        actions,
    })
}

pub use flowaudit_core::remediation::outcome::BeforeAfter;

/// What applying did.
#[derive(Debug)]
pub struct Applied {
    pub outcomes: Vec<Outcome>,
    pub compared: Vec<BeforeAfter>,
}

impl Applied {
    /// How many chosen failures still fail after the fix.
    pub fn still_failing(&self) -> usize {
        self.compared
            .iter()
            .filter(|c| c.now == Some(Status::Fail))
            .count()
    }
}

/// Why applying stopped.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Applying stopped part-way; the journal holds what was changed.
    #[error(transparent)]
    Stopped(#[from] FixError),
    /// The changes were made but the re-scan failed.
    #[error("the changes were made, but the re-scan failed: {0}")]
    Rescan(ScanError),
    #[error(transparent)]
    Connect(ScanError),
    /// The journal could not be created: nothing was changed.
    #[error("{0}")]
    Journal(String),
}

/// The regions to re-scan after a fix: those of the chosen failures (a bucket
/// has no region of its own in a plan, its flow log's region has) and of the
/// regional actions.
pub fn regions_touched(chosen: &[Chosen], actions: &[Action]) -> Vec<String> {
    let regions: BTreeSet<String> = chosen
        .iter()
        .map(|c| c.region.clone())
        .chain(
            actions
                .iter()
                .filter_map(|a| a.region().map(str::to_string)),
        )
        .collect();
    regions.into_iter().collect()
}

/// Applies the proposal's actions (journaled before each change moves on),
/// re-scans the regions they touched, and compares each chosen failure.
/// `account_id` receives the account the credentials are for, before any change
/// is made, so the caller can create the journal for it.
pub async fn apply(
    opts: ScanOptions,
    proposal: &Proposal,
    open_journal: impl FnOnce(&str) -> Result<Journal, String>,
    stop_after: Option<usize>,
    judge: impl Fn(&Inventory) -> Report,
) -> Result<(Journal, Applied), ApplyError> {
    let (ctx, account_id) = connect(opts.clone()).await.map_err(ApplyError::Connect)?;
    let mut journal = open_journal(&account_id).map_err(ApplyError::Journal)?;
    let outcomes = fix::apply(&ctx, &proposal.actions, &mut journal, stop_after).await?;
    let mut again = opts;
    again.regions = Some(regions_touched(&proposal.chosen, &proposal.actions));
    let after = scan(again, &Silent).await.map_err(ApplyError::Rescan)?;
    let after = judge(&after.inventory);
    let compared = proposal
        .chosen
        .iter()
        .map(|c| BeforeAfter {
            check_id: c.check_id.clone(),
            resource_id: c.resource_id.clone(),
            vpc_id: c.vpc_id.clone(),
            now: after
                .results
                .iter()
                .find(|r| r.check_id == c.check_id && r.resource_id == c.resource_id)
                .map(|r| r.status),
        })
        .collect();
    Ok((journal, Applied { outcomes, compared }))
}

/// Why a rollback did not run to the end.
#[derive(Debug, thiserror::Error)]
pub enum RollbackError {
    #[error(transparent)]
    Connect(ScanError),
    /// The journal is another account's: nothing is touched.
    #[error(
        "records changes in account {journal}, but these credentials are for account {credentials}"
    )]
    OtherAccount {
        journal: String,
        credentials: String,
    },
    /// Entries that do not match what flowaudit created or set (one line each):
    /// nothing was undone.
    #[error(
        "refusing to roll back: {} of the journal do not match what flowaudit created or set, so undoing them could remove or change something that is not flowaudit's; nothing was undone",
        entries(.0.len())
    )]
    Refused(Vec<String>),
    /// A step failed; the changes in `undone` (the journal's later ones) were
    /// undone before it, the earlier ones are left.
    #[error("{error}")]
    Failed { undone: Vec<String>, error: String },
}

fn entries(n: usize) -> String {
    format!("{n} entr{}", if n == 1 { "y" } else { "ies" })
}

/// `flowaudit rollback` as a library: connects, refuses a journal of another
/// account, and undoes its entries in reverse order; returns what was undone.
pub async fn rollback(opts: ScanOptions, entries: &[Entry]) -> Result<Vec<String>, RollbackError> {
    let (ctx, account_id) = connect(opts).await.map_err(RollbackError::Connect)?;
    if let Some(other) = entries.iter().find(|e| e.account_id != account_id) {
        return Err(RollbackError::OtherAccount {
            journal: other.account_id.clone(),
            credentials: account_id,
        });
    }
    crate::rollback::rollback(&ctx, entries)
        .await
        .map_err(|f| match f {
            Failure::Refused(why) => RollbackError::Refused(why),
            Failure::Step { undone, error } => RollbackError::Failed { undone, error },
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bucket's lifecycle has no region in its action; the failure it fixes
    /// has one, and that region is re-scanned (it was "no region to scan").
    #[test]
    fn a_bucket_fix_rescans_its_flow_logs_region() {
        let action = Action::RaiseBucketExpiration {
            bucket: "logs".into(),
            prefix: String::new(),
            min_days: 365,
            current_days: 30,
        };
        assert_eq!(action.region(), None);
        let chosen = Chosen {
            check_id: "flow-log-retention".into(),
            resource_id: "fl-1".into(),
            region: "eu-west-1".into(),
            vpc_id: Some("vpc-1".into()),
            plan: Plan::new(
                "Keep".into(),
                "123456789012",
                "eu-west-1",
                Some("vpc-1"),
                vec![action.clone()],
            ),
        };
        assert_eq!(regions_touched(&[chosen], &[action]), vec!["eu-west-1"]);
    }
}
