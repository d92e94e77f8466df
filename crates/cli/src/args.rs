//! Command-line arguments.

use std::path::PathBuf;

use clap::{ArgMatches, Args, ValueEnum};
use flowaudit_aws::ScanOptions;
use flowaudit_core::exceptions::Exception;
use flowaudit_core::priority::PriorityOptions;
use flowaudit_core::remediation::{NewDestination, RemediationOptions};
use flowaudit_core::{build_report_with, Custom, Report, Source};
use flowaudit_core::{RequiredTrafficType, Settings};
use flowaudit_flowlogs::detect::Thresholds;

use crate::config::{overlay, Config};
use crate::values::{
    ColorArg, FixDestinationArg, FixTrafficArg, FormatArg, OutputSpec, ReportFormat, SeverityArg,
    TrafficArg,
};

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
    /// Directory to write conformance-pack.yaml, scp.json and detective.yaml
    /// into (created if missing).
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
    pub history: HistoryArgs,
    #[command(flatten)]
    pub cost: CostOpts,
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
    pub aws: AwsArgs,
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
    #[arg(long, default_value_t = Thresholds::default().scan_ports as u32, value_name = "N", value_parser = clap::value_parser!(u32).range(crate::limits::SCAN_PORTS))]
    pub scan_ports: u32,
    /// Host sweep: distinct hosts reached by one source on one port.
    #[arg(long, default_value_t = Thresholds::default().sweep_hosts as u32, value_name = "N", value_parser = clap::value_parser!(u32).range(crate::limits::SWEEP_HOSTS))]
    pub sweep_hosts: u32,
    /// Exfiltration: MiB sent by one internal host to public addresses in one hour.
    #[arg(long, default_value_t = Thresholds::default().exfil_bytes_per_hour >> 20, value_name = "MIB", value_parser = clap::value_parser!(u64).range(crate::limits::EXFIL_MIB_PER_HOUR))]
    pub exfil_mib_per_hour: u64,
    /// Lateral movement: the first hours of the data are the baseline; internal
    /// remote-access pairs first seen after it are reported.
    #[arg(long, default_value_t = Thresholds::default().lateral_baseline_hours, value_name = "HOURS", value_parser = clap::value_parser!(u32).range(crate::limits::LATERAL_BASELINE_HOURS))]
    pub lateral_baseline_hours: u32,
    /// An interface whose records stop at least this many hours before the
    /// newest record (and well past its own pace) is reported as silent.
    #[arg(long, default_value_t = Thresholds::default().silent_hours, value_name = "HOURS", value_parser = clap::value_parser!(u32).range(crate::limits::SILENT_HOURS))]
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
    pub top_rejected: Option<u32>,
    pub hotspot_min_rejected: Option<u64>,
}

