//! The values options take (formats, colours, severities, traffic types),
//! shared by the command line and the config file.

use std::path::PathBuf;

use clap::ValueEnum;
use flowaudit_core::model::TrafficType;
use flowaudit_core::Severity;
use serde::Deserialize;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixDestinationArg {
    CloudwatchLogs,
    S3,
    /// Whichever of the two (S3 as text or Parquet) costs least a month for the
    /// VPCs the plan logs, at the built-in prices (`flowaudit cost`).
    Cheapest,
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
