//! The run history: every `scan` and `check` run in one embedded SQLite file.
//!
//! The database runs in WAL mode and every write is one `BEGIN IMMEDIATE`
//! transaction, with a busy timeout, so several flowaudit processes can record at
//! once without corrupting it or losing a run. The schema version lives in
//! `PRAGMA user_version` and the file is marked with `PRAGMA application_id`; a
//! file from a newer flowaudit, or a database that is not a flowaudit history, is
//! refused with a clear error and never modified.

pub mod present;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use flowaudit_core::report::{Report, Summary};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

/// The schema this build reads and writes.
pub const SCHEMA_VERSION: i64 = 1;
/// `PRAGMA application_id` of a flowaudit history ("FLAU").
pub const APPLICATION_ID: i64 = 0x464C_4155;

/// How long a writer waits for another process's transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

const SCHEMA: &str = "
CREATE TABLE runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    recorded_at  TEXT NOT NULL,
    collected_at TEXT NOT NULL,
    command      TEXT NOT NULL,
    source       TEXT NOT NULL,
    scope        TEXT NOT NULL,
    accounts     TEXT NOT NULL,
    regions      TEXT NOT NULL,
    settings     TEXT NOT NULL,
    summary      TEXT NOT NULL,
    report       TEXT NOT NULL
);
CREATE INDEX runs_scope ON runs (scope, id);
CREATE TABLE results (
    run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    check_id      TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    region        TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    vpc_id        TEXT,
    status        TEXT NOT NULL,
    severity      TEXT NOT NULL,
    message       TEXT NOT NULL
);
CREATE INDEX results_run ON results (run_id);
CREATE INDEX results_resource ON results (account_id, region, resource_id);
";

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("history database {path}: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("history database {path} has schema version {found}, newer than this flowaudit supports ({SCHEMA_VERSION}); upgrade flowaudit, or choose another file with --db")]
    Newer { path: String, found: i64 },
    #[error("{path} is an SQLite database but not a flowaudit history (application id {found:#x}); choose another file with --db")]
    Foreign { path: String, found: i64 },
    #[error("could not create the directory of {path}: {source}")]
    Directory {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("history database {path}: run #{id} does not exist (see `flowaudit history`)")]
    NoSuchRun { path: String, id: i64 },
    #[error(
        "history database {path}: run #{id} holds a report this flowaudit cannot read: {message}"
    )]
    BadReport {
        path: String,
        id: i64,
        message: String,
    },
}

/// One recorded run, without its results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    pub id: i64,
    pub recorded_at: DateTime<Utc>,
    pub collected_at: DateTime<Utc>,
    /// `scan` or `check`.
    pub command: String,
    pub source: String,
    /// `accounts=… regions=…`: runs of the same scope are compared.
    pub scope: String,
    pub summary: Summary,
}

/// A FAIL result of a run, as the history keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailKey {
    pub check_id: String,
    pub account_id: String,
    pub region: String,
    pub resource_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    pub severity: String,
    pub message: String,
}

impl FailKey {
    /// What makes two runs' results the same result.
    fn identity(&self) -> (String, String, String, String) {
        (
            self.check_id.clone(),
            self.account_id.clone(),
            self.region.clone(),
            self.resource_id.clone(),
        )
    }
}

/// A failure of a run and how long the history has known it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenFailure {
    #[serde(flatten)]
    pub key: FailKey,
    /// The first run of the unbroken series of runs (same scope) that failed it.
    pub since_run: i64,
    /// When that run's inventory was collected.
    pub since: DateTime<Utc>,
    /// Whole days from `since` to the run's collection.
    pub days: i64,
    /// Runs in the series, this one included.
    pub runs: i64,
}

/// An open history database.
pub struct Store {
    conn: Connection,
    path: String,
}

