//! Just enough IAM policy evaluation for delivery roles: does a trust policy let a
//! service assume the role, and do permission policies allow some actions.
//!
//! Deliberately conservative: resources and conditions of Allow statements are not
//! evaluated (a role scoped to the wrong log group still passes), and a Deny
//! statement denies whatever its conditions say.

use serde_json::Value;

/// The service principal that delivers flow logs.
pub const FLOW_LOGS_SERVICE: &str = "vpc-flow-logs.amazonaws.com";
/// Actions a flow-log delivery role must be allowed.
pub const REQUIRED_ACTIONS: [&str; 2] = ["logs:CreateLogStream", "logs:PutLogEvents"];

/// The statements of a policy document (`Statement` may be one object or a list).
pub fn statements(document: &Value) -> Vec<&Value> {
    match document.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(obj @ Value::Object(_)) => vec![obj],
        _ => Vec::new(),
    }
}

/// A string or list of strings, as IAM writes them.
pub fn string_list(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// IAM wildcard match (`*` and `?`), case-insensitive as IAM actions are.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

fn effect_is(statement: &Value, effect: &str) -> bool {
    statement
        .get("Effect")
        .and_then(Value::as_str)
        .is_some_and(|e| e.eq_ignore_ascii_case(effect))
}

/// Whether the statement's `Action` / `NotAction` covers `action`.
fn covers_action(statement: &Value, action: &str) -> bool {
    if let Some(not_action) = statement.get("NotAction") {
        return !string_list(Some(not_action))
            .iter()
            .any(|p| wildcard_match(p, action));
    }
    string_list(statement.get("Action"))
        .iter()
        .any(|p| wildcard_match(p, action))
}

/// What a trust policy says about a service principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trust {
    /// An Allow statement lets the service call `sts:AssumeRole`.
    pub trusts_service: bool,
    /// That statement (or one of them) limits it with `aws:SourceAccount` or
    /// `aws:SourceArn`.
    pub has_source_condition: bool,
    /// An Allow statement lets any principal (`*`) assume the role.
    pub trusts_anyone: bool,
}

/// Evaluates a trust policy for `service` (e.g. `vpc-flow-logs.amazonaws.com`).
pub fn trust(document: &Value, service: &str) -> Trust {
    let mut result = Trust {
        trusts_service: false,
        has_source_condition: false,
        trusts_anyone: false,
    };
    for st in statements(document) {
        if !effect_is(st, "Allow") || !covers_action(st, "sts:AssumeRole") {
            continue;
        }
        let principal = st.get("Principal");
        let anyone = principal.and_then(Value::as_str) == Some("*")
            || string_list(principal.and_then(|p| p.get("AWS"))).contains(&"*");
        if anyone {
            result.trusts_anyone = true;
        }
        let services = string_list(principal.and_then(|p| p.get("Service")));
        if services.iter().any(|s| s.eq_ignore_ascii_case(service)) {
            result.trusts_service = true;
            if has_source_condition(st.get("Condition")) {
                result.has_source_condition = true;
            }
        }
    }
    result
}

fn has_source_condition(condition: Option<&Value>) -> bool {
    let Some(Value::Object(operators)) = condition else {
        return false;
    };
    operators.values().any(|keys| {
        keys.as_object().is_some_and(|keys| {
            keys.keys().any(|k| {
                k.eq_ignore_ascii_case("aws:SourceAccount")
                    || k.eq_ignore_ascii_case("aws:SourceArn")
            })
        })
    })
}

/// Whether the documents allow `action`: some Allow statement covers it and no
/// Deny statement does.
pub fn allows<'d>(documents: impl IntoIterator<Item = &'d Value> + Clone, action: &str) -> bool {
    let all = |effect: &str| {
        documents
            .clone()
            .into_iter()
            .flat_map(statements)
            .any(|st| effect_is(st, effect) && covers_action(st, action))
    };
    all("Allow") && !all("Deny")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("logs:*", "logs:PutLogEvents"));
        assert!(wildcard_match("*", "logs:PutLogEvents"));
        assert!(wildcard_match("logs:Put*Events", "logs:putlogevents"));
        assert!(wildcard_match("logs:?utLogEvents", "logs:PutLogEvents"));
        assert!(!wildcard_match("logs:Create*", "logs:PutLogEvents"));
        assert!(!wildcard_match("s3:*", "logs:PutLogEvents"));
    }

    #[test]
    fn trust_with_and_without_condition() {
        let doc = json!({"Statement": {"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com", "vpc-flow-logs.amazonaws.com"]}, "Action": "sts:AssumeRole"}});
        let t = trust(&doc, "vpc-flow-logs.amazonaws.com");
        assert!(t.trusts_service && !t.has_source_condition && !t.trusts_anyone);
        let doc = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole",
            "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:ec2:*:111122223333:vpc-flow-log/*"}}}]});
        assert!(trust(&doc, "vpc-flow-logs.amazonaws.com").has_source_condition);
        let doc = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        assert!(!trust(&doc, "vpc-flow-logs.amazonaws.com").trusts_service);
        let doc = json!({"Statement": [{"Effect": "Deny", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        assert!(!trust(&doc, "vpc-flow-logs.amazonaws.com").trusts_service);
        let doc = json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:*"}]});
        assert!(trust(&doc, "vpc-flow-logs.amazonaws.com").trusts_anyone);
    }

    #[test]
    fn allow_and_deny() {
        let allow =
            json!({"Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]});
        let deny = json!({"Statement": [{"Effect": "Deny", "Action": "logs:PutLogEvents", "Resource": "*"}]});
        assert!(allows([&allow], "logs:PutLogEvents"));
        assert!(!allows([&allow, &deny], "logs:PutLogEvents"));
        assert!(allows([&allow, &deny], "logs:CreateLogStream"));
        let not_action =
            json!({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]});
        assert!(allows([&not_action], "logs:PutLogEvents"));
        assert!(!allows([&not_action], "iam:PassRole"));
        let none: [&Value; 0] = [];
        assert!(!allows(none, "logs:PutLogEvents"));
    }
}
