//! The seeded generator (`tests/flowlogs/generate.py`) plants a port scan, a host
//! sweep, an exposed RDP port, an exfiltration burst, lateral movement, an
//! interface that stops reporting and lost records in two days of benign
//! background: every planted event must be found, in the default and in a custom
//! format, and nothing on background-only data.

use std::path::{Path, PathBuf};
use std::process::Command;

use flowaudit_core::report::Status;
use flowaudit_flowlogs::{analyze_paths, Format, Options, Outcome};
use serde_json::Value;

fn generate(dir: &Path, extra: &[&str]) -> Value {
    let python = std::env::var("FLOWAUDIT_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/flowlogs/generate.py");
    let out = Command::new(&python)
        .arg(script)
        .arg(dir)
        .args(["--records", "60000", "--files", "3"])
        .args(extra)
        .output()
        .unwrap_or_else(|e| panic!("could not run {python}: {e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"))
}

fn run(dir: &Path, format: Option<&Format>, suggest: bool) -> Outcome {
    let options = Options {
        format: format.cloned(),
        suggest,
        ..Options::default()
    };
    analyze_paths(&[dir.to_path_buf()], &options).unwrap_or_else(|e| panic!("{e}"))
}

/// The findings (FAIL results) of an analysis of `dir`; every detection must
/// appear in the results, as findings or as a PASS or SKIPPED saying why not.
fn found(dir: &Path) -> Vec<(String, String, Status)> {
    let outcome = run(dir, None, false);
    assert!(outcome.stats.records > 0);
    every_detection_appears(&outcome);
    outcome
        .results
        .into_iter()
        .filter(|r| r.status == Status::Fail)
        .map(|r| (r.check_id, r.resource_id, r.status))
        .collect()
}

fn every_detection_appears(outcome: &Outcome) {
    for meta in flowaudit_core::findings::REGISTRY {
        let statuses: Vec<Status> = outcome
            .results
            .iter()
            .filter(|r| r.check_id == meta.id.as_str())
            .map(|r| r.status)
            .collect();
        assert!(
            !statuses.is_empty(),
            "{} is missing from the results",
            meta.id
        );
        assert!(
            statuses
                .iter()
                .all(|s| *s != Status::Pass && *s != Status::Skipped)
                || statuses.len() == 1,
            "{}: a PASS or SKIPPED stands alone: {statuses:?}",
            meta.id
        );
    }
}

fn planted_are_found(extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let manifest = generate(dir.path(), extra);
    let got = found(dir.path());
    let planted = manifest["planted"].as_array().cloned().unwrap_or_default();
    assert_eq!(planted.len(), 9);
    for p in &planted {
        assert!(
            got.iter()
                .any(|(c, r, s)| c == p["check"].as_str().unwrap_or_default()
                    && r == p["resource"].as_str().unwrap_or_default()
                    && *s == Status::Fail),
            "planted {p} not found in {got:?}"
        );
    }
    assert_eq!(got.len(), planted.len(), "only the planted events: {got:?}");
}

#[test]
fn every_planted_event_is_found_in_the_default_format() {
    planted_are_found(&[]);
}

#[test]
fn findings_name_the_one_account_the_records_name() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    generate(dir.path(), &[]);
    let outcome = run(dir.path(), None, false);
    assert!(!outcome.results.is_empty());
    assert!(outcome
        .results
        .iter()
        .all(|r| r.account_id == "123456789012" && r.region == "-"));
    // A flow log that stops may be an attacker impairing defences.
    let silent = outcome
        .results
        .iter()
        .find(|r| r.check_id == "flowlog-interface-silent")
        .unwrap_or_else(|| panic!("no silent interface"));
    assert!(silent
        .compliance
        .iter()
        .any(|c| c.framework == "MITRE ATT&CK" && c.control.starts_with("T1562.008")));
    // The custom format has no account-id field: nothing to name.
    let custom = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    generate(custom.path(), &["--custom-format"]);
    let outcome = run(custom.path(), None, false);
    assert!(outcome.results.iter().all(|r| r.account_id == "-"));
}

#[test]
fn every_planted_event_is_found_in_a_custom_format() {
    planted_are_found(&["--custom-format", "--seed", "7"]);
}

