//! Terraform configuration (`.tf`, `.tf.json`), one directory (module) at a time.
//!
//! Values are evaluated with the variables' defaults, the locals, `count.index`,
//! `each.key`/`each.value` and a few pure functions; anything that needs a value
//! known only at apply time (a variable without default, a data source, another
//! resource's attribute) is `Unknown` with the reason. References (`vpc_id =
//! aws_vpc.main[count.index].id`, `each.value.id` over `for_each = aws_vpc.main`,
//! `module.vpc.vpc_id`, through locals) are followed on the expression, not
//! evaluated. Local modules (`source = "./…"`) are read with their inputs; the
//! `terraform-aws-modules/vpc/aws` module is understood by its inputs; any other
//! remote module is reported as not checkable.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use flowaudit_core::report::SourceLocation;
use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use hcl::expr::{Expression, TraversalOperator};
use hcl::{Block, Body, Value};

use crate::model::{
    Broken, Declared, Destination, FlowLog, Known, LogGroup, Role, Suppression, Target, Vpc,
};
use crate::source::{line_col, suppressions};

/// The VPC module from the Terraform registry that is understood by its inputs.
const VPC_MODULE: &str = "terraform-aws-modules/vpc/aws";

/// A parsed file of the module.
struct File {
    path: String,
    text: String,
    body: Body,
}

/// One resource or module block, with where it is.
struct Item<'a> {
    kind: String,
    name: String,
    body: &'a Body,
    location: SourceLocation,
    suppressions: Vec<Suppression>,
}

/// A module directory: its files, its declarations, its evaluation context.
struct Module<'a> {
    prefix: String,
    resources: Vec<Item<'a>>,
    modules: Vec<Item<'a>>,
    data: Vec<Item<'a>>,
    locals: BTreeMap<String, Expression>,
    ctx: Context<'static>,
}

/// Reads the module in `dir` from `files` (its `.tf` and `.tf.json` files).
/// `inputs` are the values a parent passes to a local module; `prefix` is the
/// address prefix (`module.net.`). `local_dirs` collects the local module
/// directories read as children, so that they are not read again as roots.
pub fn read_dir(
    dir: &Path,
    files: &[PathBuf],
    inputs: &BTreeMap<String, Value>,
    prefix: &str,
    local_dirs: &mut BTreeSet<PathBuf>,
    depth: usize,
) -> Declared {
    let mut declared = Declared::default();
    let mut parsed = Vec::new();
    for path in files {
        declared.files += 1;
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                declared.broken.push(broken(&name, 1, 1, e.to_string()));
                continue;
            }
        };
        let body = if name.ends_with(".json") {
            json_body(&text).map_err(|(line, col, msg)| broken(&name, line, col, msg))
        } else {
            hcl::parse(&text).map_err(|e| match &e {
                hcl::Error::Parse(p) => broken(
                    &name,
                    p.location().line(),
                    p.location().column(),
                    p.message().to_string(),
                ),
                other => broken(&name, 1, 1, other.to_string()),
            })
        };
        match body {
            Ok(body) => parsed.push(File {
                path: name,
                text,
                body,
            }),
            Err(b) => declared.broken.push(b),
        }
    }
    let module = Module::new(&parsed, inputs, prefix);
    module.declare(dir, &mut declared, local_dirs, depth);
    declared
}

fn broken(file: &str, line: usize, column: usize, message: String) -> Broken {
    Broken {
        location: SourceLocation {
            file: file.to_string(),
            line,
            column,
        },
        message,
    }
}

/// Terraform's JSON syntax as an HCL body: `"${expr}"` strings become expressions.
fn json_body(text: &str) -> Result<Body, (usize, usize, String)> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| (e.line(), e.column(), e.to_string()))?;
    let mut hcl_text = String::new();
    json_to_hcl(&value, &mut hcl_text);
    hcl::parse(&hcl_text).map_err(|e| (1, 1, format!("unsupported Terraform JSON: {e}")))
}

/// Writes the top-level JSON object as HCL blocks: `{"resource": {"t": {"n": {…}}}}`
/// becomes `resource "t" "n" { … }`.
fn json_to_hcl(value: &serde_json::Value, out: &mut String) {
    let Some(top) = value.as_object() else { return };
    for (kind, inner) in top {
        let labels = match kind.as_str() {
            "resource" | "data" => 2,
            "module" | "variable" | "output" | "provider" => 1,
            "locals" => 0,
            _ => continue,
        };
        write_blocks(kind, inner, labels, &mut Vec::new(), out);
    }
}

