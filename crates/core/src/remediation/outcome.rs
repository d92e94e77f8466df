//! What applying a fix did, as plain data: the outcome of each action and each
//! chosen failure's status after the re-scan. Made by the AWS side, shown by
//! [`crate::present::fix`].

use crate::report::Status;

/// What happened to one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Made the change (journaled).
    Done(String),
    /// Nothing to do: already in place.
    AlreadyDone(String),
    /// Left for a person (deletions that wait for verification, investigations).
    LeftForYou(String),
}

/// One chosen failure after the fix: its status in the re-scan, `None` when the
/// resource is gone.
#[derive(Debug, Clone)]
pub struct BeforeAfter {
    pub check_id: String,
    pub resource_id: String,
    pub vpc_id: Option<String>,
    pub now: Option<Status>,
}
