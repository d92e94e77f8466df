//! `flowaudit.toml`: the settings a team commits, and its exceptions.
//!
//! Found as `--config FILE` (or `FLOWAUDIT_CONFIG`), else `flowaudit.toml` in the
//! working directory. Every key mirrors a command-line option; an option given on
//! the command line (or through its environment variable) wins over the file.
//! Unknown keys and wrong types are errors naming the file, line and column.
//! Relative paths in the file are relative to the file's directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::parser::ValueSource;
use clap::ArgMatches;
use flowaudit_core::exceptions::{Exception, InvalidException};
use serde::{Deserialize, Deserializer};

use crate::limits;
use crate::located::{line_col, located};
use crate::values::{
    ColorArg, FixDestinationArg, FixTrafficArg, OutputSpec, ReportFormat, SeverityArg, TrafficArg,
};

/// The file looked for in the working directory.
pub const DEFAULT_FILE: &str = "flowaudit.toml";

/// The parsed file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub scan: ScanSection,
    #[serde(default)]
    pub report: ReportSection,
    #[serde(default)]
    pub checks: ChecksSection,
    #[serde(default)]
    pub remediation: RemediationSection,
    #[serde(default)]
    pub priority: PrioritySection,
    #[serde(default)]
    pub history: HistorySection,
    #[serde(default)]
    pub analyze: AnalyzeSection,
    #[serde(default, rename = "exception")]
    pub exceptions: Vec<toml::Spanned<ExceptionEntry>>,
    /// `[[control]]`: custom controls.
    #[serde(default, rename = "control")]
    pub controls: Vec<toml::Spanned<crate::controls::ControlEntry>>,
    /// Where the file is, for relative paths and messages.
    #[serde(skip)]
    pub path: Option<PathBuf>,
    /// Exceptions converted and validated (but for the check they name, which
    /// may be a custom control read later: see [`crate::controls::check_exceptions`]).
    #[serde(skip)]
    pub checked_exceptions: Vec<Exception>,
    /// Where each exception's `check` key is, `file:line:column`.
    #[serde(skip)]
    pub exception_check_at: Vec<String>,
    /// The `[[control]]` entries, read.
    #[serde(skip)]
    pub checked_controls: Vec<flowaudit_query::Control>,
}

/// `[scan]`: how to reach AWS.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSection {
    pub profile: Option<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    pub endpoint_url: Option<String>,
    /// Region → endpoint URL.
    pub endpoint_url_region: Option<BTreeMap<String, String>>,
    /// Region names, or `["all"]`.
    pub regions: Option<Vec<String>>,
    #[serde(default, deserialize_with = "limits::concurrency")]
    pub concurrency: Option<u16>,
    #[serde(default, deserialize_with = "limits::call_timeout")]
    pub call_timeout: Option<u64>,
    #[serde(default, deserialize_with = "limits::max_attempts")]
    pub max_attempts: Option<u32>,
    #[serde(default, deserialize_with = "limits::page_size")]
    pub page_size: Option<i32>,
    pub save_inventory: Option<PathBuf>,
    pub stats: Option<bool>,
    pub security_hub: Option<bool>,
    pub org: Option<bool>,
    pub org_role: Option<String>,
    pub accounts: Option<Vec<String>>,
    pub exclude_accounts: Option<Vec<String>>,
    #[serde(default, deserialize_with = "limits::account_concurrency")]
    pub account_concurrency: Option<u16>,
    #[serde(default, deserialize_with = "limits::timeout")]
    pub timeout: Option<u64>,
}

/// `[report]`: format, destination, exit threshold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSection {
    pub format: Option<ReportFormat>,
    /// `"PATH"`, `"FORMAT=PATH"`, or a list of them.
    #[serde(default, deserialize_with = "outputs")]
    pub output: Option<Vec<OutputSpec>>,
    pub fail_on: Option<SeverityArg>,
    pub color: Option<ColorArg>,
}

