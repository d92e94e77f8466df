//! What changed between two reports: newly failing, fixed, still failing, newly
//! excepted, and failures whose resource is no longer evaluated.
//!
//! Results are matched by (check, account, region, resource). Results that did not
//! change in a way that matters (PASS to PASS, EXCEPTED to EXCEPTED) are counted
//! but not listed.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::report::{CheckResult, Report, Severity, Status};

/// The schema identifier of `flowaudit diff --format json`.
pub const DIFF_SCHEMA: &str = "flowaudit.diff/v1";

/// How one finding changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// FAIL now; not FAIL before (new resource, regression, or expired exception).
    NewlyFailing,
    /// FAIL or EXCEPTED before; PASS now.
    Fixed,
    /// FAIL before and now.
    StillFailing,
    /// EXCEPTED now; not before.
    NewlyExcepted,
    /// FAIL or EXCEPTED before; now absent, SKIPPED or ERROR (deleted, out of scope,
    /// or unreadable: not a fix).
    NoLongerEvaluated,
}

impl Change {
    pub const ALL: [Change; 5] = [
        Change::NewlyFailing,
        Change::Fixed,
        Change::StillFailing,
        Change::NewlyExcepted,
        Change::NoLongerEvaluated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Change::NewlyFailing => "newly failing",
            Change::Fixed => "fixed",
            Change::StillFailing => "still failing",
            Change::NewlyExcepted => "newly excepted",
            Change::NoLongerEvaluated => "no longer evaluated",
        }
    }

    fn of(before: Option<Status>, after: Option<Status>) -> Option<Change> {
        use Status::*;
        let was_open = matches!(before, Some(Fail | Excepted));
        match after {
            Some(Fail) if before == Some(Fail) => Some(Change::StillFailing),
            Some(Fail) => Some(Change::NewlyFailing),
            Some(Excepted) if before != Some(Excepted) => Some(Change::NewlyExcepted),
            Some(Pass) if was_open => Some(Change::Fixed),
            Some(Skipped | Error) | None if was_open => Some(Change::NoLongerEvaluated),
            _ => None,
        }
    }
}

/// Which run or file a side of the diff is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Side {
    /// `run #12` or a file name.
    pub label: String,
    pub source: String,
    pub collected_at: DateTime<Utc>,
    pub scope: String,
}

/// One listed change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub change: Change,
    pub check_id: String,
    pub severity: Severity,
    pub account_id: String,
    pub region: String,
    pub resource_type: crate::report::ResourceType,
    pub resource_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_name: Option<String>,
    pub before: Option<Status>,
    pub after: Option<Status>,
    /// The newer message where there is one, else the older.
    pub message: String,
}

/// The comparison of two reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    pub schema: String,
    pub old: Side,
    pub new: Side,
    /// Entries per change (all five always present), plus `unchanged`.
    pub counts: BTreeMap<String, usize>,
    pub changes: Vec<Entry>,
}

impl Diff {
    pub fn count(&self, change: Change) -> usize {
        self.changes.iter().filter(|e| e.change == change).count()
    }
}

/// Compares `old` with `new`; entries are ordered by change, then as in the reports.
pub fn diff(old: &Report, old_label: &str, new: &Report, new_label: &str) -> Diff {
    let before: HashMap<_, &CheckResult> = old.results.iter().map(|r| (r.key(), r)).collect();
    let mut seen = std::collections::HashSet::new();
    let mut changes = Vec::new();
    let mut unchanged = 0usize;
    let mut push = |change: Option<Change>,
                    r: &CheckResult,
                    b: Option<Status>,
                    a: Option<Status>| {
        match change {
            Some(change) => changes.push(Entry {
                change,
                check_id: r.check_id.clone(),
                severity: r.severity,
                account_id: r.account_id.clone(),
                region: r.region.to_string(),
                resource_type: r.resource_type.clone(),
                resource_id: r.resource_id.clone(),
                vpc_id: r.vpc_id.clone(),
                vpc_name: r.vpc_name.clone(),
                before: b,
                after: a,
                message: r.message.clone(),
            }),
            None => unchanged += 1,
        }
    };
    for r in &new.results {
        seen.insert(r.key());
        let b = before.get(&r.key()).map(|o| o.status);
        push(Change::of(b, Some(r.status)), r, b, Some(r.status));
    }
    for r in old.results.iter().filter(|r| !seen.contains(&r.key())) {
        push(Change::of(Some(r.status), None), r, Some(r.status), None);
    }
    changes.sort_by_key(|e| e.change);
    let mut counts: BTreeMap<String, usize> = Change::ALL
        .iter()
        .map(|c| (key(*c), changes.iter().filter(|e| e.change == *c).count()))
        .collect();
    counts.insert("unchanged".into(), unchanged);
    let side = |r: &Report, label: &str| Side {
        label: label.to_string(),
        source: r.source.clone(),
        collected_at: r.collected_at,
        scope: r.scope.key(),
    };
    Diff {
        schema: DIFF_SCHEMA.to_string(),
        old: side(old, old_label),
        new: side(new, new_label),
        counts,
        changes,
    }
}

