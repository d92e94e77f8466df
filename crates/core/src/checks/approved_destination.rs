//! `flow-log-approved-destination`: every VPC logs into the central archive.

use serde_json::json;
use wildmatch::WildMatch;

use super::entry::{Check, Eval, Fix, Predeploy};
use super::meta::{CheckId, CheckMeta, Outcome, Scope};
use crate::context::{RegionCtx, VpcCtx};
use crate::model::{DestinationType, FlowLog};
use crate::report::Severity;

/// This check's id.
pub const ID: CheckId = CheckId::new("flow-log-approved-destination");

pub static META: CheckMeta = CheckMeta {
    id: ID,
    title: "Every VPC logs into an approved destination (the central archive)",
    severity: Severity::Medium,
    scope: Scope::Vpc,
    rationale: "Flow logs in a bucket or log group the workload account controls can be read, \
shortened or deleted by whoever compromises that account, and are scattered across accounts when \
an investigation needs them together. The AWS Control Tower pattern, and most organizations' \
policy, is one log-archive destination that workload accounts may write to but not change.",
    passes_when:
        "An ACTIVE VPC-level flow log delivers to a destination that --approved-destinations \
/ [checks] approved_destinations lists: an S3 bucket ARN (arn:aws:s3:::bucket, or \
arn:aws:s3:::bucket/prefix for that prefix and below), a log-group name or pattern \
(/aws/vpc-flow-logs/*), or the ARN of a log group or Firehose stream; `*` and `?` match as globs.",
    fails_when: "No ACTIVE VPC-level flow log delivers to an approved destination; the message \
names where each one delivers.",
    other_statuses: "SKIPPED for every VPC when no approved destination is configured (the reason \
says how to set one), when the VPC has no ACTIVE VPC-level flow log (it already fails \
vpc-flow-logs-enabled), for shared VPCs, and for VPCs skipped by option.",
    remediation: "A flow log's destination cannot be changed: create a VPC-level flow log into \
the archive (`aws ec2 create-flow-logs --resource-type VPC --resource-ids <vpc-id> \
--traffic-type ALL --log-destination-type s3 --log-destination arn:aws:s3:::<archive>/<prefix>`), \
confirm it delivers, then delete the one into the local destination.",
    compliance: &[
        ("CIS AWS Foundations Benchmark v3.0.0", "3.7"),
        ("NIST SP 800-53 Rev. 5", "AU-9(2)"),
        ("NIST SP 800-53 Rev. 5", "AU-6(3)"),
    ],
    equivalents: &[("AWS Control Tower", "log archive account")],
};

pub const CHECK: Check = Check {
    meta: &META,
    eval: Eval::Vpc(evaluate),
    predeploy: Predeploy::CloudOnly(
        "Templates name destinations by reference to a bucket or group declared beside them, \
whose final ARN is often known only at apply time.",
    ),
    fix: Fix::Manual(
        "The archive is another account's bucket whose policy must admit the new flow log; \
fix plans create destinations in the scanned account only.",
    ),
    query: None,
};

/// Checks one `--approved-destinations` entry: not empty, and an S3 ARN
/// names a bucket.
pub fn pattern_option(text: &str) -> Result<String, String> {
    let p = text.trim();
    if p.is_empty() {
        return Err("an approved destination is empty".into());
    }
    if let Some(rest) = p.strip_prefix("arn:aws:s3:::") {
        if rest.is_empty() || rest.starts_with('/') {
            return Err(format!(
                "`{p}` names no bucket: write arn:aws:s3:::bucket or arn:aws:s3:::bucket/prefix"
            ));
        }
    } else if p.starts_with("s3://") {
        return Err(format!(
            "`{p}`: write S3 destinations as ARNs, like arn:aws:s3:::{}",
            p.trim_start_matches("s3://")
        ));
    }
    Ok(p.to_string())
}

/// The pattern of `patterns` that approves where `f` delivers, if any.
pub fn approved_by<'p>(patterns: &'p [String], f: &FlowLog) -> Option<&'p str> {
    let arn = f
        .log_destination
        .as_deref()
        .map(|a| a.trim_end_matches(":*"));
    let group = f.cloudwatch_log_group();
    patterns
        .iter()
        .find(|p| {
            let p = p.trim_end_matches(":*");
            if p.starts_with("arn:") {
                arn.is_some_and(|a| arn_matches(p, a, &f.destination_type))
            } else {
                f.destination_type == DestinationType::CloudWatchLogs
                    && group
                        .as_deref()
                        .is_some_and(|g| WildMatch::new(p).matches(g))
            }
        })
        .map(String::as_str)
}

/// An ARN pattern against a destination ARN: a glob, or (for S3) the bucket
/// or prefix and everything below it.
fn arn_matches(pattern: &str, arn: &str, kind: &DestinationType) -> bool {
    if WildMatch::new(pattern).matches(arn) {
        return true;
    }
    *kind == DestinationType::S3 && {
        let base = pattern.trim_end_matches('/');
        arn.strip_prefix(base)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }
}

