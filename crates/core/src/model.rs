//! The inventory: plain data describing what exists in AWS, as the checks need it.
//!
//! Serialised as JSON with `"schema": "flowaudit.inventory/v1"`. The collector in
//! `flowaudit-aws` fills it from the AWS APIs; `flowaudit check --inventory FILE`
//! reads it back; `flowaudit demo` evaluates a sample compiled into the binary.
//!
//! The shape is organization → accounts → regions even when one account is read, so
//! that organization-wide scanning adds a scheduler, not a new model.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The schema identifier every inventory file carries.
pub const INVENTORY_SCHEMA: &str = "flowaudit.inventory/v1";

/// Everything the checks read, for one or more accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    /// Always [`INVENTORY_SCHEMA`].
    pub schema: String,
    /// When the inventory was collected. Time-based checks measure against this
    /// instant, never against the clock, so a saved inventory always gives the same
    /// report.
    pub collected_at: DateTime<Utc>,
    /// The accounts read.
    pub accounts: Vec<AccountInventory>,
}

impl Inventory {
    /// An empty inventory collected at `collected_at`.
    pub fn new(collected_at: DateTime<Utc>) -> Self {
        Inventory {
            schema: INVENTORY_SCHEMA.to_string(),
            collected_at,
            accounts: Vec::new(),
        }
    }

    /// Every VPC by (account, region, VPC id).
    pub fn vpc_index(&self) -> std::collections::HashMap<(&str, &str, &str), &Vpc> {
        self.accounts
            .iter()
            .flat_map(|a| {
                a.regions.iter().flat_map(move |r| {
                    r.vpcs.iter().map(move |v| {
                        (
                            (a.account_id.as_str(), r.region.as_str(), v.vpc_id.as_str()),
                            v,
                        )
                    })
                })
            })
            .collect()
    }

    /// Number of VPCs seen across all accounts and regions.
    pub fn vpc_count(&self) -> usize {
        self.accounts
            .iter()
            .flat_map(|a| &a.regions)
            .map(|r| r.vpcs.len())
            .sum()
    }
}

/// One AWS account: its regions, and the global resources (IAM roles, S3 buckets)
/// that its flow logs reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountInventory {
    pub account_id: String,
    /// Set when the account as a whole could not be read (for example a role that
    /// could not be assumed); its regions are then reported as `ERROR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub regions: Vec<RegionInventory>,
    /// IAM roles referenced as flow-log delivery roles (IAM is global: read once
    /// per account).
    #[serde(default)]
    pub iam_roles: Vec<IamRole>,
    /// S3 buckets referenced as flow-log destinations.
    #[serde(default)]
    pub s3_buckets: Vec<S3Bucket>,
}

/// One region of one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionInventory {
    pub region: String,
    /// Set when the region could not be read: its VPCs are unknown, and every
    /// VPC-level check reports `ERROR` for the region with this reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default)]
    pub vpcs: Vec<Vpc>,
    #[serde(default)]
    pub subnets: Vec<Subnet>,
    /// Network interfaces that flow logs are attached to (at least those), so that
    /// an interface-level flow log can be traced to its VPC.
    #[serde(default)]
    pub network_interfaces: Vec<NetworkInterface>,
    #[serde(default)]
    pub flow_logs: Vec<FlowLog>,
    /// CloudWatch Logs log groups referenced by flow logs in this region.
    #[serde(default)]
    pub log_groups: Vec<LogGroup>,
    /// The region's Transit Gateways; `None` when they were not listed (an
    /// inventory from an earlier version, or a hand-made one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_gateways: Option<Vec<TransitGateway>>,
    /// Why the Transit Gateways could not be listed (the rest of the region was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_gateways_error: Option<String>,
    /// Kinesis Data Firehose delivery streams that flow logs of this region
    /// deliver to, with what they received (`flowaudit cost`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub firehose_streams: Vec<FirehoseStream>,
}

/// A Kinesis Data Firehose delivery stream a flow log delivers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirehoseStream {
    pub name: String,
    /// `AWS/Firehose IncomingBytes` over the window (every source of the
    /// stream, not only flow logs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incoming_bytes: Option<Measured>,
    /// Why it could not be measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_error: Option<String>,
}

