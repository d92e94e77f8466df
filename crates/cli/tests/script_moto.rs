//! The exported bash script (`flowaudit remediation --format sh`) run by bash with
//! the real AWS CLI (installed beside moto by scripts/test.sh) against a real moto
//! server: it runs to the end under `set -euo pipefail`, fixes what it says, is
//! safe to run twice, and its lifecycle backout restores the bucket exactly.

mod common;

use std::path::Path;
use std::process::Command;

use common::{parse_json, results, Moto};
use serde_json::{json, Value};

const BUCKET: &str = "flowaudit-short-lived";

/// `bash args` in `dir` with the venv's `aws` first on PATH, aimed at moto.
fn bash(moto: &Moto, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let python = std::env::var("FLOWAUDIT_PYTHON").unwrap_or_else(|_| {
        panic!("FLOWAUDIT_PYTHON is not set: run the tests through scripts/test.sh")
    });
    let bin = Path::new(&python)
        .parent()
        .unwrap_or_else(|| panic!("{python} has no directory"));
    assert!(
        bin.join("aws").is_file(),
        "{}/aws is missing: scripts/test.sh installs the AWS CLI (awscli) beside moto",
        bin.display()
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", &moto.url)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .output();
    common::output(out)
}

fn lifecycle(inspected: &Value) -> &Value {
    &inspected["buckets"][BUCKET]["lifecycle"]
}

fn days_of(rules: &Value, id: &str) -> Value {
    rules
        .as_array()
        .and_then(|r| r.iter().find(|r| r["ID"] == id))
        .map(|r| r["Expiration"]["Days"].clone())
        .unwrap_or(Value::Null)
}

#[test]
fn the_exported_script_runs_with_the_aws_cli_twice_and_its_lifecycle_backout_restores() {
    let moto = Moto::start();
    moto.seed(&["checks"]);
    // Beside the rule that expires flow logs after 30 days: one that filters on a
    // tag and one for other objects, both shorter, which must be left alone.
    let rules = json!([
        {"ID": "expire", "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": 30}},
        {"ID": "tagged", "Filter": {"Tag": {"Key": "class", "Value": "tmp"}}, "Status": "Enabled", "Expiration": {"Days": 10}},
        {"ID": "tagged-and", "Filter": {"And": {"Prefix": "AWSLogs/", "Tags": [{"Key": "class", "Value": "tmp"}]}}, "Status": "Enabled", "Expiration": {"Days": 12}},
        {"ID": "other", "Filter": {"Prefix": "backups/"}, "Status": "Enabled", "Expiration": {"Days": 5}}
    ]);
    moto.seed(&[
        "lifecycle",
        "--bucket",
        BUCKET,
        "--rules",
        &rules.to_string(),
    ]);
    let before = moto.seed(&["inspect"]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let inventory = dir.path().join("inventory.json");
    let inventory = inventory.to_string_lossy();
    let (code, _, stderr) = moto.flowaudit(&[
        "scan",
        "--regions",
        "us-east-1",
        "-q",
        "--save-inventory",
        &inventory,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let (code, _, stderr) = common::run(&[
        "remediation",
        "--inventory",
        &inventory,
        "--format",
        "sh",
        "-o",
        &dir.path().join("fix.sh").to_string_lossy(),
    ]);
    assert_eq!(code, 0, "{stderr}");

    let (code, out, stderr) = bash(&moto, dir.path(), &["fix.sh"]);
    assert_eq!(code, 0, "the script stopped:\n{out}\n{stderr}");
    let after = moto.seed(&["inspect"]);
    // The rule that applies is raised; the others keep their days.
    let now = lifecycle(&after);
    assert_eq!(days_of(now, "expire"), 365, "{now}");
    for (id, days) in [("tagged", 10), ("tagged-and", 12), ("other", 5)] {
        assert_eq!(days_of(now, id), days, "{id}: {now}");
    }
    assert_eq!(
        after["log_groups"]["/flowaudit/shared"]["retention_days"],
        365
    );
    // What the script fixes now passes.
    let (code, report, stderr) =
        moto.flowaudit(&["scan", "--regions", "us-east-1", "-q", "--format", "json"]);
    assert!(code == 0 || code == 1, "{stderr}");
    let report = parse_json(&report);
    for check in ["vpc-flow-logs-enabled", "flow-log-retention"] {
        let failing: Vec<&Value> = results(&report)
            .iter()
            .filter(|r| r["check_id"] == check && r["status"] == "FAIL")
            .collect();
        assert!(failing.is_empty(), "{check}: {failing:#?}");
    }
    let saved = dir.path().join(format!("lifecycle-{BUCKET}.json"));
    let original = std::fs::read_to_string(&saved).unwrap_or_else(|e| panic!("{e}"));

    // A second run changes nothing and keeps the original it saved.
    let (code, out, stderr) = bash(&moto, dir.path(), &["fix.sh"]);
    assert_eq!(code, 0, "second run:\n{out}\n{stderr}");
    assert_eq!(moto.seed(&["inspect"]), after, "a second run changed AWS");
    assert_eq!(
        std::fs::read_to_string(&saved).unwrap_or_default(),
        original,
        "the saved original was overwritten"
    );

    // The lifecycle plan's backout puts back exactly the rules there were.
    let (code, plans, stderr) =
        common::run(&["remediation", "--inventory", &inventory, "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let plans = parse_json(&plans);
    let backout: Vec<String> = plans
        .as_array()
        .unwrap_or_else(|| panic!("the plans are not a JSON array"))
        .iter()
        .flat_map(|p| p["backout"].as_array().cloned().unwrap_or_default())
        .filter_map(|l| l.as_str().map(str::to_string))
        .filter(|l| l.contains("lifecycle"))
        .collect();
    assert_eq!(backout.len(), 2, "{backout:?}");
    let (code, out, stderr) = bash(
        &moto,
        dir.path(),
        &["-euo", "pipefail", "-c", &backout.join("\n")],
    );
    assert_eq!(code, 0, "backout:\n{out}\n{stderr}");
    assert_eq!(lifecycle(&moto.seed(&["inspect"])), lifecycle(&before));
}
