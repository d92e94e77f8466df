//! Which S3 lifecycle rules govern flow-log objects, defined once: `fix --apply`
//! (through [`applies_to_flow_logs`]) and the exported commands (through the jq
//! definitions in [`JQ_DEFS`], which mirror it field by field) raise the same
//! rules, and a test runs jq on a table of rules to prove it.
//!
//! Flow logs write `<prefix>AWSLogs/<account>/vpcflowlogs/...` and carry no object
//! tags, so a rule applies when it is enabled, expires objects after a number of
//! days, filters on no tag, and its prefix and the flow logs' stem overlap (one
//! starts with the other).

use crate::escape::shell::command;

/// What decides whether a lifecycle rule applies to flow-log objects, read from
/// AWS's rule (SDK types in the AWS crate, JSON in the exported commands).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule<'a> {
    pub enabled: bool,
    /// `Expiration.Days`; `None` for an expiration by date or none at all.
    pub expiration_days: Option<i32>,
    /// `Filter.And.Prefix`, `Filter.Prefix` or the legacy top-level `Prefix`;
    /// empty when the rule names none (it applies to the whole bucket).
    pub prefix: &'a str,
    /// Whether the rule filters on object tags (`Filter.Tag`, `Filter.And.Tags`).
    pub tagged: bool,
}

/// Where flow logs with the destination key prefix `prefix` write their objects.
pub fn stem(prefix: &str) -> String {
    format!("{prefix}AWSLogs/")
}

/// Whether `rule` expires flow-log objects written under `<prefix>AWSLogs/`.
pub fn applies_to_flow_logs(rule: &Rule, prefix: &str) -> bool {
    let stem = stem(prefix);
    rule.enabled
        && rule.expiration_days.is_some()
        && !rule.tagged
        && (stem.starts_with(rule.prefix) || rule.prefix.starts_with(&stem))
}

/// jq definitions over one rule of `get-bucket-lifecycle-configuration`'s output,
/// field by field the [`Rule`] above: `rule_prefix`, `tagged`, and
/// `applies($stem)` (= [`applies_to_flow_logs`]).
pub const JQ_DEFS: &str = concat!(
    "def rule_prefix: if .Filter == null then (.Prefix // \"\") ",
    "elif .Filter.And != null then (.Filter.And.Prefix // \"\") ",
    "else (.Filter.Prefix // \"\") end; ",
    "def tagged: if .Filter == null then false ",
    "elif .Filter.And != null then ((.Filter.And.Tags // []) | length > 0) ",
    "else .Filter.Tag != null end; ",
    "def applies($stem): .Status == \"Enabled\" and (.Expiration.Days != null) ",
    "and (tagged | not) ",
    "and (rule_prefix as $p | ($stem | startswith($p)) or ($p | startswith($stem))); ",
    // `put-bucket-lifecycle-configuration --cli-input-json` takes the bucket, the
    // rules, and the transition default apart: `get` returns the last beside the
    // rules, and `put` rejects it inside the configuration.
    "def put_input($bucket; rules): {Bucket: $bucket, LifecycleConfiguration: {Rules: rules}} ",
    "+ (if .TransitionDefaultMinimumObjectSize then ",
    "{TransitionDefaultMinimumObjectSize: .TransitionDefaultMinimumObjectSize} else {} end); ",
);

/// The jq program that raises the expiration of the rules that apply to
/// `$days`, as `put`'s input (`--arg bucket`, `--arg stem`, `--argjson days`).
fn raise_program() -> String {
    format!(
        "{JQ_DEFS}put_input($bucket; .Rules | map(if applies($stem) and .Expiration.Days < $days then .Expiration.Days = $days else . end))"
    )
}

/// The jq program that turns a saved `get` output back into `put`'s input.
fn restore_program() -> String {
    format!("{JQ_DEFS}put_input($bucket; .Rules)")
}

/// Where the exported commands save a bucket's lifecycle configuration as it was
/// before flowaudit's first change.
pub fn saved_file(bucket: &str) -> String {
    format!(
        "lifecycle-{}.json",
        bucket.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    )
}

