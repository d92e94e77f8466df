//! `flowaudit cost`: what flow logging costs per VPC now, after the fix plan,
//! and the cheapest way to the same coverage. Pure: the inventory (with the
//! volumes a `cost` scan measures) and a price table in, a [`CostReport`] out.
//!
//! The formulas are in the README ("What flow logging costs"); in short, per
//! month and in GB of uncompressed records:
//! - delivery: the vended-log tiers of the destination class, applied to the
//!   account's monthly total in the region; each flow log pays the average rate
//!   of that total, and an option not in place yet pays what adding its volume
//!   to the total costs;
//! - storage: the volume stored (compressed at the assumed gzip ratio; Parquet
//!   at its relative size) times the months it is kept, times the storage price;
//! - Parquet conversion: the volume times its price.

pub mod cheapest;
pub mod prices;
mod volume;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{DestinationType, Inventory, TrafficType};
use crate::remediation::NewDestination;
use crate::settings::{RequiredTrafficType, Settings};
pub use prices::{Assumptions, Prices, RegionPrices, DAYS_PER_MONTH, GB};
pub use volume::{Basis, FlowLogVolume, Volume};

/// The schema identifier of the JSON cost report.
pub const COST_SCHEMA: &str = "flowaudit.cost/v1";

/// What flow logging costs, per VPC and in total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostReport {
    pub schema: String,
    pub collected_at: DateTime<Utc>,
    pub prices: PriceInfo,
    pub assumptions: Assumptions,
    pub vpcs: Vec<VpcCost>,
    /// Regions (or accounts) that could not be read: their VPCs are unknown.
    pub errors: Vec<String>,
    pub accounts: Vec<Totals>,
    pub total: Totals,
    /// API calls of the scan (`--stats`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<crate::stats::ApiStats>,
}

/// Which price table was applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceInfo {
    pub date: String,
    pub currency: String,
    pub source: String,
    /// The prices file that overrode built-in keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// One VPC's flow-logging cost per month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VpcCost {
    pub account_id: String,
    pub region: String,
    pub vpc_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub network_interfaces: Option<u32>,
    /// Whether an ACTIVE VPC-level flow log captures the traffic the control
    /// requires (ALL, or REJECT where that suffices) into a destination that is
    /// not known to be gone.
    pub covered: bool,
    /// Monthly volume of its traffic as ALL and REJECT-only flow logs would
    /// capture it, and where the figure comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<Volume>,
    /// Each flow log of the VPC (any level) and what it costs now.
    pub flow_logs: Vec<FlowLogCost>,
    pub current_monthly: f64,
    /// The flow log the fix plan adds (`None` when the VPC is covered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_fix: Option<Plan>,
    pub after_fix_monthly: f64,
    /// Every way to cover the VPC, priced; the cheapest compliant one marked.
    pub options: Vec<Plan>,
    /// The monthly cost of full coverage the cheapest compliant way.
    pub cheapest_monthly: f64,
    /// Why the VPC could not be priced (no figures are given then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One existing flow log's monthly cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowLogCost {
    pub flow_log_id: String,
    pub resource_id: String,
    pub destination: String,
    pub traffic_type: String,
    pub gb_per_month: f64,
    pub basis: Basis,
    pub detail: String,
    pub cost: Lines,
    /// What is not counted or could not be priced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A way to log the VPC, priced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// `cloud-watch-logs ALL 365 d`, `s3 parquet REJECT 365 d`,
    /// `s3 archive after 30 d ALL 365 d`, …
    pub label: String,
    pub destination: String,
    pub parquet: bool,
    /// S3 objects move to the archive class after the assumed days.
    #[serde(default)]
    pub archive: bool,
    pub traffic_type: String,
    pub retention_days: u32,
    pub gb_per_month: f64,
    pub cost: Lines,
    /// Whether it meets the control as configured (traffic type, retention).
    pub compliant: bool,
    /// Whether it is the cheapest compliant option for this VPC.
    pub cheapest: bool,
    /// What `analyze` or the team loses with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loses: Option<String>,
}

/// Monthly cost lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Lines {
    pub delivery: f64,
    pub conversion: f64,
    pub storage: f64,
    pub total: f64,
}

impl Lines {
    fn new(delivery: f64, conversion: f64, storage: f64) -> Lines {
        Lines {
            delivery,
            conversion,
            storage,
            total: delivery + conversion + storage,
        }
    }
}

