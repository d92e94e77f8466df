//! `flowaudit scan`: wires the AWS collector to the core and the presenters.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Args;
use flowaudit_aws::{Progress, ScanOptions};
use flowaudit_core::escape::terminal::show;
use flowaudit_core::stats::RunStats;
use flowaudit_core::Source;
use indicatif::{ProgressBar, ProgressStyle};

use crate::args::{AwsArgs, ConnArgs, HistoryArgs, ReportArgs};
use crate::config::{overlay, Config};
use crate::output;

impl AwsArgs {
    /// Takes the `[scan]` connection keys of the config file where the command
    /// line left them unset.
    pub fn apply_config(&mut self, m: &clap::ArgMatches, c: &Config) {
        let s = &c.scan;
        overlay!(m, self.profile?, &s.profile);
        overlay!(m, self.role_arn?, &s.role_arn);
        overlay!(m, self.external_id?, &s.external_id);
        overlay!(m, self.endpoint_url?, &s.endpoint_url);
        let endpoints = s
            .endpoint_url_region
            .as_ref()
            .map(|map| map.clone().into_iter().collect::<Vec<_>>());
        overlay!(m, self.endpoint_url_region, &endpoints);
        overlay!(m, self.call_timeout, &s.call_timeout);
        overlay!(m, self.max_attempts, &s.max_attempts);
    }

    /// Connection options (every region; no scan limits).
    pub fn options(&self) -> ScanOptions {
        ScanOptions {
            profile: self.profile.clone(),
            role_arn: self.role_arn.clone(),
            external_id: self.external_id.clone(),
            endpoint_url: self.endpoint_url.clone(),
            region_endpoints: self.endpoint_url_region.clone(),
            call_timeout: Duration::from_secs(self.call_timeout),
            max_attempts: self.max_attempts,
            ..ScanOptions::default()
        }
    }
}

impl ConnArgs {
    /// Takes the `[scan]` connection keys of the config file where the command
    /// line left them unset.
    pub fn apply_config(&mut self, m: &clap::ArgMatches, c: &Config) {
        self.aws.apply_config(m, c);
        let s = &c.scan;
        overlay!(m, self.regions, &s.regions);
        overlay!(m, self.concurrency, &s.concurrency);
        overlay!(m, self.page_size?, &s.page_size);
    }

    /// Scan options for these arguments and evaluation settings.
    pub fn options(&self, settings: &flowaudit_core::Settings) -> Result<ScanOptions> {
        let regions = match self.regions.as_slice() {
            [] => None,
            [one] if one == "all" => None,
            list => {
                if list.iter().any(|r| r == "all") {
                    bail!("--regions takes either `all` or a list of regions, not both");
                }
                if let Some(bad) = list.iter().find(|r| !valid_region(r)) {
                    bail!("--regions: `{bad}` is not a region name (like eu-west-1)");
                }
                Some(list.to_vec())
            }
        };
        let lookback_days = settings.max_delivery_age_hours.div_ceil(24) + 1;
        Ok(ScanOptions {
            regions,
            concurrency: usize::from(self.concurrency),
            page_size: self.page_size,
            delivery_lookback_days: lookback_days.min(7),
            ..self.aws.options()
        })
    }
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Write the collected inventory to FILE (`flowaudit check --inventory FILE`
    /// reproduces the report).
    #[arg(long, value_name = "FILE")]
    pub save_inventory: Option<PathBuf>,
    /// Add API-call statistics to the report: calls per service and operation,
    /// retries, wall time per region.
    #[arg(long)]
    pub stats: bool,
    /// Also import the findings into AWS Security Hub (BatchImportFindings, in
    /// batches of 100, each in its region); rejected findings are listed and the
    /// run exits 2.
    #[arg(long)]
    pub security_hub: bool,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub history: HistoryArgs,
    #[command(flatten)]
    pub org: OrgArgs,
    #[command(flatten)]
    pub cost: crate::args::CostOpts,
}

/// Scanning an organization, bounds and resume.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Organization, bounds and resume")]
pub struct OrgArgs {
    /// Scan every ACTIVE account of the organization (from the management account
    /// or a delegated administrator), through a role assumed in each member.
    #[arg(long)]
    pub org: bool,
    /// Role assumed in each member account (session name flowaudit-scan).
    #[arg(
        long,
        value_name = "NAME",
        default_value_t = flowaudit_aws::OrgOptions::default().role_name,
        requires = "org"
    )]
    pub org_role: String,
    /// Only these accounts (comma-separated ids).
    #[arg(long, value_name = "LIST", value_delimiter = ',', requires = "org")]
    pub accounts: Vec<String>,
    /// Never these accounts (comma-separated ids).
    #[arg(long, value_name = "LIST", value_delimiter = ',', requires = "org")]
    pub exclude_accounts: Vec<String>,
    /// Regions of one account read at once (--concurrency bounds all of them).
    #[arg(long, default_value_t = ScanOptions::default().account_concurrency as u16, value_name = "N", value_parser = clap::value_parser!(u16).range(crate::limits::ACCOUNT_CONCURRENCY))]
    pub account_concurrency: u16,
    /// Total time budget in seconds: the scan ends cleanly with what it read, and
    /// ERROR for what it did not.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(crate::limits::TIMEOUT))]
    pub timeout: Option<u64>,
    /// Write the checkpoint (what has been read, per account and region) to FILE;
    /// default: a file under the user's data directory, removed after a complete scan.
    #[arg(long, value_name = "FILE", conflicts_with = "resume")]
    pub checkpoint: Option<PathBuf>,
    /// Continue an interrupted scan from its checkpoint: read only what is missing.
    #[arg(long, value_name = "FILE")]
    pub resume: Option<PathBuf>,
}

