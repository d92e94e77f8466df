//! `flowaudit iac` through the real binary: exit codes, locations, SARIF that
//! validates and points at the right line, inline suppressions and exceptions
//! from `flowaudit.toml`.

mod common;

use common::{parse_json, repo_root, run};
use serde_json::Value;

fn corpus(path: &str) -> String {
    repo_root()
        .join("tests/iac")
        .join(path)
        .display()
        .to_string()
}

fn result<'a>(report: &'a Value, resource: &str, check: &str) -> &'a Value {
    common::results(report)
        .iter()
        .find(|r| r["resource_id"] == resource && r["check_id"] == check)
        .unwrap_or_else(|| panic!("no {check} result for {resource}"))
}

#[test]
fn the_four_known_failure_classes_get_the_right_verdict() {
    let cases = [
        // A flow log with count = 0 is not a flow log.
        (
            "terraform/count-zero",
            "aws_vpc.main",
            "vpc-flow-logs-enabled",
            "FAIL",
        ),
        // A for_each over the VPCs covers every instance.
        (
            "terraform/for-each",
            "aws_vpc.this[\"blue\"]",
            "vpc-flow-logs-enabled",
            "PASS",
        ),
        // A remote module that is not downloaded is not silently passed.
        (
            "terraform/module-remote-other",
            "module.network",
            "vpc-flow-logs-enabled",
            "SKIPPED",
        ),
        // An ACCEPT-only flow log does not capture rejected traffic.
        (
            "terraform/accept-only",
            "aws_vpc.main",
            "vpc-flow-logs-capture-rejects",
            "FAIL",
        ),
        // CloudFormation is checked too, conditions included.
        (
            "cloudformation/condition-false.yaml",
            "Vpc",
            "vpc-flow-logs-enabled",
            "FAIL",
        ),
    ];
    for (path, resource, check, status) in cases {
        let (code, stdout, stderr) = run(&["iac", &corpus(path), "--format", "json"]);
        assert!(code == 0 || code == 1, "{path}: {stderr}");
        let report = parse_json(&stdout);
        let r = result(&report, resource, check);
        assert_eq!(r["status"], status, "{path}: {r}");
        assert!(r["location"]["line"].as_u64().is_some_and(|l| l > 0), "{r}");
        assert_eq!(
            code,
            i32::from(
                report["summary"]["by_status"]["FAIL"] != 0
                    || report["summary"]["by_status"]["ERROR"] != 0
            )
        );
    }
}