impl AnalyzeArgs {
    /// Takes `[analyze]` and `[report]` of the config file where the command line
    /// left them unset.
    pub fn apply_config(&mut self, m: &ArgMatches, c: &Config) {
        let a = &c.analyze;
        overlay!(m, self.format_fields?, &a.format_fields);
        overlay!(m, self.threads?, &a.threads);
        overlay!(m, self.scan_ports, &a.scan_ports);
        overlay!(m, self.sweep_hosts, &a.sweep_hosts);
        overlay!(m, self.exfil_mib_per_hour, &a.exfil_mib_per_hour);
        overlay!(m, self.lateral_baseline_hours, &a.lateral_baseline_hours);
        overlay!(m, self.silent_hours, &a.silent_hours);
        overlay!(m, self.gap_hours, &a.gap_hours);
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
            scan_ports: self.scan_ports as usize,
            scan_reject_share: m.scan_reject_share.unwrap_or(d.scan_reject_share),
            sweep_hosts: self.sweep_hosts as usize,
            exfil_bytes_per_hour: self.exfil_mib_per_hour.saturating_mul(1 << 20),
            exposed_ports: m.exposed_ports.unwrap_or(d.exposed_ports),
            lateral_ports: m.lateral_ports.unwrap_or(d.lateral_ports),
            lateral_baseline_hours: self.lateral_baseline_hours,
            silent_hours: self.silent_hours,
            gap_hours: self.gap_hours,
            top_rejected: m.top_rejected.map_or(d.top_rejected, |n| n as usize),
            hotspot_min_rejected: m.hotspot_min_rejected.unwrap_or(d.hotspot_min_rejected),
        }
    }
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Also write the sample inventory to FILE (a worked example of the format).
    #[arg(long, value_name = "FILE")]
    pub save_inventory: Option<PathBuf>,
    /// Prices for the demo's cost section over the built-in ones.
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct CatalogArgs {
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// Also list the custom controls of every *.toml file in DIR (repeatable).
    #[arg(long, value_name = "DIR")]
    pub controls: Vec<PathBuf>,
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
    #[arg(long, default_value_t = Settings::default().min_retention_days, value_name = "N", value_parser = clap::value_parser!(u32).range(crate::limits::MIN_RETENTION_DAYS))]
    pub min_retention_days: u32,
    /// flow-log-recent-delivery fails when nothing arrived within N hours.
    #[arg(long, default_value_t = Settings::default().max_delivery_age_hours, value_name = "N", value_parser = clap::value_parser!(u32).range(crate::limits::MAX_DELIVERY_AGE_HOURS))]
    pub max_delivery_age_hours: u32,
    /// flow-log-recent-delivery skips flow logs younger than N minutes.
    #[arg(long, default_value_t = Settings::default().delivery_grace_minutes, value_name = "N", value_parser = clap::value_parser!(u32).range(crate::limits::DELIVERY_GRACE_MINUTES))]
    pub delivery_grace_minutes: u32,
    /// Record fields every flow log's format must have beyond the default format
    /// (flow-log-record-fields), comma-separated, e.g. pkt-srcaddr,flow-direction.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = flowaudit_core::fields::field_option)]
    pub required_fields: Vec<String>,
    /// flow-log-destination-encrypted accepts buckets encrypted with SSE-S3 (AES256),
    /// not only SSE-KMS.
    #[arg(long)]
    pub accept_sse_s3: bool,
    /// Where every VPC's flow log must deliver (flow-log-approved-destination),
    /// comma-separated: S3 ARNs (arn:aws:s3:::bucket[/prefix]), log-group names or
    /// patterns (/aws/vpc-flow-logs/*), or log-group and Firehose ARNs.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = flowaudit_core::checks::approved_destination::pattern_option)]
    pub approved_destinations: Vec<String>,
    /// Also run the custom controls of every *.toml file in DIR (repeatable;
    /// `[[control]]` entries, see the README).
    #[arg(long, value_name = "DIR")]
    pub controls: Vec<PathBuf>,
    #[command(flatten)]
    pub fix: FixArgs,
    /// From the config file's `[priority]`.
    #[arg(skip)]
    pub priority: PriorityOptions,
    /// From the config file's `[[exception]]` entries.
    #[arg(skip)]
    pub exceptions: Vec<Exception>,
    /// Where each exception's `check` key is in the config file.
    #[arg(skip)]
    pub exception_check_at: Vec<String>,
    /// From the config file's `[[control]]` entries.
    #[arg(skip)]
    pub config_controls: Vec<flowaudit_query::Control>,
}

/// What remediation plans create.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Remediation plans")]
pub struct FixArgs {
    /// Where new flow logs deliver: a log group per VPC, the bucket of
    /// --fix-bucket-arn, or the cheaper of the two for this inventory (cheapest).
    #[arg(long, value_enum, default_value_t = FixDestinationArg::CloudwatchLogs)]
    pub fix_destination: FixDestinationArg,
    /// Bucket for new flow logs with --fix-destination s3 or cheapest
    /// (arn:aws:s3:::bucket[/prefix]).
    #[arg(long, value_name = "ARN", required_if_eq_any([("fix_destination", "s3"), ("fix_destination", "cheapest")]), value_parser = flowaudit_core::remediation::validate::bucket_arn_option)]
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
    #[arg(long, default_value_t = RemediationOptions::default().retention_days, value_name = "N", value_parser = clap::value_parser!(u32).range(crate::limits::FIX_RETENTION_DAYS))]
    pub fix_retention_days: u32,
    /// Name of the delivery role plans create or reuse.
    #[arg(long, default_value_t = RemediationOptions::default().role_name, value_name = "NAME", value_parser = flowaudit_core::remediation::validate::role_name_option)]
    pub fix_role_name: String,
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
    /// Refuses an S3 (or cheapest) destination without a bucket: the command
    /// line requires one, but the config file can name `destination` without
    /// `bucket_arn`, and plans must not fall back to log groups unsaid.
    pub fn check_fix_destination(&self) -> anyhow::Result<()> {
        let name = match self.fix.fix_destination {
            FixDestinationArg::S3 => "s3",
            FixDestinationArg::Cheapest => "cheapest",
            FixDestinationArg::CloudwatchLogs => return Ok(()),
        };
        if self.fix.fix_bucket_arn.is_none() {
            anyhow::bail!("--fix-destination {name} (or `destination = \"{name}\"` in [remediation]) needs --fix-bucket-arn (or `bucket_arn` in [remediation]): the bucket the new flow logs deliver to");
        }
        Ok(())
    }

