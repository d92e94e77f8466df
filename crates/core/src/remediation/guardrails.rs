//! Service-wide guardrails: an AWS Config conformance pack that keeps checking
//! flow logging, log-group retention and the encryption of flow-log
//! destinations, and a service control policy that stops
//! anyone but a break-glass role from deleting flow logs or their log groups.

use serde_json::json;

use super::plan::LOG_GROUP_PREFIX;
use crate::model::TrafficType;

/// Retention values the `CW_LOGGROUP_RETENTION_PERIOD_CHECK` rule accepts.
const CONFIG_RETENTION_VALUES: [u32; 17] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653,
];

/// The smallest retention the Config rule accepts that is at least `days`.
pub fn config_retention(days: u32) -> u32 {
    CONFIG_RETENTION_VALUES
        .into_iter()
        .find(|v| *v >= days)
        .unwrap_or(3653)
}

const CONFORMANCE_PACK: &str = r#"# flowaudit guardrails: AWS Config conformance pack for VPC flow logging.
# Deploy in one account and region:
#   aws configservice put-conformance-pack --conformance-pack-name flowaudit-vpc-flow-logs --template-body file://conformance-pack.yaml
# Deploy across an organization (from the management or delegated administrator account):
#   aws configservice put-organization-conformance-pack --organization-conformance-pack-name flowaudit-vpc-flow-logs --template-body file://conformance-pack.yaml
Resources:
  VpcFlowLogsEnabled:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: vpc-flow-logs-enabled
      Description: CIS AWS Foundations 3.7 - every VPC has a flow log capturing TRAFFIC traffic.
      InputParameters:
        trafficType: TRAFFIC
      Scope:
        ComplianceResourceTypes:
          - AWS::EC2::VPC
      Source:
        Owner: AWS
        SourceIdentifier: VPC_FLOW_LOGS_ENABLED
  FlowLogGroupRetention:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: flow-log-group-retention-period-check
      Description: Log groups keep events at least DAYS days (or never expire). The rule checks every log group of the account; flow-log groups are under PREFIX/.
      InputParameters:
        MinRetentionTime: DAYS
      Source:
        Owner: AWS
        SourceIdentifier: CW_LOGGROUP_RETENTION_PERIOD_CHECK
  FlowLogGroupEncrypted:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: flow-log-group-encrypted
      Description: Log groups are encrypted with a KMS key (flowaudit's flow-log-destination-encrypted). The rule checks every log group of the account.
      Source:
        Owner: AWS
        SourceIdentifier: CLOUDWATCH_LOG_GROUP_ENCRYPTED
  FlowLogBucketEncryptedWithKms:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: flow-log-bucket-default-encryption-kms
      Description: S3 buckets encrypt new objects with SSE-KMS by default (flowaudit's flow-log-destination-encrypted). The rule checks every bucket of the account.
      Scope:
        ComplianceResourceTypes:
          - AWS::S3::Bucket
      Source:
        Owner: AWS
        SourceIdentifier: S3_DEFAULT_ENCRYPTION_KMS
"#;

/// The conformance pack template (YAML).
pub fn conformance_pack(traffic_type: TrafficType, retention_days: u32) -> String {
    CONFORMANCE_PACK
        .replace("TRAFFIC", traffic_type.as_str())
        .replace("DAYS", &config_retention(retention_days).to_string())
        .replace("PREFIX", LOG_GROUP_PREFIX.trim_end_matches('/'))
}

/// The service control policy (JSON).
pub fn service_control_policy(break_glass_role: &str) -> String {
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyFlowLogDeletion",
                "Effect": "Deny",
                "Action": "ec2:DeleteFlowLogs",
                "Resource": "*",
                "Condition": {
                    "ArnNotLike": { "aws:PrincipalARN": format!("arn:aws:iam::*:role/{break_glass_role}") }
                }
            },
            {
                "Sid": "DenyFlowLogGroupDeletion",
                "Effect": "Deny",
                "Action": ["logs:DeleteLogGroup", "logs:DeleteRetentionPolicy"],
                "Resource": format!("arn:aws:logs:*:*:log-group:{LOG_GROUP_PREFIX}*"),
                "Condition": {
                    "ArnNotLike": { "aws:PrincipalARN": format!("arn:aws:iam::*:role/{break_glass_role}") }
                }
            }
        ]
    });
    let mut text = serde_json::to_string_pretty(&policy).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_for_config() {
        assert_eq!(config_retention(365), 365);
        assert_eq!(config_retention(1000), 1827);
    }

    #[test]
    fn scp_exempts_only_the_break_glass_role() {
        let scp: serde_json::Value =
            serde_json::from_str(&service_control_policy("BreakGlass")).unwrap_or_default();
        let statements = scp["Statement"].as_array().cloned().unwrap_or_default();
        assert_eq!(statements.len(), 2);
        for s in statements {
            assert_eq!(s["Effect"], "Deny");
            assert_eq!(
                s["Condition"]["ArnNotLike"]["aws:PrincipalARN"],
                "arn:aws:iam::*:role/BreakGlass"
            );
        }
    }
}
