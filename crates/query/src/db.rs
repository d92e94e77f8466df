//! The in-memory database: loaded once from an inventory, then queried
//! read-only, one statement at a time, under a time limit.

use std::time::{Duration, Instant};

use flowaudit_core::Inventory;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::types::Value;
use rusqlite::Connection;

use crate::schema::TABLES;

/// Why a query gave no rows.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// SQLite refused the statement; `line` and `column` (1-based) point into
    /// the SQL when SQLite named a place.
    #[error("{message}")]
    Sql {
        message: String,
        line: Option<usize>,
        column: Option<usize>,
    },
    #[error("the query ran longer than its time limit of {0:?} and was stopped")]
    TimeLimit(Duration),
    #[error("could not load the inventory into SQLite: {0}")]
    Load(String),
}

/// A query's answer: the column names and the rows, in SQLite's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// The inventory as tables.
pub struct Database {
    conn: Connection,
}

impl Database {
    /// Loads every table of [`TABLES`] from `inventory`.
    pub fn new(inventory: &Inventory) -> Result<Self, QueryError> {
        let load = |e: rusqlite::Error| QueryError::Load(e.to_string());
        let mut conn = Connection::open_in_memory().map_err(load)?;
        let tx = conn.transaction().map_err(load)?;
        for table in TABLES {
            let columns: Vec<String> = table
                .columns
                .iter()
                .map(|c| format!("\"{}\" {}", c.name, c.kind.sql()))
                .collect();
            tx.execute_batch(&format!(
                "CREATE TABLE {} ({});",
                table.name,
                columns.join(", ")
            ))
            .map_err(load)?;
            let marks = vec!["?"; table.columns.len()].join(", ");
            let mut insert = tx
                .prepare(&format!("INSERT INTO {} VALUES ({marks})", table.name))
                .map_err(load)?;
            for row in (table.rows)(inventory) {
                insert
                    .execute(rusqlite::params_from_iter(row))
                    .map_err(load)?;
            }
        }
        tx.commit().map_err(load)?;
        // From here on: read only, no other database, nothing but reading.
        conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)
            .map_err(load)?;
        conn.authorizer(Some(|ctx: AuthContext<'_>| match ctx.action {
            AuthAction::Select
            | AuthAction::Read { .. }
            | AuthAction::Function { .. }
            | AuthAction::Recursive => Authorization::Allow,
            _ => Authorization::Deny,
        }));
        Ok(Database { conn })
    }

    /// Runs one `SELECT` (or `WITH … SELECT`) statement, stopped after
    /// `limit`.
    pub fn query(&self, sql: &str, limit: Duration) -> Result<Rows, QueryError> {
        let started = Instant::now();
        self.conn
            .progress_handler(10_000, Some(move || started.elapsed() > limit));
        let result = self.run(sql);
        self.conn.progress_handler(0, None::<fn() -> bool>);
        result.map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::OperationInterrupted =>
            {
                QueryError::TimeLimit(limit)
            }
            other => sql_error(sql, other),
        })
    }

    fn run(&self, sql: &str) -> Result<Rows, rusqlite::Error> {
        let mut stmt = self.conn.prepare(sql)?;
        let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let width = columns.len();
        let rows = stmt
            .query_map([], |row| {
                (0..width)
                    .map(|i| row.get::<_, Value>(i))
                    .collect::<Result<Vec<_>, _>>()
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Rows { columns, rows })
    }
}

