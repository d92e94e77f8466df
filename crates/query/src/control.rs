//! Runs custom controls: each control's stored query over the inventory's
//! tables, its rows read into one result per covered resource.
//!
//! Every covered resource gets a result; nothing is dropped. A row that names a
//! resource the inventory does not have, a status outside
//! [`flowaudit_core::controls::STATUSES`], a missing or mistyped column, or two
//! rows for one resource (in the `rows` form) stops the run with an error that
//! names the control's file and line. A region or account that could not be
//! read gives ERROR for every control there, as it does for the built-in checks.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use flowaudit_core::checks::unread_result;
use flowaudit_core::context::RegionCtx;
use flowaudit_core::controls::{parse_status, ControlInfo, Covers, Expect, STATUSES};
use flowaudit_core::model::{AccountInventory, RegionInventory, Vpc};
use flowaudit_core::region::ResultRegion;
use flowaudit_core::report::{CheckResult, ResourceType, Status};
use flowaudit_core::{Inventory, Settings};
use rusqlite::types::Value;
use serde_json::json;

use crate::db::{Database, QueryError, Rows};

/// A custom control ready to run: what the report keeps of it, where its SQL
/// starts in its file (SQLite's line and column are moved there), and its
/// time limit.
#[derive(Debug, Clone)]
pub struct Control {
    pub info: ControlInfo,
    /// File, 1-based line and column where the SQL text begins.
    pub sql_at: (String, usize, usize),
    pub time_limit: Duration,
}

impl Control {
    /// A built-in check's stored query ([`flowaudit_core::checks::Check::query`])
    /// as a control that covers VPCs, with id `<check>-as-query`: run beside
    /// the check, it must give the same verdicts.
    pub fn from_check(check: &flowaudit_core::checks::Check) -> Option<Control> {
        let sql = check.query?;
        let m = check.meta;
        Some(Control {
            info: ControlInfo {
                id: format!("{}-as-query", m.id),
                title: m.title.to_string(),
                severity: m.severity,
                description: m.passes_when.to_string(),
                covers: Covers::Vpc,
                expect: Expect::Rows,
                sql: sql.to_string(),
                compliance: m.compliance_refs(),
                remediation: Some(m.remediation.to_string()),
                source: format!("built-in check {}", m.id),
            },
            sql_at: (format!("built-in check {}", m.id), 1, 1),
            time_limit: Duration::from_secs(30),
        })
    }
}

/// Why the controls could not run: the place (`file:line[:column]`), the
/// control and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{at}: control `{control}`: {message}")]
pub struct ControlError {
    pub at: String,
    pub control: String,
    pub message: String,
}

/// Runs every control over `inventory` (its tables loaded once into `db`).
pub fn run(
    controls: &[Control],
    db: &Database,
    inventory: &Inventory,
    settings: &Settings,
) -> Result<Vec<CheckResult>, ControlError> {
    let scope = Scope::new(inventory, settings);
    let mut out = Vec::new();
    for control in controls {
        let rows = db
            .query(&control.info.sql, control.time_limit)
            .map_err(|e| sql_error(control, e))?;
        out.extend(judge(control, &rows, &scope)?);
    }
    Ok(out)
}

/// One resource a control may name.
struct Target<'a> {
    account: &'a AccountInventory,
    region: &'a RegionInventory,
    vpc: Option<&'a Vpc>,
    /// Why the built-in checks skip this VPC (the settings' scope), if they do.
    skip_reason: Option<String>,
}

/// Every resource of each covered kind, by id, and the places that could not be read.
struct Scope<'a> {
    by_kind: HashMap<Covers, BTreeMap<&'a str, Vec<Target<'a>>>>,
    /// (account, region or "all", resource type, resource id, reason).
    unread: Vec<(&'a str, &'a str, ResourceType, &'a str, String)>,
}

