//! The priority records: which tags mark production, and the level, score and
//! reasons a failing result carries. Plain data; the ranking is in the parent.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::Vpc;

/// Which tags mark a VPC as production.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityOptions {
    /// Tag keys that name the environment (compared without regard to case).
    pub production_tag_keys: Vec<String>,
    /// Values of those tags that mean production (compared without regard to case).
    pub production_tag_values: Vec<String>,
}

impl Default for PriorityOptions {
    fn default() -> Self {
        PriorityOptions {
            production_tag_keys: vec!["env".into(), "environment".into(), "stage".into()],
            production_tag_values: vec!["prod".into(), "production".into()],
        }
    }
}

impl PriorityOptions {
    /// The first tag that marks `vpc` as production, as `key=value`.
    pub fn production_tag(&self, vpc: &Vpc) -> Option<String> {
        self.production_tag_in(&vpc.tags)
    }

    /// The `key=value` of the first of `tags` that marks production, if any.
    pub fn production_tag_in(
        &self,
        tags: &std::collections::BTreeMap<String, String>,
    ) -> Option<String> {
        tags.iter().find_map(|(k, v)| {
            let key = self
                .production_tag_keys
                .iter()
                .any(|p| p.eq_ignore_ascii_case(k));
            let value = self
                .production_tag_values
                .iter()
                .any(|p| p.eq_ignore_ascii_case(v.trim()));
            (key && value).then(|| format!("{k}={v}"))
        })
    }
}

/// P1 (fix first) to P4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    P1,
    P2,
    P3,
    P4,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::P1 => "P1",
            Level::P2 => "P2",
            Level::P3 => "P3",
            Level::P4 => "P4",
        })
    }
}

/// A failing result's priority, with the reasons for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Priority {
    pub level: Level,
    /// Higher first; orders results across and within levels.
    pub score: u32,
    pub internet_exposed: bool,
    pub production: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_interfaces: Option<u32>,
    pub reasons: Vec<String>,
}
