//! The run history: recording `scan` and `check` runs, `flowaudit history` and
//! `flowaudit diff`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{ArgMatches, Args};
use flowaudit_core::diff::{diff, Change};
use flowaudit_core::present::diff as present;
use flowaudit_core::Report;
use flowaudit_store::Store;

use crate::args::HistoryArgs;
use crate::config::{overlay, Config};
use crate::output;
use crate::values::FormatArg;

impl HistoryArgs {
    pub fn apply_config(&mut self, m: &ArgMatches, c: &Config) {
        let db = c.history.db.as_deref().map(|p| c.resolve(p));
        overlay!(m, self.db?, &db);
        let disabled = c.history.enabled.map(|on| !on);
        overlay!(m, self.no_history, &disabled);
    }

    fn path(&self) -> Result<PathBuf> {
        match &self.db {
            Some(path) => Ok(path.clone()),
            None => flowaudit_store::default_path().context(
                "cannot find a data directory for the history (set HOME or XDG_DATA_HOME, or pass --db or --no-history)",
            ),
        }
    }

    fn open(&self) -> Result<Store> {
        Ok(Store::open(&self.path()?)?)
    }

    /// Records a run unless `--no-history`. The report has been written first, so
    /// a store that cannot be written loses nothing but the record.
    pub fn record(&self, command: &str, report: &Report) -> Result<()> {
        if self.no_history {
            return Ok(());
        }
        let mut store = self
            .open()
            .context("the report was written, but the run was not recorded")?;
        let id = store
            .record(command, report)
            .context("the report was written, but the run was not recorded")?;
        tracing::info!("recorded run #{id} in {}", store.path());
        Ok(())
    }
}

#[derive(Debug, Args)]
pub struct HistoryCmdArgs {
    /// Show at most N runs.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// History database (default: flowaudit/history.db under the user's data directory).
    #[arg(long, value_name = "FILE", env = "FLOWAUDIT_DB")]
    pub db: Option<PathBuf>,
    /// List the failures of a run (--run, default the newest) with how long the
    /// history has known each: the first run of the same scope since which every
    /// run failed it.
    #[arg(long)]
    pub failing: bool,
    /// The run --failing lists (an id from `flowaudit history`).
    #[arg(long, value_name = "ID", requires = "failing")]
    pub run: Option<i64>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older side: a run id from `flowaudit history`, or a JSON report file.
    /// Default: the run before NEW of the same scope.
    #[arg(value_name = "OLD")]
    pub old: Option<String>,
    /// The newer side: a run id or a JSON report file. Default: the newest run.
    #[arg(value_name = "NEW")]
    pub new: Option<String>,
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// Write the diff to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// History database (default: flowaudit/history.db under the user's data directory).
    #[arg(long, value_name = "FILE", env = "FLOWAUDIT_DB")]
    pub db: Option<PathBuf>,
}

fn store_at(db: &Option<PathBuf>, c: &Config) -> HistoryArgs {
    HistoryArgs {
        db: db
            .clone()
            .or_else(|| c.history.db.as_deref().map(|p| c.resolve(p))),
        no_history: false,
    }
}

/// `flowaudit history`.
pub fn list(args: HistoryCmdArgs, c: &Config) -> Result<ExitCode> {
    let store = store_at(&args.db, c).open()?;
    if args.failing {
        let run = match args.run {
            Some(id) => id,
            None => store
                .latest()?
                .context("the history has no runs yet: `flowaudit scan` and `flowaudit check` record each run")?,
        };
        let open = store.open_failures(run)?;
        let text = match args.format {
            FormatArg::Json => {
                let mut text =
                    serde_json::to_string_pretty(&open).context("could not serialise")?;
                text.push('\n');
                text
            }
            FormatArg::Table => flowaudit_store::present::failures(store.path(), run, &open),
        };
        output::write_stdout(&text)?;
        return Ok(ExitCode::SUCCESS);
    }
    let runs = store.runs(Some(args.limit))?;
    let text = match args.format {
        FormatArg::Json => {
            let mut text = serde_json::to_string_pretty(&runs).context("could not serialise")?;
            text.push('\n');
            text
        }
        FormatArg::Table => flowaudit_store::present::table(store.path(), &runs),
    };
    output::write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// One side of a diff: a run id, or a report file.
fn side(store: &mut Option<Store>, args: &HistoryArgs, spec: &str) -> Result<(Report, String)> {
    if let Ok(id) = spec.trim_start_matches('#').parse::<i64>() {
        if !Path::new(spec).exists() {
            let store = opened(store, args)?;
            return Ok((store.report(id)?, format!("run #{id}")));
        }
    }
    let text =
        std::fs::read_to_string(spec).with_context(|| format!("could not read report {spec}"))?;
    let report = flowaudit_core::load::parse_report(&text, spec)?;
    Ok((report, spec.to_string()))
}

fn opened<'s>(store: &'s mut Option<Store>, args: &HistoryArgs) -> Result<&'s Store> {
    if store.is_none() {
        *store = Some(args.open()?);
    }
    store.as_ref().context("history database not open")
}

/// `flowaudit diff`.
pub fn run_diff(args: DiffArgs, c: &Config) -> Result<ExitCode> {
    let history = store_at(&args.db, c);
    let mut store = None;
    let (old, new) = match (&args.old, &args.new) {
        (Some(old), Some(new)) => (
            side(&mut store, &history, old)?,
            side(&mut store, &history, new)?,
        ),
        (Some(old), None) => {
            let old = side(&mut store, &history, old)?;
            let latest = opened(&mut store, &history)?
                .latest()?
                .context("the history has no runs to compare with")?;
            (old, side(&mut store, &history, &latest.to_string())?)
        }
        (None, _) => {
            let (a, b) = opened(&mut store, &history)?.last_two()?.with_context(|| {
                format!(
                    "{} has fewer than two runs of the same scope; run `flowaudit scan` (or `check`) again, or name two runs or report files",
                    history.path().map(|p| p.display().to_string()).unwrap_or_default()
                )
            })?;
            (
                side(&mut store, &history, &a.to_string())?,
                side(&mut store, &history, &b.to_string())?,
            )
        }
    };
    let d = diff(&old.0, &old.1, &new.0, &new.1);
    let text = match args.format {
        FormatArg::Table => present::render(&d),
        FormatArg::Json => present::render_json(&d),
    };
    match &args.output {
        Some(path) => output::write_file(path, &text)?,
        None => output::write_stdout(&text)?,
    }
    Ok(if d.count(Change::NewlyFailing) > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The user's data directory for flowaudit: `$XDG_DATA_HOME/flowaudit`, or
/// `~/.local/share/flowaudit`.
pub fn data_dir() -> Option<PathBuf> {
    flowaudit_store::default_path().and_then(|p| p.parent().map(Path::to_path_buf))
}
