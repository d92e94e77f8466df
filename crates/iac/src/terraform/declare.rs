//! What a module declares: VPCs, flow logs, log groups and roles, with where.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl::expr::{Expression, TraversalOperator};
use hcl::{Body, Value};

use super::module::{resource_ref, Binding, Item, Module};
use super::reading::Reading;
use flowaudit_core::declared::{
    Broken, Declared, Destination, FlowLog, Known, LogGroup, Role, Target, TransitGateway, Vpc,
};

impl<'a> Module<'a> {
    /// Declares everything this module holds.
    pub(super) fn declare(
        &self,
        dir: &Path,
        out: &mut Declared,
        reading: &mut Reading,
        chain: &[PathBuf],
    ) {
        let p = &self.prefix;
        for r in &self.resources {
            let base = format!("{}.{}", r.kind, r.name);
            let instances = match self.instances(r.body, 0) {
                Ok(instances) => instances,
                Err(why) => {
                    self.take_refused(&r.location, out);
                    out.broken.push(Broken {
                        location: r.location.clone(),
                        message: format!("{p}{base}: {why}"),
                    });
                    continue;
                }
            };
            let list: Vec<(String, Known<bool>, Binding)> = match &instances {
                Known::Yes(list) => list
                    .iter()
                    .map(|(k, c)| (k.clone(), Known::Yes(true), c.clone()))
                    .collect(),
                Known::Unknown(why) => vec![(String::new(), Known::Unknown(why.clone()), None)],
            };
            if let Known::Yes(list) = &instances {
                if list.is_empty() && r.kind == "aws_flow_log" {
                    // count = 0: declared, but it will not exist.
                    out.flow_logs
                        .push(self.flow_log(r, &base, "", Known::Yes(false), &None));
                }
            }
            for (key, exists, ctx) in list {
                let address = format!("{p}{base}{key}");
                match r.kind.as_str() {
                    // CIS 3.7 covers every VPC: the default VPC a configuration
                    // adopts is one.
                    "aws_vpc" | "aws_default_vpc" => out.vpcs.push(Vpc {
                        address,
                        name: self.name_tag(r.body, &ctx),
                        tags: self.tags(r.body, &ctx),
                        location: r.location.clone(),
                        exists,
                        suppressions: r.suppressions.clone(),
                    }),
                    "aws_flow_log" => out
                        .flow_logs
                        .push(self.flow_log(r, &base, &key, exists, &ctx)),
                    "aws_ec2_transit_gateway" => out.transit_gateways.push(TransitGateway {
                        address,
                        name: self.name_tag(r.body, &ctx),
                        location: r.location.clone(),
                        exists,
                        suppressions: r.suppressions.clone(),
                    }),
                    "aws_cloudwatch_log_group" => out.log_groups.push(LogGroup {
                        address: format!("{p}{base}"),
                        location: r.location.clone(),
                        kms_key: match self.attr(r.body, "kms_key_id") {
                            None => Known::Yes(false),
                            Some(e) => match self.follow(&e, &ctx, 0) {
                                Some(_) => Known::Yes(true),
                                None => match self.eval(&e, &ctx) {
                                    Known::Yes(Value::Null) => Known::Yes(false),
                                    Known::Yes(Value::String(s)) => Known::Yes(!s.is_empty()),
                                    Known::Yes(other) => {
                                        Known::Unknown(format!("kms_key_id = {other}"))
                                    }
                                    Known::Unknown(why) => Known::Unknown(why),
                                },
                            },
                        },
                        retention_days: match self.attr(r.body, "retention_in_days") {
                            None => Known::Yes(None),
                            Some(e) => match self.eval(&e, &ctx) {
                                Known::Yes(Value::Number(n)) => {
                                    self.days(n.as_u64(), &n.to_string())
                                }
                                Known::Yes(Value::Null) => Known::Yes(None),
                                Known::Yes(other) => {
                                    Known::Unknown(format!("retention_in_days = {other}"))
                                }
                                Known::Unknown(why) => Known::Unknown(why),
                            },
                        },
                    }),
                    "aws_iam_role" => out.roles.push(Role {
                        address: format!("{p}{base}"),
                        location: r.location.clone(),
                        trust_policy: self.trust(r.body, &ctx),
                    }),
                    _ => {}
                }
            }
            self.take_refused(&r.location, out);
        }
        for m in &self.modules {
            self.declare_module(m, dir, out, reading, chain);
            self.take_refused(&m.location, out);
        }
    }

    pub(super) fn name_tag(&self, body: &Body, ctx: &Binding) -> Option<String> {
        let tags = self.attr(body, "tags")?;
        match self.evaluate(&tags, ctx) {
            Ok(Value::Object(map)) => map.get("Name").and_then(|v| v.as_str()).map(str::to_string),
            _ => None,
        }
    }

