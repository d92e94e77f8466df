//! Terraform configuration (`.tf`, `.tf.json`), one directory (module) at a time.
//!
//! Values are evaluated with the variables' defaults, the locals, `count.index`,
//! `each.key`/`each.value` and a few pure functions; anything that needs a value
//! known only at apply time (a variable without default, a data source, another
//! resource's attribute) is `Unknown` with the reason. References (`vpc_id =
//! aws_vpc.main[count.index].id`, `each.value.id` over `for_each = aws_vpc.main`,
//! `module.vpc.vpc_id`, through locals) are followed on the expression, not
//! evaluated. Local modules (`source = "./…"`) are read with their inputs; the
//! `terraform-aws-modules/vpc/aws` module is understood by its inputs; any other
//! remote module is reported as not checkable.

mod declare;
mod file;
mod functions;
mod json;
mod limits;
mod module;
mod reading;
mod registry_module;

pub use limits::{MAX_INSTANCES, MAX_MODULE_CALLS, MAX_MODULE_DEPTH, MAX_VALUE};
pub use reading::Reading;
