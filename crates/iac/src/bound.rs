//! What evaluating an HCL expression can cost, known before it is evaluated: an
//! upper bound of the bytes it allocates (its result included), from the
//! expression and the sizes of the variables it reads, and the variables it
//! reads. A hostile configuration (locals that double forty times, nested `for`
//! expressions over large lists) is refused on the bound instead of making
//! hcl-rs build a value of gigabytes.

use std::collections::{BTreeMap, BTreeSet};

use hcl::expr::{Expression, ObjectKey, Operation, TraversalOperator};
use hcl::template::{Directive, Element, Template};
use hcl::Value;

/// Bytes a value holds, roughly: strings by length, 8 per scalar, key and element.
pub fn size(v: &Value) -> u64 {
    match v {
        Value::String(s) => 8 + s.len() as u64,
        Value::Array(items) => items.iter().fold(8u64, |n, x| n.saturating_add(size(x))),
        Value::Object(map) => map.iter().fold(8u64, |n, (k, x)| {
            n.saturating_add(8 + k.len() as u64).saturating_add(size(x))
        }),
        _ => 8,
    }
}

/// A variable an expression reads: `local.x` is `("local", Some("x"))`; a whole
/// root (`local`, `each`) has no attribute.
pub type Ref = (String, Option<String>);

/// The sizes of the variables in scope: each root's total and, for objects, each
/// attribute's.
#[derive(Debug, Default, Clone)]
pub struct Sizes {
    roots: BTreeMap<String, (u64, BTreeMap<String, u64>)>,
}

impl Sizes {
    pub fn declare(&mut self, name: &str, value: &Value) {
        let attrs = match value {
            Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), size(v))).collect(),
            _ => BTreeMap::new(),
        };
        self.roots.insert(name.to_string(), (size(value), attrs));
    }

    /// Adds attribute `attr` of the object `root` (a local, once it is known).
    pub fn add(&mut self, root: &str, attr: &str, value: &Value) {
        let n = size(value);
        let entry = self
            .roots
            .entry(root.to_string())
            .or_insert((8, BTreeMap::new()));
        entry.0 = entry
            .0
            .saturating_add(8 + attr.len() as u64)
            .saturating_add(n);
        entry.1.insert(attr.to_string(), n);
    }

    /// The total of every root.
    pub fn total(&self) -> u64 {
        self.roots
            .values()
            .fold(0u64, |n, (t, _)| n.saturating_add(*t))
    }

    fn of(&self, root: &str, attr: Option<&str>) -> Option<u64> {
        let (total, attrs) = self.roots.get(root)?;
        Some(attr.and_then(|a| attrs.get(a)).copied().unwrap_or(*total))
    }
}

/// The bound of `expr` and the variables it reads; `inner` is a scope over
/// `sizes` (`each`, `count`), looked up first.
pub fn bound(expr: &Expression, sizes: &Sizes, inner: &Sizes) -> (u64, BTreeSet<Ref>) {
    let mut walker = Walker {
        sizes,
        inner,
        iterators: Vec::new(),
        refs: BTreeSet::new(),
    };
    let n = walker.expr(expr);
    (n, walker.refs)
}

struct Walker<'a> {
    sizes: &'a Sizes,
    inner: &'a Sizes,
    /// `for` variables in scope, with the bound of what they iterate.
    iterators: Vec<(String, u64)>,
    refs: BTreeSet<Ref>,
}

/// `n` repetitions of something that costs `each`, for a collection bounded by
/// `collection` bytes (every element costs at least 8).
fn repeat(collection: u64, each: u64) -> u64 {
    collection.saturating_add((collection / 8 + 1).saturating_mul(each))
}