fn write_blocks(
    kind: &str,
    value: &serde_json::Value,
    labels: usize,
    path: &mut Vec<String>,
    out: &mut String,
) {
    if path.len() == labels {
        let quoted: Vec<String> = path.iter().map(|l| format!("{l:?}")).collect();
        out.push_str(&format!("{kind} {} {{\n", quoted.join(" ")));
        if let Some(obj) = value.as_object() {
            for (k, v) in obj {
                out.push_str(&format!("{k} = {}\n", json_expr(v)));
            }
        }
        out.push_str("}\n");
        return;
    }
    if let Some(obj) = value.as_object() {
        for (k, v) in obj {
            path.push(k.clone());
            write_blocks(kind, v, labels, path, out);
            path.pop();
        }
    }
}

fn json_expr(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => {
            if let Some(inner) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
                if !inner.contains("${") {
                    return inner.to_string();
                }
            }
            serde_json::to_string(s)
                .unwrap_or_default()
                .replace("\\u0024", "$")
        }
        serde_json::Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(json_expr).collect::<Vec<_>>().join(", ")
            )
        }
        serde_json::Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{k:?} = {}", json_expr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

fn label(block: &Block, i: usize) -> String {
    block
        .labels
        .get(i)
        .map(|l| l.as_str().to_string())
        .unwrap_or_default()
}

/// Where `kind "a" "b"` is declared in the file (HCL: the block's first line;
/// JSON: the last label's key).
fn locate(file: &File, keyword: &str, labels: &[&str]) -> (SourceLocation, Vec<Suppression>) {
    let quoted: Vec<String> = labels.iter().map(|l| format!("\"{l}\"")).collect();
    let mut offset = 0;
    if file.path.ends_with(".json") {
        let mut from = file.text.find(&format!("\"{keyword}\"")).unwrap_or(0);
        for q in &quoted {
            if let Some(i) = file.text[from..].find(q.as_str()) {
                from += i;
            }
        }
        offset = from;
    } else {
        let mut at = 0;
        for line in file.text.split_inclusive('\n') {
            let t = line.trim_start();
            if t.starts_with(keyword) && quoted.iter().all(|q| line.contains(q.as_str())) {
                offset = at + (line.len() - t.len());
                break;
            }
            at += line.len();
        }
    }
    let (line, column) = line_col(&file.text, offset);
    (
        SourceLocation {
            file: file.path.clone(),
            line,
            column,
        },
        suppressions(&file.text, line),
    )
}

fn functions(ctx: &mut Context<'static>) {
    fn jsonencode(args: FuncArgs) -> Result<Value, String> {
        let v = args.into_values().into_iter().next().unwrap_or(Value::Null);
        serde_json::to_string(&v)
            .map(Value::String)
            .map_err(|e| e.to_string())
    }
    fn identity(args: FuncArgs) -> Result<Value, String> {
        Ok(args.into_values().into_iter().next().unwrap_or(Value::Null))
    }
    fn length(args: FuncArgs) -> Result<Value, String> {
        match args.into_values().into_iter().next() {
            Some(Value::Array(a)) => Ok(Value::from(a.len() as u64)),
            Some(Value::Object(o)) => Ok(Value::from(o.len() as u64)),
            Some(Value::String(s)) => Ok(Value::from(s.chars().count() as u64)),
            _ => Err("length of an unsupported value".into()),
        }
    }
    ctx.declare_func(
        "jsonencode",
        FuncDef::builder().param(ParamType::Any).build(jsonencode),
    );
    for name in ["toset", "tolist", "tomap", "tostring", "tonumber", "tobool"] {
        ctx.declare_func(
            name,
            FuncDef::builder().param(ParamType::Any).build(identity),
        );
    }
    ctx.declare_func(
        "length",
        FuncDef::builder().param(ParamType::Any).build(length),
    );
}

