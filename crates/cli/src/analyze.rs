//! `flowaudit analyze`: local files, S3 prefixes and CloudWatch Logs groups in,
//! findings (and security-group suggestions) out.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use flowaudit_aws::logsource::{Remote, Window};
use flowaudit_core::stats::RunStats;
use flowaudit_core::Source;
use flowaudit_flowlogs::{Format, Outcome};

use crate::args::AnalyzeArgs;
use crate::output;
use crate::scan::valid_region;

pub fn run(args: AnalyzeArgs) -> Result<ExitCode> {
    // A damaged Parquet file is an ERROR result, not a panic message.
    flowaudit_flowlogs::quiet_reader_panics();
    // The exceptions name checks or controls that exist (read before the records).
    args.report.eval.custom_controls()?;
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
    let (outcome, api_calls) = if remotes.is_empty() {
        (
            flowaudit_flowlogs::analyze(files.into_iter(), &options),
            None,
        )
    } else {
        if let Some(bad) = args.region.as_deref().filter(|r| !valid_region(r)) {
            anyhow::bail!("--region: `{bad}` is not a region name (like eu-west-1)");
        }
        let window = Window {
            start: args.start,
            end: args.end,
        };
        let (outcome, calls) = flowaudit_aws::logsource::analyze(
            files,
            remotes,
            args.aws.options(),
            args.region.clone(),
            window,
            &options,
        )
        .map_err(anyhow::Error::msg)?;
        (outcome, Some(calls.calls))
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
        tracing::info!("{}:{}: malformed record: {}", m.file, m.line, m.reason);
    }
    let mut label: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
    label.extend(args.log_group.iter().map(|g| format!("log-group:{g}")));
    let read = outcome.read_stats(threads, began.elapsed(), api_calls);
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
