//! `flow-log-record-fields`: a flow log records every field the analysis needs.

use serde_json::json;

use super::entry::{Check, Eval, Fix, Predeploy};
use super::meta::{CheckId, CheckMeta, Outcome, Scope};
use crate::context::{flow_log_evidence, RegionCtx, VpcCtx};
use crate::declared::{Declared, FlowLog as DeclaredFlowLog, Known, Verdict};
use crate::fields::{is_known_field, log_format_fields, DEFAULT_FIELDS};
use crate::model::{DestinationType, FlowLog};
use crate::report::{Severity, Status};
use crate::settings::Settings;

/// This check's id.
pub const ID: CheckId = CheckId::new("flow-log-record-fields");

pub static META: CheckMeta = CheckMeta {
    id: ID,
    title: "Flow logs record the fields investigations need",
    severity: Severity::Low,
    scope: Scope::FlowLog,
    rationale: "A flow log writes only the fields of its LogFormat. A custom format that drops \
action, srcaddr or bytes leaves records that cannot answer who talked to whom, or whether it was \
allowed; behind a NAT or load balancer, only pkt-srcaddr and pkt-dstaddr name the real peers, and \
flow-direction and tcp-flags tell a scan from a session. The format cannot be changed after the \
flow log is created, so a missing field is missing from every record until it is replaced.",
    passes_when: "The flow log's format (its LogFormat, or the default format when it has none) \
has every field of the default format and every field of --required-fields / [checks] \
required_fields (none by default; for the analysis of `flowaudit analyze`, pkt-srcaddr, \
pkt-dstaddr, flow-direction and tcp-flags are recommended).",
    fails_when: "A required field is missing; the message names each one.",
    other_statuses: "Before deployment (`flowaudit iac`), the declared log_format / LogFormat is \
judged at the flow log's own line; SKIPPED when it is known only at apply time. ERROR when the LogFormat names a field AWS does not document or cannot be \
read (named in the message), and for a destination type flowaudit does not know. SKIPPED for \
shared and skipped VPCs.",
    remediation: "A flow log's format cannot be changed: create a new flow log with \
`--log-format` listing the default fields and the required ones (for example \
'${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} \
${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${pkt-srcaddr} \
${pkt-dstaddr} ${flow-direction} ${tcp-flags}'), confirm it delivers, then delete the old one.",
    compliance: &[
        ("NIST SP 800-53 Rev. 5", "AU-3"),
        ("NIST SP 800-53 Rev. 5", "AU-12"),
    ],
    equivalents: &[],
};

pub const CHECK: Check = Check {
    meta: &META,
    eval: Eval::FlowLog(evaluate),
    predeploy: Predeploy::FlowLog(predeploy),
    fix: Fix::Manual(
        "Replacing a flow log needs a check that the new one delivers before the old one is \
deleted; fix plans do not set the format yet.",
    ),
    query: None,
};

/// The default fields, then the setting's, each once, in that order.
fn required(settings: &Settings) -> Vec<&str> {
    let mut required: Vec<&str> = DEFAULT_FIELDS.to_vec();
    for field in &settings.required_fields {
        if !required.contains(&field.as_str()) {
            required.push(field);
        }
    }
    required
}

/// The verdict on a format (`None`: the default format), in the cloud and
/// before deployment alike.
fn judge(log_format: Option<&str>, required: &[&str]) -> (Status, String) {
    let fields: Vec<String> = match log_format {
        None => DEFAULT_FIELDS.iter().map(|f| f.to_string()).collect(),
        Some(spec) => match log_format_fields(spec) {
            Ok(fields) => fields,
            Err(why) => {
                return (
                    Status::Error,
                    format!("its LogFormat cannot be read: {why}"),
                )
            }
        },
    };
    let unknown: Vec<&str> = fields
        .iter()
        .map(String::as_str)
        .filter(|f| !is_known_field(f))
        .collect();
    if !unknown.is_empty() {
        return (
            Status::Error,
            format!(
                "its LogFormat names field(s) AWS does not document: {}",
                quoted(&unknown)
            ),
        );
    }
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|r| !fields.iter().any(|f| f == r))
        .collect();
    let format = if log_format.is_some() {
        "its LogFormat"
    } else {
        "the default format"
    };
    if missing.is_empty() {
        (
            Status::Pass,
            format!("{format} records all {} required field(s)", required.len()),
        )
    } else {
        (Status::Fail, format!("{format} lacks {}", quoted(&missing)))
    }
}

