//! The plan records: what a fix creates and changes (typed `Action`s), the
//! options that shape it, and the names and values flowaudit uses. Plain data
//! that reports and settings carry; building and rendering plans is elsewhere
//! in `remediation`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::model::TrafficType;

/// The tag every resource flowaudit creates carries.
pub const MANAGED_BY_KEY: &str = "managed-by";
pub const MANAGED_BY_VALUE: &str = "flowaudit";
/// Name of the inline policy flowaudit puts on delivery roles.
pub const DELIVERY_POLICY_NAME: &str = "flowaudit-flow-logs-delivery";
/// Prefix of the log groups flowaudit creates.
pub const LOG_GROUP_PREFIX: &str = "/aws/vpc-flow-logs/";

/// Retention values CloudWatch Logs accepts, in days.
pub const RETENTION_VALUES: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// The smallest retention CloudWatch Logs accepts that is at least `days`.
pub fn valid_retention(days: u32) -> u32 {
    RETENTION_VALUES
        .into_iter()
        .find(|v| *v >= days)
        .unwrap_or(3653)
}

/// Where new flow logs deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum NewDestination {
    /// One CloudWatch Logs group per VPC.
    CloudWatchLogs,
    /// An existing S3 bucket.
    S3 {
        bucket_arn: String,
        parquet: bool,
        hourly_partitions: bool,
    },
}

/// What remediation plans create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemediationOptions {
    pub destination: NewDestination,
    pub traffic_type: TrafficType,
    pub retention_days: u32,
    pub role_name: String,
}

impl Default for RemediationOptions {
    fn default() -> Self {
        RemediationOptions {
            destination: NewDestination::CloudWatchLogs,
            traffic_type: TrafficType::All,
            retention_days: 365,
            role_name: "flowaudit-vpc-flow-logs".to_string(),
        }
    }
}

/// Where a new flow log delivers, fully resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum FlowLogTarget {
    CloudWatchLogs {
        log_group_name: String,
        role_arn: String,
    },
    S3 {
        bucket_arn: String,
        parquet: bool,
        hourly_partitions: bool,
    },
}

/// One change. Actions are ordered; each renders to every output form and has an
/// exact undo.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    CreateLogGroup {
        region: String,
        log_group_name: String,
        retention_days: u32,
    },
    PutRetentionPolicy {
        region: String,
        log_group_name: String,
        retention_days: u32,
        /// The retention before (`None`: never expired), for the backout.
        previous_days: Option<u32>,
    },
    CreateDeliveryRole {
        account_id: String,
        role_name: String,
        /// Log groups outside `/aws/vpc-flow-logs/` the role must also write to.
        extra_log_groups: Vec<String>,
    },
    /// Replace a role's trust policy with the flow-logs trust policy.
    UpdateTrustPolicy {
        account_id: String,
        role_name: String,
        /// The trust policy before, for the backout.
        previous: Option<String>,
    },
    /// Add flowaudit's inline delivery policy to an existing role.
    PutDeliveryPolicy {
        account_id: String,
        role_name: String,
        extra_log_groups: Vec<String>,
    },
    CreateFlowLog {
        account_id: String,
        region: String,
        vpc_id: String,
        traffic_type: TrafficType,
        target: FlowLogTarget,
    },
    /// Raise the expiration of the bucket's enabled lifecycle rules that apply to
    /// flow-log objects (`<prefix>AWSLogs/...`) to at least `min_days`.
    RaiseBucketExpiration {
        bucket: String,
        prefix: String,
        min_days: u32,
        current_days: u32,
    },
    /// Delete a flow log that the plan replaces, once the new one delivers.
    DeleteFlowLog {
        region: String,
        flow_log_id: String,
        /// The AWS CLI command that recreates it, for the backout.
        recreate: String,
    },
    /// Nothing to change automatically: what to look at.
    Investigate {
        region: String,
        what: String,
        commands: Vec<String>,
    },
}

/// The fix for one FAIL result: typed actions, rendered (steps, CLI, console,
/// backout, Terraform, CloudFormation) only when shown. The JSON report carries
/// the actions with their steps, CLI commands and backout; `flowaudit remediation`
/// exports the Terraform and CloudFormation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Plan {
    pub title: String,
    pub account_id: String,
    pub region: String,
    #[serde(default)]
    pub vpc_id: Option<String>,
    pub actions: Vec<Action>,
}

/// `arn:aws:iam::<account>:role/<name>`.
pub fn role_arn(account_id: &str, role_name: &str) -> String {
    format!("arn:aws:iam::{account_id}:role/{role_name}")
}

/// The trust policy of delivery roles: only the flow-logs service, only for this
/// account's flow logs.
pub fn trust_policy(account_id: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "vpc-flow-logs.amazonaws.com" },
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": { "aws:SourceAccount": account_id },
                "ArnLike": { "aws:SourceArn": format!("arn:aws:ec2:*:{account_id}:vpc-flow-log/*") }
            }
        }]
    })
}

/// The permissions of delivery roles, scoped to the flow-log groups: those under
/// [`LOG_GROUP_PREFIX`] and `extra_log_groups`.
pub fn delivery_policy(account_id: &str, extra_log_groups: &[String]) -> Value {
    let mut resources = vec![format!(
        "arn:aws:logs:*:{account_id}:log-group:{LOG_GROUP_PREFIX}*"
    )];
    for group in extra_log_groups {
        resources.push(format!("arn:aws:logs:*:{account_id}:log-group:{group}"));
        resources.push(format!("arn:aws:logs:*:{account_id}:log-group:{group}:*"));
    }
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": resources
        }]
    })
}

/// A deterministic client token for creating `vpc_id`'s flow log into `target`,
/// so re-running the same plan creates nothing twice.
pub fn client_token(vpc_id: &str, target: &FlowLogTarget) -> String {
    // FNV-1a: stable across runs and platforms.
    let text = format!("{vpc_id}|{target:?}");
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("flowaudit-{vpc_id}-{hash:016x}")
}
