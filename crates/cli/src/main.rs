//! The `flowaudit` binary: parses arguments and wires the crates together. It
//! holds no logic of its own.

mod args;
mod fix;
mod output;
mod remediation;
mod scan;

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use flowaudit_core::load::parse_inventory;
use flowaudit_core::present::catalog;
use flowaudit_core::{build_report, demo, Source};

use args::{CatalogArgs, CheckArgs, Cli, Command, DemoArgs, ExplainArgs, FormatArg};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Scan(args) => scan::run(*args),
        Command::Check(args) => check(args),
        Command::Demo(args) => demo_cmd(args),
        Command::Checks(args) => checks(args),
        Command::Explain(args) => explain(args),
        Command::Remediation(args) => remediation::run(args),
        Command::Fix(args) => fix::run(*args),
        Command::Rollback(args) => fix::rollback(*args),
        Command::Guardrails(args) => remediation::guardrails(args),
        Command::Permissions(args) => {
            output::write_stdout(&flowaudit_aws::permissions::policy_json_for(args.fix))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    let (inventory, path) = load_inventory(&args.inventory)?;
    let report = build_report(
        &inventory,
        &args.report.settings(),
        &Source::InventoryFile(path),
    );
    output::emit(&report, &args.report)
}

/// Reads and parses an inventory file (`-`: standard input); returns it with the
/// name errors and reports use.
pub fn load_inventory(file: &std::path::Path) -> Result<(flowaudit_core::Inventory, String)> {
    let path = file.display().to_string();
    let text = if path == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("could not read the inventory from standard input")?;
        text
    } else {
        std::fs::read_to_string(file).with_context(|| format!("could not read inventory {path}"))?
    };
    let path = if path == "-" {
        "<stdin>".to_string()
    } else {
        path
    };
    let inventory = parse_inventory(&text, &path)?;
    Ok((inventory, path))
}

fn demo_cmd(args: DemoArgs) -> Result<ExitCode> {
    let inventory = demo::inventory()?;
    if let Some(path) = &args.save_inventory {
        output::write_file(path, demo::INVENTORY_JSON)?;
    }
    let report = build_report(&inventory, &args.report.settings(), &Source::Demo);
    output::emit(&report, &args.report)
}

fn checks(args: CatalogArgs) -> Result<ExitCode> {
    let text = match args.format {
        FormatArg::Table => catalog::render_list(),
        FormatArg::Json => catalog::render_list_json(),
    };
    output::write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn explain(args: ExplainArgs) -> Result<ExitCode> {
    if flowaudit_core::checks::find(&args.id).is_none() {
        let known: Vec<&str> = flowaudit_core::checks::REGISTRY
            .iter()
            .map(|c| c.meta.id)
            .collect();
        anyhow::bail!(
            "unknown check `{}`; known checks: {}",
            args.id,
            known.join(", ")
        );
    }
    let source = match (&args.inventory, args.demo) {
        (Some(path), _) => {
            let (inventory, name) = load_inventory(path)?;
            Some((inventory, Source::InventoryFile(name)))
        }
        (None, true) => Some((demo::inventory()?, Source::Demo)),
        (None, false) => None,
    };
    let failures: Vec<flowaudit_core::CheckResult> = match &source {
        Some((inventory, source)) => build_report(inventory, &args.eval.settings(), source)
            .results
            .into_iter()
            .filter(|r| r.check_id == args.id && r.status == flowaudit_core::Status::Fail)
            .collect(),
        None => Vec::new(),
    };
    let text = match args.format {
        FormatArg::Table => {
            let mut text = catalog::render_explain(&args.id).unwrap_or_default();
            if source.is_some() {
                text.push_str(&flowaudit_core::present::plans::render(&failures));
            }
            text
        }
        FormatArg::Json => {
            let mut value: serde_json::Value =
                serde_json::from_str(&catalog::render_explain_json(&args.id).unwrap_or_default())
                    .context("could not build the explanation")?;
            if source.is_some() {
                value["failures"] =
                    serde_json::to_value(&failures).context("could not serialise results")?;
            }
            let mut text = serde_json::to_string_pretty(&value).context("could not serialise")?;
            text.push('\n');
            text
        }
    };
    output::write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