/// The commands that raise the rules applying to `<prefix>AWSLogs/` to at least
/// `min_days`: the original is saved once (a second run keeps it, so the backout
/// still restores it), the change is computed from the configuration now.
pub fn raise_commands(bucket: &str, prefix: &str, min_days: u32) -> Vec<String> {
    let saved = saved_file(bucket);
    let now = format!("{saved}.now");
    let new = format!("{saved}.new");
    let get = command([
        "aws",
        "s3api",
        "get-bucket-lifecycle-configuration",
        "--bucket",
        bucket,
    ]);
    vec![
        format!("[ -e {s} ] || {get} > {s}", s = command([saved.as_str()])),
        format!("{get} > {}", command([now.as_str()])),
        format!(
            "{} > {}",
            command([
                "jq",
                "--arg",
                "bucket",
                bucket,
                "--arg",
                "stem",
                &stem(prefix),
                "--argjson",
                "days",
                &min_days.to_string(),
                &raise_program(),
                &now,
            ]),
            command([new.as_str()])
        ),
        put_command(&new),
    ]
}

/// The commands that put back the configuration saved before the first change.
pub fn restore_commands(bucket: &str) -> Vec<String> {
    let saved = saved_file(bucket);
    let restore = format!("{saved}.restore");
    vec![
        format!(
            "{} > {}  # the configuration saved before",
            command(["jq", "--arg", "bucket", bucket, &restore_program(), &saved]),
            command([restore.as_str()])
        ),
        put_command(&restore),
    ]
}