    /// [`EvalArgs::settings`] with `--fix-destination cheapest` decided for
    /// this inventory (said on standard error).
    pub fn settings_for(&self, inventory: &flowaudit_core::Inventory) -> anyhow::Result<Settings> {
        self.check_fix_destination()?;
        let mut settings = self.settings();
        if self.fix.fix_destination != FixDestinationArg::Cheapest {
            return Ok(settings);
        }
        let Some(bucket) = self.fix.fix_bucket_arn.as_deref() else {
            anyhow::bail!("--fix-destination cheapest needs --fix-bucket-arn (the bucket the S3 options deliver to)");
        };
        let prices = flowaudit_core::cost::Prices::built_in().map_err(anyhow::Error::msg)?;
        let choice = flowaudit_core::cost::cheapest::choose(
            inventory,
            &prices,
            &settings,
            bucket,
            self.fix.fix_hourly_partitions,
        );
        if !crate::log::quiet() {
            let compared: Vec<String> = choice
                .totals
                .iter()
                .map(|(label, total)| format!("{label} {} {total:.2}", prices.currency))
                .collect();
            eprintln!(
                "--fix-destination cheapest: {} for the {} VPC(s) the plan logs ({} a month; prices of {})",
                match &choice.destination {
                    flowaudit_core::remediation::NewDestination::CloudWatchLogs => "a log group per VPC".to_string(),
                    flowaudit_core::remediation::NewDestination::S3 { parquet: true, .. } => format!("{bucket}, Parquet"),
                    flowaudit_core::remediation::NewDestination::S3 { .. } => bucket.to_string(),
                },
                choice.vpcs,
                if compared.is_empty() { "nothing to create".to_string() } else { compared.join(", ") },
                prices.date
            );
        }
        settings.remediation.destination = choice.destination;
        Ok(settings)
    }

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
            required_fields: self.required_fields.clone(),
            accept_sse_s3: self.accept_sse_s3,
            approved_destinations: self.approved_destinations.clone(),
            remediation: self.fix.options(),
            priority: self.priority.clone(),
        }
    }

    /// Every custom control (the config file's, then each directory's), with
    /// the exceptions checked against them.
    pub fn custom_controls(&self) -> anyhow::Result<Vec<flowaudit_query::Control>> {
        let controls = crate::controls::gather(&self.config_controls, &self.controls)?;
        crate::controls::check_exceptions(&self.exceptions, &self.exception_check_at, &controls)?;
        Ok(controls)
    }

    /// Evaluates `inventory` with these settings, the custom controls and the
    /// configured exceptions.
    pub fn report(
        &self,
        inventory: &flowaudit_core::Inventory,
        source: &Source,
    ) -> anyhow::Result<Report> {
        let settings = self.settings_for(inventory)?;
        let controls = self.custom_controls()?;
        let custom = if controls.is_empty() {
            Custom::default()
        } else {
            let db = flowaudit_query::Database::new(inventory)?;
            Custom {
                results: flowaudit_query::control::run(&controls, &db, inventory, &settings)?,
                controls: controls.into_iter().map(|c| c.info).collect(),
            }
        };
        Ok(build_report_with(
            inventory,
            &settings,
            source,
            &self.exceptions,
            custom,
        ))
    }

    /// Takes the `[checks]`, `[remediation]`, `[priority]` and `[[exception]]`
    /// parts of the config file where the command line left them unset.
    pub fn apply_config(&mut self, m: &ArgMatches, c: &Config) {
        let k = &c.checks;
        overlay!(m, self.skip_default_vpcs, &k.skip_default_vpcs);
        overlay!(m, self.skip_unused_vpcs, &k.skip_unused_vpcs);
        overlay!(m, self.required_traffic_type, &k.required_traffic_type);
        overlay!(m, self.min_retention_days, &k.min_retention_days);
        overlay!(m, self.max_delivery_age_hours, &k.max_delivery_age_hours);
        overlay!(m, self.delivery_grace_minutes, &k.delivery_grace_minutes);
        overlay!(m, self.required_fields, &k.required_fields);
        overlay!(m, self.accept_sse_s3, &k.accept_sse_s3);
        overlay!(m, self.approved_destinations, &k.approved_destinations);
        let dirs = k
            .controls
            .as_ref()
            .map(|list| list.iter().map(|p| c.resolve(p)).collect::<Vec<_>>());
        overlay!(m, self.controls, &dirs);
        let r = &c.remediation;
        let f = &mut self.fix;
        overlay!(m, f.fix_destination, &r.destination);
        overlay!(m, f.fix_bucket_arn?, &r.bucket_arn);
        overlay!(m, f.fix_parquet, &r.parquet);
        overlay!(m, f.fix_hourly_partitions, &r.hourly_partitions);
        overlay!(m, f.fix_traffic_type, &r.traffic_type);
        overlay!(m, f.fix_retention_days, &r.retention_days);
        overlay!(m, f.fix_role_name, &r.role_name);
        if let Some(keys) = &c.priority.production_tag_keys {
            self.priority.production_tag_keys.clone_from(keys);
        }
        if let Some(values) = &c.priority.production_tag_values {
            self.priority.production_tag_values.clone_from(values);
        }
        self.exceptions.clone_from(&c.checked_exceptions);
        self.exception_check_at.clone_from(&c.exception_check_at);
        self.config_controls.clone_from(&c.checked_controls);
    }
}

