//! CloudFormation templates, YAML or JSON (CDK-synthesised ones included), with
//! the short-form tags (`!Ref`, `!GetAtt`, `!Sub`, `!If`, …) and the position of
//! every resource. JSON is read by the same YAML parser, so positions work for
//! both. Parameters with a `Default` and `Conditions` built from them are
//! evaluated; anything else is `Unknown`.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use flowaudit_core::report::SourceLocation;
use serde_json::{json, Map, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::source::Lines;
use flowaudit_core::declared::{
    Broken, Declared, Destination, FlowLog, Known, LogGroup, Role, Suppression, Target,
    TransitGateway, Vpc,
};

/// A YAML node with where it starts.
#[derive(Debug, Clone)]
struct Node {
    value: Value,
    line: usize,
    column: usize,
    /// For mappings: each key's position.
    keys: BTreeMap<String, (usize, usize)>,
    children: BTreeMap<String, Node>,
}

/// How deeply mappings and sequences may nest. Real templates (CDK output
/// included) stay near a dozen levels; each level keeps a copy of what is below
/// it, so the limit bounds memory to a small multiple of the file's size.
pub const MAX_NESTING: usize = 32;

/// Builds [`Node`]s from parser events.
#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Node>,
    /// Where nesting went past [`MAX_NESTING`]; everything after is ignored.
    too_deep: Option<Marker>,
}

enum Frame {
    Seq(Node, Option<String>),
    Map(Node, Option<String>, Option<(String, usize, usize)>),
}

fn short_form(tag: &Option<Tag>) -> Option<&'static str> {
    let t = tag.as_ref()?;
    if t.handle != "!" {
        return None;
    }
    Some(match t.suffix.as_str() {
        "Ref" => "Ref",
        "Condition" => "Condition",
        "GetAtt" => "Fn::GetAtt",
        "Sub" => "Fn::Sub",
        "If" => "Fn::If",
        "Equals" => "Fn::Equals",
        "Not" => "Fn::Not",
        "And" => "Fn::And",
        "Or" => "Fn::Or",
        "Join" => "Fn::Join",
        "Select" => "Fn::Select",
        "Split" => "Fn::Split",
        "FindInMap" => "Fn::FindInMap",
        "ImportValue" => "Fn::ImportValue",
        "GetAZs" => "Fn::GetAZs",
        "Base64" => "Fn::Base64",
        "Cidr" => "Fn::Cidr",
        "Transform" => "Fn::Transform",
        _ => return None,
    })
}

fn leaf(value: Value, mark: &Marker) -> Node {
    Node {
        value,
        line: mark.line(),
        column: mark.col() + 1,
        keys: BTreeMap::new(),
        children: BTreeMap::new(),
    }
}

impl Builder {
    fn push_value(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq(seq, _)) => {
                if let Value::Array(items) = &mut seq.value {
                    items.push(node.value);
                }
            }
            Some(Frame::Map(map, _, pending)) => match pending.take() {
                None => {
                    let key = match &node.value {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    *pending = Some((key, node.line, node.column));
                }
                Some((key, line, column)) => {
                    if let Value::Object(obj) = &mut map.value {
                        obj.insert(key.clone(), node.value.clone());
                    }
                    map.keys.insert(key.clone(), (line, column));
                    map.children.insert(key, node);
                }
            },
        }
    }
}

fn wrap(name: Option<String>, node: Node) -> Node {
    match name {
        None => node,
        Some(f) => {
            let value = if f == "Fn::GetAtt" {
                match &node.value {
                    Value::String(s) => {
                        let (a, b) = s.split_once('.').unwrap_or((s, ""));
                        json!([a, b])
                    }
                    other => other.clone(),
                }
            } else {
                node.value.clone()
            };
            Node {
                value: json!({ f: value }),
                ..node
            }
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.too_deep.is_some() {
            return;
        }
        if matches!(ev, Event::SequenceStart(..) | Event::MappingStart(..))
            && self.stack.len() >= MAX_NESTING
        {
            self.too_deep = Some(mark);
            return;
        }
        match ev {
            Event::Scalar(text, style, _, tag) => {
                let value = if style == TScalarStyle::Plain && tag.is_none() {
                    match text.as_str() {
                        "true" | "True" => Value::Bool(true),
                        "false" | "False" => Value::Bool(false),
                        "null" | "~" | "" => Value::Null,
                        _ => text
                            .parse::<i64>()
                            .map(Value::from)
                            .unwrap_or(Value::String(text.clone())),
                    }
                } else {
                    Value::String(text)
                };
                let node = wrap(short_form(&tag).map(str::to_string), leaf(value, &mark));
                self.push_value(node);
            }
            Event::SequenceStart(_, tag) => self.stack.push(Frame::Seq(
                leaf(Value::Array(Vec::new()), &mark),
                short_form(&tag).map(str::to_string),
            )),
            Event::MappingStart(_, tag) => self.stack.push(Frame::Map(
                leaf(Value::Object(Map::new()), &mark),
                short_form(&tag).map(str::to_string),
                None,
            )),
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Frame::Seq(node, f)) | Some(Frame::Map(node, f, _)) => wrap(f, node),
                    None => return,
                };
                self.push_value(node);
            }
            _ => {}
        }
    }
}

