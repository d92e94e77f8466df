//! `flowaudit iac` on small hostile repositories (issue 14, item 4): each ends
//! within seconds and a few hundred MB, with an ERROR naming the file, line and
//! limit, never an abort, a hang or silence. This binary holds only these
//! cases, so the largest resident size of the children it ran (getrusage) is
//! the largest of these runs.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::parse_json;
use serde_json::Value;

/// Largest resident size, in MB, of any child this process has waited for.
fn children_max_rss_mb() -> i64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct it is given; RUSAGE_CHILDREN is valid.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0, "getrusage failed");
    usage.ru_maxrss / 1024 // kilobytes on Linux
}

const TIME_LIMIT: Duration = Duration::from_secs(30);
const RSS_LIMIT_MB: i64 = 400;

fn write(root: &Path, files: &[(&str, String)]) {
    for (name, text) in files {
        let path = root.join(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Runs `flowaudit iac --format json` on `files`, its report written to
/// `report`; checks that it ended in time and memory with exit code 1 (an
/// ERROR or FAIL result). The report goes to a file, so that this process does
/// not hold it: children started later inherit this process's resident size
/// in what getrusage reports for them.
fn iac_into(case: &str, files: &[(&str, String)], report: &Path) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write(dir.path(), files);
    let out = std::fs::File::create(report).unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let status = common::bin()
        .args(["iac", &dir.path().display().to_string(), "--format", "json"])
        .stdout(out)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("could not run flowaudit: {e}"));
    let took = started.elapsed();
    let rss = children_max_rss_mb();
    println!(
        "{case}: {:.2} s, largest child so far {rss} MB",
        took.as_secs_f64()
    );
    assert!(took < TIME_LIMIT, "{case} took {took:?}");
    assert!(rss < RSS_LIMIT_MB, "{case}: a child reached {rss} MB");
    assert_eq!(status.code(), Some(1), "{case}");
}

/// [`iac_into`], returning the (small) report.
fn iac(case: &str, files: &[(&str, String)]) -> Value {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("report.json");
    iac_into(case, files, &path);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    parse_json(&text)
}

/// The ERROR results whose message contains `needle`, with their file and line.
fn errors<'a>(report: &'a Value, needle: &str) -> Vec<&'a Value> {
    common::results(report)
        .iter()
        .filter(|r| {
            r["status"] == "ERROR" && r["message"].as_str().is_some_and(|m| m.contains(needle))
        })
        .collect()
}

fn assert_error_at(case: &str, report: &Value, needle: &str, file: &str, line: u64) {
    let found = errors(report, needle);
    assert!(
        found.iter().any(|r| r["location"]["file"]
            .as_str()
            .is_some_and(|f| f.ends_with(file))
            && r["location"]["line"] == line),
        "{case}: no ERROR containing {needle:?} at {file}:{line} in {report:#}"
    );
}

#[test]
fn a_huge_count_is_an_error_not_an_allocation() {
    for n in ["1000000000", "100000", "1001", "-1", "1.5"] {
        let tf = format!(
            "resource \"aws_vpc\" \"many\" {{\n  count = {n}\n  cidr_block = \"10.0.0.0/16\"\n}}\n"
        );
        let report = iac(&format!("count = {n}"), &[("main.tf", tf)]);
        let needle = if n.starts_with('1') && !n.contains('.') {
            "more instances than flowaudit expands (1000)"
        } else {
            "is not a whole number of instances"
        };
        assert_error_at(&format!("count = {n}"), &report, needle, "main.tf", 1);
    }
    // The limit itself is expanded: 1000 VPCs, each with its results.
    let tf = "resource \"aws_vpc\" \"many\" {\n  count = 1000\n}\n".to_string();
    let report = iac("count = 1000", &[("main.tf", tf)]);
    let enabled = common::results(&report)
        .iter()
        .filter(|r| r["check_id"] == "vpc-flow-logs-enabled" && r["status"] == "FAIL")
        .count();
    assert_eq!(enabled, 1000);
}