/// SQLite's complaint in one sentence, with the place in the SQL when known.
fn sql_error(sql: &str, e: rusqlite::Error) -> QueryError {
    let (message, offset) = match e {
        rusqlite::Error::SqlInputError { msg, offset, .. } => {
            (msg, usize::try_from(offset).ok())
        }
        rusqlite::Error::MultipleStatement => (
            "the SQL holds more than one statement; give one SELECT".to_string(),
            None,
        ),
        rusqlite::Error::SqliteFailure(_, Some(msg)) if msg.contains("not authorized") => (
            format!("{msg}: a query may only read (SELECT or WITH … SELECT), not change the tables, ATTACH files or set PRAGMAs"),
            None,
        ),
        rusqlite::Error::SqliteFailure(_, Some(msg)) => {
            // SQLite names the unknown table or column but gives no place:
            // point at its first mention in the SQL.
            let offset = ["no such table: ", "no such column: ", "no such function: "]
                .iter()
                .find_map(|prefix| msg.strip_prefix(prefix))
                .and_then(|name| find_word(sql, name.rsplit('.').next().unwrap_or(name)));
            (msg, offset)
        }
        other => (other.to_string(), None),
    };
    let place = offset.map(|at| {
        let before = sql.get(..at).unwrap_or(sql);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    });
    QueryError::Sql {
        message,
        line: place.map(|p| p.0),
        column: place.map(|p| p.1),
    }
}

/// Byte offset of the first mention of `name` in `sql` as a whole word
/// (ASCII case-insensitive), or `None`.
fn find_word(sql: &str, name: &str) -> Option<usize> {
    if name.is_empty() {
        return None;
    }
    let lower = sql.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    lower.match_indices(&name).map(|(at, _)| at).find(|&at| {
        !word(lower[..at].chars().next_back()) && !word(lower[at + name.len()..].chars().next())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Database {
        let inv = flowaudit_core::demo::inventory().unwrap_or_else(|e| panic!("{e}"));
        Database::new(&inv).unwrap_or_else(|e| panic!("{e}"))
    }

    const LIMIT: Duration = Duration::from_secs(10);

    #[test]
    fn answers_a_join_with_json_functions() {
        let db = demo();
        let rows = db
            .query(
                "SELECT v.vpc_id, count(f.flow_log_id) AS n FROM vpcs v \
                 LEFT JOIN flow_logs f ON f.vpc_id = v.vpc_id AND f.flow_log_status = 'ACTIVE' \
                 WHERE json_extract(v.tags, '$.Name') IS NOT NULL GROUP BY v.vpc_id ORDER BY v.vpc_id",
                LIMIT,
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows.columns, ["vpc_id", "n"]);
        assert!(!rows.rows.is_empty());
    }

    #[test]
    fn refuses_writes_attach_pragma_and_two_statements() {
        let db = demo();
        for sql in [
            "DELETE FROM vpcs",
            "INSERT INTO accounts VALUES ('1', NULL)",
            "DROP TABLE vpcs",
            "ATTACH DATABASE '/tmp/x.db' AS x",
            "PRAGMA writable_schema = 1",
            "CREATE TABLE t (x)",
            "SELECT 1; DELETE FROM vpcs",
        ] {
            match db.query(sql, LIMIT) {
                Err(QueryError::Sql { message, .. }) => assert!(!message.is_empty(), "{sql}"),
                other => panic!("{sql}: {other:?}"),
            }
        }
        let rows = db
            .query("SELECT count(*) FROM vpcs", LIMIT)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(rows.rows[0][0], Value::Integer(0), "nothing was deleted");
    }

    #[test]
    fn a_syntax_error_names_line_and_column() {
        let db = demo();
        match db.query("SELECT vpc_id\nFROM vpcs\nWHER x = 1", LIMIT) {
            Err(QueryError::Sql {
                line,
                column,
                message,
            }) => {
                assert_eq!((line, column), (Some(3), Some(6)), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_unknown_table_is_pointed_at() {
        let db = demo();
        match db.query(
            "SELECT vpc_id\nFROM vpcs v JOIN flow_logz f USING (vpc_id)",
            LIMIT,
        ) {
            Err(QueryError::Sql {
                line,
                column,
                message,
            }) => {
                assert_eq!((line, column), (Some(2), Some(18)), "{message}");
                assert_eq!(message, "no such table: flow_logz");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_runaway_query_is_stopped_at_its_limit() {
        let db = demo();
        let sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n";
        let started = Instant::now();
        match db.query(sql, Duration::from_millis(300)) {
            Err(QueryError::TimeLimit(_)) => {}
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