/// Whether this parsed document is a CloudFormation template.
fn is_template(value: &Value) -> bool {
    value["Resources"].as_object().is_some_and(|r| {
        value.get("AWSTemplateFormatVersion").is_some()
            || r.values()
                .any(|res| res["Type"].as_str().is_some_and(|t| t.starts_with("AWS::")))
    })
}

/// Feeds the events of the first document to `builder`, stopping where nesting
/// goes too deep. (yaml-rust2's own `load` recurses once per level, so 4,000
/// levels overflow the stack; pulling events keeps the depth on the heap.)
fn load(text: &str, builder: &mut Builder) -> Result<(), yaml_rust2::ScanError> {
    let mut parser = Parser::new_from_str(text);
    let mut documents = 0;
    loop {
        let (event, mark) = parser.next_token()?;
        match event {
            Event::StreamEnd => return Ok(()),
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    return Ok(());
                }
            }
            _ => {}
        }
        builder.on_event(event, mark);
        if builder.too_deep.is_some() {
            return Ok(());
        }
    }
}

/// Reads one file; `None` when it is not a CloudFormation template.
pub fn read(path: &str, text: &str) -> Option<Declared> {
    let mut builder = Builder::default();
    if let Err(e) = load(text, &mut builder) {
        let looks_like_template = text.contains("Resources") && text.contains("AWS::");
        if !looks_like_template {
            return None;
        }
        let mut declared = Declared {
            files: 1,
            ..Declared::default()
        };
        declared.broken.push(Broken {
            location: SourceLocation {
                file: path.to_string(),
                line: e.marker().line(),
                column: e.marker().col() + 1,
            },
            message: e.info().to_string(),
        });
        return Some(declared);
    }
    if let Some(mark) = builder.too_deep {
        return Some(Declared {
            files: 1,
            broken: vec![Broken {
                location: SourceLocation {
                    file: path.to_string(),
                    line: mark.line(),
                    column: mark.col() + 1,
                },
                message: format!(
                    "mappings and lists nest deeper than {MAX_NESTING} levels here, flowaudit's limit; the file is not read"
                ),
            }],
            ..Declared::default()
        });
    }
    let root = builder.root?;
    if !is_template(&root.value) {
        return None;
    }
    Some(Template::new(path, text, &root).declare())
}

struct Template<'a> {
    path: &'a str,
    text: &'a str,
    root: &'a Node,
    params: Map<String, Value>,
    conditions: Map<String, Value>,
    /// Each condition's truth, once evaluated (a condition used by many others is
    /// evaluated once, not once per use).
    truths: RefCell<BTreeMap<String, Known<bool>>>,
    /// The conditions being evaluated, to find cycles.
    active: RefCell<BTreeSet<String>>,
    /// What makes the template invalid (a circular or too deep condition): each
    /// an ERROR of the resource that met it, not only an unknown.
    invalid: RefCell<BTreeSet<String>>,
}

