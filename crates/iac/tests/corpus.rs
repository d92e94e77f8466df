//! The fixture corpus under `tests/iac/`: every case and its expected verdict
//! (`tests/iac/expected.json`), for Terraform HCL, `.tf.json`, plan JSON and
//! CloudFormation YAML and JSON.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use flowaudit_core::Settings;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/iac")
}

#[test]
fn every_fixture_gets_its_expected_verdict() {
    let root = root();
    let expected: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(root.join("expected.json")).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut by_path: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for e in &expected {
        by_path
            .entry(e["path"].as_str().unwrap_or_default())
            .or_default()
            .push(e);
    }
    let mut failures = Vec::new();
    for (path, cases) in by_path {
        let units =
            flowaudit_iac::read(&[root.join(path)]).unwrap_or_else(|e| panic!("{path}: {e}"));
        let results = flowaudit_iac::evaluate(&units, &Settings::default());
        for case in cases {
            let resource = case["resource"].as_str().unwrap_or_default();
            let check = case["check"].as_str().unwrap_or_default();
            let found = results.iter().find(|r| {
                r.check_id == check
                    && (r.resource_id == resource
                        || r.resource_id.ends_with(&format!("/{resource}")))
            });
            match found {
                None => failures.push(format!(
                    "{path}: no {check} result for {resource}; results: {:?}",
                    results
                        .iter()
                        .map(|r| (&r.resource_id, &r.check_id, r.status))
                        .collect::<Vec<_>>()
                )),
                Some(r) => {
                    if r.status.as_str() != case["status"] {
                        failures.push(format!(
                            "{path}: {check} on {resource} is {} ({}), expected {}",
                            r.status, r.message, case["status"]
                        ));
                    }
                    if let Some(line) = case["line"].as_u64() {
                        let got = r.location.as_ref().map(|l| l.line as u64);
                        if got != Some(line) {
                            failures.push(format!(
                                "{path}: {check} on {resource} at line {got:?}, expected {line}"
                            ));
                        }
                    }
                    if r.location.is_none() {
                        failures.push(format!("{path}: {check} on {resource} has no location"));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatch(es):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_missing_path_is_an_error() {
    let err = flowaudit_iac::read(&[PathBuf::from("/nonexistent/infra")]).err();
    assert!(err.is_some_and(|e| e.to_string().contains("/nonexistent/infra")));
}

#[test]
fn yaml_that_is_not_a_template_is_ignored() {
    let units = flowaudit_iac::read(&[root().join("cloudformation/not-a-template.yaml")])
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(units.is_empty());
}

#[test]
fn the_whole_corpus_at_once_gives_the_same_verdicts() {
    // Names are resolved per template and module directory: reading everything
    // together must not mix `Vpc` of one template with another's flow log.
    let units = flowaudit_iac::read(&[root()]).unwrap_or_else(|e| panic!("{e}"));
    let all = flowaudit_iac::evaluate(&units, &Settings::default());
    let mut one_by_one = Vec::new();
    for unit in &units {
        one_by_one.extend(flowaudit_iac::checks::evaluate(unit, &Settings::default()));
    }
    // The same verdicts, not only as many: each result's resource, check,
    // status and location.
    let key = |r: &flowaudit_core::CheckResult| {
        (
            r.resource_id.clone(),
            r.check_id.clone(),
            r.status,
            r.location.as_ref().map(|l| (l.file.clone(), l.line)),
        )
    };
    let mut a: Vec<_> = all.iter().map(key).collect();
    let mut b: Vec<_> = one_by_one.iter().map(key).collect();
    a.sort();
    b.sort();
    assert!(!a.is_empty());
    assert_eq!(a, b);
    // The plan's directory: its HCL (count from a variable without default) is
    // not read; the plan is trusted.
    assert!(!all.iter().any(|r| r
        .location
        .as_ref()
        .is_some_and(|l| l.file.ends_with("plan/main.tf"))));
    // Every result has a location, and a local module is read once, as a child.
    assert!(all.iter().all(|r| r.location.is_some()));
    let net = all
        .iter()
        .filter(|r| {
            r.check_id == "vpc-flow-logs-enabled"
                && r.resource_id.contains("aws_vpc.main")
                && r.location
                    .as_ref()
                    .is_some_and(|l| l.file.contains("modules/net"))
        })
        .count();
    assert_eq!(net, 1);
}
