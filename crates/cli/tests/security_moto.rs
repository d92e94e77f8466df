//! Names an attacker can set through the AWS APIs never become code or forged
//! output: a role path holding `$(…)`, a VPC Name tag with a newline, terminal
//! escapes and a spreadsheet formula, and two log groups whose names collide
//! once turned into identifiers. Planted through moto's real APIs, scanned by the
//! real binary; every command flowaudit suggests is then run by bash with a fake
//! `aws` on PATH that records its argv.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{parse_json, run, Moto};
use serde_json::Value;

/// A directory with a fake `aws` that appends its argv (NUL-separated, one
/// record-separator per call) to `argv.log`, and prints `{}`.
struct FakeAws {
    dir: tempfile::TempDir,
}

impl FakeAws {
    fn new() -> FakeAws {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let aws = dir.path().join("aws");
        std::fs::write(
            &aws,
            "#!/bin/sh\n{ for a in \"$@\"; do printf '%s\\0' \"$a\"; done; printf '\\036\\0'; } >> \"$(dirname \"$0\")/argv.log\"\necho '{}'\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
        FakeAws { dir }
    }

    /// Runs `bash -c script` (or `bash FILE`) with the fake first on PATH.
    fn bash(&self, args: &[&str]) -> std::process::Output {
        let path = format!(
            "{}:{}",
            self.dir.path().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Command::new("bash")
            .args(args)
            .env("PATH", path)
            .output()
            .unwrap_or_else(|e| panic!("bash: {e}"))
    }

    /// Every recorded call, as its argv.
    fn calls(&self) -> Vec<Vec<String>> {
        let log = std::fs::read(self.dir.path().join("argv.log")).unwrap_or_default();
        let text = String::from_utf8_lossy(&log);
        text.split("\u{1e}\0")
            .filter(|c| !c.is_empty())
            .map(|c| {
                c.trim_end_matches('\0')
                    .split('\0')
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    }
}

struct Planted {
    moto: Moto,
    dir: tempfile::TempDir,
    canary: PathBuf,
    role_arn: String,
    named_vpc: String,
}

impl Planted {
    fn new() -> Planted {
        let moto = Moto::start();
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let canary = dir.path().join("pwned");
        let seeded = moto.seed(&["hostile", "--canary", &canary.to_string_lossy()]);
        let role_arn = seeded["role_arn"].as_str().unwrap_or_default().to_string();
        assert!(role_arn.contains("$(touch${IFS}"), "{seeded}");
        let named_vpc = seeded["vpcs"]["named"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        Planted {
            moto,
            dir,
            canary,
            role_arn,
            named_vpc,
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    fn assert_canary_absent(&self, what: &str) {
        assert!(
            !self.canary.exists(),
            "{what} ran the command planted in the role path"
        );
    }
}

fn plans(report: &Value) -> Vec<&Value> {
    report["results"]
        .as_array()
        .map(|r| r.iter().filter_map(|r| r.get("remediation")).collect())
        .unwrap_or_default()
}

fn lines<'a>(plan: &'a Value, field: &str) -> Vec<&'a str> {
    plan[field]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn names_from_aws_never_become_code_or_forged_output() {
    let p = Planted::new();
    let inventory = p.path("inventory.json");
    let (code, stdout, stderr) = p.moto.flowaudit(&[
        "scan",
        "--regions",
        "us-east-1",
        "--quiet",
        "--format",
        "json",
        "--save-inventory",
        &inventory,
    ]);
    assert_eq!(code, 1, "{stderr}");
    let report = parse_json(&stdout);

    // 1. Every suggested command and backout, run by bash: the fake aws gets
    //    the role ARN as one intact argument, and the planted command never runs.
    let fake = FakeAws::new();
    let plans = plans(&report);
    assert!(!plans.is_empty(), "the ACCEPT-only flow logs get plans");
    let mut commands = 0;
    for plan in &plans {
        for line in lines(plan, "cli").into_iter().chain(lines(plan, "backout")) {
            let out = fake.bash(&["-c", line]);
            assert!(
                out.status.success(),
                "{line}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            if !line.starts_with('#') {
                commands += 1;
            }
        }
    }
    p.assert_canary_absent("a suggested command");
    let calls = fake.calls();
    assert!(
        calls.len() >= commands,
        "{} calls for {commands} commands",
        calls.len()
    );
    for call in &calls {
        for arg in call.iter().filter(|a| a.contains("$(touch")) {
            assert_eq!(
                arg, &p.role_arn,
                "the planted text arrives only as the ARN: {call:?}"
            );
        }
    }
    // The backout recreates the ACCEPT-only flow logs with the planted role:
    // its ARN arrives as one argument, byte for byte.
    let recreated = calls
        .iter()
        .filter(|c| {
            c.windows(2)
                .any(|w| w[0] == "--deliver-logs-permission-arn" && w[1] == p.role_arn)
        })
        .count();
    assert_eq!(
        recreated, 2,
        "both ACCEPT-only flow logs are recreated by the backout"
    );

    // 2. The exported script, run whole.
    let script = p.path("fix.sh");
    let (code, _, stderr) = run(&[
        "remediation",
        "--inventory",
        &inventory,
        "--format",
        "sh",
        "--output",
        &script,
    ]);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&script).unwrap_or_default();
    for line in text.lines() {
        assert!(
            !line.contains("PASS  vpc-flow-logs-enabled") || line.starts_with('#'),
            "the VPC name escaped a comment: {line}"
        );
    }
    let _ = fake.bash(&[&script]);
    p.assert_canary_absent("the exported script");

    // 3. Terraform: parsed by an HCL parser, only the resources flowaudit means.
    let (code, tf, stderr) = run(&[
        "remediation",
        "--inventory",
        &inventory,
        "--format",
        "terraform",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let body: hcl::Body = hcl::from_str(&tf).unwrap_or_else(|e| panic!("not HCL: {e}\n{tf}"));
    let mut names = std::collections::BTreeSet::new();
    for block in body.blocks() {
        assert!(
            matches!(
                block.identifier(),
                "resource" | "terraform" | "provider" | "data" | "locals"
            ),
            "unexpected block {}",
            block.identifier()
        );
        assert!(
            !block
                .body()
                .blocks()
                .any(|b| b.identifier() == "provisioner"),
            "a provisioner was injected"
        );
        let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
        assert!(names.insert(labels.join(".")), "duplicate {labels:?}");
    }
    assert!(!tf.contains("local-exec"));

    // 4. CloudFormation: one logical id per fix, even for colliding names.
    let (code, cfn, stderr) = run(&[
        "remediation",
        "--inventory",
        &inventory,
        "--format",
        "cloudformation",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let template = parse_json(&cfn);
    assert!(template["Resources"].is_object(), "{cfn}");
    for group in ["/vpc/flow-logs", "/vpc/flow_logs"] {
        let planned = plans.iter().any(|p| {
            p["actions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|a| a.to_string().contains(&format!("\"{group}\"")))
        });
        assert!(
            !planned || cfn.contains(group),
            "the fix for {group} was dropped from the template"
        );
    }

    // 5. Terminal, CSV, Markdown, JUnit: nothing forged, nothing raw.
    let (_, table, _) = run(&["check", "--inventory", &inventory]);
    assert!(!table.contains('\u{1b}'), "raw escape in the table");
    assert!(
        !table.contains('\u{202e}'),
        "raw bidi override in the table"
    );
    assert!(
        !table.lines().any(|l| l
            .trim_start()
            .starts_with("PASS  vpc-flow-logs-enabled  forged")),
        "a forged PASS line:\n{table}"
    );
    assert!(table.contains("\\n"), "the newline is shown, not obeyed");
    let (_, csv, _) = run(&["check", "--inventory", &inventory, "--format", "csv"]);
    for cell in csv.split([',', '\n']) {
        let cell = cell.trim_start_matches('"');
        assert!(!cell.starts_with("=HYPERLINK"), "formula cell: {cell}");
    }
    let (_, md, _) = run(&["check", "--inventory", &inventory, "--format", "markdown"]);
    assert!(
        md.contains("\\<img"),
        "the name is in the Markdown, escaped"
    );
    assert_eq!(
        md.matches("<img").count(),
        md.matches("\\<img").count(),
        "raw HTML in Markdown"
    );
    let (_, junit, _) = run(&["check", "--inventory", &inventory, "--format", "junit"]);
    assert!(!junit.contains('\u{1b}'), "a control character in XML");
    assert!(junit.contains(&p.named_vpc));
    p.assert_canary_absent("rendering");

    // 6. explain and fix (dry run) print what they read shown, never raw.
    let forged = |text: &str| {
        text.lines().any(|l| {
            l.trim_start()
                .starts_with("PASS  vpc-flow-logs-enabled  forged")
        })
    };
    let (code, explained, stderr) = run(&[
        "explain",
        "vpc-flow-logs-capture-rejects",
        "--inventory",
        &inventory,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(explained.contains("Failures (2)"), "{explained}");
    assert!(
        explained.contains(&format!("'{}'", p.role_arn)),
        "the backout names the role ARN quoted: {explained}"
    );
    assert!(!forged(&explained), "{explained}");
    let (code, dry, stderr) = p.moto.flowaudit(&["fix", "--regions", "us-east-1", "-q"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(dry.contains("Dry run"), "{dry}");
    assert!(!forged(&dry), "{dry}");
    p.assert_canary_absent("fix");
}
