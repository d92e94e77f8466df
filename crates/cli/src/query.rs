//! `flowaudit query`: SQL over the inventory (a live scan, a file or the demo).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use flowaudit_core::demo;
use flowaudit_query::{render, Database, QueryError};

use crate::args::ConnArgs;
use crate::output;
use crate::scan::{runtime, Bar};

/// How the rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueryFormat {
    /// Aligned columns.
    Table,
    /// An array of objects, one per row.
    Json,
    /// CSV with a header line.
    Csv,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// One SELECT (or WITH … SELECT) statement over the tables `--schema` lists;
    /// `-` reads it from standard input.
    #[arg(required_unless_present_any = ["schema", "file"], conflicts_with_all = ["schema", "file"])]
    pub sql: Option<String>,
    /// Read the statement from FILE (errors then name the file and line).
    #[arg(long, value_name = "FILE", conflicts_with = "schema")]
    pub file: Option<PathBuf>,
    /// List every table and column with its type and meaning, and exit.
    #[arg(long)]
    pub schema: bool,
    /// Query a saved inventory (`scan --save-inventory`) instead of scanning;
    /// `-` reads standard input.
    #[arg(long, value_name = "FILE", conflicts_with = "demo")]
    pub inventory: Option<PathBuf>,
    /// Query the built-in sample inventory.
    #[arg(long)]
    pub demo: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = QueryFormat::Table)]
    pub format: QueryFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Stop a query that runs longer than this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(crate::limits::QUERY_TIME_LIMIT))]
    pub time_limit: u64,
    /// Without --inventory or --demo: how to reach AWS for the scan.
    #[command(flatten)]
    pub conn: ConnArgs,
}

pub fn run(args: QueryArgs) -> Result<ExitCode> {
    if args.schema {
        output::write_stdout(&render::schema())?;
        return Ok(ExitCode::SUCCESS);
    }
    let (sql, origin) = statement(&args)?;
    let inventory = if args.demo {
        demo::inventory()?
    } else if let Some(path) = &args.inventory {
        crate::input::load_inventory(path)?.0
    } else {
        let opts = args.conn.options(&flowaudit_core::Settings::default())?;
        let bar = Bar::new(!crate::log::quiet() && std::io::stderr().is_terminal());
        let scanned = runtime()?.block_on(flowaudit_aws::scan(opts, &bar));
        bar.finish();
        let scanned = scanned?;
        flowaudit_aws::collect::ensure_readable(&scanned.inventory)?;
        scanned.inventory
    };
    let db = Database::new(&inventory)?;
    let rows = db
        .query(&sql, Duration::from_secs(args.time_limit))
        .map_err(|e| match e {
            QueryError::Sql {
                message,
                line: Some(line),
                column: Some(column),
            } => anyhow::anyhow!("{origin}:{line}:{column}: {message}"),
            other => anyhow::anyhow!("{origin}: {other}"),
        })?;
    let text = match args.format {
        QueryFormat::Table => render::table(&rows),
        QueryFormat::Json => render::json(&rows),
        QueryFormat::Csv => render::csv(&rows),
    };
    match &args.output {
        Some(path) => output::write_file(path, &text)?,
        None => output::write_stdout(&text)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The SQL and the name its errors are reported under.
fn statement(args: &QueryArgs) -> Result<(String, String)> {
    let (sql, origin) = match (&args.sql, &args.file) {
        (Some(sql), _) if sql == "-" => {
            crate::input::read_text(std::path::Path::new("-"), "query")?
        }
        (Some(sql), _) => (sql.clone(), "query".to_string()),
        (None, Some(path)) => crate::input::read_text(path, "query")?,
        (None, None) => bail!("give a query (or --file FILE, or --schema)"),
    };
    if sql.trim().is_empty() {
        bail!("{origin}: the query is empty");
    }
    Ok((sql, origin))
}
