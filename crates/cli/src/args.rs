//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use flowaudit_core::{RequiredTrafficType, Settings, Severity};

/// Audit, explain and fix VPC flow logging (CIS AWS Foundations 3.7) across AWS
/// accounts and regions.
#[derive(Debug, Parser)]
#[command(name = "flowaudit", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 no failing result at or above --fail-on, 1 failing or ERROR results, 2 the run itself failed.\nStart with `flowaudit demo` to see a full report without an AWS account."
)]
pub struct Cli {
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
    /// Print the read-only IAM policy that `scan` needs, as JSON.
    Permissions,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The inventory file (`flowaudit.inventory/v1` JSON); `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    pub inventory: PathBuf,
    #[command(flatten)]
    pub report: ReportArgs,
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Human-readable text.
    Table,
    /// Machine-readable JSON.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrafficArg {
    /// REJECT or ALL is enough.
    Reject,
    /// Only ALL passes.
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
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

/// Options shared by every command that evaluates and reports.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a FAIL result has at least this severity (ERROR results always do).
    #[arg(long, value_enum, default_value_t = SeverityArg::Low, value_name = "SEVERITY")]
    pub fail_on: SeverityArg,
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
    #[arg(long, default_value_t = 365, value_name = "N")]
    pub min_retention_days: u32,
    /// flow-log-recent-delivery fails when nothing arrived within N hours.
    #[arg(long, default_value_t = 24, value_name = "N")]
    pub max_delivery_age_hours: u32,
    /// flow-log-recent-delivery skips flow logs younger than N minutes.
    #[arg(long, default_value_t = 60, value_name = "N")]
    pub delivery_grace_minutes: u32,
    /// Colour in the table: auto (a terminal without NO_COLOR), always or never.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

impl ReportArgs {
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
        }
    }
}
