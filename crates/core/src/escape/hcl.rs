//! HCL (Terraform) strings. Inside a quoted string or a heredoc, Terraform
//! evaluates `${…}` and `%{…}`; `$${` and `%%{` stand for the literal text.

/// A quoted HCL string that evaluates to exactly `s`.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The body of an indented heredoc (`<<-EOT`) holding `text`, a JSON document
/// written by serde (so no line of it is the bare marker): template sequences
/// are escaped, every line indented by `indent`.
pub fn heredoc(text: &str, indent: &str) -> String {
    let body: Vec<String> = text
        .lines()
        .map(|l| format!("{indent}{}", l.replace("${", "$${").replace("%{", "%%{")))
        .collect();
    format!(
        "<<-EOT\n{}\n{}EOT",
        body.join("\n"),
        &indent[..indent.len().saturating_sub(2)]
    )
}

/// A Terraform identifier (a resource name): letters, digits, `_` and `-`,
/// not starting with a digit. Different inputs can give the same label: use
/// [`Names`](super::names::Names) where they must stay apart.
pub fn label(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for c in id.chars() {
        let c = if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() || trimmed.starts_with(|c: char| c.is_ascii_digit()) {
        format!("r_{trimmed}")
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{heredoc, label, string};
    use crate::escape::hostile;
    use crate::escape::names::Names;

    fn evaluate(hcl_text: &str) -> String {
        let body: hcl::Body = hcl::from_str(hcl_text).unwrap_or_else(|e| panic!("{e}: {hcl_text}"));
        let attr = body
            .attributes()
            .next()
            .unwrap_or_else(|| panic!("no attribute"));
        let ctx = hcl::eval::Context::new();
        match hcl::eval::Evaluate::evaluate(&attr.expr, &ctx) {
            Ok(hcl::Value::String(s)) => s,
            other => panic!("{other:?} from {hcl_text}"),
        }
    }

    /// Round trip through an HCL parser and evaluator: the quoted string is one
    /// attribute, adds no block, and evaluates to the original text.
    #[test]
    fn hcl_reads_every_string_back() {
        for s in hostile::strings() {
            let text = format!("x = {}\n", string(&s));
            let body: hcl::Body = hcl::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
            assert_eq!(body.blocks().count(), 0);
            assert_eq!(body.attributes().count(), 1);
            assert_eq!(evaluate(&text), s, "{text}");
        }
    }

    #[test]
    fn heredoc_bodies_are_literal() {
        let doc =
            serde_json::json!({"Resource": "arn:aws:logs:*:1:log-group:${aws:x}%{ if 1 }EOT"});
        let pretty = serde_json::to_string_pretty(&doc).unwrap_or_default();
        let text = format!("x = {}\n", heredoc(&pretty, "    "));
        assert_eq!(evaluate(&text).trim_end(), pretty);
    }

    #[test]
    fn labels_are_identifiers_and_stay_apart() {
        assert_eq!(
            label("/aws/vpc-flow-logs/vpc-0abc"),
            "aws_vpc_flow_logs_vpc_0abc"
        );
        assert_eq!(label("9lives"), "r_9lives");
        let mut labels = Names::default();
        assert_eq!(labels.label("/vpc/flow-logs"), "vpc_flow_logs");
        assert_eq!(labels.label("/vpc/flow_logs"), "vpc_flow_logs_2");
        assert_eq!(labels.label("/vpc/flow-logs"), "vpc_flow_logs");
    }
}
