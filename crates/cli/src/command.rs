//! The command line: global options and the commands.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::args::{
    AnalyzeArgs, CatalogArgs, CheckArgs, DemoArgs, ExplainArgs, GuardrailsArgs, IacArgs,
    PermissionsArgs, RemediationArgs,
};

/// Audit, explain and fix VPC flow logging (CIS AWS Foundations 3.7) across AWS
/// accounts and regions.
#[derive(Debug, Parser)]
#[command(name = "flowaudit", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 no failing result at or above --fail-on, 1 failing or ERROR results, 2 the run itself failed.\nStart with `flowaudit demo` to see a full report without an AWS account."
)]
pub struct Cli {
    /// Settings file (default: flowaudit.toml in the working directory, if present).
    #[arg(long, global = true, value_name = "FILE", env = "FLOWAUDIT_CONFIG")]
    pub config: Option<PathBuf>,
    /// Ignore flowaudit.toml, and FLOWAUDIT_CONFIG too.
    #[arg(long, global = true)]
    pub no_config: bool,
    /// More log detail on standard error (-v info, -vv debug, -vvv trace).
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on standard error: no progress bar, no warnings.
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan AWS: collect the inventory from every enabled region and evaluate it.
    Scan(Box<crate::scan::ScanArgs>),
    /// Evaluate a saved inventory file (from `scan --save-inventory`).
    Check(CheckArgs),
    /// Evaluate a realistic sample inventory built into the binary (no AWS needed).
    Demo(DemoArgs),
    /// List the checks.
    Checks(CatalogArgs),
    /// Explain one check: why it matters, what passes and fails, compliance, remediation.
    Explain(ExplainArgs),
    /// Fix failures in AWS: scan, show the plan, and with --apply make the changes,
    /// journaled so that `rollback` can undo them.
    Fix(Box<crate::fix::FixCmdArgs>),
    /// Undo exactly what a `fix --apply` journal records, in reverse order.
    Rollback(Box<crate::fix::RollbackArgs>),
    /// Export the remediation plans of an inventory as one bash script, Terraform
    /// file or CloudFormation template.
    Remediation(RemediationArgs),
    /// Write service-wide guardrails: an AWS Config conformance pack, a service
    /// control policy, and a detective guardrail (EventBridge rule and SNS topic).
    Guardrails(GuardrailsArgs),
    /// Print the read-only IAM policy that `scan` needs, as JSON.
    Permissions(PermissionsArgs),
    /// Check Terraform (HCL, .tf.json, plan JSON) and CloudFormation (YAML, JSON,
    /// CDK output) before deployment: every VPC declared gets its flow logging
    /// checked, with the file, line and column of each result.
    Iac(IacArgs),
    /// Read VPC flow logs (local files and folders, s3:// prefixes, CloudWatch
    /// Logs groups; text, gzip, Parquet, CloudWatch JSON) and report port scans,
    /// host sweeps, exposed admin ports, lateral movement, possible
    /// exfiltration, rejected-traffic hot spots and logging health; optionally
    /// suggest least-privilege security-group rules or print the same questions
    /// as Athena SQL.
    Analyze(Box<AnalyzeArgs>),
    /// Ask the inventory (a live scan, --inventory FILE or --demo) a question in
    /// SQL: its VPCs, flow logs, log groups, buckets and roles as tables.
    Query(Box<crate::query::QueryArgs>),
    /// What flow logging costs per VPC (measured over --days, or estimated), what
    /// the fix plan adds, and the cheapest way to full coverage.
    Cost(Box<crate::cost::CostArgs>),
    /// List the runs recorded in the history, newest first, with their counts.
    History(crate::history::HistoryCmdArgs),
    /// Compare two runs (default: the last two of the same scope) or two JSON
    /// reports: newly failing, fixed, still failing, newly excepted.
    Diff(crate::history::DiffArgs),
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Cli;

