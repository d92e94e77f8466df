//! Exceptions: FAIL results a team deliberately accepts for a while, each with a
//! reason, an expiry date and (recommended) an owner.
//!
//! A FAIL result that an active exception matches becomes `EXCEPTED` and does not
//! count toward the exit code. An exception is active through the end of its
//! `expires` day (UTC), judged at the inventory's collection time so that a saved
//! inventory always gives the same report. Past it, the result is `FAIL` again and
//! says whose exception expired and when. An exception that matched no FAIL result
//! is `stale`: the VPC was fixed or is gone, and the entry should be removed.

use std::collections::HashMap;

use chrono::NaiveDate;
use wildmatch::WildMatch;

use crate::model::{Inventory, Vpc};
use crate::report::{CheckResult, Status};

pub mod model;
pub use model::{Exception, ExceptionCounts, ExceptionRef, ExceptionState, ExceptionUse};

/// Why an exception cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidException {
    #[error("`reason` must say why the failure is accepted")]
    NoReason,
    #[error("needs a resource selector: `resource`, `vpc` or `tags` (with optional `account` and `region`)")]
    NoSelector,
    #[error("`check = \"{0}\"` matches no check, flow-log finding or custom control (see `flowaudit checks`)")]
    UnknownCheck(String),
    #[error("`{field}` is empty")]
    Empty { field: &'static str },
}

impl Exception {
    /// Rejects entries that would silently match nothing or everything.
    pub fn validate(&self) -> Result<(), InvalidException> {
        self.validate_shape()?;
        self.validate_check(&[])
    }

    /// Everything [`Exception::validate`] checks but which check it names (a
    /// custom control's id is known only once the controls are read).
    pub fn validate_shape(&self) -> Result<(), InvalidException> {
        if self.reason.trim().is_empty() {
            return Err(InvalidException::NoReason);
        }
        for (field, value) in [
            ("check", Some(&self.check)),
            ("resource", self.resource.as_ref()),
            ("vpc", self.vpc.as_ref()),
            ("account", self.account.as_ref()),
            ("region", self.region.as_ref()),
        ] {
            if value.is_some_and(|v| v.trim().is_empty()) {
                return Err(InvalidException::Empty { field });
            }
        }
        if self.resource.is_none() && self.vpc.is_none() && self.tags.is_empty() {
            return Err(InvalidException::NoSelector);
        }
        Ok(())
    }

    /// Rejects a `check` that matches no built-in check or finding and none of
    /// the `custom` control ids.
    pub fn validate_check(&self, custom: &[String]) -> Result<(), InvalidException> {
        let check = WildMatch::new(&self.check);
        let known = crate::checks::catalog().any(|m| check.matches(m.id.as_str()))
            || custom.iter().any(|id| check.matches(id));
        if !known {
            return Err(InvalidException::UnknownCheck(self.check.clone()));
        }
        Ok(())
    }

    fn matches(&self, result: &CheckResult, vpc: Option<&Vpc>) -> bool {
        let glob = |pattern: &Option<String>, value: Option<&str>| match pattern {
            None => true,
            Some(p) => value.is_some_and(|v| WildMatch::new(p).matches(v)),
        };
        WildMatch::new(&self.check).matches(&result.check_id)
            && glob(&self.resource, Some(&result.resource_id))
            && glob(&self.vpc, result.vpc_id.as_deref())
            && glob(&self.account, Some(&result.account_id))
            && glob(&self.region, Some(result.region.as_str()))
            && self.tags.iter().all(|(key, pattern)| {
                vpc.and_then(|v| v.tags.get(key))
                    .is_some_and(|value| WildMatch::new(pattern).matches(value))
            })
    }
}

/// The exceptions by what can match them, so that matching stays linear in the
/// number of results and exceptions: one naming a literal resource id can only
/// match that resource's results, one naming a literal VPC id only that VPC's;
/// the others (globs, tags only) are tried on every result.
struct Index<'e> {
    by_resource: HashMap<&'e str, Vec<usize>>,
    by_vpc: HashMap<&'e str, Vec<usize>>,
    everywhere: Vec<usize>,
}

