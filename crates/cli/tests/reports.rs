//! Every report format through the real binary: one run writing all of them,
//! snapshots, validation against SARIF 2.1.0 and OCSF 1.5.0 schemas, CSV and JUnit
//! parsed back, and the HTML report driven in headless Chromium.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{parse_json, repo_root, run};
use serde_json::Value;

const FORMATS: [(&str, &str); 8] = [
    ("json", "r.json"),
    ("html", "r.html"),
    ("sarif", "r.sarif"),
    ("ocsf", "r.ocsf.json"),
    ("csv", "r.csv"),
    ("junit", "r.xml"),
    ("markdown", "r.md"),
    ("asff", "r.asff.json"),
];

fn config() -> String {
    repo_root()
        .join("examples/flowaudit.toml")
        .display()
        .to_string()
}

/// Writes every format of the demo (with the example exceptions) into `dir`.
fn write_all(dir: &Path) -> (i32, String, String) {
    let config = config();
    let mut args = vec!["demo".to_string(), "--config".into(), config];
    for (format, file) in FORMATS {
        args.push("-o".into());
        args.push(format!("{format}={}", dir.join(file).display()));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&args)
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn demo_json() -> Value {
    let (_, stdout, _) = run(&["demo", "--config", &config(), "--format", "json"]);
    parse_json(&stdout)
}

fn count(report: &Value, status: &str) -> usize {
    report["summary"]["by_status"][status]
        .as_u64()
        .unwrap_or_default() as usize
}

fn python_check(script: &str, args: &[&str]) -> String {
    let python = std::env::var("FLOWAUDIT_PYTHON")
        .unwrap_or_else(|_| panic!("FLOWAUDIT_PYTHON is not set: run scripts/test.sh"));
    let out = Command::new(&python)
        .arg(repo_root().join(script))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("could not run {python}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{script} {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn one_run_writes_every_format_and_nothing_to_stdout() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (code, stdout, stderr) = write_all(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "", "reports go to their files only");
    let report = parse_json(&read(dir.path(), "r.json"));
    assert_eq!(report, demo_json());
    for (_, file) in FORMATS {
        assert!(!read(dir.path(), file).is_empty(), "{file} is empty");
    }
    // Each format as the only output on stdout is the same text.
    for (format, file) in FORMATS {
        let (_, text, _) = run(&["demo", "--config", &config(), "--format", format]);
        assert_eq!(text, read(dir.path(), file), "{format}");
    }
}

#[test]
fn output_errors_are_clear() {
    let (code, _, stderr) = run(&["demo", "-o", "json=/tmp/x.json", "-o", "html=/tmp/x.json"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("/tmp/x.json is named twice"), "{stderr}");
    let (code, _, stderr) = run(&["demo", "-o", "html="]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no path after `html=`"), "{stderr}");
    // A path with `=` that is not a format is a path.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let odd = dir.path().join("a=b.txt");
    let (code, _, stderr) = run(&["demo", "-o", odd.to_str().unwrap_or_default()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(read(dir.path(), "a=b.txt").starts_with("flowaudit report"));
}

#[test]
fn logs_go_to_stderr_by_verbosity() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("r.md");
    let spec = format!("markdown={}", out.display());
    let (_, stdout, stderr) = run(&["demo", "--config", &config(), "-v", "-o", &spec]);
    assert_eq!(stdout, "");
    assert!(stderr.contains("wrote the markdown report"), "{stderr}");
    assert!(stderr.contains("matched no failing result"), "{stderr}");
    let (_, _, stderr) = run(&["demo", "--config", &config(), "-o", &spec]);
    assert!(!stderr.contains("wrote the markdown report"), "{stderr}");
    assert!(
        stderr.contains("matched no failing result"),
        "warnings by default: {stderr}"
    );
    let (code, _, stderr) = run(&["demo", "--config", &config(), "--quiet", "-o", &spec]);
    assert_eq!(code, 1);
    assert_eq!(stderr, "", "--quiet: only errors");
}

#[test]
fn sarif_is_valid_and_has_a_rule_per_check_and_a_result_per_failure() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write_all(dir.path());
    let path = dir.path().join("r.sarif");
    let verdict = python_check(
        "tests/validate/validate.py",
        &["sarif", path.to_str().unwrap_or_default()],
    );
    assert!(verdict.contains("valid sarif"), "{verdict}");
    let sarif = parse_json(&read(dir.path(), "r.sarif"));
    let report = demo_json();
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().map(Vec::len);
    assert_eq!(rules, Some(flowaudit_checks()));
    let results = run["results"].as_array().cloned().unwrap_or_default();
    let suppressed = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .count();
    assert_eq!(results.len() - suppressed, count(&report, "FAIL"));
    assert_eq!(suppressed, count(&report, "EXCEPTED"));
    for r in &results {
        let arn = r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap_or_default();
        assert!(arn.starts_with("arn:aws:ec2:"), "{arn}");
    }
    insta::assert_json_snapshot!("sarif_first_result", results[0]);
    insta::assert_json_snapshot!("sarif_first_rule", run["tool"]["driver"]["rules"][0]);
}

fn flowaudit_checks() -> usize {
    let (_, stdout, _) = run(&["checks", "--format", "json"]);
    parse_json(&stdout)
        .as_array()
        .map(Vec::len)
        .unwrap_or_default()
}

#[test]
fn ocsf_events_validate_against_the_compliance_finding_schema() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write_all(dir.path());
    let path = dir.path().join("r.ocsf.json");
    let verdict = python_check(
        "tests/validate/validate.py",
        &["ocsf", path.to_str().unwrap_or_default()],
    );
    let n = common::results(&demo_json()).len();
    assert!(
        verdict.contains(&format!("valid ocsf ({n} items)")),
        "{verdict}"
    );
    let events = parse_json(&read(dir.path(), "r.ocsf.json"));
    let events = events.as_array().cloned().unwrap_or_default();
    let suppressed: Vec<&Value> = events.iter().filter(|e| e["status_id"] == 3).collect();
    assert_eq!(suppressed.len(), 1, "EXCEPTED maps to Suppressed");
    assert_eq!(suppressed[0]["status"], "Suppressed");
    assert!(events
        .iter()
        .all(|e| e["class_uid"] == 2003 && e["type_uid"] == 200301));
    let failing = events
        .iter()
        .find(|e| e["status_code"] == "FAIL" && e["severity_id"] == 4)
        .cloned()
        .unwrap_or_default();
    insta::assert_json_snapshot!("ocsf_failing_event", failing);
}

#[test]
fn csv_parses_back_one_row_per_result() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write_all(dir.path());
    let text = read(dir.path(), "r.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map(|h| h.iter().map(str::to_string).collect())
        .unwrap_or_default();
    insta::assert_snapshot!("csv_header", header.join(","));
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("CSV does not parse: {e}"));
    let report = demo_json();
    let results = common::results(&report);
    assert_eq!(rows.len(), results.len());
    for (row, r) in rows.iter().zip(results) {
        assert_eq!(Some(r["check_id"].as_str().unwrap_or_default()), row.get(0));
        assert_eq!(Some(r["status"].as_str().unwrap_or_default()), row.get(1));
        assert_eq!(
            Some(r["resource_id"].as_str().unwrap_or_default()),
            row.get(7)
        );
        assert_eq!(Some(r["message"].as_str().unwrap_or_default()), row.get(10));
    }
    insta::assert_snapshot!(
        "csv_head",
        text.lines().take(12).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn junit_parses_back_with_the_right_counts() {
    use quick_xml::events::Event;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write_all(dir.path());
    let text = read(dir.path(), "r.xml");
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut suites, mut cases, mut failures, mut skipped, mut errors) = (0, 0, 0, 0, 0);
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(e) | Event::Empty(e)) => match e.name().as_ref() {
                b"testsuite" => suites += 1,
                b"testcase" => cases += 1,
                b"failure" => failures += 1,
                b"skipped" => skipped += 1,
                b"error" => errors += 1,
                _ => {}
            },
            Ok(_) => {}
            Err(e) => panic!(
                "JUnit XML does not parse at {}: {e}",
                reader.buffer_position()
            ),
        }
    }
    let report = demo_json();
    // One suite per check or finding with results.
    let ids: std::collections::BTreeSet<&str> = common::results(&report)
        .iter()
        .filter_map(|r| r["check_id"].as_str())
        .collect();
    assert_eq!(suites, ids.len());
    assert_eq!(cases, common::results(&report).len());
    assert_eq!(failures, count(&report, "FAIL"));
    assert_eq!(
        skipped,
        count(&report, "SKIPPED") + count(&report, "EXCEPTED")
    );
    assert_eq!(errors, count(&report, "ERROR"));
    insta::assert_snapshot!(
        "junit_head",
        text.lines().take(14).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn markdown_groups_failures_by_priority_with_commands() {
    let (_, md, _) = run(&["demo", "--config", &config(), "--format", "markdown"]);
    let p1 = md
        .find("## P1")
        .unwrap_or_else(|| panic!("no P1 section:\n{md}"));
    let p2 = md.find("## P2").unwrap_or_else(|| panic!("no P2 section"));
    assert!(p1 < p2);
    assert!(md.contains("```sh\n  aws "), "remediation commands");
    insta::assert_snapshot!("markdown", md);
}

#[test]
fn asff_findings_carry_the_required_fields() {
    let (_, text, _) = run(&["demo", "--config", &config(), "--format", "asff"]);
    let findings = parse_json(&text);
    let findings = findings.as_array().cloned().unwrap_or_default();
    assert_eq!(findings.len(), common::results(&demo_json()).len());
    for f in &findings {
        for field in [
            "SchemaVersion",
            "Id",
            "ProductArn",
            "GeneratorId",
            "AwsAccountId",
            "Types",
            "CreatedAt",
            "UpdatedAt",
            "Severity",
            "Title",
            "Description",
            "Resources",
        ] {
            assert!(f.get(field).is_some(), "{field} missing in {f}");
        }
        assert!(f["Description"]
            .as_str()
            .is_some_and(|d| d.chars().count() <= 1024));
    }
    // Each finding says what its result says, not only that the fields exist:
    // the same account, region, check, status and severity, one per result.
    let (_, json, _) = run(&["demo", "--config", &config(), "--format", "json"]);
    let report = parse_json(&json);
    let results = common::results(&report);
    assert_eq!(findings.len(), results.len());
    let mut ids = std::collections::BTreeSet::new();
    for (f, r) in findings.iter().zip(results.iter()) {
        assert!(ids.insert(f["Id"].to_string()), "duplicate Id {}", f["Id"]);
        assert_eq!(f["AwsAccountId"], r["account_id"], "{f}");
        assert_eq!(f["Region"], r["region"], "{f}");
        assert_eq!(
            f["GeneratorId"],
            format!("flowaudit/{}", r["check_id"].as_str().unwrap_or_default()),
            "{f}"
        );
        assert_eq!(
            f["ProductArn"],
            format!(
                "arn:aws:securityhub:{0}:{1}:product/{1}/default",
                r["region"].as_str().unwrap_or_default(),
                r["account_id"].as_str().unwrap_or_default()
            ),
            "{f}"
        );
        let (compliance, workflow) = match r["status"].as_str().unwrap_or_default() {
            "PASS" => ("PASSED", "RESOLVED"),
            "FAIL" => ("FAILED", "NEW"),
            "EXCEPTED" => ("FAILED", "SUPPRESSED"),
            _ => ("NOT_AVAILABLE", "NEW"),
        };
        assert_eq!(f["Compliance"]["Status"], compliance, "{f}\n{r}");
        assert_eq!(f["Workflow"]["Status"], workflow, "{f}\n{r}");
        let label = match r["severity"].as_str().unwrap_or_default() {
            "info" => "INFORMATIONAL".to_string(),
            other => other.to_ascii_uppercase(),
        };
        assert_eq!(f["Severity"]["Label"], label, "{f}");
    }
    let suppressed = findings
        .iter()
        .filter(|f| f["Workflow"]["Status"] == "SUPPRESSED")
        .count();
    assert_eq!(suppressed, 1);
    let failing = findings
        .iter()
        .find(|f| f["Compliance"]["Status"] == "FAILED" && f["Severity"]["Label"] == "HIGH")
        .cloned()
        .unwrap_or_default();
    insta::assert_json_snapshot!("asff_failing_finding", failing);
}

#[test]
fn html_report_works_offline_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write_all(dir.path());
    let html = read(dir.path(), "r.html");
    // Self-contained: nothing fetched from elsewhere.
    for needle in ["<script src", "<link ", "@import", "http://", "url("] {
        assert!(!html.contains(needle), "the page refers to {needle}");
    }
    let shots: PathBuf = repo_root().join("target/screenshots");
    let page = dir.path().join("r.html");
    let out = python_check(
        "tests/browser/html_report.py",
        &[
            page.to_str().unwrap_or_default(),
            shots.to_str().unwrap_or_default(),
        ],
    );
    let seen = parse_json(&out);
    assert_eq!(seen["console_errors"], serde_json::json!([]), "{seen}");
    assert_eq!(seen["page_errors"], serde_json::json!([]), "{seen}");
    assert_eq!(seen["external_requests"], serde_json::json!([]), "{seen}");
    let report = demo_json();
    assert_eq!(seen["rows"], common::results(&report).len());
    // The demo's cost section: every VPC, three bars for its one account, and
    // the total the JSON report gives.
    assert_eq!(seen["cost_visible"], true, "{seen}");
    assert_eq!(
        seen["cost_rows"],
        report["cost"]["vpcs"].as_array().map_or(0, Vec::len)
    );
    assert_eq!(seen["cost_rows"], report["summary"]["vpcs"]);
    assert_eq!(seen["cost_bars"], 3);
    let total = report["cost"]["total"]["after_fix_monthly"]
        .as_f64()
        .unwrap_or_default();
    let shown = seen["cost_total"].as_str().unwrap_or_default();
    assert!(
        shown.contains(&format!("after the fix plan USD {total:.2}")),
        "{shown}"
    );
    for status in ["PASS", "FAIL", "EXCEPTED", "SKIPPED", "ERROR"] {
        let shown = seen["filtered"][status]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(shown.len(), count(&report, status), "filter {status}");
        assert!(
            shown.iter().all(|s| s == status),
            "filter {status}: {shown:?}"
        );
    }
    let payments = common::results(&report)
        .iter()
        .filter(|r| r["vpc_name"] == "payments-prod")
        .count();
    assert_eq!(seen["text_filtered"], payments);
    assert_eq!(seen["hash"], "#q=payments-prod");
    assert_eq!(seen["after_reset"], common::results(&report).len());
    assert_eq!(
        seen["selected_tab"], "Terraform",
        "arrow keys move along the tabs"
    );
    for shot in seen["screenshots"].as_array().cloned().unwrap_or_default() {
        let path = shot.as_str().unwrap_or_default();
        let bytes = std::fs::read(path).unwrap_or_default();
        assert!(bytes.starts_with(b"\x89PNG"), "{path} is not a PNG");
        eprintln!("screenshot for review: {path}");
    }
}
