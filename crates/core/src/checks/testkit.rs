//! Small hand-written inventories for the checks' unit tests.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;

use crate::checks::evaluate;
use crate::model::*;
use crate::report::CheckResult;
use crate::settings::Settings;

pub const ACCOUNT: &str = "111122223333";
pub const REGION: &str = "eu-west-1";
pub const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/flow-logs-delivery";

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

pub fn vpc(id: &str) -> Vpc {
    Vpc {
        vpc_id: id.to_string(),
        owner_id: ACCOUNT.to_string(),
        cidr_blocks: vec!["10.0.0.0/16".to_string()],
        is_default: false,
        tags: Default::default(),
        network_interface_count: Some(3),
        internet_gateway_attached: false,
    }
}

/// An ACTIVE, delivering VPC-level flow log of ALL traffic into the group
/// `/aws/vpc-flow-logs/<vpc>` with [`ROLE_ARN`], created a week ago.
pub fn flow_log(id: &str, resource_id: &str) -> FlowLog {
    let resource_type =
        FlowLogResourceType::from_resource_id(resource_id).unwrap_or(FlowLogResourceType::Vpc);
    FlowLog {
        flow_log_id: id.to_string(),
        resource_id: resource_id.to_string(),
        resource_type,
        flow_log_status: crate::model::FlowLogStatus::Active,
        deliver_logs_status: Some(crate::model::DeliveryStatus::Success),
        deliver_logs_error_message: None,
        traffic_type: TrafficType::All,
        destination_type: DestinationType::CloudWatchLogs,
        log_destination: None,
        log_group_name: Some(format!("/aws/vpc-flow-logs/{resource_id}")),
        deliver_logs_permission_arn: Some(ROLE_ARN.to_string()),
        log_format: None,
        max_aggregation_interval: Some(600),
        creation_time: Some(now() - Duration::days(7)),
        tags: Default::default(),
    }
}

/// A flow log into an S3 bucket.
pub fn s3_flow_log(id: &str, resource_id: &str, bucket: &str) -> FlowLog {
    FlowLog {
        destination_type: DestinationType::S3,
        log_destination: Some(format!("arn:aws:s3:::{bucket}/flow/")),
        log_group_name: None,
        deliver_logs_permission_arn: None,
        ..flow_log(id, resource_id)
    }
}

pub fn log_group(name: &str) -> LogGroup {
    LogGroup {
        log_group_name: name.to_string(),
        exists: true,
        retention_in_days: Some(365),
        kms_key_id: None,
        last_event_time: Some(now() - Duration::minutes(20)),
        last_event_error: None,
        error: None,
        incoming_bytes: None,
        stored_bytes: None,
        volume_error: None,
    }
}

pub fn bucket(name: &str) -> S3Bucket {
    S3Bucket {
        bucket_name: name.to_string(),
        exists: true,
        expiration_days: None,
        newest_object_time: Some(now() - Duration::minutes(30)),
        newest_object_error: None,
        default_encryption: Some("aws:kms".to_string()),
        default_encryption_error: None,
        error: None,
        object_volume: None,
        volume_error: None,
    }
}

pub fn trust_policy(with_condition: bool) -> serde_json::Value {
    let mut statement = json!({
        "Effect": "Allow",
        "Principal": { "Service": "vpc-flow-logs.amazonaws.com" },
        "Action": "sts:AssumeRole"
    });
    if with_condition {
        statement["Condition"] = json!({ "StringEquals": { "aws:SourceAccount": ACCOUNT } });
    }
    json!({ "Version": "2012-10-17", "Statement": [statement] })
}

pub fn role() -> IamRole {
    IamRole {
        role_arn: ROLE_ARN.to_string(),
        exists: true,
        trust_policy: Some(trust_policy(true)),
        permission_policies: vec![PolicyDocument {
            name: "flow-logs".to_string(),
            document: json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"],
                    "Resource": "*"
                }]
            }),
        }],
        error: None,
    }
}

/// One account, one region; `log_groups` are created for every CloudWatch
/// destination named by `flow_logs` unless `with_groups` is false.
pub fn inventory(vpcs: Vec<Vpc>, flow_logs: Vec<FlowLog>) -> Inventory {
    let log_groups = flow_logs
        .iter()
        .filter_map(|f| f.cloudwatch_log_group())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|name| log_group(&name))
        .collect();
    let buckets = flow_logs
        .iter()
        .filter_map(|f| f.s3_bucket())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|name| bucket(&name))
        .collect();
    Inventory {
        schema: INVENTORY_SCHEMA.to_string(),
        collected_at: now(),
        accounts: vec![AccountInventory {
            account_id: ACCOUNT.to_string(),
            error: None,
            regions: vec![RegionInventory {
                region: REGION.to_string(),
                error: None,
                vpcs,
                subnets: vec![],
                network_interfaces: vec![],
                flow_logs,
                log_groups,
                transit_gateways: Some(vec![]),
                transit_gateways_error: None,
                firehose_streams: vec![],
            }],
            iam_roles: vec![role()],
            s3_buckets: buckets,
        }],
    }
}

pub fn region_mut(inv: &mut Inventory) -> &mut RegionInventory {
    &mut inv.accounts[0].regions[0]
}

/// The results of one check.
pub fn run_with(inv: &Inventory, settings: &Settings, check_id: &str) -> Vec<CheckResult> {
    evaluate(inv, settings)
        .into_iter()
        .filter(|r| r.check_id == check_id)
        .collect()
}

pub fn run(inv: &Inventory, check_id: &str) -> Vec<CheckResult> {
    run_with(inv, &Settings::default(), check_id)
}

/// The only result of one check; panics (failing the test) when there is not
/// exactly one.
pub fn only(inv: &Inventory, check_id: &str) -> CheckResult {
    let mut results = run(inv, check_id);
    assert_eq!(results.len(), 1, "expected one result, got {results:#?}");
    results.remove(0)
}