#[test]
fn every_planted_event_is_found_in_parquet_files() {
    planted_are_found(&["--parquet", "--seed", "11"]);
}

#[test]
fn nothing_is_reported_on_background_only_data() {
    for extra in [
        vec!["--background-only"],
        vec!["--background-only", "--custom-format", "--seed", "3"],
        vec!["--background-only", "--parquet", "--seed", "5"],
    ] {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        generate(dir.path(), &extra);
        assert_eq!(found(dir.path()), vec![], "{extra:?}");
    }
}

#[test]
fn malformed_lines_are_counted_and_located() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    generate(dir.path(), &["--background-only", "--malformed", "4"]);
    let Outcome { results, stats, .. } = run(dir.path(), None, false);
    assert_eq!(stats.malformed, 4);
    assert_eq!(stats.examples.len(), 4);
    let errors: Vec<_> = results
        .iter()
        .filter(|r| r.status == Status::Error)
        .collect();
    assert_eq!(errors.len(), 1, "one result for the file");
    let at = errors[0]
        .location
        .as_ref()
        .map(|l| l.line)
        .unwrap_or_default();
    assert!(at > 1, "names the line");
}

#[test]
fn plain_text_without_header_in_a_given_format() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file: PathBuf = dir.path().join("export.txt");
    let mut text = String::new();
    for port in 1..=40 {
        text.push_str(&format!("eni-1 203.0.113.5 10.0.0.9 {port} REJECT\n"));
    }
    std::fs::write(&file, text).unwrap_or_else(|e| panic!("{e}"));
    let format = Format::parse("${interface-id} ${srcaddr} ${dstaddr} ${dstport} ${action}")
        .unwrap_or_else(|e| panic!("{e}"));
    let Outcome { results, stats, .. } = run(&file, Some(&format), false);
    assert_eq!(stats.records, 40);
    assert!(results
        .iter()
        .any(|r| r.check_id == "flowlog-port-scan" && r.resource_id == "203.0.113.5"));
}

