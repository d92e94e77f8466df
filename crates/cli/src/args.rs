//! Command-line arguments.

use std::path::PathBuf;

use clap::{ArgMatches, Args, Parser, Subcommand, ValueEnum};
use flowaudit_core::exceptions::Exception;
use flowaudit_core::model::TrafficType;
use flowaudit_core::priority::PriorityOptions;
use flowaudit_core::remediation::{NewDestination, RemediationOptions};
use flowaudit_core::{build_report_with, Report, Source};
use flowaudit_core::{RequiredTrafficType, Settings, Severity};
use flowaudit_flowlogs::detect::Thresholds;
use serde::Deserialize;

use crate::config::{set, set_opt, Config};

/// Audit, explain and fix VPC flow logging (CIS AWS Foundations 3.7) across AWS
/// accounts and regions.
#[derive(Debug, Parser)]
#[command(name = "flowaudit", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 no failing result at or above --fail-on, 1 failing or ERROR results, 2 the run itself failed.\nStart with `flowaudit demo` to see a full report without an AWS account."
)]
pub struct Cli {
    /// Settings file (default: flowaudit.toml in the working directory, if present).
    #[arg(long, global = true, value_name = "FILE", env = "FLOWAUDIT_CONFIG")]
    pub config: Option<PathBuf>,
    /// Ignore flowaudit.toml.
    #[arg(long, global = true, conflicts_with = "config")]
    pub no_config: bool,
    /// More log detail on standard error (-v info, -vv debug, -vvv trace).
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on standard error: no progress bar, no warnings.
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan AWS: collect the inventory from every enabled region and evaluate it.
    Scan(Box<crate::scan::ScanArgs>),
    /// Evaluate a saved inventory file (from `scan --save-inventory`).
    Check(CheckArgs),
    /// Evaluate a realistic sample inventory built into the binary (no AWS needed).
    Demo(DemoArgs),
    /// List the checks.
    Checks(CatalogArgs),
    /// Explain one check: why it matters, what passes and fails, compliance, remediation.
    Explain(ExplainArgs),
    /// Fix failures in AWS: scan, show the plan, and with --apply make the changes,
    /// journaled so that `rollback` can undo them.
    Fix(Box<crate::fix::FixCmdArgs>),
    /// Undo exactly what a `fix --apply` journal records, in reverse order.
    Rollback(Box<crate::fix::RollbackArgs>),
    /// Export the remediation plans of an inventory as one bash script, Terraform
    /// file or CloudFormation template.
    Remediation(RemediationArgs),
    /// Write service-wide guardrails: an AWS Config conformance pack and a service
    /// control policy.
    Guardrails(GuardrailsArgs),
    /// Print the read-only IAM policy that `scan` needs, as JSON.
    Permissions(PermissionsArgs),
    /// Check Terraform (HCL, .tf.json, plan JSON) and CloudFormation (YAML, JSON,
    /// CDK output) before deployment: every VPC declared gets its flow logging
    /// checked, with the file, line and column of each result.
    Iac(IacArgs),
    /// Read VPC flow logs (local files and folders, s3:// prefixes, CloudWatch
    /// Logs groups; text, gzip, Parquet, CloudWatch JSON) and report port scans,
    /// host sweeps, exposed admin ports, lateral movement, possible
    /// exfiltration, rejected-traffic hot spots and logging health; optionally
    /// suggest least-privilege security-group rules or print the same questions
    /// as Athena SQL.
    Analyze(Box<AnalyzeArgs>),
    /// List the runs recorded in the history, newest first, with their counts.
    History(crate::history::HistoryCmdArgs),
    /// Compare two runs (default: the last two of the same scope) or two JSON
    /// reports: newly failing, fixed, still failing, newly excepted.
    Diff(crate::history::DiffArgs),
}