impl<'e> Index<'e> {
    fn new(exceptions: &'e [Exception]) -> Index<'e> {
        let literal = |p: &'e Option<String>| p.as_deref().filter(|p| !p.contains(['*', '?']));
        let mut index = Index {
            by_resource: HashMap::new(),
            by_vpc: HashMap::new(),
            everywhere: Vec::new(),
        };
        for (i, e) in exceptions.iter().enumerate() {
            if let Some(r) = literal(&e.resource) {
                index.by_resource.entry(r).or_default().push(i);
            } else if let Some(v) = literal(&e.vpc) {
                index.by_vpc.entry(v).or_default().push(i);
            } else {
                index.everywhere.push(i);
            }
        }
        index
    }

    /// The exceptions that may match `result`, in declaration order.
    fn candidates(&self, result: &CheckResult, out: &mut Vec<usize>) {
        out.clear();
        out.extend_from_slice(&self.everywhere);
        if let Some(list) = self.by_resource.get(result.resource_id.as_str()) {
            out.extend_from_slice(list);
        }
        if let Some(list) = result.vpc_id.as_deref().and_then(|v| self.by_vpc.get(v)) {
            out.extend_from_slice(list);
        }
        out.sort_unstable();
    }
}

/// Applies `exceptions` to the FAIL results, judged on `day`; returns what each
/// exception matched. For each result the first active matching exception wins;
/// failing that, the first expired one is recorded on the result.
pub fn apply(
    results: &mut [CheckResult],
    inventory: &Inventory,
    exceptions: &[Exception],
    day: NaiveDate,
) -> Vec<ExceptionUse> {
    let vpcs = inventory.vpc_index();
    let index = Index::new(exceptions);
    let mut matched = vec![0usize; exceptions.len()];
    let mut candidates = Vec::new();
    for result in results.iter_mut().filter(|r| r.status == Status::Fail) {
        let vpc = result.vpc_id.as_deref().and_then(|id| {
            vpcs.get(&(result.account_id.as_str(), result.region.as_str(), id))
                .copied()
        });
        index.candidates(result, &mut candidates);
        let hits: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&i| exceptions[i].matches(result, vpc))
            .collect();
        let chosen = hits
            .iter()
            .copied()
            .find(|&i| exceptions[i].active_on(day))
            .or_else(|| hits.first().copied());
        let Some(i) = chosen else { continue };
        matched[i] += 1;
        let e = &exceptions[i];
        let expired = !e.active_on(day);
        let owner = e.owner.as_deref().unwrap_or("no owner");
        if expired {
            result.message = format!(
                "{} (exception #{} of {owner} expired {})",
                result.message,
                i + 1,
                e.expires
            );
        } else {
            result.status = Status::Excepted;
            result.message = format!(
                "{} (excepted until {} by {owner}: {})",
                result.message, e.expires, e.reason
            );
        }
        result.exception = Some(ExceptionRef {
            index: i + 1,
            owner: e.owner.clone(),
            reason: e.reason.clone(),
            expires: e.expires,
            expired,
            source: e.source.clone(),
        });
    }
    // Exceptions that matched no failure: do they select results that were
    // not evaluated this run (a SKIPPED or ERROR VPC is not a fixed one)?
    let mut unjudged = vec![false; exceptions.len()];
    for result in results
        .iter()
        .filter(|r| matches!(r.status, Status::Skipped | Status::Error))
    {
        let vpc = result.vpc_id.as_deref().and_then(|id| {
            vpcs.get(&(result.account_id.as_str(), result.region.as_str(), id))
                .copied()
        });
        index.candidates(result, &mut candidates);
        for &i in &candidates {
            if matched[i] == 0 && !unjudged[i] && exceptions[i].matches(result, vpc) {
                unjudged[i] = true;
            }
        }
    }
    exceptions
        .iter()
        .zip(matched)
        .enumerate()
        .map(|(i, (e, n))| ExceptionUse {
            index: i + 1,
            state: match (n, e.active_on(day)) {
                (0, _) if unjudged[i] => ExceptionState::NotEvaluated,
                (0, _) => ExceptionState::Stale,
                (_, true) => ExceptionState::Active,
                (_, false) => ExceptionState::Expired,
            },
            matched: n,
            days_left: (e.expires - day).num_days(),
            exception: e.clone(),
        })
        .collect()
}

