//! `flowaudit remediation` and `flowaudit guardrails`: exported plans that run,
//! parse and say exactly what they will do.

mod common;

use common::{parse_json, run};

fn export(format: &str) -> String {
    let (code, stdout, stderr) = run(&["remediation", "--demo", "--format", format]);
    assert_eq!(code, 0, "{stderr}");
    stdout
}

#[test]
fn shell_script_is_valid_bash_and_passes_shellcheck() {
    let script = export("sh");
    insta::assert_snapshot!("remediation_sh", script);
    assert!(script.starts_with("#!/usr/bin/env bash\n"));
    assert!(script.contains("set -euo pipefail"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("fix.sh");
    std::fs::write(&path, &script).unwrap_or_else(|e| panic!("{e}"));
    let bash = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("bash: {e}"));
    assert!(
        bash.status.success(),
        "{}",
        String::from_utf8_lossy(&bash.stderr)
    );
    let shellcheck = std::process::Command::new("shellcheck")
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("shellcheck is needed (scripts/test.sh installs it): {e}"));
    assert!(
        shellcheck.status.success(),
        "{}",
        String::from_utf8_lossy(&shellcheck.stdout)
    );
    // The shared delivery role is created once, however many plans need it.
    assert_eq!(
        script
            .matches("aws iam create-role --role-name flowaudit-vpc-flow-logs")
            .count(),
        1
    );
}