impl<'a> Template<'a> {
    fn new(path: &'a str, text: &'a str, root: &'a Node) -> Template<'a> {
        Template {
            path,
            text,
            root,
            params: root.value["Parameters"]
                .as_object()
                .cloned()
                .unwrap_or_default(),
            conditions: root.value["Conditions"]
                .as_object()
                .cloned()
                .unwrap_or_default(),
            truths: RefCell::new(BTreeMap::new()),
            active: RefCell::new(BTreeSet::new()),
            invalid: RefCell::new(BTreeSet::new()),
        }
    }

    /// A value with `Ref` to parameters (their defaults) resolved.
    fn resolve(&self, v: &Value) -> Known<Value> {
        if let Some(name) = v.get("Ref").and_then(Value::as_str) {
            if let Some(p) = self.params.get(name) {
                return match p.get("Default") {
                    Some(d) => Known::Yes(d.clone()),
                    None => Known::Unknown(format!("parameter {name} has no default")),
                };
            }
            if name.starts_with("AWS::") {
                return Known::Unknown(format!("pseudo parameter {name}"));
            }
            return Known::Yes(v.clone());
        }
        if let Some(args) = v.get("Fn::If").and_then(Value::as_array) {
            let cond = args.first().and_then(Value::as_str).unwrap_or_default();
            return match self.condition(cond, 0) {
                Known::Yes(true) => self.resolve(args.get(1).unwrap_or(&Value::Null)),
                Known::Yes(false) => self.resolve(args.get(2).unwrap_or(&Value::Null)),
                Known::Unknown(why) => Known::Unknown(why),
            };
        }
        Known::Yes(v.clone())
    }

    fn condition(&self, name: &str, depth: usize) -> Known<bool> {
        if let Some(known) = self.truths.borrow().get(name) {
            return known.clone();
        }
        let Some(c) = self.conditions.get(name) else {
            return Known::Unknown(format!("condition {name} is not defined"));
        };
        if depth >= MAX_NESTING {
            let why = format!(
                "condition {name} is reached through more than {MAX_NESTING} levels of conditions, flowaudit's limit"
            );
            self.invalid.borrow_mut().insert(why.clone());
            return Known::Unknown(why);
        }
        if !self.active.borrow_mut().insert(name.to_string()) {
            let why = format!("condition {name} is circular (CloudFormation refuses it)");
            self.invalid.borrow_mut().insert(why.clone());
            return Known::Unknown(why);
        }
        let known = self.truth(c, depth + 1);
        self.active.borrow_mut().remove(name);
        self.truths
            .borrow_mut()
            .insert(name.to_string(), known.clone());
        known
    }

    fn truth(&self, c: &Value, depth: usize) -> Known<bool> {
        let all = |list: &Value, want_all: bool| {
            let mut unknown = None;
            for item in list.as_array().into_iter().flatten() {
                match self.truth(item, depth) {
                    Known::Yes(b) if b != want_all => return Known::Yes(!want_all),
                    Known::Yes(_) => {}
                    Known::Unknown(why) => unknown = Some(why),
                }
            }
            unknown.map_or(Known::Yes(want_all), Known::Unknown)
        };
        if let Some(args) = c.get("Fn::Equals").and_then(Value::as_array) {
            let a = self.resolve(args.first().unwrap_or(&Value::Null));
            let b = self.resolve(args.get(1).unwrap_or(&Value::Null));
            return match (a, b) {
                (Known::Yes(a), Known::Yes(b)) => Known::Yes(scalar(&a) == scalar(&b)),
                (Known::Unknown(why), _) | (_, Known::Unknown(why)) => Known::Unknown(why),
            };
        }
        if let Some(args) = c.get("Fn::Not").and_then(Value::as_array) {
            return match self.truth(args.first().unwrap_or(&Value::Null), depth) {
                Known::Yes(b) => Known::Yes(!b),
                other => other,
            };
        }
        if let Some(list) = c.get("Fn::And") {
            return all(list, true);
        }
        if let Some(list) = c.get("Fn::Or") {
            return all(list, false);
        }
        if let Some(name) = c.get("Condition").and_then(Value::as_str) {
            return self.condition(name, depth);
        }
        match c {
            Value::Bool(b) => Known::Yes(*b),
            other => Known::Unknown(format!("condition {other} cannot be evaluated")),
        }
    }

    /// A `Tags` list (`[{Key, Value}]`), when every key and value resolves.
    fn tags(&self, list: &Value) -> Known<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        let Some(items) = list.as_array() else {
            return match list {
                Value::Null => Known::Yes(out),
                other => Known::Unknown(format!("Tags is {other}")),
            };
        };
        for item in items {
            match (self.resolve(&item["Key"]), self.resolve(&item["Value"])) {
                (Known::Yes(Value::String(k)), Known::Yes(Value::String(v))) => {
                    out.insert(k, v);
                }
                (Known::Unknown(why), _) | (_, Known::Unknown(why)) => return Known::Unknown(why),
                (k, _) => return Known::Unknown(format!("a tag key is {k:?}")),
            }
        }
        Known::Yes(out)
    }