/// A Transit Gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitGateway {
    pub transit_gateway_id: String,
    /// `available`, `pending`, `deleting`, … as AWS gave it.
    pub state: String,
    /// The owning account; empty when AWS gave none.
    #[serde(default)]
    pub owner_id: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl TransitGateway {
    /// Its `Name` tag.
    pub fn name(&self) -> Option<&str> {
        self.tags.get("Name").map(String::as_str)
    }
}

/// A VPC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    pub vpc_id: String,
    /// The account that owns the VPC. A VPC shared with the scanned account by
    /// another account (AWS RAM) has a different owner. Empty when AWS (or the
    /// inventory) gave none: the VPC is then judged as the account's own.
    #[serde(default)]
    pub owner_id: String,
    #[serde(default)]
    pub cidr_blocks: Vec<String>,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Number of network interfaces in the VPC; `null` when not collected.
    #[serde(default)]
    pub network_interface_count: Option<u32>,
    /// Whether an internet gateway is attached (the VPC is reachable from the
    /// internet).
    #[serde(default)]
    pub internet_gateway_attached: bool,
}

impl Vpc {
    /// The `Name` tag, if any.
    pub fn name(&self) -> Option<&str> {
        self.tags.get("Name").map(String::as_str)
    }
}

/// A subnet, with the VPC it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    pub subnet_id: String,
    pub vpc_id: String,
}

/// A network interface, with the VPC it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkInterface {
    pub network_interface_id: String,
    pub vpc_id: String,
}

/// What a flow log is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FlowLogResourceType {
    #[serde(rename = "VPC")]
    Vpc,
    Subnet,
    NetworkInterface,
    TransitGateway,
    TransitGatewayAttachment,
}

impl FlowLogResourceType {
    /// The name AWS uses.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowLogResourceType::Vpc => "VPC",
            FlowLogResourceType::Subnet => "Subnet",
            FlowLogResourceType::NetworkInterface => "NetworkInterface",
            FlowLogResourceType::TransitGateway => "TransitGateway",
            FlowLogResourceType::TransitGatewayAttachment => "TransitGatewayAttachment",
        }
    }

    /// Infers the type from a resource id prefix (`vpc-`, `subnet-`, `eni-`, ...).
    pub fn from_resource_id(id: &str) -> Option<Self> {
        if id.starts_with("vpc-") {
            Some(FlowLogResourceType::Vpc)
        } else if id.starts_with("subnet-") {
            Some(FlowLogResourceType::Subnet)
        } else if id.starts_with("eni-") {
            Some(FlowLogResourceType::NetworkInterface)
        } else if id.starts_with("tgw-attach-") {
            Some(FlowLogResourceType::TransitGatewayAttachment)
        } else if id.starts_with("tgw-") {
            Some(FlowLogResourceType::TransitGateway)
        } else {
            None
        }
    }
}

/// Which traffic a flow log captures. A value flowaudit does not know (one AWS
/// adds later, or a hand-edited inventory holds) is kept as `Other` with its
/// text: no check counts it as capturing anything, and the result names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum TrafficType {
    Accept,
    Reject,
    All,
    Other(String),
}

impl TrafficType {
    /// The name AWS uses (or the unknown text, as it came).
    pub fn as_str(&self) -> &str {
        match self {
            TrafficType::Accept => "ACCEPT",
            TrafficType::Reject => "REJECT",
            TrafficType::All => "ALL",
            TrafficType::Other(text) => text,
        }
    }
}

impl From<String> for TrafficType {
    fn from(text: String) -> Self {
        match text.as_str() {
            "ACCEPT" => TrafficType::Accept,
            "REJECT" => TrafficType::Reject,
            "ALL" => TrafficType::All,
            _ => TrafficType::Other(text),
        }
    }
}

impl From<TrafficType> for String {
    fn from(t: TrafficType) -> String {
        t.as_str().to_string()
    }
}

/// Where a flow log delivers its records; an unknown type is kept as `Other`
/// with its text (no check guesses where such a flow log delivers).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum DestinationType {
    CloudWatchLogs,
    S3,
    KinesisDataFirehose,
    Other(String),
}

impl DestinationType {
    /// The name AWS uses (or the unknown text, as it came).
    pub fn as_str(&self) -> &str {
        match self {
            DestinationType::CloudWatchLogs => "cloud-watch-logs",
            DestinationType::S3 => "s3",
            DestinationType::KinesisDataFirehose => "kinesis-data-firehose",
            DestinationType::Other(text) => text,
        }
    }
}

