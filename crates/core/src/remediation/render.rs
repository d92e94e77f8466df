//! Each action in words, as AWS CLI commands, as console steps, and its undo.

use super::plan::{
    client_token, delivery_policy, trust_policy, Action, FlowLogTarget, DELIVERY_POLICY_NAME,
    MANAGED_BY_KEY, MANAGED_BY_VALUE,
};

use crate::escape::shell::command;

pub fn words(action: &Action) -> String {
    match action {
        Action::CreateLogGroup { region, log_group_name, retention_days } => format!(
            "Create the CloudWatch Logs group {log_group_name} in {region} and keep its events {retention_days} days."
        ),
        Action::PutRetentionPolicy { log_group_name, retention_days, previous_days, .. } => format!(
            "Set the retention of log group {log_group_name} to {retention_days} days (now {}).",
            previous_days.map_or("never expires".to_string(), |d| format!("{d} days"))
        ),
        Action::CreateDeliveryRole { role_name, .. } => format!(
            "Create the IAM role {role_name}, which only vpc-flow-logs.amazonaws.com may assume for this account's flow logs, with permission to write to the /aws/vpc-flow-logs/ log groups."
        ),
        Action::UpdateTrustPolicy { role_name, .. } => format!(
            "Replace the trust policy of role {role_name} so that vpc-flow-logs.amazonaws.com may assume it, limited to this account's flow logs."
        ),
        Action::PutDeliveryPolicy { role_name, .. } => format!(
            "Give role {role_name} the inline policy {DELIVERY_POLICY_NAME}: logs:CreateLogStream, logs:PutLogEvents and logs:DescribeLogStreams on the flow-log groups."
        ),
        Action::CreateFlowLog { vpc_id, traffic_type, target, region, .. } => format!(
            "Create a VPC-level flow log for {vpc_id} in {region} capturing {} traffic into {}.",
            traffic_type.as_str(),
            describe_target(target)
        ),
        Action::RaiseBucketExpiration { bucket, prefix, min_days, current_days } => format!(
            "Raise the expiration of the enabled lifecycle rules of bucket {bucket} that apply to {prefix}AWSLogs/ from {current_days} to {min_days} days."
        ),
        Action::DeleteFlowLog { flow_log_id, .. } => format!(
            "Once the new flow log delivers (check the destination), delete the flow log {flow_log_id} that it replaces."
        ),
        Action::Investigate { what, .. } => what.clone(),
    }
}

fn describe_target(target: &FlowLogTarget) -> String {
    match target {
        FlowLogTarget::CloudWatchLogs { log_group_name, .. } => {
            format!("log group {log_group_name}")
        }
        FlowLogTarget::S3 {
            bucket_arn,
            parquet,
            hourly_partitions,
        } => format!(
            "{bucket_arn} ({}{})",
            if *parquet { "Parquet" } else { "plain text" },
            if *hourly_partitions {
                ", hourly partitions"
            } else {
                ""
            }
        ),
    }
}

fn tag_spec() -> String {
    format!("Key={MANAGED_BY_KEY},Value={MANAGED_BY_VALUE}")
}

/// Removes flowaudit's delivery policy from a role.
fn delete_policy_cli(role_name: &str) -> String {
    command([
        "aws",
        "iam",
        "delete-role-policy",
        "--role-name",
        role_name,
        "--policy-name",
        DELIVERY_POLICY_NAME,
    ])
}

/// The first words of `aws ec2 create-flow-logs` for one resource; the caller
/// adds the destination and options, then quotes them all with [`command`].
pub(super) fn create_flow_logs_words(
    region: &str,
    resource_type: &str,
    resource_id: &str,
    traffic_type: &str,
) -> Vec<String> {
    [
        "aws",
        "ec2",
        "create-flow-logs",
        "--region",
        region,
        "--resource-type",
        resource_type,
        "--resource-ids",
        resource_id,
        "--traffic-type",
        traffic_type,
    ]
    .map(String::from)
    .to_vec()
}