impl<'a> Module<'a> {
    fn new(files: &'a [File], inputs: &BTreeMap<String, Value>, prefix: &str) -> Module<'a> {
        let mut module = Module {
            prefix: prefix.to_string(),
            resources: Vec::new(),
            modules: Vec::new(),
            data: Vec::new(),
            locals: BTreeMap::new(),
            ctx: Context::new(),
        };
        let mut vars = hcl::Map::new();
        for file in files {
            for block in file.body.blocks() {
                let kind = block.identifier.as_str();
                match kind {
                    "variable" => {
                        let name = label(block, 0);
                        if let Some(v) = inputs.get(&name) {
                            vars.insert(name, v.clone());
                        } else if let Some(default) = block
                            .body
                            .attributes()
                            .find(|a| a.key.as_str() == "default")
                        {
                            if let Ok(v) = default.expr.evaluate(&Context::new()) {
                                vars.insert(name, v);
                            }
                        }
                    }
                    "locals" => {
                        for a in block.body.attributes() {
                            module.locals.insert(a.key.to_string(), a.expr.clone());
                        }
                    }
                    "resource" | "module" | "data" => {
                        let (t, n) = if kind == "module" {
                            (String::new(), label(block, 0))
                        } else {
                            (label(block, 0), label(block, 1))
                        };
                        let labels: Vec<&str> = if kind == "module" {
                            vec![&n]
                        } else {
                            vec![&t, &n]
                        };
                        let (location, sups) = locate(file, kind, &labels);
                        let item = Item {
                            kind: t.clone(),
                            name: n.clone(),
                            body: &block.body,
                            location,
                            suppressions: sups,
                        };
                        match kind {
                            "resource" => module.resources.push(item),
                            "module" => module.modules.push(item),
                            _ => module.data.push(item),
                        }
                    }
                    _ => {}
                }
            }
        }
        functions(&mut module.ctx);
        module.ctx.declare_var("var", Value::Object(vars));
        // Locals may use each other: evaluate until nothing more resolves.
        let mut locals = hcl::Map::new();
        for _ in 0..module.locals.len().max(1) {
            let mut progress = false;
            for (name, expr) in &module.locals {
                if locals.contains_key(name) {
                    continue;
                }
                if let Ok(v) = expr.evaluate(&module.ctx) {
                    locals.insert(name.clone(), v);
                    progress = true;
                }
            }
            module
                .ctx
                .declare_var("local", Value::Object(locals.clone()));
            if !progress {
                break;
            }
        }
        module
    }

    fn attr(&self, body: &Body, key: &str) -> Option<Expression> {
        body.attributes()
            .find(|a| a.key.as_str() == key)
            .map(|a| a.expr.clone())
    }

    /// Evaluates `expr`; the error is the reason it is not known before apply.
    fn eval(&self, expr: &Expression, ctx: &Context) -> Known<Value> {
        match expr.evaluate(ctx) {
            Ok(v) => Known::Yes(v),
            Err(e) => Known::Unknown(format!(
                "`{}` is not known before apply ({})",
                short(expr),
                first_line(&e.to_string())
            )),
        }
    }

    /// The instances of a resource: `[]` for the plain one, indexes or keys.
    fn instances(&self, body: &Body) -> Known<Vec<(String, Context<'static>)>> {
        if let Some(count) = self.attr(body, "count") {
            return match self.eval(&count, &self.ctx) {
                Known::Yes(Value::Number(n)) => {
                    let n = n.as_u64().unwrap_or(0);
                    Known::Yes(
                        (0..n)
                            .map(|i| {
                                let mut ctx = self.ctx.clone();
                                let mut obj = hcl::Map::new();
                                obj.insert("index".to_string(), Value::from(i));
                                ctx.declare_var("count", Value::Object(obj));
                                (format!("[{i}]"), ctx)
                            })
                            .collect(),
                    )
                }
                Known::Yes(Value::Bool(b)) => Known::Yes(if b {
                    vec![(String::new(), self.ctx.clone())]
                } else {
                    vec![]
                }),
                Known::Yes(other) => Known::Unknown(format!("count = {other} is not a number")),
                Known::Unknown(why) => Known::Unknown(why),
            };
        }
        if let Some(for_each) = self.attr(body, "for_each") {
            if let Some(target) = resource_ref(&for_each) {
                // for_each over another resource: its instance keys.
                return match self.resource_keys(&target) {
                    Some(keys) => {
                        Known::Yes(keys.into_iter().map(|k| (k, self.ctx.clone())).collect())
                    }
                    None => Known::Unknown(format!(
                        "for_each over {target}, whose instances are not known"
                    )),
                };
            }
            return match self.eval(&for_each, &self.ctx) {
                Known::Yes(Value::Object(map)) => Known::Yes(
                    map.into_iter()
                        .map(|(k, v)| (format!("[{k:?}]"), self.each(Value::String(k), v)))
                        .collect(),
                ),
                Known::Yes(Value::Array(items)) => Known::Yes(
                    items
                        .into_iter()
                        .filter_map(|v| match v {
                            Value::String(s) => Some((
                                format!("[{s:?}]"),
                                self.each(Value::String(s.clone()), Value::String(s)),
                            )),
                            _ => None,
                        })
                        .collect(),
                ),
                Known::Yes(other) => {
                    Known::Unknown(format!("for_each = {other} is not a map or set"))
                }
                Known::Unknown(why) => Known::Unknown(why),
            };
        }
        Known::Yes(vec![(String::new(), self.ctx.clone())])
    }

    fn each(&self, key: Value, value: Value) -> Context<'static> {
        let mut ctx = self.ctx.clone();
        let mut obj = hcl::Map::new();
        obj.insert("key".to_string(), key);
        obj.insert("value".to_string(), value);
        ctx.declare_var("each", Value::Object(obj));
        ctx
    }

