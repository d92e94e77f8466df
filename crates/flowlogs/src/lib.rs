//! `flowaudit analyze`: reads VPC flow-log records and reports port scans, host
//! sweeps, admin and database ports exposed to the internet, possible
//! exfiltration, rejected-traffic hot spots and lost records (SKIPDATA), through
//! the same report model as the other commands.

pub mod athena;
mod coverage;
pub mod detect;
mod findings;
#[doc(hidden)]
pub mod fuzzing;
pub mod input;
mod parquet;
pub mod read;
pub mod record;
pub mod sketch;
pub mod suggest;
mod top;

use std::collections::BTreeMap;
use std::path::PathBuf;

use flowaudit_core::report::{CheckResult, SourceLocation, Status};

pub use detect::{Analysis, Thresholds};
pub use parquet::quiet_reader_panics;
pub use read::{Input, ReadStats};
pub use record::Format;
pub use suggest::InterfaceRules;

/// What an analysis found and read.
#[derive(Debug)]
pub struct Outcome {
    /// The findings, then one `ERROR` result per input with malformed lines or
    /// that could not be read.
    pub results: Vec<CheckResult>,
    pub stats: ReadStats,
    /// Suggested security-group rules, when asked for.
    pub suggestions: Option<Vec<InterfaceRules>>,
    /// The oldest start and the newest end of the records read (epoch seconds).
    pub span: Option<(i64, i64)>,
}

impl Outcome {
    /// What was read, for the report: counts, the span of the records, and how
    /// fast (`wall` since the run began, on `threads` readers).
    pub fn read_stats(
        &self,
        threads: usize,
        wall: std::time::Duration,
        api_calls: Option<std::collections::BTreeMap<String, flowaudit_core::stats::OpCount>>,
    ) -> flowaudit_core::stats::ReadStats {
        let stats = &self.stats;
        let time = |t: i64| chrono::DateTime::from_timestamp(t, 0).map(|d| d.to_rfc3339());
        flowaudit_core::stats::ReadStats {
            inputs: stats.files as u64,
            records: stats.records,
            nodata: stats.nodata,
            skipdata: stats.skipdata,
            malformed: stats.malformed,
            control_messages: stats.control_messages,
            outside_window: stats.outside_window,
            unreadable: stats.unreadable.len() as u64,
            from: self.span.and_then(|(a, _)| time(a)),
            to: self.span.and_then(|(_, b)| time(b)),
            threads: threads as u64,
            wall_ms: u64::try_from(wall.as_millis()).unwrap_or(u64::MAX),
            records_per_second: (stats.records as f64 / wall.as_secs_f64().max(1e-6)).round()
                as u64,
            api_calls,
        }
    }
}

/// How to analyse.
#[derive(Debug, Clone)]
pub struct Options {
    /// The format of inputs without a header line (default: the version-2
    /// default format).
    pub format: Option<Format>,
    pub thresholds: Thresholds,
    /// Inputs read at once.
    pub threads: usize,
    /// Also derive security-group suggestions.
    pub suggest: bool,
    /// Only records that start in `[from, to)` (epoch seconds); the others are
    /// counted as outside the window.
    pub window: (Option<i64>, Option<i64>),
}

impl Default for Options {
    fn default() -> Self {
        Options {
            format: None,
            thresholds: Thresholds::default(),
            threads: 2,
            suggest: false,
            window: (None, None),
        }
    }
}

/// Reads every file under `paths` (see [`analyze`]).
pub fn analyze_paths(paths: &[PathBuf], options: &Options) -> Result<Outcome, String> {
    let files = read::files(paths)?;
    Ok(analyze(files.into_iter(), options))
}

/// Reads `inputs` on `options.threads` threads and returns the findings and
/// what was read; with `options.suggest`, also the security-group suggestions.
pub fn analyze(inputs: impl Iterator<Item = Input> + Send, options: &Options) -> Outcome {
    let thresholds = &options.thresholds;
    let (from, to) = options.window;
    let (analysis, mut stats) = read::read_parallel(
        inputs,
        options.format.as_ref(),
        options.threads,
        || Analysis::new(thresholds, options.suggest),
        |a: &mut Analysis, r: &record::Record| {
            let t = r.start.or(r.end);
            let inside = t.is_none_or(|t| from.is_none_or(|f| t >= f) && to.is_none_or(|e| t < e));
            if inside {
                a.add(r);
            } else {
                a.outside_window += 1;
            }
        },
        Analysis::merge,
    );
    stats.outside_window = analysis.outside_window;
    let mut results = analysis.findings(thresholds);
    stats.malformed_inputs.sort();
    let mut first: BTreeMap<&str, &read::Malformed> = BTreeMap::new();
    for m in &stats.examples {
        first.entry(m.file.as_str()).or_insert(m);
    }
    for (file, count) in &stats.malformed_inputs {
        let (line, detail) = match first.get(file.as_str()) {
            Some(m) => (m.line, format!("first at line {}: {}", m.line, m.reason)),
            None => (1, "its lines are not among the examples kept".to_string()),
        };
        results.push(input_error(
            file,
            line,
            format!("{count} malformed record(s), {detail}"),
        ));
    }
    for (file, why) in &stats.unreadable {
        results.push(input_error(file, 1, format!("could not be read: {why}")));
    }
    // Every detection appears: a PASS saying what was checked, or SKIPPED why.
    let covered = analysis.coverage(thresholds, &results);
    results.extend(covered);
    if !results
        .iter()
        .any(|r| r.check_id == flowaudit_core::findings::INPUT.id.as_str())
    {
        results.push(input_pass(&stats, analysis.account.one()));
    }
    let suggestions = options.suggest.then(|| analysis.suggestions());
    Outcome {
        results,
        stats,
        suggestions,
        span: analysis.span,
    }
}

/// The input check when every input was read and no line was malformed.
fn input_pass(stats: &read::ReadStats, account: Option<&str>) -> CheckResult {
    let meta = &flowaudit_core::findings::INPUT;
    CheckResult {
        check_id: meta.id.to_string(),
        status: Status::Pass,
        severity: meta.severity,
        account_id: account.unwrap_or("-").to_string(),
        region: flowaudit_core::region::ResultRegion::NotRegional,
        resource_type: flowaudit_core::report::ResourceType::File,
        resource_id: format!("{} input(s)", stats.files),
        vpc_id: None,
        vpc_name: None,
        message: format!(
            "{} input(s) read, {} record(s), no malformed line and no unreadable input",
            stats.files, stats.records
        ),
        evidence: serde_json::json!({ "files": stats.files, "records": stats.records }),
        compliance: meta.compliance_refs(),
        priority: None,
        exception: None,
        remediation: None,
        location: None,
    }
}

fn input_error(file: &str, line: usize, message: String) -> CheckResult {
    CheckResult {
        check_id: flowaudit_core::findings::INPUT.id.to_string(),
        status: Status::Error,
        severity: flowaudit_core::findings::INPUT.severity,
        account_id: "-".into(),
        region: flowaudit_core::region::ResultRegion::NotRegional,
        resource_type: flowaudit_core::report::ResourceType::File,
        resource_id: file.to_string(),
        vpc_id: None,
        vpc_name: None,
        message,
        evidence: serde_json::json!({ "file": file, "line": line }),
        compliance: Vec::new(),
        priority: None,
        exception: None,
        remediation: None,
        location: Some(SourceLocation {
            file: file.to_string(),
            line,
            column: 1,
        }),
    }
}
