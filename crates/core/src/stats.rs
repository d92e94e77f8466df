//! What a run measured about itself, carried in the report's `stats`: the API
//! calls of a live scan (`--stats`), or what `flowaudit analyze` read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A report's statistics; the JSON shape of each kind is its fields (the read
/// statistics under `read`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RunStats {
    Read { read: ReadStats },
    Api(ApiStats),
}

/// Counts for one service operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpCount {
    pub calls: u64,
    pub attempts: u64,
}

/// The API calls of one run, as an SDK interceptor counted them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiStats {
    pub total_calls: u64,
    pub total_retries: u64,
    /// `service:Operation` → counts, all scopes together.
    pub calls: BTreeMap<String, OpCount>,
    /// Scope (region, or `global` for IAM, STS and S3 lookups) → calls made there.
    pub calls_by_scope: BTreeMap<String, u64>,
    /// Scope → operation → counts.
    pub by_scope: BTreeMap<String, BTreeMap<String, OpCount>>,
    /// Region → wall time in milliseconds.
    pub region_wall_ms: BTreeMap<String, u64>,
    pub wall_ms: u64,
}

/// What `flowaudit analyze` read, and how fast.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadStats {
    pub inputs: u64,
    pub records: u64,
    pub nodata: u64,
    pub skipdata: u64,
    pub malformed: u64,
    /// CloudWatch Logs CONTROL_MESSAGE payloads (health checks), left out.
    #[serde(default)]
    pub control_messages: u64,
    pub outside_window: u64,
    pub unreadable: u64,
    /// Time of the oldest and newest record (RFC 3339), when any was read.
    pub from: Option<String>,
    pub to: Option<String>,
    pub threads: u64,
    pub wall_ms: u64,
    pub records_per_second: u64,
    /// `service:Operation` → counts, when logs were read from AWS.
    pub api_calls: Option<BTreeMap<String, OpCount>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both kinds come back as themselves from a saved report (history, diff).
    #[test]
    fn both_kinds_round_trip_through_json() {
        let read = RunStats::Read {
            read: ReadStats {
                inputs: 2,
                records: 10,
                from: Some("2026-11-20T12:00:00+00:00".into()),
                ..ReadStats::default()
            },
        };
        let mut api = ApiStats {
            total_calls: 3,
            ..ApiStats::default()
        };
        api.calls.insert(
            "ec2:DescribeVpcs".into(),
            OpCount {
                calls: 3,
                attempts: 4,
            },
        );
        for stats in [read, RunStats::Api(api)] {
            let text = serde_json::to_string(&stats).unwrap_or_default();
            let back: Result<RunStats, _> = serde_json::from_str(&text);
            assert_eq!(back.ok(), Some(stats), "{text}");
        }
        let text = serde_json::to_string(&RunStats::Read {
            read: ReadStats::default(),
        })
        .unwrap_or_default();
        assert!(text.starts_with("{\"read\":{"), "{text}");
    }
}