impl ScanArgs {
    pub fn apply_config(&mut self, m: &clap::ArgMatches, c: &Config) {
        self.conn.apply_config(m, c);
        let s = &c.scan;
        let save = s.save_inventory.as_deref().map(|p| c.resolve(p));
        overlay!(m, self.save_inventory?, &save);
        overlay!(m, self.stats, &s.stats);
        overlay!(m, self.security_hub, &s.security_hub);
        self.org.apply_config(m, c);
        self.report.apply_config(m, c);
        self.history.apply_config(m, c);
    }
}

impl OrgArgs {
    /// Takes the `[scan]` organization keys of the config file where the
    /// command line left them unset.
    pub fn apply_config(&mut self, m: &clap::ArgMatches, c: &Config) {
        let s = &c.scan;
        overlay!(m, self.org, &s.org);
        overlay!(m, self.org_role, &s.org_role);
        overlay!(m, self.accounts, &s.accounts);
        overlay!(m, self.exclude_accounts, &s.exclude_accounts);
        overlay!(m, self.account_concurrency, &s.account_concurrency);
        overlay!(m, self.timeout?, &s.timeout);
    }
}

/// The scan options of `scan` and `cost`: connection, organization, bounds,
/// checkpoint.
fn scan_options(
    conn: &ConnArgs,
    o: &OrgArgs,
    settings: &flowaudit_core::Settings,
) -> Result<(ScanOptions, PathBuf, bool)> {
    let mut opts = conn.options(settings)?;
    if o.org {
        for id in o.accounts.iter().chain(&o.exclude_accounts) {
            if id.len() != 12 || !id.chars().all(|c| c.is_ascii_digit()) {
                bail!("--accounts / --exclude-accounts: `{id}` is not a 12-digit account id");
            }
        }
        opts.org = Some(flowaudit_aws::OrgOptions {
            role_name: o.org_role.clone(),
            external_id: opts.external_id.take(),
            accounts: o.accounts.clone(),
            exclude: o.exclude_accounts.clone(),
        });
    } else if opts.external_id.is_some() && opts.role_arn.is_none() {
        bail!("--external-id needs --role-arn (or --org)");
    }
    opts.account_concurrency = usize::from(o.account_concurrency);
    opts.timeout = o.timeout.map(Duration::from_secs);
    opts.stop_after =
        match std::env::var("FLOWAUDIT_SCAN_STOP_AFTER") {
            Ok(v) => Some(v.parse().with_context(|| {
                format!("FLOWAUDIT_SCAN_STOP_AFTER must be a number, not `{v}`")
            })?),
            Err(_) => None,
        };
    let (path, temporary) = match (&o.resume, &o.checkpoint) {
        (Some(path), _) => {
            if !path.is_file() {
                bail!("--resume: {} does not exist", path.display());
            }
            opts.resume = true;
            (path.clone(), false)
        }
        (None, Some(path)) => (path.clone(), false),
        (None, None) => (default_checkpoint()?, true),
    };
    opts.checkpoint = Some(path.clone());
    Ok((opts, path, temporary))
}

/// `$XDG_DATA_HOME/flowaudit/checkpoints/scan-<time>-<pid>.jsonl` (or under
/// `~/.local/share`).
fn default_checkpoint() -> Result<PathBuf> {
    let dir = crate::history::data_dir()
        .context("cannot find a data directory for the checkpoint (set HOME or XDG_DATA_HOME, or pass --checkpoint)")?;
    Ok(dir.join("checkpoints").join(format!(
        "scan-{}-{}.jsonl",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
        std::process::id()
    )))
}