#[test]
fn a_huge_for_each_and_a_for_each_loop_are_errors() {
    let keys: Vec<String> = (0..1500).map(|i| format!("\"k{i}\" = {i}")).collect();
    let tf = format!(
        "resource \"aws_vpc\" \"x\" {{\n  for_each = {{ {} }}\n}}\n",
        keys.join(", ")
    );
    let report = iac("for_each of 1500", &[("main.tf", tf)]);
    assert_error_at(
        "for_each of 1500",
        &report,
        "for_each holds 1500 instances",
        "main.tf",
        1,
    );
    let tf = "resource \"aws_vpc\" \"a\" {\n  for_each = aws_vpc.b\n}\nresource \"aws_vpc\" \"b\" {\n  for_each = aws_vpc.a\n}\n".to_string();
    let report = iac("for_each loop", &[("main.tf", tf)]);
    assert_error_at("for_each loop", &report, "(a loop?)", "main.tf", 1);
    assert_error_at("for_each loop", &report, "(a loop?)", "main.tf", 4);
}

#[test]
fn doubling_locals_and_nested_for_are_refused_before_evaluation() {
    let mut tf = String::from("locals {\n  a0 = \"xxxxxxxxxxxxxxxx\"\n");
    for i in 1..40 {
        tf.push_str(&format!(
            "  a{i} = \"${{local.a{}}}${{local.a{}}}\"\n",
            i - 1,
            i - 1
        ));
    }
    tf.push_str("}\nresource \"aws_vpc\" \"v\" {\n  tags = { Name = local.a39 }\n}\n");
    let report = iac("40 doubling locals", &[("main.tf", tf)]);
    assert_error_at(
        "40 doubling locals",
        &report,
        "above flowaudit's limit of 1048576; it is not evaluated",
        "main.tf",
        1,
    );
    // The VPC itself is still checked (its name is simply not known).
    assert!(common::results(&report)
        .iter()
        .any(|r| r["resource_id"] == "aws_vpc.v" && r["status"] == "FAIL"));

    let items: Vec<String> = (0..100).map(|i| format!("\"item-{i}\"")).collect();
    let tf = format!(
        "locals {{\n  l = [{}]\n  x = [for a in local.l : [for b in local.l : [for c in local.l : local.l]]]\n}}\nresource \"aws_vpc\" \"v\" {{\n  count = length(local.x)\n}}\n",
        items.join(", ")
    );
    let report = iac("nested for", &[("main.tf", tf)]);
    assert_error_at(
        "nested for",
        &report,
        "could build a value of up to",
        "main.tf",
        1,
    );
}

#[test]
fn modules_that_include_themselves_or_fan_out_are_errors() {
    let mut tf = String::new();
    for i in 0..4 {
        tf.push_str(&format!("module \"m{i}\" {{\n  source = \"./\"\n}}\n"));
    }
    tf.push_str("resource \"aws_vpc\" \"v\" {}\n");
    let report = iac("module source = ./ (x4)", &[("main.tf", tf)]);
    assert_error_at(
        "module source = ./",
        &report,
        "a module that includes itself",
        "main.tf",
        1,
    );
    let vpcs = common::results(&report)
        .iter()
        .filter(|r| r["check_id"] == "vpc-flow-logs-enabled" && r["resource_type"] == "vpc")
        .count();
    assert_eq!(vpcs, 1, "the VPC once");

    // Ten levels of four calls each: 4^10 module instances without a limit.
    let mut files = vec![(
        "main.tf",
        (0..4)
            .map(|i| format!("module \"m{i}\" {{\n  source = \"./d1\"\n}}\n"))
            .collect::<String>(),
    )];
    let names: Vec<String> = (1..=10)
        .map(|d| format!("d1{}", "/d".repeat(d - 1)))
        .collect();
    let mut owned = Vec::new();
    for (level, dir) in names.iter().enumerate() {
        let body: String = if level + 1 < names.len() {
            (0..4)
                .map(|i| format!("module \"m{i}\" {{\n  source = \"./d\"\n}}\n"))
                .collect()
        } else {
            "resource \"aws_vpc\" \"leaf\" {}\n".to_string()
        };
        owned.push((format!("{dir}/main.tf"), body));
    }
    for (name, body) in &owned {
        files.push((name.as_str(), body.clone()));
    }
    let report = iac("4^10 module calls", &files);
    assert!(
        !errors(&report, "more than 1000 local module calls").is_empty(),
        "{report:#}"
    );
}

