//! `flowaudit query` through the binary: the demo, an inventory file, a live
//! scan of moto, and its errors.

mod common;

use std::collections::BTreeSet;

use common::{parse_json, run, Moto};

/// The source's stored query for CIS 3.7, as SQL over our tables: VPCs of
/// their own account with no ACTIVE VPC-level flow log.
const NO_ACTIVE_FLOW_LOG: &str = "SELECT v.account_id, v.region, v.vpc_id FROM vpcs v \
     WHERE (v.owner_id IS NULL OR v.owner_id = v.account_id) AND NOT EXISTS ( \
       SELECT 1 FROM flow_logs f WHERE f.account_id = v.account_id AND f.region = v.region \
       AND f.resource_id = v.vpc_id AND f.resource_type = 'VPC' AND f.flow_log_status = 'ACTIVE') \
     ORDER BY 1, 2, 3";

fn vpc_set(rows: &serde_json::Value) -> BTreeSet<String> {
    rows.as_array()
        .unwrap_or_else(|| panic!("not rows: {rows}"))
        .iter()
        .map(|r| r["vpc_id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The VPCs `vpc-flow-logs-enabled` fails in a JSON report.
fn failing(report: &serde_json::Value) -> BTreeSet<String> {
    common::results(report)
        .iter()
        .filter(|r| r["check_id"] == "vpc-flow-logs-enabled" && r["status"] == "FAIL")
        .map(|r| r["resource_id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn the_stored_query_finds_what_the_check_fails_on_the_demo() {
    let (code, stdout, stderr) = run(&["query", "--demo", "--format", "json", NO_ACTIVE_FLOW_LOG]);
    assert_eq!(code, 0, "{stderr}");
    let found = vpc_set(&parse_json(&stdout));
    let (_, report, _) = run(&["demo", "--format", "json"]);
    let expected = failing(&parse_json(&report));
    assert!(!expected.is_empty());
    assert_eq!(found, expected);
}

#[test]
fn an_inventory_file_answers_as_a_table_and_as_csv() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("inventory.json");
    let path = path.to_string_lossy().to_string();
    let report = dir.path().join("report.json");
    let (code, _, stderr) = run(&[
        "demo",
        "--save-inventory",
        &path,
        "--output",
        &report.to_string_lossy(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    let inventory = parse_json(&std::fs::read_to_string(&path).unwrap_or_default());
    let flow_logs: usize = inventory["accounts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|a| a["regions"].as_array().into_iter().flatten())
        .map(|r| r["flow_logs"].as_array().map_or(0, Vec::len))
        .sum();
    let (code, stdout, stderr) = run(&[
        "query",
        "--inventory",
        &path,
        "SELECT count(*) AS n FROM flow_logs",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        format!(
            "n\n{}\n{flow_logs}\n(1 row)\n",
            "-".repeat(flow_logs.to_string().len())
        ),
        "a table of one row"
    );
    let (code, stdout, stderr) = run(&[
        "query",
        "--inventory",
        &path,
        "--format",
        "csv",
        "SELECT log_group_name, retention_in_days FROM log_groups WHERE present ORDER BY 1",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("log_group_name,retention_in_days"));
    assert!(lines.count() > 0, "{stdout}");
}

#[test]
fn schema_lists_every_table_and_column() {
    let (code, stdout, stderr) = run(&["query", "--schema"]);
    assert_eq!(code, 0, "{stderr}");
    for table in flowaudit_query::schema::TABLES {
        assert!(
            stdout.contains(&format!("\n{}: ", table.name))
                || stdout.starts_with(&format!("{}: ", table.name)),
            "{}",
            table.name
        );
        for column in table.columns {
            assert!(
                stdout.contains(&format!("  {} ", column.name)),
                "{}.{}",
                table.name,
                column.name
            );
        }
    }
}

#[test]
fn bad_queries_exit_2_with_a_place_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("q.sql");
    std::fs::write(&file, "SELECT vpc_id\nFROM vpcs\nWHER 1").unwrap_or_else(|e| panic!("{e}"));
    let file = file.to_string_lossy().to_string();
    let (code, stdout, stderr) = run(&["query", "--demo", "--file", &file]);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stderr.starts_with(&format!("error: {file}:3:6: ")),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    for (sql, says) in [
        ("DELETE FROM vpcs", "may only read"),
        ("ATTACH DATABASE 'x.db' AS x", "may only read"),
        ("SELECT 1; SELECT 2", "more than one statement"),
        ("SELECT nope FROM vpcs", "query:1:8: no such column: nope"),
        (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
            "longer than its time limit",
        ),
    ] {
        let (code, _, stderr) = run(&["query", "--demo", "--time-limit", "1", sql]);
        assert_eq!(code, 2, "{sql}: {stderr}");
        assert!(stderr.contains(says), "{sql}: {stderr}");
    }
    assert!(!dir.path().join("x.db").exists());
    let (code, _, stderr) = run(&["query", "--demo", "  "]);
    assert_eq!(code, 2);
    assert!(stderr.contains("the query is empty"), "{stderr}");
}

/// Live: the scan's inventory as tables. The stored query finds the VPCs the
/// scan's `vpc-flow-logs-enabled` fails, and the flow-log table holds every
/// flow log moto has.
#[test]
fn a_live_scan_of_moto_answers() {
    let moto = Moto::start();
    moto.seed(&["checks"]);
    let inspected = moto.seed(&["inspect"]);
    let (code, stdout, stderr) = moto.flowaudit(&[
        "query",
        "--regions",
        "us-east-1",
        "--format",
        "json",
        "-q",
        "SELECT flow_log_id FROM flow_logs ORDER BY 1",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let ids: BTreeSet<String> = parse_json(&stdout)
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["flow_log_id"].as_str().unwrap_or_default().to_string())
        .collect();
    let expected: BTreeSet<String> = inspected["flow_logs"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    assert!(!expected.is_empty());
    assert_eq!(ids, expected);

    let (code, stdout, stderr) = moto.flowaudit(&[
        "query",
        "--regions",
        "us-east-1",
        "--format",
        "json",
        "-q",
        NO_ACTIVE_FLOW_LOG,
    ]);
    assert_eq!(code, 0, "{stderr}");
    let found = vpc_set(&parse_json(&stdout));
    let (_, report, stderr) =
        moto.flowaudit(&["scan", "--regions", "us-east-1", "--format", "json", "-q"]);
    let expected = failing(&parse_json(&report));
    assert!(!expected.is_empty(), "{stderr}");
    assert_eq!(found, expected);
}