    /// The instance suffixes of resource `address` (`aws_vpc.main`), if known.
    fn resource_keys(&self, address: &str) -> Option<Vec<String>> {
        let item = self
            .resources
            .iter()
            .find(|r| format!("{}.{}", r.kind, r.name) == address)?;
        match self.instances(item.body) {
            Known::Yes(list) => Some(list.into_iter().map(|(k, _)| k).collect()),
            Known::Unknown(_) => None,
        }
    }

    /// Follows `expr` to the resource it refers to: `(address, index)`, where
    /// the index is `Some` for `x[…]` and resolved with `ctx` when it can be.
    fn follow(
        &self,
        expr: &Expression,
        ctx: &Context,
        depth: usize,
    ) -> Option<(String, Option<Known<String>>)> {
        if depth > 8 {
            return None;
        }
        let Expression::Traversal(t) = expr else {
            return None;
        };
        let Expression::Variable(root) = &t.expr else {
            return None;
        };
        let ops = &t.operators;
        let attr = |i: usize| match ops.get(i) {
            Some(TraversalOperator::GetAttr(id)) => Some(id.as_str().to_string()),
            _ => None,
        };
        match root.as_str() {
            "local" => {
                let name = attr(0)?;
                let inner = self.locals.get(&name)?;
                // `local.x.id` where `x = aws_vpc.main`: re-attach the rest.
                let rest: Vec<TraversalOperator> = ops[1..].to_vec();
                let joined = if rest.is_empty() {
                    inner.clone()
                } else if let Expression::Traversal(it) = inner {
                    let mut all = it.operators.clone();
                    all.extend(rest);
                    Expression::Traversal(Box::new(hcl::expr::Traversal::new(it.expr.clone(), all)))
                } else {
                    return None;
                };
                self.follow(&joined, ctx, depth + 1)
            }
            "module" => Some((format!("module.{}", attr(0)?), None)),
            "each" => {
                // each.value.id over for_each = aws_vpc.x: handled by the caller.
                None
            }
            kind if kind.starts_with("aws_") => {
                let name = attr(0)?;
                let index = match ops.get(1) {
                    Some(TraversalOperator::Index(ix)) => Some(match ix.evaluate(ctx) {
                        Ok(Value::Number(n)) => Known::Yes(format!("[{n}]")),
                        Ok(Value::String(s)) => Known::Yes(format!("[{s:?}]")),
                        Ok(other) => Known::Unknown(format!("index {other}")),
                        Err(_) => match ix {
                            Expression::Traversal(it) if matches!(&it.expr, Expression::Variable(v) if v.as_str() == "each") => {
                                Known::Yes("*".into())
                            }
                            _ => Known::Unknown(format!(
                                "index `{}` is not known before apply",
                                short(ix)
                            )),
                        },
                    }),
                    Some(TraversalOperator::LegacyIndex(n)) => Some(Known::Yes(format!("[{n}]"))),
                    _ => None,
                };
                Some((format!("{kind}.{name}"), index))
            }
            _ => None,
        }
    }