/// `[checks]`: how checks evaluate.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecksSection {
    pub skip_default_vpcs: Option<bool>,
    pub skip_unused_vpcs: Option<bool>,
    pub required_traffic_type: Option<TrafficArg>,
    #[serde(default, deserialize_with = "limits::min_retention_days")]
    pub min_retention_days: Option<u32>,
    #[serde(default, deserialize_with = "limits::max_delivery_age_hours")]
    pub max_delivery_age_hours: Option<u32>,
    #[serde(default, deserialize_with = "limits::delivery_grace_minutes")]
    pub delivery_grace_minutes: Option<u32>,
    /// Record field names, checked as `--required-fields` is.
    #[serde(default, deserialize_with = "limits::required_fields")]
    pub required_fields: Option<Vec<String>>,
    pub accept_sse_s3: Option<bool>,
    /// Checked as `--approved-destinations` is.
    #[serde(default, deserialize_with = "limits::approved_destinations")]
    pub approved_destinations: Option<Vec<String>>,
    /// Directories of custom controls files (`--controls`).
    pub controls: Option<Vec<PathBuf>>,
}

/// `[remediation]`: what plans create (the `--fix-*` options).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemediationSection {
    pub destination: Option<FixDestinationArg>,
    #[serde(default, deserialize_with = "limits::bucket_arn")]
    pub bucket_arn: Option<String>,
    pub parquet: Option<bool>,
    pub hourly_partitions: Option<bool>,
    pub traffic_type: Option<FixTrafficArg>,
    #[serde(default, deserialize_with = "limits::fix_retention_days")]
    pub retention_days: Option<u32>,
    #[serde(default, deserialize_with = "limits::role_name")]
    pub role_name: Option<String>,
}

/// `[priority]`: what marks a VPC as production.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrioritySection {
    pub production_tag_keys: Option<Vec<String>>,
    pub production_tag_values: Option<Vec<String>>,
}

/// `[analyze]`: detection thresholds of `flowaudit analyze`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeSection {
    pub format_fields: Option<String>,
    #[serde(default, deserialize_with = "limits::threads")]
    pub threads: Option<u16>,
    #[serde(default, deserialize_with = "limits::scan_ports")]
    pub scan_ports: Option<u32>,
    #[serde(default, deserialize_with = "limits::sweep_hosts")]
    pub sweep_hosts: Option<u32>,
    #[serde(default, deserialize_with = "limits::exfil_mib_per_hour")]
    pub exfil_mib_per_hour: Option<u64>,
    #[serde(default, deserialize_with = "limits::lateral_baseline_hours")]
    pub lateral_baseline_hours: Option<u32>,
    #[serde(default, deserialize_with = "limits::silent_hours")]
    pub silent_hours: Option<u32>,
    #[serde(default, deserialize_with = "limits::gap_hours")]
    pub gap_hours: Option<u32>,
    #[serde(default, deserialize_with = "share")]
    pub scan_reject_share: Option<f64>,
    pub exposed_ports: Option<Vec<u16>>,
    pub lateral_ports: Option<Vec<u16>>,
    #[serde(default, deserialize_with = "limits::top_rejected")]
    pub top_rejected: Option<u32>,
    #[serde(default, deserialize_with = "limits::hotspot_min_rejected")]
    pub hotspot_min_rejected: Option<u64>,
}

/// A share between 0 and 1.
fn share<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = f64::deserialize(d)?;
    if (0.0..=1.0).contains(&v) {
        Ok(Some(v))
    } else {
        Err(serde::de::Error::custom(format!(
            "{v} is not a share between 0 and 1"
        )))
    }
}

/// `[history]`: the run store.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistorySection {
    /// `false` is `--no-history`.
    pub enabled: Option<bool>,
    pub db: Option<PathBuf>,
}

/// One `[[exception]]` as written, each key with where it is (errors point at
/// the key they are about).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExceptionEntry {
    pub check: toml::Spanned<String>,
    pub resource: Option<toml::Spanned<String>>,
    pub vpc: Option<toml::Spanned<String>>,
    pub account: Option<toml::Spanned<String>>,
    pub region: Option<toml::Spanned<String>>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub reason: toml::Spanned<String>,
    pub expires: toml::Spanned<Expires>,
    pub owner: Option<toml::Spanned<String>>,
}

/// `expires` as written: a TOML date, or a string (quoted by mistake), which
/// is refused saying how to write it.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Expires {
    Date(toml::value::Datetime),
    Text(String),
}