    /// The `tags` of a resource, when every value is known.
    pub(super) fn tags(&self, body: &Body, ctx: &Binding) -> Known<BTreeMap<String, String>> {
        let Some(tags) = self.attr(body, "tags") else {
            return Known::Yes(BTreeMap::new());
        };
        match self.eval(&tags, ctx) {
            Known::Yes(Value::Object(map)) => string_map(map, "tags"),
            Known::Yes(Value::Null) => Known::Yes(BTreeMap::new()),
            Known::Yes(other) => Known::Unknown(format!("tags = {other}")),
            Known::Unknown(why) => Known::Unknown(why),
        }
    }

    pub(super) fn trust(&self, body: &Body, ctx: &Binding) -> Known<serde_json::Value> {
        let Some(policy) = self.attr(body, "assume_role_policy") else {
            return Known::Unknown("no assume_role_policy".into());
        };
        if let Some((address, _)) = self.follow(&policy, ctx, 0) {
            return Known::Unknown(format!("the policy comes from {address}"));
        }
        if let Expression::Traversal(t) = &policy {
            if let (
                Expression::Variable(v),
                Some(TraversalOperator::GetAttr(kind)),
                Some(TraversalOperator::GetAttr(name)),
            ) = (&t.expr, t.operators.first(), t.operators.get(1))
            {
                if v.as_str() == "data" && kind.as_str() == "aws_iam_policy_document" {
                    return self.policy_document(name.as_str());
                }
            }
        }
        match self.eval(&policy, ctx) {
            Known::Yes(Value::String(text)) => {
                match serde_json::from_str::<serde_json::Value>(&text) {
                    Ok(doc) => Known::Yes(doc),
                    Err(e) => Known::Unknown(format!("the trust policy is not JSON: {e}")),
                }
            }
            Known::Yes(other) => Known::Unknown(format!("assume_role_policy = {other}")),
            Known::Unknown(why) => Known::Unknown(why),
        }
    }

    /// `data "aws_iam_policy_document"`, as the IAM JSON it renders (judged by
    /// the same policy evaluator as a role read from AWS).
    pub(super) fn policy_document(&self, name: &str) -> Known<serde_json::Value> {
        use serde_json::{json, Map, Value as Json};
        let Some(d) = self
            .data
            .iter()
            .find(|d| d.kind == "aws_iam_policy_document" && d.name == name)
        else {
            return Known::Unknown(format!(
                "data.aws_iam_policy_document.{name} is not declared here"
            ));
        };
        let value = |body: &Body, attr: &str| -> Result<Option<Json>, String> {
            let Some(e) = self.attr(body, attr) else {
                return Ok(None);
            };
            self.evaluate(&e, &None)
                .ok()
                .and_then(|v| serde_json::to_value(v).ok())
                .map(Some)
                .ok_or_else(|| {
                    format!("data.aws_iam_policy_document.{name}: {attr} is not known before apply")
                })
        };
        let mut statements = Vec::new();
        for s in d
            .body
            .blocks()
            .filter(|b| b.identifier.as_str() == "statement")
        {
            let mut st = Map::new();
            for (attr, key) in [
                ("effect", "Effect"),
                ("actions", "Action"),
                ("not_actions", "NotAction"),
            ] {
                match value(&s.body, attr) {
                    Ok(Some(v)) => {
                        st.insert(key.into(), v);
                    }
                    Ok(None) => {}
                    Err(why) => return Known::Unknown(why),
                }
            }
            st.entry("Effect").or_insert_with(|| json!("Allow"));
            let mut principal = Map::new();
            for p in s
                .body
                .blocks()
                .filter(|b| b.identifier.as_str() == "principals")
            {
                let (ty, ids) = match (value(&p.body, "type"), value(&p.body, "identifiers")) {
                    (Ok(Some(Json::String(ty))), Ok(Some(ids))) => (ty, ids),
                    (Err(why), _) | (_, Err(why)) => return Known::Unknown(why),
                    _ => {
                        return Known::Unknown(format!(
                            "data.aws_iam_policy_document.{name}: a principals block has no type or identifiers"
                        ))
                    }
                };
                let list = principal.entry(ty).or_insert_with(|| json!([]));
                match (list, ids) {
                    (Json::Array(list), Json::Array(ids)) => list.extend(ids),
                    (Json::Array(list), one) => list.push(one),
                    _ => {}
                }
            }
            if !principal.is_empty() {
                st.insert("Principal".into(), Json::Object(principal));
            }
            let mut condition = Map::new();
            for c in s
                .body
                .blocks()
                .filter(|b| b.identifier.as_str() == "condition")
            {
                match (value(&c.body, "test"), value(&c.body, "variable"), value(&c.body, "values")) {
                    (Ok(Some(Json::String(test))), Ok(Some(Json::String(variable))), Ok(Some(values))) => {
                        if let Json::Object(keys) = condition.entry(test).or_insert_with(|| json!({})) {
                            keys.insert(variable, values);
                        }
                    }
                    (Err(why), _, _) | (_, Err(why), _) | (_, _, Err(why)) => return Known::Unknown(why),
                    _ => {
                        return Known::Unknown(format!(
                            "data.aws_iam_policy_document.{name}: a condition block has no test, variable or values"
                        ))
                    }
                }
            }
            if !condition.is_empty() {
                st.insert("Condition".into(), Json::Object(condition));
            }
            statements.push(Json::Object(st));
        }
        Known::Yes(json!({ "Version": "2012-10-17", "Statement": statements }))
    }