impl Walker<'_> {
    fn var(&mut self, name: &str, attr: Option<&str>) -> u64 {
        if let Some((_, n)) = self.iterators.iter().rev().find(|(v, _)| v == name) {
            return *n;
        }
        self.refs
            .insert((name.to_string(), attr.map(str::to_string)));
        // undefined: evaluation fails without allocating
        self.inner
            .of(name, attr)
            .or_else(|| self.sizes.of(name, attr))
            .unwrap_or(0)
    }

    fn all(&mut self, items: &[Expression]) -> u64 {
        items
            .iter()
            .fold(8u64, |n, e| n.saturating_add(self.expr(e)))
    }

    fn scoped(&mut self, vars: &[Option<&str>], n: u64, f: impl FnOnce(&mut Self) -> u64) -> u64 {
        let before = self.iterators.len();
        for v in vars.iter().flatten() {
            self.iterators.push((v.to_string(), n));
        }
        let out = f(self);
        self.iterators.truncate(before);
        out
    }

    fn expr(&mut self, expr: &Expression) -> u64 {
        match expr {
            Expression::String(s) => 8 + s.len() as u64,
            Expression::Array(items) => self.all(items),
            Expression::Object(map) => map.iter().fold(8u64, |n, (k, v)| {
                let key = match k {
                    ObjectKey::Identifier(id) => 8 + id.as_str().len() as u64,
                    ObjectKey::Expression(e) => self.expr(e),
                    _ => 8,
                };
                n.saturating_add(key).saturating_add(self.expr(v))
            }),
            Expression::TemplateExpr(t) => match Template::from_expr(t) {
                Ok(template) => self.template(&template),
                Err(_) => 8, // evaluation fails on it too
            },
            Expression::Variable(v) => self.var(v.as_str(), None),
            Expression::Traversal(t) => {
                let attr = match t.operators.first() {
                    Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
                    _ => None,
                };
                let base = match &t.expr {
                    Expression::Variable(v) => self.var(v.as_str(), attr),
                    other => self.expr(other),
                };
                t.operators.iter().fold(base, |n, op| match op {
                    TraversalOperator::Index(ix) => n.saturating_add(self.expr(ix)),
                    _ => n,
                })
            }
            Expression::FuncCall(f) => {
                let args = self.all(&f.args);
                match f.name.name.as_str() {
                    // escaping can make each byte six
                    "jsonencode" => args.saturating_mul(7),
                    _ => args.saturating_mul(2),
                }
            }
            Expression::Parenthesis(e) => self.expr(e),
            Expression::Conditional(c) => self
                .expr(&c.cond_expr)
                .saturating_add(self.expr(&c.true_expr))
                .saturating_add(self.expr(&c.false_expr)),
            Expression::Operation(op) => match op.as_ref() {
                Operation::Unary(u) => self.expr(&u.expr).saturating_add(8),
                Operation::Binary(b) => self
                    .expr(&b.lhs_expr)
                    .saturating_add(self.expr(&b.rhs_expr))
                    .saturating_add(8),
            },
            Expression::ForExpr(f) => {
                let collection = self.expr(&f.collection_expr);
                let vars = [
                    f.key_var.as_ref().map(|v| v.as_str()),
                    Some(f.value_var.as_str()),
                ];
                let each = self.scoped(&vars, collection, |w| {
                    let key = f.key_expr.as_ref().map_or(0, |e| w.expr(e));
                    let cond = f.cond_expr.as_ref().map_or(0, |e| w.expr(e));
                    key.saturating_add(cond)
                        .saturating_add(w.expr(&f.value_expr))
                });
                repeat(collection, each)
            }
            _ => 8,
        }
    }

    fn template(&mut self, t: &Template) -> u64 {
        t.elements().iter().fold(8u64, |n, element| {
            let cost = match element {
                Element::Literal(s) => s.len() as u64,
                Element::Interpolation(i) => self.expr(&i.expr),
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => {
                        let cond = self.expr(&d.cond_expr);
                        let yes = self.template(&d.true_template);
                        let no = d.false_template.as_ref().map_or(0, |t| self.template(t));
                        cond.saturating_add(yes).saturating_add(no)
                    }
                    Directive::For(d) => {
                        let collection = self.expr(&d.collection_expr);
                        let vars = [
                            d.key_var.as_ref().map(|v| v.as_str()),
                            Some(d.value_var.as_str()),
                        ];
                        let each = self.scoped(&vars, collection, |w| w.template(&d.template));
                        repeat(collection, each)
                    }
                },
            };
            n.saturating_add(cost)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval_with(text: &str, locals: &[(&str, Value)]) -> (u64, u64) {
        let body: hcl::Body = hcl::parse(&format!("x = {text}\n")).unwrap_or_default();
        let expr = body
            .attributes()
            .next()
            .map(|a| a.expr.clone())
            .unwrap_or(Expression::Null);
        let mut map = hcl::Map::new();
        for (k, v) in locals {
            map.insert(k.to_string(), v.clone());
        }
        let local = Value::Object(map);
        let mut sizes = Sizes::default();
        sizes.declare("local", &local);
        let mut ctx = hcl::eval::Context::new();
        ctx.declare_var("local", local);
        let value = hcl::eval::Evaluate::evaluate(&expr, &ctx).unwrap_or(Value::Null);
        (bound(&expr, &sizes, &Sizes::default()).0, size(&value))
    }

    /// The bound is never below what evaluation produces, on the shapes that grow.
    #[test]
    fn the_bound_covers_the_result() {
        let s = Value::from("abcdefghij".repeat(10));
        let list = Value::Array((0..20).map(|i| Value::from(format!("item{i}"))).collect());
        let cases = [
            "\"${local.s}${local.s}\"",
            "[local.s, local.s, local.s]",
            "{ a = local.s, b = [local.s] }",
            "[for x in local.list : [for y in local.list : \"${x}${y}${local.s}\"]]",
            "{ for k, v in local.list : v => [v, v, local.s] }",
            "\"%{ for x in local.list }${x}${local.s}%{ endfor }\"",
            "true ? local.s : local.list",
            "local.list[3]",
        ];
        for text in cases {
            let (bound, actual) = eval_with(text, &[("s", s.clone()), ("list", list.clone())]);
            assert!(actual > 8, "{text} evaluated to nothing");
            assert!(bound >= actual, "{text}: bound {bound} < actual {actual}");
        }
    }

    #[test]
    fn doubling_grows_the_bound_and_reads_are_named() {
        let s = Value::from("x".repeat(1000));
        let (one, _) = eval_with("local.s", &[("s", s.clone())]);
        let (two, _) = eval_with("\"${local.s}${local.s}\"", &[("s", s)]);
        assert!(two >= 2 * one - 16, "{one} {two}");
        let body: hcl::Body = hcl::parse("x = [for v in var.a : local.b]\n").unwrap_or_default();
        let expr = body.attributes().next().map(|a| a.expr.clone());
        let none = Sizes::default();
        let refs = expr.map(|e| bound(&e, &none, &none).1).unwrap_or_default();
        let want: BTreeSet<Ref> = [
            ("local".to_string(), Some("b".to_string())),
            ("var".to_string(), Some("a".to_string())),
        ]
        .into_iter()
        .collect();
        assert_eq!(refs, want);
    }
}
