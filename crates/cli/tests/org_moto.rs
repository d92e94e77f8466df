//! `flowaudit scan --org` against moto's organization, with the fault-injecting
//! proxy (`tests/faults/proxy.py`) between flowaudit and moto where a test needs
//! denials, throttling, resets, delays or an unreachable region.

mod common;

use std::collections::BTreeMap;

use common::{flowaudit_at, parse_json, results, Moto, Proxy};
use serde_json::Value;

const REGIONS: &str = "us-east-1,eu-west-1";

struct Org {
    moto: Moto,
    seeded: Value,
}

impl Org {
    fn new(members: usize) -> Org {
        let moto = Moto::start();
        let seeded = moto.seed(&[
            "org",
            "--members",
            &members.to_string(),
            "--regions",
            REGIONS,
            "--vpcs",
            "2",
        ]);
        Org { moto, seeded }
    }

    fn members(&self) -> Vec<String> {
        self.seeded["members"]
            .as_array()
            .map(|m| {
                m.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// `scan --org --format json` at `url`; the exit code and the report.
fn org_scan(url: &str, env: &[(&str, &str)], extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec![
        "scan",
        "--org",
        "--regions",
        REGIONS,
        "--format",
        "json",
        "--quiet",
        "--stats",
    ];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = flowaudit_at(url, env, &args);
    let report = if stdout.trim().is_empty() {
        Value::Null
    } else {
        parse_json(&stdout)
    };
    (code, report, stderr)
}

/// (check, account, region, resource) → (status, message), for comparing reports.
fn findings(report: &Value) -> BTreeMap<(String, String, String, String), (String, String)> {
    results(report)
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            (
                (
                    s("check_id"),
                    s("account_id"),
                    s("region"),
                    s("resource_id"),
                ),
                (s("status"), s("message")),
            )
        })
        .collect()
}

#[test]
fn org_scan_reports_every_member_and_the_denied_account_as_error() {
    let org = Org::new(3);
    let members = org.members();
    let denied = &members[1];
    let proxy = Proxy::start(&org.moto.url, &["--deny-assume", denied]);
    let (code, report, stderr) = org_scan(&proxy.url, &[], &[]);
    assert_eq!(code, 1, "{stderr}");
    let by_account = report["summary"]["by_account"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let management = org.seeded["management"].as_str().unwrap_or_default();
    let mut expected: Vec<&str> = members.iter().map(String::as_str).collect();
    expected.push(management);
    expected.sort_unstable();
    assert_eq!(
        by_account.keys().map(String::as_str).collect::<Vec<_>>(),
        expected
    );
    // Every VPC planted in a readable member is in the report.
    for member in members.iter().filter(|m| *m != denied) {
        for (region, vpcs) in org.seeded["vpcs"][member]
            .as_object()
            .cloned()
            .unwrap_or_default()
        {
            for (i, vpc) in vpcs
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let r = results(&report)
                    .iter()
                    .find(|r| {
                        r["check_id"] == "vpc-flow-logs-enabled"
                            && r["resource_id"] == *vpc
                            && r["account_id"] == member.as_str()
                            && r["region"] == region.as_str()
                    })
                    .unwrap_or_else(|| panic!("{member} {region} {vpc} missing"));
                // The seed gives the first VPC of each member and region a flow
                // log, and none to the others.
                let want = if i == 0 { "PASS" } else { "FAIL" };
                assert_eq!(r["status"], want, "{r}");
            }
        }
        assert_eq!(by_account[member]["regions"], 2);
        assert_eq!(
            by_account[member]["vpcs"], 6,
            "2 planted + 1 default per region"
        );
    }
    // The denied account: ERROR with AWS's reason, nothing else from it.
    let errors: Vec<&Value> = results(&report)
        .iter()
        .filter(|r| r["account_id"] == denied.as_str())
        .collect();
    assert!(!errors.is_empty());
    for r in &errors {
        assert_eq!(r["status"], "ERROR");
        assert!(
            r["message"]
                .as_str()
                .is_some_and(|m| m.contains("AccessDenied")
                    && m.contains(&format!(
                        "arn:aws:iam::{denied}:role/OrganizationAccountAccessRole"
                    ))),
            "{r}"
        );
    }
    assert!(by_account[denied]["error"]
        .as_str()
        .is_some_and(|e| e.contains("AccessDenied")));
    // STS and IAM once per account, never per region.
    let calls = &report["stats"]["calls"];
    assert_eq!(calls["STS:AssumeRole"]["calls"], 3, "{calls}");
    assert_eq!(calls["STS:GetCallerIdentity"]["calls"], 1, "{calls}");
    assert_eq!(calls["Organizations:ListAccounts"]["calls"], 1, "{calls}");
    // The table has a line per account.
    let (_, table, _) = flowaudit_at(
        &proxy.url,
        &[],
        &[
            "scan",
            "--org",
            "--regions",
            REGIONS,
            "--quiet",
            "--color",
            "never",
        ],
    );
    assert!(
        table.contains(&format!("  {denied}: not read: could not assume")),
        "{table}"
    );
    assert_eq!(proxy.stats()["denied"], 2);
}

#[test]
fn accounts_and_exclude_accounts_filter() {
    let org = Org::new(3);
    let members = org.members();
    let (code, report, stderr) = org_scan(
        &org.moto.url,
        &[],
        &[
            "--accounts",
            &format!("{},{}", members[0], members[2]),
            "--exclude-accounts",
            &members[2],
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let accounts: Vec<String> = report["summary"]["by_account"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    assert_eq!(accounts, vec![members[0].clone()]);
    let (code, _, stderr) = org_scan(&org.moto.url, &[], &["--accounts", "999999999999"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("999999999999 is not an active account"),
        "{stderr}"
    );
    let (code, _, stderr) = org_scan(&org.moto.url, &[], &["--accounts", "12345"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not a 12-digit account id"), "{stderr}");
}

#[test]
fn twenty_percent_faults_change_nothing_and_an_unreachable_region_is_error() {
    let org = Org::new(2);
    let (code, clean, stderr) = org_scan(&org.moto.url, &[], &[]);
    assert_eq!(code, 1, "{stderr}");
    let proxy = Proxy::start(
        &org.moto.url,
        &[
            "--fault-rate",
            "0.2",
            "--seed",
            "11",
            "--delay",
            "0.1",
            "--unreachable-region",
            "eu-west-1",
        ],
    );
    let (code, faulty, stderr) = org_scan(&proxy.url, &[], &["--max-attempts", "10"]);
    assert_eq!(code, 1, "{stderr}");
    let readable = |report: &Value| {
        findings(report)
            .into_iter()
            .filter(|((_, _, region, _), _)| region != "eu-west-1")
            .collect::<BTreeMap<_, _>>()
    };
    assert!(!readable(&clean).is_empty());
    assert_eq!(
        readable(&faulty),
        readable(&clean),
        "faults changed the report"
    );
    let unreachable: Vec<&Value> = results(&faulty)
        .iter()
        .filter(|r| r["region"] == "eu-west-1")
        .collect();
    assert!(!unreachable.is_empty());
    assert!(unreachable.iter().all(|r| r["status"] == "ERROR"));
    let accounts = faulty["summary"]["by_account"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert!(
        accounts.values().all(|a| a["regions_failed"] == 1),
        "{accounts:?}"
    );
    let counts = proxy.stats();
    for kind in ["throttle", "http503", "reset", "delay"] {
        assert!(
            counts[kind].as_u64().unwrap_or(0) > 0,
            "no {kind} injected: {counts}"
        );
    }
    assert!(
        faulty["stats"]["total_retries"].as_u64().unwrap_or(0) > 0,
        "--stats shows the retries"
    );
}

#[test]
fn an_interrupted_scan_resumes_to_the_same_report() {
    let org = Org::new(2);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let checkpoint = dir.path().join("scan.checkpoint");
    let cp = checkpoint.to_str().unwrap_or_default();
    let (code, whole, stderr) = org_scan(&org.moto.url, &[], &[]);
    assert_eq!(code, 1, "{stderr}");
    // Three region scans, then "crash".
    let (code, _, stderr) = org_scan(
        &org.moto.url,
        &[("FLOWAUDIT_SCAN_STOP_AFTER", "3")],
        &["--checkpoint", cp],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!("flowaudit scan --resume {cp}")),
        "{stderr}"
    );
    let lines = std::fs::read_to_string(&checkpoint).unwrap_or_default();
    assert_eq!(lines.matches("\"kind\":\"region\"").count(), 3, "{lines}");
    // Resumed: only the missing regions are read, and the report is the same.
    let (code, resumed, stderr) = org_scan(&org.moto.url, &[], &["--resume", cp]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings(&resumed), findings(&whole));
    let region_scopes = resumed["stats"]["calls_by_scope"]
        .as_object()
        .map(|m| m.keys().filter(|k| k.contains('/')).count())
        .unwrap_or_default();
    assert_eq!(
        region_scopes,
        3 * 2 - 3,
        "3 accounts × 2 regions, 3 already read"
    );
    // Resuming a complete checkpoint reads no region at all.
    let (_, again, _) = org_scan(&org.moto.url, &[], &["--resume", cp]);
    assert_eq!(findings(&again), findings(&whole));
    let scopes: Vec<String> = again["stats"]["calls_by_scope"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    assert_eq!(scopes, vec!["global".to_string()]);
    // A checkpoint of other options is refused.
    let (code, _, stderr) = flowaudit_at(
        &org.moto.url,
        &[],
        &["scan", "--org", "--regions", "us-east-1", "--resume", cp],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("was written by a scan with other options"),
        "{stderr}"
    );
    // So is one read with another delivery window: its evidence would differ.
    let (code, _, stderr) = org_scan(
        &org.moto.url,
        &[],
        &["--resume", cp, "--max-delivery-age-hours", "200"],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("delivery_lookback_days: 2 in the checkpoint, 7 now"),
        "{stderr}"
    );
    // Options that change how, not what, is read are free to differ.
    let (code, calmer, stderr) = org_scan(
        &org.moto.url,
        &[],
        &[
            "--resume",
            cp,
            "--concurrency",
            "2",
            "--max-attempts",
            "5",
            "--call-timeout",
            "20",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings(&calmer), findings(&whole));
}

#[test]
fn the_time_budget_ends_the_scan_cleanly() {
    let org = Org::new(1);
    let proxy = Proxy::start(
        &org.moto.url,
        &["--slow-region", "eu-west-1", "--slow", "30"],
    );
    let started = std::time::Instant::now();
    let (code, report, stderr) = org_scan(&proxy.url, &[], &["--timeout", "3"]);
    assert!(started.elapsed().as_secs() < 20, "the budget was not kept");
    assert_eq!(code, 1, "{stderr}");
    // The slow region is in the report, for every account, as ERROR: not
    // dropped.
    let accounts: Vec<String> = report["summary"]["by_account"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    assert!(!accounts.is_empty(), "{report}");
    for account in &accounts {
        assert!(
            results(&report)
                .iter()
                .any(|r| r["region"] == "eu-west-1" && r["account_id"] == account.as_str()),
            "no eu-west-1 result for {account}"
        );
    }
    for r in results(&report) {
        if r["region"] == "eu-west-1" {
            assert_eq!(r["status"], "ERROR", "{r}");
            assert!(
                r["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("time budget (--timeout 3 s)")),
                "{r}"
            );
        } else {
            assert_ne!(r["status"], "ERROR", "{r}");
        }
    }
}

#[test]
fn ctrl_c_leaves_a_checkpoint_that_resumes() {
    let org = Org::new(1);
    let (_, whole, _) = org_scan(&org.moto.url, &[], &[]);
    let proxy = Proxy::start(
        &org.moto.url,
        &["--slow-region", "eu-west-1", "--slow", "60"],
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let checkpoint = dir.path().join("scan.checkpoint");
    let cp = checkpoint.to_str().unwrap_or_default();
    let child = common::bin()
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .args([
            "scan",
            "--endpoint-url",
            &proxy.url,
            "--org",
            "--regions",
            REGIONS,
        ])
        .args(["--format", "json", "--quiet", "--checkpoint", cp])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    // Wait until the fast region of both accounts is in the checkpoint.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::fs::read_to_string(&checkpoint)
        .unwrap_or_default()
        .matches("\"kind\":\"region\"")
        .count()
        < 2
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the scan did not get going"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success());
    let (code, stdout, stderr) = common::output(child.wait_with_output());
    assert_eq!(code, 130, "{stderr}");
    assert_eq!(stdout, "", "no report from an interrupted scan");
    assert!(
        stderr.contains(&format!("flowaudit scan --resume {cp}")),
        "{stderr}"
    );
    let (code, resumed, stderr) = org_scan(&org.moto.url, &[], &["--resume", cp]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings(&resumed), findings(&whole));
}
