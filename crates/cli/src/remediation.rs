//! `flowaudit remediation` and `flowaudit guardrails`.

use std::process::ExitCode;

use anyhow::{Context, Result};
use flowaudit_core::remediation::{
    cloudformation, guardrails, script, terraform, unique_actions, Plan,
};
use flowaudit_core::{demo, CheckResult, Report, Source, Status};

use crate::args::{ExportFormat, GuardrailsArgs, RemediationArgs};
use crate::output;

pub fn run(args: RemediationArgs) -> Result<ExitCode> {
    let (inventory, source) = match &args.inventory {
        Some(path) => {
            let (inventory, name) = crate::input::load_inventory(path)?;
            (inventory, Source::InventoryFile(name))
        }
        None => (demo::inventory()?, Source::Demo),
    };
    let filter = PlanFilter {
        checks: &args.checks,
        regions: &args.regions,
        vpcs: &args.vpcs,
    };
    filter.validate()?;
    let report = args.eval.report(&inventory, &source)?;
    let plans: Vec<&Plan> = filter
        .select(&report)
        .into_iter()
        .filter_map(|r| r.remediation.as_ref())
        .collect();
    let actions = unique_actions(plans.iter().copied());
    let text = match args.format {
        ExportFormat::Sh => script::render(&plans),
        ExportFormat::Terraform => terraform::render(&actions),
        ExportFormat::Cloudformation => cloudformation::render(&actions),
        ExportFormat::Json => {
            let mut text =
                serde_json::to_string_pretty(&plans).context("could not serialise the plans")?;
            text.push('\n');
            text
        }
    };
    match &args.output {
        Some(path) => output::write_file(path, &text)?,
        None => output::write_stdout(&text)?,
    }
    if plans.is_empty() && !crate::log::quiet() {
        eprintln!("flowaudit: no FAIL result to remediate");
    }
    Ok(ExitCode::SUCCESS)
}

/// Which FAIL results to remediate: `--check`, `--region`, `--vpc` (each
/// repeatable; empty means all).
pub struct PlanFilter<'a> {
    pub checks: &'a [String],
    pub regions: &'a [String],
    pub vpcs: &'a [String],
}

impl PlanFilter<'_> {
    /// Rejects unknown check ids.
    pub fn validate(&self) -> Result<()> {
        if let Some(unknown) = self
            .checks
            .iter()
            .find(|id| flowaudit_core::checks::find(id).is_none())
        {
            anyhow::bail!("--check: unknown check `{unknown}` (see `flowaudit checks`)");
        }
        Ok(())
    }

    /// Whether a result is one the filter keeps (check, region, VPC).
    pub fn matches(&self, r: &CheckResult) -> bool {
        (self.checks.is_empty() || self.checks.contains(&r.check_id))
            && (self.regions.is_empty() || self.regions.iter().any(|g| r.region == g.as_str()))
            && (self.vpcs.is_empty() || r.vpc_id.as_ref().is_some_and(|v| self.vpcs.contains(v)))
    }

    /// The FAIL results with a plan that match.
    pub fn select<'r>(&self, report: &'r Report) -> Vec<&'r CheckResult> {
        report
            .results
            .iter()
            .filter(|r| r.status == Status::Fail && r.remediation.is_some())
            .filter(|r| self.matches(r))
            .collect()
    }
}

pub fn guardrails(args: GuardrailsArgs) -> Result<ExitCode> {
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("could not create {}", args.output.display()))?;
    let pack = args.output.join("conformance-pack.yaml");
    let scp = args.output.join("scp.json");
    output::write_file(
        &pack,
        &guardrails::conformance_pack(args.traffic_type.traffic_type(), args.retention_days),
    )?;
    output::write_file(
        &scp,
        &guardrails::service_control_policy(&args.break_glass_role),
    )?;
    let detective = args.output.join("detective.yaml");
    output::write_file(&detective, &guardrails::detective_template())?;
    println!(
        "wrote {}\nwrote {}\nwrote {}",
        pack.display(),
        scp.display(),
        detective.display()
    );
    Ok(ExitCode::SUCCESS)
}