/// Monthly and yearly totals of an account or of everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    pub vpcs: usize,
    /// VPCs that could not be priced (not in the sums).
    pub unpriced: usize,
    pub current_monthly: f64,
    pub after_fix_monthly: f64,
    pub cheapest_monthly: f64,
    pub current_yearly: f64,
    pub after_fix_yearly: f64,
    pub cheapest_yearly: f64,
}

impl Totals {
    fn add(&mut self, v: &VpcCost) {
        self.vpcs += 1;
        if v.error.is_some() {
            self.unpriced += 1;
            return;
        }
        self.current_monthly += v.current_monthly;
        self.after_fix_monthly += v.after_fix_monthly;
        self.cheapest_monthly += v.cheapest_monthly;
        self.current_yearly = self.current_monthly * 12.0;
        self.after_fix_yearly = self.after_fix_monthly * 12.0;
        self.cheapest_yearly = self.cheapest_monthly * 12.0;
    }
}

/// Where a flow log's delivery is billed: the vended-log tiers it counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    CloudWatchLogs,
    /// S3 and Kinesis Data Firehose share the "delivered to S3 / Firehose" tiers.
    S3,
}

impl Class {
    fn of(destination: &DestinationType) -> Option<Class> {
        match destination {
            DestinationType::CloudWatchLogs => Some(Class::CloudWatchLogs),
            DestinationType::S3 | DestinationType::KinesisDataFirehose => Some(Class::S3),
            DestinationType::Other(_) => None,
        }
    }

    fn tiers(self, p: &RegionPrices) -> &prices::Tiers {
        match self {
            Class::CloudWatchLogs => &p.cloudwatch_logs_delivery,
            Class::S3 => &p.s3_delivery,
        }
    }
}

