//! The inventory as relational tables in an in-memory SQLite database, for
//! `flowaudit query` (and the stored queries of custom controls).
//!
//! The tables and their columns are declared once, in [`schema::TABLES`], with
//! their types and meaning: the loader, `flowaudit query --schema` and the
//! README's table are all read from there. A query runs read-only (an authorizer
//! allows only reading and functions: no writes, no `ATTACH`, no `PRAGMA`),
//! one statement at a time, under a time limit.

pub mod control;
pub mod db;
pub mod render;
pub mod schema;

pub use control::{Control, ControlError};
pub use db::{Database, QueryError, Rows};
