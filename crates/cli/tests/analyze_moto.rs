//! `flowaudit analyze` reading `s3://` prefixes and CloudWatch Logs groups: the
//! real binary against a real moto server.

mod common;

use common::{parse_json, results, Moto};
use serde_json::Value;

fn generate(dir: &std::path::Path) {
    common::generate_flowlogs(dir, 20_000, 4, &[]);
}

fn analyze(moto: &Moto, args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["analyze", "--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = moto.flowaudit(&all);
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    (code, parse_json(&stdout), stderr)
}

/// The findings (FAIL results) of a report.
fn found(report: &Value) -> Vec<(String, String)> {
    results(report)
        .iter()
        .filter(|r| r["status"] == "FAIL")
        .map(|r| {
            (
                r["check_id"].as_str().unwrap_or_default().to_string(),
                r["resource_id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn analyze_reads_s3_prefixes_and_log_groups_within_the_window() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    generate(dir.path());
    let moto = Moto::start();
    let seeded = moto.seed(&["flowlogs", "--dir", dir.path().to_str().unwrap_or_default()]);
    assert_eq!(seeded["objects"], 7);

    // The two days of the generated data; the scan on the 25th is outside.
    let (code, report, stderr) = analyze(
        &moto,
        &[
            "s3://acme-flow-logs/flows",
            "--start",
            "2026-11-20",
            "--end",
            "2026-11-21",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let got = found(&report);
    for (check, resource) in [
        ("flowlog-port-scan", "203.0.113.66"),
        ("flowlog-host-sweep", "198.51.100.23"),
        ("flowlog-exposed-admin-port", "10.0.10.13"),
        ("flowlog-exfiltration", "10.1.0.17"),
        ("flowlog-lateral-movement", "10.1.0.20"),
        ("flowlog-interface-silent", "eni-gone"),
        ("flowlog-skipdata", "eni-skip"),
        // From the Parquet object.
        ("flowlog-port-scan", "203.0.113.77"),
    ] {
        assert!(
            got.contains(&(check.to_string(), resource.to_string())),
            "{check} {resource} missing: {got:?}"
        );
    }
    assert!(!got.iter().any(|(_, r)| r == "203.0.113.99"), "{got:?}");
    // Only the day folders of the window were listed and fetched: one listing
    // per folder level down to the years (the prefix, flows/, AWSLogs/, the
    // account, vpcflowlogs/, the region) and one per day; the object of the
    // 25th was never fetched.
    let calls = &report["stats"]["read"]["api_calls"];
    assert_eq!(calls["S3:ListObjectsV2"]["calls"], 8, "{calls}");
    assert_eq!(calls["S3:GetObject"]["calls"], 6, "{calls}");
    // The object that is not gzip is an ERROR naming it, not a silent gap.
    let broken = results(&report)
        .iter()
        .find(|r| r["check_id"] == "flowlog-input")
        .unwrap_or_else(|| panic!("no input error: {got:?}"));
    assert!(
        broken["resource_id"]
            .as_str()
            .is_some_and(|r| r.ends_with("2026/11/21/broken.log.gz")),
        "{broken}"
    );

    // Without a window, the late scan is read too.
    let (_, report, _) = analyze(&moto, &["s3://acme-flow-logs/flows"]);
    assert!(found(&report).contains(&("flowlog-port-scan".into(), "203.0.113.99".into())));

    // The log group: its custom format comes from DescribeFlowLogs; only the
    // events in the window are read. The seeding placed a scan before, inside
    // and after the window, relative to now (CloudWatch Logs drops events older
    // than 14 days), and fails when any event was rejected.
    let scanner = |which: &str| -> String {
        seeded["scanners"][which]
            .as_str()
            .unwrap_or_else(|| panic!("no {which} scanner in {seeded}"))
            .to_string()
    };
    let window = |which: &str| -> &str {
        seeded["window"][which]
            .as_str()
            .unwrap_or_else(|| panic!("no window {which} in {seeded}"))
    };
    let scan = |s: String| ("flowlog-port-scan".to_string(), s);
    let (code, report, stderr) = analyze(
        &moto,
        &[
            "--log-group",
            "/vpc/flow-logs",
            "--start",
            window("start"),
            "--end",
            window("end"),
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(found(&report), vec![scan(scanner("inside"))], "{stderr}");
    // FilterLogEvents itself was bounded by the window: the 40 events of the
    // inside scan were fetched, none that the record filter had to drop.
    let read = &report["stats"]["read"];
    assert_eq!(read["records"], 40, "{read}");
    assert_eq!(read["outside_window"], 0, "{read}");
    // Without a window all three scans are there: the events were delivered, so
    // the window, not CloudWatch's retention, is what left two out above.
    let (code, report, stderr) = analyze(&moto, &["--log-group", "/vpc/flow-logs"]);
    assert_eq!(code, 1, "{stderr}");
    let mut all = found(&report);
    all.sort();
    let mut expected: Vec<_> = ["before", "inside", "after"]
        .iter()
        .map(|w| scan(scanner(w)))
        .collect();
    expected.sort();
    assert_eq!(all, expected, "{stderr}");

    // A bucket that does not exist: an ERROR result that says why.
    let (code, report, _) = analyze(&moto, &["s3://no-such-bucket/x"]);
    assert_eq!(code, 1);
    let err = &results(&report)[0];
    assert_eq!(err["status"], "ERROR");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains("NoSuchBucket")),
        "{err}"
    );
}