    /// The ranges of `crate::limits`, as the user meets them: (command line
    /// before the value, config section and key, lowest, highest).
    const OPTIONS: &[(&[&str], &str, i128, i128)] = &[
        (&["scan", "--concurrency"], "scan.concurrency", 1, 64),
        (
            &["scan", "--org", "--account-concurrency"],
            "scan.account_concurrency",
            1,
            64,
        ),
        (&["scan", "--call-timeout"], "scan.call_timeout", 1, 600),
        (&["scan", "--max-attempts"], "scan.max_attempts", 1, 10),
        (&["scan", "--page-size"], "scan.page_size", 5, 1000),
        (&["scan", "--timeout"], "scan.timeout", 1, 86_400),
        (&["analyze", ".", "--threads"], "analyze.threads", 1, 256),
        (
            &["analyze", ".", "--gap-hours"],
            "analyze.gap_hours",
            1,
            8_760,
        ),
        (
            &["analyze", ".", "--scan-ports"],
            "analyze.scan_ports",
            2,
            65_536,
        ),
        (
            &["analyze", ".", "--sweep-hosts"],
            "analyze.sweep_hosts",
            2,
            1_000_000,
        ),
        (
            &["analyze", ".", "--exfil-mib-per-hour"],
            "analyze.exfil_mib_per_hour",
            1,
            1_048_576,
        ),
        (
            &["analyze", ".", "--lateral-baseline-hours"],
            "analyze.lateral_baseline_hours",
            1,
            8_760,
        ),
        (
            &["analyze", ".", "--silent-hours"],
            "analyze.silent_hours",
            1,
            8_760,
        ),
        (
            &["demo", "--min-retention-days"],
            "checks.min_retention_days",
            1,
            36_500,
        ),
        (
            &["demo", "--max-delivery-age-hours"],
            "checks.max_delivery_age_hours",
            1,
            8_760,
        ),
        (
            &["demo", "--delivery-grace-minutes"],
            "checks.delivery_grace_minutes",
            0,
            10_080,
        ),
        (
            &["demo", "--fix-retention-days"],
            "remediation.retention_days",
            1,
            3_653,
        ),
    ];

    /// Keys only the file sets: refused past their bounds too.
    const FILE_ONLY: &[(&str, i128, i128)] = &[
        ("analyze.top_rejected", 1, 10_000),
        ("analyze.hotspot_min_rejected", 1, 1_000_000_000),
    ];

    /// The command line and the file accept exactly the same values: both
    /// bounds, and nothing past either.
    #[test]
    fn command_line_and_file_accept_the_same_range() {
        for (args, key, lo, hi) in OPTIONS {
            let (section, name) = key.split_once('.').unwrap_or_default();
            for (value, ok) in [(lo - 1, false), (*lo, true), (*hi, true), (hi + 1, false)] {
                let mut argv = vec!["flowaudit"];
                argv.extend_from_slice(args);
                let shown = value.to_string();
                argv.push(&shown);
                let cli = Cli::try_parse_from(&argv);
                assert_eq!(cli.is_ok(), ok, "{argv:?}");
                let text = format!("[{section}]\n{name} = {value}\n");
                let file = crate::config::parse(&text, std::path::Path::new("f.toml"));
                assert_eq!(file.is_ok(), ok, "{key} = {value}");
            }
        }
        for (key, lo, hi) in FILE_ONLY {
            let (section, name) = key.split_once('.').unwrap_or_default();
            for (value, ok) in [(lo - 1, false), (*lo, true), (*hi, true), (hi + 1, false)] {
                let text = format!("[{section}]\n{name} = {value}\n");
                let file = crate::config::parse(&text, std::path::Path::new("f.toml"));
                assert_eq!(file.is_ok(), ok, "{key} = {value}");
            }
        }
    }

    /// Every field the config merge lays over (`overlay!(m, args.field, …)`)
    /// is an argument of some command under that name: a field that is not
    /// an argument (or was given another id) would let the file win over the
    /// command line without a word.
    #[test]
    fn the_config_merge_names_only_real_arguments() {
        use clap::CommandFactory;
        let sources = [
            include_str!("args.rs"),
            include_str!("scan.rs"),
            include_str!("history.rs"),
        ];
        let mut ids = std::collections::BTreeSet::new();
        for source in sources {
            let flat: String = source.chars().filter(|c| !c.is_whitespace()).collect();
            for (at, _) in flat.match_indices("overlay!(m,") {
                let rest = &flat[at + "overlay!(m,".len()..];
                let slot = rest.split(',').next().unwrap_or_default();
                let field = slot.rsplit('.').next().unwrap_or_default();
                ids.insert(field.trim_end_matches('?').to_string());
            }
        }
        assert!(ids.len() > 30, "{ids:?}");
        let mut known = std::collections::BTreeSet::new();
        let mut stack = vec![Cli::command()];
        while let Some(cmd) = stack.pop() {
            known.extend(cmd.get_arguments().map(|a| a.get_id().to_string()));
            stack.extend(cmd.get_subcommands().cloned());
        }
        let unknown: Vec<&String> = ids.iter().filter(|id| !known.contains(*id)).collect();
        assert!(
            unknown.is_empty(),
            "not an argument of any command: {unknown:?}"
        );
    }
}
