//! The preventive checks: for each declared VPC, whether flow logging is declared
//! as the cloud checks require it. Same check ids, severities and compliance
//! mapping as the cloud checks; one result per VPC and check.

use flowaudit_core::checks;
use flowaudit_core::report::{CheckResult, SourceLocation, Status};
use flowaudit_core::Settings;
use serde_json::json;

use crate::model::{Declared, Destination, FlowLog, Known, Target, Vpc};

pub const ENABLED: &str = "vpc-flow-logs-enabled";
pub const REJECTS: &str = "vpc-flow-logs-capture-rejects";
pub const RETENTION: &str = "flow-log-retention";
pub const ROLE: &str = "flow-log-delivery-role";

/// The checks `flowaudit iac` runs.
pub const IAC_CHECKS: [&str; 4] = [ENABLED, REJECTS, RETENTION, ROLE];

fn result(
    check: &str,
    status: Status,
    vpc: &Vpc,
    location: &SourceLocation,
    message: String,
    evidence: serde_json::Value,
) -> CheckResult {
    let meta = checks::find(check).map(|c| c.meta);
    CheckResult {
        check_id: check.to_string(),
        status,
        severity: meta.map_or(flowaudit_core::Severity::Medium, |m| m.severity),
        account_id: "-".to_string(),
        region: "-".to_string(),
        resource_type: "vpc".to_string(),
        resource_id: vpc.address.clone(),
        vpc_id: Some(vpc.address.clone()),
        vpc_name: vpc.name.clone(),
        message,
        evidence,
        compliance: meta.map(|m| m.compliance_refs()).unwrap_or_default(),
        priority: None,
        exception: None,
        remediation: None,
        location: Some(location.clone()),
    }
}

fn flow_log_evidence(f: &FlowLog) -> serde_json::Value {
    json!({
        "address": f.address,
        "file": f.location.file,
        "line": f.location.line,
        "traffic_type": match &f.traffic { Known::Yes(t) => json!(t), Known::Unknown(why) => json!({"unknown": why}) },
    })
}

/// Every result for the declared resources.
pub fn evaluate(declared: &Declared, settings: &Settings) -> Vec<CheckResult> {
    let mut out = Vec::new();
    for b in &declared.broken {
        let vpc = Vpc {
            address: b.location.file.clone(),
            name: None,
            location: b.location.clone(),
            exists: Known::Yes(true),
            suppressions: Vec::new(),
        };
        let mut r = result(
            ENABLED,
            Status::Error,
            &vpc,
            &b.location,
            format!("could not be read: {}", b.message),
            json!({ "error": b.message }),
        );
        r.resource_type = "file".into();
        r.vpc_id = None;
        out.push(r);
    }
    for vpc in &declared.vpcs {
        if let Known::Yes(false) = vpc.exists {
            continue; // count = 0 or a false condition: nothing will exist.
        }
        let mut results = evaluate_vpc(declared, vpc, settings);
        if let Known::Unknown(why) = &vpc.exists {
            // Whether it exists (or what it holds) depends on something unknown:
            // no guessed verdict either way.
            for r in &mut results {
                r.status = Status::Skipped;
                r.message = format!("{} cannot be checked statically: {why}", vpc.address);
            }
        }
        for r in &mut results {
            apply_suppressions(r, vpc, declared);
        }
        out.extend(results);
    }
    out.sort_by(|a, b| {
        (
            a.location.as_ref(),
            &a.resource_id,
            check_order(&a.check_id),
        )
            .cmp(&(
                b.location.as_ref(),
                &b.resource_id,
                check_order(&b.check_id),
            ))
    });
    out
}

fn check_order(id: &str) -> usize {
    IAC_CHECKS
        .iter()
        .position(|c| *c == id)
        .unwrap_or(usize::MAX)
}

