//! Terraform, Terraform JSON, CloudFormation (YAML and JSON) and Terraform plan
//! JSON as a careless edit, a cut download or an attacker could leave them:
//! mutations of the fixtures under tests/iac, each read and judged. Never a
//! panic; a file that cannot be read is a broken entry whose message reads as
//! one (an ERROR result naming the file), never the end of the run.

use std::path::{Path, PathBuf};

use flowaudit_core::mutate::{assert_message, mutations};
use flowaudit_core::{Settings, Status};

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/iac");
    let mut out = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if ["tf", "json", "yaml", "yml"]
                .iter()
                .any(|e| path.extension().is_some_and(|x| x == *e))
                && path.file_name().is_some_and(|n| n != "expected.json")
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn mutated_templates_are_judged_or_reported_broken_never_a_panic() {
    let all = fixtures();
    assert!(all.len() >= 20, "{all:?}");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut broken = 0;
    for (i, fixture) in all.iter().enumerate() {
        let text = std::fs::read(fixture).unwrap_or_else(|e| panic!("{}: {e}", fixture.display()));
        let name = fixture
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for (j, input) in mutations(&text, 40, 1000 + i as u64)
            .into_iter()
            .enumerate()
        {
            let unit = dir.path().join(format!("{i}-{j}"));
            std::fs::create_dir_all(&unit).unwrap_or_else(|e| panic!("{e}"));
            let path = unit.join(&name);
            std::fs::write(&path, &input).unwrap_or_else(|e| panic!("{e}"));
            let units = flowaudit_iac::read(std::slice::from_ref(&unit))
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            for u in &units {
                for b in &u.broken {
                    broken += 1;
                    assert_message(&b.message, &input);
                }
            }
            for r in flowaudit_iac::evaluate(&units, &Settings::default()) {
                if r.status == Status::Error {
                    assert_message(&r.message, &input);
                }
            }
        }
    }
    assert!(
        broken > 100,
        "only {broken} broken files among the mutations"
    );
}
