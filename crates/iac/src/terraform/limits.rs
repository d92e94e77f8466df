//! The bounds of what one configuration may make flowaudit do, and the
//! registry module understood by its inputs.

/// The VPC module from the Terraform registry that is understood by its inputs.
pub(super) const VPC_MODULE: &str = "terraform-aws-modules/vpc/aws";

/// What one configuration may make flowaudit do. Each limit, when reached, is an
/// ERROR naming the file and line (never an abort, a hang or a guess); real
/// configurations stay far below them.
/// Instances one `count` or `for_each` expands to.
pub const MAX_INSTANCES: u64 = 1_000;
/// Bytes one expression may produce (bounded before it is evaluated).
pub const MAX_VALUE: u64 = 1 << 20;
/// Bytes of all the variables and locals of one module.
pub(super) const MAX_SCOPE: u64 = 8 << 20;
/// Bytes evaluation may allocate, in all, for one root module and its children.
pub(super) const MAX_WORK: u64 = 1 << 30;
/// Local modules nested in one another.
pub const MAX_MODULE_DEPTH: usize = 16;
/// Local module calls made from one root module, all levels together.
pub const MAX_MODULE_CALLS: usize = 1_000;