    /// The logical id a value refers to (`Ref`, `Fn::GetAtt`).
    fn logical(&self, v: &Value) -> Option<String> {
        if let Some(name) = v.get("Ref").and_then(Value::as_str) {
            return Some(name.to_string());
        }
        v.get("Fn::GetAtt")
            .and_then(|a| a.get(0))
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    fn kind_of(&self, logical: &str) -> Option<&str> {
        self.root.value["Resources"][logical]["Type"].as_str()
    }

    fn declare(&self) -> Declared {
        let mut out = Declared {
            files: 1,
            ..Declared::default()
        };
        let Some(resources) = self.root.children.get("Resources") else {
            return out;
        };
        let lines = Lines::new(self.text);
        for (id, node) in &resources.children {
            let (line, column) = resources
                .keys
                .get(id)
                .copied()
                .unwrap_or((node.line, node.column));
            let location = SourceLocation {
                file: self.path.to_string(),
                line,
                column,
            };
            let at = location.clone();
            let r = &node.value;
            let mut sups = lines.suppressions(self.text, line);
            for s in r["Metadata"]["flowaudit"]["ignore"]
                .as_array()
                .into_iter()
                .flatten()
            {
                sups.push(Suppression {
                    check: s["check"]
                        .as_str()
                        .or(s["id"].as_str())
                        .unwrap_or("*")
                        .to_string(),
                    reason: s["reason"]
                        .as_str()
                        .unwrap_or("no reason given")
                        .to_string(),
                    line,
                });
            }
            let exists = match r["Condition"].as_str() {
                Some(c) => self.condition(c, 0),
                None => Known::Yes(true),
            };
            let props = &r["Properties"];
            let text = |key: &str| match self.resolve(&props[key]) {
                Known::Yes(Value::String(s)) => Known::Yes(s),
                Known::Yes(Value::Null) => Known::Unknown(format!("no {key}")),
                Known::Yes(other) => Known::Unknown(format!("{key} is {other}")),
                Known::Unknown(why) => Known::Unknown(why),
            };
            match r["Type"].as_str().unwrap_or_default() {
                "AWS::EC2::TransitGateway" => out.transit_gateways.push(TransitGateway {
                    address: id.clone(),
                    name: name_tag_of(&props["Tags"]),
                    location,
                    exists,
                    suppressions: sups,
                }),
                "AWS::EC2::VPC" => out.vpcs.push(Vpc {
                    address: id.clone(),
                    name: name_tag_of(&props["Tags"]),
                    tags: self.tags(&props["Tags"]),
                    location,
                    exists,
                    suppressions: sups,
                }),
                "AWS::EC2::FlowLog" => {
                    let target = match text("ResourceType") {
                        Known::Yes(t) if t == "VPC" => match self.resolve(&props["ResourceId"]) {
                            // A parameter without a value: an input, which
                            // cannot be a VPC of this template.
                            Known::Unknown(why)
                                if props["ResourceId"]
                                    .get("Ref")
                                    .and_then(Value::as_str)
                                    .is_some_and(|n| self.params.contains_key(n)) =>
                            {
                                Target::Outside {
                                    module: String::new(),
                                    why,
                                }
                            }
                            Known::Yes(v) => match (self.logical(&v), v.as_str()) {
                                (Some(l), _) if self.kind_of(&l) == Some("AWS::EC2::VPC") => {
                                    Target::Vpcs(vec![l])
                                }
                                (Some(l), _) => Target::Dangling(match self.kind_of(&l) {
                                    Some(kind) => {
                                        format!("ResourceId refers to {l}, a {kind}, not a VPC")
                                    }
                                    None => format!(
                                        "ResourceId refers to {l}, which the template does not declare"
                                    ),
                                }),
                                (None, Some(external)) => {
                                    Target::Vpcs(vec![format!("external:{external}")])
                                }
                                (None, None) => Target::Unknown(format!("ResourceId {v}")),
                            },
                            Known::Unknown(why) => Target::Unknown(why),
                        },
                        Known::Yes(other) => Target::NotVpc(other.to_lowercase()),
                        Known::Unknown(why) => Target::Unknown(why),
                    };
                    let dest_type = match text("LogDestinationType") {
                        Known::Yes(t) => t,
                        Known::Unknown(_) => "cloud-watch-logs".into(),
                    };
                    let destination = if dest_type != "cloud-watch-logs" {
                        Destination::Elsewhere(dest_type.clone())
                    } else {
                        let d = if props["LogDestination"].is_null() {
                            &props["LogGroupName"]
                        } else {
                            &props["LogDestination"]
                        };
                        match self.logical(d) {
                            Some(l) if self.kind_of(&l) == Some("AWS::Logs::LogGroup") => {
                                Destination::LogGroup(l)
                            }
                            Some(l) => {
                                Destination::Unknown(format!("the destination refers to {l}"))
                            }
                            None => match d.as_str() {
                                Some(s) => Destination::Elsewhere(s.to_string()),
                                None => {
                                    Destination::Unknown("no LogDestination or LogGroupName".into())
                                }
                            },
                        }
                    };
                    let role = match self.logical(&props["DeliverLogsPermissionArn"]) {
                        Some(l) if self.kind_of(&l) == Some("AWS::IAM::Role") => {
                            Some(Known::Yes(l))
                        }
                        _ => None,
                    };
                    out.flow_logs.push(FlowLog {
                        address: id.clone(),
                        location,
                        exists,
                        target,
                        traffic: text("TrafficType").map_value(|t| t.to_uppercase()),
                        transit_gateway: match (
                            text("ResourceType"),
                            self.logical(&props["ResourceId"]),
                        ) {
                            (Known::Yes(t), Some(l))
                                if t == "TransitGateway"
                                    && self.kind_of(&l) == Some("AWS::EC2::TransitGateway") =>
                            {
                                Some(l)
                            }
                            _ => None,
                        },
                        max_aggregation_interval: match self
                            .resolve(&props["MaxAggregationInterval"])
                        {
                            Known::Yes(Value::Null) => Known::Yes(600),
                            Known::Yes(v) => match scalar(&v).parse::<u32>() {
                                Ok(n) => Known::Yes(n),
                                Err(_) => Known::Unknown(format!("MaxAggregationInterval is {v}")),
                            },
                            Known::Unknown(why) => Known::Unknown(why),
                        },
                        log_format: match self.resolve(&props["LogFormat"]) {
                            Known::Yes(Value::Null) => Known::Yes(None),
                            Known::Yes(Value::String(s)) => Known::Yes(Some(s)),
                            Known::Yes(other) => Known::Unknown(format!("LogFormat is {other}")),
                            Known::Unknown(why) => Known::Unknown(why),
                        },
                        destination,
                        role: if dest_type == "cloud-watch-logs" {
                            role
                        } else {
                            None
                        },
                        suppressions: sups,
                    });
                }
                "AWS::Logs::LogGroup" => out.log_groups.push(LogGroup {
                    address: id.clone(),
                    location,
                    kms_key: match &props["KmsKeyId"] {
                        Value::Null => Known::Yes(false),
                        v if self.logical(v).is_some() => Known::Yes(true),
                        v => match self.resolve(v) {
                            Known::Yes(Value::String(s)) => Known::Yes(!s.is_empty()),
                            Known::Yes(Value::Null) => Known::Yes(false),
                            Known::Yes(other) => Known::Unknown(format!("KmsKeyId is {other}")),
                            Known::Unknown(why) => Known::Unknown(why),
                        },
                    },
                    retention_days: match self.resolve(&props["RetentionInDays"]) {
                        Known::Yes(Value::Null) => Known::Yes(None),
                        Known::Yes(v) => match scalar(&v).parse::<u32>() {
                            Ok(d) => Known::Yes(Some(d).filter(|d| *d > 0)),
                            Err(_) => Known::Unknown(format!("RetentionInDays is {v}")),
                        },
                        Known::Unknown(why) => Known::Unknown(why),
                    },
                }),
                "AWS::IAM::Role" => out.roles.push(Role {
                    address: id.clone(),
                    location,
                    trust_policy: match &props["AssumeRolePolicyDocument"] {
                        doc @ Value::Object(_) => Known::Yes(doc.clone()),
                        Value::String(s) => match serde_json::from_str::<Value>(s) {
                            Ok(doc) => Known::Yes(doc),
                            Err(_) => Known::Unknown("the trust policy is not JSON".into()),
                        },
                        _ => Known::Unknown("no AssumeRolePolicyDocument".into()),
                    },
                }),
                _ => {}
            }
            let invalid = std::mem::take(&mut *self.invalid.borrow_mut());
            out.broken.extend(invalid.into_iter().map(|message| Broken {
                location: at.clone(),
                message: format!("{id}: {message}"),
            }));
        }
        out
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The literal `Name` of a `Tags` list.
fn name_tag_of(tags: &Value) -> Option<String> {
    tags.as_array()
        .into_iter()
        .flatten()
        .find(|t| t["Key"] == "Name")
        .and_then(|t| t["Value"].as_str())
        .map(str::to_string)
}