    /// Declares everything this module holds.
    fn declare(
        &self,
        dir: &Path,
        out: &mut Declared,
        local_dirs: &mut BTreeSet<PathBuf>,
        depth: usize,
    ) {
        let p = &self.prefix;
        for r in &self.resources {
            let base = format!("{}.{}", r.kind, r.name);
            let instances = self.instances(r.body);
            let list: Vec<(String, Known<bool>, Context<'static>)> = match &instances {
                Known::Yes(list) => list
                    .iter()
                    .map(|(k, c)| (k.clone(), Known::Yes(true), c.clone()))
                    .collect(),
                Known::Unknown(why) => {
                    vec![(String::new(), Known::Unknown(why.clone()), self.ctx.clone())]
                }
            };
            if let Known::Yes(list) = &instances {
                if list.is_empty() && r.kind == "aws_flow_log" {
                    // count = 0: declared, but it will not exist.
                    out.flow_logs
                        .push(self.flow_log(r, &base, "", Known::Yes(false), &self.ctx));
                }
            }
            for (key, exists, ctx) in list {
                let address = format!("{p}{base}{key}");
                match r.kind.as_str() {
                    "aws_vpc" => out.vpcs.push(Vpc {
                        address,
                        name: self.name_tag(r.body, &ctx),
                        location: r.location.clone(),
                        exists,
                        suppressions: r.suppressions.clone(),
                    }),
                    "aws_flow_log" => out
                        .flow_logs
                        .push(self.flow_log(r, &base, &key, exists, &ctx)),
                    "aws_cloudwatch_log_group" => out.log_groups.push(LogGroup {
                        address: format!("{p}{base}"),
                        location: r.location.clone(),
                        retention_days: match self.attr(r.body, "retention_in_days") {
                            None => Known::Yes(None),
                            Some(e) => match self.eval(&e, &ctx) {
                                Known::Yes(Value::Number(n)) => {
                                    Known::Yes(n.as_u64().filter(|d| *d > 0).map(|d| d as u32))
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
                        trusts_flow_logs: self.trust(r.body, &ctx),
                    }),
                    _ => {}
                }
            }
        }
        for m in &self.modules {
            self.declare_module(m, dir, out, local_dirs, depth);
        }
    }

    fn name_tag(&self, body: &Body, ctx: &Context) -> Option<String> {
        let tags = self.attr(body, "tags")?;
        match tags.evaluate(ctx) {
            Ok(Value::Object(map)) => map.get("Name").and_then(|v| v.as_str()).map(str::to_string),
            _ => None,
        }
    }

    fn trust(&self, body: &Body, ctx: &Context) -> Known<bool> {
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
                    Ok(doc) => Known::Yes(crate::model::trusts_flow_logs(&doc)),
                    Err(e) => Known::Unknown(format!("the trust policy is not JSON: {e}")),
                }
            }
            Known::Yes(other) => Known::Unknown(format!("assume_role_policy = {other}")),
            Known::Unknown(why) => Known::Unknown(why),
        }
    }

    /// `data "aws_iam_policy_document"` with `principals { type = "Service" … }`.
    fn policy_document(&self, name: &str) -> Known<bool> {
        let Some(d) = self
            .data
            .iter()
            .find(|d| d.kind == "aws_iam_policy_document" && d.name == name)
        else {
            return Known::Unknown(format!(
                "data.aws_iam_policy_document.{name} is not declared here"
            ));
        };
        let trusts = d.body.blocks().filter(|b| b.identifier.as_str() == "statement").any(|s| {
            let allow = self
                .attr(&s.body, "effect")
                .map(|e| matches!(e.evaluate(&self.ctx), Ok(Value::String(x)) if x == "Allow"))
                .unwrap_or(true);
            allow
                && s.body.blocks().filter(|b| b.identifier.as_str() == "principals").any(|p| {
                    let ty = self.attr(&p.body, "type").and_then(|e| e.evaluate(&self.ctx).ok());
                    let ids = self.attr(&p.body, "identifiers").and_then(|e| e.evaluate(&self.ctx).ok());
                    matches!(ty, Some(Value::String(t)) if t == "Service")
                        && matches!(ids, Some(Value::Array(list)) if list.iter().any(|v| v.as_str() == Some("vpc-flow-logs.amazonaws.com")))
                })
        });
        Known::Yes(trusts)
    }