impl<'a> Scope<'a> {
    fn new(inventory: &'a Inventory, settings: &'a Settings) -> Scope<'a> {
        let mut by_kind: HashMap<Covers, BTreeMap<&str, Vec<Target>>> = HashMap::new();
        let mut unread = Vec::new();
        for account in &inventory.accounts {
            if let Some(e) = &account.error {
                unread.push((
                    account.account_id.as_str(),
                    "all",
                    ResourceType::Account,
                    account.account_id.as_str(),
                    format!("account could not be read: {e}"),
                ));
                continue;
            }
            for region in &account.regions {
                if let Some(e) = &region.error {
                    unread.push((
                        account.account_id.as_str(),
                        region.region.as_str(),
                        ResourceType::Region,
                        region.region.as_str(),
                        format!("region could not be read: {e}"),
                    ));
                    continue;
                }
                let ctx = RegionCtx::new(inventory.collected_at, settings, account, region);
                let target = |vpc: Option<&'a Vpc>, skip: Option<String>| Target {
                    account,
                    region,
                    vpc,
                    skip_reason: skip,
                };
                for v in &ctx.vpcs {
                    by_kind
                        .entry(Covers::Vpc)
                        .or_default()
                        .entry(v.vpc.vpc_id.as_str())
                        .or_default()
                        .push(target(Some(v.vpc), v.skip_reason.clone()));
                    for f in &v.flow_logs {
                        by_kind
                            .entry(Covers::FlowLog)
                            .or_default()
                            .entry(f.flow_log_id.as_str())
                            .or_default()
                            .push(target(Some(v.vpc), v.skip_reason.clone()));
                    }
                }
                for f in &ctx.unattached {
                    by_kind
                        .entry(Covers::FlowLog)
                        .or_default()
                        .entry(f.flow_log_id.as_str())
                        .or_default()
                        .push(target(None, None));
                }
            }
        }
        Scope { by_kind, unread }
    }
}

/// What the rows say about one resource.
struct Verdict {
    status: Status,
    reasons: Vec<String>,
}

/// The rows of one control, read into one result per covered resource.
fn judge(
    control: &Control,
    rows: &Rows,
    scope: &Scope<'_>,
) -> Result<Vec<CheckResult>, ControlError> {
    let info = &control.info;
    let fail = |message: String| ControlError {
        at: format!("{}:{}", control.sql_at.0, control.sql_at.1),
        control: info.id.clone(),
        message,
    };
    let column = |name: &str| {
        rows.columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
    };
    let resource_col = column("resource").ok_or_else(|| {
        fail(format!(
            "the query returns no `resource` column (it returns: {}); name the {} in a column called resource",
            list(&rows.columns),
            info.covers.as_str()
        ))
    })?;
    let status_col = column("status");
    if info.expect == Expect::Rows && status_col.is_none() {
        return Err(fail(format!(
            "the query returns no `status` column (it returns: {}); each row needs resource, status ({STATUSES}) and reason, or set expect = \"empty\" to make the rows the failures",
            list(&rows.columns)
        )));
    }
    let reason_col = column("reason");
    let (account_col, region_col) = (column("account_id"), column("region"));
    let empty = BTreeMap::new();
    let targets = scope.by_kind.get(&info.covers).unwrap_or(&empty);

    let mut verdicts: HashMap<(&str, usize), Verdict> = HashMap::new();
    for (n, row) in rows.rows.iter().enumerate() {
        let n = n + 1;
        let text = |i: usize, name: &str| -> Result<Option<String>, ControlError> {
            match &row[i] {
                Value::Text(t) => Ok(Some(t.clone())),
                Value::Null => Ok(None),
                Value::Integer(v) if name != "resource" && name != "status" => {
                    Ok(Some(v.to_string()))
                }
                other => Err(fail(format!(
                    "row {n}: `{name}` is {}, not text",
                    kind(other)
                ))),
            }
        };
        let resource = text(resource_col, "resource")?
            .ok_or_else(|| fail(format!("row {n}: `resource` is NULL")))?;
        let shown = flowaudit_core::escape::terminal::show(&resource);
        let (id, candidates) = targets.get_key_value(resource.as_str()).ok_or_else(|| {
            fail(format!(
                "row {n} names `{shown}`, which is not a {} in the inventory",
                info.covers.as_str()
            ))
        })?;
        let account = account_col
            .map(|i| text(i, "account_id"))
            .transpose()?
            .flatten();
        let region = region_col.map(|i| text(i, "region")).transpose()?.flatten();
        let matching: Vec<usize> = candidates
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                account.as_deref().is_none_or(|a| a == t.account.account_id)
                    && region.as_deref().is_none_or(|r| r == t.region.region)
            })
            .map(|(i, _)| i)
            .collect();
        let which = match matching.as_slice() {
            [one] => *one,
            [] => {
                return Err(fail(format!(
                    "row {n} names `{shown}` in account {} region {}, where the inventory has no such {}",
                    account.as_deref().unwrap_or("(any)"),
                    region.as_deref().unwrap_or("(any)"),
                    info.covers.as_str()
                )))
            }
            _ => {
                return Err(fail(format!(
                    "row {n} names `{shown}`, which is in {} places; return account_id and region columns to say which",
                    matching.len()
                )))
            }
        };
        let status = match (info.expect, status_col) {
            (Expect::Empty, _) => Status::Fail,
            (Expect::Rows, Some(i)) => {
                let given =
                    text(i, "status")?.ok_or_else(|| fail(format!("row {n}: `status` is NULL")))?;
                parse_status(&given).ok_or_else(|| {
                    fail(format!(
                        "row {n}: status `{}` is not one of {STATUSES}",
                        flowaudit_core::escape::terminal::show(&given)
                    ))
                })?
            }
            (Expect::Rows, None) => Status::Error,
        };
        let reason = reason_col.map(|i| text(i, "reason")).transpose()?.flatten();
        match verdicts.entry((id, which)) {
            std::collections::hash_map::Entry::Occupied(mut seen) => {
                if info.expect == Expect::Rows {
                    return Err(fail(format!(
                        "row {n} names `{shown}` again; the rows form takes exactly one row per {}",
                        info.covers.as_str()
                    )));
                }
                seen.get_mut().reasons.extend(reason);
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(Verdict {
                    status,
                    reasons: reason.into_iter().collect(),
                });
            }
        }
    }

    let mut out = Vec::new();
    for (id, candidates) in targets {
        for (i, target) in candidates.iter().enumerate() {
            out.push(result(control, id, target, verdicts.remove(&(id, i))));
        }
    }
    for (account, region, kind, resource, reason) in &scope.unread {
        out.push(unread_result(
            &info.id,
            info.severity,
            info.compliance.clone(),
            (account, region),
            (kind.clone(), resource),
            reason,
        ));
    }
    Ok(out)
}

