//! The exception records: what a team wrote (`Exception`) and what became of
//! it in a run (`ExceptionRef` on a result, `ExceptionUse`, `ExceptionCounts`).
//! Plain data that reports carry; matching and validation are in the parent.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An exception: which results it covers, why, until when, and whose it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exception {
    /// Check id or glob (`*` any run of characters, `?` one character).
    pub check: String,
    /// Resource id or glob (a VPC id, or a flow log id for flow-log checks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// VPC id or glob: covers the VPC's results and those of its flow logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// VPC tags that must all be present; values are globs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    pub reason: String,
    /// Last day the exception applies.
    pub expires: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Where it was declared (`flowaudit.toml:12`), for messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Exception {
    /// Whether the exception is still in force on `day`.
    pub fn active_on(&self, day: NaiveDate) -> bool {
        day <= self.expires
    }

    /// The selector in words, for reports.
    pub fn selector(&self) -> String {
        let mut parts = vec![format!("check={}", self.check)];
        for (name, value) in [
            ("resource", &self.resource),
            ("vpc", &self.vpc),
            ("account", &self.account),
            ("region", &self.region),
        ] {
            if let Some(v) = value {
                parts.push(format!("{name}={v}"));
            }
        }
        for (k, v) in &self.tags {
            parts.push(format!("tag:{k}={v}"));
        }
        parts.join(" ")
    }
}

/// The exception a result carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExceptionRef {
    /// Position in the configured list, from 1.
    pub index: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub reason: String,
    pub expires: NaiveDate,
    /// The exception ran out: the result is FAIL again.
    pub expired: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// What became of one configured exception in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExceptionState {
    /// Covers at least one FAIL result.
    Active,
    /// Matched FAIL results but has run out.
    Expired,
    /// Matched no FAIL result, and nothing it selects was left unjudged: the
    /// failure is fixed or gone.
    Stale,
    /// Matched no FAIL result, but results it selects were not evaluated in
    /// this run (SKIPPED or ERROR): whether it is still needed is not known.
    #[serde(rename = "not-evaluated")]
    NotEvaluated,
}

impl ExceptionState {
    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionState::Active => "active",
            ExceptionState::Expired => "expired",
            ExceptionState::Stale => "stale",
            ExceptionState::NotEvaluated => "not-evaluated",
        }
    }
}

/// One configured exception and what it matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExceptionUse {
    pub index: usize,
    pub state: ExceptionState,
    /// FAIL results it matched (excepted, or failing again once expired).
    pub matched: usize,
    /// Days from the collection date to the expiry (negative once expired).
    pub days_left: i64,
    pub exception: Exception,
}

/// Counts for the report summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExceptionCounts {
    /// Exceptions configured.
    pub configured: usize,
    /// Results an active exception covers (the `EXCEPTED` count).
    pub excepted_results: usize,
    /// FAIL results whose exception expired.
    pub expired_results: usize,
    pub active: usize,
    pub expired: usize,
    pub stale: usize,
    /// Exceptions whose results were all SKIPPED or ERROR this run.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub not_evaluated: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