impl ReportArgs {
    /// Takes the `[report]` section and the evaluation sections of the config file.
    pub fn apply_config(&mut self, m: &ArgMatches, c: &Config) {
        let r = &c.report;
        overlay!(m, self.format, &r.format);
        let outputs = r.output.as_ref().map(|list| {
            list.iter()
                .map(|o| OutputSpec {
                    format: o.format,
                    path: c.resolve(&o.path),
                })
                .collect::<Vec<_>>()
        });
        overlay!(m, self.output, &outputs);
        overlay!(m, self.fail_on, &r.fail_on);
        overlay!(m, self.color, &r.color);
        self.eval.apply_config(m, c);
    }
}

/// How to reach AWS: credentials, endpoints, timeouts, retries.
#[derive(Debug, Clone, Args)]
pub struct AwsArgs {
    /// Named profile from the shared AWS config and credentials files.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Assume this IAM role first.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// External id for --role-arn (with `scan --org`: for the role in each member).
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// Send every AWS call to this endpoint (a local emulator such as moto).
    /// AWS_ENDPOINT_URL works too.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Override the endpoint of one region, as REGION=URL; may be repeated.
    #[arg(long, value_name = "REGION=URL", value_parser = parse_region_endpoint)]
    pub endpoint_url_region: Vec<(String, String)>,
    /// Timeout of one attempt of one AWS call, in seconds.
    #[arg(long, default_value_t = ScanOptions::default().call_timeout.as_secs(), value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(crate::limits::CALL_TIMEOUT))]
    pub call_timeout: u64,
    /// Attempts per AWS call, first included (throttling and transient errors are
    /// retried with backoff).
    #[arg(long, default_value_t = ScanOptions::default().max_attempts, value_name = "N", value_parser = clap::value_parser!(u32).range(crate::limits::MAX_ATTEMPTS))]
    pub max_attempts: u32,
}

/// How to reach AWS, and which regions to read how fast.
#[derive(Debug, Clone, Args)]
pub struct ConnArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Regions to scan: a comma-separated list, or `all` for every region enabled
    /// for the account (the default).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        visible_alias = "region"
    )]
    pub regions: Vec<String>,
    /// Regions read at once.
    #[arg(long, default_value_t = ScanOptions::default().concurrency as u16, value_name = "N", value_parser = clap::value_parser!(u16).range(crate::limits::CONCURRENCY))]
    pub concurrency: u16,
    /// Page size of list calls (default: each service's maximum). Small values are
    /// for testing pagination.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i32).range(crate::limits::PAGE_SIZE))]
    pub page_size: Option<i32>,
}

pub fn parse_region_endpoint(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((region, url)) if !region.is_empty() && !url.is_empty() => {
            Ok((region.to_string(), url.to_string()))
        }
        _ => Err(format!("expected REGION=URL, got `{s}`")),
    }
}

/// `--cost` (and `--prices`) of `scan` and `check`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Cost")]
pub struct CostOpts {
    /// Add what flow logging costs per VPC to the report (as `flowaudit cost`;
    /// `scan` first measures what the flow logs delivered in the last 30 days).
    #[arg(long)]
    pub cost: bool,
    /// Prices over the built-in ones (`flowaudit cost --show-prices` prints them).
    #[arg(long, value_name = "FILE", requires = "cost")]
    pub prices: Option<PathBuf>,
}

/// Where runs are recorded.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "History")]
pub struct HistoryArgs {
    /// History database (SQLite); default: flowaudit/history.db under the user's
    /// data directory ($XDG_DATA_HOME or ~/.local/share).
    #[arg(long, value_name = "FILE", env = "FLOWAUDIT_DB")]
    pub db: Option<PathBuf>,
    /// Do not record this run in the history.
    #[arg(long, env = "FLOWAUDIT_NO_HISTORY", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_history: bool,
}