#[test]
fn sarif_points_at_the_line_and_validates() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sarif = dir.path().join("iac.sarif");
    let (code, _, stderr) = run(&[
        "iac",
        &corpus("terraform/accept-only"),
        &corpus("terraform/count-index"),
        "-o",
        &format!("sarif={}", sarif.display()),
    ]);
    assert_eq!(code, 1, "{stderr}");
    let python =
        std::env::var("FLOWAUDIT_PYTHON").unwrap_or_else(|_| panic!("FLOWAUDIT_PYTHON is not set"));
    let out = std::process::Command::new(python)
        .arg(repo_root().join("tests/validate/validate.py"))
        .args(["sarif", sarif.to_str().unwrap_or_default()])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let log = parse_json(&std::fs::read_to_string(&sarif).unwrap_or_default());
    let results = log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let located: Vec<(String, String, u64)> = results
        .iter()
        .map(|r| {
            let p = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap_or_default().to_string(),
                p["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                p["region"]["startLine"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    // The ACCEPT-only flow log is declared on line 5; the VPC without one on line 1.
    assert!(
        located
            .iter()
            .any(|(rule, uri, line)| rule == "vpc-flow-logs-capture-rejects"
                && uri.ends_with("accept-only/main.tf")
                && *line == 5),
        "{located:?}"
    );
    assert!(
        located
            .iter()
            .any(|(rule, uri, line)| rule == "vpc-flow-logs-enabled"
                && uri.ends_with("count-index/main.tf")
                && *line == 1),
        "{located:?}"
    );
    for (_, uri, line) in &located {
        let text = std::fs::read_to_string(uri).unwrap_or_default();
        let at = text.lines().nth(*line as usize - 1).unwrap_or_default();
        assert!(
            at.trim_start().starts_with("resource"),
            "{uri}:{line} is `{at}`"
        );
    }
}

#[test]
fn parse_errors_name_the_line_and_do_not_stop_the_others() {
    let (code, stdout, _) = run(&[
        "iac",
        &corpus("terraform/broken"),
        &corpus("cloudformation/broken.yaml"),
        &corpus("cloudformation/pass.yaml"),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "ERROR results fail the run");
    let report = parse_json(&stdout);
    let errors: Vec<&Value> = common::results(&report)
        .iter()
        .filter(|r| r["status"] == "ERROR")
        .collect();
    assert_eq!(errors.len(), 2);
    for e in &errors {
        assert!(e["location"]["line"].as_u64().is_some_and(|l| l > 1), "{e}");
    }
    assert_eq!(
        result(&report, "Vpc", "vpc-flow-logs-enabled")["status"],
        "PASS"
    );
    assert_eq!(
        result(&report, "aws_vpc.other", "vpc-flow-logs-enabled")["status"],
        "FAIL"
    );
    let (code, _, stderr) = run(&["iac", "/nonexistent/infra"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("/nonexistent/infra: no such file or directory"),
        "{stderr}"
    );
}

#[test]
fn inline_suppressions_and_config_exceptions_apply() {
    let (_, stdout, _) = run(&["iac", &corpus("terraform/suppressed"), "--format", "json"]);
    let r = result(
        &parse_json(&stdout),
        "aws_vpc.sandbox",
        "vpc-flow-logs-enabled",
    )
    .clone();
    assert_eq!(r["status"], "EXCEPTED");
    assert_eq!(r["exception"]["reason"], "ephemeral sandbox, no data");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config = dir.path().join("flowaudit.toml");
    std::fs::write(
        &config,
        "[[exception]]\ncheck = \"vpc-flow-logs-enabled\"\nresource = \"aws_vpc.main[1]\"\nreason = \"decommissioned in Q1\"\nowner = \"net@example.com\"\nexpires = 2099-12-31\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // The fixture's log group has no KMS key (flow-log-destination-encrypted,
    // low): not what this test is about.
    let (code, stdout, stderr) = run(&[
        "iac",
        &corpus("terraform/count-index"),
        "--config",
        config.to_str().unwrap_or_default(),
        "--fail-on",
        "medium",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "the only failure is excepted: {stderr}");
    assert_eq!(
        parse_json(&stdout)["summary"]["vpcs"],
        2,
        "aws_vpc.main[0] and [1]"
    );
    let r = result(
        &parse_json(&stdout),
        "aws_vpc.main[1]",
        "vpc-flow-logs-enabled",
    )
    .clone();
    assert_eq!(r["status"], "EXCEPTED");
    assert_eq!(r["exception"]["owner"], "net@example.com");
}

/// A hostile checkout: links back up the tree (twice), a link to the same
/// template, a link to /dev/zero and a FIFO named like a template. The run ends,
/// reports the VPC once, and names each file it did not read as an ERROR.
#[test]
fn links_loops_and_special_files_end_and_are_named() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    std::fs::write(
        root.join("vpc.yaml"),
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for (target, at) in [
        (".", "self"),
        (".", "again"),
        ("vpc.yaml", "copy.yaml"),
        ("/dev/zero", "zero.yaml"),
    ] {
        std::os::unix::fs::symlink(target, root.join(at)).unwrap_or_else(|e| panic!("{e}"));
    }
    let made = std::process::Command::new("mkfifo")
        .arg(root.join("fifo.yaml"))
        .status()
        .unwrap_or_else(|e| panic!("mkfifo: {e}"));
    assert!(made.success());
    let started = std::time::Instant::now();
    let (code, stdout, stderr) = run(&["iac", &root.display().to_string(), "--format", "json"]);
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    let results = common::results(&report);
    let enabled: Vec<&Value> = results
        .iter()
        .filter(|r| r["check_id"] == "vpc-flow-logs-enabled" && r["status"] == "FAIL")
        .collect();
    assert_eq!(enabled.len(), 1, "the VPC once: {stdout}");
    for special in ["fifo.yaml", "zero.yaml"] {
        assert!(
            results.iter().any(|r| r["status"] == "ERROR"
                && r["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("not a regular file"))
                && r.to_string().contains(special)),
            "{special} named as an ERROR: {stdout}"
        );
    }
}

/// `aws_default_vpc` is a VPC (CIS 3.7 says all VPCs): judged like `aws_vpc`,
/// and a flow log pointing at it counts.
#[test]
fn a_default_vpc_is_judged_like_any_vpc() {
    let (code, stdout, stderr) =
        run(&["iac", &corpus("terraform/default-vpc"), "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    assert_eq!(
        result(&report, "aws_default_vpc.default", "vpc-flow-logs-enabled")["status"],
        "PASS"
    );
    let west = result(&report, "aws_default_vpc.west", "vpc-flow-logs-enabled");
    assert_eq!(west["status"], "FAIL");
    assert_eq!(west["location"]["line"], 8);
}

/// A flow log that can log no declared VPC (a misspelt reference, a subnet's id
/// as vpc_id, no target; in CloudFormation a `!Ref` to an undeclared logical id)
/// is reported at its own line, and the VPCs keep their verdict (FAIL here, not
/// SKIPPED), the same in Terraform and CloudFormation.
#[test]
fn a_flow_log_that_can_log_no_declared_vpc_is_reported_and_leaves_the_vpcs_alone() {
    for (path, vpc, flow_logs) in [
        (
            "terraform/dangling",
            "aws_vpc.main",
            vec![
                (
                    "aws_flow_log.typo",
                    13,
                    "vpc_id refers to aws_vpc.mian, which is not declared",
                ),
                (
                    "aws_flow_log.subnet_as_vpc",
                    20,
                    "vpc_id refers to aws_subnet.a, which is not a VPC",
                ),
                ("aws_flow_log.nowhere", 27, "it names no vpc_id"),
            ],
        ),
        (
            "cloudformation/dangling.yaml",
            "Vpc",
            vec![(
                "FlowLog",
                8,
                "ResourceId refers to MissingVpc, which the template does not declare",
            )],
        ),
    ] {
        let (code, stdout, stderr) = run(&["iac", &corpus(path), "--format", "json"]);
        assert_eq!(code, 1, "{path}: {stderr}");
        let report = parse_json(&stdout);
        assert_eq!(
            result(&report, vpc, "vpc-flow-logs-enabled")["status"],
            "FAIL",
            "{path}"
        );
        for (address, line, why) in flow_logs {
            let r = result(&report, address, "flow-log-resource-exists");
            assert_eq!(r["status"], "FAIL", "{path}: {r}");
            assert_eq!(r["location"]["line"], line, "{path}: {r}");
            assert!(
                r["message"].as_str().is_some_and(|m| m.contains(why)),
                "{path}: {r}"
            );
        }
    }
}

/// A flow log whose target is known only at apply time puts in doubt only the
/// VPCs it could be: an input (a variable, a parameter) cannot be a VPC the
/// same file declares, so that VPC keeps its FAIL; an unknown index into a
/// counted VPC makes only that VPC's instances SKIPPED.
#[test]
fn an_unknown_target_skips_only_the_vpcs_it_could_be() {
    let (code, stdout, stderr) = run(&[
        "iac",
        &corpus("terraform/unknown-targets"),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    assert_eq!(
        result(&report, "aws_vpc.alone", "vpc-flow-logs-enabled")["status"],
        "FAIL"
    );
    for pair in ["aws_vpc.pair[0]", "aws_vpc.pair[1]"] {
        let r = result(&report, pair, "vpc-flow-logs-enabled");
        assert_eq!(r["status"], "SKIPPED", "{r}");
        assert!(
            r["message"]
                .as_str()
                .is_some_and(|m| m.contains("var.which")),
            "{r}"
        );
    }
    let (code, stdout, stderr) = run(&[
        "iac",
        &corpus("cloudformation/parameter-target.yaml"),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        result(&parse_json(&stdout), "Vpc", "vpc-flow-logs-enabled")["status"],
        "FAIL"
    );
}

/// Values built with Terraform's common functions are evaluated (the verdicts
/// are exact); a function flowaudit does not evaluate makes the result SKIPPED
/// naming it.
#[test]
fn terraform_functions_are_evaluated_or_named() {
    // Its log groups have no KMS key (flow-log-destination-encrypted, low): not
    // what this test is about.
    let (code, stdout, stderr) = run(&[
        "iac",
        &corpus("terraform/functions"),
        "--fail-on",
        "medium",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let report = parse_json(&stdout);
    let retention = result(&report, "aws_vpc.core", "flow-log-retention");
    assert_eq!(retention["status"], "PASS", "{retention}");
    assert!(
        retention["message"]
            .as_str()
            .is_some_and(|m| m.contains("400 days")),
        "{retention}"
    );
    let rejects = result(&report, "aws_vpc.core", "vpc-flow-logs-capture-rejects");
    assert_eq!(rejects["status"], "PASS", "{rejects}");
    assert_eq!(rejects["vpc_name"], "core");
    let edge = result(&report, "aws_vpc.edge", "flow-log-retention");
    assert_eq!(edge["status"], "SKIPPED", "{edge}");
    assert!(
        edge["message"].as_str().is_some_and(
            |m| m.contains("uses the function `cidrsubnet`, which flowaudit does not evaluate")
        ),
        "{edge}"
    );
}

/// `flow-log-record-fields` before deployment: the declared format at the
/// flow log's own line, judged against `--required-fields` as in the cloud.
#[test]
fn declared_log_formats_are_judged_with_the_required_fields() {
    let (code, stdout, stderr) = run(&[
        "iac",
        &corpus("terraform/log-format"),
        "--required-fields",
        "pkt-srcaddr,flow-direction",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    let status =
        |address: &str| result(&report, address, "flow-log-record-fields")["status"].clone();
    assert_eq!(status("aws_flow_log.rich"), "PASS");
    assert_eq!(status("aws_flow_log.default_format"), "FAIL");
    assert_eq!(status("aws_flow_log.from_variable"), "SKIPPED");
    let slim = result(
        &report,
        "aws_flow_log.default_format",
        "flow-log-record-fields",
    );
    assert!(
        slim["message"]
            .as_str()
            .unwrap_or_default()
            .contains("\"pkt-srcaddr\", \"flow-direction\""),
        "{slim}"
    );
}
