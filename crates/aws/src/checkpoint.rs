//! The scan checkpoint: what a scan has read so far, one JSON line per account,
//! region and account-wide lookup, each flushed to disk before the next, so that
//! `scan --resume FILE` after an interruption reads only what is missing.
//!
//! ```text
//! {"kind":"header","schema":"flowaudit.checkpoint/v1","collected_at":…,"fingerprint":{…}}
//! {"kind":"account","account_id":"…","regions":["…"],"error":null}
//! {"kind":"region","account_id":"…","inventory":{…RegionInventory…},"hive":["fl-…"]}
//! {"kind":"globals","account_id":"…","iam_roles":[…],"s3_buckets":[…]}
//! ```
//!
//! A last line cut short by a crash is ignored; any other bad line is an error
//! naming the line.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use flowaudit_core::model::{IamRole, RegionInventory, S3Bucket};
use serde::{Deserialize, Serialize};

/// The schema of the header line.
pub const CHECKPOINT_SCHEMA: &str = "flowaudit.checkpoint/v1";

/// The options that decide what a scan reads; a resumed scan must match them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub org: bool,
    pub org_role: Option<String>,
    pub accounts: Vec<String>,
    pub exclude_accounts: Vec<String>,
    /// `None`: every enabled region.
    pub regions: Option<Vec<String>>,
    pub role_arn: Option<String>,
    pub profile: Option<String>,
    /// How many days back deliveries are looked for (from
    /// --max-delivery-age-hours): regions read with another window would be
    /// judged on different evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_lookback_days: Option<u32>,
    /// Days of delivered bytes measured (`cost`): a plain scan's regions hold
    /// no volumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_days: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Line {
    Header {
        schema: String,
        collected_at: DateTime<Utc>,
        fingerprint: Fingerprint,
    },
    Account {
        account_id: String,
        regions: Vec<String>,
        error: Option<String>,
    },
    Region {
        account_id: String,
        inventory: RegionInventory,
        hive: BTreeSet<String>,
    },
    Globals {
        account_id: String,
        iam_roles: Vec<IamRole>,
        s3_buckets: Vec<S3Bucket>,
    },
}

/// An account as the checkpoint knows it.
#[derive(Debug, Clone, Default)]
pub struct AccountState {
    /// Set once the account was set up: its regions, or why it could not be read.
    pub setup: Option<Result<Vec<String>, String>>,
    pub regions: BTreeMap<String, (RegionInventory, BTreeSet<String>)>,
    pub globals: Option<(Vec<IamRole>, Vec<S3Bucket>)>,
}

/// What a checkpoint file holds.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub collected_at: DateTime<Utc>,
    pub fingerprint: Fingerprint,
    pub accounts: BTreeMap<String, AccountState>,
}

/// Why a checkpoint cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("checkpoint {path}:{line}: {message}")]
    Bad {
        path: String,
        line: usize,
        message: String,
    },
    #[error("checkpoint {path} was written by a scan with other options ({what}); run that scan again, or start a new one without --resume")]
    Mismatch { path: String, what: String },
}

/// Appends lines to a checkpoint, durably.
pub struct Writer {
    path: PathBuf,
    file: Mutex<File>,
}

