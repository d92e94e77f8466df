//! Writing reports where the user asked, in the format asked.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use flowaudit_core::present::{self, Format};
use flowaudit_core::Report;

use crate::args::ReportArgs;
use crate::values::ColorArg;

/// Renders `report` in every format asked for (standard output unless `-o` names
/// files), writes it, and returns the exit code it calls for.
pub fn emit(report: &Report, args: &ReportArgs) -> Result<ExitCode> {
    let mut seen = std::collections::HashSet::new();
    for spec in &args.output {
        if !seen.insert(&spec.path) {
            bail!(
                "--output: {} is named twice; give each report its own file",
                spec.path.display()
            );
        }
    }
    if args.output.is_empty() {
        let (format, color) = (args.format.format(), use_color(args));
        write_stdout_with(|out| present::write(report, format, color, out))?;
    }
    for spec in &args.output {
        let format = spec.format.unwrap_or(args.format).format();
        let color = matches!(args.color, ColorArg::Always) && format == Format::Table;
        write_file_with(&spec.path, |out| present::write(report, format, color, out))?;
        tracing::info!(
            "wrote the {} report to {}",
            format.name(),
            spec.path.display()
        );
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
            ExceptionState::Expired => tracing::warn!(
                "exception #{}{at} of {owner} expired {}: its {} result(s) fail again",
                u.index,
                e.expires,
                u.matched
            ),
            ExceptionState::Stale => tracing::warn!(
                "exception #{}{at} of {owner} matched no failing result (stale): {}",
                u.index,
                e.selector()
            ),
            ExceptionState::NotEvaluated => tracing::info!(
                "exception #{}{at} of {owner}: its results were not evaluated this run (SKIPPED or ERROR): {}",
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
            args.output.is_empty()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// Writes text to standard output; a closed pipe is not an error worth a panic.
pub fn write_stdout(text: &str) -> Result<()> {
    write_stdout_with(|out| out.write_all(text.as_bytes()))
}

/// Writes to standard output (buffered) with `write`; a closed pipe ends it
/// quietly.
pub fn write_stdout_with(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e).context("could not write to standard output"),
    }
}

/// Writes text to `path`. A regular file (or a new one) is written through a
/// temporary file with a random name, created exclusively (`O_EXCL`, so a planted
/// link is never followed) in the same directory, and renamed over `path`, so a
/// reader never sees half a report; anything else that exists (`/dev/null`, a
/// FIFO, a terminal) is written in place, never replaced.
pub fn write_file(path: &Path, text: &str) -> Result<()> {
    write_file_with(path, |out| out.write_all(text.as_bytes()))
}

/// [`write_file`] with what `write` writes (buffered), so that a large report
/// is never held whole in memory.
pub fn write_file_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(path)
                .with_context(|| format!("could not write {}", path.display()))?;
            let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
            return write(&mut out)
                .and_then(|()| out.flush())
                .with_context(|| format!("could not write {}", path.display()));
        }
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".flowaudit-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "could not write {} (a temporary file beside it could not be created)",
                path.display()
            )
        })?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, tmp);
    write(&mut out)
        .and_then(|()| out.flush())
        .with_context(|| format!("could not write {}", out.get_ref().path().display()))?;
    let tmp = out
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("could not write {}", path.display()))?;
    tmp.as_file()
        .sync_data()
        .with_context(|| format!("could not write {}", tmp.path().display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("could not write {}", path.display()))?;
    Ok(())
}
