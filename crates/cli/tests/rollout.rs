//! The roll-out workflow through the real binary: config file, exceptions,
//! priority, history and diff (no AWS needed; the moto round trip is in
//! `fix_moto.rs`).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{bin, output, parse_json, repo_root, run};
use serde_json::Value;

fn example_config() -> String {
    repo_root()
        .join("examples/flowaudit.toml")
        .display()
        .to_string()
}

/// The binary with history on, recording into `db`.
fn with_history(db: &Path) -> Command {
    let mut cmd = bin();
    cmd.env_remove("FLOWAUDIT_NO_HISTORY")
        .env("FLOWAUDIT_DB", db);
    cmd
}

fn demo_inventory(dir: &Path) -> PathBuf {
    let path = dir.join("inventory.json");
    let (code, _, stderr) = run(&[
        "demo",
        "--save-inventory",
        path.to_str().unwrap_or_default(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    path
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn example_config_shows_active_expired_and_stale_exceptions() {
    let config = example_config();
    let (code, stdout, stderr) = run(&["demo", "--config", &config, "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    let states: Vec<&str> = report["exceptions"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["state"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(states, ["active", "expired", "stale"]);
    let summary = &report["summary"];
    assert_eq!(summary["by_status"]["EXCEPTED"], 1);
    assert_eq!(summary["exceptions"]["stale"], 1);
    assert_eq!(summary["exceptions"]["expired_results"], 1);
    let excepted = common::vpc_result(&report, "vpc-flow-logs-enabled", "vpc-0a1b2c3d4e5f60004");
    assert_eq!(excepted["status"], "EXCEPTED");
    assert_eq!(excepted["exception"]["owner"], "platform-team@example.com");
    assert_eq!(excepted["exception"]["expires"], "2027-03-31");
    assert!(
        excepted.get("remediation").is_none(),
        "an excepted VPC gets no plan"
    );
    // The expired exception's result fails again and says whose it was.
    let expired = common::results(&report)
        .iter()
        .find(|r| r["check_id"] == "flow-log-retention" && r["vpc_id"] == "vpc-07aa11bb22cc30101")
        .unwrap_or_else(|| panic!("no retention result for payments-prod"));
    assert_eq!(expired["status"], "FAIL");
    assert_eq!(expired["exception"]["expired"], true);
    assert!(expired["message"]
        .as_str()
        .is_some_and(|m| m.contains("payments-sre@example.com expired 2026-10-31")));
    // Warnings for CI logs, on stderr only.
    assert!(stderr.contains("exception #2"), "{stderr}");
    assert!(stderr.contains("stale"), "{stderr}");

    // The table: exceptions counted separately, each listed with its state.
    let (_, table, _) = run(&["demo", "--config", &config, "--color", "never"]);
    let tail: Vec<&str> = table
        .lines()
        .skip_while(|l| !l.starts_with("Summary:"))
        .take_while(|l| !l.starts_with("Flow-log cost"))
        .collect();
    insta::assert_snapshot!(tail.join("\n").replace(&config, "examples/flowaudit.toml"));
}

#[test]
fn excepted_failures_do_not_fail_the_run() {
    let dir = tempdir();
    // Except every failure of the demo's readable regions; ERROR results remain.
    let config = dir.path().join("flowaudit.toml");
    std::fs::write(
        &config,
        "[[exception]]\ncheck = \"*\"\nvpc = \"vpc-*\"\nreason = \"accepted for the test\"\nexpires = 2099-01-01\n\n\
         # The flow log of a deleted VPC belongs to no VPC: excepted by its id.\n\
         [[exception]]\ncheck = \"transit-gateway-flow-logs-enabled\"\nresource = \"tgw-*\"\nreason = \"accepted for the test\"\nexpires = 2099-01-01\n\n\
         [[exception]]\ncheck = \"flow-log-resource-exists\"\nresource = \"fl-01234abcd5678e1ff\"\nreason = \"accepted for the test\"\nexpires = 2099-01-01\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let config = config.display().to_string();
    let (code, stdout, _) = run(&["demo", "--config", &config, "--format", "json"]);
    let report = parse_json(&stdout);
    assert_eq!(report["summary"]["by_status"]["FAIL"], 0);
    assert_eq!(code, 1, "ERROR results still fail the run");
    // Without ERROR results (an inventory of only the readable regions) it passes.
    let inv = demo_inventory(dir.path());
    let mut value: Value = parse_json(&std::fs::read_to_string(&inv).unwrap_or_default());
    if let Some(regions) = value["accounts"][0]["regions"].as_array_mut() {
        regions.retain(|r| r.get("error").is_none());
    }
    std::fs::write(&inv, value.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = run(&[
        "check",
        "--config",
        &config,
        "--inventory",
        inv.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn command_line_overrides_the_config_file_found_in_the_working_directory() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("flowaudit.toml"),
        "[checks]\nmin_retention_days = 10\n\n[report]\nformat = \"json\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let retention = |extra: &[&str]| {
        let out = bin()
            .current_dir(dir.path())
            .arg("demo")
            .args(extra)
            .output();
        let (_, stdout, stderr) = output(out);
        let report = parse_json(&stdout);
        assert!(stderr.is_empty() || !stderr.contains("error"), "{stderr}");
        report["settings"]["min_retention_days"].as_u64()
    };
    // Found in the working directory: JSON output and its retention minimum.
    assert_eq!(retention(&[]), Some(10));
    // The command line wins.
    assert_eq!(retention(&["--min-retention-days", "500"]), Some(500));
    // --no-config ignores the file (the table is not JSON).
    let (_, stdout, _) = output(
        bin()
            .current_dir(dir.path())
            .args(["demo", "--no-config"])
            .output(),
    );
    assert!(stdout.starts_with("flowaudit report"), "{stdout}");
}

#[test]
fn bad_config_exits_2_naming_file_line_and_column() {
    let dir = tempdir();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[checks]\nmin_retention_days = 365\nskip_defualt_vpcs = true\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let name = path.display().to_string();
    let (code, stdout, stderr) = run(&["demo", "--config", &name]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains(&format!("{name}:3:1: unknown field `skip_defualt_vpcs`")),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["demo", "--config", "/nonexistent/flowaudit.toml"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("could not read config file /nonexistent/flowaudit.toml"),
        "{stderr}"
    );
}

#[test]
fn priority_ranks_the_demo_table() {
    let (_, table, _) = run(&["demo", "--color", "never"]);
    let section: Vec<&str> = table
        .lines()
        .skip_while(|l| !l.starts_with("Fix first"))
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(section.len() > 2, "{table}");
    assert!(section[1].trim_start().starts_with("P1"), "{}", section[1]);
    insta::assert_snapshot!(section.join("\n"));
    let (_, json, _) = run(&["demo", "--format", "json"]);
    let report = parse_json(&json);
    let p =
        &common::vpc_result(&report, "vpc-flow-logs-enabled", "vpc-0d3fa017c5e1b2a99")["priority"];
    assert_eq!(p["level"], "P2");
    assert_eq!(p["internet_exposed"], true);
    assert!(p["reasons"]
        .as_array()
        .is_some_and(|r| r.iter().any(|x| x == "internet gateway attached")));
}

/// The demo inventory with the dev VPC fixed: a VPC-level flow log into its own
/// log group, like prod-web's, encrypted with a KMS key.
fn fixed_inventory(original: &Path, dir: &Path) -> PathBuf {
    const GROUP: &str = "/aws/vpc-flow-logs/vpc-0a1b2c3d4e5f60004";
    let mut value = parse_json(&std::fs::read_to_string(original).unwrap_or_default());
    let regions = value["accounts"][0]["regions"]
        .as_array_mut()
        .unwrap_or_else(|| panic!("no regions"));
    let us = regions
        .iter_mut()
        .find(|r| r["region"] == "us-east-1")
        .unwrap_or_else(|| panic!("no us-east-1"));
    let mut log = us["flow_logs"]
        .as_array()
        .and_then(|l| {
            l.iter()
                .find(|f| f["resource_id"] == "vpc-0a1b2c3d4e5f60001")
        })
        .cloned()
        .unwrap_or_else(|| panic!("no prod-web flow log"));
    log["flow_log_id"] = "fl-00000000000fixed".into();
    log["resource_id"] = "vpc-0a1b2c3d4e5f60004".into();
    log["log_group_name"] = GROUP.into();
    log["log_destination"] =
        format!("arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}").into();
    let mut group = us["log_groups"]
        .as_array()
        .and_then(|g| g.first())
        .cloned()
        .unwrap_or_else(|| panic!("no log group"));
    group["log_group_name"] = GROUP.into();
    group["kms_key_id"] = "arn:aws:kms:us-east-1:123456789012:key/fixed".into();
    if let Some(logs) = us["flow_logs"].as_array_mut() {
        logs.push(log);
    }
    if let Some(groups) = us["log_groups"].as_array_mut() {
        groups.push(group);
    }
    let path = dir.join("fixed.json");
    std::fs::write(&path, value.to_string()).unwrap_or_else(|e| panic!("{e}"));
    path
}

#[test]
fn history_records_checks_and_diff_shows_the_fix() {
    let dir = tempdir();
    let db = dir.path().join("history.db");
    let before = demo_inventory(dir.path());
    let after = fixed_inventory(&before, dir.path());
    let mut printed = Vec::new();
    for inv in [&before, &after] {
        let out = with_history(&db)
            .args(["check", "--format", "json", "--inventory"])
            .arg(inv)
            .output();
        let (code, stdout, stderr) = output(out);
        assert_eq!(code, 1, "{stderr}");
        printed.push(parse_json(&stdout)["summary"]["by_status"]["FAIL"].clone());
    }
    let (code, stdout, stderr) = output(
        with_history(&db)
            .args(["history", "--format", "json"])
            .output(),
    );
    assert_eq!(code, 0, "{stderr}");
    let runs = parse_json(&stdout);
    assert_eq!(runs.as_array().map(Vec::len), Some(2));
    assert_eq!(runs[0]["command"], "check");
    // Newest first, each with the counts its run printed.
    assert_eq!(runs[0]["summary"]["by_status"]["FAIL"], printed[1]);
    assert_eq!(runs[1]["summary"]["by_status"]["FAIL"], printed[0]);
    assert!(printed[0].as_u64() > printed[1].as_u64(), "{printed:?}");

    // Default: the last two runs of the same scope.
    let (code, stdout, stderr) = output(
        with_history(&db)
            .args(["diff", "--format", "json"])
            .output(),
    );
    assert_eq!(code, 0, "nothing newly failing: {stderr}");
    let diff = parse_json(&stdout);
    assert_eq!(diff["schema"], "flowaudit.diff/v1");
    assert_eq!(diff["counts"]["fixed"], 1);
    assert_eq!(diff["counts"]["newly_failing"], 0);
    // Every failure of the second run was there before: still failing.
    assert_eq!(diff["counts"]["still_failing"], printed[1]);
    let fixed = diff["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|e| e["change"] == "fixed"))
        .unwrap_or_else(|| panic!("no fixed entry: {diff}"));
    assert_eq!(fixed["resource_id"], "vpc-0a1b2c3d4e5f60004");
    assert_eq!(fixed["check_id"], "vpc-flow-logs-enabled");
    assert_eq!(fixed["before"], "FAIL");
    assert_eq!(fixed["after"], "PASS");

    // Named runs the other way round: the fix reads as a regression (exit 1).
    let (code, table, _) = output(with_history(&db).args(["diff", "2", "1"]).output());
    assert_eq!(code, 1);
    assert!(table.contains("Newly failing (1)"), "{table}");
    let table = table
        .lines()
        .filter(|l| !l.starts_with("  old:") && !l.starts_with("  new:"))
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(table);

    // Two report files, no history needed.
    let reports: Vec<PathBuf> = [&before, &after]
        .iter()
        .enumerate()
        .map(|(i, inv)| {
            let path = dir.path().join(format!("r{i}.json"));
            let (_, stdout, _) = run(&[
                "check",
                "--format",
                "json",
                "--inventory",
                inv.to_str().unwrap_or_default(),
            ]);
            std::fs::write(&path, stdout).unwrap_or_else(|e| panic!("{e}"));
            path
        })
        .collect();
    let (code, stdout, stderr) = run(&[
        "diff",
        reports[0].to_str().unwrap_or_default(),
        reports[1].to_str().unwrap_or_default(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(parse_json(&stdout)["counts"], diff["counts"]);
}

#[test]
fn diff_errors_are_clear() {
    let dir = tempdir();
    let db = dir.path().join("empty.db");
    let (code, _, stderr) = output(with_history(&db).arg("diff").output());
    assert_eq!(code, 2);
    assert!(stderr.contains("fewer than two runs"), "{stderr}");
    let (code, _, stderr) = output(with_history(&db).args(["diff", "7", "8"]).output());
    assert_eq!(code, 2);
    assert!(stderr.contains("run #7 does not exist"), "{stderr}");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"schema\": \"flowaudit.report/v1\",\n \"tool\": 3}")
        .unwrap_or_else(|e| panic!("{e}"));
    let bad = bad.display().to_string();
    let (code, _, stderr) = run(&["diff", &bad, &bad]);
    assert_eq!(code, 2);
    assert!(stderr.contains(&format!("{bad}:2:")), "{stderr}");
    assert!(stderr.contains("tool"), "{stderr}");
}

#[test]
fn newer_history_schema_is_refused_and_left_alone() {
    let dir = tempdir();
    let db = dir.path().join("history.db");
    let inv = demo_inventory(dir.path());
    let inv = inv.to_str().unwrap_or_default();
    let (code, _, stderr) = output(
        with_history(&db)
            .args(["check", "--inventory", inv])
            .output(),
    );
    assert_eq!(code, 1, "{stderr}");
    // Pretend a future flowaudit wrote it (SQLite keeps user_version at byte 60).
    let mut bytes = std::fs::read(&db).unwrap_or_else(|e| panic!("{e}"));
    assert!(bytes.len() > 64);
    bytes[60..64].copy_from_slice(&9u32.to_be_bytes());
    std::fs::write(&db, &bytes).unwrap_or_else(|e| panic!("{e}"));
    let (code, stdout, stderr) = output(
        with_history(&db)
            .args(["check", "--format", "json", "--inventory", inv])
            .output(),
    );
    assert_eq!(code, 2);
    assert!(!stdout.is_empty(), "the report is still written");
    assert!(
        stderr.contains("schema version 9, newer than this flowaudit supports"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(&db).ok(),
        Some(bytes),
        "the file was modified"
    );
    let (code, _, stderr) = output(with_history(&db).arg("history").output());
    assert_eq!(code, 2);
    assert!(stderr.contains("schema version 9"), "{stderr}");
}

#[test]
fn concurrent_runs_all_land_in_the_history() {
    let dir = tempdir();
    let db = dir.path().join("history.db");
    let inv = demo_inventory(dir.path());
    // What one run of the inventory gives, to compare each recorded run with.
    let (_, stdout, _) = output(
        bin()
            .args(["check", "--format", "json", "--no-history", "--inventory"])
            .arg(&inv)
            .output(),
    );
    let demo_results = parse_json(&stdout)["results"]
        .as_array()
        .map(Vec::len)
        .unwrap_or_default();
    assert!(demo_results > 0);
    let children: Vec<_> = (0..8)
        .map(|_| {
            with_history(&db)
                .args(["check", "--format", "json", "--inventory"])
                .arg(&inv)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    for child in children {
        let (code, _, stderr) = output(child.wait_with_output());
        assert_eq!(code, 1, "{stderr}");
    }
    let (code, stdout, stderr) = output(
        with_history(&db)
            .args(["history", "--format", "json", "--limit", "100"])
            .output(),
    );
    assert_eq!(code, 0, "{stderr}");
    let runs = parse_json(&stdout);
    let mut ids: Vec<i64> = runs
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["id"].as_i64()).collect())
        .unwrap_or_default();
    ids.sort_unstable();
    assert_eq!(ids, (1..=8).collect::<Vec<_>>());
    assert!(runs
        .as_array()
        .is_some_and(|a| a.iter().all(|r| r["summary"]["results"] == demo_results)));
}

#[test]
fn a_config_found_in_the_working_directory_is_announced_and_may_not_write_outside_it() {
    let dir = tempdir();
    let outside = tempdir();
    let target = outside.path().join("planted.json");
    std::fs::write(
        dir.path().join("flowaudit.toml"),
        format!("[report]\noutput = [\"json={}\"]\n", target.display()),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = output(bin().current_dir(dir.path()).arg("demo").output());
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("report.output") && stderr.contains("--no-config"),
        "{stderr}"
    );
    assert!(!target.exists(), "nothing written outside");

    // `..` is refused the same way.
    std::fs::write(
        dir.path().join("flowaudit.toml"),
        "[scan]\nsave_inventory = \"../inventory.json\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = output(bin().current_dir(dir.path()).arg("demo").output());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("scan.save_inventory"), "{stderr}");

    // Named with --config, the same file is trusted; it is announced either way.
    std::fs::write(
        dir.path().join("flowaudit.toml"),
        format!("[report]\noutput = [\"json={}\"]\n", target.display()),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = output(
        bin()
            .current_dir(dir.path())
            .args(["demo", "--config", "flowaudit.toml"])
            .output(),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(target.exists());
    assert!(
        stderr.contains("settings from flowaudit.toml (0 exception(s))"),
        "{stderr}"
    );
    std::fs::write(
        dir.path().join("flowaudit.toml"),
        "[checks]\nmin_retention_days = 10\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (_, _, stderr) = output(bin().current_dir(dir.path()).arg("demo").output());
    assert!(
        stderr.contains("settings from flowaudit.toml") && stderr.contains("working directory"),
        "{stderr}"
    );
    let (_, _, stderr) = output(
        bin()
            .current_dir(dir.path())
            .args(["demo", "--quiet"])
            .output(),
    );
    assert_eq!(stderr, "", "--quiet: only errors");
}

/// Every `[checks]`, `[remediation]` and `[priority]` key reaches the report's
/// settings from the file, found through `FLOWAUDIT_CONFIG`; the command line
/// wins over the file key by key; `--config` wins over `FLOWAUDIT_CONFIG`.
#[test]
fn config_precedence_key_by_key() {
    let dir = tempdir();
    let file = dir.path().join("team.toml");
    std::fs::write(
        &file,
        "[checks]\nskip_default_vpcs = true\nskip_unused_vpcs = true\nrequired_traffic_type = \"all\"\n\
         min_retention_days = 10\nmax_delivery_age_hours = 48\ndelivery_grace_minutes = 5\n\n\
         [remediation]\ndestination = \"s3\"\nbucket_arn = \"arn:aws:s3:::team-logs/vpc\"\nparquet = true\n\
         hourly_partitions = true\ntraffic_type = \"reject\"\nretention_days = 400\nrole_name = \"team-role\"\n\n\
         [priority]\nproduction_tag_keys = [\"tier\"]\nproduction_tag_values = [\"gold\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let file = file.display().to_string();
    let settings = |env: &[(&str, &str)], extra: &[&str]| {
        let mut cmd = bin();
        cmd.current_dir(dir.path()).envs(env.iter().copied());
        let (code, stdout, stderr) =
            output(cmd.args(["demo", "--format", "json"]).args(extra).output());
        assert_eq!(code, 1, "{stderr}");
        parse_json(&stdout)["settings"].clone()
    };
    let from_file = settings(&[("FLOWAUDIT_CONFIG", &file)], &[]);
    let r = &from_file["remediation"];
    for (got, want) in [
        (&from_file["skip_default_vpcs"], Value::from(true)),
        (&from_file["skip_unused_vpcs"], true.into()),
        (&from_file["required_traffic_type"], "all".into()),
        (&from_file["min_retention_days"], 10.into()),
        (&from_file["max_delivery_age_hours"], 48.into()),
        (&from_file["delivery_grace_minutes"], 5.into()),
        (&r["destination"]["type"], "s3".into()),
        (
            &r["destination"]["bucket_arn"],
            "arn:aws:s3:::team-logs/vpc".into(),
        ),
        (&r["destination"]["parquet"], true.into()),
        (&r["destination"]["hourly_partitions"], true.into()),
        (&r["traffic_type"], "REJECT".into()),
        (&r["retention_days"], 400.into()),
        (&r["role_name"], "team-role".into()),
        (
            &from_file["priority"]["production_tag_keys"],
            serde_json::json!(["tier"]),
        ),
        (
            &from_file["priority"]["production_tag_values"],
            serde_json::json!(["gold"]),
        ),
    ] {
        assert_eq!(got, &want, "{from_file}");
    }
    // The command line wins, key by key.
    for (flag, value, path, want) in [
        (
            "--required-traffic-type",
            "reject",
            "/required_traffic_type",
            Value::from("reject"),
        ),
        (
            "--min-retention-days",
            "500",
            "/min_retention_days",
            500.into(),
        ),
        (
            "--max-delivery-age-hours",
            "12",
            "/max_delivery_age_hours",
            12.into(),
        ),
        (
            "--delivery-grace-minutes",
            "90",
            "/delivery_grace_minutes",
            90.into(),
        ),
        (
            "--fix-destination",
            "cloudwatch-logs",
            "/remediation/destination/type",
            "cloud-watch-logs".into(),
        ),
        (
            "--fix-traffic-type",
            "accept",
            "/remediation/traffic_type",
            "ACCEPT".into(),
        ),
        (
            "--fix-retention-days",
            "731",
            "/remediation/retention_days",
            731.into(),
        ),
        (
            "--fix-role-name",
            "cli-role",
            "/remediation/role_name",
            "cli-role".into(),
        ),
        (
            "--fix-bucket-arn",
            "arn:aws:s3:::cli-logs",
            "/remediation/destination/bucket_arn",
            "arn:aws:s3:::cli-logs".into(),
        ),
    ] {
        let got = settings(&[("FLOWAUDIT_CONFIG", &file)], &[flag, value]);
        assert_eq!(got.pointer(path), Some(&want), "{flag} {value}: {got}");
    }
    // --config wins over FLOWAUDIT_CONFIG; --no-config ignores both.
    let other = dir.path().join("other.toml");
    std::fs::write(&other, "[checks]\nmin_retention_days = 77\n").unwrap_or_else(|e| panic!("{e}"));
    let other = other.display().to_string();
    let got = settings(&[("FLOWAUDIT_CONFIG", &file)], &["--config", &other]);
    assert_eq!(got["min_retention_days"], 77);
    let got = settings(&[("FLOWAUDIT_CONFIG", &file)], &["--no-config"]);
    assert_eq!(got["min_retention_days"], 365);
}

/// A quoted expiry date is refused at its key, saying to write it unquoted.
#[test]
fn a_quoted_expiry_date_says_to_write_it_unquoted() {
    let dir = tempdir();
    let path = dir.path().join("quoted.toml");
    std::fs::write(
        &path,
        "[[exception]]\ncheck = \"vpc-flow-logs-enabled\"\nvpc = \"vpc-1\"\nreason = \"r\"\nexpires = \"2099-12-31\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let name = path.display().to_string();
    let (code, stdout, stderr) = run(&["demo", "--config", &name]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert_eq!(
        stderr.trim_end(),
        format!("error: {name}:5:11: exception #1: `expires` is a string; write the date unquoted: expires = 2099-12-31")
    );
}

/// An exception whose results were all SKIPPED (here: a VPC whose flow-log
/// bucket is gone, so its retention cannot be judged) was not judged:
/// it is `not-evaluated`, never "stale — fixed or gone, remove it".
#[test]
fn an_exception_over_skipped_results_is_not_evaluated_rather_than_stale() {
    let dir = tempdir();
    let config = dir.path().join("flowaudit.toml");
    std::fs::write(
        &config,
        "[[exception]]\ncheck = \"flow-log-retention\"\nvpc = \"vpc-07aa11bb22cc30102\"\nreason = \"r\"\nexpires = 2099-01-01\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let config = config.display().to_string();
    let (code, stdout, stderr) = run(&["demo", "--config", &config, "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    let skipped = common::results(&report)
        .iter()
        .filter(|r| r["check_id"] == "flow-log-retention" && r["vpc_id"] == "vpc-07aa11bb22cc30102")
        .map(|r| r["status"].as_str().unwrap_or_default().to_string())
        .collect::<Vec<_>>();
    assert!(
        !skipped.is_empty() && skipped.iter().all(|s| s == "SKIPPED"),
        "the fixture's results are SKIPPED: {skipped:?}"
    );
    assert_eq!(report["exceptions"][0]["state"], "not-evaluated");
    assert_eq!(report["summary"]["exceptions"]["not_evaluated"], 1);
    assert_eq!(report["summary"]["exceptions"]["stale"], 0);
    assert!(!stderr.contains("stale"), "{stderr}");
}

/// An SQLite file that is not a flowaudit history is refused and left
/// byte for byte as it was (no journal-mode switch, no side files).
#[test]
fn a_foreign_sqlite_file_is_refused_untouched() {
    let dir = tempdir();
    let db = dir.path().join("other.db");
    let python = std::env::var("FLOWAUDIT_PYTHON").unwrap_or_else(|_| "python3".into());
    let status = Command::new(&python)
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(x)'); c.execute('insert into t values (1)'); c.commit()",
        ])
        .arg(&db)
        .status()
        .unwrap_or_else(|e| panic!("{python}: {e}"));
    assert!(status.success());
    let before = std::fs::read(&db).unwrap_or_else(|e| panic!("{e}"));
    let inventory = demo_inventory(dir.path());
    let inventory = inventory.display().to_string();
    for args in [
        vec!["history"],
        vec!["check", "--inventory", &inventory],
        vec!["diff"],
    ] {
        let (code, stdout, stderr) = output(with_history(&db).args(&args).output());
        assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
        assert!(
            stderr.contains("is an SQLite database but not a flowaudit history"),
            "{args:?}: {stderr}"
        );
        assert_eq!(
            std::fs::read(&db).unwrap_or_default(),
            before,
            "{args:?} changed the file"
        );
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["inventory.json", "other.db"]);
}

/// A copy of the inventory at `path` collected `days` days later.
fn later(path: &Path, days: i64, dir: &Path) -> PathBuf {
    let mut value = parse_json(&std::fs::read_to_string(path).unwrap_or_default());
    let at =
        chrono::DateTime::parse_from_rfc3339(value["collected_at"].as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"))
            + chrono::Duration::days(days);
    value["collected_at"] = serde_json::Value::String(at.to_rfc3339());
    let out = dir.join(format!(
        "{}-{days}.json",
        path.file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("inventory")
    ));
    std::fs::write(&out, value.to_string()).unwrap_or_else(|e| panic!("{e}"));
    out
}

#[test]
fn history_says_how_long_each_failure_has_been_known() {
    let dir = tempdir();
    let db = dir.path().join("history.db");
    let before = demo_inventory(dir.path());
    let fixed = fixed_inventory(&before, dir.path());
    // Day 0 and day 10 fail as the demo does; day 30 has dev's flow log fixed
    // and then, on day 45, broken again.
    let runs = [
        before.clone(),
        later(&before, 10, dir.path()),
        later(&fixed, 30, dir.path()),
        later(&before, 45, dir.path()),
    ];
    for inv in &runs {
        let (code, _, stderr) = output(
            with_history(&db)
                .args(["check", "--format", "json", "--inventory"])
                .arg(inv)
                .output(),
        );
        assert_eq!(code, 1, "{stderr}");
    }
    let failing = |run: &str| {
        let (code, stdout, stderr) = output(
            with_history(&db)
                .args(["history", "--failing", "--format", "json", "--run", run])
                .output(),
        );
        assert_eq!(code, 0, "{stderr}");
        parse_json(&stdout)
    };
    let find = |open: &serde_json::Value, check: &str, resource: &str| {
        open.as_array()
            .and_then(|a| {
                a.iter()
                    .find(|f| f["check_id"] == check && f["resource_id"] == resource)
            })
            .cloned()
            .unwrap_or_else(|| panic!("{check} {resource} not failing: {open}"))
    };
    // Run 2 (day 10): everything has failed since run 1, 10 days.
    let second = failing("2");
    let dev = find(&second, "vpc-flow-logs-enabled", "vpc-0a1b2c3d4e5f60004");
    assert_eq!(dev["since_run"], 1);
    assert_eq!(dev["days"], 10);
    assert_eq!(dev["runs"], 2);
    // Run 4 (day 45): dev's failure came back after run 3 fixed it: known since
    // run 4 only; a failure never fixed goes back to run 1 (45 days).
    let fourth = failing("4");
    let dev = find(&fourth, "vpc-flow-logs-enabled", "vpc-0a1b2c3d4e5f60004");
    assert_eq!(dev["since_run"], 4);
    assert_eq!(dev["days"], 0);
    let prod_data = find(
        &fourth,
        "flow-log-destination-exists",
        "fl-0f1e2d3c4b5a60002",
    );
    assert_eq!(prod_data["since_run"], 1, "{prod_data}");
    assert_eq!(prod_data["days"], 45);
    assert_eq!(prod_data["runs"], 4);
    // The newest run by default, as a table, oldest failures first.
    let (code, table, stderr) = output(with_history(&db).args(["history", "--failing"]).output());
    assert_eq!(code, 0, "{stderr}");
    assert!(
        table.contains("failure(s) of run #4, oldest first"),
        "{table}"
    );
    let first = table.lines().nth(1).unwrap_or_default();
    assert!(
        first.contains("(45 day(s), 4 run(s), first in run #1)"),
        "{table}"
    );
}
