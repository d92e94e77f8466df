//! `flowaudit history` as a table: one line per recorded run, newest first.

use std::fmt::Write as _;

use flowaudit_core::escape::terminal::show;
use flowaudit_core::report::Status;

use crate::Run;

/// The runs of the history at `path` (what `Store::runs` returned).
pub fn table(path: &str, runs: &[Run]) -> String {
    let mut text = format!("flowaudit history · {}\n", show(path));
    if runs.is_empty() {
        text.push_str(
            "  no runs recorded yet: `flowaudit scan` and `flowaudit check` record each run\n",
        );
    }
    for r in runs {
        let counts: Vec<String> = Status::ALL
            .iter()
            .map(|s| {
                format!(
                    "{} {}",
                    r.summary.by_status.get(s).copied().unwrap_or(0),
                    s.as_str()
                )
            })
            .collect();
        let _ = writeln!(
            text,
            "  #{:<5} {} {:<5} {} · {} VPCs · {} · {}",
            r.id,
            r.recorded_at.format("%Y-%m-%d %H:%M:%S"),
            show(&r.command),
            show(&r.source),
            r.summary.vpcs,
            counts.join(", "),
            show(&r.scope)
        );
    }
    text
}

/// The failures of run `run`, oldest first, each with how long the history has
/// known it.
pub fn failures(path: &str, run: i64, open: &[crate::OpenFailure]) -> String {
    let mut text = format!(
        "flowaudit history · {} · {} failure(s) of run #{run}, oldest first\n",
        show(path),
        open.len()
    );
    for f in open {
        let k = &f.key;
        let _ = writeln!(
            text,
            "  since {} ({} day(s), {} run(s), first in run #{}) {} {} {}/{} {}\n      {}",
            f.since.format("%Y-%m-%d"),
            f.days,
            f.runs,
            f.since_run,
            show(&k.severity),
            show(&k.check_id),
            show(&k.account_id),
            show(&k.region),
            show(&k.resource_id),
            show(&k.message)
        );
    }
    text
}