impl Writer {
    /// Creates (or truncates) `path` and writes the header.
    pub fn create(
        path: &Path,
        collected_at: DateTime<Utc>,
        fingerprint: &Fingerprint,
    ) -> Result<Writer, CheckpointError> {
        let io = |source| CheckpointError::Io {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file =
            crate::private_file::open(path, crate::private_file::Open::Replace).map_err(io)?;
        let writer = Writer {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        };
        writer.append(&Line::Header {
            schema: CHECKPOINT_SCHEMA.to_string(),
            collected_at,
            fingerprint: fingerprint.clone(),
        })?;
        Ok(writer)
    }

    /// Opens an existing checkpoint to append to.
    pub fn append_to(path: &Path) -> Result<Writer, CheckpointError> {
        let file = crate::private_file::open(path, crate::private_file::Open::Append).map_err(
            |source| CheckpointError::Io {
                path: path.display().to_string(),
                source,
            },
        )?;
        Ok(Writer {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn append(&self, line: &Line) -> Result<(), CheckpointError> {
        let io = |source| CheckpointError::Io {
            path: self.path.display().to_string(),
            source,
        };
        let mut text = serde_json::to_string(line).map_err(|e| CheckpointError::Bad {
            path: self.path.display().to_string(),
            line: 0,
            message: format!("could not serialise: {e}"),
        })?;
        text.push('\n');
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_data().map_err(io)
    }

    pub fn account(
        &self,
        account_id: &str,
        setup: &Result<Vec<String>, String>,
    ) -> Result<(), CheckpointError> {
        let (regions, error) = match setup {
            Ok(regions) => (regions.clone(), None),
            Err(why) => (Vec::new(), Some(why.clone())),
        };
        self.append(&Line::Account {
            account_id: account_id.to_string(),
            regions,
            error,
        })
    }

    pub fn region(
        &self,
        account_id: &str,
        inventory: &RegionInventory,
        hive: &BTreeSet<String>,
    ) -> Result<(), CheckpointError> {
        self.append(&Line::Region {
            account_id: account_id.to_string(),
            inventory: inventory.clone(),
            hive: hive.clone(),
        })
    }

    pub fn globals(
        &self,
        account_id: &str,
        iam_roles: &[IamRole],
        s3_buckets: &[S3Bucket],
    ) -> Result<(), CheckpointError> {
        self.append(&Line::Globals {
            account_id: account_id.to_string(),
            iam_roles: iam_roles.to_vec(),
            s3_buckets: s3_buckets.to_vec(),
        })
    }
}

/// Reads a checkpoint; `expected` must equal its fingerprint.
pub fn load(path: &Path, expected: &Fingerprint) -> Result<Loaded, CheckpointError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| CheckpointError::Io {
        path: name.clone(),
        source,
    })?;
    let lines: Vec<String> = BufReader::new(file)
        .lines()
        .collect::<Result<_, _>>()
        .map_err(|source| CheckpointError::Io {
            path: name.clone(),
            source,
        })?;
    let bad = |line: usize, message: String| CheckpointError::Bad {
        path: name.clone(),
        line,
        message,
    };
    let mut loaded: Option<Loaded> = None;
    let last = lines.len();
    for (i, text) in lines.iter().enumerate() {
        let n = i + 1;
        if text.trim().is_empty() {
            continue;
        }
        let line: Line = match serde_json::from_str(text) {
            Ok(line) => line,
            // A crash can cut the last line short: that entry is read again.
            Err(_) if n == last && loaded.is_some() => break,
            Err(e) => return Err(bad(n, e.to_string())),
        };
        match (line, loaded.as_mut()) {
            (
                Line::Header {
                    schema,
                    collected_at,
                    fingerprint,
                },
                None,
            ) => {
                if schema != CHECKPOINT_SCHEMA {
                    return Err(bad(
                        n,
                        format!("schema `{schema}` is not {CHECKPOINT_SCHEMA}"),
                    ));
                }
                if &fingerprint != expected {
                    return Err(CheckpointError::Mismatch {
                        path: name.clone(),
                        what: describe_mismatch(&fingerprint, expected),
                    });
                }
                loaded = Some(Loaded {
                    collected_at,
                    fingerprint,
                    accounts: BTreeMap::new(),
                });
            }
            (Line::Header { .. }, Some(_)) => return Err(bad(n, "a second header".into())),
            (_, None) => return Err(bad(n, "no header line first".into())),
            (
                Line::Account {
                    account_id,
                    regions,
                    error,
                },
                Some(l),
            ) => {
                l.accounts.entry(account_id).or_default().setup = Some(match error {
                    Some(why) => Err(why),
                    None => Ok(regions),
                });
            }
            (
                Line::Region {
                    account_id,
                    inventory,
                    hive,
                },
                Some(l),
            ) => {
                l.accounts
                    .entry(account_id)
                    .or_default()
                    .regions
                    .insert(inventory.region.clone(), (inventory, hive));
            }
            (
                Line::Globals {
                    account_id,
                    iam_roles,
                    s3_buckets,
                },
                Some(l),
            ) => {
                l.accounts.entry(account_id).or_default().globals = Some((iam_roles, s3_buckets));
            }
        }
    }
    loaded.ok_or_else(|| bad(1, "empty checkpoint".into()))
}

fn describe_mismatch(found: &Fingerprint, expected: &Fingerprint) -> String {
    let (a, b) = (
        serde_json::to_value(found).unwrap_or_default(),
        serde_json::to_value(expected).unwrap_or_default(),
    );
    let mut diffs = Vec::new();
    if let (Some(a), Some(b)) = (a.as_object(), b.as_object()) {
        for (key, value) in a {
            if b.get(key) != Some(value) {
                diffs.push(format!(
                    "{key}: {value} in the checkpoint, {} now",
                    b.get(key).cloned().unwrap_or_default()
                ));
            }
        }
    }
    diffs.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp() -> Fingerprint {
        Fingerprint {
            org: true,
            org_role: Some("OrganizationAccountAccessRole".into()),
            accounts: vec![],
            exclude_accounts: vec![],
            regions: Some(vec!["us-east-1".into()]),
            role_arn: None,
            profile: None,
            delivery_lookback_days: Some(2),
            volume_days: None,
        }
    }

    fn region(name: &str) -> RegionInventory {
        RegionInventory {
            region: name.into(),
            error: None,
            vpcs: vec![],
            subnets: vec![],
            network_interfaces: vec![],
            flow_logs: vec![],
            log_groups: vec![],
            transit_gateways: None,
            transit_gateways_error: None,
            firehose_streams: vec![],
        }
    }

    #[test]
    fn round_trip_and_torn_last_line() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("scan.checkpoint");
        let at = Utc::now();
        let w = Writer::create(&path, at, &fp()).unwrap_or_else(|e| panic!("{e}"));
        w.account("111111111111", &Ok(vec!["us-east-1".into()]))
            .unwrap_or_else(|e| panic!("{e}"));
        w.account("222222222222", &Err("AccessDenied".into()))
            .unwrap_or_else(|e| panic!("{e}"));
        w.region("111111111111", &region("us-east-1"), &BTreeSet::new())
            .unwrap_or_else(|e| panic!("{e}"));
        drop(w);
        // A crash in the middle of the next line.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("{e}"));
        f.write_all(b"{\"kind\":\"globals\",\"account_id\":\"1111")
            .unwrap_or_else(|e| panic!("{e}"));
        drop(f);
        let l = load(&path, &fp()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l.collected_at, at);
        let a = &l.accounts["111111111111"];
        assert_eq!(a.setup, Some(Ok(vec!["us-east-1".to_string()])));
        assert!(a.regions.contains_key("us-east-1"));
        assert!(a.globals.is_none());
        assert_eq!(
            l.accounts["222222222222"].setup,
            Some(Err("AccessDenied".to_string()))
        );
        // Other options: refused, saying which.
        let mut other = fp();
        other.regions = Some(vec!["eu-west-1".into()]);
        let msg = load(&path, &other)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(msg.contains("regions"), "{msg}");
        // A bad line in the middle names its line.
        std::fs::write(&path, "{\"kind\":\"nonsense\"}\n{}\n").unwrap_or_else(|e| panic!("{e}"));
        let msg = load(&path, &fp())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(msg.contains(":1:"), "{msg}");
    }

    /// A checkpoint cut, flipped or spliced anywhere: loaded (what is whole) or
    /// refused with a message, never a panic.
    #[test]
    fn mutated_checkpoints_load_or_are_refused_with_a_message() {
        use flowaudit_core::mutate::{assert_message, mutations};
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("scan.checkpoint");
        let w = Writer::create(&path, Utc::now(), &fp()).unwrap_or_else(|e| panic!("{e}"));
        w.account("111111111111", &Ok(vec!["us-east-1".into()]))
            .unwrap_or_else(|e| panic!("{e}"));
        w.region("111111111111", &region("us-east-1"), &BTreeSet::new())
            .unwrap_or_else(|e| panic!("{e}"));
        drop(w);
        let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
        let mut refused = 0;
        for input in mutations(&text, 300, 11) {
            std::fs::write(&path, &input).unwrap_or_else(|e| panic!("{e}"));
            if let Err(e) = load(&path, &fp()) {
                refused += 1;
                assert_message(&e.to_string(), &input);
            }
        }
        assert!(refused > 30, "only {refused} of 300 refused");
    }
}
