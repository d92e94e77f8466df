//! The `flowaudit` binary: parses arguments and wires the crates together. It
//! holds no logic of its own.

mod analyze;
mod args;
mod command;
mod config;
mod controls;
mod cost;
mod fix;
mod history;
mod input;
mod limits;
mod located;
mod log;
mod output;
mod pricing;
mod query;
mod remediation;
mod scan;
mod values;

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use flowaudit_core::present::catalog;
use flowaudit_core::{demo, Source};

use args::{CatalogArgs, CheckArgs, DemoArgs, ExplainArgs};
use command::{Cli, Command};
use values::FormatArg;

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    log::init(cli.verbose, cli.quiet);
    // --no-config wins over FLOWAUDIT_CONFIG; with --config on the same command
    // line it is a contradiction.
    let sub_source = |m: &ArgMatches| m.value_source("config");
    let from_line = [Some(&matches), matches.subcommand().map(|(_, m)| m)]
        .into_iter()
        .flatten()
        .any(|m| sub_source(m) == Some(clap::parser::ValueSource::CommandLine));
    if cli.no_config && from_line {
        eprintln!("error: --no-config cannot be used with --config");
        return ExitCode::from(2);
    }
    let sub = matches
        .subcommand()
        .map(|(_, m)| m.clone())
        .unwrap_or_default();
    match run(cli, &sub) {
        Ok(code) => code,
        Err(e) => {
            eprintln!(
                "error: {}",
                flowaudit_core::escape::terminal::show(&format!("{e:#}"))
            );
            ExitCode::from(2)
        }
    }
}

