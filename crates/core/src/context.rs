//! Per-region indexes that the checks share: each VPC with its flow logs (at every
//! level), destinations and roles by name, and which VPCs write into which log
//! group. Built once per region, in memory.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::arn;
use crate::checks::meta::{CheckMeta, Outcome};
use crate::model::{
    AccountInventory, DestinationType, FlowLog, FlowLogResourceType, IamRole, LogGroup,
    RegionInventory, S3Bucket, Vpc,
};
use crate::region::ResultRegion;
use crate::report::{CheckResult, ResourceType};
use crate::settings::Settings;

/// A VPC with what the checks need to know about it.
pub struct VpcCtx<'a> {
    pub vpc: &'a Vpc,
    /// Why the VPC is out of scope (reported as SKIPPED), if it is.
    pub skip_reason: Option<String>,
    /// Every flow log that covers the VPC or part of it: VPC-, subnet- and
    /// interface-level.
    pub flow_logs: Vec<&'a FlowLog>,
}

impl<'a> VpcCtx<'a> {
    /// Flow logs attached to the VPC itself.
    pub fn vpc_level(&self) -> impl Iterator<Item = &'a FlowLog> + '_ {
        self.flow_logs
            .iter()
            .copied()
            .filter(|f| f.resource_type == FlowLogResourceType::Vpc)
    }

    /// ACTIVE flow logs attached to the VPC itself.
    pub fn active_vpc_level(&self) -> impl Iterator<Item = &'a FlowLog> + '_ {
        self.vpc_level().filter(|f| f.is_active())
    }

    /// Evidence listing every flow log of the VPC.
    pub fn flow_log_evidence(&self) -> Value {
        Value::Array(
            self.flow_logs
                .iter()
                .map(|f| flow_log_evidence(f))
                .collect(),
        )
    }
}

/// The facts about one flow log that results quote.
pub fn flow_log_evidence(f: &FlowLog) -> Value {
    json!({
        "flow_log_id": f.flow_log_id,
        "resource_type": f.resource_type.as_str(),
        "resource_id": f.resource_id,
        "flow_log_status": f.flow_log_status,
        "deliver_logs_status": f.deliver_logs_status,
        "deliver_logs_error_message": f.deliver_logs_error_message,
        "traffic_type": f.traffic_type.as_str(),
        "destination_type": f.destination_type.as_str(),
        "log_destination": f.log_destination,
        "log_group_name": f.log_group_name,
    })
}

/// Shared indexes of one region of one account.
pub struct RegionCtx<'a> {
    pub collected_at: DateTime<Utc>,
    pub settings: &'a Settings,
    pub account: &'a AccountInventory,
    pub region: &'a RegionInventory,
    pub vpcs: Vec<VpcCtx<'a>>,
    /// Flow logs whose VPC, subnet or interface is in no VPC of the region
    /// (see `flow-log-resource-exists`).
    pub unattached: Vec<&'a FlowLog>,
    /// Flow logs of Transit Gateways (see `transit-gateway-flow-logs-enabled`).
    pub transit_gateway_flow_logs: Vec<&'a FlowLog>,
    log_groups: HashMap<&'a str, &'a LogGroup>,
    buckets: HashMap<&'a str, &'a S3Bucket>,
    roles: HashMap<&'a str, &'a IamRole>,
    /// Destination key (see [`RegionCtx::destination_key`]) → VPCs writing there.
    destination_vpcs: HashMap<String, BTreeSet<&'a str>>,
}

impl<'a> RegionCtx<'a> {
    pub fn new(
        collected_at: DateTime<Utc>,
        settings: &'a Settings,
        account: &'a AccountInventory,
        region: &'a RegionInventory,
    ) -> Self {
        let mut vpc_of: HashMap<&str, &str> = HashMap::new();
        for vpc in &region.vpcs {
            vpc_of.insert(&vpc.vpc_id, &vpc.vpc_id);
        }
        for subnet in &region.subnets {
            vpc_of.insert(&subnet.subnet_id, &subnet.vpc_id);
        }
        for eni in &region.network_interfaces {
            vpc_of.insert(&eni.network_interface_id, &eni.vpc_id);
        }
        let mut by_vpc: HashMap<&str, Vec<&FlowLog>> = HashMap::new();
        let mut destination_vpcs: HashMap<String, BTreeSet<&str>> = HashMap::new();
        let mut unattached = Vec::new();
        let mut transit_gateway_flow_logs = Vec::new();
        for flow_log in &region.flow_logs {
            if flow_log.resource_type == crate::model::FlowLogResourceType::TransitGateway {
                transit_gateway_flow_logs.push(flow_log);
                continue;
            }
            let Some(vpc_id) = vpc_of.get(flow_log.resource_id.as_str()).copied() else {
                unattached.push(flow_log);
                continue;
            };
            by_vpc.entry(vpc_id).or_default().push(flow_log);
            if let Some(key) = destination_key(&account.account_id, flow_log) {
                destination_vpcs.entry(key).or_default().insert(vpc_id);
            }
        }
        let vpcs = region
            .vpcs
            .iter()
            .map(|vpc| VpcCtx {
                vpc,
                skip_reason: skip_reason(settings, &account.account_id, vpc),
                flow_logs: by_vpc.remove(vpc.vpc_id.as_str()).unwrap_or_default(),
            })
            .collect();
        RegionCtx {
            collected_at,
            settings,
            account,
            region,
            vpcs,
            unattached,
            transit_gateway_flow_logs,
            log_groups: region
                .log_groups
                .iter()
                .map(|g| (g.log_group_name.as_str(), g))
                .collect(),
            buckets: account
                .s3_buckets
                .iter()
                .map(|b| (b.bucket_name.as_str(), b))
                .collect(),
            roles: account
                .iam_roles
                .iter()
                .map(|r| (r.role_arn.as_str(), r))
                .collect(),
            destination_vpcs,
        }
    }