impl Store {
    /// Opens the database at `path`, creating it (and its directory) if missing.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let name = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Directory {
                path: name.clone(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Sqlite {
            path: name.clone(),
            source,
        })?;
        let mut store = Store { conn, path: name };
        store.prepare()?;
        Ok(store)
    }

    /// The database's path as given.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Checks the version and creates the schema, once, under a write lock.
    fn prepare(&mut self) -> Result<(), StoreError> {
        let err = |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        };
        self.conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
        let (version, app) = self.identity()?;
        self.check_identity(version, app)?;
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        // A database that holds tables but is not a history is refused before
        // anything is written to it (switching to WAL would change its header).
        // One statement reads both, so a history another process creates at
        // the same moment is seen whole (its tables and its version together).
        if version == 0 {
            let (tables, now): (i64, i64) = self
                .conn
                .query_row(
                    "SELECT (SELECT count(*) FROM sqlite_master), (SELECT user_version FROM pragma_user_version)",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(err)?;
            if tables > 0 && now == 0 {
                return Err(StoreError::Foreign {
                    path: self.path.clone(),
                    found: app,
                });
            }
        }
        // WAL is a property of the file; it cannot be switched inside a
        // transaction, and the switch needs the file to itself: while other
        // processes open it at the same moment it can answer "busy" at once,
        // without the busy timeout, so it is tried again until that timeout.
        let started = std::time::Instant::now();
        loop {
            match self
                .conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
            {
                Ok(_) => break,
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if matches!(
                        e.code,
                        rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                    ) && started.elapsed() < BUSY_TIMEOUT =>
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(err(e)),
            }
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        if version == 0 {
            let tables: i64 = tx
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
                .map_err(err)?;
            if tables > 0 {
                let app: i64 = tx
                    .query_row("PRAGMA application_id", [], |r| r.get(0))
                    .map_err(err)?;
                return Err(StoreError::Foreign {
                    path: self.path.clone(),
                    found: app,
                });
            }
            tx.execute_batch(SCHEMA).map_err(err)?;
            tx.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION};"
            ))
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        let (version, app) = self.identity()?;
        self.check_identity(version, app)
    }

    fn identity(&self) -> Result<(i64, i64), StoreError> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.err())?;
        let app: i64 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(self.err())?;
        Ok((version, app))
    }

    fn check_identity(&self, version: i64, app: i64) -> Result<(), StoreError> {
        if version != 0 && app != APPLICATION_ID {
            return Err(StoreError::Foreign {
                path: self.path.clone(),
                found: app,
            });
        }
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: self.path.clone(),
                found: version,
            });
        }
        Ok(())
    }

    /// Records a run and its results in one transaction; returns its id.
    pub fn record(&mut self, command: &str, report: &Report) -> Result<i64, StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let json = |value: &dyn erased::Json| value.to_json();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        tx.execute(
            "INSERT INTO runs (recorded_at, collected_at, command, source, scope, accounts,
                               regions, settings, summary, report)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                Utc::now().to_rfc3339(),
                report.collected_at.to_rfc3339(),
                command,
                report.source,
                report.scope.key(),
                json(&report.scope.accounts),
                json(&report.scope.regions),
                json(&report.settings),
                json(&report.summary),
                json(report),
            ],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO results (run_id, check_id, account_id, region, resource_type,
                                          resource_id, vpc_id, status, severity, message)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(err)?;
            for r in &report.results {
                insert
                    .execute(params![
                        id,
                        r.check_id,
                        r.account_id,
                        r.region.as_str(),
                        r.resource_type.as_str(),
                        r.resource_id,
                        r.vpc_id,
                        r.status.as_str(),
                        r.severity.as_str(),
                        r.message,
                    ])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// Recorded runs, newest first; `limit` caps how many.
    pub fn runs(&self, limit: Option<usize>) -> Result<Vec<Run>, StoreError> {
        let limit = limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, recorded_at, collected_at, command, source, scope, summary
                 FROM runs ORDER BY id DESC LIMIT ?1",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([limit], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                ))
            })
            .map_err(self.err())?;
        let mut runs = Vec::new();
        for row in rows {
            let (id, recorded, collected, command, source, scope, summary) =
                row.map_err(self.err())?;
            let bad = |message: String| StoreError::BadReport {
                path: self.path.clone(),
                id,
                message,
            };
            runs.push(Run {
                id,
                recorded_at: parse_time(&recorded).map_err(bad)?,
                collected_at: parse_time(&collected).map_err(bad)?,
                command,
                source,
                scope,
                summary: serde_json::from_str(&summary).map_err(|e| bad(e.to_string()))?,
            });
        }
        Ok(runs)
    }

    /// The full report of run `id`.
    pub fn report(&self, id: i64) -> Result<Report, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT report FROM runs WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(self.err())?;
        let text = text.ok_or_else(|| StoreError::NoSuchRun {
            path: self.path.clone(),
            id,
        })?;
        serde_json::from_str(&text).map_err(|e| StoreError::BadReport {
            path: self.path.clone(),
            id,
            message: e.to_string(),
        })
    }

    /// The newest run and the one before it of the same scope, if there are two.
    pub fn last_two(&self) -> Result<Option<(i64, i64)>, StoreError> {
        let newest: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT id, scope FROM runs ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.err())?;
        let Some((new, scope)) = newest else {
            return Ok(None);
        };
        let old: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM runs WHERE scope = ?1 AND id < ?2 ORDER BY id DESC LIMIT 1",
                params![scope, new],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())?;
        Ok(old.map(|old| (old, new)))
    }

    /// Every FAIL result of run `id`, with the first run of the same scope in
    /// the unbroken series of runs that failed it (how long flowaudit has known
    /// the failure), oldest first.
    pub fn open_failures(&self, id: i64) -> Result<Vec<OpenFailure>, StoreError> {
        let (scope, collected): (String, String) = self
            .conn
            .query_row(
                "SELECT scope, collected_at FROM runs WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.err())?
            .ok_or_else(|| StoreError::NoSuchRun {
                path: self.path.clone(),
                id,
            })?;
        let bad = |run: i64| {
            move |message: String| StoreError::BadReport {
                path: self.path.clone(),
                id: run,
                message,
            }
        };
        let now = parse_time(&collected).map_err(bad(id))?;
        let failing = |run: i64| -> Result<Vec<FailKey>, StoreError> {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT check_id, account_id, region, resource_id, vpc_id, severity, message
                     FROM results WHERE run_id = ?1 AND status = 'FAIL'",
                )
                .map_err(self.err())?;
            let rows = stmt
                .query_map([run], |r| {
                    Ok(FailKey {
                        check_id: r.get(0)?,
                        account_id: r.get(1)?,
                        region: r.get(2)?,
                        resource_id: r.get(3)?,
                        vpc_id: r.get(4)?,
                        severity: r.get(5)?,
                        message: r.get(6)?,
                    })
                })
                .map_err(self.err())?;
            rows.collect::<Result<_, _>>().map_err(self.err())
        };
        let mut open: Vec<OpenFailure> = failing(id)?
            .into_iter()
            .map(|k| OpenFailure {
                since_run: id,
                since: now,
                days: 0,
                runs: 1,
                key: k,
            })
            .collect();
        let mut earlier = self
            .conn
            .prepare(
                "SELECT id, collected_at FROM runs WHERE scope = ?1 AND id < ?2 ORDER BY id DESC",
            )
            .map_err(self.err())?;
        let runs: Vec<(i64, String)> = earlier
            .query_map(params![scope, id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        let mut streak: Vec<bool> = vec![true; open.len()];
        for (run, collected) in runs {
            if !streak.iter().any(|s| *s) {
                break;
            }
            let at = parse_time(&collected).map_err(bad(run))?;
            let there: std::collections::HashSet<(String, String, String, String)> =
                failing(run)?.into_iter().map(|k| k.identity()).collect();
            for (f, going) in open.iter_mut().zip(streak.iter_mut()) {
                if !*going {
                    continue;
                }
                if there.contains(&f.key.identity()) {
                    f.since_run = run;
                    f.since = at;
                    f.runs += 1;
                } else {
                    *going = false;
                }
            }
        }
        for f in &mut open {
            f.days = (now - f.since).num_days();
        }
        open.sort_by(|a, b| {
            a.since
                .cmp(&b.since)
                .then_with(|| a.key.identity().cmp(&b.key.identity()))
        });
        Ok(open)
    }

    /// The newest run's id, if any.
    pub fn latest(&self) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row("SELECT max(id) FROM runs", [], |r| r.get(0))
            .map_err(self.err())
    }
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("bad time `{text}`: {e}"))
}