/// Prices every VPC of the inventory.
pub fn estimate(inventory: &Inventory, prices: &Prices, settings: &Settings) -> CostReport {
    let a = &prices.assumptions;
    let volumes = volume::measure(inventory, a);
    let mut vpcs = Vec::new();
    let mut errors = Vec::new();
    for account in &inventory.accounts {
        if let Some(why) = &account.error {
            errors.push(format!("account {}: not read: {why}", account.account_id));
        }
        for region in &account.regions {
            if let Some(why) = &region.error {
                errors.push(format!(
                    "account {} region {}: not read: {why}",
                    account.account_id, region.region
                ));
                continue;
            }
            let region_prices = prices.region(&region.region);
            // The month's delivered volume per class in this account and region.
            let mut totals: BTreeMap<Class, f64> = BTreeMap::new();
            let per_vpc: Vec<Result<Vec<FlowLogVolume>, String>> = region
                .vpcs
                .iter()
                .map(|vpc| volumes.flow_logs_of(account, region, vpc))
                .collect();
            for v in per_vpc.iter().flatten().flatten() {
                if let Some(class) = Class::of(&v.flow_log.destination_type) {
                    *totals.entry(class).or_default() += v.gb;
                }
            }
            for (vpc, flow_logs) in region.vpcs.iter().zip(per_vpc) {
                let mut cost = VpcCost {
                    account_id: account.account_id.clone(),
                    region: region.region.clone(),
                    vpc_id: vpc.vpc_id.clone(),
                    name: vpc.name().map(str::to_string),
                    network_interfaces: vpc.network_interface_count,
                    covered: region.flow_logs.iter().any(|f| {
                        f.resource_id == vpc.vpc_id
                            && f.is_active()
                            && captures(&f.traffic_type, settings)
                            && !volumes.destination_gone(account, region, f)
                    }),
                    volume: None,
                    flow_logs: Vec::new(),
                    current_monthly: 0.0,
                    after_fix: None,
                    after_fix_monthly: 0.0,
                    options: Vec::new(),
                    cheapest_monthly: 0.0,
                    error: None,
                };
                let p = match &region_prices {
                    Ok(p) => p,
                    Err(why) => {
                        cost.error = Some(why.clone());
                        vpcs.push(cost);
                        continue;
                    }
                };
                let volume = match volumes
                    .vpc(account, region, vpc)
                    .and_then(|v| Ok((v, flow_logs?)))
                {
                    Ok(v) => v,
                    Err(why) => {
                        cost.error = Some(why);
                        vpcs.push(cost);
                        continue;
                    }
                };
                let (volume, flow_logs) = volume;
                let storage_months = |days: Option<u32>| {
                    days.map_or(f64::from(a.months_kept_without_expiry), |d| {
                        f64::from(d) / DAYS_PER_MONTH
                    })
                };
                for FlowLogVolume {
                    flow_log,
                    gb,
                    basis,
                    detail,
                } in flow_logs
                {
                    let Some(class) = Class::of(&flow_log.destination_type) else {
                        cost.error = Some(format!(
                            "flow log {} delivers to `{}`, a destination type flowaudit cannot price",
                            flow_log.flow_log_id,
                            flow_log.destination_type.as_str()
                        ));
                        break;
                    };
                    let total = totals.get(&class).copied().unwrap_or(0.0);
                    let tiers = class.tiers(p);
                    let rate = if total > 0.0 {
                        tiers.cost(total) / total
                    } else {
                        0.0
                    };
                    let stored_gb = gb / a.gzip_ratio;
                    let (storage, note) = match flow_log.destination_type {
                        DestinationType::CloudWatchLogs => {
                            let days = volumes.retention_of(region, flow_log);
                            (
                                stored_gb * storage_months(days) * p.cloudwatch_logs_storage_per_gb_month,
                                None,
                            )
                        }
                        DestinationType::S3 => {
                            let days = volumes.expiration_of(account, flow_log);
                            (stored_gb * storage_months(days) * p.s3_storage_per_gb_month, None)
                        }
                        _ => (
                            0.0,
                            Some("Kinesis Data Firehose and its destination bill separately: only the delivery is counted".to_string()),
                        ),
                    };
                    let lines = Lines::new(gb * rate, 0.0, storage);
                    cost.current_monthly += lines.total;
                    cost.flow_logs.push(FlowLogCost {
                        flow_log_id: flow_log.flow_log_id.clone(),
                        resource_id: flow_log.resource_id.clone(),
                        destination: flow_log.destination_type.as_str().to_string(),
                        traffic_type: flow_log.traffic_type.as_str().to_string(),
                        gb_per_month: gb,
                        basis,
                        detail,
                        cost: lines,
                        note,
                    });
                }
                if cost.error.is_some() {
                    vpcs.push(cost);
                    continue;
                }
                let options_of = |way: &Way| plan(way, &volume, (p, a), &totals, settings);
                let mut options: Vec<Plan> = Way::all().iter().map(options_of).collect();
                let cheapest = options
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| o.compliant)
                    .min_by(|(_, x), (_, y)| x.cost.total.total_cmp(&y.cost.total))
                    .map(|(i, _)| i);
                if let Some(i) = cheapest {
                    options[i].cheapest = true;
                }
                let cheapest_total = cheapest.map(|i| options[i].cost.total);
                if cost.covered {
                    cost.after_fix_monthly = cost.current_monthly;
                    cost.cheapest_monthly = cheapest_total
                        .map_or(cost.current_monthly, |c| c.min(cost.current_monthly));
                } else {
                    let (destination, parquet) = match &settings.remediation.destination {
                        NewDestination::CloudWatchLogs => (DestinationType::CloudWatchLogs, false),
                        NewDestination::S3 { parquet, .. } => (DestinationType::S3, *parquet),
                    };
                    let fix = options_of(&Way {
                        destination,
                        parquet,
                        archive: false,
                        traffic: settings.remediation.traffic_type.clone(),
                    });
                    cost.after_fix_monthly = cost.current_monthly + fix.cost.total;
                    cost.cheapest_monthly =
                        cost.current_monthly + cheapest_total.unwrap_or(fix.cost.total);
                    cost.after_fix = Some(fix);
                }
                cost.options = options;
                cost.volume = Some(volume);
                vpcs.push(cost);
            }
        }
    }
    let mut accounts: BTreeMap<&str, Totals> = BTreeMap::new();
    let mut total = Totals::default();
    for v in &vpcs {
        let t = accounts.entry(&v.account_id).or_insert_with(|| Totals {
            account_id: Some(v.account_id.clone()),
            ..Totals::default()
        });
        t.add(v);
        total.add(v);
    }
    let accounts = accounts.into_values().collect();
    CostReport {
        schema: COST_SCHEMA.to_string(),
        collected_at: inventory.collected_at,
        prices: PriceInfo {
            date: prices.date.clone(),
            currency: prices.currency.clone(),
            source: prices.source.clone(),
            file: prices.file.clone(),
        },
        assumptions: prices.assumptions.clone(),
        vpcs,
        errors,
        accounts,
        total,
        stats: None,
    }
}