    pub fn log_group(&self, name: &str) -> Option<&'a LogGroup> {
        self.log_groups.get(name).copied()
    }

    pub fn bucket(&self, name: &str) -> Option<&'a S3Bucket> {
        self.buckets.get(name).copied()
    }

    pub fn role(&self, arn: &str) -> Option<&'a IamRole> {
        self.roles.get(arn).copied()
    }

    /// The VPCs (of this region, any scope) whose flow logs write to the same
    /// CloudWatch Logs group as `flow_log`.
    pub fn vpcs_sharing_destination(&self, flow_log: &FlowLog) -> Vec<&'a str> {
        destination_key(&self.account.account_id, flow_log)
            .and_then(|key| self.destination_vpcs.get(&key))
            .map(|set| set.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The account owning the flow log's destination, when it is not the scanned
    /// account (the destination cannot be inspected from here).
    pub fn foreign_account<'f>(&self, flow_log: &'f FlowLog) -> Option<&'f str> {
        foreign_account(&self.account.account_id, flow_log)
    }

    /// Resolves where a flow log delivers, and what the inventory knows of it.
    pub fn destination(&self, flow_log: &FlowLog) -> Destination<'a> {
        if let Some(account) = self.foreign_account(flow_log) {
            return Destination::Foreign {
                account: account.to_string(),
            };
        }
        match &flow_log.destination_type {
            DestinationType::CloudWatchLogs => match flow_log.cloudwatch_log_group() {
                Some(name) => Destination::LogGroup {
                    group: self.log_group(&name),
                    name,
                },
                None => Destination::Unnamed,
            },
            DestinationType::S3 => match flow_log.s3_bucket() {
                Some(name) => Destination::Bucket {
                    bucket: self.bucket(&name),
                    name,
                },
                None => Destination::Unnamed,
            },
            DestinationType::KinesisDataFirehose => Destination::Firehose,
            DestinationType::Other(kind) => Destination::Unknown { kind: kind.clone() },
        }
    }

    /// Builds a result for `vpc`.
    pub fn result(
        &self,
        meta: &CheckMeta,
        vpc: Option<&VpcCtx<'_>>,
        resource_type: ResourceType,
        resource_id: &str,
        outcome: Outcome,
    ) -> CheckResult {
        CheckResult {
            check_id: meta.id.to_string(),
            status: outcome.status,
            severity: meta.severity,
            account_id: self.account.account_id.clone(),
            region: ResultRegion::Named(self.region.region.clone()),
            resource_type,
            resource_id: resource_id.to_string(),
            vpc_id: vpc.map(|v| v.vpc.vpc_id.clone()),
            vpc_name: vpc.and_then(|v| v.vpc.name()).map(str::to_string),
            message: outcome.message,
            evidence: outcome.evidence,
            compliance: meta.compliance_refs(),
            priority: None,
            exception: None,
            remediation: None,
            location: None,
        }
    }
}

/// Where a flow log delivers, as far as the inventory knows.
pub enum Destination<'a> {
    /// A CloudWatch Logs group of the scanned account; `group` is `None` when the
    /// inventory has no entry for it (not inspected).
    LogGroup {
        name: String,
        group: Option<&'a LogGroup>,
    },
    /// An S3 bucket; `bucket` is `None` when not inspected.
    Bucket {
        name: String,
        bucket: Option<&'a S3Bucket>,
    },
    /// A destination owned by another account: cannot be inspected from here.
    Foreign { account: String },
    /// A Kinesis Data Firehose stream: not inspected.
    Firehose,
    /// The flow log names no destination that can be resolved.
    Unnamed,
    /// A destination type flowaudit does not know (kept as it came).
    Unknown { kind: String },
}

impl Destination<'_> {
    /// How results name the destination.
    pub fn describe(&self) -> String {
        match self {
            Destination::LogGroup { name, .. } => format!("log group {name}"),
            Destination::Bucket { name, .. } => format!("bucket {name}"),
            Destination::Foreign { account } => format!("a destination in account {account}"),
            Destination::Firehose => "a Kinesis Data Firehose stream".to_string(),
            Destination::Unnamed => "no resolvable destination".to_string(),
            Destination::Unknown { kind } => {
                format!("a destination of type {kind:?}, which flowaudit does not know")
            }
        }
    }
}

