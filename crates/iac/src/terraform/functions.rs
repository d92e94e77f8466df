//! The Terraform functions flowaudit evaluates: the pure ones real
//! configurations use in names, references and values. A function not here is
//! not evaluated, and the result that depends on it is SKIPPED naming it
//! ([`unsupported`]), never a misleading "not known before apply".

use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};
use hcl::Value;

type Result = std::result::Result<Value, String>;

/// A function and its name.
type Named = (&'static str, hcl::eval::Func);

/// Declares every supported function in `ctx`.
pub(super) fn declare(ctx: &mut Context) {
    let one: &[Named] = &[
        ("jsonencode", jsonencode),
        ("toset", distinct),
        ("tolist", identity),
        ("tomap", identity),
        ("tobool", identity),
        ("tostring", tostring),
        ("tonumber", tonumber),
        ("length", length),
        ("keys", keys),
        ("values", values),
        ("flatten", flatten),
        ("distinct", distinct),
        ("compact", compact),
        ("one", one_of),
        ("upper", |a| text(a, |s| s.to_uppercase())),
        ("lower", |a| text(a, |s| s.to_lowercase())),
        ("trimspace", |a| text(a, |s| s.trim().to_string())),
    ];
    for (name, f) in one {
        ctx.declare_func(*name, FuncDef::builder().param(ParamType::Any).build(*f));
    }
    let two: &[Named] = &[
        ("element", element),
        ("contains", contains),
        ("join", join),
        ("split", split),
    ];
    for (name, f) in two {
        ctx.declare_func(
            *name,
            FuncDef::builder()
                .param(ParamType::Any)
                .param(ParamType::Any)
                .build(*f),
        );
    }
    ctx.declare_func(
        "lookup",
        FuncDef::builder()
            .param(ParamType::Any)
            .param(ParamType::Any)
            .variadic_param(ParamType::Any)
            .build(lookup),
    );
    ctx.declare_func(
        "replace",
        FuncDef::builder()
            .params([ParamType::Any, ParamType::Any, ParamType::Any])
            .build(replace),
    );
    let many: &[Named] = &[
        ("coalesce", coalesce),
        ("concat", concat),
        ("merge", merge),
        ("min", |a| extreme(a, f64::min)),
        ("max", |a| extreme(a, f64::max)),
        ("format", format),
    ];
    for (name, f) in many {
        ctx.declare_func(
            *name,
            FuncDef::builder().variadic_param(ParamType::Any).build(*f),
        );
    }
}

/// The function an evaluation error says is not defined, if that is why it
/// failed.
pub(super) fn unsupported(error: &str) -> Option<&str> {
    let rest = error.split("undefined function `").nth(1)?;
    rest.split('`').next()
}

fn first(args: FuncArgs) -> Value {
    args.into_values().into_iter().next().unwrap_or(Value::Null)
}

fn identity(args: FuncArgs) -> Result {
    Ok(first(args))
}

fn jsonencode(args: FuncArgs) -> Result {
    serde_json::to_string(&first(args))
        .map(Value::String)
        .map_err(|e| e.to_string())
}

fn text(args: FuncArgs, f: impl Fn(&str) -> String) -> Result {
    match first(args) {
        Value::String(s) => Ok(Value::String(f(&s))),
        other => Err(format!("expected a string, got {other}")),
    }
}

fn tostring(args: FuncArgs) -> Result {
    match first(args) {
        Value::String(s) => Ok(Value::String(s)),
        Value::Number(n) => Ok(Value::String(n.to_string())),
        Value::Bool(b) => Ok(Value::String(b.to_string())),
        Value::Null => Ok(Value::Null),
        other => Err(format!("tostring of {other}")),
    }
}

fn tonumber(args: FuncArgs) -> Result {
    match first(args) {
        Value::Number(n) => Ok(Value::Number(n)),
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| s.trim().parse::<f64>().map(Value::from))
            .map_err(|_| format!("tonumber: `{s}` is not a number")),
        Value::Null => Ok(Value::Null),
        other => Err(format!("tonumber of {other}")),
    }
}

fn length(args: FuncArgs) -> Result {
    match first(args) {
        Value::Array(a) => Ok(Value::from(a.len() as u64)),
        Value::Object(o) => Ok(Value::from(o.len() as u64)),
        Value::String(s) => Ok(Value::from(s.chars().count() as u64)),
        _ => Err("length of an unsupported value".into()),
    }
}

fn keys(args: FuncArgs) -> Result {
    match first(args) {
        Value::Object(o) => Ok(Value::Array(o.keys().cloned().map(Value::String).collect())),
        other => Err(format!("keys of {other}")),
    }
}

fn values(args: FuncArgs) -> Result {
    match first(args) {
        Value::Object(o) => Ok(Value::Array(o.values().cloned().collect())),
        other => Err(format!("values of {other}")),
    }
}

fn list(v: Value, what: &str) -> std::result::Result<Vec<Value>, String> {
    match v {
        Value::Array(a) => Ok(a),
        other => Err(format!("{what}: expected a list, got {other}")),
    }
}

fn flatten(args: FuncArgs) -> Result {
    fn into(v: Value, out: &mut Vec<Value>) {
        match v {
            Value::Array(a) => a.into_iter().for_each(|v| into(v, out)),
            other => out.push(other),
        }
    }
    let mut out = Vec::new();
    for v in list(first(args), "flatten")? {
        into(v, &mut out);
    }
    Ok(Value::Array(out))
}

