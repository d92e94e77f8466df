//! Service-wide guardrails: an AWS Config conformance pack that keeps checking
//! flow logging, log-group retention and the encryption of flow-log
//! destinations, a service control policy that stops anyone but a break-glass
//! role from deleting flow logs or their log groups, and a detective guardrail
//! (CloudFormation: an EventBridge rule on the CloudTrail events that switch flow
//! logging off, and an SNS topic) that pages someone within minutes.

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

/// The CloudTrail events that turn flow logging off or weaken it, by event
/// source: the flow log itself, its log group's existence and retention, its
/// bucket's existence and lifecycle, its delivery role's trust and permissions.
/// The detective guardrail watches these; they are what `--attribution` looks for.
pub const TAMPER_EVENTS: [(&str, &[&str]); 4] = [
    ("ec2.amazonaws.com", &["DeleteFlowLogs"]),
    (
        "logs.amazonaws.com",
        &[
            "DeleteLogGroup",
            "PutRetentionPolicy",
            "DeleteRetentionPolicy",
        ],
    ),
    (
        "s3.amazonaws.com",
        &[
            "DeleteBucket",
            "PutBucketLifecycle",
            "DeleteBucketLifecycle",
        ],
    ),
    (
        "iam.amazonaws.com",
        &[
            "UpdateAssumeRolePolicy",
            "DeleteRolePolicy",
            "DetachRolePolicy",
            "DeleteRole",
        ],
    ),
];

/// The detective guardrail: a CloudFormation template (deployable as a
/// StackSet) with an EventBridge rule on [`TAMPER_EVENTS`] and an SNS topic
/// (with an optional e-mail subscription), or another target given as a
/// parameter.
pub fn detective_template() -> String {
    let sources: Vec<String> = TAMPER_EVENTS
        .iter()
        .map(|(source, _)| format!("            - {source}"))
        .collect();
    let names: Vec<String> = TAMPER_EVENTS
        .iter()
        .flat_map(|(_, names)| names.iter())
        .map(|name| format!("            - {name}"))
        .collect();
    DETECTIVE
        .replace("@SOURCES@", &sources.join("\n"))
        .replace("@NAMES@", &names.join("\n"))
}

const DETECTIVE: &str = r#"# flowaudit guardrails: detective guardrail for VPC flow logging.
# An EventBridge rule on the CloudTrail events that switch flow logging off or
# weaken it (deleted flow logs, log groups, retention, buckets, lifecycle rules,
# delivery-role trust and permissions) sends each event to an SNS topic, so that
# someone is paged within minutes. EventBridge sees these events where a trail
# records management events; IAM's arrive in us-east-1 only.
# Deploy in one account and region:
#   aws cloudformation deploy --stack-name flowaudit-detective --template-file detective.yaml --parameter-overrides NotificationEmail=secops@example.com
# Deploy across an organization: README, "Detective guardrail".
AWSTemplateFormatVersion: "2010-09-09"
Description: flowaudit detective guardrail - alert when VPC flow logging is switched off or weakened.
Parameters:
  NotificationEmail:
    Type: String
    Default: ""
    Description: E-mail address subscribed to the alert topic (empty for none).
  TargetArn:
    Type: String
    Default: ""
    Description: Another target of the rule (an SNS topic, SQS queue or Lambda function ARN that allows EventBridge to use it; empty for none).
Conditions:
  HasEmail: !Not [!Equals [!Ref NotificationEmail, ""]]
  HasTarget: !Not [!Equals [!Ref TargetArn, ""]]
Resources:
  AlertTopic:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: flowaudit - VPC flow logging switched off or weakened
  AlertTopicPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics:
        - !Ref AlertTopic
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Sid: EventBridgePublishes
            Effect: Allow
            Principal:
              Service: events.amazonaws.com
            Action: sns:Publish
            Resource: !Ref AlertTopic
            Condition:
              ArnEquals:
                aws:SourceArn: !GetAtt FlowLoggingTampered.Arn
  AlertEmail:
    Type: AWS::SNS::Subscription
    Condition: HasEmail
    Properties:
      Protocol: email
      Endpoint: !Ref NotificationEmail
      TopicArn: !Ref AlertTopic
  FlowLoggingTampered:
    Type: AWS::Events::Rule
    Properties:
      Description: CloudTrail events that switch VPC flow logging off or weaken it (flowaudit).
      State: ENABLED
      EventPattern:
        detail-type:
          - AWS API Call via CloudTrail
        detail:
          eventSource:
@SOURCES@
          eventName:
@NAMES@
      Targets:
        - Id: alert-topic
          Arn: !Ref AlertTopic
        - !If
          - HasTarget
          - Id: extra-target
            Arn: !Ref TargetArn
          - !Ref AWS::NoValue
Outputs:
  AlertTopicArn:
    Description: The topic alerts go to.
    Value: !Ref AlertTopic
  RuleArn:
    Description: The EventBridge rule.
    Value: !GetAtt FlowLoggingTampered.Arn
"#;

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