/// The result for one covered resource.
fn result(
    control: &Control,
    id: &str,
    target: &Target<'_>,
    verdict: Option<Verdict>,
) -> CheckResult {
    let info = &control.info;
    let kind = info.covers.as_str();
    let (status, message) = match (&target.skip_reason, verdict, info.expect) {
        (Some(skip), _, _) => (Status::Skipped, skip.clone()),
        (None, Some(v), _) => {
            let reason = if v.reasons.is_empty() {
                match v.status {
                    Status::Fail if info.expect == Expect::Empty => {
                        "the control's query returned it (expected: no rows)".to_string()
                    }
                    _ => format!("the control's query gave {}", v.status.as_str()),
                }
            } else {
                v.reasons.join("; ")
            };
            (v.status, reason)
        }
        (None, None, Expect::Empty) => (
            Status::Pass,
            "the control's query did not return it (expected: no rows)".to_string(),
        ),
        (None, None, Expect::Rows) => (
            Status::Error,
            format!("the control's query returned no row for this {kind}; return one per {kind} (status skip to leave one out)"),
        ),
    };
    CheckResult {
        check_id: info.id.clone(),
        status,
        severity: info.severity,
        account_id: target.account.account_id.clone(),
        region: ResultRegion::Named(target.region.region.clone()),
        resource_type: info.covers.resource_type(),
        resource_id: id.to_string(),
        vpc_id: target.vpc.map(|v| v.vpc_id.clone()),
        vpc_name: target.vpc.and_then(Vpc::name).map(str::to_string),
        message,
        evidence: json!({ "control": info.id, "source": info.source, "expect": info.expect.as_str() }),
        compliance: info.compliance.clone(),
        priority: None,
        exception: None,
        remediation: None,
        location: None,
    }
}