#[derive(Debug, Args)]
pub struct RemediationArgs {
    /// The inventory (`scan --save-inventory`); `-` reads standard input.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "demo",
        conflicts_with = "demo"
    )]
    pub inventory: Option<PathBuf>,
    /// Use the built-in sample inventory.
    #[arg(long)]
    pub demo: bool,
    /// Export format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Sh)]
    pub format: ExportFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only plans for this check (repeatable).
    #[arg(long = "check", value_name = "ID")]
    pub checks: Vec<String>,
    /// Only plans in this region (repeatable).
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// Only plans for this VPC (repeatable).
    #[arg(long = "vpc", value_name = "VPC_ID")]
    pub vpcs: Vec<String>,
    #[command(flatten)]
    pub eval: EvalArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One reviewed bash script (set -euo pipefail, idempotent).
    Sh,
    /// One Terraform configuration.
    Terraform,
    /// One CloudFormation template (JSON), deployable in each region concerned.
    Cloudformation,
    /// The plans as JSON.
    Json,
}

#[derive(Debug, Args)]
pub struct PermissionsArgs {
    /// Add what `fix --apply` and `rollback` need (writes).
    #[arg(long)]
    pub fix: bool,
    /// Add what `scan --security-hub` needs (securityhub:BatchImportFindings).
    #[arg(long)]
    pub security_hub: bool,
    /// Add what `analyze` needs to read flow logs from S3 and CloudWatch Logs.
    #[arg(long)]
    pub analyze: bool,
    /// Add what the scanning principal of `scan --org` needs
    /// (organizations:ListAccounts, sts:AssumeRole on this role in every account);
    /// the role in each member needs the read-only policy itself.
    #[arg(long, value_name = "ROLE_NAME", num_args = 0..=1, default_missing_value = "OrganizationAccountAccessRole")]
    pub org: Option<String>,
}

#[derive(Debug, Args)]
pub struct GuardrailsArgs {
    /// Directory to write conformance-pack.yaml and scp.json into (created if missing).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output: PathBuf,
    /// Traffic type the VPC_FLOW_LOGS_ENABLED rule requires.
    #[arg(long, value_enum, default_value_t = FixTrafficArg::All)]
    pub traffic_type: FixTrafficArg,
    /// Minimum retention the CW_LOGGROUP_RETENTION_PERIOD_CHECK rule requires.
    #[arg(long, default_value_t = 365, value_name = "N")]
    pub retention_days: u32,
    /// Role exempted from the SCP's deny (break glass).
    #[arg(long, default_value = "BreakGlassAdmin", value_name = "NAME")]
    pub break_glass_role: String,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The inventory file (`flowaudit.inventory/v1` JSON); `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    pub inventory: PathBuf,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub history: crate::history::HistoryArgs,
}

#[derive(Debug, Args)]
pub struct IacArgs {
    /// Files or directories (searched recursively; hidden directories skipped).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Flow-log files or folders (recursively): S3 deliveries (`.log.gz` with a
    /// header line), plain text, CloudWatch Logs exports and JSON payloads; or
    /// `s3://bucket/prefix` to read the objects there through the AWS SDK.
    #[arg(required_unless_present_any = ["athena", "log_group"], value_name = "PATH|S3_URL")]
    pub paths: Vec<PathBuf>,
    /// Read the events of this CloudWatch Logs group (the flow log's format is
    /// looked up with DescribeFlowLogs); may be repeated.
    #[arg(long, value_name = "NAME")]
    pub log_group: Vec<String>,
    /// Read from this time on: RFC 3339 (2026-11-20T06:00:00Z) or a date
    /// (2026-11-20, its start in UTC). S3 objects are chosen by the date in
    /// their key, log-group events by their time.
    #[arg(long, value_name = "TIME", value_parser = parse_time_start)]
    pub start: Option<chrono::DateTime<chrono::Utc>>,
    /// Read up to this time (exclusive): RFC 3339, or a date (that day included).
    #[arg(long, value_name = "TIME", value_parser = parse_time_end)]
    pub end: Option<chrono::DateTime<chrono::Utc>>,
    /// The region of the bucket or log group (default: the bucket's own region,
    /// from GetBucketLocation; for a log group, the configured region).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    #[command(flatten)]
    pub aws: crate::scan::AwsArgs,
    /// Print the Athena table DDL (partition projection on the S3 layout) for
    /// flow logs under this location, and each detection as SQL; read nothing.
    #[arg(long, value_name = "S3_URL", conflicts_with_all = ["paths", "log_group"])]
    pub athena: Option<String>,
    /// Table name for --athena.
    #[arg(
        long,
        default_value = "vpc_flow_logs",
        value_name = "NAME",
        requires = "athena"
    )]
    pub athena_table: String,
    /// The fields of files without a header line, in order (a flow log's
    /// LogFormat, `${version} ${srcaddr} …`, or plain names); default: the
    /// version-2 default format.
    #[arg(long, value_name = "FIELDS")]
    pub format_fields: Option<String>,
    /// Files read at once (default: the number of CPUs).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(crate::limits::THREADS))]
    pub threads: Option<u16>,
    /// Port scan: distinct destination ports from one source to one host.
    #[arg(long, default_value_t = Thresholds::default().scan_ports, value_name = "N")]
    pub scan_ports: usize,
    /// Host sweep: distinct hosts reached by one source on one port.
    #[arg(long, default_value_t = Thresholds::default().sweep_hosts, value_name = "N")]
    pub sweep_hosts: usize,
    /// Exfiltration: MiB sent by one internal host to public addresses in one hour.
    #[arg(long, default_value_t = Thresholds::default().exfil_bytes_per_hour >> 20, value_name = "MIB")]
    pub exfil_mib_per_hour: u64,
    /// Lateral movement: the first hours of the data are the baseline; internal
    /// remote-access pairs first seen after it are reported.
    #[arg(long, default_value_t = Thresholds::default().lateral_baseline_hours, value_name = "HOURS")]
    pub lateral_baseline_hours: u32,
    /// An interface whose records stop at least this many hours before the
    /// newest record (and well past its own pace) is reported as silent.
    #[arg(long, default_value_t = Thresholds::default().silent_hours, value_name = "HOURS")]
    pub silent_hours: u32,
    /// Report this many consecutive clock hours without any record, inside the
    /// span read, as a delivery gap.
    #[arg(long, default_value_t = Thresholds::default().gap_hours, value_name = "HOURS", value_parser = clap::value_parser!(u32).range(crate::limits::GAP_HOURS))]
    pub gap_hours: u32,
    /// Also write least-privilege ingress rules per network interface, from the
    /// accepted inbound traffic, to DIR/security-groups.json and
    /// DIR/security-groups.tf.
    #[arg(long, value_name = "DIR")]
    pub suggest_security_groups: Option<PathBuf>,
    /// Thresholds only the config file sets (`[analyze]`).
    #[arg(skip)]
    pub more: AnalyzeMore,
    #[command(flatten)]
    pub report: ReportArgs,
}

