//! `flowaudit fix` and `flowaudit rollback`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;
use flowaudit_aws::fix_command::{self, ApplyError, RollbackError};
use flowaudit_aws::journal::{self, Journal};
use flowaudit_core::escape::terminal::show;
use flowaudit_core::present;
use flowaudit_core::Source;

use crate::args::{ConnArgs, EvalArgs};
use crate::remediation::PlanFilter;
use crate::scan::{runtime, Bar};

#[derive(Debug, Args)]
pub struct FixCmdArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Make the changes. Without it, fix only shows the plan.
    #[arg(long)]
    pub apply: bool,
    /// Do not ask for confirmation (required with --apply when not on a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Journal of the changes (JSON lines); default: a new file under the user's
    /// data directory, whose path is printed.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Only fix this VPC (repeatable).
    #[arg(long = "vpc", value_name = "VPC_ID")]
    pub vpcs: Vec<String>,
    /// Only fix failures of this check (repeatable).
    #[arg(long = "check", value_name = "ID")]
    pub checks: Vec<String>,
    #[command(flatten)]
    pub eval: EvalArgs,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The journal a `flowaudit fix --apply` run wrote.
    pub journal: PathBuf,
    #[command(flatten)]
    pub conn: ConnArgs,
}

/// What the flow logs the plan creates are expected to cost a month.
fn expected_cost(
    cost: &flowaudit_core::cost::CostReport,
    chosen: &[fix_command::Chosen],
) -> String {
    let vpcs: std::collections::BTreeSet<&str> =
        chosen.iter().filter_map(|c| c.vpc_id.as_deref()).collect();
    let mut added = 0.0;
    let (mut priced, mut unpriced) = (0, Vec::new());
    for v in cost
        .vpcs
        .iter()
        .filter(|v| vpcs.contains(v.vpc_id.as_str()))
    {
        match &v.error {
            Some(why) => unpriced.push(format!("{}: {why}", v.vpc_id)),
            None => {
                priced += 1;
                added += v.after_fix_monthly - v.current_monthly;
            }
        }
    }
    let c = &cost.prices.currency;
    let mut text = format!(
        "\nExpected cost of the flow logs this plan creates: {c} {added:.2} a month ({c} {:.2} a year) for {priced} VPC(s), at the prices of {} (volumes measured over the last {} days or estimated: `flowaudit cost` shows each figure's source).",
        added * 12.0,
        cost.prices.date,
        crate::pricing::REPORT_DAYS
    );
    for line in unpriced {
        text.push_str(&format!("\n  not priced: {}", show(&line)));
    }
    text
}

fn plan_filter(args: &FixCmdArgs) -> PlanFilter<'_> {
    PlanFilter {
        checks: &args.checks,
        // --regions limits the scan itself.
        regions: &[],
        vpcs: &args.vpcs,
    }
}

