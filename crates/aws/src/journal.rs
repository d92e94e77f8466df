//! The fix journal: JSON lines, one per change, each written and synced to disk
//! before the next change is made, so that an interrupted run can be undone.
//!
//! Each line carries a digest chained over the lines before it (SHA-256 of the
//! previous digest and the line's own content), so a line edited, inserted or
//! removed by hand is found when the journal is read. The digest proves only
//! that the file is as flowaudit wrote it, not who wrote it: `rollback` also
//! re-reads every resource and undoes only what is still as flowaudit left it.

use std::fs::File;
use std::io::Write;
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
    /// A retention flowaudit changed to `set_days`; `previous_days: null` means
    /// never expired.
    ChangedRetention {
        region: String,
        log_group_name: String,
        previous_days: Option<u32>,
        set_days: u32,
    },
    /// A trust policy flowaudit replaced, with the one before when it was known
    /// (`None`, or `""` in journals of earlier versions: not known).
    ChangedTrustPolicy {
        role_name: String,
        previous: Option<String>,
    },
    /// Lifecycle rules (by id) whose expiration flowaudit raised to `set_days`,
    /// with the days before.
    ChangedBucketExpiration {
        bucket: String,
        previous: Vec<(String, i32)>,
        set_days: i32,
    },
}

/// A journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub time: DateTime<Utc>,
    pub account_id: String,
    #[serde(flatten)]
    pub change: Change,
    /// SHA-256 (hex) of the previous line's digest and this line without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// The digest of `entry` (whose own digest is not set) after `previous`.
fn chain(previous: &str, entry: &Entry) -> Result<String, String> {
    use sha2::{Digest, Sha256};
    let body = serde_json::to_string(entry).map_err(|e| e.to_string())?;
    let mut hash = Sha256::new();
    hash.update(previous.as_bytes());
    hash.update(b"\n");
    hash.update(body.as_bytes());
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// An open journal.
pub struct Journal {
    file: File,
    path: PathBuf,
    account_id: String,
    /// The digest of the last line written ("" before the first).
    last: String,
}

impl Journal {
    /// Creates the journal (refusing to overwrite an existing one).
    pub fn create(path: &Path, account_id: &str) -> Result<Journal, String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("could not create {}: {e}", dir.display()))?;
        }
        let file = crate::private_file::open(path, crate::private_file::Open::CreateNew)
            .map_err(|e| format!("could not create journal {}: {e}", path.display()))?;
        Ok(Journal {
            file,
            path: path.to_path_buf(),
            account_id: account_id.to_string(),
            last: String::new(),
        })
    }

    /// Appends one change and syncs it to disk.
    pub fn record(&mut self, change: Change) -> Result<(), String> {
        let mut entry = Entry {
            time: Utc::now(),
            account_id: self.account_id.clone(),
            change,
            digest: None,
        };
        let digest = chain(&self.last, &entry)?;
        entry.digest = Some(digest.clone());
        let mut line = serde_json::to_string(&entry).map_err(|e| e.to_string())?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| format!("could not write journal {}: {e}", self.path.display()))?;
        self.last = digest;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// What a journal holds: its complete entries, and a last line cut short by a
/// crash while it was written, if there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct Journaled {
    pub entries: Vec<Entry>,
    pub cut: Option<CutLine>,
}

/// A last line without its end: flowaudit stopped while writing it, after the
/// change it records may have been made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutLine {
    pub line: usize,
    pub text: String,
}

/// The largest journal [`read`] accepts: a fix of ten thousand VPCs writes a
/// few MiB; a bigger file is not a journal and is not read into memory.
pub const MAX_BYTES: u64 = 64 << 20;

/// Reads a journal; a bad line, or one whose digest does not follow from the
/// lines before it, is an error naming the file and line. A last line that
/// ends without a newline was cut short by a crash (each entry is written with
/// its newline, then synced): it is returned apart, so that what the complete
/// lines record can still be rolled back.
pub fn read(path: &Path) -> Result<Journaled, String> {
    let mut text = String::new();
    File::open(path)
        .and_then(|f| {
            std::io::Read::read_to_string(&mut std::io::Read::take(f, MAX_BYTES + 1), &mut text)
        })
        .map_err(|e| format!("could not read journal {}: {e}", path.display()))?;
    if text.len() as u64 > MAX_BYTES {
        return Err(format!(
            "{} is larger than {} MiB, far more than any fix writes: not read",
            path.display(),
            MAX_BYTES >> 20
        ));
    }
    let mut lines: Vec<&str> = text.split('\n').collect();
    let last = lines.pop().unwrap_or_default();
    let cut = (!last.trim().is_empty()).then(|| CutLine {
        line: lines.len() + 1,
        text: last.to_string(),
    });
    let mut entries = Vec::new();
    let mut previous = String::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut entry: Entry = serde_json::from_str(line)
            .map_err(|e| format!("{}:{}: not a journal entry: {e}", path.display(), i + 1))?;
        let Some(digest) = entry.digest.take() else {
            return Err(format!(
                "{}:{}: the line has no digest, so it was not written by this version of flowaudit; nothing was undone",
                path.display(),
                i + 1
            ));
        };
        if chain(&previous, &entry)? != digest {
            return Err(format!(
                "{}:{}: the digest does not match: the journal was changed after flowaudit wrote it (a line edited, added or removed); nothing was undone",
                path.display(),
                i + 1
            ));
        }
        previous = digest;
        entries.push(entry);
    }
    Ok(Journaled { entries, cut })
}

