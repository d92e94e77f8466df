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

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use flowaudit_core::report::SourceLocation;
use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use hcl::expr::{Expression, TraversalOperator};
use hcl::{Block, Body, Value};

use crate::bound::{bound, size, Sizes};
use crate::source::Lines;
use flowaudit_core::declared::{
    Broken, Declared, Destination, FlowLog, Known, LogGroup, Role, Suppression, Target, Vpc,
};

/// The VPC module from the Terraform registry that is understood by its inputs.
const VPC_MODULE: &str = "terraform-aws-modules/vpc/aws";

/// What one configuration may make flowaudit do. Each limit, when reached, is an
/// ERROR naming the file and line (never an abort, a hang or a guess); real
/// configurations stay far below them.
/// Instances one `count` or `for_each` expands to.
pub const MAX_INSTANCES: u64 = 1_000;
/// Bytes one expression may produce (bounded before it is evaluated).
pub const MAX_VALUE: u64 = 1 << 20;
/// Bytes of all the variables and locals of one module.
const MAX_SCOPE: u64 = 8 << 20;
/// Bytes evaluation may allocate, in all, for one root module and its children.
const MAX_WORK: u64 = 1 << 30;
/// Local modules nested in one another.
pub const MAX_MODULE_DEPTH: usize = 16;
/// Local module calls made from one root module, all levels together.
pub const MAX_MODULE_CALLS: usize = 1_000;

/// A parsed file of the module.
struct File {
    path: String,
    text: String,
    body: Body,
    /// Where each block and line starts, built on first use.
    index: std::cell::OnceCell<FileIndex>,
}

/// The files of one module directory, parsed once however often it is called.
struct Parsed {
    files: Vec<File>,
    /// Files that could not be read or parsed (reported by the first reading).
    broken: Vec<Broken>,
}

/// What the reading of one tree of modules shares.
#[derive(Default)]
pub struct Reading {
    /// The local module directories read as children, which are not read again
    /// as roots.
    pub local_dirs: BTreeSet<PathBuf>,
    parsed: BTreeMap<PathBuf, Rc<Parsed>>,
    /// Module calls of the current root.
    calls: usize,
    /// Bytes evaluation has allocated for the current root (bounded, see [`bound`]).
    work: Rc<Cell<u64>>,
}

impl Reading {
    /// Reads the root module in `dir` (its `.tf` and `.tf.json` `files`).
    pub fn root(&mut self, dir: &Path, files: &[PathBuf]) -> Declared {
        self.calls = 0;
        self.work = Rc::new(Cell::new(0));
        let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        read_dir(dir, files, &BTreeMap::new(), "", self, &[canonical])
    }

    fn parse(&mut self, dir: &Path, files: &[PathBuf]) -> (Rc<Parsed>, bool) {
        let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        if let Some(p) = self.parsed.get(&key) {
            return (Rc::clone(p), false);
        }
        let parsed = Rc::new(parse_files(files));
        self.parsed.insert(key, Rc::clone(&parsed));
        (parsed, true)
    }
}

fn parse_files(files: &[PathBuf]) -> Parsed {
    let mut out = Parsed {
        files: Vec::new(),
        broken: Vec::new(),
    };
    for path in files {
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                out.broken.push(broken(&name, 1, 1, e.to_string()));
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
            Ok(body) => out.files.push(File {
                path: name,
                text,
                body,
                index: std::cell::OnceCell::new(),
            }),
            Err(b) => out.broken.push(b),
        }
    }
    out
}

/// One resource or module block, with where it is.
struct Item<'a> {
    kind: String,
    name: String,
    body: &'a Body,
    location: SourceLocation,
    suppressions: Vec<Suppression>,
}

