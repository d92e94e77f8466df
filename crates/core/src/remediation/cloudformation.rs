//! Actions as one CloudFormation template (JSON). A stack lives in one region, so
//! each resource carries a condition on `AWS::Region`: the same template deploys
//! in every region concerned (or as a StackSet). The IAM role, which is global, is
//! created in one region only. Changes to resources that CloudFormation does not
//! manage are listed under `Metadata` with their CLI commands.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::plan::{
    delivery_policy, trust_policy, Action, FlowLogTarget, DELIVERY_POLICY_NAME, MANAGED_BY_KEY,
    MANAGED_BY_VALUE,
};
use super::render;

/// A CloudFormation logical id from any id: letters and digits.
pub fn logical_id(prefix: &str, id: &str) -> String {
    let mut out = prefix.to_string();
    let mut upper = true;
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    out
}

fn condition(region: &str) -> String {
    logical_id("In", region)
}

fn tags() -> Value {
    json!([{ "Key": MANAGED_BY_KEY, "Value": MANAGED_BY_VALUE }])
}

/// The template, pretty-printed.
pub fn render(actions: &[Action]) -> String {
    let mut resources = Map::new();
    let mut conditions = BTreeMap::new();
    let mut manual = Vec::new();
    let mut regions = BTreeSet::new();
    for action in actions {
        if let Action::CreateLogGroup { region, .. } | Action::CreateFlowLog { region, .. } = action
        {
            regions.insert(region.clone());
        }
    }
    let home = regions
        .iter()
        .next()
        .cloned()
        .unwrap_or_else(|| "us-east-1".to_string());
    // Logical ids: ids that read alike (`/vpc/flow-logs`, `/vpc/flow_logs`) stay apart.
    let mut ids = crate::escape::names::Names::default();
    let mut id_of =
        |prefix: &str, id: &str| ids.unique(&format!("{prefix}\0{id}"), logical_id(prefix, id), "");
    let mut created_groups = BTreeMap::new();
    let mut created_roles = BTreeMap::new();
    let mut cond = |region: &str| {
        let name = condition(region);
        conditions.insert(
            name.clone(),
            json!({ "Fn::Equals": [{ "Ref": "AWS::Region" }, region] }),
        );
        name
    };
    for action in actions {
        match action {
            Action::CreateLogGroup {
                region,
                log_group_name,
                retention_days,
            } => {
                let id = id_of("LogGroup", log_group_name);
                created_groups.insert(log_group_name.clone(), id.clone());
                resources.insert(
                    id,
                    json!({
                        "Type": "AWS::Logs::LogGroup",
                        "Condition": cond(region),
                        "DeletionPolicy": "Retain",
                        "UpdateReplacePolicy": "Retain",
                        "Properties": {
                            "LogGroupName": log_group_name,
                            "RetentionInDays": retention_days,
                            "Tags": tags()
                        }
                    }),
                );
            }
            Action::CreateDeliveryRole {
                account_id,
                role_name,
                extra_log_groups,
            } => {
                let id = id_of("Role", role_name);
                created_roles.insert(role_name.clone(), id.clone());
                resources.insert(id, json!({
                    "Type": "AWS::IAM::Role",
                    "Condition": cond(&home),
                    "Properties": {
                        "RoleName": role_name,
                        "AssumeRolePolicyDocument": trust_policy(account_id),
                        "Policies": [{ "PolicyName": DELIVERY_POLICY_NAME, "PolicyDocument": delivery_policy(account_id, extra_log_groups) }],
                        "Tags": tags()
                    }
                }));
            }
            Action::PutDeliveryPolicy {
                account_id,
                role_name,
                extra_log_groups,
            } => {
                resources.insert(
                    id_of("DeliveryPolicy", role_name),
                    json!({
                        "Type": "AWS::IAM::RolePolicy",
                        "Condition": cond(&home),
                        "Properties": {
                            "RoleName": role_name,
                            "PolicyName": DELIVERY_POLICY_NAME,
                            "PolicyDocument": delivery_policy(account_id, extra_log_groups)
                        }
                    }),
                );
            }
            Action::CreateFlowLog {
                region,
                vpc_id,
                traffic_type,
                target,
                ..
            } => {
                let mut properties = json!({
                    "ResourceId": vpc_id,
                    "ResourceType": "VPC",
                    "TrafficType": traffic_type.as_str(),
                    "Tags": tags()
                });
                let mut depends = Vec::new();
                match target {
                    FlowLogTarget::CloudWatchLogs {
                        log_group_name,
                        role_arn,
                    } => {
                        properties["LogDestinationType"] = json!("cloud-watch-logs");
                        properties["LogGroupName"] = match created_groups.get(log_group_name) {
                            Some(id) => json!({ "Ref": id }),
                            None => json!(log_group_name),
                        };
                        properties["DeliverLogsPermissionArn"] = json!(role_arn);
                        let role_name =
                            crate::arn::role_name_from_arn(role_arn).unwrap_or_default();
                        if let Some(id) = created_roles.get(&role_name) {
                            if region == &home {
                                depends.push(id.clone());
                            }
                        }
                    }
                    FlowLogTarget::S3 {
                        bucket_arn,
                        parquet,
                        hourly_partitions,
                    } => {
                        properties["LogDestinationType"] = json!("s3");
                        properties["LogDestination"] = json!(bucket_arn);
                        properties["DestinationOptions"] = json!({
                            "FileFormat": if *parquet { "parquet" } else { "plain-text" },
                            "HiveCompatiblePartitions": parquet,
                            "PerHourPartition": hourly_partitions
                        });
                    }
                }
                let mut resource = json!({
                    "Type": "AWS::EC2::FlowLog",
                    "Condition": cond(region),
                    "Properties": properties
                });
                if !depends.is_empty() {
                    resource["DependsOn"] = json!(depends);
                }
                resources.insert(id_of("FlowLog", vpc_id), resource);
            }
            Action::PutRetentionPolicy { .. }
            | Action::UpdateTrustPolicy { .. }
            | Action::DeleteFlowLog { .. }
            | Action::RaiseBucketExpiration { .. }
            | Action::Investigate { .. } => manual.push(json!({
                "step": render::words(action),
                "commands": render::cli(action)
            })),
        }
    }
    let mut template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "flowaudit remediation. Deploy in each region named in Conditions (or as a StackSet); needs CAPABILITY_NAMED_IAM when it creates a role.",
    });
    if !conditions.is_empty() {
        template["Conditions"] = json!(conditions);
    }
    if resources.is_empty() {
        // A template needs a resource; this one does nothing.
        resources.insert(
            "NothingToCreate".to_string(),
            json!({ "Type": "AWS::CloudFormation::WaitConditionHandle" }),
        );
    }
    template["Resources"] = Value::Object(resources);
    if !manual.is_empty() {
        template["Metadata"] = json!({ "flowaudit": { "outside_cloudformation": manual } });
    }
    let mut text = serde_json::to_string_pretty(&template).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::logical_id;

    #[test]
    fn logical_ids() {
        assert_eq!(
            logical_id("LogGroup", "/aws/vpc-flow-logs/vpc-0abc"),
            "LogGroupAwsVpcFlowLogsVpc0abc"
        );
        assert_eq!(logical_id("In", "eu-west-1"), "InEuWest1");
    }
}
