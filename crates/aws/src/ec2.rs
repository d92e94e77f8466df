//! The EC2 side of one region: five paginated lists, run concurrently.

use std::collections::{BTreeMap, HashMap, HashSet};

use aws_sdk_ec2::types::{Filter, Tag};
use aws_sdk_ec2::Client;
use chrono::{DateTime, Utc};
use flowaudit_core::model::{
    DestinationType, FlowLog, FlowLogResourceType, NetworkInterface, Subnet, TrafficType,
    TransitGateway, Vpc,
};

use crate::clients::list_all;
use crate::errors::reason;

/// What EC2 says about one region.
pub struct Ec2Region {
    pub vpcs: Vec<Vpc>,
    pub subnets: Vec<Subnet>,
    pub network_interfaces: Vec<NetworkInterface>,
    pub flow_logs: Vec<FlowLog>,
    /// Flow-log id → whether its S3 objects use Hive-compatible partitions.
    pub hive_partitions: HashSet<String>,
    /// The Transit Gateways, or why they could not be listed (that alone does
    /// not make the region unreadable).
    pub transit_gateways: Result<Vec<TransitGateway>, String>,
}

/// Lists the region's VPCs, flow logs, subnets, internet gateways, network
/// interfaces and Transit Gateways: a fixed number of paginated calls,
/// whatever the number of VPCs.
pub async fn collect(client: &Client, page: Option<i32>) -> Result<Ec2Region, String> {
    let vpcs = list_all!(
        client.describe_vpcs().set_max_results(page),
        "ec2:DescribeVpcs"
    );
    let flow_logs = list_all!(
        client.describe_flow_logs().set_max_results(page),
        "ec2:DescribeFlowLogs"
    );
    let subnets = list_all!(
        client.describe_subnets().set_max_results(page),
        "ec2:DescribeSubnets"
    );
    let attached = Filter::builder()
        .name("attachment.state")
        .values("available")
        .build();
    let gateways = list_all!(
        client
            .describe_internet_gateways()
            .set_max_results(page)
            .filters(attached),
        "ec2:DescribeInternetGateways"
    );
    let interfaces = list_all!(
        client.describe_network_interfaces().set_max_results(page),
        "ec2:DescribeNetworkInterfaces"
    );
    let transit = list_all!(
        client.describe_transit_gateways().set_max_results(page),
        "ec2:DescribeTransitGateways"
    );
    let (lists, transit) = tokio::join!(
        async { tokio::try_join!(vpcs, flow_logs, subnets, gateways, interfaces) },
        transit
    );
    let (vpcs, flow_logs, subnets, gateways, interfaces) = lists?;
    let transit_gateways = transit.map(|list| {
        list.iter()
            .filter_map(|t| {
                Some(TransitGateway {
                    transit_gateway_id: t.transit_gateway_id()?.to_string(),
                    state: t
                        .state()
                        .map_or_else(|| "none given".to_string(), |s| s.as_str().to_string()),
                    owner_id: t.owner_id().unwrap_or_default().to_string(),
                    tags: tags(t.tags()),
                })
            })
            .collect()
    });

    let exposed: HashSet<String> = gateways
        .iter()
        .flat_map(|g| g.attachments())
        .filter_map(|a| a.vpc_id().map(str::to_string))
        .collect();
    let mut eni_count: HashMap<String, u32> = HashMap::new();
    for eni in &interfaces {
        if let Some(vpc) = eni.vpc_id() {
            *eni_count.entry(vpc.to_string()).or_default() += 1;
        }
    }
    let mut hive_partitions = HashSet::new();
    let flow_logs: Vec<FlowLog> = flow_logs
        .iter()
        .filter_map(|f| {
            let converted = convert_flow_log(f)?;
            if f.destination_options()
                .and_then(|o| o.hive_compatible_partitions())
                .unwrap_or(false)
            {
                hive_partitions.insert(converted.flow_log_id.clone());
            }
            Some(converted)
        })
        .collect();
    let referenced: HashSet<&str> = flow_logs
        .iter()
        .filter(|f| f.resource_type == FlowLogResourceType::NetworkInterface)
        .map(|f| f.resource_id.as_str())
        .collect();
    let network_interfaces = interfaces
        .iter()
        .filter_map(|eni| {
            let id = eni.network_interface_id()?;
            if !referenced.contains(id) {
                return None;
            }
            Some(NetworkInterface {
                network_interface_id: id.to_string(),
                vpc_id: eni.vpc_id()?.to_string(),
            })
        })
        .collect();
    let vpcs = vpcs
        .iter()
        .filter_map(|v| {
            let vpc_id = v.vpc_id()?.to_string();
            let mut cidr_blocks: Vec<String> = v
                .cidr_block_association_set()
                .iter()
                .filter_map(|a| a.cidr_block().map(str::to_string))
                .collect();
            if cidr_blocks.is_empty() {
                cidr_blocks.extend(v.cidr_block().map(str::to_string));
            }
            Some(Vpc {
                owner_id: v.owner_id().unwrap_or_default().to_string(),
                cidr_blocks,
                is_default: v.is_default().unwrap_or(false),
                tags: tags(v.tags()),
                network_interface_count: Some(eni_count.get(&vpc_id).copied().unwrap_or(0)),
                internet_gateway_attached: exposed.contains(&vpc_id),
                vpc_id,
            })
        })
        .collect();
    let subnets = subnets
        .iter()
        .filter_map(|s| {
            Some(Subnet {
                subnet_id: s.subnet_id()?.to_string(),
                vpc_id: s.vpc_id()?.to_string(),
            })
        })
        .collect();
    Ok(Ec2Region {
        vpcs,
        subnets,
        network_interfaces,
        flow_logs,
        hive_partitions,
        transit_gateways,
    })
}