/// Serialising plain data with string keys does not fail; a failure is stored
/// as an error object rather than a panic.
mod erased {
    pub trait Json {
        fn to_json(&self) -> String;
    }
    impl<T: serde::Serialize + ?Sized> Json for T {
        fn to_json(&self) -> String {
            serde_json::to_string(self)
                .unwrap_or_else(|e| format!("{{\"error\":\"could not serialise: {e}\"}}"))
        }
    }
}

/// Where the history lives by default: `$XDG_DATA_HOME/flowaudit/history.db`, or
/// `~/.local/share/flowaudit/history.db`.
pub fn default_path() -> Option<PathBuf> {
    std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/share")))
        .map(|base| base.join("flowaudit").join("history.db"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowaudit_core::{build_report, demo, Settings, Source};

    fn demo_report() -> Report {
        let inv = demo::inventory().unwrap_or_else(|e| panic!("{e}"));
        build_report(&inv, &Settings::default(), &Source::Demo)
    }

    #[test]
    fn records_and_reads_back() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("sub/history.db");
        let mut store = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.last_two().ok().flatten(), None);
        let report = demo_report();
        let a = store
            .record("check", &report)
            .unwrap_or_else(|e| panic!("{e}"));
        let b = store
            .record("check", &report)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.last_two().ok().flatten(), Some((a, b)));
        assert_eq!(store.report(a).ok(), Some(report.clone()));
        let runs = store.runs(None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(runs.iter().map(|r| r.id).collect::<Vec<_>>(), vec![b, a]);
        assert_eq!(runs[0].summary, report.summary);
        let results: i64 = store
            .conn
            .query_row("SELECT count(*) FROM results WHERE run_id = ?1", [a], |r| {
                r.get(0)
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(results as usize, report.results.len());
        assert!(matches!(
            store.report(999),
            Err(StoreError::NoSuchRun { .. })
        ));
        // Reopening keeps the data.
        drop(store);
        let store = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.runs(Some(1)).map(|r| r.len()).ok(), Some(1));
    }

    #[test]
    fn newer_and_foreign_files_are_refused_untouched() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let newer = dir.path().join("newer.db");
        drop(Store::open(&newer).unwrap_or_else(|e| panic!("{e}")));
        let conn = Connection::open(&newer).unwrap_or_else(|e| panic!("{e}"));
        conn.execute_batch("PRAGMA user_version = 7")
            .unwrap_or_else(|e| panic!("{e}"));
        drop(conn);
        let msg = Store::open(&newer).err().map(|e| e.to_string());
        assert!(
            msg.as_deref()
                .is_some_and(|m| m.contains("schema version 7")),
            "{msg:?}"
        );

        let foreign = dir.path().join("foreign.db");
        let conn = Connection::open(&foreign).unwrap_or_else(|e| panic!("{e}"));
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap_or_else(|e| panic!("{e}"));
        drop(conn);
        let bytes = std::fs::read(&foreign).unwrap_or_else(|e| panic!("{e}"));
        let msg = Store::open(&foreign).err().map(|e| e.to_string());
        // Byte for byte as it was: not even its journal mode changed.
        assert!(
            std::fs::read(&foreign).unwrap_or_else(|e| panic!("{e}")) == bytes,
            "the foreign database's file was changed"
        );
        assert!(
            msg.as_deref()
                .is_some_and(|m| m.contains("not a flowaudit history")),
            "{msg:?}"
        );
        let conn = Connection::open(&foreign).unwrap_or_else(|e| panic!("{e}"));
        let n: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n, 1, "the foreign database was modified");

        let text = dir.path().join("notes.txt");
        std::fs::write(
            &text,
            "not a database at all, just some text that is long enough",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(Store::open(&text).is_err());
    }
}
