//! Presenters: each renders the same [`Report`](crate::report::Report) (or the
//! check catalog) for one audience. None recomputes anything.

pub mod catalog;
pub mod diff;
pub mod json;
pub mod plans;
pub mod table;

/// Output formats of evaluating commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}