pub fn run(args: FixCmdArgs) -> Result<ExitCode> {
    let filter = plan_filter(&args);
    filter.validate()?;
    let settings = args.eval.settings();
    args.eval.check_fix_destination()?;
    let mut opts = args.conn.options(&settings)?;
    // The plan's expected cost (and --fix-destination cheapest) uses measured volumes.
    opts.volume_days = Some(crate::pricing::REPORT_DAYS);
    let rt = runtime()?;
    // `fix` plans for the built-in checks; custom controls are read (so that a
    // broken one is an error here too) but judge nothing it changes.
    args.eval.custom_controls()?;
    let prices = flowaudit_core::cost::Prices::built_in().map_err(anyhow::Error::msg)?;
    let judge = |inventory: &flowaudit_core::Inventory| {
        // The one failure of settings_for (an S3 or cheapest destination
        // without a bucket) was refused above.
        let settings = args
            .eval
            .settings_for(inventory)
            .unwrap_or_else(|_| settings.clone());
        let mut report = flowaudit_core::build_report_with(
            inventory,
            &settings,
            &Source::Scan,
            &args.eval.exceptions,
            flowaudit_core::Custom::default(),
        );
        report.cost = Some(flowaudit_core::cost::estimate(
            inventory, &prices, &settings,
        ));
        report
    };
    let bar = Bar::new(!crate::log::quiet() && std::io::stderr().is_terminal());
    let proposal = rt.block_on(fix_command::propose(opts.clone(), &bar, judge, |r| {
        filter.matches(r)
    }));
    bar.finish();
    let proposal = proposal?;
    if proposal.chosen.is_empty() {
        println!("Nothing to fix: no FAIL result matches.");
        return Ok(ExitCode::SUCCESS);
    }
    let actions = &proposal.actions;
    print!("{}", present::fix::plan(proposal.chosen.len(), actions));
    if let Some(cost) = &proposal.report.cost {
        println!("{}", expected_cost(cost, &proposal.chosen));
    }
    if !args.apply {
        println!("\nDry run: nothing was changed. Run again with --apply to make these changes.");
        return Ok(ExitCode::SUCCESS);
    }
    if !args.yes && !confirm(actions.len())? {
        println!("Nothing was changed.");
        return Ok(ExitCode::SUCCESS);
    }
    let path = match &args.journal {
        Some(path) => path.clone(),
        None => default_journal()?,
    };
    let stop_after = std::env::var("FLOWAUDIT_FIX_STOP_AFTER")
        .ok()
        .and_then(|v| v.parse().ok());
    let open_journal = |account_id: &str| {
        let journal = Journal::create(&path, account_id)?;
        if !crate::log::quiet() {
            eprintln!("journal: {}", journal.path().display());
        }
        Ok(journal)
    };
    let applied = rt.block_on(fix_command::apply(
        opts,
        &proposal,
        open_journal,
        stop_after,
        judge,
    ));
    let (_, applied) = match applied {
        Ok(done) => done,
        Err(e @ (ApplyError::Stopped(_) | ApplyError::Rescan(_))) => {
            // Two lines: the error (escaped, it may quote AWS) and what to do.
            eprintln!("error: {}", show(&e.to_string()));
            eprintln!(
                "What was changed so far is in {}; undo it with: flowaudit rollback {}",
                show(&path.display().to_string()),
                show(&path.display().to_string())
            );
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e.into()),
    };
    print!(
        "{}",
        present::fix::applied(
            &applied.outcomes,
            &applied.compared,
            &path.display().to_string()
        )
    );
    Ok(if applied.still_failing() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Asks on the terminal whether to apply; refuses without one.
fn confirm(actions: usize) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("--apply changes AWS: add --yes to confirm when standard input is not a terminal");
    }
    print!("\nApply these {actions} action(s)? [y/N] ");
    std::io::stdout().flush().ok();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("could not read the answer")?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// `$XDG_DATA_HOME/flowaudit/journals/fix-<time>-<pid>.jsonl`, or under
/// `~/.local/share`.
fn default_journal() -> Result<PathBuf> {
    let base = crate::history::data_dir()
        .context("cannot find a data directory (set HOME or XDG_DATA_HOME, or pass --journal)")?;
    Ok(base.join("journals").join(format!(
        "fix-{}-{}.jsonl",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
        std::process::id()
    )))
}

pub fn rollback(args: RollbackArgs) -> Result<ExitCode> {
    let journaled = journal::read(&args.journal).map_err(anyhow::Error::msg)?;
    if let Some(cut) = &journaled.cut {
        eprintln!(
            "warning: {}:{}: the last line was cut short (flowaudit stopped while writing it); the change it records may have been made and is not undone, check it by hand: {}",
            args.journal.display(),
            cut.line,
            show(&cut.text)
        );
    }
    let entries = journaled.entries;
    if entries.is_empty() {
        println!("{}: nothing to undo", args.journal.display());
        return Ok(ExitCode::SUCCESS);
    }
    let settings = flowaudit_core::Settings::default();
    let opts = args.conn.options(&settings)?;
    let rt = runtime()?;
    let done = match rt.block_on(fix_command::rollback(opts, &entries)) {
        Ok(done) => done,
        Err(e @ RollbackError::OtherAccount { .. }) => {
            bail!("{}: {e}", args.journal.display())
        }
        Err(e @ RollbackError::Refused(_)) => {
            eprintln!(
                "error: {}: {}",
                show(&args.journal.display().to_string()),
                e
            );
            if let RollbackError::Refused(why) = &e {
                for line in why {
                    eprintln!("  {}", show(line));
                }
            }
            return Ok(ExitCode::from(2));
        }
        Err(RollbackError::Failed { undone, error }) => {
            print_undone(&args.journal, &undone);
            eprintln!("error: {}", show(&error));
            eprintln!(
                "The {} change(s) recorded before that step in {} were not undone; run the rollback again once the cause is fixed (what is already undone is skipped).",
                entries.len() - undone.len(),
                show(&args.journal.display().to_string())
            );
            return Ok(ExitCode::from(2));
        }
        Err(e @ RollbackError::Connect(_)) => return Err(e.into()),
    };
    print_undone(&args.journal, &done);
    Ok(ExitCode::SUCCESS)
}

/// "Rolled back N change(s) from FILE:" and one line per change.
fn print_undone(journal: &std::path::Path, done: &[String]) {
    print!(
        "{}",
        present::fix::undone(&journal.display().to_string(), done)
    );
}