/// The AWS CLI commands of an action, every word quoted.
pub fn cli(action: &Action) -> Vec<String> {
    match action {
        Action::CreateLogGroup {
            region,
            log_group_name,
            retention_days,
        } => vec![
            command([
                "aws",
                "logs",
                "create-log-group",
                "--region",
                region,
                "--log-group-name",
                log_group_name,
                "--tags",
                &format!("{MANAGED_BY_KEY}={MANAGED_BY_VALUE}"),
            ]),
            retention_cli(region, log_group_name, *retention_days),
        ],
        Action::PutRetentionPolicy {
            region,
            log_group_name,
            retention_days,
            ..
        } => {
            vec![retention_cli(region, log_group_name, *retention_days)]
        }
        Action::CreateDeliveryRole {
            account_id,
            role_name,
            extra_log_groups,
        } => vec![
            command([
                "aws",
                "iam",
                "create-role",
                "--role-name",
                role_name,
                "--assume-role-policy-document",
                &trust_policy(account_id).to_string(),
                "--tags",
                &tag_spec(),
            ]),
            put_policy_cli(account_id, role_name, extra_log_groups),
        ],
        Action::UpdateTrustPolicy {
            account_id,
            role_name,
            ..
        } => vec![command([
            "aws",
            "iam",
            "update-assume-role-policy",
            "--role-name",
            role_name,
            "--policy-document",
            &trust_policy(account_id).to_string(),
        ])],
        Action::PutDeliveryPolicy {
            account_id,
            role_name,
            extra_log_groups,
        } => {
            vec![put_policy_cli(account_id, role_name, extra_log_groups)]
        }
        Action::CreateFlowLog {
            region,
            vpc_id,
            traffic_type,
            target,
            ..
        } => {
            let token = client_token(vpc_id, target);
            let mut words = create_flow_logs_words(region, "VPC", vpc_id, traffic_type.as_str());
            match target {
                FlowLogTarget::CloudWatchLogs { log_group_name, role_arn } => words.extend(
                    [
                        "--log-destination-type", "cloud-watch-logs", "--log-group-name",
                        log_group_name, "--deliver-logs-permission-arn", role_arn,
                    ]
                    .map(String::from),
                ),
                FlowLogTarget::S3 { bucket_arn, parquet, hourly_partitions } => words.extend([
                    "--log-destination-type".into(),
                    "s3".into(),
                    "--log-destination".into(),
                    bucket_arn.clone(),
                    "--destination-options".into(),
                    format!(
                        "FileFormat={},HiveCompatiblePartitions={parquet},PerHourPartition={hourly_partitions}",
                        if *parquet { "parquet" } else { "plain-text" }
                    ),
                ]),
            }
            words.extend([
                "--tag-specifications".into(),
                format!("ResourceType=vpc-flow-log,Tags=[{{{}}}]", tag_spec()),
                "--client-token".into(),
                token,
            ]);
            vec![command(words)]
        }
        Action::RaiseBucketExpiration {
            bucket,
            prefix,
            min_days,
            ..
        } => super::lifecycle::raise_commands(bucket, prefix, *min_days),
        Action::DeleteFlowLog {
            region,
            flow_log_id,
            ..
        } => vec![command([
            "aws",
            "ec2",
            "delete-flow-logs",
            "--region",
            region,
            "--flow-log-ids",
            flow_log_id,
        ])],
        Action::Investigate { commands, .. } => commands.clone(),
    }
}

fn retention_cli(region: &str, group: &str, days: u32) -> String {
    command([
        "aws",
        "logs",
        "put-retention-policy",
        "--region",
        region,
        "--log-group-name",
        group,
        "--retention-in-days",
        &days.to_string(),
    ])
}

fn put_policy_cli(account_id: &str, role_name: &str, extra: &[String]) -> String {
    command([
        "aws",
        "iam",
        "put-role-policy",
        "--role-name",
        role_name,
        "--policy-name",
        DELIVERY_POLICY_NAME,
        "--policy-document",
        &delivery_policy(account_id, extra).to_string(),
    ])
}

