//! Custom controls: a team's own stored query over the inventory, saved as a
//! control that rides the report beside the built-in checks (exceptions,
//! priority, history, `diff`, every format).
//!
//! What the report keeps of a control ([`ControlInfo`]: its metadata, what it
//! covers, how its rows are read) is part of the report's schema and lives in
//! [`crate::report`], so that a report read back (`diff`, `history`, SARIF from
//! a saved run) still names each control's title and severity. This module
//! holds the rules for ids and statuses. Running the SQL is the query crate's
//! job (`flowaudit_query::control`); reading the definitions from TOML is the
//! CLI's.

pub use crate::report::{ControlInfo, Covers, Expect};

/// Why a control id cannot be used.
pub fn invalid_id(id: &str) -> Option<String> {
    if id.is_empty() || id.len() > 64 {
        return Some("an id is 1 to 64 characters".into());
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || id.starts_with('-')
    {
        return Some(format!(
            "`{}` is not an id: use lower-case letters, digits and `-`, like team-central-archive",
            crate::escape::terminal::show(id)
        ));
    }
    if crate::checks::meta(id).is_some() {
        return Some(format!(
            "`{id}` is a built-in check or finding; give the control an id of its own"
        ));
    }
    None
}

/// The status a query row may give, in flowaudit's words or Powerpipe's, or
/// `None` for any other text.
pub fn parse_status(text: &str) -> Option<crate::report::Status> {
    use crate::report::Status;
    match text.to_ascii_lowercase().as_str() {
        "pass" | "ok" => Some(Status::Pass),
        "fail" | "alarm" => Some(Status::Fail),
        "skipped" | "skip" => Some(Status::Skipped),
        "error" => Some(Status::Error),
        _ => None,
    }
}

/// The statuses [`parse_status`] accepts, for messages and docs.
pub const STATUSES: &str = "PASS, FAIL, SKIPPED, ERROR (or ok, alarm, skip, error)";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;

    #[test]
    fn ids_are_plain_and_never_a_built_in_one() {
        assert_eq!(invalid_id("team-central-archive"), None);
        assert!(invalid_id("vpc-flow-logs-enabled").is_some());
        assert!(invalid_id("Team Archive").is_some());
        assert!(invalid_id("-x").is_some());
        assert!(invalid_id("").is_some());
        assert!(invalid_id("x\u{1b}[2J").is_some());
    }

    #[test]
    fn statuses_in_both_vocabularies_and_nothing_else() {
        assert_eq!(parse_status("ok"), Some(Status::Pass));
        assert_eq!(parse_status("ALARM"), Some(Status::Fail));
        assert_eq!(parse_status("SKIPPED"), Some(Status::Skipped));
        assert_eq!(parse_status("error"), Some(Status::Error));
        assert_eq!(parse_status("info"), None);
        assert_eq!(parse_status("EXCEPTED"), None);
        assert_eq!(parse_status(""), None);
    }
}
