//! A module directory's declarations and values, and the evaluation of its
//! expressions within the limits.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use flowaudit_core::report::SourceLocation;
use hcl::eval::{Context, Evaluate};
use hcl::expr::{Expression, TraversalOperator};
use hcl::{Body, Value};

use super::file::{broken, locate, File};
use super::json::label;
use super::limits::{MAX_INSTANCES, MAX_SCOPE, MAX_VALUE, MAX_WORK};
use crate::bound::{bound, size, Sizes};
use flowaudit_core::declared::{Broken, Declared, Known, Suppression};

/// One resource or module block, with where it is.
pub(super) struct Item<'a> {
    pub(super) kind: String,
    pub(super) name: String,
    pub(super) body: &'a Body,
    pub(super) location: SourceLocation,
    pub(super) suppressions: Vec<Suppression>,
}

/// What `count.index` or `each.key`/`each.value` are for one instance.
pub(super) type Binding = Option<(&'static str, Value)>;

/// The instances of a block (suffix and binding each), unknown with why, or
/// `Err`: a configuration flowaudit refuses to expand (an ERROR).
pub(super) type Instances = Result<Known<Vec<(String, Binding)>>, String>;

/// A module directory: its files, its declarations, its values.
pub(super) struct Module<'a> {
    pub(super) prefix: String,
    pub(super) resources: Vec<Item<'a>>,
    /// `aws_vpc.main` → its index in `resources`.
    pub(super) by_address: BTreeMap<String, usize>,
    pub(super) modules: Vec<Item<'a>>,
    pub(super) data: Vec<Item<'a>>,
    pub(super) locals: BTreeMap<String, Expression>,
    pub(super) vars: hcl::Map<String, Value>,
    pub(super) local_values: hcl::Map<String, Value>,
    pub(super) sizes: Sizes,
    pub(super) work: Rc<Cell<u64>>,
    /// Evaluations refused by a limit, not yet reported.
    pub(super) refused: RefCell<BTreeSet<String>>,
    /// Refusals while reading variables and locals, with where.
    pub(super) scope_errors: Vec<Broken>,
}

impl<'a> Module<'a> {
    pub(super) fn new(
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
    pub(super) fn resolve_locals(&mut self, locals_at: &BTreeMap<String, SourceLocation>) {
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
    pub(super) fn drain_refused(&mut self, at: &SourceLocation) {
        let refused = std::mem::take(&mut *self.refused.borrow_mut());
        self.scope_errors
            .extend(refused.into_iter().map(|message| Broken {
                location: at.clone(),
                message,
            }));
    }

    /// The refusals not yet reported, as ERRORs at `at`.
    pub(super) fn take_refused(&self, at: &SourceLocation, out: &mut Declared) {
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
    pub(super) fn evaluate(&self, expr: &Expression, binding: &Binding) -> Result<Value, String> {
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
        super::functions::declare(&mut ctx);
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
    pub(super) fn days(&self, whole: Option<u64>, shown: &str) -> Known<Option<u32>> {
        match flowaudit_core::declared::retention_days(whole, shown) {
            Ok(days) => Known::Yes(days),
            Err(why) => {
                self.refused.borrow_mut().insert(why.clone());
                Known::Unknown(why)
            }
        }
    }

    pub(super) fn attr(&self, body: &Body, key: &str) -> Option<Expression> {
        body.attributes()
            .find(|a| a.key.as_str() == key)
            .map(|a| a.expr.clone())
    }

    /// Evaluates `expr`; the error is the reason it is not known before apply.
    pub(super) fn eval(&self, expr: &Expression, binding: &Binding) -> Known<Value> {
        match self.evaluate(expr, binding) {
            Ok(v) => Known::Yes(v),
            Err(e) => Known::Unknown(match super::functions::unsupported(&e) {
                Some(f) => format!(
                    "`{}` uses the function `{f}`, which flowaudit does not evaluate",
                    short(expr)
                ),
                None => format!(
                    "`{}` is not known before apply ({})",
                    short(expr),
                    first_line(&e)
                ),
            }),
        }
    }

    /// The instances of a resource or module: `[]` for the plain one, indexes or
    /// keys. `Err` is a configuration flowaudit refuses to expand (an ERROR).
    pub(super) fn instances(&self, body: &Body, depth: usize) -> Instances {
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
    /// Whether this module declares the resource `address` (`aws_vpc.main`).
    pub(super) fn declares(&self, address: &str) -> bool {
        self.by_address.contains_key(address)
    }

    pub(super) fn resource_keys(
        &self,
        address: &str,
        depth: usize,
    ) -> Result<Option<Vec<String>>, String> {
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
    pub(super) fn follow(
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
}

/// `each.key` and `each.value` for one instance.
pub(super) fn each(key: Value, value: Value) -> Binding {
    let mut obj = hcl::Map::new();
    obj.insert("key".to_string(), key);
    obj.insert("value".to_string(), value);
    Some(("each", Value::Object(obj)))
}

pub(super) fn short(expr: &Expression) -> String {
    let text = hcl::format::to_string(expr).unwrap_or_else(|_| format!("{expr:?}"));
    first_line(&text).chars().take(80).collect()
}

pub(super) fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// `aws_vpc.main` (no attribute) as an address.
pub(super) fn resource_ref(expr: &Expression) -> Option<String> {
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