/// Runs the command, with the config file's settings under the command line's.
fn run(cli: Cli, m: &ArgMatches) -> Result<ExitCode> {
    let config = || config::load(cli.config.as_deref(), cli.no_config);
    match cli.command {
        Command::Scan(mut args) => {
            args.apply_config(m, &config()?);
            scan::run(*args)
        }
        Command::Check(mut args) => {
            let c = config()?;
            args.report.apply_config(m, &c);
            args.history.apply_config(m, &c);
            check(args)
        }
        Command::Demo(mut args) => {
            args.report.apply_config(m, &config()?);
            demo_cmd(args)
        }
        Command::Checks(mut args) => {
            let c = config()?;
            if args.controls.is_empty() {
                if let Some(dirs) = &c.checks.controls {
                    args.controls = dirs.iter().map(|p| c.resolve(p)).collect();
                }
            }
            let controls = controls::gather(&c.checked_controls, &args.controls)?;
            checks(args, &controls)
        }
        Command::Explain(mut args) => {
            args.eval.apply_config(m, &config()?);
            explain(args)
        }
        Command::Remediation(mut args) => {
            args.eval.apply_config(m, &config()?);
            remediation::run(args)
        }
        Command::Fix(mut args) => {
            let c = config()?;
            args.conn.apply_config(m, &c);
            args.eval.apply_config(m, &c);
            fix::run(*args)
        }
        Command::Rollback(mut args) => {
            args.conn.apply_config(m, &config()?);
            fix::rollback(*args)
        }
        Command::Iac(mut args) => {
            args.report.apply_config(m, &config()?);
            iac(args)
        }
        Command::Analyze(mut args) => {
            args.apply_config(m, &config()?);
            analyze::run(*args)
        }
        Command::Query(mut args) => {
            args.conn.apply_config(m, &config()?);
            query::run(*args)
        }
        Command::Cost(mut args) => {
            args.apply_config(m, &config()?);
            cost::run(*args)
        }
        Command::History(args) => history::list(args, &config()?),
        Command::Diff(args) => history::run_diff(args, &config()?),
        Command::Guardrails(args) => remediation::guardrails(args),
        Command::Permissions(args) => {
            output::write_stdout(&flowaudit_aws::permissions::policy_json_full(
                &flowaudit_aws::permissions::PolicyOptions {
                    fix: args.fix,
                    security_hub: args.security_hub,
                    org_role: args.org.as_deref(),
                    analyze: args.analyze,
                },
            ))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    let (inventory, path) = input::load_inventory(&args.inventory)?;
    let mut report = args
        .report
        .eval
        .report(&inventory, &Source::InventoryFile(path))?;
    if args.cost.cost {
        pricing::attach(
            &mut report,
            &inventory,
            args.cost.prices.as_deref(),
            &args.report.eval.settings_for(&inventory)?,
        )?;
    }
    let code = output::emit(&report, &args.report)?;
    args.history.record("check", &report)?;
    Ok(code)
}

fn iac(args: args::IacArgs) -> Result<ExitCode> {
    let units = flowaudit_iac::read(&args.paths)?;
    args.report.eval.check_fix_destination()?;
    if args.report.eval.fix.fix_destination == values::FixDestinationArg::Cheapest {
        anyhow::bail!("--fix-destination cheapest needs an inventory to price (scan, check, fix, remediation); `iac` plans take cloudwatch-logs or s3");
    }
    let settings = args.report.settings();
    args.report.eval.custom_controls()?;
    let results = flowaudit_iac::evaluate(&units, &settings);
    let label: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
    let report = flowaudit_core::build_results_report(
        results,
        &settings,
        &Source::Iac(label.join(",")),
        &args.report.eval.exceptions,
        chrono::Utc::now(),
    );
    tracing::info!(
        "{} file(s) read, {} VPC(s) declared",
        units.iter().map(|u| u.files).sum::<usize>(),
        units.iter().map(|u| u.vpcs.len()).sum::<usize>()
    );
    output::emit(&report, &args.report)
}

fn demo_cmd(args: DemoArgs) -> Result<ExitCode> {
    let inventory = demo::inventory()?;
    if let Some(path) = &args.save_inventory {
        output::write_file(path, demo::INVENTORY_JSON)?;
    }
    let mut report = args.report.eval.report(&inventory, &Source::Demo)?;
    // The demo shows what its sample's flow logging costs.
    pricing::attach(
        &mut report,
        &inventory,
        args.prices.as_deref(),
        &args.report.eval.settings_for(&inventory)?,
    )?;
    output::emit(&report, &args.report)
}

fn checks(args: CatalogArgs, controls: &[flowaudit_query::Control]) -> Result<ExitCode> {
    let infos: Vec<&flowaudit_core::controls::ControlInfo> =
        controls.iter().map(|c| &c.info).collect();
    let text = match args.format {
        FormatArg::Table => catalog::render_list() + &catalog::render_controls(&infos),
        FormatArg::Json => {
            let mut list: Vec<serde_json::Value> =
                serde_json::from_str(&catalog::render_list_json())
                    .context("could not build the catalog")?;
            for info in infos {
                let mut value =
                    serde_json::to_value(info).context("could not serialise a control")?;
                value["custom"] = serde_json::Value::Bool(true);
                list.push(value);
            }
            let mut text =
                serde_json::to_string_pretty(&list).context("could not serialise the catalog")?;
            text.push('\n');
            text
        }
    };
    output::write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn explain(args: ExplainArgs) -> Result<ExitCode> {
    let controls = args.eval.custom_controls()?;
    let custom = controls
        .iter()
        .find(|c| c.info.id == args.id)
        .map(|c| &c.info);
    if flowaudit_core::checks::meta(&args.id).is_none() && custom.is_none() {
        let known: Vec<&str> = flowaudit_core::checks::catalog()
            .map(|m| m.id.as_str())
            .chain(controls.iter().map(|c| c.info.id.as_str()))
            .collect();
        anyhow::bail!(
            "unknown check `{}`; known checks and findings: {}",
            args.id,
            known.join(", ")
        );
    }
    let source = match (&args.inventory, args.demo) {
        (Some(path), _) => {
            let (inventory, name) = input::load_inventory(path)?;
            Some((inventory, Source::InventoryFile(name)))
        }
        (None, true) => Some((demo::inventory()?, Source::Demo)),
        (None, false) => None,
    };
    let failures: Vec<flowaudit_core::CheckResult> = match &source {
        Some((inventory, source)) => args
            .eval
            .report(inventory, source)?
            .results
            .into_iter()
            .filter(|r| r.check_id == args.id && r.status == flowaudit_core::Status::Fail)
            .collect(),
        None => Vec::new(),
    };
    let text = match args.format {
        FormatArg::Table => {
            let mut text = match custom {
                Some(info) => catalog::render_control(info),
                None => catalog::render_explain(&args.id).unwrap_or_default(),
            };
            if source.is_some() {
                // Names from the inventory are shown, never sent to the terminal raw.
                let shown = flowaudit_core::escape::terminal::shown(&failures)
                    .map_err(anyhow::Error::msg)?;
                text.push_str(&flowaudit_core::present::plans::render(&shown));
            }
            text
        }
        FormatArg::Json => {
            let mut value: serde_json::Value = match custom {
                Some(info) => {
                    serde_json::to_value(info).context("could not serialise a control")?
                }
                None => serde_json::from_str(
                    &catalog::render_explain_json(&args.id).unwrap_or_default(),
                )
                .context("could not build the explanation")?,
            };
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
