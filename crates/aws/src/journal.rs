//! The fix journal: JSON lines, one per change, each written and synced to disk
//! before the next change is made, so that an interrupted run can be undone.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One change flowaudit made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// A log group flowaudit created.
    CreatedLogGroup {
        region: String,
        log_group_name: String,
    },
    /// A role flowaudit created.
    CreatedRole { role_name: String },
    /// An inline policy flowaudit put on a role.
    PutRolePolicy {
        role_name: String,
        policy_name: String,
    },
    /// A flow log flowaudit created.
    CreatedFlowLog {
        region: String,
        vpc_id: String,
        flow_log_id: String,
    },
    /// A retention flowaudit changed; `previous_days: null` means never expired.
    ChangedRetention {
        region: String,
        log_group_name: String,
        previous_days: Option<u32>,
    },
    /// A trust policy flowaudit replaced.
    ChangedTrustPolicy { role_name: String, previous: String },
    /// Lifecycle rules (by id) whose expiration flowaudit raised, with the days
    /// before.
    ChangedBucketExpiration {
        bucket: String,
        previous: Vec<(String, i32)>,
    },
}

/// A journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub time: DateTime<Utc>,
    pub account_id: String,
    #[serde(flatten)]
    pub change: Change,
}

/// An open journal.
pub struct Journal {
    file: File,
    path: PathBuf,
    account_id: String,
}

impl Journal {
    /// Creates the journal (refusing to overwrite an existing one).
    pub fn create(path: &Path, account_id: &str) -> Result<Journal, String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("could not create {}: {e}", dir.display()))?;
        }
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("could not create journal {}: {e}", path.display()))?;
        Ok(Journal {
            file,
            path: path.to_path_buf(),
            account_id: account_id.to_string(),
        })
    }

    /// Appends one change and syncs it to disk.
    pub fn record(&mut self, change: Change) -> Result<(), String> {
        let entry = Entry {
            time: Utc::now(),
            account_id: self.account_id.clone(),
            change,
        };
        let mut line = serde_json::to_string(&entry).map_err(|e| e.to_string())?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| format!("could not write journal {}: {e}", self.path.display()))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Reads a journal; a bad line is an error naming the file and line.
pub fn read(path: &Path) -> Result<Vec<Entry>, String> {
    let file =
        File::open(path).map_err(|e| format!("could not read journal {}: {e}", path.display()))?;
    let mut entries = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let entry: Entry = serde_json::from_str(&line)
            .map_err(|e| format!("{}:{}: not a journal entry: {e}", path.display(), i + 1))?;
        entries.push(entry);
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bad_lines() {
        let dir = std::env::temp_dir().join(format!("flowaudit-journal-{}", std::process::id()));
        let path = dir.join("j.jsonl");
        let _ = std::fs::remove_file(&path);
        let mut journal = Journal::create(&path, "1").unwrap_or_else(|e| panic!("{e}"));
        journal
            .record(Change::CreatedRole {
                role_name: "r".into(),
            })
            .unwrap_or_else(|e| panic!("{e}"));
        journal
            .record(Change::ChangedRetention {
                region: "x".into(),
                log_group_name: "g".into(),
                previous_days: None,
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(Journal::create(&path, "1").is_err(), "never overwrites");
        let entries = read(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(entries.len(), 2);
        assert_eq!(
            entries[0].change,
            Change::CreatedRole {
                role_name: "r".into()
            }
        );
        std::fs::write(&path, "{\"nope\": 1}\n").unwrap_or_else(|e| panic!("{e}"));
        let err = read(&path).err().unwrap_or_default();
        assert!(err.contains("j.jsonl:1: not a journal entry"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
