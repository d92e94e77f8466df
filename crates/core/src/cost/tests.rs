//! Known answers: every figure below is worked out by hand from the built-in
//! prices (us-east-1: CloudWatch Logs delivery 0.50 up to 10 TB then 0.25;
//! S3 delivery 0.25 up to 10 TB; ap-northeast-1: 0.76 and 0.38 flat).

use super::*;
use crate::checks::testkit::{self, flow_log, s3_flow_log, vpc};
use crate::model::{Measured, ObjectVolume, Vpc};

const TB: u64 = 1024 * 1024 * 1024 * 1024;
/// Months of 365-day retention.
const KEPT: f64 = 365.0 / 30.0;

fn close(got: f64, want: f64) {
    assert!((got - want).abs() < 1e-6, "got {got}, want {want}");
}

fn inventory() -> Inventory {
    let mut inv = testkit::inventory(
        vec![
            vpc("vpc-a"),
            Vpc {
                network_interface_count: Some(4),
                ..vpc("vpc-b")
            },
        ],
        vec![flow_log("fl-a", "vpc-a")],
    );
    let region = testkit::region_mut(&mut inv);
    region.region = "us-east-1".to_string();
    // 12 TB in 30 days: 12,288 GB a month, above the first tier.
    region.log_groups[0].incoming_bytes = Some(Measured {
        days: 30,
        bytes: 12 * TB,
    });
    let mut tokyo = region.clone();
    tokyo.region = "ap-northeast-1".to_string();
    tokyo.vpcs = vec![Vpc {
        network_interface_count: Some(2),
        ..vpc("vpc-c")
    }];
    tokyo.flow_logs.clear();
    tokyo.log_groups.clear();
    inv.accounts[0].regions.push(tokyo);
    inv
}

fn report(inv: &Inventory) -> CostReport {
    let prices = Prices::built_in().unwrap_or_else(|e| panic!("{e}"));
    estimate(inv, &prices, &Settings::default())
}

fn vpc_cost<'a>(r: &'a CostReport, id: &str) -> &'a VpcCost {
    r.vpcs
        .iter()
        .find(|v| v.vpc_id == id)
        .unwrap_or_else(|| panic!("{id} missing"))
}

#[test]
fn measured_flow_log_pays_the_tiers_of_the_account_s_month() {
    let r = report(&inventory());
    let a = vpc_cost(&r, "vpc-a");
    assert!(a.covered);
    let f = &a.flow_logs[0];
    assert_eq!(f.basis, Basis::Measured);
    close(f.gb_per_month, 12_288.0);
    // 10,240 GB at 0.50 and 2,048 GB at 0.25.
    close(f.cost.delivery, 5_120.0 + 512.0);
    // 12,288 GB / 8 (gzip) kept 365 days at 0.03.
    close(f.cost.storage, 1_536.0 * KEPT * 0.03);
    close(a.current_monthly, 5_632.0 + 1_536.0 * KEPT * 0.03);
    close(a.after_fix_monthly, a.current_monthly);
    assert!(a.after_fix.is_none());
}

#[test]
fn uncovered_vpc_is_estimated_from_the_account_s_measured_rate() {
    let r = report(&inventory());
    let b = vpc_cost(&r, "vpc-b");
    assert!(!b.covered);
    let v = b.volume.as_ref().unwrap_or_else(|| panic!("no volume"));
    assert_eq!(v.basis, Basis::Estimated);
    assert!(v.detail.contains("fl-a"), "{}", v.detail);
    // 12,288 GB over vpc-a's 3 interfaces = 4,096 GB each; vpc-b has 4.
    close(v.all_gb_per_month, 16_384.0);
    close(v.reject_gb_per_month, 1_638.4);
    let fix = b.after_fix.as_ref().unwrap_or_else(|| panic!("no fix"));
    assert_eq!(fix.label, "cloud-watch-logs ALL 365 d");
    // Added to the month's 12,288 GB: 28,672 GB cost 5,120 + 18,432 × 0.25.
    close(fix.cost.delivery, 5_120.0 + 18_432.0 * 0.25 - 5_632.0);
    close(fix.cost.storage, 2_048.0 * KEPT * 0.03);
    close(b.after_fix_monthly, fix.cost.total);
    // Cheapest compliant (REJECT suffices by default): S3, REJECT, text moved
    // to the archive class after 30 days (1 month at 0.023, the rest at 0.004).
    let cheapest: Vec<&Plan> = b.options.iter().filter(|o| o.cheapest).collect();
    assert_eq!(cheapest.len(), 1);
    assert_eq!(cheapest[0].label, "s3 archive after 30 d REJECT 365 d");
    close(cheapest[0].cost.delivery, 1_638.4 * 0.25);
    close(
        cheapest[0].cost.storage,
        204.8 * (0.023 + (KEPT - 1.0) * 0.004),
    );
    let text = b
        .options
        .iter()
        .find(|o| o.label == "s3 REJECT 365 d")
        .unwrap_or_else(|| panic!("no text option"));
    close(text.cost.storage, 204.8 * KEPT * 0.023);
    let parquet = b
        .options
        .iter()
        .find(|o| o.label == "s3 parquet REJECT 365 d")
        .unwrap_or_else(|| panic!("no parquet option"));
    close(parquet.cost.conversion, 1_638.4 * 0.035);
    close(parquet.cost.storage, 204.8 * 0.8 * KEPT * 0.023);
    assert!(cheapest[0].loses.is_some());
    close(b.cheapest_monthly, cheapest[0].cost.total);
}

