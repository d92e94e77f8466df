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
        "ec2:DescribeTransitGateways",
        "Transit Gateways, for their flow logs",
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
    (
        "s3:GetEncryptionConfiguration",
        "default encryption of destination buckets",
    ),
];

/// What `flowaudit fix --apply` and `flowaudit rollback` need besides the scan's
/// actions.
pub const FIX_ACTIONS: &[(&str, &str)] = &[
    ("logs:CreateLogGroup", "create flow-log groups"),
    ("logs:TagResource", "tag them managed-by=flowaudit"),
    ("logs:PutRetentionPolicy", "set retention"),
    (
        "logs:DeleteRetentionPolicy",
        "rollback: restore never-expire",
    ),
    (
        "logs:DeleteLogGroup",
        "rollback: remove groups flowaudit created",
    ),
    ("iam:CreateRole", "create the delivery role"),
    ("iam:TagRole", "tag it managed-by=flowaudit"),
    ("iam:PutRolePolicy", "give it the delivery policy"),
    ("iam:UpdateAssumeRolePolicy", "repair trust policies"),
    ("iam:DeleteRolePolicy", "rollback"),
    ("iam:DeleteRole", "rollback"),
    ("iam:PassRole", "let flow logs use the delivery role"),
    ("ec2:CreateFlowLogs", "create flow logs"),
    ("ec2:CreateTags", "tag them managed-by=flowaudit"),
    ("ec2:DeleteFlowLogs", "rollback"),
    (
        "s3:PutLifecycleConfiguration",
        "raise lifecycle expiration of flow-log objects",
    ),
];

/// What `flowaudit scan --security-hub` needs besides the scan's actions.
pub const SECURITY_HUB_ACTIONS: &[(&str, &str)] = &[(
    "securityhub:BatchImportFindings",
    "import the findings (scan --security-hub)",
)];

/// What `flowaudit analyze` needs to read flow logs from S3 and CloudWatch Logs
/// (local files need nothing).
pub const ANALYZE_ACTIONS: &[(&str, &str)] = &[
    (
        "s3:GetBucketLocation",
        "the bucket's region (s3:// sources)",
    ),
    ("s3:ListBucket", "the objects under the prefix"),
    ("s3:GetObject", "the flow-log objects"),
    ("logs:FilterLogEvents", "the events of a --log-group"),
    (
        "ec2:DescribeFlowLogs",
        "the format of the flow log of a --log-group",
    ),
];

/// Which statements the policy carries besides the read-only scan.
#[derive(Debug, Clone, Default)]
pub struct PolicyOptions<'a> {
    /// `fix --apply` and `rollback` (writes).
    pub fix: bool,
    /// `scan --security-hub`.
    pub security_hub: bool,
    /// `scan --org` with this member role: list the accounts, assume the role.
    pub org_role: Option<&'a str>,
    /// `analyze` of `s3://` and `--log-group` sources.
    pub analyze: bool,
}

/// The policy as pretty JSON, ending in a newline; `fix` adds the statement that
/// `flowaudit fix --apply` and `rollback` need.
pub fn policy_json_for(fix: bool) -> String {
    policy_json_with(fix, false)
}

/// As [`policy_json_for`]; `security_hub` adds what `scan --security-hub` needs.
pub fn policy_json_with(fix: bool, security_hub: bool) -> String {
    policy_json_full(&PolicyOptions {
        fix,
        security_hub,
        ..PolicyOptions::default()
    })
}

/// One Allow statement of `actions` (the first of each pair) on `resource`.
fn statement(sid: &str, actions: &[(&str, &str)], resource: &str) -> serde_json::Value {
    let actions: Vec<&str> = actions.iter().map(|(a, _)| *a).collect();
    serde_json::json!({ "Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource })
}

/// The policy with the statements `opts` asks for.
pub fn policy_json_full(opts: &PolicyOptions) -> String {
    let mut statements = vec![statement("FlowauditReadOnly", ACTIONS, "*")];
    if opts.fix {
        statements.push(statement("FlowauditFix", FIX_ACTIONS, "*"));
    }
    if let Some(role) = opts.org_role {
        let list = [("organizations:ListAccounts", "")];
        statements.push(statement("FlowauditOrganization", &list, "*"));
        let assume = [("sts:AssumeRole", "")];
        let arn = format!("arn:aws:iam::*:role/{role}");
        statements.push(statement("FlowauditAssumeMemberRole", &assume, &arn));
    }
    if opts.analyze {
        statements.push(statement("FlowauditAnalyzeFlowLogs", ANALYZE_ACTIONS, "*"));
    }
    if opts.security_hub {
        statements.push(statement("FlowauditSecurityHub", SECURITY_HUB_ACTIONS, "*"));
    }
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": statements
    });
    let mut text = serde_json::to_string_pretty(&policy).unwrap_or_default();
    text.push('\n');
    text
}

/// The read-only policy.
pub fn policy_json() -> String {
    policy_json_for(false)
}
