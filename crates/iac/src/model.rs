//! What the templates declare, as far as the checks need it, whatever the source
//! language: VPCs, flow logs, log groups and delivery roles, each with where it is
//! declared and whether it will exist. Anything that cannot be known statically is
//! `Unknown` with the reason, never guessed.

use flowaudit_core::report::SourceLocation;

/// A fact, or why it cannot be known before apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known<T> {
    Yes(T),
    Unknown(String),
}

impl<T> Known<T> {
    pub fn map_value<U>(self, f: impl FnOnce(T) -> U) -> Known<U> {
        match self {
            Known::Yes(v) => Known::Yes(f(v)),
            Known::Unknown(why) => Known::Unknown(why),
        }
    }
}

/// A declared retention in days, given as whole days if it is one: 0 means
/// never expires (as AWS reads it). A negative, fractional or out-of-range number
/// is `Err` naming it (never read as "never expires").
pub fn retention_days(whole: Option<u64>, shown: &str) -> Result<Option<u32>, String> {
    match whole {
        None => Err(format!(
            "retention_in_days = {shown} is not a whole, non-negative number of days"
        )),
        Some(0) => Ok(None),
        Some(d) => u32::try_from(d)
            .map(Some)
            .map_err(|_| format!("retention_in_days = {shown} is out of range")),
    }
}

/// `# flowaudit:ignore <check-id> reason="..."` next to a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub check: String,
    pub reason: String,
    pub line: usize,
}

/// A declared VPC (one instance of a `count`/`for_each`, a module, or a template
/// resource).
#[derive(Debug, Clone, PartialEq)]
pub struct Vpc {
    /// `aws_vpc.main[0]`, `module.vpc`, or the CloudFormation logical id.
    pub address: String,
    pub name: Option<String>,
    pub location: SourceLocation,
    /// Whether it will be created (`count = 0`, a false condition: no).
    pub exists: Known<bool>,
    pub suppressions: Vec<Suppression>,
}

/// What a flow log is attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// These VPC addresses.
    Vpcs(Vec<String>),
    /// A subnet or network interface (not VPC-level).
    NotVpc(String),
    /// The reference could not be followed.
    Unknown(String),
}

/// Where a flow log delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A log group declared here (its address).
    LogGroup(String),
    /// S3, Firehose, or a group not declared in these files.
    Elsewhere(String),
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct FlowLog {
    pub address: String,
    pub location: SourceLocation,
    pub exists: Known<bool>,
    pub target: Target,
    /// `ACCEPT`, `REJECT` or `ALL`.
    pub traffic: Known<String>,
    pub destination: Destination,
    /// The delivery role's address, when declared here; `None` when there is none
    /// (S3) or it is not declared in these files.
    pub role: Option<Known<String>>,
    pub suppressions: Vec<Suppression>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogGroup {
    pub address: String,
    pub location: SourceLocation,
    /// `None`: never expires.
    pub retention_days: Known<Option<u32>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub address: String,
    pub location: SourceLocation,
    pub trusts_flow_logs: Known<bool>,
}

/// A file that could not be read or parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Broken {
    pub location: SourceLocation,
    pub message: String,
}

/// Everything declared in the files given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Declared {
    pub vpcs: Vec<Vpc>,
    pub flow_logs: Vec<FlowLog>,
    pub log_groups: Vec<LogGroup>,
    pub roles: Vec<Role>,
    pub broken: Vec<Broken>,
    pub files: usize,
}

impl Declared {
    pub fn extend(&mut self, other: Declared) {
        self.vpcs.extend(other.vpcs);
        self.flow_logs.extend(other.flow_logs);
        self.log_groups.extend(other.log_groups);
        self.roles.extend(other.roles);
        self.broken.extend(other.broken);
        self.files += other.files;
    }
}

/// Whether an IAM trust policy document lets VPC Flow Logs assume the role.
pub fn trusts_flow_logs(policy: &serde_json::Value) -> bool {
    let statements = match &policy["Statement"] {
        serde_json::Value::Array(list) => list.clone(),
        one @ serde_json::Value::Object(_) => vec![one.clone()],
        _ => Vec::new(),
    };
    statements.iter().any(|s| {
        let allow = s["Effect"].as_str() == Some("Allow");
        let service = &s["Principal"]["Service"];
        let names: Vec<&str> = match service {
            serde_json::Value::String(one) => vec![one.as_str()],
            serde_json::Value::Array(list) => list.iter().filter_map(|v| v.as_str()).collect(),
            _ => Vec::new(),
        };
        allow && names.contains(&"vpc-flow-logs.amazonaws.com")
    })
}
