//! `flowaudit cost`: what flow logging costs per VPC now, after the fix plan,
//! and the cheapest way to full coverage (a live scan that measures volumes,
//! a saved inventory, or the demo).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use clap::{Args, ValueEnum};
use flowaudit_core::cost::{self, prices};
use flowaudit_core::demo;
use flowaudit_core::present::cost as render;

use crate::args::{ConnArgs, EvalArgs};
use crate::config::Config;
use crate::output;
use crate::scan::OrgArgs;

/// How the cost report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CostFormat {
    /// Aligned columns and totals.
    Table,
    /// The `flowaudit.cost/v1` document: every figure with its source, every option.
    Json,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// One row per VPC.
    Csv,
}

#[derive(Debug, Args)]
pub struct CostArgs {
    /// Price a saved inventory (`scan --save-inventory`, or `cost --save-inventory`
    /// with its measured volumes) instead of scanning; `-` reads standard input.
    #[arg(long, value_name = "FILE", conflicts_with = "demo")]
    pub inventory: Option<PathBuf>,
    /// Price the built-in sample inventory.
    #[arg(long)]
    pub demo: bool,
    /// Measure the bytes delivered over the last N days (live scans).
    #[arg(long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u32).range(crate::limits::COST_DAYS))]
    pub days: u32,
    /// Prices (TOML, the shape of the built-in table in the README) over the
    /// built-in ones: any key, any region.
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Print the built-in price table (TOML, with its date, source and
    /// assumptions: a starting point for --prices FILE) and exit.
    #[arg(long, conflicts_with_all = ["inventory", "demo", "prices"])]
    pub show_prices: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CostFormat::Table)]
    pub format: CostFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Add the scan's API-call statistics to the JSON report.
    #[arg(long)]
    pub stats: bool,
    /// Also write the scanned inventory, volumes included, to FILE.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["inventory", "demo"])]
    pub save_inventory: Option<PathBuf>,
    /// What the control requires and what the fix plan creates.
    #[command(flatten)]
    pub eval: EvalArgs,
    /// Without --inventory or --demo: how to reach AWS for the scan.
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(flatten)]
    pub org: OrgArgs,
}

impl CostArgs {
    pub fn apply_config(&mut self, m: &clap::ArgMatches, c: &Config) {
        self.conn.apply_config(m, c);
        self.org.apply_config(m, c);
        self.eval.apply_config(m, c);
    }
}

pub fn run(args: CostArgs) -> Result<ExitCode> {
    if args.show_prices {
        output::write_stdout(prices::BUILT_IN)?;
        return Ok(ExitCode::SUCCESS);
    }
    let prices = crate::pricing::price_table(args.prices.as_deref())?;
    let settings = args.eval.settings();
    let mut stats = None;
    let inventory = if args.demo {
        demo::inventory()?
    } else if let Some(path) = &args.inventory {
        crate::input::load_inventory(path)?.0
    } else {
        let Some((outcome, _runtime)) =
            crate::scan::collect("cost", &args.conn, &args.org, &settings, Some(args.days))?
        else {
            return Ok(ExitCode::from(130));
        };
        if let Some(path) = &args.save_inventory {
            let text = serde_json::to_string_pretty(&outcome.inventory)
                .map_err(|e| anyhow!("could not serialise the inventory: {e}"))?;
            output::write_file(path, &(text + "\n"))?;
        }
        stats = args.stats.then(|| outcome.stats.clone());
        outcome.inventory
    };
    let settings = args.eval.settings_for(&inventory)?;
    let mut report = cost::estimate(&inventory, &prices, &settings);
    report.stats = stats;
    let text = match args.format {
        CostFormat::Table => render::table(&report),
        CostFormat::Json => render::json(&report).map_err(|e| anyhow!(e))?,
        CostFormat::Markdown => render::markdown(&report),
        CostFormat::Csv => render::csv(&report).map_err(|e| anyhow!(e))?,
    };
    match &args.output {
        Some(path) => output::write_file(path, &text)?,
        None => output::write_stdout(&text)?,
    }
    // Figures that could not be worked out make the answer incomplete.
    let incomplete = report.total.unpriced > 0 || !report.errors.is_empty();
    Ok(if incomplete {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