impl From<String> for DestinationType {
    fn from(text: String) -> Self {
        match text.as_str() {
            "cloud-watch-logs" => DestinationType::CloudWatchLogs,
            "s3" => DestinationType::S3,
            "kinesis-data-firehose" => DestinationType::KinesisDataFirehose,
            _ => DestinationType::Other(text),
        }
    }
}

impl From<DestinationType> for String {
    fn from(t: DestinationType) -> String {
        t.as_str().to_string()
    }
}

/// `FlowLogStatus`: `ACTIVE` when AWS considers the flow log set up. Any other
/// text is kept as it came and is not active.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum FlowLogStatus {
    Active,
    Other(String),
}

impl FlowLogStatus {
    /// The name AWS uses (or the other text, as it came).
    pub fn as_str(&self) -> &str {
        match self {
            FlowLogStatus::Active => "ACTIVE",
            FlowLogStatus::Other(text) => text,
        }
    }
}

impl From<String> for FlowLogStatus {
    fn from(text: String) -> Self {
        if text == "ACTIVE" {
            FlowLogStatus::Active
        } else {
            FlowLogStatus::Other(text)
        }
    }
}

impl From<&str> for FlowLogStatus {
    fn from(text: &str) -> Self {
        text.to_string().into()
    }
}

impl From<FlowLogStatus> for String {
    fn from(s: FlowLogStatus) -> String {
        s.as_str().to_string()
    }
}

impl std::fmt::Display for FlowLogStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `DeliverLogsStatus`: whether AWS could deliver the flow log's records. A
/// value flowaudit does not know is kept as `Other` with its text; no check
/// reads it as delivering.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum DeliveryStatus {
    Success,
    Failed,
    Other(String),
}

impl DeliveryStatus {
    /// The name AWS uses (or the unknown text, as it came).
    pub fn as_str(&self) -> &str {
        match self {
            DeliveryStatus::Success => "SUCCESS",
            DeliveryStatus::Failed => "FAILED",
            DeliveryStatus::Other(text) => text,
        }
    }
}

impl From<String> for DeliveryStatus {
    fn from(text: String) -> Self {
        match text.as_str() {
            "SUCCESS" => DeliveryStatus::Success,
            "FAILED" => DeliveryStatus::Failed,
            _ => DeliveryStatus::Other(text),
        }
    }
}

impl From<DeliveryStatus> for String {
    fn from(s: DeliveryStatus) -> String {
        s.as_str().to_string()
    }
}

/// A flow log, as `DescribeFlowLogs` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowLog {
    pub flow_log_id: String,
    /// The VPC, subnet, network interface or transit gateway it is attached to.
    pub resource_id: String,
    pub resource_type: FlowLogResourceType,
    /// `FlowLogStatus`: `ACTIVE` when AWS considers the flow log set up.
    pub flow_log_status: FlowLogStatus,
    /// `DeliverLogsStatus`: `SUCCESS` or `FAILED`; `null` when AWS (or the
    /// inventory) gave none, which no check reads as delivering.
    #[serde(default)]
    pub deliver_logs_status: Option<DeliveryStatus>,
    /// `DeliverLogsErrorMessage`, when delivery failed.
    #[serde(default)]
    pub deliver_logs_error_message: Option<String>,
    pub traffic_type: TrafficType,
    pub destination_type: DestinationType,
    /// `LogDestination`: the ARN of the log group, bucket (with prefix) or stream.
    #[serde(default)]
    pub log_destination: Option<String>,
    /// `LogGroupName`, for CloudWatch Logs destinations.
    #[serde(default)]
    pub log_group_name: Option<String>,
    /// `DeliverLogsPermissionArn`: the IAM role used to publish to CloudWatch Logs.
    #[serde(default)]
    pub deliver_logs_permission_arn: Option<String>,
    #[serde(default)]
    pub log_format: Option<String>,
    /// `MaxAggregationInterval` in seconds (60 or 600).
    #[serde(default)]
    pub max_aggregation_interval: Option<u32>,
    #[serde(default)]
    pub creation_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl FlowLog {
    /// The delivery stream name for Kinesis Data Firehose destinations.
    pub fn firehose_stream(&self) -> Option<String> {
        if self.destination_type != DestinationType::KinesisDataFirehose {
            return None;
        }
        self.log_destination
            .as_deref()
            .and_then(crate::arn::delivery_stream_from_arn)
    }

    /// Whether `FlowLogStatus` is `ACTIVE`.
    pub fn is_active(&self) -> bool {
        self.flow_log_status == FlowLogStatus::Active
    }

    /// Whether `DeliverLogsStatus` is `FAILED`.
    pub fn delivery_failed(&self) -> bool {
        self.deliver_logs_status == Some(DeliveryStatus::Failed)
    }

    /// `DeliverLogsStatus` when it is neither `SUCCESS` nor `FAILED`: the
    /// unknown text, or `None given` when there is none.
    pub fn delivery_unknown(&self) -> Option<&str> {
        match &self.deliver_logs_status {
            Some(DeliveryStatus::Success | DeliveryStatus::Failed) => None,
            Some(DeliveryStatus::Other(text)) => Some(text),
            None => Some("none given"),
        }
    }

    /// The log group name for CloudWatch Logs destinations, taken from
    /// `LogGroupName` or else from the destination ARN.
    pub fn cloudwatch_log_group(&self) -> Option<String> {
        if self.destination_type != DestinationType::CloudWatchLogs {
            return None;
        }
        if let Some(name) = &self.log_group_name {
            return Some(name.clone());
        }
        self.log_destination
            .as_deref()
            .and_then(crate::arn::log_group_name_from_arn)
    }

    /// The bucket name for S3 destinations.
    pub fn s3_bucket(&self) -> Option<String> {
        if self.destination_type != DestinationType::S3 {
            return None;
        }
        self.log_destination
            .as_deref()
            .and_then(crate::arn::bucket_from_arn)
    }
}

