//! The least-privilege, read-only IAM policy that `flowaudit scan` needs.

/// Every action the collector calls, with what it is for.
pub const ACTIONS: &[(&str, &str)] = &[
    ("sts:GetCallerIdentity", "the account id, once per account"),
    ("ec2:DescribeRegions", "the regions enabled for the account"),
    ("ec2:DescribeVpcs", "VPCs, per region"),
    ("ec2:DescribeFlowLogs", "flow logs, per region"),
    (
        "ec2:DescribeSubnets",
        "subnets, to trace subnet flow logs to VPCs",
    ),
    (
        "ec2:DescribeInternetGateways",
        "internet exposure of each VPC",
    ),
    (
        "ec2:DescribeNetworkInterfaces",
        "interface counts, and interface flow logs to VPCs",
    ),
    (
        "logs:DescribeLogGroups",
        "existence, retention and KMS key of referenced log groups",
    ),
    (
        "cloudwatch:GetMetricData",
        "newest delivery per log group (AWS/Logs IncomingLogEvents)",
    ),
    ("iam:GetRole", "delivery role trust policy"),
    ("iam:ListRolePolicies", "delivery role inline policies"),
    ("iam:GetRolePolicy", "delivery role inline policy documents"),
    (
        "iam:ListAttachedRolePolicies",
        "delivery role managed policies",
    ),
    ("iam:GetPolicy", "managed policy default version"),
    ("iam:GetPolicyVersion", "managed policy documents"),
    (
        "s3:GetBucketLocation",
        "existence and region of destination buckets",
    ),
    (
        "s3:GetLifecycleConfiguration",
        "expiration of flow-log objects",
    ),
    ("s3:ListBucket", "newest flow-log object"),
];

/// The policy as pretty JSON, ending in a newline.
pub fn policy_json() -> String {
    let actions: Vec<&str> = ACTIONS.iter().map(|(a, _)| *a).collect();
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "FlowauditReadOnly",
            "Effect": "Allow",
            "Action": actions,
            "Resource": "*"
        }]
    });
    let mut text = serde_json::to_string_pretty(&policy).unwrap_or_default();
    text.push('\n');
    text
}