#[cfg(test)]
mod tests {

    /// A trust policy whose previous document was not known is journaled as
    /// unknown, not as an empty document, and reads back as such.
    #[test]
    fn an_unknown_previous_trust_policy_stays_unknown() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("j.jsonl");
        let mut journal = Journal::create(&path, "1").unwrap_or_else(|e| panic!("{e}"));
        let change = Change::ChangedTrustPolicy {
            role_name: "r".into(),
            previous: None,
        };
        journal
            .record(change.clone())
            .unwrap_or_else(|e| panic!("{e}"));
        let back = read(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.entries[0].change, change);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(text.contains("\"previous\":null"), "{text}");
    }
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
                set_days: 365,
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(Journal::create(&path, "1").is_err(), "never overwrites");
        let read_back = read(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read_back.cut, None);
        let entries = read_back.entries;
        assert_eq!(entries.len(), 2);
        assert_eq!(
            entries[0].change,
            Change::CreatedRole {
                role_name: "r".into()
            }
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        // A crash while the second line was written: the first still counts,
        // the cut line is named.
        let first = text.lines().next().unwrap_or_default();
        let second = text.lines().nth(1).unwrap_or_default();
        std::fs::write(&path, format!("{first}\n{}", &second[..second.len() / 2]))
            .unwrap_or_else(|e| panic!("{e}"));
        let partial = read(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(partial.entries.len(), 1);
        assert_eq!(partial.cut.map(|c| c.line), Some(2));
        // A complete line that does not parse is damage, not a cut.
        std::fs::write(&path, format!("{first}\n{}\n", &second[..second.len() / 2]))
            .unwrap_or_else(|e| panic!("{e}"));
        let err = read(&path).err().unwrap_or_default();
        assert!(err.contains("j.jsonl:2: not a journal entry"), "{err}");
        // A hand-edited value, a removed line and a line without digest.
        std::fs::write(&path, text.replace("\"r\"", "\"admin\"")).unwrap_or_else(|e| panic!("{e}"));
        let err = read(&path).err().unwrap_or_default();
        assert!(
            err.contains("j.jsonl:1: the digest does not match"),
            "{err}"
        );
        let second = text.lines().nth(1).unwrap_or_default();
        std::fs::write(&path, format!("{second}\n")).unwrap_or_else(|e| panic!("{e}"));
        let err = read(&path).err().unwrap_or_default();
        assert!(
            err.contains("j.jsonl:1: the digest does not match"),
            "{err}"
        );
        std::fs::write(
            &path,
            "{\"time\":\"2026-01-01T00:00:00Z\",\"account_id\":\"1\",\"change\":\"created_role\",\"role_name\":\"r\"}\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let err = read(&path).err().unwrap_or_default();
        assert!(err.contains("j.jsonl:1: the line has no digest"), "{err}");
        std::fs::write(&path, "{\"nope\": 1}\n").unwrap_or_else(|e| panic!("{e}"));
        let err = read(&path).err().unwrap_or_default();
        assert!(err.contains("j.jsonl:1: not a journal entry"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A journal cut, flipped or spliced anywhere: read (a cut last line is
    /// reported, not fatal) or refused with a message naming the file, never a
    /// panic.
    #[test]
    fn mutated_journals_are_read_or_refused_with_a_message() {
        use flowaudit_core::mutate::{assert_message, mutations};
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("j.jsonl");
        let mut journal = Journal::create(&path, "123456789012").unwrap_or_else(|e| panic!("{e}"));
        for change in [
            Change::CreatedRole {
                role_name: "r".into(),
            },
            Change::ChangedRetention {
                region: "us-east-1".into(),
                log_group_name: "g".into(),
                previous_days: Some(7),
                set_days: 365,
            },
        ] {
            journal.record(change).unwrap_or_else(|e| panic!("{e}"));
        }
        drop(journal);
        let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
        let mut refused = 0;
        for input in mutations(&text, 300, 12) {
            std::fs::write(&path, &input).unwrap_or_else(|e| panic!("{e}"));
            if let Err(e) = read(&path) {
                refused += 1;
                assert_message(&e, &input);
                assert!(e.contains("j.jsonl"), "{e}");
            }
        }
        assert!(refused > 30, "only {refused} of 300 refused");
    }

    /// A file bigger than any journal is refused without being read whole.
    #[test]
    fn a_huge_file_is_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("huge.jsonl");
        let file = File::create(&path).unwrap_or_else(|e| panic!("{e}"));
        file.set_len(MAX_BYTES + 10)
            .unwrap_or_else(|e| panic!("{e}"));
        let e = read(&path).err().unwrap_or_default();
        assert!(e.contains("larger than 64 MiB"), "{e}");
    }
}