/// `output = "r.json"` or `output = ["json=r.json", "html=r.html"]`.
fn outputs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<OutputSpec>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    let list = match OneOrMany::deserialize(d)? {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
    };
    list.iter()
        .map(|s| s.parse::<OutputSpec>().map_err(serde::de::Error::custom))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Parses and validates the file's text.
pub fn parse(text: &str, path: &Path) -> Result<Config> {
    let mut config: Config =
        toml::from_str(text).map_err(|e| located(path, text, e.span(), e.message()))?;
    config.path = Some(path.to_path_buf());
    let mut exceptions = Vec::with_capacity(config.exceptions.len());
    let mut check_at = Vec::with_capacity(config.exceptions.len());
    // Line starts, found once: each exception's line is a search, not a count
    // from the top of the file (40,000 exceptions took 94 s that way).
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    for (i, entry) in config.exceptions.iter().enumerate() {
        let span = entry.span();
        let at = |span: std::ops::Range<usize>, message: String| {
            located(path, text, Some(span), &message)
        };
        let e = entry.get_ref();
        let value = |v: &Option<toml::Spanned<String>>| v.as_ref().map(|s| s.get_ref().clone());
        let expires_at = match e.expires.get_ref() {
            Expires::Date(date) => date,
            Expires::Text(text) => {
                let hint = if text.parse::<chrono::NaiveDate>().is_ok() {
                    format!("write the date unquoted: expires = {text}")
                } else {
                    "write a date, unquoted, like expires = 2027-03-31".to_string()
                };
                return Err(at(
                    e.expires.span(),
                    format!("exception #{}: `expires` is a string; {hint}", i + 1),
                ));
            }
        };
        let expires = match (expires_at.date, expires_at.time) {
            (Some(d), None) => chrono::NaiveDate::from_ymd_opt(
                i32::from(d.year),
                u32::from(d.month),
                u32::from(d.day),
            ),
            _ => None,
        }
        .ok_or_else(|| {
            at(
                e.expires.span(),
                format!(
                    "exception #{}: `expires` must be a date like 2027-03-31, not `{}`",
                    i + 1,
                    expires_at
                ),
            )
        })?;
        let line = starts.partition_point(|s| *s <= span.start);
        let exception = Exception {
            check: e.check.get_ref().clone(),
            resource: value(&e.resource),
            vpc: value(&e.vpc),
            account: value(&e.account),
            region: value(&e.region),
            tags: e.tags.clone(),
            reason: e.reason.get_ref().clone(),
            expires,
            owner: value(&e.owner),
            source: Some(format!("{}:{line}", path.display())),
        };
        exception.validate_shape().map_err(|err| {
            // At the key the error is about; a missing selector at the entry.
            let key = match &err {
                InvalidException::NoReason => Some(e.reason.span()),
                InvalidException::UnknownCheck(_) => Some(e.check.span()),
                InvalidException::Empty { field } => match *field {
                    "check" => Some(e.check.span()),
                    "resource" => e.resource.as_ref().map(toml::Spanned::span),
                    "vpc" => e.vpc.as_ref().map(toml::Spanned::span),
                    "account" => e.account.as_ref().map(toml::Spanned::span),
                    "region" => e.region.as_ref().map(toml::Spanned::span),
                    _ => None,
                },
                InvalidException::NoSelector => None,
            };
            at(
                key.unwrap_or_else(|| span.clone()),
                format!("exception #{}: {err}", i + 1),
            )
        })?;
        let (cl, cc) = line_col(text, e.check.span().start);
        check_at.push(format!("{}:{cl}:{cc}", path.display()));
        exceptions.push(exception);
    }
    config.checked_exceptions = exceptions;
    config.exception_check_at = check_at;
    config.checked_controls = crate::controls::read_entries(&config.controls, path, text)?;
    Ok(config)
}

