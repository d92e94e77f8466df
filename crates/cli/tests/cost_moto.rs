//! `flowaudit cost`: measured and estimated volumes against a real moto server,
//! every figure checked against a hand-computed one; prices files; calls that
//! do not grow with the number of VPCs.

mod common;

use common::{parse_json, Moto};
use serde_json::Value;

/// Months of 365-day retention; of a 90-day lifecycle rule.
const KEPT_365: f64 = 365.0 / 30.0;
const KEPT_90: f64 = 3.0;

fn close(got: &Value, want: f64, what: &str) {
    let got = got
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number: {got}"));
    assert!(
        (got - want).abs() <= want.abs() * 1e-9 + 1e-9,
        "{what}: got {got}, want {want}"
    );
}

fn cost_json(moto: &Moto, extra: &[&str]) -> Value {
    let mut args = vec![
        "cost",
        "--regions",
        "us-east-1,ap-northeast-1",
        "--format",
        "json",
        "--quiet",
        "--stats",
    ];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = moto.flowaudit(&args);
    assert_eq!(code, 0, "stderr: {stderr}\nstdout: {stdout}");
    parse_json(&stdout)
}

fn vpc<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["vpcs"]
        .as_array()
        .and_then(|v| v.iter().find(|v| v["vpc_id"] == id))
        .unwrap_or_else(|| panic!("{id} not in the cost report"))
}

#[test]
fn measured_and_estimated_costs_equal_hand_computed_ones() {
    let moto = Moto::start();
    let seeded = moto.seed(&["cost"]);
    let id = |name: &str| {
        seeded["vpcs"][name]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let report = cost_json(&moto, &[]);
    assert_eq!(report["schema"], "flowaudit.cost/v1");

    // cw: 3 × 4 TiB of IncomingBytes in the 30-day window = 12,288 GB a month,
    // beyond the first tier: 10,240 GB at 0.50 and 2,048 GB at 0.25; stored at
    // 1/8 for 365 days at 0.03.
    let cw = vpc(&report, &id("cw"));
    assert_eq!(cw["covered"], true);
    let f = &cw["flow_logs"][0];
    assert_eq!(f["flow_log_id"], seeded["flow_logs"]["cw"]);
    assert_eq!(f["basis"], "measured");
    close(&f["gb_per_month"], 12_288.0, "cw volume");
    close(&f["cost"]["delivery"], 5_120.0 + 512.0, "cw delivery");
    close(
        &f["cost"]["storage"],
        1_536.0 * KEPT_365 * 0.03,
        "cw storage",
    );

    // s3: its two 1 MiB objects (not the other flow log's 5 MiB) in 30 days,
    // × 8 uncompressed = 16 MiB a month; the 90-day lifecycle rule keeps them.
    let s3 = vpc(&report, &id("s3"));
    let f = &s3["flow_logs"][0];
    assert_eq!(f["flow_log_id"], seeded["flow_logs"]["s3"]);
    assert_eq!(f["basis"], "measured");
    let gb = 16.0 / 1024.0;
    close(&f["gb_per_month"], gb, "s3 volume");
    close(&f["cost"]["delivery"], gb * 0.25, "s3 delivery");
    close(
        &f["cost"]["storage"],
        gb / 8.0 * KEPT_90 * 0.023,
        "s3 storage",
    );

    // firehose: the delivery stream's 1 GiB in the window = 1 GB a month, at
    // the S3/Firehose delivery tier; Firehose's own charges are not counted.
    let hose = vpc(&report, &id("firehose"));
    let f = &hose["flow_logs"][0];
    assert_eq!(f["flow_log_id"], seeded["flow_logs"]["firehose"]);
    assert_eq!(f["basis"], "measured");
    close(&f["gb_per_month"], 1.0, "firehose volume");
    close(&f["cost"]["delivery"], 0.25, "firehose delivery");
    close(&f["cost"]["storage"], 0.0, "firehose storage");
    assert!(
        f["note"]
            .as_str()
            .is_some_and(|n| n.contains("bill separately")),
        "{f}"
    );

    // bare: no flow log; 4 interfaces at the account's measured rate,
    // (12,288 + 1/64) GB over cw's 2 and s3's 1 interfaces, named.
    let rate = (12_288.0 + gb) / 3.0;
    let bare = vpc(&report, &id("bare"));
    assert_eq!(bare["covered"], false);
    assert_eq!(bare["volume"]["basis"], "estimated");
    let detail = bare["volume"]["detail"].as_str().unwrap_or_default();
    for flow_log in ["cw", "s3"] {
        let fl = seeded["flow_logs"][flow_log].as_str().unwrap_or_default();
        assert!(detail.contains(fl), "{detail}");
    }
    close(
        &bare["volume"]["all_gb_per_month"],
        4.0 * rate,
        "bare volume",
    );
    // The fix plan (CloudWatch Logs, ALL, 365 days) added to us-east-1's
    // 12,288 GB month: all of it in the second tier, at 0.25.
    let fix = &bare["after_fix"];
    assert_eq!(fix["label"], "cloud-watch-logs ALL 365 d");
    close(
        &fix["cost"]["delivery"],
        4.0 * rate * 0.25,
        "bare fix delivery",
    );
    close(
        &fix["cost"]["storage"],
        4.0 * rate / 8.0 * KEPT_365 * 0.03,
        "bare fix storage",
    );
    // The cheapest compliant way: S3, REJECT-only (10% assumed), text, in the
    // archive class (0.004) after 30 days.
    let cheapest: Vec<&Value> = bare["options"]
        .as_array()
        .map(|o| o.iter().filter(|o| o["cheapest"] == true).collect())
        .unwrap_or_default();
    assert_eq!(cheapest.len(), 1);
    assert_eq!(cheapest[0]["label"], "s3 archive after 30 d REJECT 365 d");
    let reject = 0.4 * rate;
    close(
        &cheapest[0]["cost"]["delivery"],
        reject * 0.25,
        "bare cheapest delivery",
    );
    close(
        &cheapest[0]["cost"]["storage"],
        reject / 8.0 * (0.023 + (KEPT_365 - 1.0) * 0.004),
        "bare cheapest storage",
    );

    // tokyo: another region, its own prices (0.76 a GB, storage 0.033).
    let tokyo = vpc(&report, &id("tokyo"));
    let fix = &tokyo["after_fix"];
    close(&fix["cost"]["delivery"], rate * 0.76, "tokyo fix delivery");
    close(
        &fix["cost"]["storage"],
        rate / 8.0 * KEPT_365 * 0.033,
        "tokyo fix storage",
    );

    let sum: f64 = report["vpcs"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(|v| v["after_fix_monthly"].as_f64())
                .sum()
        })
        .unwrap_or_default();
    close(&report["total"]["after_fix_monthly"], sum, "total");
    assert_eq!(report["total"]["unpriced"], 0);
}

