//! Terraform plan JSON (`terraform show -json PLAN`): `count`, `for_each`,
//! variables and modules are resolved by Terraform, so the planned instances are
//! what will exist. References come from the plan's `configuration` section
//! (values such as a new VPC's id are unknown until apply). Trusted over the HCL of
//! the same directory.

use std::collections::BTreeMap;

use flowaudit_core::report::SourceLocation;
use serde_json::Value;

use crate::source::line_col;
use flowaudit_core::declared::{
    Declared, Destination, FlowLog, Known, LogGroup, Role, Target, TransitGateway, Vpc,
};

/// Whether a JSON document is a Terraform plan.
pub fn is_plan(value: &Value) -> bool {
    value.get("planned_values").is_some() && value.get("format_version").is_some()
}

/// A planned resource instance.
struct Instance<'a> {
    address: String,
    /// `aws_vpc.main` with its module path: `module.net.aws_vpc.main`.
    base: String,
    kind: String,
    index: Option<Value>,
    values: &'a Value,
}

fn collect<'a>(module: &'a Value, out: &mut Vec<Instance<'a>>) {
    for r in module["resources"].as_array().into_iter().flatten() {
        if r["mode"] != "managed" {
            continue;
        }
        let address = r["address"].as_str().unwrap_or_default().to_string();
        let base = match address.rfind('[') {
            Some(i) if address.ends_with(']') => address[..i].to_string(),
            _ => address.clone(),
        };
        out.push(Instance {
            address,
            base,
            kind: r["type"].as_str().unwrap_or_default().to_string(),
            index: r.get("index").cloned(),
            values: &r["values"],
        });
    }
    for child in module["child_modules"].as_array().into_iter().flatten() {
        collect(child, out);
    }
}

/// The configuration's expressions of every resource, by address without index.
fn expressions(module: &Value, prefix: &str, out: &mut BTreeMap<String, Value>) {
    for r in module["resources"].as_array().into_iter().flatten() {
        let address = format!("{prefix}{}", r["address"].as_str().unwrap_or_default());
        out.insert(address, r["expressions"].clone());
    }
    for (name, call) in module["module_calls"].as_object().into_iter().flatten() {
        expressions(&call["module"], &format!("{prefix}module.{name}."), out);
    }
}

/// The first reference of an expression that starts with `kind.` (within the
/// resource's module), without the attribute: `aws_vpc.main[0]`.
/// The resource types that are VPCs (the default VPC a configuration adopts is
/// one, for CIS 3.7).
const VPC_KINDS: [&str; 2] = ["aws_vpc", "aws_default_vpc"];

fn reference(expr: &Value, kind: &str, prefix: &str) -> Option<String> {
    expr["references"]
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .find(|r| r.starts_with(&format!("{kind}.")))
        .map(|r| {
            let rest = &r[kind.len() + 1..];
            let name: String = rest
                .chars()
                .take_while(|c| *c != '.' && *c != '[')
                .collect();
            format!("{prefix}{kind}.{name}")
        })
}