fn evaluate(ctx: &RegionCtx<'_>, _vpc: &VpcCtx<'_>, flow_log: &FlowLog) -> Option<Outcome> {
    let required = required(ctx.settings);
    let evidence = json!({
        "flow_log": flow_log_evidence(flow_log),
        "log_format": flow_log.log_format,
        "required_fields": required,
    });
    if let DestinationType::Other(kind) = &flow_log.destination_type {
        return Some(Outcome::error(
            format!(
                "whether its records follow its LogFormat cannot be judged: the destination type {kind:?} is not one flowaudit knows"
            ),
            evidence,
        ));
    }
    let (status, message) = judge(flow_log.log_format.as_deref(), &required);
    Some(Outcome::new(status, message, evidence))
}

/// Before deployment: the declared format, at the flow log's own line;
/// SKIPPED when the format is known only at apply time.
fn predeploy(_declared: &Declared, f: &DeclaredFlowLog, settings: &Settings) -> Option<Verdict> {
    let (status, message) = match &f.log_format {
        Known::Unknown(why) => (
            Status::Skipped,
            format!(
                "the format of {} is not known before apply: {why}",
                f.address
            ),
        ),
        Known::Yes(format) => {
            let (status, message) = judge(format.as_deref(), &required(settings));
            (status, format!("{}: {message}", f.address))
        }
    };
    Some(Verdict::new(status, &f.location, message))
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::checks::testkit::*;
    use crate::report::Status;
    use crate::settings::Settings;

    const ID: &str = "flow-log-record-fields";

    const DEFAULT: &str = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} \
${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}";

    #[test]
    fn default_format_passes_without_a_setting_and_fails_with_one() {
        let inv = inventory(vec![vpc("vpc-1")], vec![flow_log("fl-1", "vpc-1")]);
        assert_eq!(only(&inv, ID).status, Status::Pass);
        let settings = Settings {
            required_fields: vec!["pkt-srcaddr".into(), "tcp-flags".into()],
            ..Settings::default()
        };
        let results = run_with(&inv, &settings, ID);
        assert_eq!(results.len(), 1);
        let r = &results[0];
        assert_eq!(r.status, Status::Fail);
        assert!(
            r.message.contains("\"pkt-srcaddr\", \"tcp-flags\""),
            "{}",
            r.message
        );
    }

    #[test]
    fn a_custom_format_without_action_fails_and_with_extras_passes() {
        let mut short = flow_log("fl-1", "vpc-1");
        short.log_format = Some("${srcaddr} ${dstaddr} ${bytes}".into());
        let mut rich = flow_log("fl-2", "vpc-2");
        rich.log_format = Some(format!("{DEFAULT} ${{pkt-srcaddr}} ${{tcp-flags}}"));
        let inv = inventory(vec![vpc("vpc-1"), vpc("vpc-2")], vec![short, rich]);
        let settings = Settings {
            required_fields: vec!["tcp-flags".into()],
            ..Settings::default()
        };
        let results = run_with(&inv, &settings, ID);
        let by = |id: &str| {
            results
                .iter()
                .find(|r| r.resource_id == id)
                .unwrap_or_else(|| panic!("no result for {id}"))
        };
        assert_eq!(by("fl-1").status, Status::Fail);
        assert!(
            by("fl-1").message.contains("\"action\""),
            "{}",
            by("fl-1").message
        );
        assert_eq!(by("fl-2").status, Status::Pass, "{}", by("fl-2").message);
    }

    #[test]
    fn an_unknown_or_unreadable_field_is_an_error_naming_it() {
        let mut odd = flow_log("fl-1", "vpc-1");
        odd.log_format = Some(format!("{DEFAULT} ${{packet-colour}}"));
        let mut broken = flow_log("fl-2", "vpc-2");
        broken.log_format = Some("${version} ${a}b}".into());
        let inv = inventory(vec![vpc("vpc-1"), vpc("vpc-2")], vec![odd, broken]);
        let results = run(&inv, ID);
        for (id, named) in [("fl-1", "\"packet-colour\""), ("fl-2", "`a}b`")] {
            let r = results
                .iter()
                .find(|r| r.resource_id == id)
                .unwrap_or_else(|| panic!("no result for {id}"));
            assert_eq!(r.status, Status::Error, "{}", r.message);
            assert!(r.message.contains(named), "{}", r.message);
        }
    }
}