/// SQLite's complaint, at the place in the control's file.
fn sql_error(control: &Control, e: QueryError) -> ControlError {
    let (file, line, column) = &control.sql_at;
    let at = match &e {
        QueryError::Sql {
            line: Some(l),
            column: Some(c),
            ..
        } => {
            let col = if *l == 1 { column + c - 1 } else { *c };
            format!("{file}:{}:{col}", line + l - 1)
        }
        _ => format!("{file}:{line}"),
    };
    ControlError {
        at,
        control: control.info.id.clone(),
        message: e.to_string(),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "NULL",
        Value::Integer(_) => "an integer",
        Value::Real(_) => "a number",
        Value::Text(_) => "text",
        Value::Blob(_) => "a blob",
    }
}

fn list(columns: &[String]) -> String {
    if columns.is_empty() {
        "nothing".into()
    } else {
        columns.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowaudit_core::checks::REGISTRY;

    /// (account, region, resource) → status, for one check id.
    fn verdicts(results: &[CheckResult], id: &str) -> BTreeMap<(String, String, String), Status> {
        results
            .iter()
            .filter(|r| r.check_id == id)
            .map(|r| {
                (
                    (
                        r.account_id.clone(),
                        r.region.to_string(),
                        r.resource_id.clone(),
                    ),
                    r.status,
                )
            })
            .collect()
    }

    /// Every built-in check that has a stored query gives, as a control, the
    /// check's own verdict on every VPC of `inventory`.
    pub(crate) fn assert_queries_agree(inventory: &Inventory) -> usize {
        let settings = Settings::default();
        let builtin = flowaudit_core::checks::evaluate(inventory, &settings);
        let controls: Vec<Control> = REGISTRY.iter().filter_map(Control::from_check).collect();
        assert_eq!(controls.len(), 3, "the VPC-level checks have queries");
        let db = Database::new(inventory).unwrap_or_else(|e| panic!("{e}"));
        let custom = run(&controls, &db, inventory, &settings).unwrap_or_else(|e| panic!("{e}"));
        let mut compared = 0;
        for c in &controls {
            let id = c.info.id.trim_end_matches("-as-query");
            let expected = verdicts(&builtin, id);
            assert!(!expected.is_empty(), "{id}");
            assert_eq!(verdicts(&custom, &c.info.id), expected, "{id}");
            compared += expected.len();
        }
        compared
    }

    #[test]
    fn the_built_in_queries_give_the_checks_verdicts_on_the_demo() {
        let inv = flowaudit_core::demo::inventory().unwrap_or_else(|e| panic!("{e}"));
        let builtin = flowaudit_core::checks::evaluate(&inv, &Settings::default());
        // The demo gives each of these checks more than one status.
        for id in [
            "vpc-flow-logs-enabled",
            "vpc-flow-logs-delivering",
            "vpc-flow-logs-capture-rejects",
        ] {
            let statuses: std::collections::BTreeSet<_> =
                verdicts(&builtin, id).into_values().collect();
            assert!(statuses.len() >= 3, "{id}: {statuses:?}");
        }
        assert!(assert_queries_agree(&inv) > 20);
    }

    /// Statuses the demo lacks: a delivery status AWS left out or flowaudit
    /// does not know (ERROR), FAILED on an inactive flow log beside an
    /// active one, and an ACCEPT-only VPC-level flow log.
    #[test]
    fn the_built_in_queries_agree_on_edge_cases() {
        use flowaudit_core::model::{DeliveryStatus, TrafficType};
        let mut inv = flowaudit_core::demo::inventory().unwrap_or_else(|e| panic!("{e}"));
        let region = inv
            .accounts
            .iter_mut()
            .flat_map(|a| a.regions.iter_mut())
            .find(|r| r.error.is_none() && r.flow_logs.len() >= 3)
            .unwrap_or_else(|| panic!("a readable region with flow logs"));
        region.flow_logs[0].deliver_logs_status = None;
        region.flow_logs[1].deliver_logs_status = Some(DeliveryStatus::Other("THROTTLED".into()));
        region.flow_logs[2].traffic_type = TrafficType::Other("SOME".into());
        assert_queries_agree(&inv);
    }
}