/// A scan with its checkpoint, progress bar and Ctrl-C handling (`scan`, and
/// `cost` with `volume_days`); `Ok(None)` when interrupted, after saying how to
/// resume. Refuses an inventory in which no region could be read.
pub fn collect(
    command: &str,
    conn: &ConnArgs,
    org: &OrgArgs,
    settings: &flowaudit_core::Settings,
    volume_days: Option<u32>,
) -> Result<Option<(flowaudit_aws::ScanOutcome, tokio::runtime::Runtime)>> {
    let (mut opts, checkpoint, temporary) = scan_options(conn, org, settings)?;
    opts.volume_days = volume_days;
    let progress = Bar::new(!crate::log::quiet() && std::io::stderr().is_terminal());
    let runtime = runtime()?;
    let outcome = runtime.block_on(async {
        tokio::select! {
            outcome = flowaudit_aws::scan(opts, &progress) => Some(outcome),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    progress.finish();
    let resume_hint = || {
        format!(
            "what was read is in {0}; continue with: flowaudit {command} --resume {0} (and the same options)",
            checkpoint.display()
        )
    };
    let outcome = match outcome {
        Some(Ok(outcome)) => outcome,
        Some(Err(e @ flowaudit_aws::ScanError::Stopped { .. })) => {
            bail!("{e}\n{}", resume_hint())
        }
        Some(Err(e)) => {
            if temporary {
                let _ = std::fs::remove_file(&checkpoint);
            }
            return Err(e.into());
        }
        None => {
            eprintln!("interrupted\n{}", resume_hint());
            return Ok(None);
        }
    };
    if temporary {
        let _ = std::fs::remove_file(&checkpoint);
    }
    flowaudit_aws::collect::ensure_readable(&outcome.inventory)?;
    Ok(Some((outcome, runtime)))
}

pub fn run(args: ScanArgs) -> Result<ExitCode> {
    let settings = args.report.settings();
    let volume_days = args.cost.cost.then_some(crate::pricing::REPORT_DAYS);
    let Some((outcome, runtime)) = collect("scan", &args.conn, &args.org, &settings, volume_days)?
    else {
        return Ok(ExitCode::from(130));
    };
    if let Some(path) = &args.save_inventory {
        let text = serde_json::to_string_pretty(&outcome.inventory)
            .context("could not serialise the inventory")?;
        output::write_file(path, &(text + "\n"))?;
    }
    let mut report = args.report.eval.report(&outcome.inventory, &Source::Scan)?;
    if args.cost.cost {
        crate::pricing::attach(
            &mut report,
            &outcome.inventory,
            args.cost.prices.as_deref(),
            &args.report.eval.settings_for(&outcome.inventory)?,
        )?;
    }
    if args.stats {
        report.stats = Some(RunStats::Api(outcome.stats.clone()));
    }
    let code = output::emit(&report, &args.report)?;
    args.history.record("scan", &report)?;
    if args.security_hub {
        let findings = flowaudit_core::present::asff::findings(&report);
        let done = runtime.block_on(flowaudit_aws::securityhub::import(
            &outcome.session,
            &findings,
        ));
        security_hub_outcome(&done, findings.len())?;
    }
    Ok(code)
}

/// Says what the import did; rejected findings or failed batches are an error.
fn security_hub_outcome(
    done: &flowaudit_aws::securityhub::ImportOutcome,
    total: usize,
) -> Result<()> {
    if !crate::log::quiet() {
        eprintln!(
            "Security Hub: imported {} of {total} findings in {} BatchImportFindings call(s)",
            done.imported, done.calls
        );
    }
    let problems = done.problems();
    if problems.is_empty() {
        return Ok(());
    }
    // One line each (escaped: they quote AWS), then the error.
    let shown = problems.len().min(20);
    for line in &problems[..shown] {
        eprintln!("  {}", show(line));
    }
    if problems.len() > shown {
        eprintln!("  … and {} more", problems.len() - shown);
    }
    bail!(
        "Security Hub did not import {} of {total} finding(s) (listed above)",
        total - done.imported
    )
}

/// The async runtime the AWS side runs on.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")
}

/// Whether `r` is shaped like a region name (`eu-west-1`).
pub fn valid_region(r: &str) -> bool {
    !r.is_empty()
        && r.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && r.contains('-')
}

/// A progress bar on stderr, or nothing.
pub struct Bar(Option<ProgressBar>);

impl Bar {
    pub fn new(enabled: bool) -> Self {
        if !enabled {
            return Bar(None);
        }
        let bar = ProgressBar::new_spinner();
        bar.set_message("identifying account");
        bar.enable_steady_tick(Duration::from_millis(120));
        Bar(Some(bar))
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn regions_known(&self, count: usize) {
        tracing::info!("reading {count} region(s)");
        if let Some(bar) = &self.0 {
            bar.set_length(count as u64);
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} reading regions {bar:30} {pos}/{len} {msg}")
            {
                bar.set_style(style);
            }
            bar.set_message("");
        }
    }

    fn region_done(&self, region: &str, error: Option<&str>) {
        match error {
            Some(e) => tracing::warn!("{region}: could not be read: {e}"),
            None => tracing::info!("{region}: read"),
        }
        if let Some(bar) = &self.0 {
            bar.inc(1);
            match error {
                Some(_) => bar.set_message(format!("{region} failed")),
                None => bar.set_message(region.to_string()),
            }
        }
    }

    fn phase(&self, message: &str) {
        tracing::debug!("{message}");
        if let Some(bar) = &self.0 {
            bar.set_message(message.to_string());
        }
    }
}
