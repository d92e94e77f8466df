//! Writing reports where the user asked, in the format asked.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use flowaudit_core::present::{json, table};
use flowaudit_core::Report;

use crate::args::{ColorArg, FormatArg, ReportArgs};

/// Renders `report`, writes it, and returns the exit code it calls for.
pub fn emit(report: &Report, args: &ReportArgs) -> Result<ExitCode> {
    let text = match args.format {
        FormatArg::Json => json::render(report),
        FormatArg::Table => table::render(report, use_color(args)),
    };
    match &args.output {
        Some(path) => write_file(path, &text)?,
        None => write_stdout(&text)?,
    }
    warn_exceptions(report);
    Ok(if report.has_failures(args.fail_on.into()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Expired and stale exceptions, on standard error where CI logs show them.
fn warn_exceptions(report: &Report) {
    use flowaudit_core::exceptions::ExceptionState;
    for u in &report.exceptions {
        let e = &u.exception;
        let at = e
            .source
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        let owner = e.owner.as_deref().unwrap_or("no owner");
        match u.state {
            ExceptionState::Active => {}
            ExceptionState::Expired => eprintln!(
                "warning: exception #{}{at} of {owner} expired {}: its {} result(s) fail again",
                u.index, e.expires, u.matched
            ),
            ExceptionState::Stale => eprintln!(
                "warning: exception #{}{at} of {owner} matched no failing result (stale): {}",
                u.index,
                e.selector()
            ),
        }
    }
}

fn use_color(args: &ReportArgs) -> bool {
    match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            args.output.is_none()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// Writes text to standard output; a closed pipe is not an error worth a panic.
pub fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e).context("could not write to standard output"),
    }
}

/// Writes text to `path`. A regular file (or a new one) is written through a
/// temporary file and renamed, so a reader never sees half a report; anything
/// else that exists (`/dev/null`, a FIFO, a terminal) is written in place, never
/// replaced.
pub fn write_file(path: &Path, text: &str) -> Result<()> {
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() {
            return std::fs::write(path, text)
                .with_context(|| format!("could not write {}", path.display()));
        }
    }
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("out")
    ));
    std::fs::write(&tmp, text).with_context(|| format!("could not write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("could not write {}", path.display()))?;
    Ok(())
}