/// Reads a plan (already parsed) from `path`.
pub fn read(path: &str, text: &str, plan: &Value) -> Declared {
    let mut out = Declared {
        files: 1,
        ..Declared::default()
    };
    let mut instances = Vec::new();
    collect(&plan["planned_values"]["root_module"], &mut instances);
    let mut exprs = BTreeMap::new();
    expressions(&plan["configuration"]["root_module"], "", &mut exprs);
    let at = |address: &str| {
        let needle = format!("\"address\":\"{address}\"");
        let compact = text.find(&needle);
        let spaced = text.find(&format!(
            "\"address\": \"{}\"",
            address.replace('"', "\\\"")
        ));
        let offset = spaced.or(compact).unwrap_or(0);
        let (line, column) = line_col(text, offset);
        SourceLocation {
            file: path.to_string(),
            line,
            column,
        }
    };
    let prefix_of = |base: &str, kind: &str| {
        base.find(&format!("{kind}."))
            .map(|i| base[..i].to_string())
            .unwrap_or_default()
    };
    let vpcs_of = |base: &str| -> Vec<String> {
        instances
            .iter()
            .filter(|i| VPC_KINDS.contains(&i.kind.as_str()) && i.base == base)
            .map(|i| i.address.clone())
            .collect()
    };
    for i in &instances {
        let v = i.values;
        let prefix = prefix_of(&i.base, &i.kind);
        let config = exprs.get(&i.base).cloned().unwrap_or(Value::Null);
        match i.kind.as_str() {
            "aws_ec2_transit_gateway" => out.transit_gateways.push(TransitGateway {
                address: i.address.clone(),
                name: v["tags"]["Name"].as_str().map(str::to_string),
                location: at(&i.address),
                exists: Known::Yes(true),
                suppressions: Vec::new(),
            }),
            "aws_vpc" | "aws_default_vpc" => out.vpcs.push(Vpc {
                address: i.address.clone(),
                name: v["tags"]["Name"].as_str().map(str::to_string),
                tags: match &v["tags"] {
                    Value::Null => Known::Yes(BTreeMap::new()),
                    Value::Object(map) => map
                        .iter()
                        .map(|(k, v)| match v.as_str() {
                            Some(s) => Ok((k.clone(), s.to_string())),
                            None => Err(format!("tags.{k} = {v}")),
                        })
                        .collect::<Result<BTreeMap<_, _>, _>>()
                        .map_or_else(Known::Unknown, Known::Yes),
                    other => Known::Unknown(format!("tags = {other}")),
                },
                location: at(&i.address),
                exists: Known::Yes(true),
                suppressions: Vec::new(),
            }),
            "aws_flow_log" => {
                let vpc_ref = VPC_KINDS
                    .iter()
                    .find_map(|kind| reference(&config["vpc_id"], kind, &prefix));
                let target = if let Some(vpc) = vpc_ref {
                    let all = vpcs_of(&vpc);
                    // count.index / each.key pairs instances by index.
                    let same: Vec<String> = all
                        .iter()
                        .filter(|a| match &i.index {
                            Some(Value::Number(n)) => a.ends_with(&format!("[{n}]")),
                            Some(Value::String(s)) => a.ends_with(&format!("[{s:?}]")),
                            _ => false,
                        })
                        .cloned()
                        .collect();
                    Target::Vpcs(if same.is_empty() { all } else { same })
                } else if let Some(id) = v["vpc_id"].as_str() {
                    Target::Vpcs(vec![format!("external:{id}")])
                } else if ["subnet_id", "eni_id", "transit_gateway_id"]
                    .iter()
                    .any(|k| v[*k].is_string() || !config[*k].is_null())
                {
                    Target::NotVpc("subnet or interface".into())
                } else {
                    Target::Dangling("vpc_id refers to nothing in the plan".into())
                };
                let dest_type = v["log_destination_type"]
                    .as_str()
                    .unwrap_or("cloud-watch-logs");
                let destination = if dest_type != "cloud-watch-logs" {
                    Destination::Elsewhere(dest_type.to_string())
                } else {
                    match reference(
                        &config["log_destination"],
                        "aws_cloudwatch_log_group",
                        &prefix,
                    )
                    .or_else(|| {
                        reference(
                            &config["log_group_name"],
                            "aws_cloudwatch_log_group",
                            &prefix,
                        )
                    }) {
                        Some(g) => Destination::LogGroup(g),
                        None => match v["log_destination"].as_str() {
                            Some(arn) => Destination::Elsewhere(arn.to_string()),
                            None => Destination::Unknown(
                                "the destination is not known before apply".into(),
                            ),
                        },
                    }
                };
                out.flow_logs.push(FlowLog {
                    address: i.address.clone(),
                    location: at(&i.address),
                    exists: Known::Yes(true),
                    target,
                    traffic: match v["traffic_type"].as_str() {
                        Some(t) => Known::Yes(t.to_uppercase()),
                        None => Known::Unknown("traffic_type is not known before apply".into()),
                    },
                    // Unset, the provider computes it (the default format) at
                    // apply: only a string in the plan is known.
                    transit_gateway: reference(
                        &config["transit_gateway_id"],
                        "aws_ec2_transit_gateway",
                        &prefix,
                    ),
                    max_aggregation_interval: match v["max_aggregation_interval"].as_u64() {
                        Some(n) => u32::try_from(n).map_or_else(
                            |_| Known::Unknown(format!("max_aggregation_interval = {n}")),
                            Known::Yes,
                        ),
                        None => Known::Unknown(
                            "max_aggregation_interval is known only after apply".into(),
                        ),
                    },
                    log_format: match v["log_format"].as_str() {
                        Some(f) => Known::Yes(Some(f.to_string())),
                        None => Known::Unknown("log_format is known only after apply".into()),
                    },
                    destination,
                    role: if dest_type == "cloud-watch-logs" {
                        reference(&config["iam_role_arn"], "aws_iam_role", &prefix).map(Known::Yes)
                    } else {
                        None
                    },
                    suppressions: Vec::new(),
                });
            }
            "aws_cloudwatch_log_group" => out.log_groups.push(LogGroup {
                address: i.base.clone(),
                location: at(&i.address),
                kms_key: match &v["kms_key_id"] {
                    Value::String(s) => Known::Yes(!s.is_empty()),
                    _ if reference(&config["kms_key_id"], "aws_kms_key", &prefix).is_some() => {
                        Known::Yes(true)
                    }
                    _ if !config["kms_key_id"].is_null() => {
                        Known::Unknown("kms_key_id is known only after apply".into())
                    }
                    _ => Known::Yes(false),
                },
                retention_days: match &v["retention_in_days"] {
                    Value::Null => Known::Yes(None),
                    Value::Number(n) => {
                        match flowaudit_core::declared::retention_days(n.as_u64(), &n.to_string()) {
                            Ok(days) => Known::Yes(days),
                            Err(why) => Known::Unknown(why),
                        }
                    }
                    other => Known::Unknown(format!("retention_in_days = {other}")),
                },
            }),
            "aws_iam_role" => out.roles.push(Role {
                address: i.base.clone(),
                location: at(&i.address),
                trust_policy: match v["assume_role_policy"]
                    .as_str()
                    .map(serde_json::from_str::<Value>)
                {
                    Some(Ok(doc)) => Known::Yes(doc),
                    Some(Err(e)) => Known::Unknown(format!("the trust policy is not JSON: {e}")),
                    None => Known::Unknown("assume_role_policy is not known before apply".into()),
                },
            }),
            _ => {}
        }
    }
    out
}