fn parse_time(v: &str, day_end: bool) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    let day = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| format!("`{v}` is neither an RFC 3339 time nor a date (YYYY-MM-DD)"))?;
    let day = if day_end {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    Ok(day.and_time(chrono::NaiveTime::MIN).and_utc())
}

fn parse_time_start(v: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    parse_time(v, false)
}

fn parse_time_end(v: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    parse_time(v, true)
}

/// `[analyze]` keys without a command-line flag.
#[derive(Debug, Default, Clone)]
pub struct AnalyzeMore {
    pub scan_reject_share: Option<f64>,
    pub exposed_ports: Option<Vec<u16>>,
    pub lateral_ports: Option<Vec<u16>>,
    pub top_rejected: Option<usize>,
    pub hotspot_min_rejected: Option<u64>,
}

impl AnalyzeArgs {
    /// Takes `[analyze]` and `[report]` of the config file where the command line
    /// left them unset.
    pub fn apply_config(&mut self, m: &ArgMatches, c: &Config) {
        let a = &c.analyze;
        set_opt(
            m,
            "format_fields",
            &mut self.format_fields,
            &a.format_fields,
        );
        set_opt(m, "threads", &mut self.threads, &a.threads);
        set(m, "scan_ports", &mut self.scan_ports, &a.scan_ports);
        set(m, "sweep_hosts", &mut self.sweep_hosts, &a.sweep_hosts);
        set(
            m,
            "exfil_mib_per_hour",
            &mut self.exfil_mib_per_hour,
            &a.exfil_mib_per_hour,
        );
        set(
            m,
            "lateral_baseline_hours",
            &mut self.lateral_baseline_hours,
            &a.lateral_baseline_hours,
        );
        set(m, "silent_hours", &mut self.silent_hours, &a.silent_hours);
        set(m, "gap_hours", &mut self.gap_hours, &a.gap_hours);
        self.aws.apply_config(m, c);
        self.more = AnalyzeMore {
            scan_reject_share: a.scan_reject_share,
            exposed_ports: a.exposed_ports.clone(),
            lateral_ports: a.lateral_ports.clone(),
            top_rejected: a.top_rejected,
            hotspot_min_rejected: a.hotspot_min_rejected,
        };
        self.report.apply_config(m, c);
    }

