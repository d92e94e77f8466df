//! The built binary without AWS: demo, check, checks, explain, options, exit codes,
//! bad input. Snapshots (insta) of what users see.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{parse_json, results, run};
use serde_json::Value;

fn demo_json(extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["demo", "--format", "json"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = run(&args);
    assert!(stderr.is_empty(), "{stderr}");
    (code, parse_json(&stdout))
}

fn status_of<'a>(report: &'a Value, check: &str, resource: &str) -> &'a str {
    results(report)
        .iter()
        .find(|r| r["check_id"] == check && r["resource_id"] == resource)
        .and_then(|r| r["status"].as_str())
        .unwrap_or_else(|| panic!("no {check} result for {resource}"))
}

/// Writes `inventory` to a temporary file; returns the directory guard and path.
fn inventory_file(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("inventory.json");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    (dir, path.to_string_lossy().into_owned())
}

/// The demo inventory without its unreadable region.
fn readable_demo_inventory() -> String {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("demo.json");
    let path = path.to_string_lossy();
    let report = dir.path().join("report.txt");
    let (code, _, stderr) = run(&[
        "demo",
        "--save-inventory",
        &path,
        "--output",
        &report.to_string_lossy(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    let mut inv = parse_json(&std::fs::read_to_string(&*path).unwrap_or_default());
    if let Some(regions) = inv["accounts"][0]["regions"].as_array_mut() {
        regions.retain(|r| r.get("error").is_none());
    }
    inv.to_string()
}

#[test]
fn demo_exits_1_and_shows_every_check_passing_and_failing() {
    // With the sample's central archive approved (without it,
    // flow-log-approved-destination is SKIPPED for every VPC).
    let approved = flowaudit_core::demo::APPROVED_DESTINATIONS.join(",");
    let (code, report) = demo_json(&["--approved-destinations", &approved]);
    assert_eq!(code, 1);
    assert_eq!(report["schema"], "flowaudit.report/v1");
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in results(&report) {
        for field in [
            "check_id",
            "status",
            "severity",
            "account_id",
            "region",
            "resource_type",
            "resource_id",
            "message",
            "evidence",
            "compliance",
        ] {
            assert!(r.get(field).is_some(), "result lacks {field}: {r}");
        }
        seen.entry(r["check_id"].as_str().unwrap_or_default().to_string())
            .or_default()
            .insert(r["status"].as_str().unwrap_or_default().to_string());
    }
    assert_eq!(
        seen.len(),
        flowaudit_core::checks::REGISTRY.len(),
        "{seen:?}"
    );
    for (check, statuses) in &seen {
        assert!(
            statuses.contains("PASS") && statuses.contains("FAIL"),
            "{check}: {statuses:?}"
        );
    }
    // Every VPC gets exactly one result per VPC-level check.
    let vpc_checks = [
        "vpc-flow-logs-enabled",
        "vpc-flow-logs-delivering",
        "vpc-flow-logs-capture-rejects",
        "flow-log-approved-destination",
    ];
    let vpcs = report["summary"]["vpcs"].as_u64().unwrap_or_default() as usize;
    for check in vpc_checks {
        let n = results(&report)
            .iter()
            .filter(|r| r["check_id"] == check && r["resource_type"] == "vpc")
            .count();
        assert_eq!(n, vpcs, "{check}");
    }
    let errors: Vec<&Value> = results(&report)
        .iter()
        .filter(|r| r["status"] == "ERROR")
        .collect();
    // The unreadable region gets one ERROR per VPC- and region-level check.
    let per_region = common::per_region_checks();
    assert_eq!(errors.len(), per_region);
    assert!(errors.iter().all(|r| r["region"] == "ap-southeast-2"));
}

#[test]
fn demo_table_snapshot() {
    let (code, stdout, _) = run(&["demo", "--color", "never"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("demo_table", stdout);
}

#[test]
fn demo_json_snapshot() {
    let (_, stdout, _) = run(&["demo", "--format", "json"]);
    insta::assert_snapshot!("demo_json", stdout);
}

#[test]
fn checks_and_explain() {
    let (code, stdout, _) = run(&["checks"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("checks", stdout);
    let (code, stdout, _) = run(&["checks", "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(
        parse_json(&stdout).as_array().map(Vec::len),
        Some(flowaudit_core::checks::catalog().count())
    );

    let (code, stdout, _) = run(&["explain", "vpc-flow-logs-enabled"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("CIS AWS Foundations Benchmark v3.0.0: 3.7"),
        "{stdout}"
    );
    assert!(stdout.contains("Checkov: CKV2_AWS_11"));
    insta::assert_snapshot!("explain_enabled", stdout);

    let (code, stdout, _) = run(&["explain", "flow-log-retention", "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(parse_json(&stdout)["id"], "flow-log-retention");

    let (code, stdout, stderr) = run(&["explain", "no-such-check"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.starts_with(
            "error: unknown check `no-such-check`; known checks and findings: vpc-flow-logs-enabled"
        ),
        "{stderr}"
    );
}

#[test]
fn help_snapshots() {
    let (code, stdout, _) = run(&["--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("help", stdout);
    let (_, stdout, _) = run(&["scan", "--help"]);
    insta::assert_snapshot!("help_scan", stdout);
    let (_, stdout, _) = run(&["check", "--help"]);
    insta::assert_snapshot!("help_check", stdout);
}

#[test]
fn truncated_inventory_is_a_one_line_error_with_position() {
    let full = readable_demo_inventory();
    let cut = &full[..full.len() / 2];
    let (_dir, path) = inventory_file(cut);
    let (code, stdout, stderr) = run(&["check", "--inventory", &path]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with(&format!("error: {path}:1:")), "{stderr}");
    assert!(stderr.contains("EOF while parsing"), "{stderr}");
}

#[test]
fn bad_inventories_exit_2_with_clear_errors() {
    let cases = [
        ("not json at all", "expected ident"),
        ("{\"schema\": \"flowaudit.inventory/v2\"}", "unsupported inventory schema `flowaudit.inventory/v2`"),
        ("{\"accounts\": []}", "missing `schema` field"),
        (
            "{\"schema\": \"flowaudit.inventory/v1\",\n \"collected_at\": \"2026-01-01T00:00:00Z\",\n \"accounts\": [{\"account_id\": \"1\", \"regions\": [{\"region\": \"x\", \"vpcs\": [{\"owner_id\": \"1\"}]}]}]}",
            ":3:88: at `accounts[0].regions[0].vpcs[0]`: missing field `vpc_id`",
        ),
        (
            "{\"schema\": \"flowaudit.inventory/v1\", \"collected_at\": \"yesterday\", \"accounts\": []}",
            "collected_at",
        ),
    ];
    for (text, expected) in cases {
        let (_dir, path) = inventory_file(text);
        let (code, _, stderr) = run(&["check", "--inventory", &path]);
        assert_eq!(code, 2, "{text}: {stderr}");
        assert!(stderr.contains(expected), "{text}: {stderr}");
        assert!(stderr.contains(&path), "{stderr}");
        assert!(!stderr.contains("panicked"));
    }
    // Standard input, named as such in errors.
    let mut child = common::bin()
        .args(["check", "--inventory", "-"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin
            .write_all(b"{\"schema\": ")
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let (code, _, stderr) = common::output(child.wait_with_output());
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: <stdin>:1:"), "{stderr}");

    let (code, _, stderr) = run(&["check", "--inventory", "/nonexistent/inventory.json"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("could not read inventory /nonexistent/inventory.json"),
        "{stderr}"
    );
}

#[test]
fn fail_on_sets_the_exit_code() {
    let (_dir, path) = inventory_file(&readable_demo_inventory());
    let code_for = |fail_on: &str| {
        run(&[
            "check",
            "--inventory",
            &path,
            "--fail-on",
            fail_on,
            "--format",
            "json",
        ])
        .0
    };
    assert_eq!(code_for("low"), 1);
    assert_eq!(
        code_for("high"),
        1,
        "the readable demo still has high failures"
    );
    assert_eq!(code_for("critical"), 0, "no critical checks");
    // ERROR results always fail the run.
    assert_eq!(
        run(&["demo", "--fail-on", "critical", "--format", "json"]).0,
        1
    );
    // Usage errors are exit 2.
    assert_eq!(run(&["demo", "--fail-on", "severe"]).0, 2);
}

#[test]
fn options_change_results() {
    let (_, base) = demo_json(&[]);
    let default_vpc = "vpc-0d3fa017c5e1b2a99";
    assert_eq!(
        status_of(&base, "vpc-flow-logs-enabled", default_vpc),
        "FAIL"
    );
    let (_, skipped) = demo_json(&["--skip-default-vpcs"]);
    assert_eq!(
        status_of(&skipped, "vpc-flow-logs-enabled", default_vpc),
        "SKIPPED"
    );
    let (_, unused) = demo_json(&["--skip-unused-vpcs"]);
    assert_eq!(
        status_of(&unused, "vpc-flow-logs-enabled", default_vpc),
        "SKIPPED"
    );

    let reject_only = "vpc-07aa11bb22cc30101";
    assert_eq!(
        status_of(&base, "vpc-flow-logs-capture-rejects", reject_only),
        "PASS"
    );
    let (_, all) = demo_json(&["--required-traffic-type", "all"]);
    assert_eq!(
        status_of(&all, "vpc-flow-logs-capture-rejects", reject_only),
        "FAIL"
    );

    let fourteen_days = "fl-0f1e2d3c4b5a60003";
    assert_eq!(
        status_of(&base, "flow-log-retention", fourteen_days),
        "FAIL"
    );
    let (_, short) = demo_json(&["--min-retention-days", "14"]);
    assert_eq!(
        status_of(&short, "flow-log-retention", fourteen_days),
        "PASS"
    );
    assert_eq!(short["settings"]["min_retention_days"], 14);

    assert_eq!(
        status_of(&base, "flow-log-recent-delivery", fourteen_days),
        "FAIL"
    );
    let (_, lenient) = demo_json(&["--max-delivery-age-hours", "100"]);
    assert_eq!(
        status_of(&lenient, "flow-log-recent-delivery", fourteen_days),
        "PASS"
    );

    let young = "fl-01234abcd5678e103";
    assert_eq!(
        status_of(&base, "flow-log-recent-delivery", young),
        "SKIPPED"
    );
    let (_, no_grace) = demo_json(&["--delivery-grace-minutes", "0"]);
    assert_eq!(
        status_of(&no_grace, "flow-log-recent-delivery", young),
        "FAIL"
    );
}

#[test]
fn output_file_and_colour() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("report.json");
    let path_str = path.to_string_lossy();
    let (code, stdout, _) = run(&["demo", "--format", "json", "--output", &path_str]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    let written = parse_json(&std::fs::read_to_string(&path).unwrap_or_default());
    assert_eq!(written["schema"], "flowaudit.report/v1");

    // A link planted where a predictable temporary file would go is not followed.
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "keep").unwrap_or_else(|e| panic!("{e}"));
    for planted in ["report.json.tmp", "report.tmp", ".report.json.tmp"] {
        std::os::unix::fs::symlink(&victim, dir.path().join(planted))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let (code, _, stderr) = run(&["demo", "--format", "json", "--output", &path_str]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&victim).ok().as_deref(),
        Some("keep")
    );
    let written = parse_json(&std::fs::read_to_string(&path).unwrap_or_default());
    assert_eq!(written["schema"], "flowaudit.report/v1");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        leftovers
            .iter()
            .all(|n| !n.to_string_lossy().starts_with(".flowaudit-")),
        "temporary files are removed: {leftovers:?}"
    );

    let (code, _, stderr) = run(&["demo", "--output", "/nonexistent/dir/report.txt"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("/nonexistent/dir/report"), "{stderr}");

    // Special files are written in place, never replaced by a rename.
    let (code, _, stderr) = run(&["demo", "--output", "/dev/null"]);
    assert_eq!(code, 1, "{stderr}");
    {
        use std::os::unix::fs::FileTypeExt;
        let meta = std::fs::metadata("/dev/null").unwrap_or_else(|e| panic!("{e}"));
        assert!(
            meta.file_type().is_char_device(),
            "/dev/null must stay a device"
        );
    }

    let (_, piped, _) = run(&["demo"]);
    assert!(!piped.contains('\u{1b}'), "plain when piped");
    let (_, forced, _) = run(&["demo", "--color", "always"]);
    assert!(forced.contains('\u{1b}'));
    let (_, never, _) = run(&["demo", "--color", "never"]);
    assert_eq!(never, piped);
}

#[test]
fn check_of_saved_demo_inventory_matches_demo() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("demo.json");
    let path = path.to_string_lossy();
    let (code, demo_out, _) = run(&["demo", "--format", "json", "--save-inventory", &path]);
    assert_eq!(code, 1);
    let (code, check_out, _) = run(&["check", "--inventory", &path, "--format", "json"]);
    assert_eq!(code, 1);
    let (demo, check) = (parse_json(&demo_out), parse_json(&check_out));
    assert_eq!(demo["results"], check["results"]);
    assert_eq!(check["source"], format!("inventory:{path}"));
}

#[test]
fn permissions_is_a_valid_read_only_policy() {
    let (code, stdout, _) = run(&["permissions"]);
    assert_eq!(code, 0);
    let policy = parse_json(&stdout);
    let actions: Vec<&str> = policy["Statement"][0]["Action"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for needed in [
        "ec2:DescribeVpcs",
        "ec2:DescribeFlowLogs",
        "logs:DescribeLogGroups",
        "cloudwatch:GetMetricData",
        "iam:GetRole",
        "s3:GetLifecycleConfiguration",
        "s3:GetEncryptionConfiguration",
        "sts:GetCallerIdentity",
    ] {
        assert!(actions.contains(&needed), "{needed} missing");
    }
    let (code, stdout, _) = run(&["permissions", "--fix"]);
    assert_eq!(code, 0);
    let with_fix = parse_json(&stdout);
    assert_eq!(with_fix["Statement"].as_array().map(Vec::len), Some(2));
    assert!(stdout.contains("ec2:CreateFlowLogs") && stdout.contains("iam:PassRole"));
    let (_, stdout, _) = run(&["permissions", "--org", "--security-hub"]);
    let org = parse_json(&stdout);
    let sids: Vec<&str> = org["Statement"]
        .as_array()
        .map(|s| s.iter().filter_map(|x| x["Sid"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        sids,
        [
            "FlowauditReadOnly",
            "FlowauditOrganization",
            "FlowauditAssumeMemberRole",
            "FlowauditSecurityHub"
        ]
    );
    assert!(stdout.contains("arn:aws:iam::*:role/OrganizationAccountAccessRole"));
    let (_, stdout, _) = run(&["permissions", "--org", "Auditor"]);
    assert!(stdout.contains("arn:aws:iam::*:role/Auditor"));
    // What `analyze` calls on S3 and CloudWatch Logs (see logsource.rs).
    let (_, stdout, _) = run(&["permissions", "--analyze"]);
    let analyze = parse_json(&stdout);
    assert_eq!(analyze["Statement"][1]["Sid"], "FlowauditAnalyzeFlowLogs");
    for action in [
        "s3:ListBucket",
        "s3:GetObject",
        "logs:FilterLogEvents",
        "ec2:DescribeFlowLogs",
    ] {
        assert!(
            analyze["Statement"][1]["Action"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == action)),
            "{action}"
        );
    }
    let writes = ["Create", "Put", "Delete", "Update", "Attach"];
    assert!(actions.iter().all(|a| !writes.iter().any(|w| a
        .split(':')
        .nth(1)
        .unwrap_or_default()
        .starts_with(w))));
}

/// Values flowaudit does not know fail closed and are named: a traffic type
/// (never read as ALL), a destination type (never read as CloudWatch Logs), a
/// flow-log status, a delivery status (never read as delivering, nor a
/// missing one); a VPC without OwnerId is judged, not skipped as shared.
#[test]
fn unknown_values_fail_closed_and_are_named() {
    let mut inventory = parse_json(&readable_demo_inventory());
    let regions = inventory["accounts"][0]["regions"]
        .as_array_mut()
        .unwrap_or_else(|| panic!("no regions"));
    for region in regions.iter_mut() {
        for f in region["flow_logs"].as_array_mut().into_iter().flatten() {
            match f["flow_log_id"].as_str().unwrap_or_default() {
                "fl-0f1e2d3c4b5a60001" => f["traffic_type"] = "EVERYTHING-NEW".into(),
                "fl-0f1e2d3c4b5a60002" => f["destination_type"] = "kafka".into(),
                "fl-01234abcd5678e103" => f["flow_log_status"] = "SUSPENDED".into(),
                "fl-0f1e2d3c4b5a60003" => f["deliver_logs_status"] = "THROTTLED".into(),
                "fl-01234abcd5678e101" => {
                    if let Some(map) = f.as_object_mut() {
                        map.remove("deliver_logs_status");
                    }
                }
                _ => {}
            }
        }
        for v in region["vpcs"].as_array_mut().into_iter().flatten() {
            if v["vpc_id"] == "vpc-0a1b2c3d4e5f60004" {
                if let Some(map) = v.as_object_mut() {
                    map.remove("owner_id");
                }
            }
        }
    }
    let (_dir, path) = inventory_file(&inventory.to_string());
    let (code, stdout, stderr) = run(&["check", "--inventory", &path, "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    let r = common::vpc_result(
        &report,
        "vpc-flow-logs-capture-rejects",
        "vpc-0a1b2c3d4e5f60001",
    );
    assert_eq!(r["status"], "FAIL", "{r:#}");
    assert!(
        r["message"]
            .as_str()
            .is_some_and(|m| m.contains("\"EVERYTHING-NEW\"")),
        "{r:#}"
    );
    let kafka: Vec<&serde_json::Value> = common::results(&report)
        .iter()
        .filter(|r| r["resource_id"] == "fl-0f1e2d3c4b5a60002")
        .collect();
    assert!(!kafka.is_empty());
    for r in &kafka {
        assert!(
            r["status"] == "ERROR" || r["status"] == "FAIL",
            "a flow log delivering to \"kafka\" is never passed: {r:#}"
        );
    }
    assert!(kafka.iter().any(|r| r["message"]
        .as_str()
        .is_some_and(|m| m.contains("\"kafka\""))));
    let r = common::vpc_result(&report, "vpc-flow-logs-enabled", "vpc-07aa11bb22cc30103");
    assert_eq!(r["status"], "FAIL", "{r:#}");
    assert!(
        r["message"]
            .as_str()
            .is_some_and(|m| m.contains("SUSPENDED")),
        "{r:#}"
    );
    let r = common::vpc_result(&report, "vpc-flow-logs-enabled", "vpc-0a1b2c3d4e5f60004");
    assert_eq!(r["status"], "FAIL", "judged, not skipped as shared: {r:#}");
    for (flow_log, named) in [
        ("fl-0f1e2d3c4b5a60003", "\"THROTTLED\""),
        ("fl-01234abcd5678e101", "\"none given\""),
    ] {
        let vpc = flow_log_vpc(&inventory, flow_log);
        let r = common::vpc_result(&report, "vpc-flow-logs-delivering", &vpc);
        assert_eq!(r["status"], "ERROR", "{r:#}");
        assert!(
            r["message"]
                .as_str()
                .is_some_and(|m| m.contains(&format!("{flow_log}: {named}"))),
            "{r:#}"
        );
    }
}

/// The VPC a flow log of the inventory is attached to.
fn flow_log_vpc(inventory: &serde_json::Value, flow_log: &str) -> String {
    inventory["accounts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|a| a["regions"].as_array().into_iter().flatten())
        .flat_map(|r| r["flow_logs"].as_array().into_iter().flatten())
        .find(|f| f["flow_log_id"] == flow_log)
        .and_then(|f| f["resource_id"].as_str())
        .unwrap_or_else(|| panic!("no flow log {flow_log}"))
        .to_string()
}

/// Every option the README's option tables list is an option of some command,
/// so the README cannot keep an option the binary dropped or renamed.
#[test]
fn readme_option_tables_match_the_help() {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let listed: std::collections::BTreeSet<String> = readme
        .lines()
        .filter(|l| l.starts_with("| `--"))
        .flat_map(|l| {
            let cell = l.split('|').nth(1).unwrap_or_default().to_string();
            cell.split('`')
                .filter(|part| part.starts_with("--"))
                .map(|part| {
                    part.split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_string()
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(listed.len() > 10, "{listed:?}");
    let (_, top, _) = run(&["--help"]);
    let commands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() > 10, "{top}");
    let mut help = top.clone();
    for command in &commands {
        let (code, text, stderr) = run(&[command, "--help"]);
        assert_eq!(code, 0, "{command}: {stderr}");
        help.push_str(&text);
    }
    let missing: Vec<&String> = listed
        .iter()
        .filter(|flag| {
            !help
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .any(|word| word == flag.as_str())
        })
        .collect();
    assert!(
        missing.is_empty(),
        "in the README, not in any --help: {missing:?}"
    );
}

/// An AWS endpoint that refuses connections gives one readable sentence and exit
/// 2: the error chain's messages, no Debug dump of the SDK's types, and none of
/// the SDK's own warnings (no region in IMDS) at default verbosity.
#[test]
fn an_unreachable_endpoint_is_one_sentence_without_debug_dumps() {
    let port = common::free_port();
    let url = format!("http://127.0.0.1:{port}");
    // No region anywhere, so the SDK looks in IMDS and warns when it is not there.
    let mut cmd = common::bin();
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_EC2_METADATA_DISABLED")
        .env_remove("AWS_ENDPOINT_URL")
        .args(["scan", "--endpoint-url", &url])
        .args(["--regions", "us-east-1", "--max-attempts", "1"]);
    let (code, stdout, stderr) = common::output(cmd.output());
    assert_eq!(code, 2, "{stdout}{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0]
            .starts_with("error: could not identify the AWS account (no usable credentials?): ")
            && lines[0].contains("Connection refused"),
        "{stderr}"
    );
    for debug in ["{ ", "Some(", "DispatchFailure(", "ConnectorError"] {
        assert!(!stderr.contains(debug), "{debug} in {stderr}");
    }
}

/// A scan with no credentials anywhere: one line on standard error that says
/// what was tried and how to provide credentials, exit 2.
#[test]
fn a_scan_without_credentials_says_how_to_provide_them_in_one_line() {
    let home = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut cmd = common::bin();
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("FLOWAUDIT_NO_HISTORY", "1")
        .env("AWS_CONFIG_FILE", home.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("none"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args(["scan", "--regions", "us-east-1"]);
    let (code, stdout, stderr) = common::output(cmd.output());
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    insta::assert_snapshot!("no_credentials", stderr);
}

/// The names a plan will put into commands are checked where they are given,
/// on the command line and in the config file, with exit 2 naming the value.
#[test]
fn fix_role_name_and_bucket_arn_are_checked_where_given() {
    let (code, _, stderr) = run(&["demo", "--fix-role-name", "flow logs;rm"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("\"flow logs;rm\" is not a valid IAM role name"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&[
        "demo",
        "--fix-destination",
        "s3",
        "--fix-bucket-arn",
        "arn:aws:s3:::Not_A_Bucket",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is not a valid S3 bucket ARN"), "{stderr}");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config = dir.path().join("flowaudit.toml");
    std::fs::write(&config, "[remediation]\nrole_name = \"a b\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let config = config.display().to_string();
    let (code, _, stderr) = run(&["demo", "--config", &config]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(&format!(
            "{config}:2:13: \"a b\" is not a valid IAM role name"
        )),
        "{stderr}"
    );
}

/// `--required-fields` (and `[checks] required_fields`) adds fields every
/// flow log must record; an unknown name is refused with exit 2.
#[test]
fn required_fields_are_checked_and_unknown_names_refused() {
    let (code, stdout, stderr) = run(&[
        "demo",
        "--format",
        "json",
        "--required-fields",
        "tcp_flags,pkt-srcaddr",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    let r = common::results(&report)
        .iter()
        .find(|r| {
            r["check_id"] == "flow-log-record-fields" && r["resource_id"] == "fl-01234abcd5678e101"
        })
        .unwrap_or_else(|| panic!("no record-fields result for fl-01234abcd5678e101"));
    assert_eq!(r["status"], "FAIL", "{r:#}");
    assert!(
        r["message"]
            .as_str()
            .is_some_and(|m| m.contains("\"tcp-flags\", \"pkt-srcaddr\"")),
        "{r:#}"
    );
    let (code, _, stderr) = run(&["demo", "--required-fields", "tcp-flag"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`tcp-flag` is not a flow-log record field"),
        "{stderr}"
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config = dir.path().join("flowaudit.toml");
    std::fs::write(
        &config,
        "[checks]\nrequired_fields = [\"srcaddr\", \"colour\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let config = config.display().to_string();
    let (code, _, stderr) = run(&["demo", "--config", &config]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(&format!("{config}:2:")) && stderr.contains("`colour`"),
        "{stderr}"
    );
}
