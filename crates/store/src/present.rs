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