fn evaluate(ctx: &RegionCtx<'_>, vpc: &VpcCtx<'_>) -> Outcome {
    let patterns = &ctx.settings.approved_destinations;
    let evidence = json!({
        "approved_destinations": patterns,
        "flow_logs": vpc.flow_log_evidence(),
    });
    if patterns.is_empty() {
        return Outcome::skipped(
            "no approved destination is configured (--approved-destinations or [checks] approved_destinations)",
            evidence,
        );
    }
    let active: Vec<&FlowLog> = vpc.active_vpc_level().collect();
    if active.is_empty() {
        return Outcome::skipped(
            "no ACTIVE VPC-level flow log (reported by vpc-flow-logs-enabled)",
            evidence,
        );
    }
    if let Some((f, p)) = active
        .iter()
        .find_map(|f| approved_by(patterns, f).map(|p| (f, p)))
    {
        return Outcome::pass(
            format!(
                "flow log {} delivers to {}, approved by `{p}`",
                f.flow_log_id,
                ctx.destination(f).describe()
            ),
            evidence,
        );
    }
    let seen: Vec<String> = active
        .iter()
        .map(|f| format!("{} → {}", f.flow_log_id, ctx.destination(f).describe()))
        .collect();
    Outcome::fail(
        format!(
            "no ACTIVE VPC-level flow log delivers to an approved destination: {}",
            seen.join(", ")
        ),
        evidence,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::report::Status;
    use crate::settings::Settings;

    fn with(destination: &str, kind: DestinationType, group: Option<&str>) -> FlowLog {
        let mut fl = flow_log("fl-1", "vpc-1");
        fl.destination_type = kind;
        fl.log_destination = Some(destination.to_string());
        fl.log_group_name = group.map(str::to_string);
        fl
    }

    fn patterns(list: &[&str]) -> Vec<String> {
        list.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn s3_prefixes_match_on_path_boundaries() {
        let p = patterns(&["arn:aws:s3:::archive/vpc"]);
        let at = |d: &str| approved_by(&p, &with(d, DestinationType::S3, None)).is_some();
        assert!(at("arn:aws:s3:::archive/vpc"));
        assert!(at("arn:aws:s3:::archive/vpc/prod"));
        assert!(!at("arn:aws:s3:::archive/vpcs"));
        assert!(!at("arn:aws:s3:::archive"));
        assert!(!at("arn:aws:s3:::archive-2/vpc"));
        let bucket = patterns(&["arn:aws:s3:::archive"]);
        assert!(approved_by(
            &bucket,
            &with("arn:aws:s3:::archive/x", DestinationType::S3, None)
        )
        .is_some());
        assert!(approved_by(
            &bucket,
            &with("arn:aws:s3:::archived", DestinationType::S3, None)
        )
        .is_none());
    }

    #[test]
    fn log_group_names_and_arns_match_as_globs() {
        let arn = "arn:aws:logs:us-east-1:111122223333:log-group:/aws/vpc-flow-logs/a:*";
        let f = with(
            arn,
            DestinationType::CloudWatchLogs,
            Some("/aws/vpc-flow-logs/a"),
        );
        assert!(approved_by(&patterns(&["/aws/vpc-flow-logs/*"]), &f).is_some());
        assert!(approved_by(&patterns(&["/vpc/*"]), &f).is_none());
        assert!(approved_by(
            &patterns(&["arn:aws:logs:*:111122223333:log-group:/aws/vpc-flow-logs/*"]),
            &f
        )
        .is_some());
        assert!(approved_by(&patterns(&[arn]), &f).is_some());
        // A log-group pattern never approves a bucket.
        let s3 = with("arn:aws:s3:::aws", DestinationType::S3, None);
        assert!(approved_by(&patterns(&["*"]), &s3).is_none());
    }

    #[test]
    fn skipped_without_the_setting_pass_and_fail_with_it() {
        let inv = inventory(vec![vpc("vpc-1")], vec![flow_log("fl-1", "vpc-1")]);
        let r = run(&inv, ID.as_str());
        assert_eq!(r[0].status, Status::Skipped, "{}", r[0].message);
        assert!(r[0].message.contains("approved_destinations"));
        let group = flow_log("fl-1", "vpc-1")
            .cloudwatch_log_group()
            .unwrap_or_default();
        let pass = Settings {
            approved_destinations: patterns(&[&group]),
            ..Settings::default()
        };
        let r = run_with(&inv, &pass, ID.as_str());
        assert_eq!(r[0].status, Status::Pass, "{}", r[0].message);
        let fail = Settings {
            approved_destinations: patterns(&["arn:aws:s3:::archive"]),
            ..Settings::default()
        };
        let r = run_with(&inv, &fail, ID.as_str());
        assert_eq!(r[0].status, Status::Fail, "{}", r[0].message);
        assert!(r[0].message.contains("fl-1 → "), "{}", r[0].message);
    }

    #[test]
    fn patterns_are_checked() {
        assert!(pattern_option(" ").is_err());
        assert!(pattern_option("arn:aws:s3:::").is_err());
        assert!(pattern_option("s3://archive/vpc").is_err());
        assert_eq!(
            pattern_option(" /aws/vpc-flow-logs/* "),
            Ok("/aws/vpc-flow-logs/*".into())
        );
    }
}