/// A CloudWatch Logs log group that a flow log references.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogGroup {
    pub log_group_name: String,
    /// Whether the group exists.
    pub exists: bool,
    /// Retention in days; `null` means events never expire.
    #[serde(default)]
    pub retention_in_days: Option<u32>,
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// Time of the newest delivered event, when known.
    #[serde(default)]
    pub last_event_time: Option<DateTime<Utc>>,
    /// Set when the newest delivery time could not be read (the group itself
    /// could): `flow-log-recent-delivery` reports `ERROR` with this reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_event_error: Option<String>,
    /// Set when the group could not be read (access denied, ...): checks on it
    /// report `ERROR` with this reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `AWS/Logs IncomingBytes` summed over a window (`flowaudit cost`); `null`
    /// when not measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incoming_bytes: Option<Measured>,
    /// `storedBytes` as `DescribeLogGroups` gave it, when measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_bytes: Option<u64>,
    /// Why the volume could not be measured (the group itself could be read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_error: Option<String>,
}

/// Bytes measured over a window of whole days ending at the collection time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measured {
    pub days: u32,
    pub bytes: u64,
}

/// The flow-log objects of a bucket over a window: bytes per flow log, from the
/// flow log id in each object's key (`flowaudit cost`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectVolume {
    pub days: u32,
    /// Object bytes (as stored: gzip text or Parquet) per flow log id.
    pub by_flow_log: BTreeMap<String, u64>,
}

/// An S3 bucket that a flow log references.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Bucket {
    pub bucket_name: String,
    pub exists: bool,
    /// The shortest lifecycle expiration (days) of an enabled rule that applies to
    /// flow-log objects; `null` when no rule expires them.
    #[serde(default)]
    pub expiration_days: Option<u32>,
    /// Time of the newest flow-log object, when known.
    #[serde(default)]
    pub newest_object_time: Option<DateTime<Utc>>,
    /// Set when the newest object could not be listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_object_error: Option<String>,
    /// The algorithm of the bucket's default encryption (`SSEAlgorithm`:
    /// `aws:kms`, `aws:kms:dsse`, `AES256`), `none` when the bucket has no
    /// default encryption, `null` when it was not read.
    #[serde(default)]
    pub default_encryption: Option<String>,
    /// Set when the default encryption could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_encryption_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The flow-log objects written in a window, when measured (`flowaudit cost`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_volume: Option<ObjectVolume>,
    /// Why the objects could not be measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_error: Option<String>,
}

/// An IAM role used by flow logs to publish to CloudWatch Logs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamRole {
    pub role_arn: String,
    pub exists: bool,
    /// The trust (assume-role) policy document.
    #[serde(default)]
    pub trust_policy: Option<serde_json::Value>,
    /// The role's permission policies (inline and attached managed), as documents.
    #[serde(default)]
    pub permission_policies: Vec<PolicyDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A named IAM policy document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDocument {
    /// Policy name (inline) or ARN (managed).
    pub name: String,
    pub document: serde_json::Value,
}
