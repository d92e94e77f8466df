//! `flowaudit fix` and `flowaudit rollback` against a real moto server.

mod common;

use std::collections::BTreeMap;

use common::{parse_json, Moto};

const TARGETS: [&str; 6] = [
    "--check",
    "vpc-flow-logs-enabled",
    "--check",
    "flow-log-retention",
    "--check",
    "flow-log-delivery-role",
];

/// (check, resource) → status of a us-east-1 scan.
fn statuses(moto: &Moto) -> BTreeMap<(String, String), String> {
    let (code, stdout, stderr) =
        moto.flowaudit(&["scan", "--regions", "us-east-1", "--format", "json", "-q"]);
    assert!(code == 0 || code == 1, "{stderr}");
    common::results(&parse_json(&stdout))
        .iter()
        .map(|r| {
            (
                (
                    r["check_id"].as_str().unwrap_or_default().to_string(),
                    r["resource_id"].as_str().unwrap_or_default().to_string(),
                ),
                r["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn fix(moto: &Moto, env: &[(&str, &str)], extra: &[&str]) -> (i32, String, String) {
    fix_checks(moto, env, &TARGETS, extra)
}

fn fix_checks(
    moto: &Moto,
    env: &[(&str, &str)],
    targets: &[&str],
    extra: &[&str],
) -> (i32, String, String) {
    let mut args = vec!["fix", "--regions", "us-east-1", "-q"];
    args.extend_from_slice(targets);
    args.extend_from_slice(extra);
    moto.flowaudit_env(env, &args)
}

fn plan_section(stdout: &str) -> String {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with("Plan:"))
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn fix_applies_reruns_idempotently_and_rolls_back() {
    let moto = Moto::start();
    let seeded = moto.seed(&["checks"]);
    let vpc = |name: &str| {
        seeded["vpcs"][name]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let before = statuses(&moto);
    let resources_before = moto.seed(&["inspect"]);
    let failing_before = before.values().filter(|s| *s == "FAIL").count();

    // Without --apply nothing changes.
    let (code, dry, stderr) = fix(&moto, &[], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(dry.contains("Dry run: nothing was changed"), "{dry}");
    // The plan's expected monthly cost is said before anything is asked.
    assert!(
        dry.contains("Expected cost of the flow logs this plan creates: USD "),
        "{dry}"
    );
    assert_eq!(statuses(&moto), before);

    // --apply refuses to run unconfirmed without a terminal.
    let (code, _, stderr) = fix(&moto, &[], &["--apply"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("add --yes"), "{stderr}");
    assert_eq!(statuses(&moto), before);

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = dir.path().join("fix.jsonl");
    let journal = journal.to_string_lossy();
    let (code, applied, stderr) = fix(&moto, &[], &["--apply", "--yes", "--journal", &journal]);
    // Every targeted failure is fixed, the S3 lifecycle rule included.
    assert_eq!(code, 0, "{stderr}\n{applied}");
    assert!(!applied.contains("FAIL → FAIL"), "{applied}");
    assert_eq!(
        plan_section(&applied),
        plan_section(&dry),
        "what --apply does is the plan shown"
    );
    // -q: standard error holds errors only; the journal is named on stdout.
    assert!(!stderr.contains("journal:"), "{stderr}");
    assert!(
        applied.contains(&format!("Undo with: flowaudit rollback {journal}")),
        "{applied}"
    );
    let after = statuses(&moto);
    let status = |map: &BTreeMap<(String, String), String>, check: &str, resource: &str| {
        map.get(&(check.to_string(), resource.to_string()))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        status(&after, "vpc-flow-logs-enabled", &vpc("subnet-only")),
        "PASS"
    );
    for (key, was) in &before {
        let now = after.get(key).cloned().unwrap_or_default();
        if was == "FAIL" && TARGETS.contains(&key.0.as_str()) {
            assert_eq!(now, "PASS", "{key:?} still failing");
        }
        if was == "PASS" {
            assert_eq!(now, "PASS", "{key:?} was passing and must be left alone");
        }
    }
    let lines = std::fs::read_to_string(&*journal).unwrap_or_default();
    assert!(lines.lines().count() >= 9, "{lines}");
    assert!(lines.contains("changed_bucket_expiration"), "{lines}");

    // Running again finds nothing left to do and creates nothing.
    let journal2 = dir.path().join("again.jsonl");
    let journal2 = journal2.to_string_lossy();
    let (code, again, stderr) = fix(&moto, &[], &["--apply", "--yes", "--journal", &journal2]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        again.contains("Nothing to fix: no FAIL result matches."),
        "{again}"
    );
    assert!(!again.contains("  done "), "{again}");
    assert!(
        !std::path::Path::new(&*journal2).exists(),
        "a run with nothing to do writes no journal"
    );
    assert_eq!(statuses(&moto), after);

    // Rollback restores the first scan exactly.
    let (code, out, stderr) = moto.flowaudit(&["rollback", &journal]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        out.contains("deleted role flowaudit-vpc-flow-logs"),
        "{out}"
    );
    let restored = statuses(&moto);
    assert_eq!(restored, before);
    assert_eq!(
        restored.values().filter(|s| *s == "FAIL").count(),
        failing_before
    );
    assert_eq!(
        moto.seed(&["inspect"]),
        resources_before,
        "nothing of flowaudit's is left"
    );

    // Rolling back again finds everything undone already: a no-op that says so.
    let (code, out, stderr) = moto.flowaudit(&["rollback", &journal]);
    assert_eq!(code, 0, "{out}{stderr}");
    assert!(out.contains("was already gone"), "{out}");
    assert!(!out.contains("deleted "), "{out}");
    assert_eq!(statuses(&moto), before);
    assert_eq!(moto.seed(&["inspect"]), resources_before);
}

#[test]
fn an_interrupted_fix_can_be_rolled_back() {
    let moto = Moto::start();
    moto.seed(&["checks"]);
    let before = statuses(&moto);
    let resources_before = moto.seed(&["inspect"]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = dir.path().join("fix.jsonl");
    let journal = journal.to_string_lossy();
    // Only missing flow logs, so the first three changes are known whatever order
    // moto's VPC ids sort in: a log group, the delivery role, its policy.
    let (code, _, stderr) = fix_checks(
        &moto,
        &[("FLOWAUDIT_FIX_STOP_AFTER", "3")],
        &["--check", "vpc-flow-logs-enabled"],
        &["--apply", "--yes", "--journal", &journal],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("stopped after 3 change(s)"), "{stderr}");
    assert!(
        stderr.contains(&format!("flowaudit rollback {journal}")),
        "{stderr}"
    );
    let lines = std::fs::read_to_string(&*journal).unwrap_or_default();
    assert_eq!(lines.lines().count(), 3, "{lines}");
    // The group and role made before the stop exist.
    let partial = moto.seed(&["inspect"]);
    assert_ne!(
        partial, resources_before,
        "something was created before the stop"
    );
    assert!(
        partial["roles"]
            .to_string()
            .contains("flowaudit-vpc-flow-logs"),
        "{partial}"
    );

    // A crash while the fourth line was being written leaves half of it: the
    // three complete lines still roll back, and the cut line is named.
    let mut cut = lines.clone();
    cut.push_str("{\"time\":\"2026-12-02T00:00:00Z\",\"account_id\":\"1234");
    std::fs::write(&*journal, cut).unwrap_or_else(|e| panic!("{e}"));
    let (code, out, stderr) = moto.flowaudit(&["rollback", &journal]);
    assert_eq!(code, 0, "{stderr}");
    assert!(out.contains("Rolled back 3 change(s)"), "{out}");
    assert!(
        stderr.contains(&format!("{journal}:4: the last line was cut short")),
        "{stderr}"
    );
    assert_eq!(statuses(&moto), before);
    assert_eq!(
        moto.seed(&["inspect"]),
        resources_before,
        "nothing of flowaudit's is left"
    );
}

#[test]
fn rollback_refuses_a_bad_journal() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = dir.path().join("bad.jsonl");
    std::fs::write(&journal, "{\"oops\": true}\n").unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = moto.flowaudit(&["rollback", &journal.to_string_lossy()]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("bad.jsonl:1: not a journal entry"),
        "{stderr}"
    );
}

/// A journal written in another account is refused before anything is touched,
/// naming both accounts.
#[test]
fn rollback_refuses_another_accounts_journal() {
    use flowaudit_aws::journal::{Change, Journal};

    let moto = Moto::start();
    moto.seed(&["checks"]);
    let resources_before = moto.seed(&["inspect"]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = dir.path().join("other.jsonl");
    let mut j = Journal::create(&journal, "999988887777").unwrap_or_else(|e| panic!("{e}"));
    j.record(Change::CreatedRole {
        role_name: "flowaudit-vpc-flow-logs".into(),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    drop(j);
    let (code, out, stderr) = moto.flowaudit(&["rollback", &journal.to_string_lossy()]);
    assert_eq!(code, 2, "{out}{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}: records changes in account 999988887777, but these credentials are for account 123456789012",
            journal.display()
        )),
        "{stderr}"
    );
    assert_eq!(moto.seed(&["inspect"]), resources_before, "nothing changed");
}

#[test]
fn an_existing_role_is_reused_only_when_trusted() {
    let moto = Moto::start();
    moto.seed(&["checks"]);
    // Not referenced by any flow log, so the plan cannot know it: apply must check.
    moto.seed(&[
        "role",
        "--name",
        "flowaudit-vpc-flow-logs",
        "--service",
        "ec2.amazonaws.com",
    ]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = dir.path().join("fix.jsonl");
    let journal = journal.to_string_lossy();
    let (code, _, stderr) = moto.flowaudit(&[
        "fix",
        "--regions",
        "us-east-1",
        "-q",
        "--check",
        "vpc-flow-logs-enabled",
        "--apply",
        "--yes",
        "--journal",
        &journal,
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "role flowaudit-vpc-flow-logs exists but vpc-flow-logs.amazonaws.com may not assume it"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("flowaudit rollback"), "{stderr}");
}

#[test]
fn diff_after_a_rescan_shows_the_fixed_vpc() {
    let moto = Moto::start();
    let seeded = moto.seed(&["checks"]);
    let vpc = seeded["vpcs"]["subnet-only"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("history.db");
    let db = db.to_string_lossy();
    let history = [("FLOWAUDIT_NO_HISTORY", "0"), ("FLOWAUDIT_DB", &*db)];
    let scan = || {
        let (code, _, stderr) = moto.flowaudit_env(
            &history,
            &["scan", "--regions", "us-east-1", "-q", "--format", "json"],
        );
        assert_eq!(code, 1, "{stderr}");
    };
    scan();
    // Fix the VPC through the AWS API: a VPC-level flow log.
    let journal = dir.path().join("fix.jsonl");
    let (code, out, stderr) = fix_checks(
        &moto,
        &[],
        &["--check", "vpc-flow-logs-enabled"],
        &[
            "--vpc",
            &vpc,
            "--apply",
            "--yes",
            "--journal",
            &journal.to_string_lossy(),
        ],
    );
    assert_eq!(code, 0, "{stderr}\n{out}");
    scan();
    let local = |args: &[&str]| common::output(common::bin().envs(history).args(args).output());
    let (code, stdout, stderr) = local(&["history", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let runs = parse_json(&stdout);
    assert_eq!(runs.as_array().map(Vec::len), Some(2));
    assert_eq!(runs[0]["command"], "scan");
    assert_eq!(runs[0]["scope"], runs[1]["scope"]);

    // The new flow log writes to a log group fix creates without a KMS key
    // (plans choose no key), so its destination-encrypted result is the one
    // newly failing: diff exits 1 and names it.
    let (code, stdout, stderr) = local(&["diff", "--format", "json"]);
    assert_eq!(code, 1, "{stderr}\n{stdout}");
    let diff = parse_json(&stdout);
    let newly: Vec<&str> = diff["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["change"] == "newly_failing")
        .map(|e| e["check_id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(newly, ["flow-log-destination-encrypted"], "{stdout}");
    let fixed: Vec<(&str, &str)> = diff["changes"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter(|e| e["change"] == "fixed")
                .map(|e| {
                    (
                        e["check_id"].as_str().unwrap_or_default(),
                        e["resource_id"].as_str().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(fixed, [("vpc-flow-logs-enabled", vpc.as_str())]);
    assert_eq!(diff["counts"]["newly_failing"], 1);
    assert!(diff["counts"]["still_failing"].as_u64().unwrap_or(0) > 0);
    let (_, table, _) = local(&["diff"]);
    assert!(table.contains("Fixed (1)"), "{table}");
    assert!(table.contains(&vpc), "{table}");
}

/// A journal with valid digests (as anyone who can run flowaudit can write)
/// naming resources flowaudit did not create: rollback refuses every one of
/// them, lists why, and changes nothing.
#[test]
fn a_crafted_journal_cannot_make_rollback_touch_what_flowaudit_did_not_create() {
    use flowaudit_aws::journal::{Change, Journal};

    let moto = Moto::start();
    let seeded = moto.seed(&["checks"]);
    let good_vpc = seeded["vpcs"]["good"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let inventory = dir.path().join("inventory.json");
    let (code, _, stderr) = moto.flowaudit(&[
        "scan",
        "--regions",
        "us-east-1",
        "-q",
        "--save-inventory",
        &inventory.to_string_lossy(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    let inv = parse_json(&std::fs::read_to_string(&inventory).unwrap_or_default());
    let theirs = inv.to_string();
    let flow_log_id = inv["accounts"][0]["regions"][0]["flow_logs"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["resource_id"] == good_vpc.as_str()))
        .and_then(|f| f["flow_log_id"].as_str())
        .unwrap_or_else(|| panic!("no flow log for {good_vpc} in {theirs}"))
        .to_string();

    let before = statuses(&moto);
    let resources_before = moto.seed(&["inspect"]);
    let journal = dir.path().join("crafted.jsonl");
    let mut j = Journal::create(&journal, "123456789012").unwrap_or_else(|e| panic!("{e}"));
    for change in [
        Change::CreatedLogGroup {
            region: "us-east-1".into(),
            log_group_name: "/flowaudit/good".into(),
        },
        Change::CreatedRole {
            role_name: "flowaudit-good".into(),
        },
        Change::PutRolePolicy {
            role_name: "flowaudit-good".into(),
            policy_name: "flowaudit-good-inline".into(),
        },
        Change::CreatedFlowLog {
            region: "us-east-1".into(),
            vpc_id: good_vpc.clone(),
            flow_log_id: flow_log_id.clone(),
        },
        Change::ChangedRetention {
            region: "us-east-1".into(),
            log_group_name: "/flowaudit/shared".into(),
            previous_days: Some(1),
            set_days: 365,
        },
    ] {
        j.record(change).unwrap_or_else(|e| panic!("{e}"));
    }
    drop(j);
    let (code, out, stderr) = moto.flowaudit(&["rollback", &journal.to_string_lossy()]);
    assert_eq!(code, 2, "{out}{stderr}");
    for why in [
        "refusing to roll back: 5 entries",
        "entry 1: log group /flowaudit/good in us-east-1 is not tagged managed-by=flowaudit",
        "entry 2: role flowaudit-good is not tagged managed-by=flowaudit",
        "entry 3: policy flowaudit-good-inline of role flowaudit-good is not the delivery policy",
        &format!("entry 4: flow log {flow_log_id} is not tagged managed-by=flowaudit"),
        "entry 5: the retention of /flowaudit/shared is 7 days, not the 365 days flowaudit set",
        "nothing was undone",
    ] {
        assert!(stderr.contains(why), "{why}\n{stderr}");
    }
    assert_eq!(statuses(&moto), before, "nothing changed");
    assert_eq!(moto.seed(&["inspect"]), resources_before);
}

/// `fix --apply` of the usual targets through `url` (moto or the fault proxy).
fn apply_at(url: &str, journal: &str) -> (i32, String, String) {
    let mut args = vec!["fix", "--regions", "us-east-1", "-q"];
    args.extend_from_slice(&TARGETS);
    args.extend_from_slice(&["--apply", "--yes", "--journal", journal]);
    common::flowaudit_at(url, &[], &args)
}

/// The kinds of change a journal records, in order.
fn journaled(journal: &str) -> Vec<String> {
    std::fs::read_to_string(journal)
        .unwrap_or_else(|e| panic!("{journal}: {e}"))
        .lines()
        .map(|l| parse_json(l)["change"].as_str().unwrap_or("?").to_string())
        .collect()
}

/// One AWS call failing part-way through `fix --apply`, at each kind of step:
/// the run stops with exit 2 naming the call and the rollback command, its
/// journal holds exactly the changes made before the failure, and rolling it
/// back restores every value (retention days, lifecycle rules, trust and inline
/// policies, flow logs) as it was.
#[test]
fn a_failure_at_any_step_of_fix_rolls_back_exactly() {
    let moto = Moto::start();
    moto.seed(&["checks"]);
    let before = moto.seed(&["inspect"]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // The full run's journal: what each failure point cuts short.
    let full = dir.path().join("full.jsonl").to_string_lossy().to_string();
    let (code, _, stderr) = apply_at(&moto.url, &full);
    assert_eq!(code, 0, "{stderr}");
    let all = journaled(&full);
    let (code, _, stderr) = moto.flowaudit(&["rollback", &full]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(moto.seed(&["inspect"]), before);

    for (operation, call, shown) in [
        ("CreateFlowLogs", "1", "ec2:CreateFlowLogs"),
        ("PutRolePolicy", "2", "iam:PutRolePolicy flowaudit-noperm"),
        ("PutRetentionPolicy", "1", "logs:PutRetentionPolicy /"),
        // Between creating a log group and setting its retention (the order of
        // the plans follows moto's VPC ids, so which call that is varies).
        ("PutRetentionPolicy", "2", "logs:PutRetentionPolicy /"),
        (
            "PutBucketLifecycleConfiguration",
            "1",
            "s3:PutBucketLifecycleConfiguration flowaudit-short-lived",
        ),
        (
            "UpdateAssumeRolePolicy",
            "1",
            "iam:UpdateAssumeRolePolicy flowaudit-badtrust",
        ),
    ] {
        let proxy = common::Proxy::start(
            &moto.url,
            &["--fail", &format!("{operation}:{call}:AccessDenied")],
        );
        let journal = dir
            .path()
            .join(format!("{operation}-{call}.jsonl"))
            .to_string_lossy()
            .to_string();
        let (code, out, stderr) = apply_at(&proxy.url, &journal);
        assert_eq!(code, 2, "{operation}: {out}{stderr}");
        assert_eq!(
            proxy.stats()["failed"][operation],
            1,
            "{operation} was called"
        );
        assert!(
            stderr.contains(&format!("error: {shown}")) && stderr.contains("AccessDenied"),
            "{operation}: {stderr}"
        );
        assert!(
            stderr.contains(&format!(
                "What was changed so far is in {journal}; undo it with: flowaudit rollback {journal}"
            )),
            "{stderr}"
        );
        assert!(!stderr.contains("\\n"), "one message per line: {stderr}");
        // The journal is the full run's cut short where the call failed.
        let made = journaled(&journal);
        assert!(made.len() < all.len(), "{operation}: {made:?}");
        assert_eq!(made[..], all[..made.len()], "{operation}");
        drop(proxy);
        let (code, out, stderr) = moto.flowaudit(&["rollback", &journal]);
        assert_eq!(code, 0, "{operation}: {stderr}");
        // A failure at the very first change leaves an empty journal.
        let said = if made.is_empty() {
            format!("{journal}: nothing to undo")
        } else {
            format!("Rolled back {} change(s)", made.len())
        };
        assert!(out.contains(&said), "{said}\n{out}");
        assert_eq!(moto.seed(&["inspect"]), before, "after {operation} failed");
    }
}

/// A fix that failed part-way, run again, finds what the first run made and
/// keeps it (the `unchanged` outcomes), then finishes; rolling back both
/// journals, newest first, restores the account exactly.
#[test]
fn a_fix_run_again_after_a_failure_keeps_what_the_first_run_made() {
    let moto = Moto::start();
    moto.seed(&["checks"]);
    let before = moto.seed(&["inspect"]);
    let before_statuses = statuses(&moto);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let first = dir.path().join("first.jsonl").to_string_lossy().to_string();
    let proxy = common::Proxy::start(&moto.url, &["--fail", "CreateFlowLogs:1"]);
    let (code, _, stderr) = apply_at(&proxy.url, &first);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("InternalError"), "{stderr}");
    drop(proxy);
    // Whatever order moto's VPC ids give the plans, the first flow log needs
    // its group, the delivery role and the role's policy first.
    let made = journaled(&first);
    for change in ["created_log_group", "created_role", "put_role_policy"] {
        assert!(made.iter().any(|c| c == change), "{change}: {made:?}");
    }
    assert!(!made.iter().any(|c| c == "created_flow_log"), "{made:?}");

    let second = dir
        .path()
        .join("second.jsonl")
        .to_string_lossy()
        .to_string();
    let (code, out, stderr) = apply_at(&moto.url, &second);
    assert_eq!(code, 0, "{out}{stderr}");
    for kept in [
        "unchanged  log group /aws/vpc-flow-logs/",
        "unchanged  role flowaudit-vpc-flow-logs exists and trusts vpc-flow-logs.amazonaws.com",
    ] {
        assert!(out.contains(kept), "{kept}\n{out}");
    }
    let second_changes = journaled(&second);
    assert!(!second_changes.contains(&"created_role".to_string()));
    assert!(second_changes.contains(&"created_flow_log".to_string()));
    let after = statuses(&moto);
    for (key, was) in &before_statuses {
        if was == "FAIL" && TARGETS.contains(&key.0.as_str()) {
            assert_eq!(after.get(key).map(String::as_str), Some("PASS"), "{key:?}");
        }
    }

    for journal in [&second, &first] {
        let (code, _, stderr) = moto.flowaudit(&["rollback", journal]);
        assert_eq!(code, 0, "{journal}: {stderr}");
    }
    assert_eq!(moto.seed(&["inspect"]), before);
    assert_eq!(statuses(&moto), before_statuses);
}

/// A rollback whose step fails says what it undid and how many changes are
/// left; run again once the cause is gone, it skips what is undone and
/// finishes, leaving the account exactly as before the fix.
#[test]
fn a_rollback_that_fails_part_way_finishes_when_run_again() {
    let moto = Moto::start();
    moto.seed(&["checks"]);
    let before = moto.seed(&["inspect"]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = dir.path().join("fix.jsonl").to_string_lossy().to_string();
    let (code, _, stderr) = apply_at(&moto.url, &journal);
    assert_eq!(code, 0, "{stderr}");
    let changes = journaled(&journal);
    let role_at = changes
        .iter()
        .position(|c| c == "created_role")
        .unwrap_or_else(|| panic!("no role created: {changes:?}"));

    let proxy = common::Proxy::start(&moto.url, &["--fail", "DeleteRole:1:AccessDenied"]);
    let (code, out, stderr) = common::flowaudit_at(&proxy.url, &[], &["rollback", &journal]);
    assert_eq!(code, 2, "{out}{stderr}");
    // Undone in reverse order up to the role, which is the step that failed.
    let undone = changes.len() - role_at - 1;
    assert!(
        out.contains(&format!("Rolled back {undone} change(s)")),
        "{out}"
    );
    assert!(
        stderr.contains("error: iam:DeleteRole flowaudit-vpc-flow-logs: AccessDenied"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "The {} change(s) recorded before that step in {journal} were not undone",
            role_at + 1
        )),
        "{stderr}"
    );
    assert_ne!(moto.seed(&["inspect"]), before, "the role is still there");
    drop(proxy);

    let (code, out, stderr) = moto.flowaudit(&["rollback", &journal]);
    assert_eq!(code, 0, "{out}{stderr}");
    assert!(
        out.contains("deleted role flowaudit-vpc-flow-logs"),
        "{out}"
    );
    assert_eq!(moto.seed(&["inspect"]), before);
}

/// An existing journal file is never overwritten or appended to, and a journal
/// that cannot be created stops the fix before anything changes.
#[test]
fn fix_refuses_a_journal_it_cannot_create_before_changing_anything() {
    let moto = Moto::start();
    moto.seed(&["checks"]);
    let before = moto.seed(&["inspect"]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let existing = dir.path().join("existing.jsonl");
    std::fs::write(&existing, "kept\n").unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = apply_at(&moto.url, &existing.to_string_lossy());
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!("could not create journal {}", existing.display())),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&existing).unwrap_or_default(),
        "kept\n"
    );
    // A directory that cannot exist: its parent is a file.
    let impossible = existing.join("fix.jsonl");
    let (code, _, stderr) = apply_at(&moto.url, &impossible.to_string_lossy());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("could not create"), "{stderr}");
    assert_eq!(moto.seed(&["inspect"]), before, "nothing changed");
}

/// A sound role of the `--fix-role-name` name that flowaudit did not create is
/// reused (not journaled as created), given the delivery policy, and left in
/// place by the rollback, which removes only that policy.
#[test]
fn a_sound_role_of_the_fix_name_is_reused_and_survives_the_rollback() {
    let moto = Moto::start();
    moto.seed(&["checks"]);
    moto.seed(&["role", "--name", "flowaudit-vpc-flow-logs"]);
    let before = moto.seed(&["inspect"]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = dir.path().join("fix.jsonl").to_string_lossy().to_string();
    let (code, out, stderr) = fix_checks(
        &moto,
        &[],
        &["--check", "vpc-flow-logs-enabled"],
        &["--apply", "--yes", "--journal", &journal],
    );
    assert_eq!(code, 0, "{out}{stderr}");
    assert!(
        out.contains(
            "unchanged  role flowaudit-vpc-flow-logs exists and trusts vpc-flow-logs.amazonaws.com"
        ),
        "{out}"
    );
    let made = journaled(&journal);
    assert!(!made.iter().any(|c| c == "created_role"), "{made:?}");
    assert!(made.iter().any(|c| c == "put_role_policy"), "{made:?}");
    let (code, out, stderr) = moto.flowaudit(&["rollback", &journal]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!out.contains("deleted role"), "{out}");
    assert_eq!(moto.seed(&["inspect"]), before);
}

/// A fix that leaves a failure in place (a deleted bucket is for a person to
/// recreate) exits 1 and shows it FAIL → FAIL beside the one it fixed.
#[test]
fn fix_exits_1_when_a_targeted_failure_remains() {
    let moto = Moto::start();
    let seeded = moto.seed(&["checks"]);
    let before = moto.seed(&["inspect"]);
    let vpc = |name: &str| {
        seeded["vpcs"][name]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = dir.path().join("fix.jsonl").to_string_lossy().to_string();
    let (code, out, stderr) = fix_checks(
        &moto,
        &[],
        &["--check", "flow-log-destination-exists"],
        &["--apply", "--yes", "--journal", &journal],
    );
    assert_eq!(code, 1, "{out}{stderr}");
    let line = |vpc_id: &str| {
        out.lines()
            .find(|l| l.contains("flow-log-destination-exists") && l.contains(vpc_id))
            .unwrap_or_else(|| panic!("no before → after line for {vpc_id}:\n{out}"))
            .to_string()
    };
    assert!(line(&vpc("missing")).contains("FAIL → PASS"), "{out}");
    assert!(line(&vpc("s3-gone")).contains("FAIL → FAIL"), "{out}");
    assert!(
        out.contains("  left       Recreate bucket flowaudit-deleted-bucket"),
        "{out}"
    );
    let (code, _, stderr) = moto.flowaudit(&["rollback", &journal]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(moto.seed(&["inspect"]), before);
}

/// On a terminal (a pseudo-terminal from util-linux's `script`), `--apply`
/// without `--yes` asks; "n" (or anything but y/yes) changes nothing, "y"
/// applies.
#[test]
fn apply_on_a_terminal_asks_first() {
    use std::io::Write;
    let moto = Moto::start();
    moto.seed(&["checks"]);
    let before = moto.seed(&["inspect"]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = dir.path().join("fix.jsonl");
    let line = format!(
        "{} fix -q --endpoint-url {} --regions us-east-1 --check flow-log-retention --apply --journal {}",
        env!("CARGO_BIN_EXE_flowaudit"),
        moto.url,
        journal.display()
    );
    let answer = |text: &str| {
        let mut child = common::bin();
        child
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE");
        let mut child = std::process::Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .envs(child.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("util-linux script is needed: {e}"));
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(text.as_bytes());
        }
        common::output(child.wait_with_output())
    };
    let (code, out, _) = answer("n\n");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("action(s)? [y/N]"), "{out}");
    assert!(out.contains("Nothing was changed."), "{out}");
    assert!(!journal.exists());
    assert_eq!(moto.seed(&["inspect"]), before);

    let (code, out, _) = answer("y\n");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Applied:"), "{out}");
    assert!(journal.exists());
    assert_ne!(moto.seed(&["inspect"]), before);
}

/// Lifecycle rules without an ID (the API allows them) are told apart by
/// their place in the list: `fix` raises each rule that expires flow-log
/// objects, and `rollback` gives each its own days back. With one key (`""`)
/// for every unnamed rule, both would be restored to the same value. The fix
/// changes only the bucket, and still re-scans and compares.
#[test]
fn unnamed_lifecycle_rules_are_each_restored_to_their_own_days() {
    let moto = Moto::start();
    moto.seed(&["checks"]);
    let rules = serde_json::json!([
        {"Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": 3}},
        {"Filter": {"Prefix": "AWSLogs/"}, "Status": "Enabled", "Expiration": {"Days": 5}}
    ]);
    moto.seed(&[
        "lifecycle",
        "--bucket",
        "flowaudit-short-lived",
        "--rules",
        &rules.to_string(),
    ]);
    let before = moto.seed(&["inspect"]);
    let days = |inspected: &serde_json::Value| -> Vec<i64> {
        inspected["buckets"]["flowaudit-short-lived"]["lifecycle"]
            .as_array()
            .unwrap_or_else(|| panic!("no lifecycle: {inspected}"))
            .iter()
            .map(|r| r["Expiration"]["Days"].as_i64().unwrap_or(-1))
            .collect()
    };
    assert_eq!(days(&before), [3, 5]);

    // Only the VPC whose flow log writes to the bucket: the fix's one action is
    // the bucket's lifecycle, which has no region, so the re-scan must take
    // the region of the failure it fixes.
    let vpc = before["flow_logs"]
        .as_object()
        .and_then(|all| {
            all.values().find(|f| {
                f["LogDestination"]
                    .as_str()
                    .is_some_and(|d| d.ends_with(":::flowaudit-short-lived"))
            })
        })
        .and_then(|f| f["ResourceId"].as_str())
        .unwrap_or_else(|| panic!("no flow log to the bucket: {before}"))
        .to_string();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = dir.path().join("fix.jsonl").to_string_lossy().to_string();
    let (code, out, stderr) = fix_checks(
        &moto,
        &[],
        &["--check", "flow-log-retention", "--vpc", &vpc],
        &["--apply", "--yes", "--journal", &journal],
    );
    assert_eq!(code, 0, "{out}{stderr}");
    assert!(
        out.contains("Plan: 1 failure(s), 1 action(s)")
            && out.lines().any(|l| l.contains("flow-log-retention")
                && l.contains("FAIL → PASS")
                && l.contains(&vpc)),
        "{out}"
    );
    let raised = days(&moto.seed(&["inspect"]));
    assert!(
        raised.len() == 2 && raised.iter().all(|d| *d > 5),
        "both rules raised: {raised:?}"
    );
    let entry = std::fs::read_to_string(&journal)
        .unwrap_or_else(|e| panic!("{e}"))
        .lines()
        .map(parse_json)
        .find(|e| e["change"] == "changed_bucket_expiration")
        .unwrap_or_else(|| panic!("no lifecycle entry in {journal}"));
    assert_eq!(
        entry["previous"],
        serde_json::json!([["#1", 3], ["#2", 5]]),
        "{entry}"
    );

    let (code, out, stderr) = moto.flowaudit(&["rollback", &journal]);
    assert_eq!(code, 0, "{out}{stderr}");
    let after = moto.seed(&["inspect"]);
    assert_eq!(days(&after), [3, 5]);
    assert_eq!(after, before);
}

/// A role whose trust policy AWS did not return (GetRole's document is
/// optional): `fix` replaces it and journals the previous policy as unknown
/// (`null`, not `""`), and `rollback` leaves that trust policy as flowaudit set
/// it, saying so, while it restores everything else.
#[test]
fn a_trust_policy_replaced_without_knowing_the_old_one_is_left_for_a_person() {
    let moto = Moto::start();
    moto.seed(&["checks"]);
    let before = moto.seed(&["inspect"]);
    let proxy = common::Proxy::start(&moto.url, &["--strip-trust-policy", "flowaudit-badtrust"]);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let journal = dir.path().join("fix.jsonl").to_string_lossy().to_string();
    let (code, out, stderr) = common::flowaudit_at(
        &proxy.url,
        &[],
        &[
            "fix",
            "--regions",
            "us-east-1",
            "-q",
            "--check",
            "flow-log-delivery-role",
            "--apply",
            "--yes",
            "--journal",
            &journal,
        ],
    );
    assert!(
        proxy.stats()["stripped"].as_u64().unwrap_or(0) > 0,
        "the proxy hid the trust policy"
    );
    drop(proxy);
    // The re-scan still cannot see the role's trust policy: a failure remains.
    assert_eq!(code, 1, "{out}{stderr}");
    assert!(
        out.contains("replaced the trust policy of flowaudit-badtrust")
            && out.contains("FAIL → FAIL"),
        "{out}"
    );
    let entries: Vec<serde_json::Value> = std::fs::read_to_string(&journal)
        .unwrap_or_else(|e| panic!("{e}"))
        .lines()
        .map(parse_json)
        .collect();
    let trust: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| e["change"] == "changed_trust_policy")
        .collect();
    assert_eq!(trust.len(), 1, "{entries:?}");
    assert_eq!(trust[0]["role_name"], "flowaudit-badtrust");
    assert!(trust[0]["previous"].is_null(), "{}", trust[0]);

    let (code, out, stderr) = moto.flowaudit(&["rollback", &journal]);
    assert_eq!(code, 0, "{out}{stderr}");
    assert!(
        out.contains(
            "left the trust policy of flowaudit-badtrust as flowaudit set it: the one before was not known"
        ),
        "{out}"
    );
    let mut after = moto.seed(&["inspect"]);
    let role = |inspected: &serde_json::Value| -> serde_json::Value {
        inspected["roles"]["flowaudit-badtrust"]["trust"].clone()
    };
    let trusted = role(&after);
    assert_ne!(trusted, role(&before), "the trust policy was left as set");
    assert!(
        trusted.to_string().contains("vpc-flow-logs.amazonaws.com"),
        "{trusted}"
    );
    // Everything else is as it was.
    after["roles"]["flowaudit-badtrust"]["trust"] = role(&before);
    assert_eq!(after, before);
}
