//! The options that change how checks evaluate an inventory.

use serde::{Deserialize, Serialize};

use crate::model::TrafficType;

/// What `vpc-flow-logs-capture-rejects` requires of a VPC-level flow log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RequiredTrafficType {
    /// REJECT or ALL (rejected traffic is captured).
    Reject,
    /// ALL only.
    All,
}

impl RequiredTrafficType {
    /// Whether a flow log capturing `traffic` satisfies the requirement.
    /// An unknown traffic type (`Other`) never does.
    pub fn accepts(self, traffic: &TrafficType) -> bool {
        match self {
            RequiredTrafficType::Reject => {
                matches!(traffic, TrafficType::Reject | TrafficType::All)
            }
            RequiredTrafficType::All => *traffic == TrafficType::All,
        }
    }

    /// The traffic types that satisfy it, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            RequiredTrafficType::Reject => "REJECT or ALL",
            RequiredTrafficType::All => "ALL",
        }
    }
}

/// Evaluation settings; every reporting command takes them as options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Report default VPCs as SKIPPED instead of evaluating them.
    pub skip_default_vpcs: bool,
    /// Report VPCs without network interfaces as SKIPPED.
    pub skip_unused_vpcs: bool,
    pub required_traffic_type: RequiredTrafficType,
    /// Minimum retention of flow-log data, in days.
    pub min_retention_days: u32,
    /// `flow-log-recent-delivery` fails when nothing arrived within this many hours.
    pub max_delivery_age_hours: u32,
    /// `flow-log-recent-delivery` skips flow logs younger than this many minutes
    /// (the first records take up to the aggregation interval plus delivery delay).
    pub delivery_grace_minutes: u32,
    /// Record fields every flow log's format must have, beyond the default
    /// format's (`flow-log-record-fields`).
    #[serde(default)]
    pub required_fields: Vec<String>,
    /// `flow-log-destination-encrypted` accepts SSE-S3 (AES256) buckets.
    #[serde(default)]
    pub accept_sse_s3: bool,
    /// Where flow logs must deliver (`flow-log-approved-destination`): S3
    /// ARNs (a bucket or prefix), log-group names or patterns, or ARNs.
    #[serde(default)]
    pub approved_destinations: Vec<String>,
    /// What remediation plans create.
    #[serde(default)]
    pub remediation: crate::remediation::RemediationOptions,
    /// What marks a VPC as production when ranking failures.
    #[serde(default)]
    pub priority: crate::priority::model::PriorityOptions,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            skip_default_vpcs: false,
            skip_unused_vpcs: false,
            required_traffic_type: RequiredTrafficType::Reject,
            min_retention_days: 365,
            max_delivery_age_hours: 24,
            delivery_grace_minutes: 60,
            required_fields: Vec::new(),
            accept_sse_s3: false,
            approved_destinations: Vec::new(),
            remediation: Default::default(),
            priority: Default::default(),
        }
    }
}
