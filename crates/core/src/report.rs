//! The report: one result per check and resource, with evidence, and a summary.
//!
//! Serialised as JSON with `"schema": "flowaudit.report/v1"`; presenters render it.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::settings::Settings;

/// The schema identifier every JSON report carries.
pub const REPORT_SCHEMA: &str = "flowaudit.report/v1";

/// The outcome of one check on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Pass,
    Fail,
    /// A FAIL that an active exception (owner, reason, expiry) covers.
    Excepted,
    Skipped,
    Error,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Pass,
        Status::Fail,
        Status::Excepted,
        Status::Skipped,
        Status::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Excepted => "EXCEPTED",
            Status::Skipped => "SKIPPED",
            Status::Error => "ERROR",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much a failing result matters, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown status `{s}` (expected PASS, FAIL, EXCEPTED, SKIPPED or ERROR)")
            })
    }
}

impl Severity {
    /// 0 for info up to 4 for critical.
    pub fn rank(self) -> u32 {
        self as u32
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown severity `{s}` (expected info, low, medium, high or critical)")
            })
    }
}

/// One control of one compliance framework that a check maps to. The names
/// come from the checks' static metadata and are borrowed, not copied into each
/// of hundreds of thousands of results (a report read back owns them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceRef {
    pub framework: std::borrow::Cow<'static, str>,
    pub control: std::borrow::Cow<'static, str>,
}

/// What kind of resource a result is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ResourceType {
    /// An account that could not be read.
    Account,
    /// A region that could not be read.
    Region,
    Vpc,
    FlowLog,
    /// A template or flow-log file.
    File,
    /// An IP address seen in flow-log records.
    Address,
    NetworkInterface,
    /// A Transit Gateway, or one of its attachments, named by flow-log records.
    TransitGateway,
    TransitGatewayAttachment,
    /// An ECS task named by flow-log records.
    EcsTask,
    /// A span of time (a delivery gap).
    TimeRange,
    /// A kind this version does not know (from a report another version wrote),
    /// kept with its text.
    Other(String),
}

impl ResourceType {
    pub fn as_str(&self) -> &str {
        match self {
            ResourceType::Account => "account",
            ResourceType::Region => "region",
            ResourceType::Vpc => "vpc",
            ResourceType::FlowLog => "flow-log",
            ResourceType::File => "file",
            ResourceType::Address => "address",
            ResourceType::NetworkInterface => "network-interface",
            ResourceType::TransitGateway => "transit-gateway",
            ResourceType::TransitGatewayAttachment => "transit-gateway-attachment",
            ResourceType::EcsTask => "ecs-task",
            ResourceType::TimeRange => "time-range",
            ResourceType::Other(text) => text,
        }
    }
}

impl From<String> for ResourceType {
    fn from(text: String) -> Self {
        match text.as_str() {
            "account" => ResourceType::Account,
            "region" => ResourceType::Region,
            "vpc" => ResourceType::Vpc,
            "flow-log" => ResourceType::FlowLog,
            "file" => ResourceType::File,
            "address" => ResourceType::Address,
            "network-interface" => ResourceType::NetworkInterface,
            "transit-gateway" => ResourceType::TransitGateway,
            "transit-gateway-attachment" => ResourceType::TransitGatewayAttachment,
            "ecs-task" => ResourceType::EcsTask,
            "time-range" => ResourceType::TimeRange,
            _ => ResourceType::Other(text),
        }
    }
}

impl From<ResourceType> for String {
    fn from(t: ResourceType) -> String {
        t.as_str().to_string()
    }
}

impl std::fmt::Display for ResourceType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// The result of one check on one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub check_id: String,
    pub status: Status,
    pub severity: Severity,
    pub account_id: String,
    pub region: crate::region::ResultRegion,
    pub resource_type: ResourceType,
    pub resource_id: String,
    /// The VPC whose flow logging the result concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// The VPC's `Name` tag, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_name: Option<String>,
    pub message: String,
    /// The facts the result was decided on.
    pub evidence: serde_json::Value,
    pub compliance: Vec<ComplianceRef>,
    /// How urgently a FAIL result should be fixed, from the VPC's exposure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<crate::priority::model::Priority>,
    /// The exception that covers this result (`EXCEPTED`), or that covered it
    /// until it expired (`FAIL` with `expired: true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<crate::exceptions::model::ExceptionRef>,
    /// The plan that fixes a FAIL result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<crate::remediation::Plan>,
    /// Where the resource is declared (`flowaudit iac`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<SourceLocation>,
}

/// A place in a source file, 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceLocation {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl CheckResult {
    /// The key that identifies the same finding across runs.
    pub fn key(&self) -> (&str, &str, &str, &str) {
        (
            &self.check_id,
            &self.account_id,
            self.region.as_str(),
            &self.resource_id,
        )
    }
}

/// Counts of results.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub accounts: usize,
    pub regions: usize,
    /// Regions that could not be read.
    pub regions_failed: usize,
    pub vpcs: usize,
    pub results: usize,
    /// Results by status: `PASS`, `FAIL`, `EXCEPTED`, `SKIPPED`, `ERROR` (all five
    /// always present).
    pub by_status: BTreeMap<Status, usize>,
    /// Failing results by severity.
    pub failures_by_severity: BTreeMap<Severity, usize>,
    /// How the configured exceptions fared.
    #[serde(default)]
    pub exceptions: crate::exceptions::model::ExceptionCounts,
    /// Per account: what was read and the results by status.
    #[serde(default)]
    pub by_account: BTreeMap<String, AccountSummary>,
}

