//! `flowaudit iac`: preventive checks of VPC flow logging in Terraform (HCL,
//! `.tf.json`, plan JSON) and CloudFormation (YAML, JSON, CDK output), before
//! anything reaches AWS. Every result carries the file, line and column of the
//! declaration it is about.

mod bound;
pub mod checks;
pub mod cloudformation;
pub mod plan;
mod source;
pub mod terraform;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use flowaudit_core::declared::{Broken, Declared};
use flowaudit_core::report::SourceLocation;

/// Why the paths cannot be read at all.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PathError(pub String);

/// The `.tf` and `.tf.json` files directly in `dir`, sorted.
pub fn tf_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file() && is_tf(p))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn name(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap_or_default()
}

fn is_tf(p: &Path) -> bool {
    let n = name(p);
    n.ends_with(".tf") || n.ends_with(".tf.json")
}

fn is_template_candidate(p: &Path) -> bool {
    let n = name(p);
    !n.ends_with(".tf.json")
        && [".json", ".yaml", ".yml", ".template"]
            .iter()
            .any(|e| n.ends_with(e))
}

/// Reads everything declared under `paths`, one unit per Terraform module
/// directory, plan or template (names are resolved within a unit). A file that
/// cannot be parsed is a [`Broken`] entry (an ERROR result), never the end of the
/// run.
pub fn read(paths: &[PathBuf]) -> Result<Vec<Declared>, PathError> {
    // Hidden directories (.git, .terraform) and node_modules are not sources.
    let walked = flowaudit_core::walk::walk(
        paths,
        |p| is_tf(p) || is_template_candidate(p),
        |dir| !name(dir).starts_with('.') && name(dir) != "node_modules",
    )
    .map_err(PathError)?;
    let files = walked.files;
    let mut units: Vec<Declared> = Vec::new();
    for (path, why) in walked.skipped {
        units.push(Declared {
            files: 1,
            broken: vec![Broken {
                location: SourceLocation {
                    file: path.display().to_string(),
                    line: 1,
                    column: 1,
                },
                message: why,
            }],
            ..Declared::default()
        });
    }
    let mut tf_dirs: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut plan_dirs: BTreeSet<PathBuf> = BTreeSet::new();
    for f in &files {
        let dir = f.parent().map(Path::to_path_buf).unwrap_or_default();
        if is_tf(f) {
            tf_dirs.entry(dir).or_default().push(f.clone());
            continue;
        }
        if !is_template_candidate(f) {
            continue;
        }
        let path = f.display().to_string();
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => {
                units.push(Declared {
                    files: 1,
                    broken: vec![Broken {
                        location: SourceLocation {
                            file: path,
                            line: 1,
                            column: 1,
                        },
                        message: e.to_string(),
                    }],
                    ..Declared::default()
                });
                continue;
            }
        };
        if name(f).ends_with(".json") {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) {
                if plan::is_plan(&value) {
                    plan_dirs.insert(dir);
                    units.push(plan::read(&path, &text, &value));
                    continue;
                }
            }
        }
        if let Some(d) = cloudformation::read(&path, &text) {
            units.push(d);
        }
    }
    // Terraform: each directory is a module; local modules are read as children
    // of the module that calls them, with its inputs, and not again as roots.
    let mut reading = terraform::Reading::default();
    let mut roots = Vec::new();
    for (dir, tf) in &tf_dirs {
        if plan_dirs.contains(dir) {
            continue; // the plan of this directory is trusted over its HCL
        }
        let canonical = dir.canonicalize().unwrap_or_else(|_| dir.clone());
        let d = reading.root(dir, tf);
        roots.push((canonical, d));
    }
    for (dir, d) in roots {
        if !reading.local_dirs.contains(&dir) {
            units.push(d);
        }
    }
    Ok(units)
}

/// Every result of every unit, ordered by file and line.
pub fn evaluate(
    units: &[Declared],
    settings: &flowaudit_core::Settings,
) -> Vec<flowaudit_core::CheckResult> {
    let mut results: Vec<_> = units
        .iter()
        .flat_map(|u| checks::evaluate(u, settings))
        .collect();
    let file = |r: &flowaudit_core::CheckResult| r.location.as_ref().map(|l| l.file.clone());
    let order = |id: &str| checks::check_order(id);
    results.sort_by(|a, b| {
        (file(a), &a.resource_id, order(&a.check_id)).cmp(&(
            file(b),
            &b.resource_id,
            order(&b.check_id),
        ))
    });
    results
}
