//! `.tf.json` files, turned into HCL text with the same blocks and values.

use hcl::{Block, Body};

/// Terraform's JSON syntax as an HCL body: `"${expr}"` strings become expressions.
pub(super) fn json_body(text: &str) -> Result<Body, (usize, usize, String)> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| (e.line(), e.column(), e.to_string()))?;
    let mut hcl_text = String::new();
    json_to_hcl(&value, &mut hcl_text);
    hcl::parse(&hcl_text).map_err(|e| (1, 1, format!("unsupported Terraform JSON: {e}")))
}

/// Writes the top-level JSON object as HCL blocks: `{"resource": {"t": {"n": {…}}}}`
/// becomes `resource "t" "n" { … }`.
pub(super) fn json_to_hcl(value: &serde_json::Value, out: &mut String) {
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

pub(super) fn write_blocks(
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

pub(super) fn json_expr(v: &serde_json::Value) -> String {
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

pub(super) fn label(block: &Block, i: usize) -> String {
    block
        .labels
        .get(i)
        .map(|l| l.as_str().to_string())
        .unwrap_or_default()
}