/// An inline `# flowaudit:ignore` on the VPC, or on a flow log of it, makes a
/// FAIL `EXCEPTED` with its reason.
fn apply_suppressions(r: &mut CheckResult, vpc: &Vpc, declared: &Declared) {
    if r.status != Status::Fail {
        return;
    }
    let on_flow_logs = declared
        .flow_logs
        .iter()
        .filter(|f| matches!(&f.target, Target::Vpcs(v) if v.contains(&vpc.address)))
        .flat_map(|f| &f.suppressions);
    if let Some(s) = vpc
        .suppressions
        .iter()
        .chain(on_flow_logs)
        .find(|s| s.check == r.check_id || s.check == "*" || s.check == "all")
    {
        r.status = Status::Excepted;
        r.message = format!(
            "{} (suppressed inline at line {}: {})",
            r.message, s.line, s.reason
        );
        r.exception = Some(flowaudit_core::exceptions::ExceptionRef {
            index: 0,
            owner: None,
            reason: s.reason.clone(),
            expires: chrono::NaiveDate::MAX,
            expired: false,
            source: r
                .location
                .as_ref()
                .map(|l| format!("{}:{}", l.file, s.line)),
        });
    }
}

/// Whether a declared traffic type satisfies the requirement (one the cloud
/// model does not know never does, as in the cloud check).
fn accepts(settings: &Settings, traffic: &str) -> bool {
    use flowaudit_core::model::TrafficType;
    settings
        .required_traffic_type
        .accepts(&TrafficType::from(traffic.to_string()))
}