fn put_command(input: &str) -> String {
    command([
        "aws",
        "s3api",
        "put-bucket-lifecycle-configuration",
        "--cli-input-json",
        &format!("file://{input}"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// The [`Rule`] of a rule as `get-bucket-lifecycle-configuration` prints it,
    /// read the way the AWS crate reads the SDK's types.
    fn rule(v: &Value) -> Rule<'_> {
        let filter = &v["Filter"];
        let (prefix, tagged) = if filter.is_null() {
            (v["Prefix"].as_str().unwrap_or(""), false)
        } else if !filter["And"].is_null() {
            (
                filter["And"]["Prefix"].as_str().unwrap_or(""),
                filter["And"]["Tags"]
                    .as_array()
                    .is_some_and(|t| !t.is_empty()),
            )
        } else {
            (
                filter["Prefix"].as_str().unwrap_or(""),
                !filter["Tag"].is_null(),
            )
        };
        Rule {
            enabled: v["Status"] == "Enabled",
            expiration_days: v["Expiration"]["Days"]
                .as_i64()
                .and_then(|d| i32::try_from(d).ok()),
            prefix,
            tagged,
        }
    }

    fn cases() -> Vec<Value> {
        let days = json!({"Days": 30});
        let tag = json!({"Key": "class", "Value": "tmp"});
        vec![
            json!({"ID": "all", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": days}),
            json!({"ID": "empty-filter", "Status": "Enabled", "Filter": {}, "Expiration": days}),
            json!({"ID": "no-filter", "Status": "Enabled", "Expiration": days}),
            json!({"ID": "legacy", "Status": "Enabled", "Prefix": "AWSLogs/", "Expiration": days}),
            json!({"ID": "legacy-other", "Status": "Enabled", "Prefix": "tmp/", "Expiration": days}),
            json!({"ID": "deeper", "Status": "Enabled", "Filter": {"Prefix": "AWSLogs/123456789012/"}, "Expiration": days}),
            json!({"ID": "shallower", "Status": "Enabled", "Filter": {"Prefix": "AWS"}, "Expiration": days}),
            json!({"ID": "other", "Status": "Enabled", "Filter": {"Prefix": "backups/"}, "Expiration": days}),
            json!({"ID": "disabled", "Status": "Disabled", "Filter": {"Prefix": ""}, "Expiration": days}),
            json!({"ID": "by-date", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Date": "2027-01-01T00:00:00Z"}}),
            json!({"ID": "tag", "Status": "Enabled", "Filter": {"Tag": tag}, "Expiration": days}),
            json!({"ID": "and-tags", "Status": "Enabled", "Filter": {"And": {"Prefix": "AWSLogs/", "Tags": [tag]}}, "Expiration": days}),
            json!({"ID": "and-size", "Status": "Enabled", "Filter": {"And": {"Prefix": "AWSLogs/", "ObjectSizeGreaterThan": 1024}}, "Expiration": days}),
            json!({"ID": "and-other", "Status": "Enabled", "Filter": {"And": {"Prefix": "tmp/", "ObjectSizeLessThan": 10}}, "Expiration": days}),
            json!({"ID": "size", "Status": "Enabled", "Filter": {"ObjectSizeGreaterThan": 1024}, "Expiration": days}),
            json!({"ID": "long", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 400}}),
        ]
    }

    /// Runs the jq program on `input`; its JSON output.
    fn jq(args: &[&str], input: &Value) -> Value {
        use std::io::Write;
        let mut child = std::process::Command::new("jq")
            .arg("-c")
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("jq is needed (scripts/test.sh installs it): {e}"));
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(input.to_string().as_bytes())
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        assert!(out.status.success(), "jq {args:?} failed");
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"))
    }

    /// For every rule in the table and two destination prefixes, jq's
    /// `applies($stem)` gives what [`applies_to_flow_logs`] gives, and the
    /// expected verdicts hold.
    #[test]
    fn jq_and_rust_agree_on_which_rules_apply() {
        let expected_at_root = [
            ("all", true),
            ("empty-filter", true),
            ("no-filter", true),
            ("legacy", true),
            ("legacy-other", false),
            ("deeper", true),
            ("shallower", true),
            ("other", false),
            ("disabled", false),
            ("by-date", false),
            ("tag", false),
            ("and-tags", false),
            ("and-size", true),
            ("and-other", false),
            ("size", true),
            ("long", true),
        ];
        let rules = Value::Array(cases());
        for prefix in ["", "flows/"] {
            let program = format!("{JQ_DEFS}map(applies($stem))");
            let from_jq = jq(&["--arg", "stem", &stem(prefix), &program], &rules);
            for (i, r) in cases().iter().enumerate() {
                let rust = applies_to_flow_logs(&rule(r), prefix);
                assert_eq!(from_jq[i], Value::Bool(rust), "{prefix:?}: {r}");
                if prefix.is_empty() {
                    assert_eq!((r["ID"].as_str().unwrap_or(""), rust), expected_at_root[i]);
                }
            }
        }
    }

    /// The raise program writes `put`'s input: the bucket, only the rules, the
    /// transition default apart, and raises exactly the rules that apply and
    /// expire too early.
    #[test]
    fn the_raise_program_writes_what_put_accepts() {
        let got = json!({"TransitionDefaultMinimumObjectSize": "varies_by_storage_class", "Rules": cases()});
        let out = jq(
            &[
                "--arg",
                "bucket",
                "logs",
                "--arg",
                "stem",
                "AWSLogs/",
                "--argjson",
                "days",
                "365",
                &raise_program(),
            ],
            &got,
        );
        assert_eq!(out["Bucket"], "logs");
        assert_eq!(
            out["TransitionDefaultMinimumObjectSize"],
            "varies_by_storage_class"
        );
        let rules = out["LifecycleConfiguration"]["Rules"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            out["LifecycleConfiguration"]
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>()),
            Some(vec!["Rules".to_string()])
        );
        for (before, after) in cases().iter().zip(&rules) {
            let raised = applies_to_flow_logs(&rule(before), "")
                && before["Expiration"]["Days"].as_i64() < Some(365);
            let mut want = before.clone();
            if raised {
                want["Expiration"]["Days"] = json!(365);
            }
            assert_eq!(after, &want, "{before}");
        }
        let restored = jq(&["--arg", "bucket", "logs", &restore_program()], &got);
        assert_eq!(restored["LifecycleConfiguration"]["Rules"], json!(cases()));
        let without = jq(
            &["--arg", "bucket", "logs", &restore_program()],
            &json!({"Rules": []}),
        );
        assert!(without.get("TransitionDefaultMinimumObjectSize").is_none());
    }
}