    fn flow_log(
        &self,
        r: &Item,
        base: &str,
        key: &str,
        exists: Known<bool>,
        ctx: &Context,
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
                None => Target::Unknown(format!("{base} has no vpc_id")),
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
        let dest_type = self
            .attr(r.body, "log_destination_type")
            .and_then(|e| e.evaluate(ctx).ok())
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
            destination,
            role,
            suppressions: r.suppressions.clone(),
        }
    }

    fn vpc_target(&self, r: &Item, vpc: &Expression, key: &str, ctx: &Context) -> Target {
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
            Some((address, index)) if address.starts_with("aws_vpc.") => match index {
                None => match self.resource_keys(&address) {
                    Some(keys) => Target::Vpcs(
                        keys.into_iter()
                            .map(|k| format!("{p}{address}{k}"))
                            .collect(),
                    ),
                    None => Target::Vpcs(vec![format!("{p}{address}")]),
                },
                Some(Known::Yes(ix)) if ix == "*" => {
                    Target::Vpcs(vec![format!("{p}{address}{key}")])
                }
                Some(Known::Yes(ix)) => Target::Vpcs(vec![format!("{p}{address}{ix}")]),
                Some(Known::Unknown(why)) => Target::Unknown(why),
            },
            Some((address, _)) => Target::Unknown(format!("vpc_id refers to {address}")),
            None => match self.eval(vpc, ctx) {
                Known::Yes(Value::String(id)) => Target::Vpcs(vec![format!("external:{id}")]),
                Known::Yes(other) => Target::Unknown(format!("vpc_id = {other}")),
                Known::Unknown(why) => Target::Unknown(why),
            },
        }
    }

    fn declare_module(
        &self,
        m: &Item,
        dir: &Path,
        out: &mut Declared,
        local_dirs: &mut BTreeSet<PathBuf>,
        depth: usize,
    ) {
        let address = format!("{}module.{}", self.prefix, m.name);
        let source = self
            .attr(m.body, "source")
            .and_then(|e| e.evaluate(&self.ctx).ok())
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let exists = match self.instances(m.body) {
            Known::Yes(list) => Known::Yes(!list.is_empty()),
            Known::Unknown(why) => Known::Unknown(why),
        };
        if exists == Known::Yes(false) {
            return;
        }
        let input = |key: &str| self.attr(m.body, key).map(|e| self.eval(&e, &self.ctx));
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
            if depth > 10 {
                return;
            }
            local_dirs.insert(canonical);
            let mut inputs = BTreeMap::new();
            for a in m.body.attributes() {
                if let Ok(v) = a.expr.evaluate(&self.ctx) {
                    inputs.insert(a.key.to_string(), v);
                }
            }
            let files = crate::tf_files(&child);
            out.extend(read_dir(
                &child,
                &files,
                &inputs,
                &format!("{address}."),
                local_dirs,
                depth + 1,
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
                    retention_days: match input("flow_log_cloudwatch_log_group_retention_in_days") {
                        None | Some(Known::Yes(Value::Null)) => Known::Yes(None),
                        Some(Known::Yes(Value::Number(n))) => {
                            Known::Yes(n.as_u64().filter(|d| *d > 0).map(|d| d as u32))
                        }
                        Some(Known::Yes(other)) => Known::Unknown(format!("retention {other}")),
                        Some(Known::Unknown(why)) => Known::Unknown(why),
                    },
                });
            }
            if cloudwatch && create_role == Known::Yes(true) {
                out.roles.push(Role {
                    address: role.clone(),
                    location: m.location.clone(),
                    trusts_flow_logs: Known::Yes(true),
                });
            }
            out.flow_logs.push(FlowLog {
                address: format!("{address}.aws_flow_log.this"),
                location: m.location.clone(),
                exists: enabled,
                target: Target::Vpcs(vec![address.clone()]),
                traffic: text("flow_log_traffic_type", "ALL"),
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

/// A module that cannot be looked into: its VPCs, if any, are unknown.
fn opaque(address: &str, m: &Item, why: String) -> Vpc {
    Vpc {
        address: address.to_string(),
        name: None,
        location: m.location.clone(),
        exists: Known::Unknown(why),
        suppressions: m.suppressions.clone(),
    }
}

/// `aws_vpc.main` (no attribute) as an address.
fn resource_ref(expr: &Expression) -> Option<String> {
    let Expression::Traversal(t) = expr else {
        return None;
    };
    let Expression::Variable(root) = &t.expr else {
        return None;
    };
    match (root.as_str(), t.operators.as_slice()) {
        (kind, [TraversalOperator::GetAttr(name)]) if kind.starts_with("aws_") => {
            Some(format!("{kind}.{}", name.as_str()))
        }
        _ => None,
    }
}

fn short(expr: &Expression) -> String {
    let text = hcl::format::to_string(expr).unwrap_or_else(|_| format!("{expr:?}"));
    first_line(&text).chars().take(80).collect()
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}