fn key(change: Change) -> String {
    serde_json::to_value(change)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| change.as_str().replace(' ', "_"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{build_report, demo, Settings, Source};

    #[test]
    fn change_table() {
        use Status::*;
        let cases = [
            (None, Some(Fail), Some(Change::NewlyFailing)),
            (Some(Pass), Some(Fail), Some(Change::NewlyFailing)),
            (Some(Excepted), Some(Fail), Some(Change::NewlyFailing)),
            (Some(Fail), Some(Fail), Some(Change::StillFailing)),
            (Some(Fail), Some(Pass), Some(Change::Fixed)),
            (Some(Excepted), Some(Pass), Some(Change::Fixed)),
            (Some(Fail), Some(Excepted), Some(Change::NewlyExcepted)),
            (Some(Excepted), Some(Excepted), None),
            (Some(Fail), None, Some(Change::NoLongerEvaluated)),
            (Some(Fail), Some(Skipped), Some(Change::NoLongerEvaluated)),
            (Some(Pass), Some(Pass), None),
            (Some(Pass), None, None),
            (None, Some(Pass), None),
        ];
        for (b, a, want) in cases {
            assert_eq!(Change::of(b, a), want, "{b:?} -> {a:?}");
        }
    }

    #[test]
    fn fixing_a_vpc_shows_as_fixed() {
        let inv = demo::inventory().unwrap_or_else(|e| panic!("{e}"));
        let old = build_report(&inv, &Settings::default(), &Source::Demo);
        let same = diff(&old, "a", &old, "b");
        assert!(same
            .changes
            .iter()
            .all(|e| e.change == Change::StillFailing));
        assert_eq!(
            same.counts["unchanged"] + same.changes.len(),
            old.results.len()
        );

        // Fix one failing result by hand, drop another resource, add a failure.
        let mut new = old.clone();
        let i = new
            .results
            .iter()
            .position(|r| r.status == Status::Fail)
            .unwrap_or_else(|| panic!("no failure in the demo"));
        new.results[i].status = Status::Pass;
        let fixed_id = new.results[i].resource_id.clone();
        let j = new
            .results
            .iter()
            .position(|r| r.status == Status::Pass && r.resource_id != fixed_id)
            .unwrap_or_else(|| panic!("no pass in the demo"));
        new.results[j].status = Status::Fail;
        let d = diff(&old, "a", &new, "b");
        assert_eq!(d.count(Change::Fixed), 1);
        assert_eq!(d.count(Change::NewlyFailing), 1);
        assert_eq!(d.changes[0].change, Change::NewlyFailing);
        assert!(d
            .changes
            .iter()
            .any(|e| e.change == Change::Fixed && e.resource_id == fixed_id));
        let k = new
            .results
            .iter()
            .enumerate()
            .position(|(n, r)| r.status == Status::Fail && n != i && n != j)
            .unwrap_or_else(|| panic!("no other failure"));
        new.results.remove(k);
        let d = diff(&old, "a", &new, "b");
        assert_eq!(d.count(Change::NoLongerEvaluated), 1);
    }
}