/// What the inventory knows of a destination: present, missing, unreadable or
/// not inspected, with the facts checks need.
pub enum Known<T> {
    Present(T),
    Missing,
    /// The collector could not read it; the reason.
    Unreadable(String),
    /// The inventory has no entry for it.
    NotInspected,
}

/// The facts of an existing destination that retention and delivery checks use.
pub struct DestinationFacts {
    /// Retention or lifecycle expiration in days; `None` = never expires.
    pub expiry_days: Option<u32>,
    /// Newest delivered record, when known.
    pub newest_delivery: Option<DateTime<Utc>>,
    /// Why the newest delivery could not be read, if it could not.
    pub newest_delivery_error: Option<String>,
}

impl Destination<'_> {
    /// The destination's state, for CloudWatch and S3 destinations; `None` for
    /// the others.
    pub fn known(&self) -> Option<Known<DestinationFacts>> {
        let (exists, error, facts) = match self {
            Destination::LogGroup { group, .. } => {
                let Some(g) = group else {
                    return Some(Known::NotInspected);
                };
                (
                    g.exists,
                    &g.error,
                    DestinationFacts {
                        expiry_days: g.retention_in_days,
                        newest_delivery: g.last_event_time,
                        newest_delivery_error: g.last_event_error.clone(),
                    },
                )
            }
            Destination::Bucket { bucket, .. } => {
                let Some(b) = bucket else {
                    return Some(Known::NotInspected);
                };
                (
                    b.exists,
                    &b.error,
                    DestinationFacts {
                        expiry_days: b.expiration_days,
                        newest_delivery: b.newest_object_time,
                        newest_delivery_error: b.newest_object_error.clone(),
                    },
                )
            }
            _ => return None,
        };
        Some(match (error, exists) {
            (Some(e), _) => Known::Unreadable(e.clone()),
            (None, true) => Known::Present(facts),
            (None, false) => Known::Missing,
        })
    }
}

impl Destination<'_> {
    /// The facts of an existing destination, or the result to give when there
    /// are none to judge: SKIPPED for another account's destination and for a
    /// missing one (which `flow-log-destination-exists` reports), ERROR for one that
    /// could not be read or was not inspected. `None` for destinations no check
    /// inspects (Firehose, unresolvable).
    pub fn facts_or_outcome(&self, evidence: &Value) -> Option<Result<DestinationFacts, Outcome>> {
        let what = self.describe();
        if let Destination::Unknown { .. } = self {
            return Some(Err(Outcome::error(
                format!("{what}: it cannot be checked"),
                evidence.clone(),
            )));
        }
        if let Destination::Foreign { account } = self {
            return Some(Err(Outcome::skipped(
                format!(
                    "destination belongs to account {account} and cannot be inspected from here"
                ),
                evidence.clone(),
            )));
        }
        Some(match self.known()? {
            Known::Present(facts) => Ok(facts),
            Known::Missing => Err(Outcome::skipped(
                format!("{what} does not exist (reported by flow-log-destination-exists)"),
                evidence.clone(),
            )),
            Known::Unreadable(reason) => Err(Outcome::error(
                format!("{what} could not be read: {reason}"),
                evidence.clone(),
            )),
            Known::NotInspected => Err(Outcome::error(
                format!("{what} was not inspected (not in the inventory)"),
                evidence.clone(),
            )),
        })
    }
}

/// The account owning the flow log's destination when it differs from
/// `account_id`.
pub fn foreign_account<'f>(account_id: &str, flow_log: &'f FlowLog) -> Option<&'f str> {
    flow_log
        .log_destination
        .as_deref()
        .and_then(arn::account_of)
        .filter(|acct| *acct != account_id)
}

/// Identifies a CloudWatch Logs destination: owning account and group name.
fn destination_key(account_id: &str, flow_log: &FlowLog) -> Option<String> {
    let group = flow_log.cloudwatch_log_group()?;
    let owner = foreign_account(account_id, flow_log).unwrap_or(account_id);
    Some(format!("{owner}:{group}"))
}

fn skip_reason(settings: &Settings, account_id: &str, vpc: &Vpc) -> Option<String> {
    // A VPC without an OwnerId is judged as the account's own: a missing owner
    // is no evidence that it is shared, and skipping it would turn "unknown"
    // into SKIPPED.
    if !vpc.owner_id.is_empty() && vpc.owner_id != account_id {
        return Some(format!(
            "shared VPC owned by account {}; its flow logs are the owner's to audit",
            vpc.owner_id
        ));
    }
    if settings.skip_default_vpcs && vpc.is_default {
        return Some("default VPC skipped by --skip-default-vpcs".to_string());
    }
    if settings.skip_unused_vpcs && vpc.network_interface_count == Some(0) {
        return Some("VPC has no network interfaces; skipped by --skip-unused-vpcs".to_string());
    }
    None
}