#[test]
fn cloudwatch_logs_json_and_exports() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // A subscription payload (as Kinesis delivers it, decompressed) per line,
    // and `aws logs filter-log-events` output: the records are the messages.
    let event = |port: u16| {
        serde_json::json!({
            "id": port.to_string(),
            "timestamp": 1795176000000u64,
            "message": format!("2 123456789012 eni-9 203.0.113.8 10.0.0.7 40000 {port} 6 1 40 1795176000 1795176060 REJECT OK"),
        })
    };
    let payload = |ports: std::ops::Range<u16>| {
        serde_json::json!({
            "messageType": "DATA_MESSAGE",
            "logGroup": "/vpc/flow-logs",
            "logEvents": ports.map(event).collect::<Vec<_>>(),
        })
        .to_string()
    };
    std::fs::write(
        dir.path().join("subscription.json"),
        format!("{}\n{}\n", payload(1..20), payload(20..31)),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let filtered = serde_json::json!({ "events": (31..41).map(event).collect::<Vec<_>>() });
    std::fs::write(
        dir.path().join("filtered.json"),
        serde_json::to_string_pretty(&filtered).unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // An export to S3: the event time, then the record.
    let export: String = (41..46)
        .map(|p| format!("2026-11-20T12:00:00.000Z 2 123456789012 eni-9 203.0.113.8 10.0.0.7 40000 {p} 6 1 40 1795176000 1795176060 REJECT OK\n"))
        .collect();
    std::fs::write(dir.path().join("000000.txt"), export).unwrap_or_else(|e| panic!("{e}"));
    let Outcome { results, stats, .. } = run(dir.path(), None, false);
    assert_eq!(stats.records, 45, "{stats:?}");
    assert_eq!(stats.malformed, 0, "{stats:?}");
    let scan = results
        .iter()
        .find(|r| r.check_id == "flowlog-port-scan")
        .unwrap_or_else(|| panic!("no scan found: {results:?}"));
    assert_eq!(scan.resource_id, "203.0.113.8");
    // 45 ports: past the kept 26, the sketch estimates how many.
    let ports = scan.evidence["distinct_ports"].as_u64().unwrap_or_default();
    assert!((38..=52).contains(&ports), "{ports}");
    assert_eq!(scan.evidence["approximate"], true);
}

#[test]
fn security_group_suggestions_cover_what_servers_accepted() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    generate(dir.path(), &[]);
    let outcome = run(dir.path(), None, true);
    let suggestions = outcome.suggestions.unwrap_or_default();
    let rules = |eni: &str| -> Vec<(String, i32, Vec<String>)> {
        suggestions
            .iter()
            .find(|s| s.interface_id == eni)
            .map(|s| {
                s.rules
                    .iter()
                    .map(|r| (r.protocol.clone(), r.from_port, r.cidr_blocks.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    // A web server: HTTPS from the internet, and the RDP connection that was
    // planted (the suggestion covers what was accepted; the finding flags it).
    assert_eq!(
        rules("eni-s0003"),
        vec![
            ("tcp".to_string(), 443, vec!["0.0.0.0/0".to_string()]),
            ("tcp".to_string(), 3389, vec!["192.0.2.77/32".to_string()]),
        ]
    );
    // The scanned web server accepted only 443 (the other 199 ports were
    // refused): no rule for them.
    assert_eq!(
        rules("eni-s0005"),
        vec![("tcp".to_string(), 443, vec!["0.0.0.0/0".to_string()])]
    );
    // Clients only open connections: no ingress rule for them.
    assert!(
        suggestions
            .iter()
            .all(|s| !s.interface_id.starts_with("eni-c") && s.interface_id != "eni-bastion"),
        "{suggestions:?}"
    );
    let tf = flowaudit_flowlogs::suggest::to_terraform(&suggestions);
    assert!(tf.contains("resource \"aws_security_group_rule\" \"eni_s0003_tcp_3389\""));
    assert!(tf.contains("security_group_id = var.sg_eni_s0003"));
}

#[test]
fn damaged_parquet_files_are_reported_not_a_panic() {
    // Found by fuzzing: with parquet 57.3.2 two of these panicked and two made
    // the reader allocate hundreds of GB (one aborted the process).
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/flowlogs/damaged");
    flowaudit_flowlogs::quiet_reader_panics();
    let Outcome { results, stats, .. } = run(&dir, None, false);
    assert_eq!(stats.unreadable.len(), 4, "{stats:?}");
    assert!(
        stats
            .unreadable
            .iter()
            .all(|(_, why)| why.contains("Parquet") || why.contains("damaged")),
        "{stats:?}"
    );
    let inputs: Vec<_> = results
        .iter()
        .filter(|r| r.check_id == "flowlog-input")
        .collect();
    assert_eq!(inputs.len(), 4);
    assert!(inputs.iter().all(|r| r.status == Status::Error));
    // No record was read: every detection says so.
    let others: Vec<_> = results
        .iter()
        .filter(|r| r.check_id != "flowlog-input")
        .collect();
    assert_eq!(others.len(), flowaudit_core::findings::REGISTRY.len() - 1);
    assert!(others
        .iter()
        .all(|r| r.status == Status::Skipped && r.message.contains("no flow-log record")));
}

#[test]
fn a_time_window_leaves_the_other_records_out() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    generate(dir.path(), &[]);
    // The first day only (2026-11-20 12:00 to 2026-11-21 00:00 UTC): no lateral
    // movement and no delivery gap, both planted on the second day.
    let options = Options {
        window: (None, Some(1_795_219_200)),
        ..Options::default()
    };
    let outcome =
        analyze_paths(&[dir.path().to_path_buf()], &options).unwrap_or_else(|e| panic!("{e}"));
    let checks: Vec<&str> = outcome
        .results
        .iter()
        .filter(|r| r.status == Status::Fail)
        .map(|r| r.check_id.as_str())
        .collect();
    assert!(checks.contains(&"flowlog-port-scan"), "{checks:?}");
    assert!(!checks.contains(&"flowlog-lateral-movement"), "{checks:?}");
    assert!(!checks.contains(&"flowlog-delivery-gap"), "{checks:?}");
    assert!(outcome.stats.outside_window > 30_000, "{:?}", outcome.stats);
    assert!(outcome
        .span
        .is_some_and(|(_, end)| end <= 1_795_219_200 + 60));
}