/// Whether a flow log of this traffic type meets the control as configured.
fn captures(traffic: &TrafficType, settings: &Settings) -> bool {
    match settings.required_traffic_type {
        RequiredTrafficType::All => *traffic == TrafficType::All,
        RequiredTrafficType::Reject => matches!(traffic, TrafficType::All | TrafficType::Reject),
    }
}

/// A way to log a VPC: destination, format, storage class, traffic type.
#[derive(Debug, Clone, PartialEq)]
struct Way {
    destination: DestinationType,
    parquet: bool,
    /// S3 objects move to the archive class after the assumed days.
    archive: bool,
    traffic: TrafficType,
}

impl Way {
    /// Every way `cost` compares, in the order it lists them.
    fn all() -> Vec<Way> {
        let mut ways = Vec::new();
        for (destination, parquet, archive) in [
            (DestinationType::CloudWatchLogs, false, false),
            (DestinationType::S3, false, false),
            (DestinationType::S3, true, false),
            (DestinationType::S3, false, true),
        ] {
            for traffic in [TrafficType::All, TrafficType::Reject] {
                ways.push(Way {
                    destination: destination.clone(),
                    parquet,
                    archive,
                    traffic,
                });
            }
        }
        ways
    }
}

/// One way to log a VPC, priced as added to the account's month in the region.
fn plan(
    way: &Way,
    volume: &Volume,
    prices: (&RegionPrices, &Assumptions),
    totals: &BTreeMap<Class, f64>,
    settings: &Settings,
) -> Plan {
    let (p, a) = prices;
    let retention_days = settings.remediation.retention_days;
    let gb = match way.traffic {
        TrafficType::Reject => volume.reject_gb_per_month,
        _ => volume.all_gb_per_month,
    };
    let class = Class::of(&way.destination).unwrap_or(Class::S3);
    let base = totals.get(&class).copied().unwrap_or(0.0);
    let delivery = class.tiers(p).marginal(base, gb);
    let months = f64::from(retention_days) / DAYS_PER_MONTH;
    let stored = gb / a.gzip_ratio;
    let (conversion, storage) = match (class, way.parquet, way.archive) {
        (Class::CloudWatchLogs, _, _) => (
            0.0,
            stored * months * p.cloudwatch_logs_storage_per_gb_month,
        ),
        (Class::S3, true, _) => (
            gb * p.parquet_conversion_per_gb,
            stored * a.parquet_size * months * p.s3_storage_per_gb_month,
        ),
        (Class::S3, false, false) => (0.0, stored * months * p.s3_storage_per_gb_month),
        (Class::S3, false, true) => {
            let standard = f64::from(a.archive_after_days.min(retention_days)) / DAYS_PER_MONTH;
            (
                0.0,
                stored
                    * (standard * p.s3_storage_per_gb_month
                        + (months - standard) * p.s3_archive_per_gb_month),
            )
        }
    };
    let compliant =
        captures(&way.traffic, settings) && retention_days >= settings.min_retention_days;
    let mut loses = Vec::new();
    if way.traffic == TrafficType::Reject {
        loses.push(
            "accepted traffic: analyze cannot see exfiltration, lateral movement or exposure",
        );
    }
    if class == Class::S3 {
        loses.push(
            "CloudWatch Logs Insights, metric filters and subscriptions (analyze reads the bucket)",
        );
    }
    if way.archive {
        loses.push("cheap reads of the archived objects (retrieval is billed per GB)");
    }
    let kind = match (class, way.parquet, way.archive) {
        (Class::CloudWatchLogs, _, _) => way.destination.as_str().to_string(),
        (_, true, _) => "s3 parquet".to_string(),
        (_, false, true) => format!("s3 archive after {} d", a.archive_after_days),
        (_, false, false) => "s3".to_string(),
    };
    Plan {
        label: format!("{kind} {} {retention_days} d", way.traffic.as_str()),
        destination: way.destination.as_str().to_string(),
        parquet: way.parquet,
        archive: way.archive,
        traffic_type: way.traffic.as_str().to_string(),
        retention_days,
        gb_per_month: gb,
        cost: Lines::new(delivery, conversion, storage),
        compliant,
        cheapest: false,
        loses: (!loses.is_empty()).then(|| loses.join("; ")),
    }
}

#[cfg(test)]
mod tests;