#[test]
fn another_region_uses_its_own_prices() {
    let r = report(&inventory());
    let c = vpc_cost(&r, "vpc-c");
    let fix = c.after_fix.as_ref().unwrap_or_else(|| panic!("no fix"));
    // 2 interfaces × 4,096 GB; Tokyo's CloudWatch Logs month starts empty.
    close(fix.gb_per_month, 8_192.0);
    close(fix.cost.delivery, 8_192.0 * 0.76);
    close(fix.cost.storage, 1_024.0 * KEPT * 0.033);
}

#[test]
fn totals_add_up_per_account_and_year() {
    let r = report(&inventory());
    let sum: f64 = r.vpcs.iter().map(|v| v.after_fix_monthly).sum();
    close(r.total.after_fix_monthly, sum);
    close(r.total.after_fix_yearly, sum * 12.0);
    assert_eq!(r.accounts.len(), 1);
    assert_eq!(r.total.vpcs, 3);
    assert_eq!(r.total.unpriced, 0);
}

#[test]
fn requiring_all_traffic_rules_out_reject_only() {
    let inv = inventory();
    let prices = Prices::built_in().unwrap_or_else(|e| panic!("{e}"));
    let settings = Settings {
        required_traffic_type: RequiredTrafficType::All,
        ..Settings::default()
    };
    let r = estimate(&inv, &prices, &settings);
    let b = vpc_cost(&r, "vpc-b");
    let cheapest = b
        .options
        .iter()
        .find(|o| o.cheapest)
        .map(|o| o.label.as_str());
    assert_eq!(cheapest, Some("s3 archive after 30 d ALL 365 d"));
    assert!(b
        .options
        .iter()
        .filter(|o| o.traffic_type == "REJECT")
        .all(|o| !o.compliant));
}

#[test]
fn s3_objects_are_measured_per_flow_log_and_unknowns_fail_closed() {
    let mut inv = inventory();
    let region = testkit::region_mut(&mut inv);
    region
        .flow_logs
        .push(s3_flow_log("fl-s3", "vpc-b", "logs-bucket"));
    inv.accounts[0].s3_buckets.push(crate::model::S3Bucket {
        object_volume: Some(ObjectVolume {
            days: 10,
            by_flow_log: [("fl-s3".to_string(), 1024 * 1024 * 1024)].into(),
        }),
        expiration_days: Some(90),
        ..testkit::bucket("logs-bucket")
    });
    let r = report(&inv);
    let b = vpc_cost(&r, "vpc-b");
    let f = &b.flow_logs[0];
    assert_eq!(f.basis, Basis::Measured);
    // 1 GB stored in 10 days, 8 GB uncompressed: 24 GB a month.
    close(f.gb_per_month, 24.0);
    close(f.cost.delivery, 24.0 * 0.25);
    close(f.cost.storage, 3.0 * 3.0 * 0.023);

    // A region without prices and an unknown destination are errors, not zeros.
    let mut inv = inventory();
    inv.accounts[0].regions[1].region = "eu-west-1".to_string();
    testkit::region_mut(&mut inv).flow_logs[0].destination_type =
        DestinationType::Other("carrier-pigeon".to_string());
    let r = report(&inv);
    let c = vpc_cost(&r, "vpc-c");
    assert!(c
        .error
        .as_deref()
        .unwrap_or_default()
        .contains("no price for region eu-west-1"));
    let a = vpc_cost(&r, "vpc-a");
    assert!(
        a.error
            .as_deref()
            .unwrap_or_default()
            .contains("carrier-pigeon"),
        "{:?}",
        a.error
    );
    assert_eq!(r.total.unpriced, 2);
}

#[test]
fn a_failed_measurement_is_an_error_and_unread_regions_are_named() {
    let mut inv = inventory();
    let region = testkit::region_mut(&mut inv);
    region.log_groups[0].incoming_bytes = None;
    region.log_groups[0].volume_error = Some("cloudwatch:GetMetricData: AccessDenied".to_string());
    inv.accounts[0].regions[1].error = Some("ec2:DescribeVpcs: timeout".to_string());
    let r = report(&inv);
    let a = vpc_cost(&r, "vpc-a");
    assert!(
        a.error
            .as_deref()
            .unwrap_or_default()
            .contains("AccessDenied"),
        "{:?}",
        a.error
    );
    assert_eq!(r.errors.len(), 1);
    assert!(r.errors[0].contains("ap-northeast-1"), "{:?}", r.errors);
}

#[test]
fn without_measurements_the_default_rate_is_named() {
    let mut inv = inventory();
    testkit::region_mut(&mut inv).log_groups[0].incoming_bytes = None;
    let r = report(&inv);
    let b = vpc_cost(&r, "vpc-b");
    let v = b.volume.as_ref().unwrap_or_else(|| panic!("no volume"));
    assert_eq!(v.basis, Basis::Default);
    close(v.all_gb_per_month, 4.0 * 0.25);
    assert!(v.detail.contains("default"), "{}", v.detail);
    let a = vpc_cost(&r, "vpc-a");
    assert_eq!(a.flow_logs[0].basis, Basis::Default);
}

#[test]
fn a_missing_destination_costs_nothing_and_is_not_a_traffic_measure() {
    let mut inv = inventory();
    let region = testkit::region_mut(&mut inv);
    region.log_groups[0].exists = false;
    region.log_groups[0].incoming_bytes = None;
    let r = report(&inv);
    let a = vpc_cost(&r, "vpc-a");
    close(a.current_monthly, 0.0);
    assert_eq!(a.flow_logs[0].basis, Basis::Measured);
    // vpc-b's estimate does not come from a zero that measured nothing.
    let b = vpc_cost(&r, "vpc-b");
    assert_eq!(b.volume.as_ref().map(|v| v.basis), Some(Basis::Default));
}