#[test]
fn api_calls_do_not_grow_with_vpcs() {
    let calls = |bare: &str| {
        let moto = Moto::start();
        moto.seed(&["cost", "--bare", bare]);
        let report = cost_json(&moto, &[]);
        assert!(report["vpcs"].as_array().map_or(0, Vec::len) >= 6);
        report["stats"]["calls_by_scope"].clone()
    };
    let (few, many) = (calls("0"), calls("12"));
    assert_eq!(few, many, "calls with 7 VPCs and with 19");
    // Six EC2 lists, DescribeLogGroups, GetMetricData for IncomingLogEvents,
    // for the groups' IncomingBytes and for the stream's; S3: one listing per
    // day folder of the window (31), once.
    assert_eq!(few["us-east-1"], 10, "{few}");
}

#[test]
fn a_prices_file_overrides_a_price_and_a_malformed_one_is_located() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("prices.toml");
    std::fs::write(
        &file,
        "[regions.us-east-1]\ncloudwatch_logs_storage_per_gb_month = 1.0\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let path = file.to_str().unwrap_or_default();
    let json = |extra: &[&str]| {
        let mut args = vec!["cost", "--demo", "--format", "json"];
        args.extend_from_slice(extra);
        let (code, stdout, stderr) = common::run(&args);
        assert_eq!(code, 1, "the demo's eu-west-1 has no price: {stderr}");
        parse_json(&stdout)
    };
    let built_in = json(&[]);
    let overridden = json(&["--prices", path]);
    let storage = |r: &Value| r["vpcs"][0]["flow_logs"][0]["cost"]["storage"].clone();
    // prod-web: 630 GB a month, stored at 1/8 for 365 days.
    close(
        &storage(&built_in),
        630.0 / 8.0 * KEPT_365 * 0.03,
        "built-in",
    );
    close(
        &storage(&overridden),
        630.0 / 8.0 * KEPT_365 * 1.0,
        "overridden",
    );
    assert_eq!(overridden["prices"]["file"], path);

    std::fs::write(&file, "[assumptions]\nreject_share = 1.5\n").unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = common::run(&["cost", "--demo", "--prices", path]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(&format!("{path}:2:16:")) && stderr.contains("share from 0 to 1"),
        "{stderr}"
    );
    std::fs::write(
        &file,
        "[regions.eu-west-1]\ns3_delivery = [{ per_gb = 0.3 }]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = common::run(&["cost", "--demo", "--prices", path]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("regions.eu-west-1.cloudwatch_logs_delivery"),
        "{stderr}"
    );
}

