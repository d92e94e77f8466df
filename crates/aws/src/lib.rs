//! The AWS side of flowaudit: collects the inventory with the AWS SDK for Rust.
//!
//! API plan per region: one paginated list each of VPCs, flow logs, subnets,
//! internet gateways and network interfaces, run concurrently and joined in
//! memory; then one paginated `DescribeLogGroups` by the common prefix of the
//! referenced groups, and `GetMetricData` (500 groups a call) for the newest
//! delivery. Per account: `GetCallerIdentity` once, each referenced IAM role once,
//! each referenced S3 bucket once. Nothing is called once per VPC.

pub mod checkpoint;
mod clients;
pub mod collect;
mod ec2;
mod errors;
pub mod fix;
pub mod fix_command;
pub(crate) mod iam;
pub mod journal;
mod logs;
pub mod logsource;
pub mod options;
pub mod org;
pub mod permissions;
pub mod private_file;
pub mod rollback;
pub(crate) mod s3;
pub mod securityhub;
pub mod stats;

pub use clients::Ctx as Session;
pub use collect::{connect, scan, Progress, ScanError, ScanOptions, ScanOutcome, Silent};
pub use org::OrgOptions;
pub use stats::StatsSnapshot;
