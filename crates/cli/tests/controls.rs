//! Custom controls through the binary: the bundled examples on the demo and on
//! moto, a custom FAIL through exceptions, SARIF, HTML and `diff`, the catalog,
//! and every way a control can be broken (exit 2, naming file and line).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{parse_json, repo_root, results, run, Moto};
use serde_json::Value;

fn examples() -> String {
    repo_root()
        .join("examples/controls")
        .to_string_lossy()
        .to_string()
}

/// (account, region, resource) → status of one check's results.
fn verdicts(report: &Value, check_id: &str) -> BTreeMap<(String, String, String), String> {
    results(report)
        .iter()
        .filter(|r| r["check_id"] == check_id)
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            (
                (s("account_id"), s("region"), s("resource_id")),
                s("status"),
            )
        })
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    path
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

/// The source's stored query, saved as a control with "expect no rows", gives
/// exactly `vpc-flow-logs-enabled`'s verdict for every VPC of the demo
/// (PASS, FAIL, SKIPPED for the shared VPC, ERROR for the unreadable region).
#[test]
fn the_stored_query_control_gives_the_checks_verdicts_on_the_demo() {
    let (code, stdout, stderr) = run(&["demo", "--controls", &examples(), "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    let custom = verdicts(&report, "cis-3-7-stored-query");
    let builtin = verdicts(&report, "vpc-flow-logs-enabled");
    assert_eq!(custom, builtin);
    let statuses: std::collections::BTreeSet<&String> = custom.values().collect();
    assert_eq!(
        statuses.len(),
        4,
        "PASS, FAIL, SKIPPED and ERROR all compared: {statuses:?}"
    );
    let names: Vec<&str> = report["controls"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "cis-3-7-stored-query",
            "team-production-central-archive",
            "team-log-group-naming"
        ]
    );
}

/// The two team controls of `examples/controls` on the demo: the production
/// VPC that logs to the archive passes, the other production VPCs fail, the
/// rest are left out by the query (SKIPPED); the flow logs into groups outside
/// /aws/vpc-flow-logs/ fail and the others pass.
#[test]
fn the_example_team_controls_give_their_verdicts_on_the_demo() {
    let (_, stdout, stderr) = run(&["demo", "--controls", &examples(), "--format", "json"]);
    let report = parse_json(&stdout);
    let archive = verdicts(&report, "team-production-central-archive");
    let by_status = |v: &BTreeMap<(String, String, String), String>, status: &str| {
        v.iter()
            .filter(|(_, s)| *s == status)
            .map(|(k, _)| k.2.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        by_status(&archive, "PASS"),
        ["vpc-07aa11bb22cc30101"],
        "{stderr}"
    );
    assert_eq!(
        by_status(&archive, "FAIL"),
        [
            "vpc-07aa11bb22cc30103",
            "vpc-0a1b2c3d4e5f60001",
            "vpc-0a1b2c3d4e5f60002"
        ]
    );
    assert_eq!(by_status(&archive, "SKIPPED").len(), 6);
    let vpcs = report["summary"]["vpcs"].as_u64().unwrap_or(0) as usize;
    // Every VPC of a readable region has a result; the unreadable region one ERROR.
    assert_eq!(archive.len(), vpcs + by_status(&archive, "ERROR").len());

    let naming = verdicts(&report, "team-log-group-naming");
    let failing = by_status(&naming, "FAIL");
    assert_eq!(failing.len(), 3, "{naming:?}");
    for r in results(&report)
        .iter()
        .filter(|r| r["check_id"] == "team-log-group-naming" && r["status"] == "FAIL")
    {
        let message = r["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("/vpc/shared-flow-logs") || message.contains("/org/central-flow-logs"),
            "{message}"
        );
    }
    assert!(by_status(&naming, "PASS").len() >= 3, "{naming:?}");
}

/// Against moto: the stored-query control and `vpc-flow-logs-enabled` agree
/// on every VPC the scan read.
#[test]
fn the_stored_query_control_gives_the_checks_verdicts_in_a_moto_scan() {
    let moto = Moto::start();
    moto.seed(&["checks"]);
    let (code, stdout, stderr) = moto.flowaudit(&[
        "scan",
        "--regions",
        "us-east-1,eu-west-1",
        "--controls",
        &examples(),
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    let custom = verdicts(&report, "cis-3-7-stored-query");
    let builtin = verdicts(&report, "vpc-flow-logs-enabled");
    assert!(builtin.values().any(|s| s == "FAIL"), "{builtin:?}");
    assert!(builtin.values().any(|s| s == "PASS"), "{builtin:?}");
    assert_eq!(custom, builtin);
}

const STAGING_CONTROL: &str = r#"
[[control]]
id = "team-no-staging-name"
title = "No VPC is still named staging"
severity = "high"
resource_type = "vpc"
expect = "empty"
remediation = "Rename the VPC."
sql = "SELECT vpc_id AS resource, 'still named staging' AS reason FROM vpcs WHERE name = 'staging'"
"#;

/// A custom FAIL is excepted by an `[[exception]]` naming the control, is a
/// SARIF rule with a result, shows in HTML, and `diff` reports it fixed when
/// the resource changes.
#[test]
fn a_custom_fail_rides_exceptions_sarif_html_and_diff() {
    let dir = tmp();
    let inventory = dir.path().join("inventory.json");
    let (code, _, stderr) = run(&[
        "demo",
        "--save-inventory",
        &inventory.to_string_lossy(),
        "-q",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let config = write(dir.path(), "flowaudit.toml", STAGING_CONTROL);
    let config = config.to_string_lossy().to_string();
    let inv = inventory.to_string_lossy().to_string();

    // FAIL, in JSON, SARIF and HTML.
    let before = dir.path().join("before.json");
    let sarif = dir.path().join("r.sarif");
    let html = dir.path().join("r.html");
    let asff = dir.path().join("r.asff.json");
    let (code, _, stderr) = run(&[
        "--config",
        &config,
        "check",
        "--inventory",
        &inv,
        "--output",
        &format!("json={}", before.display()),
        "--output",
        &format!("sarif={}", sarif.display()),
        "--output",
        &format!("html={}", html.display()),
        "--output",
        &format!("asff={}", asff.display()),
    ]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&std::fs::read_to_string(&before).unwrap_or_default());
    let staged = verdicts(&report, "team-no-staging-name");
    assert_eq!(
        staged.values().filter(|s| *s == "FAIL").count(),
        1,
        "{staged:?}"
    );
    let sarif = parse_json(&std::fs::read_to_string(&sarif).unwrap_or_default());
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let index = rules
        .iter()
        .position(|r| r["id"] == "team-no-staging-name")
        .unwrap_or_else(|| panic!("no rule for the control"));
    assert_eq!(
        rules[index]["shortDescription"]["text"],
        "No VPC is still named staging"
    );
    let result = sarif["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["ruleId"] == "team-no-staging-name")
        .unwrap_or_else(|| panic!("no SARIF result for the control"));
    assert_eq!(result["ruleIndex"], index);
    assert_eq!(result["level"], "error");
    // Security Hub findings carry the control's title and remediation.
    let asff = parse_json(&std::fs::read_to_string(&asff).unwrap_or_default());
    let finding = asff
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["Title"] == "No VPC is still named staging")
        .unwrap_or_else(|| panic!("no ASFF finding titled by the control: {asff}"));
    assert_eq!(
        finding["Remediation"]["Recommendation"]["Text"],
        "Rename the VPC."
    );
    let html = std::fs::read_to_string(&html).unwrap_or_default();
    assert!(html.contains("team-no-staging-name"));
    assert!(html.contains("still named staging"));

    // Excepted.
    let staging_vpc = staged
        .iter()
        .find(|(_, s)| *s == "FAIL")
        .map(|(k, _)| k.2.clone())
        .unwrap_or_default();
    let excepted = write(
        dir.path(),
        "excepted.toml",
        &format!(
            "{STAGING_CONTROL}\n[[exception]]\ncheck = \"team-no-staging-name\"\nvpc = \"{staging_vpc}\"\nreason = \"renamed next sprint\"\nexpires = 2099-01-01\nowner = \"net-team\"\n"
        ),
    );
    let (_, stdout, stderr) = run(&[
        "--config",
        &excepted.to_string_lossy(),
        "check",
        "--inventory",
        &inv,
        "--format",
        "json",
    ]);
    let report = parse_json(&stdout);
    let staged = verdicts(&report, "team-no-staging-name");
    assert_eq!(
        staged.values().filter(|s| *s == "EXCEPTED").count(),
        1,
        "{stderr}"
    );
    assert_eq!(staged.values().filter(|s| *s == "FAIL").count(), 0);

    // Fixed: the VPC renamed in the inventory; `diff` says so.
    let text = std::fs::read_to_string(&inventory).unwrap_or_default();
    let renamed = text.replace("\"Name\": \"staging\"", "\"Name\": \"staging-retired\"");
    assert_ne!(text, renamed, "the demo inventory names a VPC staging");
    let inventory2 = write(dir.path(), "inventory2.json", &renamed);
    let after = dir.path().join("after.json");
    run(&[
        "--config",
        &config,
        "check",
        "--inventory",
        &inventory2.to_string_lossy(),
        "--output",
        &format!("json={}", after.display()),
    ]);
    let (code, stdout, stderr) = run(&[
        "diff",
        &before.to_string_lossy(),
        &after.to_string_lossy(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let diff = parse_json(&stdout);
    let fixed = diff["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["check_id"] == "team-no-staging-name")
        .unwrap_or_else(|| panic!("no change for the control: {diff}"));
    assert_eq!(fixed["change"], "fixed");
    assert_eq!(fixed["resource_id"], staging_vpc.as_str());
}

/// `checks` lists custom controls beside the built-in ones; `explain` shows
/// one with its query, and its failures on the demo.
#[test]
fn checks_and_explain_show_custom_controls() {
    let (code, stdout, stderr) = run(&["checks", "--controls", &examples()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("vpc-flow-logs-enabled"));
    assert!(stdout.contains("Custom controls"));
    assert!(stdout.contains("team-log-group-naming"));
    let (code, stdout, _) = run(&["checks", "--controls", &examples(), "--format", "json"]);
    assert_eq!(code, 0);
    let list = parse_json(&stdout);
    let custom: Vec<&Value> = list
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["custom"] == true)
        .collect();
    assert_eq!(custom.len(), 3);

    let (code, stdout, stderr) = run(&[
        "explain",
        "cis-3-7-stored-query",
        "--controls",
        &examples(),
        "--demo",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("FROM vpcs v"), "{stdout}");
    assert!(stdout.contains("expect: no rows"), "{stdout}");
    assert!(stdout.contains("Failures (2)"), "{stdout}");
}

/// One broken control at a time: each exits 2 with the file, the line (and
/// column where SQLite names one) and what is wrong, and prints no report.
#[test]
fn broken_controls_exit_2_naming_file_and_line() {
    let head = "[[control]]\nid = \"broken\"\ntitle = \"t\"\nseverity = \"low\"\nresource_type = \"vpc\"\n";
    let cases: &[(&str, &str, &str)] = &[
        (
            "sql = \"\"\"\nSELECT vpc_id AS resource,\n  'ok' AS status\nFROM vpcz\n\"\"\"\n",
            ":9:6: control `broken`: ",
            "no such table: vpcz",
        ),
        (
            "expect = \"empty\"\nsql = \"SELECT 'vpc-0123456789abcdef0' AS resource\"\n",
            ":7: control `broken`: ",
            "row 1 names `vpc-0123456789abcdef0`, which is not a vpc in the inventory",
        ),
        (
            "sql = \"SELECT vpc_id AS resource, 'info' AS status, 'x' AS reason FROM vpcs\"\n",
            ":6: control `broken`: ",
            "status `info` is not one of",
        ),
        (
            "sql = \"SELECT vpc_id, 'ok' AS status FROM vpcs\"\n",
            ":6: control `broken`: ",
            "no `resource` column",
        ),
        (
            "sql = \"SELECT vpc_id AS resource FROM vpcs\"\n",
            ":6: control `broken`: ",
            "no `status` column",
        ),
        (
            "sql = \"SELECT vpc_id AS resource, 'ok' AS status FROM vpcs UNION ALL SELECT vpc_id, 'alarm' FROM vpcs\"\n",
            ":6: control `broken`: ",
            "again; the rows form takes exactly one row per vpc",
        ),
        (
            "sql = \"DELETE FROM vpcs\"\n",
            ":6: control `broken`: ",
            "may only read",
        ),
        (
            "time_limit_seconds = 1\nsql = \"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) AS resource FROM n\"\n",
            ":7: control `broken`: ",
            "longer than its time limit",
        ),
    ];
    for (i, (tail, place, says)) in cases.iter().enumerate() {
        let dir = tmp();
        let file = write(dir.path(), "c.toml", &format!("{head}{tail}"));
        let (code, stdout, stderr) = run(&["demo", "--controls", &dir.path().to_string_lossy()]);
        assert_eq!(code, 2, "case {i}: {stderr}");
        assert!(stdout.is_empty(), "case {i}: no report: {stdout}");
        let expected = format!("error: {}{place}", file.display());
        assert!(stderr.starts_with(&expected), "case {i}: {stderr}");
        assert!(stderr.contains(says), "case {i}: {stderr}");
    }

    // Definitions: each error at its key.
    for (tail, says) in [
        (
            "resource_type2 = \"x\"\nsql = \"SELECT 1\"\n",
            "unknown field `resource_type2`",
        ),
        (
            "expect = \"some\"\nsql = \"SELECT 1\"\n",
            "expect `some` is not `rows` or `empty`",
        ),
        ("sql = \"  \"\n", "`sql` is empty"),
    ] {
        let dir = tmp();
        write(dir.path(), "c.toml", &format!("{head}{tail}"));
        let (code, _, stderr) = run(&["demo", "--controls", &dir.path().to_string_lossy()]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("c.toml:"), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
    }
    let dir = tmp();
    write(
        dir.path(),
        "c.toml",
        &format!("{head}sql = \"SELECT 1\"\n")
            .replace("id = \"broken\"", "id = \"vpc-flow-logs-enabled\""),
    );
    let (code, _, stderr) = run(&["demo", "--controls", &dir.path().to_string_lossy()]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("c.toml:2:6: `vpc-flow-logs-enabled` is a built-in check"),
        "{stderr}"
    );

    // The same id twice: both places named.
    let dir = tmp();
    let one = format!("{head}sql = \"SELECT vpc_id AS resource, 'ok' AS status FROM vpcs\"\n");
    write(dir.path(), "a.toml", &one);
    write(dir.path(), "b.toml", &one);
    let (code, _, stderr) = run(&["demo", "--controls", &dir.path().to_string_lossy()]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("b.toml:1: control `broken` is also defined at"),
        "{stderr}"
    );
    assert!(stderr.contains("a.toml:1"), "{stderr}");

    // An exception may name a control of --controls; a name nobody defines is refused.
    let config = write(
        dir.path(),
        "cfg/flowaudit.toml",
        "[[exception]]\ncheck = \"no-such-control\"\nvpc = \"vpc-1\"\nreason = \"r\"\nexpires = 2099-01-01\n",
    );
    let (code, _, stderr) = run(&["--config", &config.to_string_lossy(), "demo"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("flowaudit.toml:2:9: exception #1: `check = \"no-such-control\"`"),
        "{stderr}"
    );
}

/// The rows form leaves no VPC out silently: a VPC the query gives no row for
/// is ERROR, saying how to leave it out on purpose.
#[test]
fn a_vpc_without_a_row_is_an_error_result() {
    let dir = tmp();
    write(
        dir.path(),
        "c.toml",
        "[[control]]\nid = \"only-prod\"\ntitle = \"t\"\nseverity = \"low\"\nresource_type = \"vpc\"\nsql = \"SELECT vpc_id AS resource, 'ok' AS status, 'fine' AS reason FROM vpcs WHERE name LIKE 'prod%'\"\n",
    );
    let (code, stdout, stderr) = run(&[
        "demo",
        "--controls",
        &dir.path().to_string_lossy(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    let only = verdicts(&report, "only-prod");
    assert_eq!(
        only.values().filter(|s| *s == "PASS").count(),
        2,
        "{only:?}"
    );
    let no_row: Vec<&Value> = results(&report)
        .iter()
        .filter(|r| {
            r["check_id"] == "only-prod" && r["status"] == "ERROR" && r["resource_type"] == "vpc"
        })
        .collect();
    assert!(no_row.len() >= 6, "{only:?}");
    assert!(no_row[0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("returned no row for this vpc"));
}

/// Each built-in VPC-level check's stored query (`explain` shows it), run as a
/// control over a moto scan's inventory, gives the check's verdict on every
/// VPC the scan read: the `checks`, `orphan` and `many` scenarios.
#[test]
fn the_built_in_queries_give_the_checks_verdicts_in_moto_scans() {
    let moto = Moto::start();
    moto.seed(&["checks"]);
    moto.seed(&["orphan"]);
    moto.seed(&[
        "many",
        "--regions",
        "eu-west-1",
        "--vpcs",
        "6",
        "--with-flow-logs",
        "0.5",
    ]);
    let dir = tmp();
    let saved = dir.path().join("inventory.json");
    let (code, stdout, stderr) = moto.flowaudit(&[
        "scan",
        "--regions",
        "us-east-1,us-west-2,eu-west-1",
        "--save-inventory",
        &saved.to_string_lossy(),
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    let text = std::fs::read_to_string(&saved).unwrap_or_default();
    let inventory = flowaudit_core::load::parse_inventory(&text, "inventory.json")
        .unwrap_or_else(|e| panic!("{e}"));
    let controls: Vec<flowaudit_query::Control> = flowaudit_core::checks::REGISTRY
        .iter()
        .filter_map(flowaudit_query::Control::from_check)
        .collect();
    assert_eq!(controls.len(), 3);
    let db = flowaudit_query::Database::new(&inventory).unwrap_or_else(|e| panic!("{e}"));
    let results = flowaudit_query::control::run(
        &controls,
        &db,
        &inventory,
        &flowaudit_core::Settings::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let as_json = parse_json(
        &serde_json::to_string(&serde_json::json!({ "results": results })).unwrap_or_default(),
    );
    let mut statuses = std::collections::BTreeSet::new();
    for c in &controls {
        let id = c.info.id.trim_end_matches("-as-query");
        let expected = verdicts(&report, id);
        assert!(expected.len() >= 10, "{id}: {expected:?}");
        assert_eq!(verdicts(&as_json, &c.info.id), expected, "{id}");
        statuses.extend(expected.into_values().map(|s| format!("{id} {s}")));
    }
    for seen in [
        "vpc-flow-logs-enabled PASS",
        "vpc-flow-logs-enabled FAIL",
        "vpc-flow-logs-capture-rejects FAIL",
        "vpc-flow-logs-delivering SKIPPED",
    ] {
        assert!(statuses.contains(seen), "{seen}: {statuses:?}");
    }
}

/// A controls file may come with the code under review: its text reaches the
/// terminal escaped, never as control sequences.
#[test]
fn control_text_reaches_the_terminal_escaped() {
    let dir = tmp();
    write(
        dir.path(),
        "c.toml",
        "[[control]]\nid = \"hostile\"\ntitle = \"clear\\u001b[2Jscreen\"\nseverity = \"low\"\nresource_type = \"vpc\"\ndescription = \"bell\\u0007\"\nexpect = \"empty\"\nsql = \"SELECT vpc_id AS resource FROM vpcs WHERE 0 -- \\u001b]0;title\\u0007\"\n",
    );
    let d = dir.path().to_string_lossy().to_string();
    for args in [
        vec!["checks", "--controls", &d],
        vec!["explain", "hostile", "--controls", &d],
    ] {
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains("hostile"), "{stdout}");
        assert!(
            !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
            "{args:?}: {stdout:?}"
        );
    }
}