/// One account's part of the summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountSummary {
    /// Why the account could not be read at all (a role that could not be assumed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub regions: usize,
    pub regions_failed: usize,
    pub vpcs: usize,
    pub by_status: BTreeMap<Status, usize>,
}

/// The tool that wrote a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

/// What a report covers: runs of the same scope are compared by `flowaudit diff`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportScope {
    /// Sorted account ids.
    pub accounts: Vec<String>,
    /// Sorted region names.
    pub regions: Vec<String>,
}

impl ReportScope {
    /// A stable one-line key: `accounts=1,2 regions=a,b`.
    pub fn key(&self) -> String {
        format!(
            "accounts={} regions={}",
            self.accounts.join(","),
            self.regions.join(",")
        )
    }
}

/// A complete report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub tool: ToolInfo,
    /// Where the inventory came from: `demo`, `inventory:<path>` or `scan`.
    pub source: String,
    /// When the inventory was collected (time-based checks measure from here).
    pub collected_at: DateTime<Utc>,
    /// The accounts and regions read (including unreadable ones).
    #[serde(default)]
    pub scope: ReportScope,
    pub settings: Settings,
    pub summary: Summary,
    pub results: Vec<CheckResult>,
    /// Every configured exception with what it matched: `active`, `expired` or
    /// `stale` (matched nothing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<crate::exceptions::model::ExceptionUse>,
    /// API-call statistics of a live scan (`--stats`), or what `analyze` read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<crate::stats::RunStats>,
    /// The custom controls that ran, as their results refer to them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<ControlInfo>,
    /// What flow logging costs (`--cost`, and the demo).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<crate::cost::CostReport>,
}

impl Report {
    /// Whether the run should exit 1: a failing result at or above `fail_on`, or
    /// any `ERROR` result.
    pub fn has_failures(&self, fail_on: Severity) -> bool {
        self.results.iter().any(|r| match r.status {
            Status::Fail => r.severity >= fail_on,
            Status::Error => true,
            Status::Pass | Status::Excepted | Status::Skipped => false,
        })
    }

    /// Number of results with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.summary.by_status.get(&status).copied().unwrap_or(0)
    }
}

/// A custom control as a report keeps it (see `crate::controls`).
/// The kinds of resource a custom control can cover: the ones the inventory
/// lists completely, so that every resource of the kind gets a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Covers {
    Vpc,
    FlowLog,
}

impl Covers {
    pub const ALL: [Covers; 2] = [Covers::Vpc, Covers::FlowLog];

    pub fn as_str(self) -> &'static str {
        match self {
            Covers::Vpc => "vpc",
            Covers::FlowLog => "flow-log",
        }
    }

    /// The resource type of the control's results.
    pub fn resource_type(self) -> ResourceType {
        match self {
            Covers::Vpc => ResourceType::Vpc,
            Covers::FlowLog => ResourceType::FlowLog,
        }
    }

    /// The kind spelled `text` (`vpc`, `flow-log`), or `None`.
    pub fn parse(text: &str) -> Option<Covers> {
        Covers::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// How the query's rows are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expect {
    /// One row per evaluated resource with `resource`, `status` and `reason`
    /// (Powerpipe's shape): every covered resource must have exactly one row.
    Rows,
    /// The rows are the failures (`resource`, optional `reason`); every other
    /// covered resource passes. The source control's "expected check: eq []".
    Empty,
}

impl Expect {
    pub fn as_str(self) -> &'static str {
        match self {
            Expect::Rows => "rows",
            Expect::Empty => "empty",
        }
    }
}

/// A custom control as the report keeps it: enough to render it as a rule
/// (SARIF), to explain it and to list it beside the built-in checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlInfo {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub description: String,
    pub covers: Covers,
    pub expect: Expect,
    /// The stored query, as written.
    pub sql: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compliance: Vec<ComplianceRef>,
    /// What to do about a FAIL, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// Where it is defined, `file:line`.
    pub source: String,
}

#[cfg(test)]
mod resource_type_tests {
    use super::ResourceType;

    /// Every kind round-trips through its text; a kind this version does not
    /// know is kept with its text, never mapped to a known one.
    #[test]
    fn kinds_round_trip_and_unknown_is_kept() {
        for kind in [
            ResourceType::Account,
            ResourceType::Region,
            ResourceType::Vpc,
            ResourceType::FlowLog,
            ResourceType::File,
            ResourceType::Address,
            ResourceType::NetworkInterface,
            ResourceType::TransitGateway,
            ResourceType::TransitGatewayAttachment,
            ResourceType::EcsTask,
            ResourceType::TimeRange,
        ] {
            assert_eq!(ResourceType::from(kind.as_str().to_string()), kind);
        }
        let other = ResourceType::from("load-balancer".to_string());
        assert_eq!(other, ResourceType::Other("load-balancer".into()));
        assert_eq!(other.as_str(), "load-balancer");
    }
}