/// Loads `explicit` (it must exist), else `flowaudit.toml` in the working
/// directory if there is one, else the defaults; says on standard error which
/// file it loaded (unless `--quiet`).
///
/// A file found in the working directory may come with the code under review
/// (`flowaudit iac .` on a pull request), so it may not write outside that
/// directory: absolute output paths and `..` are refused unless `--config`
/// names the file.
pub fn load(explicit: Option<&Path>, disabled: bool) -> Result<Config> {
    if disabled {
        return Ok(Config::default());
    }
    let (path, found) = match explicit {
        Some(path) => (path.to_path_buf(), false),
        None => {
            let path = PathBuf::from(DEFAULT_FILE);
            if !path.is_file() {
                return Ok(Config::default());
            }
            (path, true)
        }
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("could not read config file {}", path.display()))?;
    let config = parse(&text, &path)?;
    if found {
        config.confine_writes()?;
    }
    if !crate::log::quiet() {
        eprintln!(
            "flowaudit: settings from {} ({} exception(s)){}",
            flowaudit_core::escape::terminal::show(&path.display().to_string()),
            config.checked_exceptions.len(),
            if found {
                ", found in the working directory; --no-config ignores it"
            } else {
                ""
            }
        );
    }
    Ok(config)
}

impl Config {
    /// Refuses a file path that leaves the working directory (absolute, or with
    /// `..`) in a setting that writes.
    fn confine_writes(&self) -> Result<()> {
        let mut writes: Vec<(&str, &Path)> = Vec::new();
        for o in self.report.output.iter().flatten() {
            writes.push(("report.output", &o.path));
        }
        if let Some(p) = &self.scan.save_inventory {
            writes.push(("scan.save_inventory", p));
        }
        if let Some(p) = &self.history.db {
            writes.push(("history.db", p));
        }
        for (key, path) in writes {
            let escapes = path.is_absolute()
                || path
                    .components()
                    .any(|c| matches!(c, std::path::Component::ParentDir));
            if escapes {
                anyhow::bail!(
                    "{DEFAULT_FILE} in the working directory sets {key} to {}, outside the working directory; \
                     a config file found automatically may only write below it (name the file with --config to trust it, or pass --no-config to ignore it)",
                    flowaudit_core::escape::terminal::show(&path.display().to_string())
                );
            }
        }
        Ok(())
    }

    /// `path` as written in the file, relative to the file's directory.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        match self.path.as_deref().and_then(Path::parent) {
            Some(dir) if path.is_relative() && !dir.as_os_str().is_empty() => dir.join(path),
            _ => path.to_path_buf(),
        }
    }
}

