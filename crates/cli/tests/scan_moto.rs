//! `flowaudit scan`, the real binary against a real moto server.

mod common;

use common::{parse_json, results, vpc_result, Moto};
use serde_json::Value;

fn scan_json(moto: &Moto, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["scan", "--format", "json", "--quiet"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = moto.flowaudit(&args);
    assert!(
        code == 0 || code == 1,
        "exit {code}\nstderr: {stderr}\nstdout: {stdout}"
    );
    (code, parse_json(&stdout), stderr)
}

#[test]
fn every_check_passes_and_fails_against_moto() {
    let moto = Moto::start();
    let seeded = moto.seed(&["checks"]);
    let vpc = |name: &str| {
        seeded["vpcs"][name]
            .as_str()
            .unwrap_or_else(|| panic!("seed did not create {name}"))
            .to_string()
    };
    let (code, report, _) = scan_json(
        &moto,
        &[
            "--regions",
            "us-east-1,eu-west-1",
            "--delivery-grace-minutes",
            "0",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(report["schema"], "flowaudit.report/v1");
    let status = |check: &str, name: &str| -> String {
        vpc_result(&report, check, &vpc(name))["status"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let expect = [
        ("vpc-flow-logs-enabled", "good", "PASS"),
        ("vpc-flow-logs-enabled", "subnet-only", "FAIL"),
        ("vpc-flow-logs-enabled", "good-eu", "PASS"),
        ("vpc-flow-logs-delivering", "good", "PASS"),
        ("vpc-flow-logs-delivering", "missing", "FAIL"),
        ("vpc-flow-logs-delivering", "subnet-only", "SKIPPED"),
        ("vpc-flow-logs-capture-rejects", "good", "PASS"),
        ("vpc-flow-logs-capture-rejects", "nocond", "PASS"),
        ("vpc-flow-logs-capture-rejects", "accept", "FAIL"),
        ("flow-log-destination-exists", "good", "PASS"),
        ("flow-log-destination-exists", "missing", "FAIL"),
        ("flow-log-destination-exists", "s3", "PASS"),
        ("flow-log-destination-exists", "s3-gone", "FAIL"),
        ("flow-log-retention", "good", "PASS"),
        ("flow-log-retention", "nocond", "PASS"),
        ("flow-log-retention", "accept", "FAIL"),
        ("flow-log-retention", "s3", "FAIL"),
        ("flow-log-retention", "missing", "SKIPPED"),
        ("flow-log-delivery-role", "good", "PASS"),
        ("flow-log-delivery-role", "nocond", "PASS"),
        ("flow-log-delivery-role", "accept", "FAIL"),
        ("flow-log-delivery-role", "subnet-only", "FAIL"),
        ("flow-log-destination-shared", "good", "PASS"),
        ("flow-log-destination-shared", "accept", "FAIL"),
        ("flow-log-destination-shared", "subnet-only", "FAIL"),
        ("flow-log-recent-delivery", "good", "PASS"),
        ("flow-log-recent-delivery", "s3", "PASS"),
        ("flow-log-recent-delivery", "accept", "FAIL"),
        ("flow-log-recent-delivery", "nocond", "SKIPPED"),
    ];
    let mut wrong = Vec::new();
    for (check, name, want) in expect {
        let got = status(check, name);
        if got != want {
            wrong.push(format!("{check} on {name}: expected {want}, got {got}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Messages carry the facts.
    let failed = vpc_result(&report, "vpc-flow-logs-delivering", &vpc("missing"));
    assert!(failed["message"]
        .as_str()
        .unwrap_or_default()
        .contains("Access error"));
    let nocond = vpc_result(&report, "flow-log-delivery-role", &vpc("nocond"));
    assert!(nocond["message"]
        .as_str()
        .unwrap_or_default()
        .contains("confused-deputy"));
    let partial = vpc_result(&report, "vpc-flow-logs-enabled", &vpc("subnet-only"));
    assert!(partial["message"]
        .as_str()
        .unwrap_or_default()
        .contains("only partly covered by flow logs on subnet"));

    // Default VPCs (moto makes one per region) are evaluated, and skipped on request.
    let defaults: Vec<&Value> = results(&report)
        .iter()
        .filter(|r| r["check_id"] == "vpc-flow-logs-enabled" && r["vpc_name"].is_null())
        .collect();
    assert_eq!(defaults.len(), 2, "{defaults:#?}");
    assert!(defaults.iter().all(|r| r["status"] == "FAIL"));
    let (_, skipped, _) = scan_json(
        &moto,
        &["--regions", "us-east-1,eu-west-1", "--skip-default-vpcs"],
    );
    let defaults: Vec<&Value> = results(&skipped)
        .iter()
        .filter(|r| r["check_id"] == "vpc-flow-logs-enabled" && r["vpc_name"].is_null())
        .collect();
    assert_eq!(defaults.len(), 2);
    assert!(
        defaults.iter().all(|r| r["status"] == "SKIPPED"),
        "{defaults:#?}"
    );
}

#[test]
fn saved_inventory_reproduces_the_scan() {
    let moto = Moto::start();
    moto.seed(&["checks"]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let inventory = dir.path().join("inventory.json");
    let inventory = inventory.to_string_lossy();
    let (scan_code, scanned, _) = scan_json(
        &moto,
        &[
            "--regions",
            "us-east-1,eu-west-1",
            "--save-inventory",
            &inventory,
        ],
    );
    let (check_code, stdout, stderr) =
        common::run(&["check", "--inventory", &inventory, "--format", "json"]);
    assert_eq!(check_code, scan_code, "{stderr}");
    let checked = parse_json(&stdout);
    assert_eq!(checked["results"], scanned["results"]);
    assert_eq!(checked["summary"], scanned["summary"]);
    assert!(results(&checked).len() > 40);
}

/// Calls made in `region` by a scan with `--stats`.
fn region_calls(report: &Value, region: &str) -> u64 {
    report["stats"]["calls_by_scope"][region]
        .as_u64()
        .unwrap_or_else(|| panic!("no call count for {region}: {}", report["stats"]))
}

#[test]
fn api_calls_do_not_grow_with_vpcs() {
    let regions = "us-east-1,eu-west-1";
    let moto = Moto::start();
    moto.seed(&["many", "--regions", regions, "--vpcs", "5"]);
    let (_, small, _) = scan_json(&moto, &["--regions", regions, "--stats"]);
    moto.seed(&["many", "--regions", regions, "--vpcs", "45"]);
    let (_, large, _) = scan_json(&moto, &["--regions", regions, "--stats"]);

    let flow_logs = |report: &Value| {
        results(report)
            .iter()
            .filter(|r| r["check_id"] == "flow-log-destination-exists" && r["status"] == "PASS")
            .count()
    };
    assert_eq!(flow_logs(&small), 10);
    assert_eq!(
        flow_logs(&large),
        100,
        "each of 50 VPCs per region has its own log group"
    );
    for region in ["us-east-1", "eu-west-1"] {
        let (a, b) = (region_calls(&small, region), region_calls(&large, region));
        assert_eq!(a, b, "{region}: {a} calls with 5 VPCs, {b} with 50");
        assert_eq!(
            a, 8,
            "six EC2 lists, one DescribeLogGroups, one GetMetricData"
        );
    }
    assert_eq!(small["stats"]["total_calls"], large["stats"]["total_calls"]);
}

#[test]
fn log_groups_are_paginated() {
    let moto = Moto::start();
    moto.seed(&["many", "--regions", "us-east-1", "--vpcs", "12"]);
    let (_, report, _) = scan_json(
        &moto,
        &["--regions", "us-east-1", "--stats", "--page-size", "5"],
    );
    let pages = report["stats"]["calls"]["CloudWatch Logs:DescribeLogGroups"]["calls"].as_u64();
    assert_eq!(pages, Some(3), "12 groups at 5 a page: {}", report["stats"]);
    let exists: Vec<&Value> = results(&report)
        .iter()
        .filter(|r| r["check_id"] == "flow-log-destination-exists")
        .collect();
    assert_eq!(exists.len(), 12);
    assert!(exists.iter().all(|r| r["status"] == "PASS"), "{exists:#?}");
}

#[test]
fn a_failing_region_is_error_and_the_others_complete() {
    let moto = Moto::start();
    moto.seed(&["checks"]);
    let closed = format!("eu-west-1=http://127.0.0.1:{}", common::free_port());
    let (code, report, _) = scan_json(
        &moto,
        &[
            "--regions",
            "us-east-1,eu-west-1",
            "--endpoint-url-region",
            &closed,
            "--max-attempts",
            "2",
            "--call-timeout",
            "3",
        ],
    );
    assert_eq!(code, 1);
    let eu: Vec<&Value> = results(&report)
        .iter()
        .filter(|r| r["region"] == "eu-west-1")
        .collect();
    assert_eq!(
        eu.len(),
        common::per_region_checks(),
        "one ERROR per VPC- and region-level check: {eu:#?}"
    );
    assert!(eu
        .iter()
        .all(|r| r["status"] == "ERROR" && r["resource_type"] == "region"));
    assert!(eu[0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("region could not be read"));
    let us = results(&report)
        .iter()
        .filter(|r| r["region"] == "us-east-1")
        .count();
    assert!(us > 40, "us-east-1 fully reported: {us} results");
    assert_eq!(report["summary"]["regions_failed"], 1);
}

#[test]
fn nothing_readable_exits_2() {
    let moto = Moto::start();
    // Every region unreachable.
    let closed = format!("http://127.0.0.1:{}", common::free_port());
    let (code, _, stderr) = moto.flowaudit(&[
        "scan",
        "--regions",
        "us-east-1,eu-west-1",
        "--endpoint-url-region",
        &format!("us-east-1={closed}"),
        "--endpoint-url-region",
        &format!("eu-west-1={closed}"),
        "--max-attempts",
        "1",
        "--quiet",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("no region could be read (2 tried)"),
        "{stderr}"
    );

    // No endpoint at all answers: the account cannot be identified.
    let mut cmd = common::bin();
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .args([
            "scan",
            "--endpoint-url",
            &closed,
            "--max-attempts",
            "1",
            "--quiet",
        ]);
    let (code, stdout, stderr) = common::output(cmd.output());
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.starts_with("error: could not identify the AWS account"),
        "{stderr}"
    );
}

#[test]
fn default_regions_come_from_describe_regions() {
    let moto = Moto::start();
    let (_, report, _) = scan_json(&moto, &["--concurrency", "16", "--stats"]);
    let regions = report["summary"]["regions"].as_u64().unwrap_or_default();
    assert!(regions >= 15, "every enabled region scanned, got {regions}");
    assert_eq!(report["summary"]["regions_failed"], 0);
    assert_eq!(report["stats"]["calls"]["EC2:DescribeRegions"]["calls"], 1);
    // One default VPC per region, each evaluated.
    assert_eq!(report["summary"]["vpcs"].as_u64(), Some(regions));
}

#[test]
fn table_output_and_stats_against_moto() {
    let moto = Moto::start();
    moto.seed(&["checks"]);
    let (code, stdout, stderr) =
        moto.flowaudit(&["scan", "--regions", "us-east-1", "--stats", "--quiet"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(!stdout.contains('\u{1b}'), "no colour when piped");
    assert!(stdout.contains("us-east-1 · account 123456789012"));
    assert!(stdout.contains("API calls: "));
    assert!(stdout.contains("EC2:DescribeVpcs"));
    assert!(
        stderr.is_empty(),
        "no progress bar when stderr is not a terminal: {stderr}"
    );
}

#[test]
fn role_arn_scans_the_assumed_account() {
    let moto = Moto::start();
    moto.seed(&["checks"]);
    // moto gives credentials of the role's account, whose resources are its own:
    // the seeded VPCs of 123456789012 must not show up.
    let (_, report, _) = scan_json(
        &moto,
        &[
            "--regions",
            "us-east-1",
            "--role-arn",
            "arn:aws:iam::111111111111:role/flowaudit-audit",
            "--external-id",
            "audit-42",
        ],
    );
    let accounts: std::collections::BTreeSet<&str> = results(&report)
        .iter()
        .filter_map(|r| r["account_id"].as_str())
        .collect();
    assert_eq!(
        accounts.into_iter().collect::<Vec<_>>(),
        vec!["111111111111"]
    );
    assert_eq!(
        report["summary"]["vpcs"], 1,
        "only the member account's default VPC"
    );
}

#[test]
fn progress_bar_only_on_a_terminal() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let report = dir.path().join("report.txt");
    // `script` gives the binary a terminal for stderr; stdout goes to a file.
    let command = format!(
        "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 {} scan --endpoint-url {} --regions us-east-1,eu-west-1 > {}",
        env!("CARGO_BIN_EXE_flowaudit"),
        moto.url,
        report.display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .unwrap_or_else(|e| panic!("`script` (util-linux) is needed for this test: {e}"));
    let terminal = String::from_utf8_lossy(&out.stdout);
    assert!(
        terminal.contains("reading regions"),
        "no progress bar on the terminal: {terminal:?}"
    );
    let written = std::fs::read_to_string(&report).unwrap_or_default();
    assert!(written.contains("Summary:"), "{written}");
    assert!(
        !written.contains("reading regions"),
        "the bar must not reach stdout"
    );
}

#[test]
fn security_hub_import_in_batches_of_100_per_region() {
    let moto = Moto::start();
    moto.seed(&["many", "--regions", "us-east-1,eu-west-1", "--vpcs", "20"]);
    // Without --quiet: the import summary is on standard error (-q keeps
    // standard error to errors only).
    let (code, stdout, stderr) = moto.flowaudit(&[
        "scan",
        "--format",
        "json",
        "--regions",
        "us-east-1,eu-west-1",
        "--security-hub",
    ]);
    assert!(code == 0 || code == 1, "exit {code}\n{stderr}");
    let report = parse_json(&stdout);
    let per_region = |region: &str| in_region(&report, region);
    let (us, eu) = (per_region("us-east-1"), per_region("eu-west-1"));
    assert!(
        us > 100,
        "the test needs more than one batch in a region ({us})"
    );
    let calls = us.div_ceil(100) + eu.div_ceil(100);
    assert!(
        stderr.contains(&format!(
            "imported {} of {} findings in {calls} BatchImportFindings call(s)",
            us + eu,
            us + eu
        )),
        "{stderr}"
    );
    for (region, expected) in [("us-east-1", us), ("eu-west-1", eu)] {
        let held = moto.seed(&["findings", "--region", region]);
        assert_eq!(held["count"], expected, "{region}");
        let findings = held["findings"].as_object().cloned().unwrap_or_default();
        for r in results(&report).iter().filter(|r| r["region"] == region) {
            let id = format!(
                "flowaudit/{}/{}/{}/{}",
                r["check_id"].as_str().unwrap_or_default(),
                r["account_id"].as_str().unwrap_or_default(),
                region,
                r["resource_id"].as_str().unwrap_or_default()
            );
            let f = &findings[&id];
            let want = match r["status"].as_str().unwrap_or_default() {
                "PASS" => "PASSED",
                "FAIL" | "EXCEPTED" => "FAILED",
                _ => "NOT_AVAILABLE",
            };
            assert_eq!(f["compliance"], want, "{id}");
            assert!(f["product_arn"]
                .as_str()
                .is_some_and(|a| a.starts_with(&format!("arn:aws:securityhub:{region}:"))));
        }
    }
    // Importing again updates the same findings (stable ids): no duplicates.
    scan_json(&moto, &["--regions", "us-east-1", "--security-hub"]);
    assert_eq!(
        moto.seed(&["findings", "--region", "us-east-1"])["count"],
        us
    );
}

/// A flow log whose VPC was deleted is reported (FAIL, naming both), not
/// dropped because no VPC of the region claims it.
#[test]
fn a_flow_log_of_a_deleted_vpc_is_reported() {
    let moto = Moto::start();
    let planted = moto.seed(&["orphan", "--region", "us-west-2"]);
    let flow_log = planted["flow_log_id"].as_str().unwrap_or_default();
    let vpc = planted["vpc_id"].as_str().unwrap_or_default();
    let (code, stdout, stderr) =
        moto.flowaudit(&["scan", "--regions", "us-west-2", "--format", "json", "-q"]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    let found: Vec<&Value> = results(&report)
        .iter()
        .filter(|r| r["check_id"] == "flow-log-resource-exists")
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["status"], "FAIL");
    assert_eq!(found[0]["resource_id"], flow_log);
    assert!(
        found[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains(&format!("VPC {vpc} is not in the inventory"))),
        "{}",
        found[0]
    );
}

/// Security Hub failing: a throttled import is retried and lands; a batch the
/// API refuses is named (region, size, reason), the others still land, and the
/// run exits 2 with one line per problem.
#[test]
fn security_hub_throttling_is_retried_and_a_refused_batch_is_named() {
    let moto = Moto::start();
    moto.seed(&["many", "--regions", "us-east-1,eu-west-1", "--vpcs", "20"]);
    let scan_via = |proxy: &common::Proxy| {
        common::flowaudit_at(
            &proxy.url,
            &[],
            &[
                "scan",
                "--format",
                "json",
                "--regions",
                "us-east-1,eu-west-1",
                "--security-hub",
            ],
        )
    };

    let throttled = common::Proxy::start(
        &moto.url,
        &["--fail", "BatchImportFindings:1:TooManyRequestsException"],
    );
    let (code, stdout, stderr) = scan_via(&throttled);
    assert!(code == 0 || code == 1, "exit {code}\n{stderr}");
    assert_eq!(throttled.stats()["failed"]["BatchImportFindings"], 1);
    let report = parse_json(&stdout);
    let per_region = |region: &str| in_region(&report, region);
    let (us, eu) = (per_region("us-east-1"), per_region("eu-west-1"));
    assert!(
        stderr.contains(&format!("imported {0} of {0} findings", us + eu)),
        "{stderr}"
    );
    drop(throttled);

    // Regions are imported in name order: the first call is eu-west-1's first batch.
    let refused = common::Proxy::start(
        &moto.url,
        &["--fail", "BatchImportFindings:1:AccessDeniedException"],
    );
    let (code, _, stderr) = scan_via(&refused);
    assert_eq!(code, 2, "{stderr}");
    let first = eu.min(100);
    assert!(
        stderr.contains(&format!(
            "  {first} findings in eu-west-1: securityhub:BatchImportFindings: AccessDeniedException"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "error: Security Hub did not import {first} of {} finding(s) (listed above)",
            us + eu
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("\\n"), "one message per line: {stderr}");
}

/// Findings Security Hub rejects (FailedFindings in a successful reply) are
/// named one per line with the API's code and message, and the run exits 2.
#[test]
fn security_hub_rejected_findings_are_named() {
    let moto = Moto::start();
    moto.seed(&["checks"]);
    let proxy = common::Proxy::start(&moto.url, &["--reject-findings"]);
    let (code, stdout, stderr) = common::flowaudit_at(
        &proxy.url,
        &[],
        &[
            "scan",
            "--format",
            "json",
            "--regions",
            "us-east-1",
            "--security-hub",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    let batches = proxy.stats()["rejected"].as_u64().unwrap_or_default();
    assert!(batches >= 1);
    let total = results(&parse_json(&stdout)).len();
    let rejected: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(": InvalidInput Finding rejected by the fault proxy"))
        .collect();
    assert_eq!(rejected.len() as u64, batches, "{stderr}");
    assert!(
        rejected.iter().all(|l| l.starts_with("  flowaudit/")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "error: Security Hub did not import {batches} of {total} finding(s) (listed above)"
        )),
        "{stderr}"
    );
}

/// How many results of `report` are in `region`.
fn in_region(report: &Value, region: &str) -> usize {
    results(report)
        .iter()
        .filter(|r| r["region"] == region)
        .count()
}

/// `flow-log-destination-encrypted` against moto: a bucket without default
/// encryption and log groups without a KMS key FAIL; SSE-KMS and a log group
/// created with a key PASS; SSE-S3 fails unless --accept-sse-s3.
#[test]
fn destination_encryption_is_read_from_moto() {
    let moto = Moto::start();
    let seeded = moto.seed(&["checks"]);
    let s3_vpc = seeded["vpcs"]["s3"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let good = seeded["vpcs"]["good"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let encrypted = |report: &Value, vpc: &str| -> (String, String) {
        let r = vpc_result(report, "flow-log-destination-encrypted", vpc);
        (
            r["status"].as_str().unwrap_or_default().to_string(),
            r["message"].as_str().unwrap_or_default().to_string(),
        )
    };
    let (_, report, _) = scan_json(&moto, &["--regions", "us-east-1"]);
    let (status, message) = encrypted(&report, &s3_vpc);
    assert_eq!(status, "FAIL", "{message}");
    assert!(message.contains("has no default encryption"), "{message}");
    let (status, message) = encrypted(&report, &good);
    assert_eq!(status, "FAIL", "{message}");
    assert!(message.contains("has no KMS key"), "{message}");

    let added = moto.seed(&[
        "encryption",
        "--bucket",
        "flowaudit-short-lived",
        "--algorithm",
        "aws:kms",
        "--kms-vpc",
    ]);
    let kms_vpc = added["vpc"].as_str().unwrap_or_default().to_string();
    let (_, report, _) = scan_json(&moto, &["--regions", "us-east-1"]);
    let (status, message) = encrypted(&report, &s3_vpc);
    assert_eq!(status, "PASS", "{message}");
    assert!(message.contains("aws:kms"), "{message}");
    let (status, message) = encrypted(&report, &kms_vpc);
    assert_eq!(status, "PASS", "{message}");
    assert!(message.contains("flowaudit-test"), "{message}");

    moto.seed(&[
        "encryption",
        "--bucket",
        "flowaudit-short-lived",
        "--algorithm",
        "AES256",
    ]);
    let (_, report, _) = scan_json(&moto, &["--regions", "us-east-1"]);
    assert_eq!(encrypted(&report, &s3_vpc).0, "FAIL");
    let (_, report, _) = scan_json(&moto, &["--regions", "us-east-1", "--accept-sse-s3"]);
    assert_eq!(encrypted(&report, &s3_vpc).0, "PASS");
}

/// `flow-log-approved-destination` against moto: without the setting every
/// VPC is SKIPPED saying how to set it; with a bucket ARN and a log-group name
/// approved (here from the config file), the VPCs logging there pass and the
/// others fail naming where they deliver.
#[test]
fn approved_destinations_pass_and_fail_against_moto() {
    let moto = Moto::start();
    let seeded = moto.seed(&["checks"]);
    let vpc = |name: &str| {
        seeded["vpcs"][name]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    const ID: &str = "flow-log-approved-destination";
    let (_, report, _) = scan_json(&moto, &["--regions", "us-east-1"]);
    let r = vpc_result(&report, ID, &vpc("good"));
    assert_eq!(r["status"], "SKIPPED");
    assert!(r["message"]
        .as_str()
        .unwrap_or_default()
        .contains("--approved-destinations"));

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config = dir.path().join("flowaudit.toml");
    std::fs::write(
        &config,
        "[checks]\napproved_destinations = [\"arn:aws:s3:::flowaudit-short-lived\", \"/flowaudit/go*\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let config = config.to_string_lossy().to_string();
    let (code, stdout, stderr) = moto.flowaudit(&[
        "scan",
        "--config",
        &config,
        "--regions",
        "us-east-1,eu-west-1",
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    let status = |name: &str| vpc_result(&report, ID, &vpc(name))["status"].clone();
    assert_eq!(status("good"), "PASS");
    assert_eq!(status("s3"), "PASS");
    assert_eq!(status("accept"), "FAIL");
    assert_eq!(status("nocond"), "FAIL");
    assert_eq!(
        status("good-eu"),
        "FAIL",
        "/flowaudit/eu-good is not /flowaudit/go*"
    );
    assert_eq!(status("subnet-only"), "SKIPPED");
    let accept = vpc_result(&report, ID, &vpc("accept"));
    assert!(
        accept["message"]
            .as_str()
            .unwrap_or_default()
            .contains("/flowaudit/shared"),
        "{accept}"
    );
    assert_eq!(
        report["settings"]["approved_destinations"][0],
        "arn:aws:s3:::flowaudit-short-lived"
    );

    // A pattern that names nothing is refused before any call.
    let (code, _, stderr) = moto.flowaudit(&["scan", "--approved-destinations", "arn:aws:s3:::"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("names no bucket"), "{stderr}");
}

/// `transit-gateway-flow-logs-enabled` against moto: one result per Transit
/// Gateway (the logged one passes, the dark one fails), the gateway's flow log
/// is not taken for an orphan by `flow-log-resource-exists`, a region without
/// gateways passes once, and the gateways are listed with one call per region
/// whatever their number.
#[test]
fn transit_gateways_pass_and_fail_against_moto() {
    let moto = Moto::start();
    let seeded = moto.seed(&["transit"]);
    let tgw = |name: &str| {
        seeded["transit_gateways"][name]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let (code, report, stderr) = scan_json(&moto, &["--regions", "us-east-1,eu-west-1", "--stats"]);
    assert_eq!(code, 1, "{stderr}");
    const ID: &str = "transit-gateway-flow-logs-enabled";
    let results_of = |id: &str| -> Vec<&Value> {
        results(&report)
            .iter()
            .filter(|r| r["check_id"] == ID && r["resource_id"] == id)
            .collect()
    };
    let logged = results_of(&tgw("logged"));
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0]["status"], "PASS", "{}", logged[0]);
    assert_eq!(logged[0]["resource_type"], "transit-gateway");
    assert!(logged[0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("hub-logged"));
    let dark = results_of(&tgw("dark"));
    assert_eq!(dark.len(), 1);
    assert_eq!(dark[0]["status"], "FAIL", "{}", dark[0]);
    let eu = results_of("eu-west-1");
    assert_eq!(eu.len(), 1);
    assert_eq!(eu[0]["status"], "PASS", "{}", eu[0]);
    let orphans: Vec<&Value> = results(&report)
        .iter()
        .filter(|r| r["check_id"] == "flow-log-resource-exists" && r["status"] == "FAIL")
        .collect();
    assert!(orphans.is_empty(), "{orphans:?}");
    assert_eq!(
        report["stats"]["calls"]["EC2:DescribeTransitGateways"]["calls"], 2,
        "{}",
        report["stats"]["calls"]
    );
    // Also a table for questions.
    let (code, stdout, stderr) = moto.flowaudit(&[
        "query",
        "--regions",
        "us-east-1",
        "--format",
        "csv",
        "-q",
        "SELECT name FROM transit_gateways ORDER BY name",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "name\nhub-dark\nhub-logged\n");
}