/// Summary counts of applied exceptions.
pub fn count(results: &[CheckResult], uses: &[ExceptionUse]) -> ExceptionCounts {
    let state = |s: ExceptionState| uses.iter().filter(|u| u.state == s).count();
    ExceptionCounts {
        configured: uses.len(),
        excepted_results: results
            .iter()
            .filter(|r| r.status == Status::Excepted)
            .count(),
        expired_results: results
            .iter()
            .filter(|r| r.status == Status::Fail && r.exception.as_ref().is_some_and(|e| e.expired))
            .count(),
        active: state(ExceptionState::Active),
        expired: state(ExceptionState::Expired),
        stale: state(ExceptionState::Stale),
        not_evaluated: state(ExceptionState::NotEvaluated),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{build_report, demo, Settings, Source};
    use std::collections::BTreeMap;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn exception(check: &str) -> Exception {
        Exception {
            check: check.into(),
            resource: None,
            vpc: None,
            account: None,
            region: None,
            tags: BTreeMap::new(),
            reason: "migration to the new network in Q1".into(),
            expires: day("2027-03-31"),
            owner: Some("net-team@example.com".into()),
            source: None,
        }
    }

    fn run(exceptions: &[Exception]) -> (Vec<CheckResult>, Vec<ExceptionUse>) {
        let inv = demo::inventory().unwrap_or_else(|e| panic!("{e}"));
        let mut results = build_report(&inv, &Settings::default(), &Source::Demo).results;
        let uses = apply(
            &mut results,
            &inv,
            exceptions,
            inv.collected_at.date_naive(),
        );
        (results, uses)
    }

    fn failing(results: &[CheckResult]) -> Vec<(&str, &str)> {
        results
            .iter()
            .filter(|r| r.status == Status::Fail)
            .map(|r| (r.check_id.as_str(), r.resource_id.as_str()))
            .collect()
    }

    /// The demo's first failing result on a VPC, as (check, vpc, account, region).
    fn first_fail() -> (String, String, String, String) {
        let (results, _) = run(&[]);
        let r = results
            .iter()
            .find(|r| {
                r.status == Status::Fail && r.resource_type == crate::report::ResourceType::Vpc
            })
            .unwrap_or_else(|| panic!("demo has no failing VPC"));
        (
            r.check_id.clone(),
            r.resource_id.clone(),
            r.account_id.clone(),
            r.region.to_string(),
        )
    }

    /// The index finds exactly what trying every exception on every result
    /// finds, and keeps declaration order: the first matching exception wins,
    /// whichever bucket it sits in.
    #[test]
    fn the_index_matches_like_trying_every_exception() {
        let (check, vpc, _, _) = first_fail();
        let mut literal_vpc = exception(&check);
        literal_vpc.vpc = Some(vpc.clone());
        literal_vpc.owner = Some("literal".into());
        let mut glob_vpc = exception("*");
        glob_vpc.vpc = Some(format!("{}*", &vpc[..vpc.len() - 1]));
        glob_vpc.owner = Some("glob".into());
        let mut literal_resource = exception("*");
        literal_resource.resource = Some(vpc.clone());
        literal_resource.owner = Some("resource".into());
        let mut expired = exception("*");
        expired.vpc = Some(vpc.clone());
        expired.expires = day("2000-01-01");
        let list = [expired, glob_vpc, literal_vpc, literal_resource];
        let inv = demo::inventory().unwrap_or_else(|e| panic!("{e}"));
        let vpcs = inv.vpc_index();
        let (before, _) = run(&[]);
        let (after, _) = run(&list);
        let today = inv.collected_at.date_naive();
        for (b, a) in before.iter().zip(&after) {
            if b.status != Status::Fail {
                continue;
            }
            let v = b.vpc_id.as_deref().and_then(|id| {
                vpcs.get(&(b.account_id.as_str(), b.region.as_str(), id))
                    .copied()
            });
            let naive = list
                .iter()
                .position(|e| e.matches(b, v) && e.active_on(today))
                .or_else(|| list.iter().position(|e| e.matches(b, v)));
            assert_eq!(a.exception.as_ref().map(|e| e.index - 1), naive, "{b:?}");
        }
        assert!(after
            .iter()
            .any(|r| r.exception.as_ref().and_then(|e| e.owner.as_deref()) == Some("glob")));
    }

    /// An exception whose results were only SKIPPED (or ERROR) this run is
    /// "not evaluated", not "stale": its VPC was not judged, not fixed.
    #[test]
    fn an_exception_on_unjudged_results_is_not_called_stale() {
        let (before, _) = run(&[]);
        let skipped = before
            .iter()
            .find(|r| r.status == Status::Skipped && r.vpc_id.is_some())
            .unwrap_or_else(|| panic!("the demo has a SKIPPED VPC result"));
        let passing = before
            .iter()
            .find(|r| {
                r.status == Status::Pass
                    && r.vpc_id.is_some()
                    && !before.iter().any(|o| {
                        o.vpc_id == r.vpc_id && o.check_id == r.check_id && o.status != Status::Pass
                    })
            })
            .unwrap_or_else(|| panic!("the demo has a passing VPC result"));
        let mut unjudged = exception(&skipped.check_id);
        unjudged.vpc = skipped.vpc_id.clone();
        let mut fixed = exception(&passing.check_id);
        fixed.vpc = passing.vpc_id.clone();
        let (results, uses) = run(&[unjudged, fixed]);
        assert_eq!(uses[0].state, ExceptionState::NotEvaluated, "{:?}", uses[0]);
        assert_eq!(uses[1].state, ExceptionState::Stale, "{:?}", uses[1]);
        let counts = count(&results, &uses);
        assert_eq!((counts.stale, counts.not_evaluated), (1, 1));
    }

    #[test]
    fn each_selector_narrows_the_match() {
        let (check, vpc, account, region) = first_fail();
        let (before, _) = run(&[]);
        let fails = failing(&before).len();

        let mut by_vpc = exception(&check);
        by_vpc.vpc = Some(vpc.clone());
        let (after, uses) = run(std::slice::from_ref(&by_vpc));
        assert_eq!(uses[0].state, ExceptionState::Active);
        assert_eq!(failing(&after).len(), fails - uses[0].matched);
        let excepted: Vec<&CheckResult> = after
            .iter()
            .filter(|r| r.status == Status::Excepted)
            .collect();
        assert_eq!(excepted.len(), uses[0].matched);
        assert!(excepted
            .iter()
            .all(|r| r.vpc_id.as_deref() == Some(vpc.as_str()) && r.check_id == check));
        let carried = excepted[0].exception.as_ref();
        assert_eq!(
            carried.and_then(|e| e.owner.as_deref()),
            Some("net-team@example.com")
        );

        let mut by_resource = exception("*");
        by_resource.resource = Some(vpc.clone());
        let (_, uses) = run(&[by_resource.clone()]);
        assert!(uses[0].matched >= 1);

        let mut wrong_account = by_resource.clone();
        wrong_account.account = Some("999999999999".into());
        assert_eq!(run(&[wrong_account]).1[0].state, ExceptionState::Stale);
        let mut right_account = by_resource.clone();
        right_account.account = Some(account);
        assert_eq!(run(&[right_account]).1[0].state, ExceptionState::Active);

        let mut wrong_region = by_resource.clone();
        wrong_region.region = Some("xx-none-1".into());
        assert_eq!(run(&[wrong_region]).1[0].state, ExceptionState::Stale);
        let mut right_region = by_resource;
        right_region.region = Some(region);
        assert_eq!(run(&[right_region]).1[0].state, ExceptionState::Active);
    }

    #[test]
    fn tags_and_globs_select_vpcs() {
        // Every failing result on a VPC tagged env=dev or env=staging (glob).
        let mut by_tag = exception("vpc-flow-logs-*");
        by_tag.tags.insert("env".into(), "*ev*".into());
        let (after, uses) = run(&[by_tag]);
        assert!(uses[0].matched >= 1, "{uses:?}");
        let inv = demo::inventory().unwrap_or_else(|e| panic!("{e}"));
        for r in after.iter().filter(|r| r.status == Status::Excepted) {
            assert!(r.check_id.starts_with("vpc-flow-logs-"));
            let vpc = inv
                .accounts
                .iter()
                .flat_map(|a| &a.regions)
                .flat_map(|rg| &rg.vpcs)
                .find(|v| Some(v.vpc_id.as_str()) == r.vpc_id.as_deref());
            let env = vpc.and_then(|v| v.tags.get("env")).map(String::as_str);
            assert_eq!(env, Some("dev"), "{}", r.resource_id);
        }
        // A glob over every VPC id.
        let mut all = exception("*");
        all.vpc = Some("vpc-*".into());
        let (after, _) = run(&[all]);
        assert!(failing(&after)
            .iter()
            .all(|(_, res)| !res.starts_with("vpc-")));
    }

    #[test]
    fn expired_exception_fails_again_and_says_whose() {
        let (check, vpc, ..) = first_fail();
        let mut old = exception(&check);
        old.vpc = Some(vpc.clone());
        old.expires = day("2026-01-31");
        old.owner = Some("alice@example.com".into());
        let (after, uses) = run(&[old.clone()]);
        assert_eq!(uses[0].state, ExceptionState::Expired);
        assert!(uses[0].days_left < 0);
        let r = after
            .iter()
            .find(|r| r.check_id == check && r.resource_id == vpc)
            .unwrap_or_else(|| panic!("result gone"));
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.message.contains("alice@example.com expired 2026-01-31"),
            "{}",
            r.message
        );
        assert_eq!(r.exception.as_ref().map(|e| e.expired), Some(true));
        // An active exception for the same result wins over the expired one.
        let mut renewed = old.clone();
        renewed.expires = day("2027-01-31");
        let (after, uses) = run(&[old, renewed]);
        assert_eq!(uses[0].state, ExceptionState::Stale);
        assert_eq!(uses[1].state, ExceptionState::Active);
        assert!(after
            .iter()
            .any(|r| r.resource_id == vpc && r.status == Status::Excepted));
    }

    #[test]
    fn expiry_day_itself_is_still_covered() {
        let (check, vpc, ..) = first_fail();
        let inv = demo::inventory().unwrap_or_else(|e| panic!("{e}"));
        let mut e = exception(&check);
        e.vpc = Some(vpc);
        e.expires = inv.collected_at.date_naive();
        assert_eq!(run(&[e.clone()]).1[0].state, ExceptionState::Active);
        e.expires = e.expires.pred_opt().unwrap_or(e.expires);
        assert_eq!(run(&[e]).1[0].state, ExceptionState::Expired);
    }

    #[test]
    fn validation_rejects_what_would_mislead() {
        let mut e = exception("vpc-flow-logs-enabled");
        assert_eq!(e.validate(), Err(InvalidException::NoSelector));
        e.vpc = Some("vpc-1".into());
        assert_eq!(e.validate(), Ok(()));
        e.check = "vpc-flow-log-enabled".into();
        assert!(matches!(
            e.validate(),
            Err(InvalidException::UnknownCheck(_))
        ));
        e.check = "flow-log-*".into();
        assert_eq!(e.validate(), Ok(()));
        e.reason = "  ".into();
        assert_eq!(e.validate(), Err(InvalidException::NoReason));
        e.reason = "ok".into();
        e.region = Some(String::new());
        assert_eq!(
            e.validate(),
            Err(InvalidException::Empty { field: "region" })
        );
    }
}