/// Whether the user set `id` on the command line or through its environment
/// variable (either wins over the file).
pub fn explicit(m: &ArgMatches, id: &str) -> bool {
    matches!(
        m.value_source(id),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

/// Lays the file's value over one argument field unless the user set that
/// argument explicitly: `overlay!(m, args.field, &file_value)`, or
/// `overlay!(m, args.field?, &file_value)` for an `Option` field. The argument
/// id is the field's own name (clap's derive names arguments after their
/// fields), so the merge holds no id strings that could drift from the
/// arguments.
macro_rules! overlay {
    ($m:expr, $args:ident . $field:ident, $value:expr) => {
        $crate::config::set($m, stringify!($field), &mut $args.$field, $value)
    };
    ($m:expr, $args:ident . $field:ident ?, $value:expr) => {
        $crate::config::set_opt($m, stringify!($field), &mut $args.$field, $value)
    };
}
pub(crate) use overlay;

/// Sets `slot` from the file's `value` unless the user set `id` explicitly.
pub fn set<T: Clone>(m: &ArgMatches, id: &str, slot: &mut T, value: &Option<T>) {
    if let Some(v) = value {
        if !explicit(m, id) {
            *slot = v.clone();
        }
    }
}

/// As [`set`], for an optional option.
pub fn set_opt<T: Clone>(m: &ArgMatches, id: &str, slot: &mut Option<T>, value: &Option<T>) {
    if value.is_some() && !explicit(m, id) {
        slot.clone_from(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        let checked = parse(text, Path::new("flowaudit.toml")).and_then(|c| {
            crate::controls::check_exceptions(
                &c.checked_exceptions,
                &c.exception_check_at,
                &c.checked_controls,
            )
        });
        match checked {
            Ok(()) => panic!("accepted:\n{text}"),
            Err(e) => format!("{e:#}"),
        }
    }

    /// The example file shows every key of every section: the keys are read
    /// from the parser's own list of expected fields.
    #[test]
    fn the_example_sets_every_key() {
        let example = include_str!("../../../examples/flowaudit.toml");
        for section in [
            "scan",
            "report",
            "checks",
            "remediation",
            "priority",
            "history",
            "analyze",
        ] {
            let message = err(&format!("[{section}]\nno_such_key = 1\n"));
            let expected = message
                .split_once("expected ")
                .map(|(_, list)| list.trim_start_matches("one of "))
                .unwrap_or_else(|| panic!("{message}"));
            let keys: Vec<&str> = expected
                .split(", ")
                .flat_map(|k| k.split(" or "))
                .map(|k| k.trim().trim_matches('`'))
                .collect();
            assert!(keys.len() > 1, "{message}");
            for key in keys {
                let set = example.lines().any(|l| {
                    let l = l.trim_start_matches('#').trim_start();
                    l.starts_with(&format!("{key} =")) || l.starts_with(&format!("{key}="))
                });
                assert!(
                    set,
                    "examples/flowaudit.toml does not show [{section}] {key}"
                );
            }
        }
    }

    #[test]
    fn full_file_parses() {
        let text = include_str!("../../../examples/flowaudit.toml");
        let config =
            parse(text, Path::new("examples/flowaudit.toml")).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(config.checked_exceptions.len(), 3);
        assert_eq!(
            config.resolve(Path::new("out.json")),
            PathBuf::from("examples/out.json")
        );
    }

    #[test]
    fn errors_name_line_and_column() {
        let messages = [
            err("[scan]\nregionz = [\"eu-west-1\"]\n"),
            err("[scan]\nconcurrency = 0\n"),
            err("[checks]\nmin_retention_days = \"a year\"\n"),
            err("[report]\nformat = \"yaml\"\n"),
            err("[unknown]\nx = 1\n"),
            err("[[exception]]\ncheck = \"vpc-flow-logs-enabled\"\nvpc = \"vpc-1\"\nreason = \"r\"\nexpires = \"soon\"\n"),
            err("[[exception]]\ncheck = \"vpc-flow-logs-enabled\"\nvpc = \"vpc-1\"\nreason = \"r\"\nexpires = \"2099-12-31\"\n"),
            err("[[exception]]\ncheck = \"vpc-flow-logs-enabled\"\nvpc = \"vpc-1\"\nreason = \"r\"\nexpires = 2027-01-01T10:00:00Z\n"),
            err("\n[[exception]]\ncheck = \"vpc-flow-logs-enabled\"\nreason = \"r\"\nexpires = 2027-01-01\n"),
            err("[[exception]]\ncheck = \"vpc-flowlogs-*\"\nvpc = \"vpc-1\"\nreason = \"r\"\nexpires = 2027-01-01\n"),
            err("[[exception]]\ncheck = \"vpc-flow-logs-enabled\"\nvpc = \"vpc-1\"\nexpires = 2027-01-01\n"),
            err("[[exception]]\ncheck = \"vpc-flow-logs-enabled\"\nvpc = \"vpc-1\"\nreason = \"  \"\nexpires = 2027-01-01\n"),
            err("[[exception]]\ncheck = \"vpc-flow-logs-enabled\"\nvpc = \"vpc-1\"\naccount = \"\"\nreason = \"r\"\nexpires = 2027-01-01\n"),
            err("[scan\n"),
        ];
        insta::assert_snapshot!(messages.join("\n---\n"));
    }

    /// The example config cut, flipped or spliced anywhere: parsed or refused
    /// with a message naming the file (and where), never a panic.
    #[test]
    fn mutated_configs_parse_or_are_refused_with_a_message() {
        use flowaudit_core::mutate::{assert_message, mutations};
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/flowaudit.toml");
        let text = std::fs::read(example).unwrap_or_else(|e| panic!("{example}: {e}"));
        let mut refused = 0;
        for input in mutations(&text, 400, 13) {
            let text = String::from_utf8_lossy(&input);
            if let Err(e) = parse(&text, Path::new("mutated.toml")) {
                refused += 1;
                let e = format!("{e:#}");
                assert_message(&e, &input);
                assert!(e.starts_with("mutated.toml"), "{e}");
            }
        }
        assert!(refused > 100, "only {refused} of 400 refused");
    }
}