    /// The detection thresholds these arguments (and the config file) set.
    pub fn thresholds(&self) -> flowaudit_flowlogs::Thresholds {
        let d = flowaudit_flowlogs::Thresholds::default();
        let m = self.more.clone();
        flowaudit_flowlogs::Thresholds {
            scan_ports: self.scan_ports,
            scan_reject_share: m.scan_reject_share.unwrap_or(d.scan_reject_share),
            sweep_hosts: self.sweep_hosts,
            exfil_bytes_per_hour: self.exfil_mib_per_hour.saturating_mul(1 << 20),
            exposed_ports: m.exposed_ports.unwrap_or(d.exposed_ports),
            lateral_ports: m.lateral_ports.unwrap_or(d.lateral_ports),
            lateral_baseline_hours: self.lateral_baseline_hours,
            silent_hours: self.silent_hours,
            gap_hours: self.gap_hours,
            top_rejected: m.top_rejected.unwrap_or(d.top_rejected),
            hotspot_min_rejected: m.hotspot_min_rejected.unwrap_or(d.hotspot_min_rejected),
        }
    }
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Also write the sample inventory to FILE (a worked example of the format).
    #[arg(long, value_name = "FILE")]
    pub save_inventory: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct CatalogArgs {
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The check id, e.g. vpc-flow-logs-enabled (see `flowaudit checks`).
    pub id: String,
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// Also show the check's FAIL results in this inventory, each with its plan.
    #[arg(long, value_name = "FILE", conflicts_with = "demo")]
    pub inventory: Option<PathBuf>,
    /// Also show the check's FAIL results in the built-in sample, each with its plan.
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub eval: EvalArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FormatArg {
    /// Human-readable text.
    Table,
    /// Machine-readable JSON.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrafficArg {
    /// REJECT or ALL is enough.
    Reject,
    /// Only ALL passes.
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeverityArg {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Self {
        match s {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportFormat {
    /// Human-readable text.
    Table,
    /// The JSON report (flowaudit.report/v1).
    Json,
    /// OCSF 1.5.0 Compliance Finding events (class 2003), a JSON array.
    Ocsf,
    /// AWS Security Finding Format, a JSON array (what BatchImportFindings takes).
    Asff,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// CSV, one row per result.
    Csv,
    /// JUnit XML, a test suite per check.
    Junit,
    /// Markdown, for tickets and pull requests.
    Markdown,
    /// One self-contained HTML page.
    Html,
}

impl ReportFormat {
    pub fn format(self) -> flowaudit_core::present::Format {
        use flowaudit_core::present::Format;
        match self {
            ReportFormat::Table => Format::Table,
            ReportFormat::Json => Format::Json,
            ReportFormat::Ocsf => Format::Ocsf,
            ReportFormat::Asff => Format::Asff,
            ReportFormat::Sarif => Format::Sarif,
            ReportFormat::Csv => Format::Csv,
            ReportFormat::Junit => Format::Junit,
            ReportFormat::Markdown => Format::Markdown,
            ReportFormat::Html => Format::Html,
        }
    }
}

/// Where one report goes: `PATH` (in `--format`) or `FORMAT=PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    pub format: Option<ReportFormat>,
    pub path: PathBuf,
}

impl std::str::FromStr for OutputSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some((name, path)) = s.split_once('=') {
            if let Ok(format) = ReportFormat::from_str(name, true) {
                if path.is_empty() {
                    return Err(format!("`{s}`: no path after `{name}=`"));
                }
                return Ok(OutputSpec {
                    format: Some(format),
                    path: PathBuf::from(path),
                });
            }
        }
        if s.is_empty() {
            return Err("empty path".into());
        }
        Ok(OutputSpec {
            format: None,
            path: PathBuf::from(s),
        })
    }
}

/// Options shared by every command that evaluates and reports.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Format of the report on standard output (and of `-o PATH` without a format).
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Write a report to a file instead of standard output: PATH (in --format) or
    /// FORMAT=PATH, e.g. `-o html=report.html`; repeat for several reports.
    #[arg(long, short = 'o', value_name = "[FORMAT=]PATH")]
    pub output: Vec<OutputSpec>,
    /// Exit 1 when a FAIL result has at least this severity (ERROR results always do).
    #[arg(long, value_enum, default_value_t = SeverityArg::Low, value_name = "SEVERITY")]
    pub fail_on: SeverityArg,
    /// Colour in the table: auto (a terminal without NO_COLOR), always or never.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    #[command(flatten)]
    pub eval: EvalArgs,
}

impl ReportArgs {
    pub fn settings(&self) -> Settings {
        self.eval.settings()
    }
}

/// Options that change how checks evaluate, and what remediation plans create.
#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    /// Report default VPCs as SKIPPED instead of evaluating them.
    #[arg(long)]
    pub skip_default_vpcs: bool,
    /// Report VPCs without network interfaces as SKIPPED.
    #[arg(long)]
    pub skip_unused_vpcs: bool,
    /// What vpc-flow-logs-capture-rejects requires.
    #[arg(long, value_enum, default_value_t = TrafficArg::Reject)]
    pub required_traffic_type: TrafficArg,
    /// Minimum retention of flow-log data, in days.
    #[arg(long, default_value_t = Settings::default().min_retention_days, value_name = "N")]
    pub min_retention_days: u32,
    /// flow-log-recent-delivery fails when nothing arrived within N hours.
    #[arg(long, default_value_t = Settings::default().max_delivery_age_hours, value_name = "N")]
    pub max_delivery_age_hours: u32,
    /// flow-log-recent-delivery skips flow logs younger than N minutes.
    #[arg(long, default_value_t = Settings::default().delivery_grace_minutes, value_name = "N")]
    pub delivery_grace_minutes: u32,
    #[command(flatten)]
    pub fix: FixArgs,
    /// From the config file's `[priority]`.
    #[arg(skip)]
    pub priority: PriorityOptions,
    /// From the config file's `[[exception]]` entries.
    #[arg(skip)]
    pub exceptions: Vec<Exception>,
}

/// What remediation plans create.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Remediation plans")]
pub struct FixArgs {
    /// Where new flow logs deliver: a log group per VPC, or the bucket of --fix-bucket-arn.
    #[arg(long, value_enum, default_value_t = FixDestinationArg::CloudwatchLogs)]
    pub fix_destination: FixDestinationArg,
    /// Bucket for new flow logs with --fix-destination s3 (arn:aws:s3:::bucket[/prefix]).
    #[arg(long, value_name = "ARN", required_if_eq("fix_destination", "s3"))]
    pub fix_bucket_arn: Option<String>,
    /// Write new S3 flow logs as Parquet with Hive-compatible partitions.
    #[arg(long)]
    pub fix_parquet: bool,
    /// Partition new S3 flow logs per hour.
    #[arg(long)]
    pub fix_hourly_partitions: bool,
    /// Traffic type of new flow logs.
    #[arg(long, value_enum, default_value_t = FixTrafficArg::All)]
    pub fix_traffic_type: FixTrafficArg,
    /// Retention of new log groups, in days (rounded up to a value CloudWatch Logs accepts).
    #[arg(long, default_value_t = RemediationOptions::default().retention_days, value_name = "N")]
    pub fix_retention_days: u32,
    /// Name of the delivery role plans create or reuse.
    #[arg(long, default_value_t = RemediationOptions::default().role_name, value_name = "NAME")]
    pub fix_role_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixDestinationArg {
    CloudwatchLogs,
    S3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixTrafficArg {
    Accept,
    Reject,
    All,
}

impl FixTrafficArg {
    pub fn traffic_type(self) -> TrafficType {
        match self {
            FixTrafficArg::Accept => TrafficType::Accept,
            FixTrafficArg::Reject => TrafficType::Reject,
            FixTrafficArg::All => TrafficType::All,
        }
    }
}

impl FixArgs {
    pub fn options(&self) -> RemediationOptions {
        RemediationOptions {
            destination: match (self.fix_destination, &self.fix_bucket_arn) {
                (FixDestinationArg::S3, Some(bucket_arn)) => NewDestination::S3 {
                    bucket_arn: bucket_arn.clone(),
                    parquet: self.fix_parquet,
                    hourly_partitions: self.fix_hourly_partitions,
                },
                _ => NewDestination::CloudWatchLogs,
            },
            traffic_type: self.fix_traffic_type.traffic_type(),
            retention_days: self.fix_retention_days,
            role_name: self.fix_role_name.clone(),
        }
    }
}

impl EvalArgs {
    pub fn settings(&self) -> Settings {
        Settings {
            skip_default_vpcs: self.skip_default_vpcs,
            skip_unused_vpcs: self.skip_unused_vpcs,
            required_traffic_type: match self.required_traffic_type {
                TrafficArg::Reject => RequiredTrafficType::Reject,
                TrafficArg::All => RequiredTrafficType::All,
            },
            min_retention_days: self.min_retention_days,
            max_delivery_age_hours: self.max_delivery_age_hours,
            delivery_grace_minutes: self.delivery_grace_minutes,
            remediation: self.fix.options(),
            priority: self.priority.clone(),
        }
    }

    /// Evaluates `inventory` with these settings and the configured exceptions.
    pub fn report(&self, inventory: &flowaudit_core::Inventory, source: &Source) -> Report {
        build_report_with(inventory, &self.settings(), source, &self.exceptions)
    }

    /// Takes the `[checks]`, `[remediation]`, `[priority]` and `[[exception]]`
    /// parts of the config file where the command line left them unset.
    pub fn apply_config(&mut self, m: &ArgMatches, c: &Config) {
        let k = &c.checks;
        set(
            m,
            "skip_default_vpcs",
            &mut self.skip_default_vpcs,
            &k.skip_default_vpcs,
        );
        set(
            m,
            "skip_unused_vpcs",
            &mut self.skip_unused_vpcs,
            &k.skip_unused_vpcs,
        );
        set(
            m,
            "required_traffic_type",
            &mut self.required_traffic_type,
            &k.required_traffic_type,
        );
        set(
            m,
            "min_retention_days",
            &mut self.min_retention_days,
            &k.min_retention_days,
        );
        set(
            m,
            "max_delivery_age_hours",
            &mut self.max_delivery_age_hours,
            &k.max_delivery_age_hours,
        );
        set(
            m,
            "delivery_grace_minutes",
            &mut self.delivery_grace_minutes,
            &k.delivery_grace_minutes,
        );
        let r = &c.remediation;
        let f = &mut self.fix;
        set(m, "fix_destination", &mut f.fix_destination, &r.destination);
        set_opt(m, "fix_bucket_arn", &mut f.fix_bucket_arn, &r.bucket_arn);
        set(m, "fix_parquet", &mut f.fix_parquet, &r.parquet);
        set(
            m,
            "fix_hourly_partitions",
            &mut f.fix_hourly_partitions,
            &r.hourly_partitions,
        );
        set(
            m,
            "fix_traffic_type",
            &mut f.fix_traffic_type,
            &r.traffic_type,
        );
        set(
            m,
            "fix_retention_days",
            &mut f.fix_retention_days,
            &r.retention_days,
        );
        set(m, "fix_role_name", &mut f.fix_role_name, &r.role_name);
        if let Some(keys) = &c.priority.production_tag_keys {
            self.priority.production_tag_keys.clone_from(keys);
        }
        if let Some(values) = &c.priority.production_tag_values {
            self.priority.production_tag_values.clone_from(values);
        }
        self.exceptions.clone_from(&c.checked_exceptions);
    }
}

impl ReportArgs {
    /// Takes the `[report]` section and the evaluation sections of the config file.
    pub fn apply_config(&mut self, m: &ArgMatches, c: &Config) {
        let r = &c.report;
        set(m, "format", &mut self.format, &r.format);
        let outputs = r.output.as_ref().map(|list| {
            list.iter()
                .map(|o| OutputSpec {
                    format: o.format,
                    path: c.resolve(&o.path),
                })
                .collect::<Vec<_>>()
        });
        set(m, "output", &mut self.output, &outputs);
        set(m, "fail_on", &mut self.fail_on, &r.fail_on);
        set(m, "color", &mut self.color, &r.color);
        self.eval.apply_config(m, c);
    }
}