fn evaluate_vpc(declared: &Declared, vpc: &Vpc, settings: &Settings) -> Vec<CheckResult> {
    let mine: Vec<&FlowLog> = declared
        .flow_logs
        .iter()
        .filter(|f| matches!(&f.target, Target::Vpcs(v) if v.contains(&vpc.address)))
        .filter(|f| f.exists != Known::Yes(false))
        .collect();
    let certain: Vec<&FlowLog> = mine
        .iter()
        .copied()
        .filter(|f| f.exists == Known::Yes(true))
        .collect();
    let unknown_target: Vec<&str> = declared
        .flow_logs
        .iter()
        .filter_map(|f| match &f.target {
            Target::Unknown(why) if f.exists != Known::Yes(false) => Some(why.as_str()),
            _ => None,
        })
        .collect();
    let here = &vpc.location;
    let evidence = json!({ "vpc": vpc.address, "flow_logs": mine.iter().map(|f| flow_log_evidence(f)).collect::<Vec<_>>() });
    let mut out = Vec::new();

    // vpc-flow-logs-enabled
    let enabled = if let Some(f) = certain.first() {
        result(
            ENABLED,
            Status::Pass,
            vpc,
            here,
            format!("VPC-level flow log {} is declared", f.address),
            evidence.clone(),
        )
    } else if let Some(f) = mine.first() {
        let why = match &f.exists {
            Known::Unknown(why) => why.clone(),
            Known::Yes(_) => String::new(),
        };
        result(
            ENABLED,
            Status::Skipped,
            vpc,
            here,
            format!("flow log {} may not be created: {why}", f.address),
            evidence.clone(),
        )
    } else if let Some(why) = unknown_target.first() {
        result(
            ENABLED,
            Status::Skipped,
            vpc,
            here,
            format!("a flow log's target cannot be resolved statically: {why}"),
            evidence.clone(),
        )
    } else {
        let partial: Vec<String> = declared
            .flow_logs
            .iter()
            .filter_map(|f| match &f.target {
                Target::NotVpc(what) if f.exists != Known::Yes(false) => {
                    Some(format!("{} on {what}", f.address))
                }
                _ => None,
            })
            .collect();
        let message = if partial.is_empty() {
            "no VPC-level flow log is declared for this VPC".to_string()
        } else {
            format!(
                "no VPC-level flow log is declared for this VPC (subnet or interface flow logs only cover part of it: {})",
                partial.join(", ")
            )
        };
        result(ENABLED, Status::Fail, vpc, here, message, evidence.clone())
    };
    let has_flow_log = enabled.status == Status::Pass;
    out.push(enabled);

    if !has_flow_log {
        for check in [REJECTS, RETENTION, ROLE] {
            out.push(result(
                check,
                Status::Skipped,
                vpc,
                here,
                "no flow log is certain to exist (reported by vpc-flow-logs-enabled)".into(),
                evidence.clone(),
            ));
        }
        return out;
    }

    // vpc-flow-logs-capture-rejects
    let ok = certain
        .iter()
        .find(|f| matches!(&f.traffic, Known::Yes(t) if accepts(settings, t)));
    let unknown = certain.iter().find_map(|f| match &f.traffic {
        Known::Unknown(why) => Some((f, why)),
        Known::Yes(_) => None,
    });
    out.push(match (ok, unknown) {
        (Some(f), _) => {
            let t = match &f.traffic {
                Known::Yes(t) => t.as_str(),
                Known::Unknown(_) => "",
            };
            result(
                REJECTS,
                Status::Pass,
                vpc,
                &f.location,
                format!("flow log {} captures {t} traffic", f.address),
                evidence.clone(),
            )
        }
        (None, Some((f, why))) => result(
            REJECTS,
            Status::Skipped,
            vpc,
            &f.location,
            format!(
                "the traffic type of {} is not known before apply: {why}",
                f.address
            ),
            evidence.clone(),
        ),
        (None, None) => {
            let f = certain[0];
            let t = match &f.traffic {
                Known::Yes(t) => t.clone(),
                Known::Unknown(_) => String::new(),
            };
            result(
                REJECTS,
                Status::Fail,
                vpc,
                &f.location,
                format!(
                    "flow log {} captures {t} only; {} is required",
                    f.address,
                    settings.required_traffic_type.describe()
                ),
                evidence.clone(),
            )
        }
    });

    // flow-log-retention and flow-log-delivery-role, on the first certain flow log
    // (the one the VPC relies on).
    let f = certain[0];
    out.push(match &f.destination {
        Destination::LogGroup(address) => match declared.log_groups.iter().find(|g| &g.address == address) {
            Some(g) => match &g.retention_days {
                Known::Yes(None) => result(RETENTION, Status::Pass, vpc, &g.location, format!("log group {} never expires", g.address), evidence.clone()),
                Known::Yes(Some(days)) if *days >= settings.min_retention_days => result(RETENTION, Status::Pass, vpc, &g.location, format!("log group {} keeps data {days} days (minimum {})", g.address, settings.min_retention_days), evidence.clone()),
                Known::Yes(Some(days)) => result(RETENTION, Status::Fail, vpc, &g.location, format!("log group {} keeps data {days} days, below the minimum of {}", g.address, settings.min_retention_days), evidence.clone()),
                Known::Unknown(why) => result(RETENTION, Status::Skipped, vpc, &g.location, format!("the retention of {} is not known before apply: {why}", g.address), evidence.clone()),
            },
            None => result(RETENTION, Status::Skipped, vpc, &f.location, format!("log group {address} is not declared in these files"), evidence.clone()),
        },
        Destination::Elsewhere(what) => result(RETENTION, Status::Skipped, vpc, &f.location, format!("flow log {} delivers to {what}, not declared here; its retention is checked by `flowaudit scan`", f.address), evidence.clone()),
        Destination::Unknown(why) => result(RETENTION, Status::Skipped, vpc, &f.location, format!("the destination of {} is not known before apply: {why}", f.address), evidence.clone()),
    });
    out.push(match &f.role {
        None => result(ROLE, Status::Skipped, vpc, &f.location, format!("flow log {} needs no delivery role here, or its role is not declared in these files", f.address), evidence.clone()),
        Some(Known::Unknown(why)) => result(ROLE, Status::Skipped, vpc, &f.location, format!("the delivery role of {} is not known before apply: {why}", f.address), evidence.clone()),
        Some(Known::Yes(address)) => match declared.roles.iter().find(|r| &r.address == address) {
            Some(role) => match &role.trusts_flow_logs {
                Known::Yes(true) => result(ROLE, Status::Pass, vpc, &role.location, format!("role {} trusts vpc-flow-logs.amazonaws.com", role.address), evidence.clone()),
                Known::Yes(false) => result(ROLE, Status::Fail, vpc, &role.location, format!("role {} does not trust vpc-flow-logs.amazonaws.com", role.address), evidence.clone()),
                Known::Unknown(why) => result(ROLE, Status::Skipped, vpc, &role.location, format!("the trust policy of {} is not known before apply: {why}", role.address), evidence.clone()),
            },
            None => result(ROLE, Status::Skipped, vpc, &f.location, format!("role {address} is not declared in these files"), evidence.clone()),
        },
    });
    out
}
