//! `flowaudit analyze`: local files, S3 prefixes and CloudWatch Logs groups in,
//! findings (and security-group suggestions) out.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use flowaudit_aws::logsource::{Remote, Window};
use flowaudit_core::stats::{ReadStats, RunStats};
use flowaudit_core::Source;
use flowaudit_flowlogs::{Format, Outcome};

use crate::args::AnalyzeArgs;
use crate::output;
use crate::scan::{runtime, valid_region};

pub fn run(args: AnalyzeArgs) -> Result<ExitCode> {
    // A damaged Parquet file is an ERROR result, not a panic message.
    flowaudit_flowlogs::quiet_reader_panics();
    let format = args
        .format_fields
        .as_deref()
        .map(Format::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--format-fields: {e}"))?;
    let thresholds = args.thresholds();
    if let Some(location) = &args.athena {
        if !location.starts_with("s3://") {
            anyhow::bail!("--athena: `{location}` is not an s3:// location");
        }
        output::write_stdout(&flowaudit_flowlogs::athena::export(
            location,
            &args.athena_table,
            &thresholds,
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    if let (Some(s), Some(e)) = (args.start, args.end) {
        if s >= e {
            anyhow::bail!("--start ({s}) is not before --end ({e})");
        }
    }
    let threads = args.threads.map(usize::from).unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
    });
    let suggest = args.suggest_security_groups.is_some();
    let began = std::time::Instant::now();
    let mut locals: Vec<PathBuf> = Vec::new();
    let mut remotes: Vec<Remote> = Vec::new();
    for p in &args.paths {
        match p.to_str() {
            Some(url) if url.starts_with("s3://") => {
                remotes.push(Remote::parse_s3(url).map_err(anyhow::Error::msg)?)
            }
            _ => locals.push(p.clone()),
        }
    }
    remotes.extend(args.log_group.iter().cloned().map(Remote::LogGroup));
    let files = flowaudit_flowlogs::read::files(&locals).map_err(anyhow::Error::msg)?;
    let local = files.into_iter();
    let options = flowaudit_flowlogs::Options {
        format,
        thresholds,
        threads,
        suggest,
        window: (
            args.start.map(|t| t.timestamp()),
            args.end.map(|t| t.timestamp()),
        ),
    };
    let mut api_calls = None;
    let outcome = if remotes.is_empty() {
        flowaudit_flowlogs::analyze(local, &options)
    } else {
        let rt = runtime()?;
        if let Some(bad) = args.region.as_deref().filter(|r| !valid_region(r)) {
            anyhow::bail!("--region: `{bad}` is not a region name (like eu-west-1)");
        }
        let region = args.region.clone();
        let opts = args.aws.options();
        let (ctx, _) = rt.block_on(flowaudit_aws::connect(opts))?;
        let calls = ctx.stats.clone();
        let window = Window {
            start: args.start,
            end: args.end,
        };
        // The readers take objects as they arrive; a few wait at most.
        let (tx, mut rx) = tokio::sync::mpsc::channel(threads * 2);
        let fetcher = rt.spawn(flowaudit_aws::logsource::fetch(
            ctx, region, remotes, window, tx,
        ));
        let remote = std::iter::from_fn(move || rx.blocking_recv());
        let outcome = flowaudit_flowlogs::analyze(local.chain(remote), &options);
        rt.block_on(fetcher)
            .context("the download of the flow logs failed")?;
        api_calls = Some(calls.snapshot(began.elapsed()).calls);
        outcome
    };
    write_suggestions(&args, &outcome)?;
    let stats = &outcome.stats;
    tracing::info!(
        "{} input(s), {} record(s) ({} NODATA, {} SKIPDATA), {} malformed line(s)",
        stats.files,
        stats.records,
        stats.nodata,
        stats.skipdata,
        stats.malformed
    );
    for m in &stats.examples {
        tracing::warn!("{}:{}: malformed record: {}", m.file, m.line, m.reason);
    }
    let mut label: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
    label.extend(args.log_group.iter().map(|g| format!("log-group:{g}")));
    let wall = began.elapsed();
    let time = |t: i64| chrono::DateTime::from_timestamp(t, 0).map(|d| d.to_rfc3339());
    let read = ReadStats {
        inputs: stats.files as u64,
        records: stats.records,
        nodata: stats.nodata,
        skipdata: stats.skipdata,
        malformed: stats.malformed,
        outside_window: stats.outside_window,
        unreadable: stats.unreadable.len() as u64,
        from: outcome.span.and_then(|(a, _)| time(a)),
        to: outcome.span.and_then(|(_, b)| time(b)),
        threads: threads as u64,
        wall_ms: u64::try_from(wall.as_millis()).unwrap_or(u64::MAX),
        records_per_second: (stats.records as f64 / wall.as_secs_f64().max(1e-6)).round() as u64,
        api_calls,
    };
    let mut report = flowaudit_core::build_results_report(
        outcome.results,
        &args.report.settings(),
        &Source::Analyze(label.join(",")),
        &args.report.eval.exceptions,
        chrono::Utc::now(),
    );
    report.stats = Some(RunStats::Read { read });
    output::emit(&report, &args.report)
}

fn write_suggestions(args: &AnalyzeArgs, outcome: &Outcome) -> Result<()> {
    let (Some(dir), Some(rules)) = (&args.suggest_security_groups, &outcome.suggestions) else {
        return Ok(());
    };
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    output::write_file(
        &dir.join("security-groups.json"),
        &flowaudit_flowlogs::suggest::to_json(rules),
    )?;
    output::write_file(
        &dir.join("security-groups.tf"),
        &flowaudit_flowlogs::suggest::to_terraform(rules),
    )?;
    tracing::info!(
        "security-group suggestions for {} interface(s) written to {}",
        rules.len(),
        dir.display()
    );
    Ok(())
}