fn tags(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// Converts one flow log; `None` for flow logs on resources other than VPCs,
/// subnets and interfaces (transit gateways), which no check concerns.
fn convert_flow_log(f: &aws_sdk_ec2::types::FlowLog) -> Option<FlowLog> {
    let flow_log_id = f.flow_log_id()?.to_string();
    let resource_id = f.resource_id()?.to_string();
    let resource_type = FlowLogResourceType::from_resource_id(&resource_id)?;
    if !matches!(
        resource_type,
        FlowLogResourceType::Vpc
            | FlowLogResourceType::Subnet
            | FlowLogResourceType::NetworkInterface
            | FlowLogResourceType::TransitGateway
    ) {
        return None;
    }
    // Kept as AWS says them: a value flowaudit does not know, or none at all,
    // is `Other` and fails the checks that depend on it (never ALL or CloudWatch
    // Logs by default).
    let traffic_type = TrafficType::from(
        f.traffic_type()
            .map_or_else(|| "(none)".to_string(), |t| t.as_str().to_string()),
    );
    let destination_type = match (f.log_destination_type(), f.log_group_name()) {
        (Some(t), _) => DestinationType::from(t.as_str().to_string()),
        // Flow logs from before S3 delivery existed name only their group.
        (None, Some(_)) => DestinationType::CloudWatchLogs,
        (None, None) => DestinationType::Other("(none)".to_string()),
    };
    Some(FlowLog {
        flow_log_id,
        resource_id,
        resource_type,
        // Missing: kept as text that is not ACTIVE, and shown as such.
        flow_log_status: f.flow_log_status().unwrap_or("none given").into(),
        deliver_logs_status: f.deliver_logs_status().map(|s| s.to_string().into()),
        deliver_logs_error_message: f.deliver_logs_error_message().map(str::to_string),
        traffic_type,
        destination_type,
        log_destination: f.log_destination().map(str::to_string),
        log_group_name: f.log_group_name().map(str::to_string),
        deliver_logs_permission_arn: f.deliver_logs_permission_arn().map(str::to_string),
        log_format: f.log_format().map(str::to_string),
        max_aggregation_interval: f
            .max_aggregation_interval()
            .and_then(|v| u32::try_from(v).ok()),
        creation_time: f.creation_time().and_then(to_chrono),
        tags: tags(f.tags()),
    })
}

/// Converts an SDK timestamp.
pub fn to_chrono(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

/// The regions enabled for the account.
pub async fn enabled_regions(client: &Client) -> Result<Vec<String>, String> {
    let out = client
        .describe_regions()
        .send()
        .await
        .map_err(|e| format!("ec2:DescribeRegions: {}", reason(&e)))?;
    let mut regions: Vec<String> = out
        .regions()
        .iter()
        .filter_map(|r| r.region_name().map(str::to_string))
        .collect();
    regions.sort();
    Ok(regions)
}