pub fn console(action: &Action) -> Vec<String> {
    match action {
        Action::CreateLogGroup { region, log_group_name, retention_days } => vec![format!(
            "CloudWatch console ({region}) → Logs → Log groups → Create log group: name {log_group_name}, retention {retention_days} days, tag {MANAGED_BY_KEY}={MANAGED_BY_VALUE}."
        )],
        Action::PutRetentionPolicy { region, log_group_name, retention_days, .. } => vec![format!(
            "CloudWatch console ({region}) → Log groups → {log_group_name} → Actions → Edit retention setting → {retention_days} days."
        )],
        Action::CreateDeliveryRole { account_id, role_name, extra_log_groups } => vec![
            format!("IAM console → Roles → Create role → Custom trust policy: {}", trust_policy(account_id)),
            format!(
                "Name it {role_name}, then Add permissions → Create inline policy {DELIVERY_POLICY_NAME}: {}",
                delivery_policy(account_id, extra_log_groups)
            ),
        ],
        Action::UpdateTrustPolicy { account_id, role_name, .. } => vec![format!(
            "IAM console → Roles → {role_name} → Trust relationships → Edit trust policy: {}",
            trust_policy(account_id)
        )],
        Action::PutDeliveryPolicy { account_id, role_name, extra_log_groups } => vec![format!(
            "IAM console → Roles → {role_name} → Add permissions → Create inline policy {DELIVERY_POLICY_NAME}: {}",
            delivery_policy(account_id, extra_log_groups)
        )],
        Action::CreateFlowLog { region, vpc_id, traffic_type, target, .. } => vec![format!(
            "VPC console ({region}) → Your VPCs → {vpc_id} → Flow logs → Create flow log: filter {}, maximum aggregation interval 10 minutes, destination {}.",
            traffic_type.as_str(),
            match target {
                FlowLogTarget::CloudWatchLogs { log_group_name, role_arn } => format!("CloudWatch Logs, group {log_group_name}, IAM role {role_arn}"),
                FlowLogTarget::S3 { .. } => format!("S3, {}", describe_target(target)),
            }
        )],
        Action::RaiseBucketExpiration { bucket, prefix, min_days, .. } => vec![format!(
            "S3 console → Buckets → {bucket} → Management → Lifecycle rules: edit each enabled rule that applies to {prefix}AWSLogs/ so that objects expire after at least {min_days} days."
        )],
        Action::DeleteFlowLog { region, flow_log_id, .. } => vec![format!(
            "VPC console ({region}) → Your VPCs → the VPC → Flow logs → select {flow_log_id} → Actions → Delete (only after the new flow log delivers)."
        )],
        Action::Investigate { what, .. } => vec![what.clone()],
    }
}

/// The commands that undo an action, every word quoted.
pub fn backout(action: &Action) -> Vec<String> {
    match action {
        Action::CreateLogGroup {
            region,
            log_group_name,
            ..
        } => vec![format!(
            "{}  # deletes the flow-log data it received",
            command([
                "aws",
                "logs",
                "delete-log-group",
                "--region",
                region,
                "--log-group-name",
                log_group_name
            ])
        )],
        Action::PutRetentionPolicy {
            region,
            log_group_name,
            previous_days,
            ..
        } => vec![match previous_days {
            Some(days) => retention_cli(region, log_group_name, *days),
            None => command([
                "aws",
                "logs",
                "delete-retention-policy",
                "--region",
                region,
                "--log-group-name",
                log_group_name,
            ]),
        }],
        Action::CreateDeliveryRole { role_name, .. } => vec![
            delete_policy_cli(role_name),
            command(["aws", "iam", "delete-role", "--role-name", role_name]),
        ],
        Action::UpdateTrustPolicy {
            role_name,
            previous,
            ..
        } => match previous {
            Some(doc) => vec![command([
                "aws",
                "iam",
                "update-assume-role-policy",
                "--role-name",
                role_name,
                "--policy-document",
                doc,
            ])],
            None => Vec::new(),
        },
        Action::PutDeliveryPolicy { role_name, .. } => vec![delete_policy_cli(role_name)],
        Action::CreateFlowLog { region, vpc_id, .. } => vec![format!(
            "{} $({})",
            command([
                "aws",
                "ec2",
                "delete-flow-logs",
                "--region",
                region,
                "--flow-log-ids"
            ]),
            created_flow_logs(region, vpc_id)
        )],
        Action::RaiseBucketExpiration { bucket, .. } => super::lifecycle::restore_commands(bucket),
        Action::DeleteFlowLog { recreate, .. } => vec![recreate.clone()],
        Action::Investigate { .. } => Vec::new(),
    }
}

/// The command that prints the ids of the flow logs flowaudit created for a VPC.
pub fn created_flow_logs(region: &str, vpc_id: &str) -> String {
    command([
        "aws",
        "ec2",
        "describe-flow-logs",
        "--region",
        region,
        "--filter",
        &format!("Name=resource-id,Values={vpc_id}"),
        &format!("Name=tag:{MANAGED_BY_KEY},Values={MANAGED_BY_VALUE}"),
        "--query",
        "FlowLogs[].FlowLogId",
        "--output",
        "text",
    ])
}