fn distinct(args: FuncArgs) -> Result {
    let mut out: Vec<Value> = Vec::new();
    for v in list(first(args), "distinct")? {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(Value::Array(out))
}

fn compact(args: FuncArgs) -> Result {
    Ok(Value::Array(
        list(first(args), "compact")?
            .into_iter()
            .filter(|v| !matches!(v, Value::Null) && v.as_str() != Some(""))
            .collect(),
    ))
}

fn one_of(args: FuncArgs) -> Result {
    let items = list(first(args), "one")?;
    match items.len() {
        0 => Ok(Value::Null),
        1 => Ok(items.into_iter().next().unwrap_or(Value::Null)),
        n => Err(format!("one: the list has {n} elements")),
    }
}

fn element(args: FuncArgs) -> Result {
    let mut it = args.into_values().into_iter();
    let items = list(it.next().unwrap_or(Value::Null), "element")?;
    let index = it
        .next()
        .and_then(|i| i.as_u64())
        .ok_or("element: the index is not a whole number")?;
    if items.is_empty() {
        return Err("element of an empty list".into());
    }
    let at = usize::try_from(index).map_err(|e| e.to_string())? % items.len();
    Ok(items[at].clone())
}

fn contains(args: FuncArgs) -> Result {
    let mut it = args.into_values().into_iter();
    let items = list(it.next().unwrap_or(Value::Null), "contains")?;
    let wanted = it.next().unwrap_or(Value::Null);
    Ok(Value::Bool(items.contains(&wanted)))
}

fn join(args: FuncArgs) -> Result {
    let mut it = args.into_values().into_iter();
    let sep = it.next().and_then(|s| s.as_str().map(str::to_string));
    let sep = sep.ok_or("join: the separator is not a string")?;
    let parts: Vec<String> = list(it.next().unwrap_or(Value::Null), "join")?
        .into_iter()
        .map(|v| match v {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            other => Err(format!("join: {other} is not a string")),
        })
        .collect::<std::result::Result<_, _>>()?;
    Ok(Value::String(parts.join(&sep)))
}

fn split(args: FuncArgs) -> Result {
    let mut it = args.into_values().into_iter();
    match (it.next(), it.next()) {
        (Some(Value::String(sep)), Some(Value::String(s))) => Ok(Value::Array(
            s.split(sep.as_str())
                .map(|p| Value::String(p.to_string()))
                .collect(),
        )),
        _ => Err("split takes a separator and a string".into()),
    }
}

fn lookup(args: FuncArgs) -> Result {
    let mut it = args.into_values().into_iter();
    let map = it.next().unwrap_or(Value::Null);
    let key = it.next().unwrap_or(Value::Null);
    let default = it.next();
    match (map, key.as_str()) {
        (Value::Object(o), Some(k)) => match o.get(k) {
            Some(v) => Ok(v.clone()),
            None => default.ok_or_else(|| format!("lookup: no key `{k}` and no default")),
        },
        _ => Err("lookup takes a map and a string key".into()),
    }
}

fn replace(args: FuncArgs) -> Result {
    let mut it = args.into_values().into_iter();
    match (it.next(), it.next(), it.next()) {
        (Some(Value::String(s)), Some(Value::String(from)), Some(Value::String(to))) => {
            if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
                // A regular expression: not evaluated.
                return Err("replace with a regular expression is not evaluated".into());
            }
            Ok(Value::String(s.replace(from.as_str(), &to)))
        }
        _ => Err("replace takes three strings".into()),
    }
}

fn coalesce(args: FuncArgs) -> Result {
    args.into_values()
        .into_iter()
        .find(|v| !matches!(v, Value::Null) && v.as_str() != Some(""))
        .ok_or_else(|| "coalesce: every argument is null or empty".to_string())
}

fn concat(args: FuncArgs) -> Result {
    let mut out = Vec::new();
    for v in args.into_values() {
        out.extend(list(v, "concat")?);
    }
    Ok(Value::Array(out))
}

fn merge(args: FuncArgs) -> Result {
    let mut out = hcl::Map::new();
    for v in args.into_values() {
        match v {
            Value::Object(o) => out.extend(o),
            Value::Null => {}
            other => return Err(format!("merge: {other} is not a map")),
        }
    }
    Ok(Value::Object(out))
}

fn extreme(args: FuncArgs, pick: fn(f64, f64) -> f64) -> Result {
    let mut best: Option<f64> = None;
    let mut all_whole = true;
    for v in args.into_values() {
        let n = v.as_f64().ok_or_else(|| format!("{v} is not a number"))?;
        all_whole &= v.as_i64().is_some();
        best = Some(best.map_or(n, |b| pick(b, n)));
    }
    let best = best.ok_or("min/max of nothing")?;
    Ok(if all_whole {
        Value::from(best as i64)
    } else {
        Value::from(best)
    })
}

/// `format` with the verbs `%s`, `%d`, `%v` and `%%`; others are refused.
fn format(args: FuncArgs) -> Result {
    let mut it = args.into_values().into_iter();
    let spec = match it.next() {
        Some(Value::String(s)) => s,
        _ => return Err("format: the first argument is not a string".into()),
    };
    let mut out = String::new();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s' | 'd' | 'v') => match it.next() {
                Some(Value::String(s)) => out.push_str(&s),
                Some(Value::Number(n)) => out.push_str(&n.to_string()),
                Some(Value::Bool(b)) => out.push_str(&b.to_string()),
                Some(other) => return Err(format!("format: cannot print {other}")),
                None => return Err("format: too few arguments".into()),
            },
            other => {
                return Err(format!(
                    "format: the verb %{} is not evaluated",
                    other.map(String::from).unwrap_or_default()
                ))
            }
        }
    }
    Ok(Value::String(out))
}