#[test]
fn terraform_parses() {
    let tf = export("terraform");
    insta::assert_snapshot!("remediation_terraform", tf);
    let body: hcl::Body = hcl::from_str(&tf).unwrap_or_else(|e| panic!("not HCL: {e}\n{tf}"));
    let resources: Vec<String> = body
        .blocks()
        .filter(|b| b.identifier() == "resource")
        .map(|b| {
            b.labels()
                .iter()
                .map(|l| l.as_str().to_string())
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect();
    assert!(
        resources.contains(&"aws_flow_log.vpc_0a1b2c3d4e5f60004".to_string()),
        "{resources:?}"
    );
    assert!(resources.contains(&"aws_iam_role.flowaudit_vpc_flow_logs".to_string()));
    let unique: std::collections::BTreeSet<&String> = resources.iter().collect();
    assert_eq!(
        unique.len(),
        resources.len(),
        "duplicate resource addresses: {resources:?}"
    );
    assert!(
        body.blocks().any(|b| b.identifier() == "import"),
        "retention fix imports the group"
    );
}

#[test]
fn cloudformation_is_a_template() {
    let text = export("cloudformation");
    insta::assert_snapshot!("remediation_cloudformation", text);
    let template = parse_json(&text);
    assert_eq!(template["AWSTemplateFormatVersion"], "2010-09-09");
    let resources = template["Resources"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert!(!resources.is_empty());
    for (id, resource) in &resources {
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
        let condition = resource["Condition"].as_str().unwrap_or_default();
        assert!(
            template["Conditions"][condition].is_object(),
            "{id} has condition {condition}"
        );
    }
    let flow_log = &resources["FlowLogVpc0a1b2c3d4e5f60004"];
    assert_eq!(flow_log["Type"], "AWS::EC2::FlowLog");
    assert_eq!(flow_log["Properties"]["TrafficType"], "ALL");
    assert_eq!(
        flow_log["Properties"]["LogGroupName"]["Ref"],
        "LogGroupAwsVpcFlowLogsVpc0a1b2c3d4e5f60004"
    );
    assert!(template["Metadata"]["flowaudit"]["outside_cloudformation"].is_array());
}

#[test]
fn filters_and_json() {
    let (code, stdout, _) = run(&[
        "remediation",
        "--demo",
        "--format",
        "json",
        "--check",
        "flow-log-retention",
    ]);
    assert_eq!(code, 0);
    let plans = parse_json(&stdout);
    let plans = plans.as_array().cloned().unwrap_or_default();
    assert_eq!(plans.len(), 3, "three retention failures in the demo");
    assert!(plans.iter().all(|p| p["title"]
        .as_str()
        .unwrap_or_default()
        .contains("long enough")));

    let (_, stdout, _) = run(&[
        "remediation",
        "--demo",
        "--format",
        "json",
        "--vpc",
        "vpc-0a1b2c3d4e5f60004",
    ]);
    let plans = parse_json(&stdout);
    assert!(
        plans.as_array().is_some_and(
            |p| !p.is_empty() && p.iter().all(|p| p["vpc_id"] == "vpc-0a1b2c3d4e5f60004")
        )
    );

    let (code, _, stderr) = run(&["remediation", "--demo", "--check", "nope"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown check `nope`"), "{stderr}");

    let (code, _, stderr) = run(&["remediation", "--demo", "--fix-destination", "s3"]);
    assert_eq!(code, 2, "S3 needs a bucket: {stderr}");

    let (code, stdout, _) = run(&[
        "remediation",
        "--demo",
        "--format",
        "json",
        "--check",
        "vpc-flow-logs-enabled",
        "--fix-destination",
        "s3",
        "--fix-bucket-arn",
        "arn:aws:s3:::central-logs",
        "--fix-parquet",
    ]);
    assert_eq!(code, 0);
    assert!(stdout.contains("FileFormat=parquet"), "{stdout}");
}

#[test]
fn json_report_carries_plans_for_failures_only() {
    let (_, stdout, _) = run(&["demo", "--format", "json"]);
    let report = parse_json(&stdout);
    // Checks without an automatic fix say so in the catalog.
    let (_, catalog, _) = run(&["checks", "--format", "json"]);
    let manual: Vec<String> = parse_json(&catalog)
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|c| {
            c["automatic_fix"]
                .as_str()
                .is_some_and(|f| f.starts_with("No automatic fix"))
        })
        .filter_map(|c| c["id"].as_str().map(str::to_string))
        .collect();
    for r in common::results(&report) {
        let has_plan = r.get("remediation").is_some();
        let fixable = !manual.iter().any(|m| r["check_id"] == m.as_str());
        assert_eq!(
            has_plan,
            r["status"] == "FAIL" && fixable,
            "{}",
            r["resource_id"]
        );
        if has_plan {
            for field in ["title", "actions", "steps", "cli", "backout"] {
                assert!(r["remediation"].get(field).is_some(), "plan lacks {field}");
            }
            // Terraform, CloudFormation and console steps are rendered when
            // exported or shown (`remediation`, HTML), not stored in each result.
            for field in ["console", "terraform", "cloudformation"] {
                assert!(r["remediation"].get(field).is_none(), "plan holds {field}");
            }
        }
    }
}

#[test]
fn guardrails_are_written() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("guardrails");
    let out_str = out.to_string_lossy();
    let (code, stdout, stderr) = run(&[
        "guardrails",
        "--output",
        &out_str,
        "--break-glass-role",
        "Emergency",
        "--retention-days",
        "400",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("conformance-pack.yaml"));
    let pack = std::fs::read_to_string(out.join("conformance-pack.yaml")).unwrap_or_default();
    assert!(pack.contains("SourceIdentifier: VPC_FLOW_LOGS_ENABLED"));
    assert!(pack.contains("trafficType: ALL"));
    assert!(pack.contains("MinRetentionTime: 400"));
    assert!(pack.contains("SourceIdentifier: CLOUDWATCH_LOG_GROUP_ENCRYPTED"));
    assert!(pack.contains("SourceIdentifier: S3_DEFAULT_ENCRYPTION_KMS"));
    insta::assert_snapshot!("guardrails_pack", pack);
    let scp = parse_json(&std::fs::read_to_string(out.join("scp.json")).unwrap_or_default());
    // Read as a policy, not as text: every statement denies, spares only the
    // break-glass role, and together they cover deleting flow logs and their
    // log groups (scoped to the flow-log groups).
    assert_eq!(scp["Version"], "2012-10-17");
    let statements = scp["Statement"].as_array().cloned().unwrap_or_default();
    assert!(!statements.is_empty(), "{scp}");
    let mut denied = Vec::new();
    for st in &statements {
        assert_eq!(st["Effect"], "Deny", "{st}");
        assert_eq!(
            st["Condition"]["ArnNotLike"]["aws:PrincipalARN"], "arn:aws:iam::*:role/Emergency",
            "{st}"
        );
        let actions: Vec<String> = match &st["Action"] {
            serde_json::Value::String(a) => vec![a.clone()],
            serde_json::Value::Array(list) => list
                .iter()
                .filter_map(|a| a.as_str().map(str::to_string))
                .collect(),
            other => panic!("Action is {other}"),
        };
        if actions.iter().any(|a| a.starts_with("logs:")) {
            assert_eq!(
                st["Resource"], "arn:aws:logs:*:*:log-group:/aws/vpc-flow-logs/*",
                "{st}"
            );
        }
        denied.extend(actions);
    }
    for action in [
        "ec2:DeleteFlowLogs",
        "logs:DeleteLogGroup",
        "logs:DeleteRetentionPolicy",
    ] {
        assert!(
            denied.iter().any(|a| a == action),
            "{action} not denied: {denied:?}"
        );
    }
}

#[test]
fn explain_shows_plans_of_failures() {
    let (code, stdout, _) = run(&["explain", "flow-log-retention", "--demo"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Failures (3)"), "{stdout}");
    assert!(stdout.contains("--retention-in-days 365"));
    assert!(stdout.contains("Backout:"));
    let (_, stdout, _) = run(&[
        "explain",
        "vpc-flow-logs-enabled",
        "--demo",
        "--format",
        "json",
    ]);
    let value = parse_json(&stdout);
    let failures = value["failures"].as_array().cloned().unwrap_or_default();
    assert_eq!(failures.len(), 2);
    assert!(failures.iter().all(|f| f["remediation"]["cli"].is_array()));
    // Without an inventory, no failures section.
    let (_, stdout, _) = run(&["explain", "vpc-flow-logs-enabled"]);
    assert!(!stdout.contains("Failures ("));
}

/// A plan that would name an identifier AWS cannot have (a VPC id of the wrong
/// alphabet, as a hand-edited or forged inventory might hold) is not offered:
/// the result says which value, and no command anywhere carries it.
#[test]
fn a_plan_with_an_invalid_identifier_is_refused_and_named() {
    let inventory = common::repo_root().join("crates/core/src/demo/inventory.json");
    let text = std::fs::read_to_string(&inventory).unwrap_or_else(|e| panic!("{e}"));
    let path = inventory.display().to_string();
    let (_, stdout, stderr) = run(&["check", "--inventory", &path, "--format", "json"]);
    let report = parse_json(&stdout);
    let planned = common::results(&report)
        .iter()
        .find(|r| r["check_id"] == "vpc-flow-logs-enabled" && !r["remediation"].is_null())
        .unwrap_or_else(|| panic!("the demo has a planned FAIL: {stderr}"));
    let vpc = planned["vpc_id"].as_str().unwrap_or_default().to_string();
    let forged = format!("{}Z", &vpc[..vpc.len() - 1]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let edited = dir.path().join("inventory.json");
    std::fs::write(&edited, text.replace(&vpc, &forged)).unwrap_or_else(|e| panic!("{e}"));
    let edited = edited.display().to_string();
    let (code, stdout, stderr) = run(&["check", "--inventory", &edited, "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    let r = common::vpc_result(&report, "vpc-flow-logs-enabled", &forged);
    assert_eq!(r["status"], "FAIL");
    assert!(r["remediation"].is_null(), "{r:#}");
    let want = format!("No fix plan is offered: \"{forged}\" is not a valid VPC id.");
    assert!(
        r["message"].as_str().is_some_and(|m| m.ends_with(&want)),
        "{r:#}"
    );
    // Nothing exported names it.
    let (_, script, _) = run(&["remediation", "--inventory", &edited, "--format", "sh"]);
    assert!(!script.contains(&forged), "{script}");
}

#[test]
fn the_detective_guardrail_lints_clean_and_watches_the_tampering_events() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("guardrails");
    let (code, stdout, stderr) = run(&["guardrails", "--output", &out.to_string_lossy()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("detective.yaml"), "{stdout}");
    let path = out.join("detective.yaml");
    let seen = common::python_json("tests/validate/cfn.py", &[&path.to_string_lossy()]);
    assert_eq!(
        seen["problems"],
        serde_json::json!([]),
        "cfn-lint: {}",
        seen["problems"]
    );
    let resources = &seen["template"]["Resources"];
    let rule = &resources["FlowLoggingTampered"];
    assert_eq!(rule["Type"], "AWS::Events::Rule");
    let pattern = &rule["Properties"]["EventPattern"];
    assert_eq!(
        pattern["detail-type"],
        serde_json::json!(["AWS API Call via CloudTrail"])
    );
    let names: Vec<&str> = pattern["detail"]["eventName"]
        .as_array()
        .map(|a| a.iter().filter_map(|n| n.as_str()).collect())
        .unwrap_or_default();
    // The events that switch flow logging off or weaken it, as CloudTrail names them.
    for event in [
        "DeleteFlowLogs",
        "DeleteLogGroup",
        "PutRetentionPolicy",
        "DeleteRetentionPolicy",
        "DeleteBucket",
        "PutBucketLifecycle",
        "DeleteBucketLifecycle",
        "UpdateAssumeRolePolicy",
        "DeleteRolePolicy",
        "DeleteRole",
    ] {
        assert!(names.contains(&event), "{event} not watched: {names:?}");
    }
    // The rule publishes to the topic, and only the rule may.
    assert_eq!(resources["AlertTopic"]["Type"], "AWS::SNS::Topic");
    let statement = &resources["AlertTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"][0];
    assert_eq!(statement["Principal"]["Service"], "events.amazonaws.com");
    assert_eq!(
        statement["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::GetAtt"],
        serde_json::json!(["FlowLoggingTampered", "Arn"])
    );
    assert_eq!(
        rule["Properties"]["Targets"][0]["Arn"]["Ref"], "AlertTopic",
        "{}",
        rule["Properties"]["Targets"]
    );
}
