//! `flowaudit analyze` through the real binary.

mod common;

use common::{parse_json, run};

fn generate(dir: &std::path::Path, extra: &[&str]) {
    common::generate_flowlogs(dir, 20_000, 2, extra);
}

#[test]
fn analyze_reports_findings_and_exits_by_them() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    generate(dir.path(), &[]);
    let path = dir.path().to_str().unwrap_or_default();
    let (code, stdout, stderr) = run(&["analyze", path, "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    let checks: Vec<&str> = common::results(&report)
        .iter()
        .filter(|r| r["status"] == "FAIL")
        .filter_map(|r| r["check_id"].as_str())
        .collect();
    for want in [
        "flowlog-port-scan",
        "flowlog-host-sweep",
        "flowlog-exposed-admin-port",
        "flowlog-exfiltration",
        "flowlog-skipdata",
        "flowlog-rejected-hotspot",
        "flowlog-lateral-movement",
        "flowlog-interface-silent",
        "flowlog-delivery-gap",
    ] {
        assert!(checks.contains(&want), "{want} missing: {checks:?}");
    }
    assert!(report["source"]
        .as_str()
        .is_some_and(|s| s.starts_with("analyze:")));
    // What was read is in the report.
    let read = &report["stats"]["read"];
    assert_eq!(read["inputs"], 2);
    assert!(
        read["records"].as_u64().is_some_and(|n| n > 19_000),
        "{read}"
    );
    assert_eq!(read["malformed"], 0);
    assert_eq!(read["from"], "2026-11-20T12:00:00+00:00");
    // Raising the threshold above the scan makes it disappear, from the command
    // line or from `[analyze]` in the config file (where the command line wins).
    // Each run is judged by its report: the other findings are still there, so
    // an empty or failed run cannot pass for "no port scan".
    let no_scan_but_the_rest = |args: &[&str]| {
        let (code, stdout, stderr) = run(args);
        assert_eq!(code, 1, "{stderr}");
        let found: Vec<String> = common::results(&parse_json(&stdout))
            .iter()
            .filter(|r| r["status"] == "FAIL")
            .filter_map(|r| r["check_id"].as_str().map(str::to_string))
            .collect();
        assert!(
            found.iter().any(|id| id == "flowlog-host-sweep"),
            "{found:?}"
        );
        assert!(
            !found.iter().any(|id| id == "flowlog-port-scan"),
            "{found:?}"
        );
    };
    no_scan_but_the_rest(&["analyze", path, "--format", "json", "--scan-ports", "500"]);
    let config = dir.path().join("flowaudit.toml");
    std::fs::write(&config, "[analyze]\nscan_ports = 500\n").unwrap_or_else(|e| panic!("{e}"));
    let config = config.to_str().unwrap_or_default();
    no_scan_but_the_rest(&["analyze", path, "--config", config, "--format", "json"]);
    let (_, stdout, _) = run(&[
        "analyze",
        path,
        "--config",
        config,
        "--format",
        "json",
        "--scan-ports",
        "25",
    ]);
    assert!(
        common::results(&parse_json(&stdout))
            .iter()
            .any(|r| r["check_id"] == "flowlog-port-scan" && r["status"] == "FAIL"),
        "the command line wins over the file"
    );

    let quiet = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    generate(quiet.path(), &["--background-only"]);
    let (code, stdout, stderr) = run(&[
        "analyze",
        quiet.path().to_str().unwrap_or_default(),
        "--color",
        "never",
    ]);
    assert_eq!(code, 0, "{stderr}");
    // No finding, and every detection still says what it checked.
    assert!(stdout.contains(" 0 FAIL,"), "{stdout}");
    for meta in flowaudit_core::findings::REGISTRY {
        assert!(
            stdout.contains(meta.id.as_str()),
            "{} missing:\n{stdout}",
            meta.id
        );
    }

    // --athena prints the DDL and the queries and reads nothing.
    let (code, sql, _) = run(&[
        "analyze",
        "--athena",
        "s3://acme-flow-logs",
        "--scan-ports",
        "40",
    ]);
    assert_eq!(code, 0);
    assert!(sql.contains("CREATE EXTERNAL TABLE IF NOT EXISTS vpc_flow_logs"));
    assert!(sql.contains("HAVING count(DISTINCT dstport) >= 40"));
    let (code, _, stderr) = run(&["analyze", "--athena", "acme-flow-logs"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not an s3:// location"), "{stderr}");

    let (code, _, stderr) = run(&["analyze", "/nonexistent/logs"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("/nonexistent/logs: no such file or directory"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["analyze", path, "--format-fields", "${version} ${src{addr}"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--format-fields"), "{stderr}");
}

/// A flow-log finding's id is a catalog id like a check's: `explain` describes
/// it, `[[exception]]` accepts it, and SARIF has a rule for it.
#[test]
fn a_finding_id_works_in_explain_exceptions_and_sarif() {
    let (code, stdout, stderr) = run(&["explain", "flowlog-port-scan"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("flowlog-port-scan — "), "{stdout}");
    assert!(
        stdout.contains("T1046 Network Service Discovery"),
        "{stdout}"
    );
    assert!(stdout.contains("Automatic fix"), "{stdout}");

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    generate(dir.path(), &[]);
    let path = dir.path().to_str().unwrap_or_default();
    let config = dir.path().join("flowaudit.toml");
    std::fs::write(
        &config,
        "[[exception]]\ncheck = \"flowlog-port-scan\"\nresource = \"*\"\nreason = \"authorised scanner\"\nowner = \"secops\"\nexpires = 2099-12-31\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let config = config.to_str().unwrap_or_default();
    let (code, stdout, stderr) = run(&["analyze", path, "--config", config, "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    let scans: Vec<&serde_json::Value> = common::results(&report)
        .iter()
        .filter(|r| r["check_id"] == "flowlog-port-scan")
        .collect();
    assert!(!scans.is_empty());
    assert!(scans.iter().all(|r| r["status"] == "EXCEPTED"), "{scans:?}");

    let (_, stdout, stderr) = run(&["analyze", path, "--format", "sarif"]);
    let sarif = parse_json(&stdout);
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let index = rules
        .iter()
        .position(|r| r["id"] == "flowlog-port-scan")
        .unwrap_or_else(|| panic!("no SARIF rule for flowlog-port-scan: {stderr}"));
    assert_eq!(
        rules[index]["shortDescription"]["text"],
        flowaudit_core::findings::PORT_SCAN.title
    );
    let results = sarif["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "flowlog-port-scan" && r["ruleIndex"] == index));
}

#[test]
fn analyze_writes_security_group_suggestions_and_takes_thresholds_from_the_config() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    generate(dir.path(), &[]);
    let path = dir.path().to_str().unwrap_or_default();
    let out = dir.path().join("sg");
    let (code, stdout, stderr) = run(&[
        "analyze",
        path,
        "--format",
        "json",
        "--suggest-security-groups",
        out.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.contains("flowlog-lateral-movement"));
    let json =
        std::fs::read_to_string(out.join("security-groups.json")).unwrap_or_else(|e| panic!("{e}"));
    let doc = parse_json(&json);
    assert_eq!(doc["schema"], "flowaudit.sg-suggestions/v1");
    let web = doc["interfaces"]
        .as_array()
        .and_then(|list| list.iter().find(|i| i["interface_id"] == "eni-s0003"))
        .unwrap_or_else(|| panic!("no eni-s0003 in {json}"));
    assert_eq!(web["rules"][0]["from_port"], 443);
    assert_eq!(web["rules"][0]["cidr_blocks"][0], "0.0.0.0/0");
    let tf =
        std::fs::read_to_string(out.join("security-groups.tf")).unwrap_or_else(|e| panic!("{e}"));
    assert!(tf.contains("resource \"aws_security_group_rule\" \"eni_s0003_tcp_443\""));

    // Config-only thresholds: no remote-access port watched, no lateral movement;
    // a bad share is an error naming the file and line.
    let config = dir.path().join("flowaudit.toml");
    std::fs::write(&config, "[analyze]\nlateral_ports = []\n").unwrap_or_else(|e| panic!("{e}"));
    let config_arg = config.to_str().unwrap_or_default();
    let (_, stdout, _) = run(&["analyze", path, "--config", config_arg, "--format", "json"]);
    let status_of = |id: &str| -> Vec<String> {
        common::results(&parse_json(&stdout))
            .iter()
            .filter(|r| r["check_id"] == id)
            .map(|r| r["status"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(status_of("flowlog-lateral-movement"), ["PASS"], "{stdout}");
    assert!(status_of("flowlog-port-scan").iter().all(|s| s == "FAIL"));
    std::fs::write(&config, "[analyze]\n\nscan_reject_share = 1.5\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = run(&["analyze", path, "--config", config_arg]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("flowaudit.toml:3") && stderr.contains("not a share"),
        "{stderr}"
    );
}

/// The SQL that `--athena` hands to Athena, run on DuckDB (with macros for the
/// two Presto function names DuckDB spells differently) over the generated
/// files: it must find exactly the planted events, and nothing on background.
#[test]
fn athena_sql_finds_the_planted_events_when_run_on_duckdb() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (code, sql, stderr) = run(&["analyze", "--athena", "s3://acme-flow-logs/vpc"]);
    assert_eq!(code, 0, "{stderr}");
    let sql_file = dir.path().join("athena.sql");
    std::fs::write(&sql_file, sql).unwrap_or_else(|e| panic!("{e}"));
    let found = |extra: &[&str]| -> serde_json::Value {
        let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        generate(data.path(), extra);
        common::python_json(
            "tests/flowlogs/athena_duckdb.py",
            &[
                sql_file.to_str().unwrap_or_default(),
                data.path().to_str().unwrap_or_default(),
            ],
        )
    };
    let planted = found(&[]);
    for (check, resource) in [
        ("flowlog-port-scan", "203.0.113.66"),
        ("flowlog-host-sweep", "198.51.100.23"),
        ("flowlog-exposed-admin-port", "10.0.10.13"),
        ("flowlog-exfiltration", "10.1.0.17"),
        ("flowlog-rejected-hotspot", "203.0.113.66"),
        ("flowlog-lateral-movement", "10.1.0.20"),
        ("flowlog-skipdata", "eni-skip"),
        ("flowlog-interface-silent", "eni-gone"),
        ("flowlog-delivery-gap", "2026-11-21 06:00:00"),
    ] {
        let rows: Vec<&str> = planted[check]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        assert!(
            !rows.is_empty() && rows.iter().all(|r| *r == resource),
            "{check}: {rows:?}, want only {resource}"
        );
    }
    let background = found(&["--background-only"]);
    let rows: usize = background
        .as_object()
        .map(|o| o.values().filter_map(|v| v.as_array()).map(Vec::len).sum())
        .unwrap_or(1);
    assert_eq!(rows, 0, "{background}");
}

/// A hostile directory of flow logs: links back up the tree (twice), a second
/// link to one file, and a FIFO. The run ends, counts every record once, and
/// names the FIFO as an ERROR.
#[cfg(unix)]
#[test]
fn links_and_fifos_are_read_once_or_named() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    let logs = root.join("logs");
    std::fs::create_dir(&logs).unwrap_or_else(|e| panic!("{e}"));
    common::generate_flowlogs(&logs, 2_000, 1, &[]);
    let path = root.to_str().unwrap_or_default();
    let (_, stdout, stderr) = run(&["analyze", path, "--format", "json"]);
    let plain = parse_json(&stdout);
    let records = plain["stats"]["read"]["records"].clone();
    assert!(records.as_u64().is_some_and(|n| n > 1_900), "{stderr}");

    let first = std::fs::read_dir(&logs)
        .ok()
        .and_then(|mut entries| entries.next())
        .and_then(Result::ok)
        .map(|e| e.path())
        .unwrap_or_else(|| panic!("the generator wrote no file"));
    for (target, at) in [
        (root.to_path_buf(), root.join("self")),
        (root.to_path_buf(), logs.join("up")),
        (first, root.join("again.log.gz")),
    ] {
        std::os::unix::fs::symlink(target, at).unwrap_or_else(|e| panic!("{e}"));
    }
    let made = std::process::Command::new("mkfifo")
        .arg(root.join("pipe.log"))
        .status()
        .unwrap_or_else(|e| panic!("mkfifo: {e}"));
    assert!(made.success());
    let started = std::time::Instant::now();
    let (code, stdout, stderr) = run(&["analyze", path, "--format", "json"]);
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    assert_eq!(
        report["stats"]["read"]["records"], records,
        "every record once"
    );
    assert!(
        common::results(&report)
            .iter()
            .any(|r| r["status"] == "ERROR"
                && r.to_string().contains("pipe.log")
                && r.to_string().contains("not a regular file")),
        "the FIFO is named: {stdout}"
    );
}

/// Files as deliveries and Firehose leave them: two S3 deliveries of different
/// formats joined into one file (a BOM before the second header), and
/// subscription payloads back to back with a CONTROL_MESSAGE among them. Every
/// record is read with its own file's fields, nothing is malformed, and the
/// health check is counted apart.
#[test]
fn joined_deliveries_and_firehose_payloads_are_read_exactly() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let joined = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
        2 123456789012 eni-1 10.0.0.1 10.0.0.2 1234 22 6 1 40 1764676800 1764676860 ACCEPT OK\n\
        \u{feff}interface-id srcaddr dstaddr dstport action log-status start\n\
        eni-2 10.0.0.3 10.0.0.4 443 REJECT OK 1764676800\n\
        eni-2 - - - - NODATA 1764676800\n";
    std::fs::write(dir.path().join("joined.log"), joined).unwrap_or_else(|e| panic!("{e}"));
    let event = |port: u16| {
        format!("{{\"id\":\"{port}\",\"timestamp\":1,\"message\":\"2 123456789012 eni-3 10.0.0.5 10.0.0.6 1234 {port} 6 1 40 1764676800 1764676860 ACCEPT OK\"}}")
    };
    let payload = |port: u16| {
        format!("{{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"123456789012\",\"logGroup\":\"g\",\"logStream\":\"s\",\"subscriptionFilters\":[\"f\"],\"logEvents\":[{}]}}", event(port))
    };
    let control = "{\"messageType\":\"CONTROL_MESSAGE\",\"owner\":\"CloudwatchLogs\",\"logGroup\":\"\",\"logStream\":\"\",\"subscriptionFilters\":[],\"logEvents\":[{\"id\":\"\",\"timestamp\":1,\"message\":\"CWL CONTROL MESSAGE: Checking health of destination Firehose.\"}]}";
    std::fs::write(
        dir.path().join("firehose"),
        format!("{}{control}{}", payload(80), payload(8080)),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().to_str().unwrap_or_default();
    let (code, stdout, stderr) = run(&["analyze", path, "--format", "json"]);
    assert!(code == 0 || code == 1, "{stderr}");
    let read = &parse_json(&stdout)["stats"]["read"];
    assert_eq!(read["inputs"], 2, "{read}");
    // 3 records in the joined file (one NODATA), 2 in the payloads.
    assert_eq!(read["records"], 5, "{read}");
    assert_eq!(read["nodata"], 1, "{read}");
    assert_eq!(read["malformed"], 0, "{read}");
    assert_eq!(read["control_messages"], 1, "{read}");
}

/// `--format-fields` takes the underscore spellings of Athena, Glue and
/// Parquet, and refuses a name it does not know, naming the closest.
#[test]
fn format_fields_accepts_underscores_and_refuses_unknown_names() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("records.log");
    std::fs::write(
        &file,
        "eni-1 10.0.0.1 10.0.0.2 22 ACCEPT NODATA 1764676800\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let file = file.to_str().unwrap_or_default();
    let (code, stdout, stderr) = run(&[
        "analyze",
        file,
        "--format",
        "json",
        "--format-fields",
        "interface_id srcaddr dstaddr dstport action log_status start",
    ]);
    assert!(code == 0 || code == 1, "{stderr}");
    let read = &parse_json(&stdout)["stats"]["read"];
    assert_eq!(
        (read["records"].as_u64(), read["nodata"].as_u64()),
        (Some(1), Some(1)),
        "{read}"
    );
    let (code, stdout, stderr) = run(&["analyze", file, "--format-fields", "interface-id srcadr"]);
    assert_eq!(code, 2, "{stdout}");
    assert_eq!(
        stderr.trim_end(),
        "error: --format-fields: `srcadr` is not a flow-log field (did you mean `srcaddr`?)"
    );
}

/// Every file with malformed lines gets its own ERROR result with how many,
/// even past the examples kept; a header-less file whose lines do not fit the
/// default format is told its header seems missing.
#[test]
fn every_file_with_malformed_lines_is_named_with_its_count() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let good =
        "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1234 22 6 1 40 1764676800 1764676860 ACCEPT OK\n";
    let files = 12;
    for i in 0..files {
        std::fs::write(
            dir.path().join(format!("f{i:02}.log")),
            format!("{good}2 123456789012 eni-1 10.0.0.1 10.0.0.2 1234 22 6 1 40 1764676800 1764676860 MAYBE OK\n{good}"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }
    // Seven fields a line, no header: a custom format delivered without it.
    std::fs::write(
        dir.path().join("custom.log"),
        "eni-1 10.0.0.1 10.0.0.2 22 ACCEPT OK 1764676800\neni-1 10.0.0.1 10.0.0.3 22 ACCEPT OK 1764676800\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().to_str().unwrap_or_default();
    let (_, stdout, stderr) = run(&["analyze", path, "--format", "json"]);
    let report = parse_json(&stdout);
    let errors: Vec<&serde_json::Value> = common::results(&report)
        .iter()
        .filter(|r| r["check_id"] == "flowlog-input" && r["status"] == "ERROR")
        .collect();
    assert_eq!(errors.len(), files + 1, "{stderr}\n{errors:#?}");
    for i in 0..files {
        let name = format!("f{i:02}.log");
        assert!(
            errors.iter().any(|r| r["resource_id"]
                .as_str()
                .is_some_and(|id| id.ends_with(&name))
                && r["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("1 malformed record(s)"))),
            "{name}: {errors:#?}"
        );
    }
    let custom = errors
        .iter()
        .find(|r| {
            r["resource_id"]
                .as_str()
                .is_some_and(|id| id.ends_with("custom.log"))
        })
        .unwrap_or_else(|| panic!("{errors:#?}"));
    assert_eq!(
        custom["message"],
        "2 malformed record(s), first at line 1: the line has 7 fields and the default format 14: the header line seems missing; pass --format-fields with the flow log's LogFormat"
    );
}

/// An interface's own IPv6 address is a global one (AWS assigns global
/// unicast IPv6): SSH accepted on it from the internet gets a suggested rule;
/// NODATA records (which name no address) do not dilute the 90% share that
/// makes an address the interface's own.
#[test]
fn a_global_ipv6_address_is_the_interfaces_own_and_nodata_does_not_dilute_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let own = "2600:1f18:4a3:6b00::10";
    let mut text = String::from(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n",
    );
    for (i, source) in [
        "2001:db8:1::7",
        "2001:db8:2::9",
        "2001:db8:3::4",
        "2001:db8:4::2",
    ]
    .iter()
    .enumerate()
    {
        let start = 1_795_176_000 + 60 * i as i64;
        text.push_str(&format!(
            "2 123456789012 eni-0v6 {source} {own} 5{i}022 22 6 12 3400 {start} {} ACCEPT OK\n",
            start + 60
        ));
    }
    // The interface's own outbound SSH to a server on the internet: the
    // server is not the interface's, so no exposure of it.
    text.push_str(&format!(
        "2 123456789012 eni-0v6 {own} 2a05:d018::5 50122 22 6 9 2100 1795176300 1795176360 ACCEPT OK\n"
    ));
    // More NODATA records than data records: the share must not count them.
    for i in 0..6 {
        let start = 1_795_180_000 + 60 * i;
        text.push_str(&format!(
            "2 123456789012 eni-0v6 - - - - - - - {start} {} - NODATA\n",
            start + 60
        ));
    }
    std::fs::write(dir.path().join("v6.log"), text).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("sg");
    let (code, report, stderr) = run(&[
        "analyze",
        dir.path().join("v6.log").to_str().unwrap_or_default(),
        "--format",
        "json",
        "--suggest-security-groups",
        out.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 1, "SSH from the internet is a finding: {stderr}");
    // SSH accepted from the internet on the interface's global address.
    let report = parse_json(&report);
    let exposed: Vec<&serde_json::Value> = common::results(&report)
        .iter()
        .filter(|r| r["check_id"] == "flowlog-exposed-admin-port" && r["status"] == "FAIL")
        .collect();
    assert_eq!(exposed.len(), 1, "{report}");
    assert_eq!(exposed[0]["resource_id"], own);
    assert_eq!(
        exposed[0]["evidence"]["public_sources"], 4,
        "{}",
        exposed[0]
    );
    assert_eq!(exposed[0]["evidence"]["port"], 22);
    let json =
        std::fs::read_to_string(out.join("security-groups.json")).unwrap_or_else(|e| panic!("{e}"));
    let doc = parse_json(&json);
    let eni = doc["interfaces"]
        .as_array()
        .and_then(|list| list.iter().find(|i| i["interface_id"] == "eni-0v6"))
        .unwrap_or_else(|| panic!("no suggestion for eni-0v6: {json}"));
    let rule = &eni["rules"][0];
    assert_eq!(rule["from_port"], 22, "{json}");
    assert_eq!(rule["flows"], 4, "{json}");
    assert!(
        rule["ipv6_cidr_blocks"]
            .as_array()
            .is_some_and(|b| !b.is_empty()),
        "{json}"
    );
}

/// Transit Gateway records name no interface: lost records (SKIPDATA) are
/// reported for the attachment the records name, not for `-`.
#[test]
fn records_without_an_interface_name_the_attachment_they_have() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut text = String::from(
        "version resource-type account-id tgw-id tgw-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end log-status\n",
    );
    text.push_str("6 TransitGateway 123456789012 tgw-0a1b2c3d tgw-attach-0e5f6a7b 10.0.1.5 10.1.2.9 443 51000 6 10 8400 1795176000 1795176060 OK\n");
    text.push_str("6 TransitGateway 123456789012 tgw-0a1b2c3d tgw-attach-0e5f6a7b - - - - - - - 1795176060 1795176120 SKIPDATA\n");
    text.push_str("6 TransitGateway 123456789012 tgw-0a1b2c3d tgw-attach-0e5f6a7b - - - - - - - 1795176120 1795176180 SKIPDATA\n");
    std::fs::write(dir.path().join("tgw.log"), text).unwrap_or_else(|e| panic!("{e}"));
    let (code, stdout, stderr) = run(&[
        "analyze",
        dir.path().join("tgw.log").to_str().unwrap_or_default(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    let lost: Vec<&serde_json::Value> = report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["check_id"] == "flowlog-skipdata" && r["status"] == "FAIL")
        .collect();
    assert_eq!(lost.len(), 1, "{stdout}");
    assert_eq!(lost[0]["resource_id"], "tgw-attach-0e5f6a7b");
    assert_eq!(lost[0]["resource_type"], "transit-gateway-attachment");
    assert!(
        lost[0]["message"].as_str().is_some_and(|m| m
            .starts_with("2 SKIPDATA record(s): flow records of Transit Gateway attachment tgw-attach-0e5f6a7b were lost")),
        "{:#}",
        lost[0]
    );
}

/// Exfiltration names where the bytes went (the heaviest public destinations,
/// with bytes, flows and ports) and the interface that sent them.
#[test]
fn exfiltration_names_its_destinations_and_interface() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut text = String::new();
    for i in 0..3i64 {
        let start = 1_795_176_000 + 600 * i;
        text.push_str(&format!(
            "2 123456789012 eni-0ex 10.0.5.5 203.0.113.50 4{i}000 443 6 300000 419430400 {start} {} ACCEPT OK\n",
            start + 60
        ));
    }
    for i in 0..4i64 {
        let start = 1_795_176_100 + 60 * i;
        text.push_str(&format!(
            "2 123456789012 eni-0ex 10.0.5.5 198.51.100.7 5{i}000 80 6 10 2048 {start} {} ACCEPT OK\n",
            start + 60
        ));
    }
    std::fs::write(dir.path().join("exfil.log"), text).unwrap_or_else(|e| panic!("{e}"));
    let (code, stdout, stderr) = run(&[
        "analyze",
        dir.path().join("exfil.log").to_str().unwrap_or_default(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);
    let exfil = common::results(&report)
        .iter()
        .find(|r| r["check_id"] == "flowlog-exfiltration" && r["status"] == "FAIL")
        .cloned()
        .unwrap_or_else(|| panic!("no exfiltration finding: {stdout}"));
    let message = exfil["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("10.0.5.5 through eni-0ex sent 1200 MiB to public addresses in one hour")
            && message.contains(
                "most to 203.0.113.50 (1200 MiB, 3 flows, port 443), 198.51.100.7 (0 MiB, 4 flows, port 80)"
            ),
        "{message}"
    );
    let top = &exfil["evidence"]["destinations"]["top_destinations"];
    assert_eq!(top[0]["address"], "203.0.113.50");
    assert_eq!(top[0]["bytes"], 3 * 419_430_400u64);
    assert_eq!(top[1]["flows"], 4);
    assert_eq!(exfil["evidence"]["interface"], "eni-0ex");
}
