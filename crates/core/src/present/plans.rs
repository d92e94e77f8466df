//! FAIL results with their remediation plans, for people (`flowaudit explain ID
//! --inventory FILE`).

use std::fmt::Write as _;

use crate::report::CheckResult;

/// Each result's plan: steps, AWS CLI, backout.
pub fn render(failures: &[CheckResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\nFailures ({})", failures.len());
    if failures.is_empty() {
        let _ = writeln!(out, "  none: nothing to fix for this check");
    }
    for r in failures {
        let _ = writeln!(
            out,
            "\n  {} · {} · {}: {}",
            r.region,
            r.vpc_id.as_deref().unwrap_or("-"),
            r.resource_id,
            r.message
        );
        let Some(plan) = &r.remediation else {
            let _ = writeln!(out, "    (no plan)");
            continue;
        };
        let _ = writeln!(out, "    Plan: {}", plan.title);
        for (i, step) in plan.steps().iter().enumerate() {
            let _ = writeln!(out, "      {}. {step}", i + 1);
        }
        let _ = writeln!(out, "    AWS CLI:");
        for command in &plan.cli() {
            let _ = writeln!(out, "      {command}");
        }
        let backout = plan.backout();
        if !backout.is_empty() {
            let _ = writeln!(out, "    Backout:");
            for command in &backout {
                let _ = writeln!(out, "      {command}");
            }
        }
    }
    out
}
