//! `flowaudit fix` and `flowaudit rollback` for people: the plan, what was
//! applied, each failure before and after, and what a rollback undid. Every
//! text that may quote AWS or a file name is escaped for the terminal.

use std::fmt::Write as _;

use crate::escape::terminal::show;
use crate::remediation::outcome::{BeforeAfter, Outcome};
use crate::remediation::{render_cli, render_words, Action};
use crate::report::Status;

/// "Plan: N failure(s), M action(s)", then each action in words with its AWS
/// CLI commands.
pub fn plan(failures: usize, actions: &[Action]) -> String {
    let mut out = format!("Plan: {failures} failure(s), {} action(s)\n", actions.len());
    for (i, action) in actions.iter().enumerate() {
        let _ = writeln!(out, "  {}. {}", i + 1, show(&render_words(action)));
        for command in render_cli(action) {
            let _ = writeln!(out, "       {}", show(&command));
        }
    }
    out
}

/// What applying did, each chosen failure before → after, and how to undo it.
pub fn applied(outcomes: &[Outcome], compared: &[BeforeAfter], journal: &str) -> String {
    let mut out = String::from("\nApplied:\n");
    for outcome in outcomes {
        let (word, what) = match outcome {
            Outcome::Done(what) => ("done", what),
            Outcome::AlreadyDone(what) => ("unchanged", what),
            Outcome::LeftForYou(what) => ("left", what),
        };
        let _ = writeln!(out, "  {word:<10} {}", show(what));
    }
    out.push_str("\nBefore → after:\n");
    for c in compared {
        let _ = writeln!(
            out,
            "  {:<30} {:<24} FAIL → {}  ({})",
            c.check_id,
            show(&c.resource_id),
            c.now.map_or("gone", Status::as_str),
            c.vpc_id.as_deref().map_or_else(|| "-".into(), show)
        );
    }
    let _ = writeln!(out, "\nUndo with: flowaudit rollback {}", show(journal));
    out
}

/// "Rolled back N change(s) from FILE:" and one line per change.
pub fn undone(journal: &str, done: &[String]) -> String {
    let mut out = format!(
        "Rolled back {} change(s) from {}:\n",
        done.len(),
        show(journal)
    );
    for line in done {
        let _ = writeln!(out, "  {}", show(line));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applied_lists_outcomes_and_statuses_escaped() {
        let text = applied(
            &[
                Outcome::Done("created x".into()),
                Outcome::AlreadyDone("role r exists".into()),
                Outcome::LeftForYou("delete \u{1b}[31mold".into()),
            ],
            &[
                BeforeAfter {
                    check_id: "flow-log-retention".into(),
                    resource_id: "fl-1".into(),
                    vpc_id: Some("vpc-1".into()),
                    now: Some(Status::Pass),
                },
                BeforeAfter {
                    check_id: "vpc-flow-logs-enabled".into(),
                    resource_id: "vpc-2".into(),
                    vpc_id: None,
                    now: None,
                },
            ],
            "/tmp/j.jsonl",
        );
        assert!(text.contains("  done       created x\n"), "{text}");
        assert!(text.contains("  unchanged  role r exists\n"), "{text}");
        assert!(text.contains("  left       delete "), "{text}");
        assert!(!text.contains('\u{1b}'), "escaped: {text:?}");
        assert!(text.contains("FAIL → PASS  (vpc-1)"), "{text}");
        assert!(text.contains("FAIL → gone  (-)"), "{text}");
        assert!(text.ends_with("\nUndo with: flowaudit rollback /tmp/j.jsonl\n"));
    }
}