#[test]
fn names_from_the_inventory_cannot_forge_output() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut inventory: Value = parse_json(
        &std::fs::read_to_string(common::repo_root().join("crates/core/src/demo/inventory.json"))
            .unwrap_or_else(|e| panic!("{e}")),
    );
    inventory["accounts"][0]["regions"][0]["vpcs"][0]["tags"]["Name"] =
        Value::String("=cmd|' /C calc'!A0\u{1b}[2J\n| forged | row |".to_string());
    let file = dir.path().join("inventory.json");
    std::fs::write(&file, inventory.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let path = file.to_str().unwrap_or_default();
    for (format, forbidden) in [
        ("table", "\u{1b}"),
        ("markdown", "\n| forged"),
        ("csv", ",=cmd"),
    ] {
        let (code, stdout, stderr) =
            common::run(&["cost", "--inventory", path, "--format", format]);
        assert_eq!(code, 1, "{stderr}");
        assert!(!stdout.contains(forbidden), "{format}:\n{stdout}");
    }
    // A prices file's currency and date are text too.
    let prices = dir.path().join("prices.toml");
    std::fs::write(
        &prices,
        "currency = \"US\\u001b[2JD\"\ndate = \"\\u001b]0;x\\u0007\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let prices = prices.to_str().unwrap_or_default();
    for format in ["table", "markdown"] {
        let (code, stdout, stderr) = common::run(&[
            "cost",
            "--inventory",
            path,
            "--format",
            format,
            "--prices",
            prices,
        ]);
        assert_eq!(code, 1, "{stderr}");
        assert!(
            !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
            "{format}:\n{stdout}"
        );
    }
    let (_, csv, _) = common::run(&["cost", "--inventory", path, "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
        .collect();
    assert_eq!(rows.len(), 10, "one row per VPC");
    assert!(rows[0][3].starts_with("'="), "{:?}", &rows[0]);
}

#[test]
fn the_printed_price_table_is_a_prices_file_that_changes_nothing() {
    let (code, table, stderr) = common::run(&["cost", "--show-prices"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        table.contains("date = \"") && table.contains("[regions.us-east-1]"),
        "{table}"
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("prices.toml");
    std::fs::write(&file, &table).unwrap_or_else(|e| panic!("{e}"));
    let path = file.to_str().unwrap_or_default();
    let (_, built_in, _) = common::run(&["cost", "--demo", "--format", "json"]);
    let (_, from_file, _) = common::run(&["cost", "--demo", "--format", "json", "--prices", path]);
    let (mut a, b) = (parse_json(&built_in), parse_json(&from_file));
    a["prices"]["file"] = b["prices"]["file"].clone();
    assert_eq!(a, b);
}

#[test]
fn fix_destination_cheapest_picks_the_bucket_at_the_built_in_prices() {
    let bucket = "arn:aws:s3:::acme-central-flow-logs";
    let (code, sh, stderr) = common::run(&[
        "remediation",
        "--demo",
        "--format",
        "sh",
        "--fix-destination",
        "cheapest",
        "--fix-bucket-arn",
        bucket,
    ]);
    assert!(code == 0 || code == 1, "{stderr}");
    assert!(
        stderr.contains(&format!("--fix-destination cheapest: {bucket} for the")),
        "{stderr}"
    );
    assert!(sh.contains("--log-destination-type s3"), "{sh}");
    assert!(
        !sh.contains("--log-destination-type cloud-watch-logs"),
        "{sh}"
    );

    let (code, _, stderr) =
        common::run(&["remediation", "--demo", "--fix-destination", "cheapest"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--fix-bucket-arn"), "{stderr}");
    let examples = common::repo_root().join("examples");
    let (code, _, stderr) = common::run(&[
        "iac",
        examples.to_str().unwrap_or_default(),
        "--fix-destination",
        "cheapest",
        "--fix-bucket-arn",
        bucket,
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("needs an inventory"), "{stderr}");
}

/// The config file can name an S3 destination without its bucket (the command
/// line cannot): plans are refused, never silently made for log groups.
#[test]
fn an_s3_destination_without_a_bucket_in_the_config_is_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config = dir.path().join("flowaudit.toml");
    for destination in ["s3", "cheapest"] {
        std::fs::write(
            &config,
            format!("[remediation]\ndestination = \"{destination}\"\n"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let config = config.to_str().unwrap_or_default();
        for args in [
            vec![
                "remediation",
                "--demo",
                "--format",
                "sh",
                "--config",
                config,
            ],
            vec!["cost", "--demo", "--config", config],
            vec!["demo", "--config", config],
        ] {
            let (code, stdout, stderr) = common::run(&args);
            assert_eq!(code, 2, "{args:?}: {stdout}");
            assert!(
                stderr.contains("needs --fix-bucket-arn"),
                "{args:?}: {stderr}"
            );
            assert!(!stdout.contains("cloud-watch-logs"), "{args:?}: {stdout}");
        }
    }
}