/// What `count.index` or `each.key`/`each.value` are for one instance.
type Binding = Option<(&'static str, Value)>;

/// The instances of a block (suffix and binding each), unknown with why, or
/// `Err`: a configuration flowaudit refuses to expand (an ERROR).
type Instances = Result<Known<Vec<(String, Binding)>>, String>;

/// A module directory: its files, its declarations, its values.
struct Module<'a> {
    prefix: String,
    resources: Vec<Item<'a>>,
    /// `aws_vpc.main` → its index in `resources`.
    by_address: BTreeMap<String, usize>,
    modules: Vec<Item<'a>>,
    data: Vec<Item<'a>>,
    locals: BTreeMap<String, Expression>,
    vars: hcl::Map<String, Value>,
    local_values: hcl::Map<String, Value>,
    sizes: Sizes,
    work: Rc<Cell<u64>>,
    /// Evaluations refused by a limit, not yet reported.
    refused: RefCell<BTreeSet<String>>,
    /// Refusals while reading variables and locals, with where.
    scope_errors: Vec<Broken>,
}

/// Reads the module in `dir` from `files` (its `.tf` and `.tf.json` files).
/// `inputs` are the values a parent passes to a local module; `prefix` is the
/// address prefix (`module.net.`); `chain` the canonical directories of the
/// modules that led here, this one last.
fn read_dir(
    dir: &Path,
    files: &[PathBuf],
    inputs: &BTreeMap<String, Value>,
    prefix: &str,
    reading: &mut Reading,
    chain: &[PathBuf],
) -> Declared {
    let (parsed, first) = reading.parse(dir, files);
    let mut declared = Declared::default();
    if first {
        declared.files = files.len();
        declared.broken.extend(parsed.broken.iter().cloned());
    }
    let module = Module::new(&parsed.files, inputs, prefix, Rc::clone(&reading.work));
    declared.broken.extend(module.scope_errors.iter().cloned());
    module.declare(dir, &mut declared, reading, chain);
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

/// Where the blocks and lines of one file start.
struct FileIndex {
    blocks: BlockIndex,
    lines: Lines,
}

/// Where the blocks of one file start, so that finding each of many thousand
/// resources is a look-up, not a scan of the file.
enum BlockIndex {
    /// HCL: `keyword` and the quoted labels on a line → the line's first offset.
    Hcl(HashMap<Vec<String>, usize>),
    /// JSON: each quoted string → the offsets where it occurs, in order.
    Json(HashMap<String, Vec<usize>>),
}

/// The `"…"` strings of `text` (backslash escapes kept as written), with offsets.
fn quoted(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while i < bytes.len() && bytes[i] != b'"' {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        if let Some(inner) = text.get(start + 1..i.min(bytes.len())) {
            out.push((start, inner));
        }
        i += 1;
    }
    out
}

impl BlockIndex {
    fn build(file: &File) -> BlockIndex {
        if file.path.ends_with(".json") {
            let mut map: HashMap<String, Vec<usize>> = HashMap::new();
            for (at, s) in quoted(&file.text) {
                map.entry(s.to_string()).or_default().push(at);
            }
            return BlockIndex::Json(map);
        }
        let mut map = HashMap::new();
        let mut at = 0;
        for line in file.text.split_inclusive('\n') {
            let t = line.trim_start();
            let keyword: String = t.chars().take_while(char::is_ascii_alphabetic).collect();
            if !keyword.is_empty() {
                let mut key = vec![keyword];
                key.extend(quoted(t).into_iter().map(|(_, s)| s.to_string()));
                map.entry(key).or_insert(at + (line.len() - t.len()));
            }
            at += line.len();
        }
        BlockIndex::Hcl(map)
    }

    /// The offset of `keyword "a" "b"` (0 when it cannot be found).
    fn find(&self, keyword: &str, labels: &[&str]) -> usize {
        match self {
            BlockIndex::Hcl(map) => {
                let mut key = vec![keyword.to_string()];
                key.extend(labels.iter().map(|l| l.to_string()));
                map.get(&key).copied().unwrap_or(0)
            }
            BlockIndex::Json(map) => {
                let first_after = |s: &str, from: usize| {
                    let list = map.get(s)?;
                    list.get(list.partition_point(|at| *at < from)).copied()
                };
                let mut from = first_after(keyword, 0).unwrap_or(0);
                for l in labels {
                    if let Some(at) = first_after(l, from) {
                        from = at;
                    }
                }
                from
            }
        }
    }
}

/// Where `kind "a" "b"` is declared in the file (HCL: the block's first line;
/// JSON: the last label's key).
fn locate(file: &File, keyword: &str, labels: &[&str]) -> (SourceLocation, Vec<Suppression>) {
    let index = file.index.get_or_init(|| FileIndex {
        blocks: BlockIndex::build(file),
        lines: Lines::new(&file.text),
    });
    let offset = index.blocks.find(keyword, labels);
    let (line, column) = index.lines.line_col(&file.text, offset);
    (
        SourceLocation {
            file: file.path.clone(),
            line,
            column,
        },
        index.lines.suppressions(&file.text, line),
    )
}

fn functions(ctx: &mut Context) {
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
    fn new(
        files: &'a [File],
        inputs: &BTreeMap<String, Value>,
        prefix: &str,
        work: Rc<Cell<u64>>,
    ) -> Module<'a> {
        let mut module = Module {
            prefix: prefix.to_string(),
            resources: Vec::new(),
            by_address: BTreeMap::new(),
            modules: Vec::new(),
            data: Vec::new(),
            locals: BTreeMap::new(),
            vars: hcl::Map::new(),
            local_values: hcl::Map::new(),
            sizes: Sizes::default(),
            work,
            refused: RefCell::new(BTreeSet::new()),
            scope_errors: Vec::new(),
        };
        let mut defaults = Vec::new();
        let mut locals_at = BTreeMap::new();
        for file in files {
            for block in file.body.blocks() {
                let kind = block.identifier.as_str();
                match kind {
                    "variable" => {
                        let name = label(block, 0);
                        if let Some(v) = inputs.get(&name) {
                            module.vars.insert(name, v.clone());
                        } else if let Some(default) = block
                            .body
                            .attributes()
                            .find(|a| a.key.as_str() == "default")
                        {
                            let (at, _) = locate(file, kind, &[&name]);
                            defaults.push((name, default.expr.clone(), at));
                        }
                    }
                    "locals" => {
                        let (at, _) = locate(file, kind, &[]);
                        for a in block.body.attributes() {
                            module.locals.insert(a.key.to_string(), a.expr.clone());
                            locals_at.insert(a.key.to_string(), at.clone());
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
                            "resource" => {
                                module
                                    .by_address
                                    .entry(format!("{t}.{n}"))
                                    .or_insert(module.resources.len());
                                module.resources.push(item);
                            }
                            "module" => module.modules.push(item),
                            _ => module.data.push(item),
                        }
                    }
                    _ => {}
                }
            }
        }
        // Defaults are constants: evaluated without any variable in scope.
        for (name, expr, at) in defaults {
            if let Ok(v) = module.evaluate(&expr, &None) {
                module.vars.insert(name, v);
            }
            module.drain_refused(&at);
        }
        module
            .sizes
            .declare("var", &Value::Object(module.vars.clone()));
        if module.sizes.total() > MAX_SCOPE {
            let at = files.first().map(|f| locate(f, "variable", &[]).0);
            module.scope_errors.push(Broken {
                location: at.unwrap_or_else(|| broken("-", 1, 1, String::new()).location),
                message: format!(
                    "the module's variables hold more than {MAX_SCOPE} bytes, above flowaudit's limit; they are not used"
                ),
            });
            module.vars.clear();
            module.sizes = Sizes::default();
        }
        module.resolve_locals(&locals_at);
        module
    }

    /// Evaluates the locals in the order they use each other (an explicit stack:
    /// a chain of thousands of locals cannot overflow it). A local in a cycle, or
    /// one that reads what is not known, stays undefined.
    fn resolve_locals(&mut self, locals_at: &BTreeMap<String, SourceLocation>) {
        let none = Sizes::default();
        let deps: BTreeMap<String, Vec<String>> = self
            .locals
            .iter()
            .map(|(name, expr)| {
                let (_, refs) = bound(expr, &none, &none);
                let uses = refs
                    .into_iter()
                    .filter(|(root, _)| root == "local")
                    .filter_map(|(_, attr)| attr)
                    .collect();
                (name.clone(), uses)
            })
            .collect();
        let mut done: BTreeSet<String> = BTreeSet::new();
        let mut visiting: BTreeSet<String> = BTreeSet::new();
        let mut order = Vec::new();
        for start in self.locals.keys() {
            let mut stack = vec![(start.clone(), false)];
            while let Some((name, expanded)) = stack.pop() {
                if done.contains(&name) {
                    continue;
                }
                if expanded {
                    visiting.remove(&name);
                    done.insert(name.clone());
                    order.push(name);
                    continue;
                }
                if !visiting.insert(name.clone()) {
                    continue; // a cycle
                }
                stack.push((name.clone(), true));
                for d in deps.get(&name).into_iter().flatten() {
                    if self.locals.contains_key(d) && !done.contains(d) && !visiting.contains(d) {
                        stack.push((d.clone(), false));
                    }
                }
            }
        }
        self.sizes.declare("local", &Value::Object(hcl::Map::new()));
        for name in order {
            let Some(expr) = self.locals.get(&name).cloned() else {
                continue;
            };
            if let Ok(v) = self.evaluate(&expr, &None) {
                if self.sizes.total().saturating_add(size(&v)) > MAX_SCOPE {
                    self.refused.borrow_mut().insert(format!(
                        "local.{name} would take the module's variables and locals past {MAX_SCOPE} bytes, above flowaudit's limit; it is not evaluated"
                    ));
                } else {
                    self.sizes.add("local", &name, &v);
                    self.local_values.insert(name.clone(), v);
                }
            }
            if let Some(at) = locals_at.get(&name) {
                self.drain_refused(&at.clone());
            }
        }
    }

    /// Moves the refusals not yet reported into `scope_errors`, at `at`.
    fn drain_refused(&mut self, at: &SourceLocation) {
        let refused = std::mem::take(&mut *self.refused.borrow_mut());
        self.scope_errors
            .extend(refused.into_iter().map(|message| Broken {
                location: at.clone(),
                message,
            }));
    }

    /// The refusals not yet reported, as ERRORs at `at`.
    fn take_refused(&self, at: &SourceLocation, out: &mut Declared) {
        let refused = std::mem::take(&mut *self.refused.borrow_mut());
        out.broken.extend(refused.into_iter().map(|message| Broken {
            location: at.clone(),
            message,
        }));
    }

    /// Evaluates `expr` with the module's variables and locals and `binding`,
    /// within the limits: what it can allocate is bounded first, and refused
    /// (recorded for an ERROR) above [`MAX_VALUE`] or past the root's budget.
    /// Only the variables it reads are put in its context.
    fn evaluate(&self, expr: &Expression, binding: &Binding) -> Result<Value, String> {
        let mut inner = Sizes::default();
        if let Some((name, value)) = binding {
            inner.declare(name, value);
        }
        let (cost, refs) = bound(expr, &self.sizes, &inner);
        if cost > MAX_VALUE {
            let why = format!(
                "`{}` could build a value of up to {cost} bytes, above flowaudit's limit of {MAX_VALUE}; it is not evaluated",
                short(expr)
            );
            self.refused.borrow_mut().insert(why.clone());
            return Err(why);
        }
        let spent = self.work.get().saturating_add(cost);
        if spent > MAX_WORK {
            let why = format!(
                "evaluating this configuration would allocate more than {MAX_WORK} bytes, flowaudit's limit; `{}` is not evaluated",
                short(expr)
            );
            self.refused.borrow_mut().insert(why.clone());
            return Err(why);
        }
        self.work.set(spent);
        let mut ctx = Context::new();
        functions(&mut ctx);
        let mut picked: BTreeMap<&str, hcl::Map<String, Value>> = BTreeMap::new();
        for (root, attr) in &refs {
            let source = match root.as_str() {
                "var" => &self.vars,
                "local" => &self.local_values,
                name => {
                    if let Some((bound_name, value)) = binding {
                        if name == *bound_name {
                            ctx.declare_var(*bound_name, value.clone());
                        }
                    }
                    continue;
                }
            };
            let entry = picked.entry(root.as_str()).or_default();
            match attr {
                Some(a) => {
                    if let Some(v) = source.get(a) {
                        entry.insert(a.clone(), v.clone());
                    }
                }
                None => entry.extend(source.iter().map(|(k, v)| (k.clone(), v.clone()))),
            }
        }
        for (root, values) in picked {
            ctx.declare_var(root, Value::Object(values));
        }
        expr.evaluate(&ctx).map_err(|e| e.to_string())
    }

    /// A declared retention: an invalid number is an ERROR (recorded with the
    /// refusals, reported at the resource) and unknown for the checks.
    fn days(&self, whole: Option<u64>, shown: &str) -> Known<Option<u32>> {
        match flowaudit_core::declared::retention_days(whole, shown) {
            Ok(days) => Known::Yes(days),
            Err(why) => {
                self.refused.borrow_mut().insert(why.clone());
                Known::Unknown(why)
            }
        }
    }

    fn attr(&self, body: &Body, key: &str) -> Option<Expression> {
        body.attributes()
            .find(|a| a.key.as_str() == key)
            .map(|a| a.expr.clone())
    }

    /// Evaluates `expr`; the error is the reason it is not known before apply.
    fn eval(&self, expr: &Expression, binding: &Binding) -> Known<Value> {
        match self.evaluate(expr, binding) {
            Ok(v) => Known::Yes(v),
            Err(e) => Known::Unknown(format!(
                "`{}` is not known before apply ({})",
                short(expr),
                first_line(&e)
            )),
        }
    }

    /// The instances of a resource or module: `[]` for the plain one, indexes or
    /// keys. `Err` is a configuration flowaudit refuses to expand (an ERROR).
    fn instances(&self, body: &Body, depth: usize) -> Instances {
        if let Some(count) = self.attr(body, "count") {
            return match self.eval(&count, &None) {
                Known::Yes(Value::Number(n)) => match n.as_u64() {
                    Some(n) if n > MAX_INSTANCES => Err(format!(
                        "count = {n} is more instances than flowaudit expands ({MAX_INSTANCES})"
                    )),
                    Some(n) => Ok(Known::Yes(
                        (0..n)
                            .map(|i| {
                                let mut obj = hcl::Map::new();
                                obj.insert("index".to_string(), Value::from(i));
                                (format!("[{i}]"), Some(("count", Value::Object(obj))))
                            })
                            .collect(),
                    )),
                    None => Err(format!("count = {n} is not a whole number of instances")),
                },
                Known::Yes(Value::Bool(b)) => Ok(Known::Yes(if b {
                    vec![(String::new(), None)]
                } else {
                    vec![]
                })),
                Known::Yes(other) => Err(format!("count = {other} is not a number")),
                Known::Unknown(why) => Ok(Known::Unknown(why)),
            };
        }
        if let Some(for_each) = self.attr(body, "for_each") {
            if let Some(target) = resource_ref(&for_each) {
                // for_each over another resource: its instance keys.
                if depth > 8 {
                    return Err(format!(
                        "for_each over {target} leads through more than 8 resources (a loop?)"
                    ));
                }
                return Ok(match self.resource_keys(&target, depth + 1)? {
                    Some(keys) => Known::Yes(keys.into_iter().map(|k| (k, None)).collect()),
                    None => Known::Unknown(format!(
                        "for_each over {target}, whose instances are not known"
                    )),
                });
            }
            let too_many = |n: usize| {
                Err(format!(
                    "for_each holds {n} instances, more than flowaudit expands ({MAX_INSTANCES})"
                ))
            };
            return match self.eval(&for_each, &None) {
                Known::Yes(Value::Object(map)) if map.len() as u64 > MAX_INSTANCES => {
                    too_many(map.len())
                }
                Known::Yes(Value::Object(map)) => Ok(Known::Yes(
                    map.into_iter()
                        .map(|(k, v)| (format!("[{k:?}]"), each(Value::String(k), v)))
                        .collect(),
                )),
                Known::Yes(Value::Array(items)) if items.len() as u64 > MAX_INSTANCES => {
                    too_many(items.len())
                }
                Known::Yes(Value::Array(items)) => items
                    .into_iter()
                    .map(|v| match v {
                        Value::String(s) => Ok((
                            format!("[{s:?}]"),
                            each(Value::String(s.clone()), Value::String(s)),
                        )),
                        other => Err(format!(
                            "for_each holds {other}, which is not a string (Terraform refuses it)"
                        )),
                    })
                    .collect::<Result<Vec<_>, String>>()
                    .map(Known::Yes),
                Known::Yes(other) => Err(format!("for_each = {other} is not a map or set")),
                Known::Unknown(why) => Ok(Known::Unknown(why)),
            };
        }
        Ok(Known::Yes(vec![(String::new(), None)]))
    }

    /// The instance suffixes of resource `address` (`aws_vpc.main`), if known.
    fn resource_keys(&self, address: &str, depth: usize) -> Result<Option<Vec<String>>, String> {
        let Some(item) = self
            .by_address
            .get(address)
            .and_then(|i| self.resources.get(*i))
        else {
            return Ok(None);
        };
        Ok(match self.instances(item.body, depth)? {
            Known::Yes(list) => Some(list.into_iter().map(|(k, _)| k).collect()),
            Known::Unknown(_) => None,
        })
    }

    /// Follows `expr` to the resource it refers to: `(address, index)`, where
    /// the index is `Some` for `x[…]` and resolved with the binding `ctx` when it can be.
    fn follow(
        &self,
        expr: &Expression,
        ctx: &Binding,
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
                    Some(TraversalOperator::Index(ix)) => Some(match self.evaluate(ix, ctx) {
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
    fn declare(&self, dir: &Path, out: &mut Declared, reading: &mut Reading, chain: &[PathBuf]) {
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

    fn name_tag(&self, body: &Body, ctx: &Binding) -> Option<String> {
        let tags = self.attr(body, "tags")?;
        match self.evaluate(&tags, ctx) {
            Ok(Value::Object(map)) => map.get("Name").and_then(|v| v.as_str()).map(str::to_string),
            _ => None,
        }
    }

    fn trust(&self, body: &Body, ctx: &Binding) -> Known<serde_json::Value> {
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
    fn policy_document(&self, name: &str) -> Known<serde_json::Value> {
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

    fn flow_log(
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
            destination,
            role,
            suppressions: r.suppressions.clone(),
        }
    }

    fn vpc_target(&self, r: &Item, vpc: &Expression, key: &str, ctx: &Binding) -> Target {
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
                None => match self.resource_keys(&address, 0) {
                    Err(why) => Target::Unknown(why),
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

/// `each.key` and `each.value` for one instance.
fn each(key: Value, value: Value) -> Binding {
    let mut obj = hcl::Map::new();
    obj.insert("key".to_string(), key);
    obj.insert("value".to_string(), value);
    Some(("each", Value::Object(obj)))
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

/// The trust policy of the delivery role the registry's VPC module creates: the
/// flow-logs service may assume it.
fn module_role_trust() -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": flowaudit_core::checks::delivery_role::FLOW_LOGS_SERVICE },
            "Action": "sts:AssumeRole",
        }],
    })
}