#[test]
fn cloudformation_conditions_and_nesting_are_bounded() {
    // Fifteen levels of conditions, each using the one below 300 times:
    // 300^15 evaluations without memoisation.
    let mut t =
        String::from("AWSTemplateFormatVersion: '2010-09-09'\nConditions:\n  C0: !Equals [a, a]\n");
    for i in 1..15 {
        let refs: Vec<String> = (0..300).map(|_| format!("!Condition C{}", i - 1)).collect();
        t.push_str(&format!("  C{i}: !Or [{}]\n", refs.join(", ")));
    }
    t.push_str("Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Condition: C14\n    Properties:\n      CidrBlock: 10.0.0.0/16\n");
    let report = iac("300 x 15 conditions", &[("template.yaml", t)]);
    let r = common::results(&report)
        .iter()
        .find(|r| r["resource_id"] == "Vpc" && r["check_id"] == "vpc-flow-logs-enabled")
        .unwrap_or_else(|| panic!("no result for Vpc: {report:#}"));
    assert_eq!(r["status"], "FAIL", "C14 is true, so the VPC exists: {r:#}");

    // 4,000 levels of block nesting.
    let mut t = String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n");
    for depth in 0..4000 {
        t.push_str(&" ".repeat(6 + depth));
        t.push_str("k:\n");
    }
    t.push_str(&" ".repeat(4006));
    t.push_str("v\n");
    let report = iac("4000 levels of YAML", &[("deep.yaml", t)]);
    assert!(
        !errors(&report, "nest deeper than 32 levels").is_empty(),
        "{report:#}"
    );
}

#[test]
fn many_resources_and_locals_in_one_file_are_linear() {
    let mut tf = String::new();
    for i in 0..20_000 {
        tf.push_str(&format!(
            "resource \"aws_vpc\" \"v{i}\" {{\n  cidr_block = \"10.0.0.0/16\"\n}}\n"
        ));
    }
    // The report (90 MB) is scanned line by line, not parsed here.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("report.json");
    iac_into("20,000 VPCs in one file", &[("main.tf", tf)], &path);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let (mut results, mut last) = (0, false);
    for line in std::io::BufRead::lines(std::io::BufReader::new(file)) {
        let line = line.unwrap_or_else(|e| panic!("{e}"));
        let line = line.trim();
        if line.starts_with("\"resource_id\": \"aws_vpc.v") {
            results += 1;
            last |= line == "\"resource_id\": \"aws_vpc.v19999\",";
        }
    }
    assert_eq!(results, 20_000 * 4, "four results per VPC");
    assert!(last, "the last VPC is reported");

    // 10,000 locals, each using the next: evaluated in dependency order.
    let mut tf = String::from("locals {\n");
    for i in 0..10_000 {
        tf.push_str(&format!("  l{i} = local.l{}\n", i + 1));
    }
    tf.push_str(
        "  l10000 = \"named\"\n}\nresource \"aws_vpc\" \"v\" {\n  tags = { Name = local.l0 }\n}\n",
    );
    let report = iac("10,000 chained locals", &[("main.tf", tf)]);
    let r = common::results(&report)
        .iter()
        .find(|r| r["resource_id"] == "aws_vpc.v")
        .unwrap_or_else(|| panic!("no result for aws_vpc.v"));
    assert_eq!(r["vpc_name"], "named");
}

/// A retention that is not a whole, non-negative number of days is an ERROR at
/// the log group, never read as "never expires".
#[test]
fn a_retention_that_is_not_whole_days_is_an_error() {
    for days in ["-1", "1.5", "99999999999"] {
        let tf = format!(
            "resource \"aws_vpc\" \"v\" {{}}\n\nresource \"aws_cloudwatch_log_group\" \"g\" {{\n  name              = \"/aws/vpc-flow-logs/v\"\n  retention_in_days = {days}\n}}\n"
        );
        let case = format!("retention_in_days = {days}");
        let report = iac(&case, &[("main.tf", tf)]);
        assert_error_at(
            &case,
            &report,
            &format!("retention_in_days = {days}"),
            "main.tf",
            3,
        );
    }
}

/// A circular condition is an invalid template: an ERROR at the resource that
/// uses it, besides its SKIPPED results.
#[test]
fn a_circular_condition_is_an_error() {
    let t = "AWSTemplateFormatVersion: '2010-09-09'\nConditions:\n  A: !Condition B\n  B: !Not [!Condition A]\nResources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Condition: A\n    Properties:\n      CidrBlock: 10.0.0.0/16\n".to_string();
    let report = iac("circular condition", &[("template.yaml", t)]);
    assert_error_at(
        "circular condition",
        &report,
        "is circular",
        "template.yaml",
        6,
    );
}
