//! The preventive run: every registered check with a pre-deployment evaluation
//! judges each declared VPC (the verdicts live in the checks' own modules, with
//! the same predicates as their cloud evaluations). Same ids, severities and
//! compliance mapping as the cloud checks; one result per VPC and check.

use flowaudit_core::checks::{self, flow_logs_enabled, CheckMeta, Predeploy};
use flowaudit_core::declared::{Declared, DeclaredVpc, Known, Target, Verdict, Vpc};
use flowaudit_core::report::{CheckResult, ResourceType, Status};
use flowaudit_core::Settings;
use serde_json::json;

/// The checks `flowaudit iac` runs, in report order.
pub fn iac_checks(
) -> impl Iterator<Item = (&'static CheckMeta, flowaudit_core::declared::PredeployEval)> {
    checks::REGISTRY.iter().filter_map(|c| match c.predeploy {
        Predeploy::Vpc(eval) => Some((c.meta, eval)),
        Predeploy::FlowLog(_) | Predeploy::TransitGateway(_) | Predeploy::CloudOnly(_) => None,
    })
}

/// The checks `flowaudit iac` runs on each declared flow log.
fn flow_log_checks() -> impl Iterator<
    Item = (
        &'static CheckMeta,
        flowaudit_core::declared::FlowLogPredeploy,
    ),
> {
    checks::REGISTRY.iter().filter_map(|c| match c.predeploy {
        Predeploy::FlowLog(eval) => Some((c.meta, eval)),
        _ => None,
    })
}

/// Where a check comes in the report (registry order).
pub fn check_order(id: &str) -> usize {
    checks::REGISTRY
        .iter()
        .filter(|c| !matches!(c.predeploy, Predeploy::CloudOnly(_)))
        .position(|c| c.meta.id == *id)
        .unwrap_or(usize::MAX)
}

fn result(
    meta: &CheckMeta,
    vpc: &Vpc,
    verdict: Verdict,
    evidence: serde_json::Value,
) -> CheckResult {
    CheckResult {
        check_id: meta.id.to_string(),
        status: verdict.status,
        severity: meta.severity,
        account_id: "-".to_string(),
        region: flowaudit_core::region::ResultRegion::NotRegional,
        resource_type: ResourceType::Vpc,
        resource_id: vpc.address.clone(),
        vpc_id: Some(vpc.address.clone()),
        vpc_name: vpc.name.clone(),
        message: verdict.message,
        evidence,
        compliance: meta.compliance_refs(),
        priority: None,
        exception: None,
        remediation: None,
        location: Some(verdict.at),
    }
}

/// Every result for the declared resources.
pub fn evaluate(declared: &Declared, settings: &Settings) -> Vec<CheckResult> {
    let mut out = Vec::new();
    for b in &declared.broken {
        let vpc = Vpc {
            address: b.location.file.clone(),
            name: None,
            tags: Known::Yes(Default::default()),
            location: b.location.clone(),
            exists: Known::Yes(true),
            suppressions: Vec::new(),
        };
        let verdict = Verdict::new(
            Status::Error,
            &b.location,
            format!("could not be read: {}", b.message),
        );
        let mut r = result(
            &flow_logs_enabled::META,
            &vpc,
            verdict,
            json!({ "error": b.message }),
        );
        r.resource_type = ResourceType::File;
        r.vpc_id = None;
        out.push(r);
    }
    for vpc in &declared.vpcs {
        if let Known::Yes(false) = vpc.exists {
            continue; // count = 0 or a false condition: nothing will exist.
        }
        let ctx = DeclaredVpc::new(declared, vpc);
        let evidence = ctx.evidence();
        for (meta, eval) in iac_checks() {
            let mut r = result(meta, vpc, eval(&ctx, settings), evidence.clone());
            if let Known::Unknown(why) = &vpc.exists {
                // Whether it exists (or what it holds) depends on something
                // unknown: no guessed verdict either way.
                r.status = Status::Skipped;
                r.message = format!("{} cannot be checked statically: {why}", vpc.address);
            }
            apply_suppressions(&mut r, vpc, declared);
            out.push(r);
        }
    }
    for f in &declared.flow_logs {
        if f.exists == Known::Yes(false) {
            continue;
        }
        for (meta, eval) in flow_log_checks() {
            let Some(verdict) = eval(declared, f, settings) else {
                continue;
            };
            let vpc = Vpc {
                address: f.address.clone(),
                name: None,
                tags: Known::Yes(Default::default()),
                location: f.location.clone(),
                exists: Known::Yes(true),
                suppressions: f.suppressions.clone(),
            };
            let mut r = result(meta, &vpc, verdict, json!({ "flow_log": f.address }));
            r.resource_type = ResourceType::FlowLog;
            r.vpc_id = None;
            apply_suppressions(&mut r, &vpc, declared);
            out.push(r);
        }
    }
    for g in &declared.transit_gateways {
        if g.exists == Known::Yes(false) {
            continue;
        }
        for c in checks::REGISTRY {
            let Predeploy::TransitGateway(eval) = c.predeploy else {
                continue;
            };
            let holder = Vpc {
                address: g.address.clone(),
                name: g.name.clone(),
                tags: Known::Yes(Default::default()),
                location: g.location.clone(),
                exists: g.exists.clone(),
                suppressions: g.suppressions.clone(),
            };
            let mut r = result(
                c.meta,
                &holder,
                eval(declared, g),
                json!({ "transit_gateway": g.address }),
            );
            r.resource_type = ResourceType::TransitGateway;
            r.vpc_id = None;
            if let Known::Unknown(why) = &g.exists {
                r.status = Status::Skipped;
                r.message = format!("{} cannot be checked statically: {why}", g.address);
            }
            apply_suppressions(&mut r, &holder, declared);
            out.push(r);
        }
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
