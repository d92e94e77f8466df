//! What templates declare, as far as the checks need it, whatever the source
//! language: VPCs, flow logs, log groups and delivery roles, each with where it is
//! declared and whether it will exist. Anything that cannot be known statically is
//! `Unknown` with the reason, never guessed. The IaC crate fills it; each check's
//! pre-deployment evaluation ([`PredeployEval`]) judges one declared VPC from it.

use serde_json::{json, Value};

use crate::report::{SourceLocation, Status};
use crate::settings::Settings;

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
    /// Its tags, when they are known before apply.
    pub tags: Known<std::collections::BTreeMap<String, String>>,
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
    /// The reference could not be followed: it may be any VPC.
    Unknown(String),
    /// One or more instances of the VPC resource `of` (an index that is not
    /// known before apply): only those VPCs are in doubt.
    AnyOf { of: String, why: String },
    /// A value from outside the module `module` (a variable or a parameter
    /// without a value): no VPC that module declares can be it, since a
    /// module's inputs cannot refer to its own resources. The root's prefix is
    /// empty, and then no declared VPC is in doubt.
    Outside { module: String, why: String },
    /// It can target no VPC declared here: a reference to something not
    /// declared, to a resource that is not a VPC, or no target at all (why).
    /// The VPCs keep their verdicts; the flow log itself is reported
    /// (`flow-log-resource-exists`).
    Dangling(String),
}

impl Target {
    /// Why this target may be the VPC `address` without it being known, if it
    /// may: `None` when it certainly is, or certainly is not.
    pub fn may_be(&self, address: &str) -> Option<&str> {
        match self {
            Target::Unknown(why) => Some(why),
            Target::AnyOf { of, why }
                if address == of
                    || address
                        .strip_prefix(of.as_str())
                        .is_some_and(|rest| rest.starts_with('[')) =>
            {
                Some(why)
            }
            Target::Outside { module, why }
                if !module.is_empty() && !address.starts_with(module.as_str()) =>
            {
                Some(why)
            }
            _ => None,
        }
    }
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
    /// Its LogFormat: `None` for the default format.
    pub log_format: Known<Option<String>>,
    /// MaxAggregationInterval in seconds (600 when not set).
    pub max_aggregation_interval: Known<u32>,
    /// The address of the declared Transit Gateway it logs, when it names one.
    pub transit_gateway: Option<String>,
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
    /// Whether it names a KMS key (kms_key_id / KmsKeyId).
    pub kms_key: Known<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub address: String,
    pub location: SourceLocation,
    /// The trust policy document, as IAM JSON (judged by [`crate::policy`], as
    /// in the cloud).
    pub trust_policy: Known<Value>,
}

/// A Transit Gateway.
#[derive(Debug, Clone, PartialEq)]
pub struct TransitGateway {
    pub address: String,
    pub name: Option<String>,
    pub location: SourceLocation,
    /// Whether it will be created (`count = 0`, a false condition: no).
    pub exists: Known<bool>,
    pub suppressions: Vec<Suppression>,
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
    pub transit_gateways: Vec<TransitGateway>,
    pub broken: Vec<Broken>,
    pub files: usize,
}

impl Declared {
    pub fn extend(&mut self, other: Declared) {
        self.vpcs.extend(other.vpcs);
        self.flow_logs.extend(other.flow_logs);
        self.log_groups.extend(other.log_groups);
        self.roles.extend(other.roles);
        self.transit_gateways.extend(other.transit_gateways);
        self.broken.extend(other.broken);
        self.files += other.files;
    }
}

/// A pre-deployment verdict on one declared VPC, and where in the files it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub status: Status,
    pub message: String,
    pub at: SourceLocation,
}

impl Verdict {
    pub fn new(status: Status, at: &SourceLocation, message: impl Into<String>) -> Verdict {
        Verdict {
            status,
            message: message.into(),
            at: at.clone(),
        }
    }
}

/// A check's evaluation of one declared VPC.
pub type PredeployEval = fn(&DeclaredVpc<'_>, &Settings) -> Verdict;

/// A pre-deployment evaluation of one declared flow log (that may exist):
/// `None` where the check has nothing to say about it.
pub type FlowLogPredeploy = fn(&Declared, &FlowLog, &Settings) -> Option<Verdict>;

/// A pre-deployment evaluation of one declared Transit Gateway (that may exist).
pub type TransitGatewayPredeploy = fn(&Declared, &TransitGateway) -> Verdict;

/// One declared VPC with the flow logs that may target it.
pub struct DeclaredVpc<'a> {
    pub declared: &'a Declared,
    pub vpc: &'a Vpc,
    /// Flow logs on this VPC that may exist.
    pub flow_logs: Vec<&'a FlowLog>,
    /// Those certain to exist.
    pub certain: Vec<&'a FlowLog>,
    /// Why the targets of other flow logs cannot be followed.
    pub unknown_targets: Vec<&'a str>,
}

impl<'a> DeclaredVpc<'a> {
    pub fn new(declared: &'a Declared, vpc: &'a Vpc) -> DeclaredVpc<'a> {
        let flow_logs: Vec<&FlowLog> = declared
            .flow_logs
            .iter()
            .filter(|f| matches!(&f.target, Target::Vpcs(v) if v.contains(&vpc.address)))
            .filter(|f| f.exists != Known::Yes(false))
            .collect();
        let certain = flow_logs
            .iter()
            .copied()
            .filter(|f| f.exists == Known::Yes(true))
            .collect();
        let unknown_targets = declared
            .flow_logs
            .iter()
            .filter(|f| f.exists != Known::Yes(false))
            .filter_map(|f| f.target.may_be(&vpc.address))
            .collect();
        DeclaredVpc {
            declared,
            vpc,
            flow_logs,
            certain,
            unknown_targets,
        }
    }

    /// The flow log the VPC relies on (the first certain to exist), or the
    /// SKIPPED verdict of a check that needs one.
    pub fn relied_on(&self) -> Result<&'a FlowLog, Verdict> {
        self.certain.first().copied().ok_or_else(|| {
            Verdict::new(
                Status::Skipped,
                &self.vpc.location,
                "no flow log is certain to exist (reported by vpc-flow-logs-enabled)",
            )
        })
    }

    /// What every result on this VPC carries as evidence.
    pub fn evidence(&self) -> Value {
        json!({
            "vpc": self.vpc.address,
            "flow_logs": self.flow_logs.iter().map(|f| json!({
                "address": f.address,
                "file": f.location.file,
                "line": f.location.line,
                "traffic_type": match &f.traffic {
                    Known::Yes(t) => json!(t),
                    Known::Unknown(why) => json!({ "unknown": why }),
                },
            })).collect::<Vec<_>>(),
        })
    }
}
