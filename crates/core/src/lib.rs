//! flowaudit core: the inventory model, the checks, the report and its presenters.
//!
//! Pure: nothing here calls AWS or does I/O beyond writing what it is asked to.
//! See `DESIGN.md` for the architecture.

pub mod arn;
pub mod checks;
pub mod context;
pub mod controls;
pub mod cost;
pub mod declared;
pub mod demo;
pub mod diff;
pub mod engine;
pub mod escape;
pub mod exceptions;
pub mod fields;
pub mod findings;
pub mod load;
pub mod model;
#[doc(hidden)]
pub mod mutate;
pub mod policy;
pub mod present;
pub mod priority;
pub mod region;
pub mod remediation;
pub mod report;
pub mod settings;
pub mod stats;
pub mod walk;

pub use engine::{build_report, build_report_with, build_results_report, Custom, Source};
pub use model::{Inventory, INVENTORY_SCHEMA};
pub use report::{CheckResult, Report, Severity, Status, REPORT_SCHEMA};
pub use settings::{RequiredTrafficType, Settings};
