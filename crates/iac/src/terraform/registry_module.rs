//! The `terraform-aws-modules/vpc/aws` module, understood by its inputs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl::Value;

use super::declare::{opaque, string_map};
use super::limits::{MAX_MODULE_CALLS, MAX_MODULE_DEPTH, VPC_MODULE};
use super::module::{Item, Module};
use super::reading::{read_dir, Reading};
use flowaudit_core::declared::{
    Broken, Declared, Destination, FlowLog, Known, LogGroup, Role, Target, Vpc,
};

impl<'a> Module<'a> {
    pub(super) fn declare_module(
        &self,
        m: &Item,
        dir: &Path,
        out: &mut Declared,
        reading: &mut Reading,
        chain: &[PathBuf],
    ) {
        let address = format!("{}module.{}", self.prefix, m.name);
        let source = self
            .attr(m.body, "source")
            .and_then(|e| self.evaluate(&e, &None).ok())
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let refuse = |out: &mut Declared, why: String| {
            out.broken.push(Broken {
                location: m.location.clone(),
                message: format!("{address}: {why}"),
            })
        };
        let exists = match self.instances(m.body, 0) {
            Ok(Known::Yes(list)) => Known::Yes(!list.is_empty()),
            Ok(Known::Unknown(why)) => Known::Unknown(why),
            Err(why) => return refuse(out, why),
        };
        if exists == Known::Yes(false) {
            return;
        }
        let input = |key: &str| self.attr(m.body, key).map(|e| self.eval(&e, &None));
        if source.starts_with("./") || source.starts_with("../") {
            let child = dir.join(&source);
            let Ok(canonical) = child.canonicalize() else {
                out.vpcs.push(opaque(
                    &address,
                    m,
                    format!("local module {source} was not found"),
                ));
                return;
            };
            if chain.contains(&canonical) {
                return refuse(
                    out,
                    format!("source = {source:?} includes a module that is already being read (a module that includes itself); Terraform refuses it"),
                );
            }
            if chain.len() >= MAX_MODULE_DEPTH {
                return refuse(
                    out,
                    format!("local modules nest deeper than {MAX_MODULE_DEPTH} levels, flowaudit's limit"),
                );
            }
            reading.calls += 1;
            if reading.calls > MAX_MODULE_CALLS {
                return refuse(
                    out,
                    format!("more than {MAX_MODULE_CALLS} local module calls from one root module, flowaudit's limit"),
                );
            }
            reading.local_dirs.insert(canonical.clone());
            let mut inputs = BTreeMap::new();
            for a in m.body.attributes() {
                if let Ok(v) = self.evaluate(&a.expr, &None) {
                    inputs.insert(a.key.to_string(), v);
                }
            }
            let files = crate::tf_files(&child);
            let mut inner = chain.to_vec();
            inner.push(canonical);
            out.extend(read_dir(
                &child,
                &files,
                &inputs,
                &format!("{address}."),
                reading,
                &inner,
            ));
            return;
        }
        let registry = source.split("//").next().unwrap_or_default();
        if registry == VPC_MODULE || registry.ends_with(&format!("/{VPC_MODULE}")) {
            let flag = |key: &str, default: bool| match input(key) {
                None => Known::Yes(default),
                Some(Known::Yes(Value::Bool(b))) => Known::Yes(b),
                Some(Known::Yes(other)) => Known::Unknown(format!("{key} = {other}")),
                Some(Known::Unknown(why)) => Known::Unknown(why),
            };
            let create_vpc = flag("create_vpc", true);
            let exists = match (&exists, &create_vpc) {
                (Known::Yes(true), Known::Yes(c)) => Known::Yes(*c),
                (Known::Unknown(why), _) | (_, Known::Unknown(why)) => Known::Unknown(why.clone()),
                _ => Known::Yes(false),
            };
            out.vpcs.push(Vpc {
                address: address.clone(),
                name: input("name").and_then(|v| match v {
                    Known::Yes(Value::String(s)) => Some(s),
                    _ => None,
                }),
                tags: module_tags(&input),
                location: m.location.clone(),
                exists,
                suppressions: m.suppressions.clone(),
            });
            let enabled = flag("enable_flow_log", false);
            if enabled == Known::Yes(false) {
                return;
            }
            let text = |key: &str, default: &str| match input(key) {
                None | Some(Known::Yes(Value::Null)) => Known::Yes(default.to_string()),
                Some(Known::Yes(Value::String(s))) => Known::Yes(s),
                Some(Known::Yes(other)) => Known::Unknown(format!("{key} = {other}")),
                Some(Known::Unknown(why)) => Known::Unknown(why),
            };
            let dest_type = text("flow_log_destination_type", "cloud-watch-logs");
            let create_group = flag("create_flow_log_cloudwatch_log_group", false);
            let create_role = flag("create_flow_log_cloudwatch_iam_role", false);
            let group = format!("{address}.aws_cloudwatch_log_group.flow_log");
            let role = format!("{address}.aws_iam_role.vpc_flow_log_cloudwatch");
            let cloudwatch = dest_type == Known::Yes("cloud-watch-logs".to_string());
            if cloudwatch && create_group == Known::Yes(true) {
                out.log_groups.push(LogGroup {
                    address: group.clone(),
                    location: m.location.clone(),
                    kms_key: match input("flow_log_cloudwatch_log_group_kms_key_id") {
                        None | Some(Known::Yes(Value::Null)) => Known::Yes(false),
                        Some(Known::Yes(Value::String(s))) => Known::Yes(!s.is_empty()),
                        Some(Known::Yes(other)) => Known::Unknown(format!(
                            "flow_log_cloudwatch_log_group_kms_key_id = {other}"
                        )),
                        Some(Known::Unknown(why)) => Known::Unknown(why),
                    },
                    retention_days: match input("flow_log_cloudwatch_log_group_retention_in_days") {
                        None | Some(Known::Yes(Value::Null)) => Known::Yes(None),
                        Some(Known::Yes(Value::Number(n))) => self.days(n.as_u64(), &n.to_string()),
                        Some(Known::Yes(other)) => Known::Unknown(format!("retention {other}")),
                        Some(Known::Unknown(why)) => Known::Unknown(why),
                    },
                });
            }
            if cloudwatch && create_role == Known::Yes(true) {
                out.roles.push(Role {
                    address: role.clone(),
                    location: m.location.clone(),
                    trust_policy: Known::Yes(module_role_trust()),
                });
            }
            out.flow_logs.push(FlowLog {
                address: format!("{address}.aws_flow_log.this"),
                location: m.location.clone(),
                exists: enabled,
                target: Target::Vpcs(vec![address.clone()]),
                traffic: text("flow_log_traffic_type", "ALL"),
                transit_gateway: None,
                max_aggregation_interval: match input("flow_log_max_aggregation_interval") {
                    None | Some(Known::Yes(Value::Null)) => Known::Yes(600),
                    Some(Known::Yes(Value::Number(n))) => {
                        n.as_u64().and_then(|n| u32::try_from(n).ok()).map_or_else(
                            || Known::Unknown(format!("flow_log_max_aggregation_interval = {n}")),
                            Known::Yes,
                        )
                    }
                    Some(Known::Yes(other)) => {
                        Known::Unknown(format!("flow_log_max_aggregation_interval = {other}"))
                    }
                    Some(Known::Unknown(why)) => Known::Unknown(why),
                },
                log_format: match input("flow_log_log_format") {
                    None | Some(Known::Yes(Value::Null)) => Known::Yes(None),
                    Some(Known::Yes(Value::String(s))) => Known::Yes(Some(s)),
                    Some(Known::Yes(other)) => {
                        Known::Unknown(format!("flow_log_log_format = {other}"))
                    }
                    Some(Known::Unknown(why)) => Known::Unknown(why),
                },
                destination: match (&dest_type, &create_group) {
                    (Known::Unknown(why), _) => Destination::Unknown(why.clone()),
                    (Known::Yes(t), _) if t != "cloud-watch-logs" => {
                        Destination::Elsewhere(t.clone())
                    }
                    (_, Known::Yes(true)) => Destination::LogGroup(group),
                    _ => Destination::Elsewhere("a log group given to the module".into()),
                },
                role: match (cloudwatch, &create_role) {
                    (true, Known::Yes(true)) => Some(Known::Yes(role)),
                    _ => None,
                },
                suppressions: m.suppressions.clone(),
            });
            return;
        }
        out.vpcs.push(opaque(
            &address,
            m,
            format!("module source `{source}` is not present locally; run `terraform init` and point flowaudit at the downloaded module, or check the plan JSON (`terraform show -json`)"),
        ));
    }
}

/// The trust policy of the delivery role the registry's VPC module creates: the
/// flow-logs service may assume it.
pub(super) fn module_role_trust() -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": flowaudit_core::checks::delivery_role::FLOW_LOGS_SERVICE },
            "Action": "sts:AssumeRole",
        }],
    })
}

/// The tags the VPC module puts on its VPC: `tags` merged with `vpc_tags`.
fn module_tags(input: &dyn Fn(&str) -> Option<Known<Value>>) -> Known<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for key in ["tags", "vpc_tags"] {
        match input(key) {
            None | Some(Known::Yes(Value::Null)) => {}
            Some(Known::Yes(Value::Object(map))) => match string_map(map, key) {
                Known::Yes(m) => out.extend(m),
                Known::Unknown(why) => return Known::Unknown(why),
            },
            Some(Known::Yes(other)) => return Known::Unknown(format!("{key} = {other}")),
            Some(Known::Unknown(why)) => return Known::Unknown(why),
        }
    }
    Known::Yes(out)
}