    pub(super) fn flow_log(
        &self,
        r: &Item,
        base: &str,
        key: &str,
        exists: Known<bool>,
        ctx: &Binding,
    ) -> FlowLog {
        let p = &self.prefix;
        let target = if let Some(vpc) = self.attr(r.body, "vpc_id") {
            self.vpc_target(r, &vpc, key, ctx)
        } else {
            let other = [
                "subnet_id",
                "eni_id",
                "transit_gateway_id",
                "transit_gateway_attachment_id",
            ]
            .into_iter()
            .find(|k| self.attr(r.body, k).is_some());
            match other {
                Some(k) => Target::NotVpc(k.trim_end_matches("_id").replace('_', " ")),
                None => Target::Dangling(
                    "it names no vpc_id, subnet_id, eni_id or transit gateway".to_string(),
                ),
            }
        };
        let traffic = match self.attr(r.body, "traffic_type") {
            None => Known::Unknown("no traffic_type".into()),
            Some(e) => match self.eval(&e, ctx) {
                Known::Yes(Value::String(s)) => Known::Yes(s.to_uppercase()),
                Known::Yes(other) => Known::Unknown(format!("traffic_type = {other}")),
                Known::Unknown(why) => Known::Unknown(why),
            },
        };
        let transit_gateway =
            self.attr(r.body, "transit_gateway_id")
                .and_then(|e| match self.follow(&e, ctx, 0) {
                    Some((address, _)) if address.starts_with("aws_ec2_transit_gateway.") => {
                        Some(format!("{p}{address}"))
                    }
                    _ => None,
                });
        let max_aggregation_interval = match self.attr(r.body, "max_aggregation_interval") {
            None => Known::Yes(600),
            Some(e) => match self.eval(&e, ctx) {
                Known::Yes(Value::Number(n)) => {
                    n.as_u64().and_then(|n| u32::try_from(n).ok()).map_or_else(
                        || Known::Unknown(format!("max_aggregation_interval = {n}")),
                        Known::Yes,
                    )
                }
                Known::Yes(Value::Null) => Known::Yes(600),
                Known::Yes(other) => Known::Unknown(format!("max_aggregation_interval = {other}")),
                Known::Unknown(why) => Known::Unknown(why),
            },
        };
        let log_format = match self.attr(r.body, "log_format") {
            None => Known::Yes(None),
            Some(e) => match self.eval(&e, ctx) {
                Known::Yes(Value::String(s)) => Known::Yes(Some(s)),
                Known::Yes(Value::Null) => Known::Yes(None),
                Known::Yes(other) => Known::Unknown(format!("log_format = {other}")),
                Known::Unknown(why) => Known::Unknown(why),
            },
        };
        let dest_type = self
            .attr(r.body, "log_destination_type")
            .and_then(|e| self.evaluate(&e, ctx).ok())
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "cloud-watch-logs".into());
        let destination_expr = self
            .attr(r.body, "log_destination")
            .or_else(|| self.attr(r.body, "log_group_name"));
        let destination = if dest_type != "cloud-watch-logs" {
            Destination::Elsewhere(dest_type.clone())
        } else {
            match destination_expr {
                None => Destination::Unknown("no log_destination".into()),
                Some(e) => match self.follow(&e, ctx, 0) {
                    Some((address, _)) if address.starts_with("aws_cloudwatch_log_group.") => {
                        Destination::LogGroup(format!("{p}{address}"))
                    }
                    Some((address, _)) => Destination::Elsewhere(address),
                    None => match self.eval(&e, ctx) {
                        Known::Yes(v) => {
                            Destination::Elsewhere(v.as_str().unwrap_or_default().to_string())
                        }
                        Known::Unknown(why) => Destination::Unknown(why),
                    },
                },
            }
        };
        let role = if dest_type != "cloud-watch-logs" {
            None
        } else {
            self.attr(r.body, "iam_role_arn")
                .and_then(|e| match self.follow(&e, ctx, 0) {
                    Some((address, _)) if address.starts_with("aws_iam_role.") => {
                        Some(Known::Yes(format!("{p}{address}")))
                    }
                    Some(_) => None,
                    None => match self.eval(&e, ctx) {
                        Known::Yes(_) => None,
                        Known::Unknown(why) => Some(Known::Unknown(why)),
                    },
                })
        };
        FlowLog {
            address: format!("{p}{base}{key}"),
            location: r.location.clone(),
            exists,
            target,
            traffic,
            log_format,
            max_aggregation_interval,
            transit_gateway,
            destination,
            role,
            suppressions: r.suppressions.clone(),
        }
    }

    pub(super) fn vpc_target(
        &self,
        r: &Item,
        vpc: &Expression,
        key: &str,
        ctx: &Binding,
    ) -> Target {
        let p = &self.prefix;
        // each.value.id over for_each = aws_vpc.x
        if let Expression::Traversal(t) = vpc {
            if matches!(&t.expr, Expression::Variable(v) if v.as_str() == "each") {
                if let Some(target) = self.attr(r.body, "for_each").and_then(|e| resource_ref(&e)) {
                    let inst = key.to_string();
                    return Target::Vpcs(vec![format!("{p}{target}{inst}")]);
                }
            }
        }
        match self.follow(vpc, ctx, 0) {
            Some((address, _)) if address.starts_with("module.") => {
                Target::Vpcs(vec![format!("{p}{address}")])
            }
            Some((address, index))
                if address.starts_with("aws_vpc.") || address.starts_with("aws_default_vpc.") =>
            {
                match index {
                    None if !self.declares(&address) => Target::Dangling(format!(
                        "vpc_id refers to {address}, which is not declared"
                    )),
                    None => match self.resource_keys(&address, 0) {
                        Err(why) => Target::AnyOf {
                            of: format!("{p}{address}"),
                            why,
                        },
                        Ok(Some(keys)) => Target::Vpcs(
                            keys.into_iter()
                                .map(|k| format!("{p}{address}{k}"))
                                .collect(),
                        ),
                        Ok(None) => Target::Vpcs(vec![format!("{p}{address}")]),
                    },
                    Some(Known::Yes(ix)) if ix == "*" => {
                        Target::Vpcs(vec![format!("{p}{address}{key}")])
                    }
                    Some(Known::Yes(ix)) => Target::Vpcs(vec![format!("{p}{address}{ix}")]),
                    Some(Known::Unknown(why)) => Target::AnyOf {
                        of: format!("{p}{address}"),
                        why,
                    },
                }
            }
            // A data source may look up a VPC declared here; any other resource
            // is not a VPC.
            Some((address, _)) if address.starts_with("data.") => {
                Target::Unknown(format!("vpc_id refers to {address}"))
            }
            Some((address, _)) => {
                Target::Dangling(format!("vpc_id refers to {address}, which is not a VPC"))
            }
            None => match self.eval(vpc, ctx) {
                Known::Yes(Value::String(id)) => Target::Vpcs(vec![format!("external:{id}")]),
                Known::Yes(other) => Target::Unknown(format!("vpc_id = {other}")),
                // A variable with no value here: an input, which cannot be a
                // VPC this module declares.
                Known::Unknown(why) if is_variable(vpc) => Target::Outside {
                    module: p.clone(),
                    why,
                },
                Known::Unknown(why) => Target::Unknown(why),
            },
        }
    }
}

/// Whether `expr` is a variable (`var.vpc_id`, `var.network.vpc_id`).
fn is_variable(expr: &Expression) -> bool {
    matches!(expr, Expression::Traversal(t)
        if matches!(&t.expr, Expression::Variable(v) if v.as_str() == "var"))
}

/// An object of strings as tags; any other value makes them unknown.
pub(crate) fn string_map(
    map: impl IntoIterator<Item = (String, Value)>,
    what: &str,
) -> Known<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (k, v) in map {
        match v {
            Value::String(s) => {
                out.insert(k, s);
            }
            other => return Known::Unknown(format!("{what}.{k} = {other}")),
        }
    }
    Known::Yes(out)
}

/// A module that cannot be looked into: its VPCs, if any, are unknown.
pub(super) fn opaque(address: &str, m: &Item, why: String) -> Vpc {
    Vpc {
        address: address.to_string(),
        name: None,
        tags: Known::Unknown(why.clone()),
        location: m.location.clone(),
        exists: Known::Unknown(why),
        suppressions: m.suppressions.clone(),
    }
}
