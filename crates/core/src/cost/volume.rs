//! How much each flow log delivers a month, and how much each VPC would:
//! measured where a `cost` scan measured it, estimated from comparable flow logs
//! of the same account, or from the default rate; every figure says which.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::prices::{Assumptions, DAYS_PER_MONTH, GB};
use crate::model::{
    AccountInventory, DestinationType, FlowLog, Inventory, RegionInventory, TrafficType, Vpc,
};

/// Where a volume comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// Bytes AWS reported for this flow log's destination.
    Measured,
    /// Derived from measured flow logs (of this VPC or comparable ones).
    Estimated,
    /// The default per-interface rate of the price table.
    Default,
}

/// A VPC's monthly volume, uncompressed GB, as ALL and REJECT-only flow logs
/// would capture it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Volume {
    pub all_gb_per_month: f64,
    pub reject_gb_per_month: f64,
    pub basis: Basis,
    pub detail: String,
}

/// One flow log's monthly volume and where it comes from.
pub struct FlowLogVolume<'b> {
    pub flow_log: &'b FlowLog,
    pub gb: f64,
    pub basis: Basis,
    pub detail: String,
}

/// One flow log's measurement.
#[derive(Debug, Clone)]
enum Measurement {
    /// `traffic`: whether the figure measures the traffic (false when nothing
    /// could be delivered: a missing destination costs nothing but says nothing
    /// about the VPC's volume).
    Measured {
        gb: f64,
        detail: String,
        traffic: bool,
    },
    /// Nothing was measured (an inventory without volumes, Firehose, a group in
    /// another account): the VPC's estimate stands in.
    Unmeasured,
    Failed(String),
}

/// Per account: GB per interface-month of its VPCs measured with ALL flow logs.
struct Rate {
    gb_per_interface: f64,
    flow_logs: Vec<String>,
}

/// Every flow log's measurement and each account's comparable rate.
pub struct Volumes<'a> {
    assumptions: &'a Assumptions,
    measured: BTreeMap<(String, String, String), Measurement>,
    rates: BTreeMap<&'a str, Rate>,
}

/// Measures every flow log of the inventory.
pub fn measure<'a>(inventory: &'a Inventory, assumptions: &'a Assumptions) -> Volumes<'a> {
    let mut volumes = Volumes {
        assumptions,
        measured: BTreeMap::new(),
        rates: BTreeMap::new(),
    };
    for account in &inventory.accounts {
        for region in &account.regions {
            for flow_log in &region.flow_logs {
                let m = measure_one(account, region, flow_log, assumptions);
                volumes.measured.insert(
                    (
                        account.account_id.clone(),
                        region.region.clone(),
                        flow_log.flow_log_id.clone(),
                    ),
                    m,
                );
            }
        }
    }
    for account in &inventory.accounts {
        let mut gb = 0.0;
        let mut interfaces = 0u64;
        let mut flow_logs = Vec::new();
        for region in &account.regions {
            for vpc in &region.vpcs {
                let (Some(n), Some((all, id))) = (
                    vpc.network_interface_count.filter(|n| *n > 0),
                    volumes.direct_all(account, region, vpc),
                ) else {
                    continue;
                };
                gb += all;
                interfaces += u64::from(n);
                flow_logs.push(id.to_string());
            }
        }
        if interfaces > 0 {
            volumes.rates.insert(
                &account.account_id,
                Rate {
                    gb_per_interface: gb / interfaces as f64,
                    flow_logs,
                },
            );
        }
    }
    volumes
}

fn measure_one(
    account: &AccountInventory,
    region: &RegionInventory,
    flow_log: &FlowLog,
    a: &Assumptions,
) -> Measurement {
    let monthly = |bytes: f64, days: u32| bytes / GB * DAYS_PER_MONTH / f64::from(days.max(1));
    match flow_log.destination_type {
        DestinationType::CloudWatchLogs => {
            let Some(name) = flow_log.cloudwatch_log_group() else {
                return Measurement::Failed(format!(
                    "flow log {} names no log group",
                    flow_log.flow_log_id
                ));
            };
            let Some(group) = region.log_groups.iter().find(|g| g.log_group_name == name) else {
                return Measurement::Unmeasured;
            };
            if let Some(why) = group.error.as_ref().or(group.volume_error.as_ref()) {
                return Measurement::Failed(format!(
                    "log group {name} could not be measured: {why}"
                ));
            }
            if !group.exists {
                return Measurement::Measured {
                    gb: 0.0,
                    detail: format!("log group {name} does not exist: nothing is delivered"),
                    traffic: false,
                };
            }
            let Some(m) = &group.incoming_bytes else {
                return Measurement::Unmeasured;
            };
            shared(
                region,
                m,
                &format!("IncomingBytes of log group {name}"),
                |f| f.cloudwatch_log_group().as_deref() == Some(name.as_str()),
            )
        }
        DestinationType::S3 => {
            let Some(name) = flow_log.s3_bucket() else {
                return Measurement::Failed(format!(
                    "flow log {} names no bucket",
                    flow_log.flow_log_id
                ));
            };
            let Some(bucket) = account.s3_buckets.iter().find(|b| b.bucket_name == name) else {
                return Measurement::Unmeasured;
            };
            if let Some(why) = bucket.error.as_ref().or(bucket.volume_error.as_ref()) {
                return Measurement::Failed(format!("bucket {name} could not be measured: {why}"));
            }
            if !bucket.exists {
                return Measurement::Measured {
                    gb: 0.0,
                    detail: format!("bucket {name} does not exist: nothing is delivered"),
                    traffic: false,
                };
            }
            let Some(v) = &bucket.object_volume else {
                return Measurement::Unmeasured;
            };
            let bytes = v
                .by_flow_log
                .get(&flow_log.flow_log_id)
                .copied()
                .unwrap_or(0);
            Measurement::Measured {
                gb: monthly(bytes as f64 * a.gzip_ratio, v.days),
                detail: format!(
                    "{bytes} bytes of its objects in bucket {name} in {} days, uncompressed at the assumed gzip ratio {}",
                    v.days, a.gzip_ratio
                ),
                traffic: true,
            }
        }
        DestinationType::KinesisDataFirehose => {
            let Some(name) = flow_log.firehose_stream() else {
                return Measurement::Failed(format!(
                    "flow log {} names no delivery stream",
                    flow_log.flow_log_id
                ));
            };
            let Some(stream) = region.firehose_streams.iter().find(|s| s.name == name) else {
                return Measurement::Unmeasured;
            };
            if let Some(why) = &stream.volume_error {
                return Measurement::Failed(format!(
                    "delivery stream {name} could not be measured: {why}"
                ));
            }
            let Some(m) = &stream.incoming_bytes else {
                return Measurement::Unmeasured;
            };
            shared(
                region,
                m,
                &format!("IncomingBytes of delivery stream {name} (every source of the stream)"),
                |f| f.firehose_stream().as_deref() == Some(name.as_str()),
            )
        }
        DestinationType::Other(_) => Measurement::Unmeasured,
    }
}

/// Bytes a destination received in a window, split evenly among the flow logs
/// of the region that deliver to it.
fn shared(
    region: &RegionInventory,
    m: &crate::model::Measured,
    what: &str,
    delivers: impl Fn(&FlowLog) -> bool,
) -> Measurement {
    let sharers = region
        .flow_logs
        .iter()
        .filter(|f| delivers(f))
        .count()
        .max(1);
    let mut detail = format!("{what}: {} bytes in {} days", m.bytes, m.days);
    if sharers > 1 {
        detail.push_str(&format!(
            ", split evenly among the {sharers} flow logs that deliver to it"
        ));
    }
    Measurement::Measured {
        gb: m.bytes as f64 / sharers as f64 / GB * DAYS_PER_MONTH / f64::from(m.days.max(1)),
        detail,
        traffic: true,
    }
}

impl<'a> Volumes<'a> {
    fn get(
        &self,
        account: &AccountInventory,
        region: &RegionInventory,
        flow_log: &FlowLog,
    ) -> &Measurement {
        self.measured
            .get(&(
                account.account_id.clone(),
                region.region.clone(),
                flow_log.flow_log_id.clone(),
            ))
            .unwrap_or(&Measurement::Unmeasured)
    }

    /// The largest measured ALL flow log attached to the VPC itself.
    fn direct_all<'b>(
        &self,
        account: &AccountInventory,
        region: &'b RegionInventory,
        vpc: &Vpc,
    ) -> Option<(f64, &'b str)> {
        self.direct(account, region, vpc, &TrafficType::All)
            .map(|(gb, f, _)| (gb, f.flow_log_id.as_str()))
    }

    fn direct<'b>(
        &self,
        account: &AccountInventory,
        region: &'b RegionInventory,
        vpc: &Vpc,
        traffic: &TrafficType,
    ) -> Option<(f64, &'b FlowLog, String)> {
        region
            .flow_logs
            .iter()
            .filter(|f| f.resource_id == vpc.vpc_id && &f.traffic_type == traffic)
            .filter_map(|f| match self.get(account, region, f) {
                Measurement::Measured {
                    gb,
                    detail,
                    traffic: true,
                } => Some((*gb, f, detail.clone())),
                _ => None,
            })
            .max_by(|x, y| x.0.total_cmp(&y.0))
    }

    /// Whether the flow log's destination is known to be gone (it delivers
    /// nothing until the fix plan re-creates it).
    pub fn destination_gone(
        &self,
        account: &AccountInventory,
        region: &RegionInventory,
        flow_log: &FlowLog,
    ) -> bool {
        matches!(
            self.get(account, region, flow_log),
            Measurement::Measured { traffic: false, .. }
        )
    }

    /// The VPC's monthly volume.
    pub fn vpc(
        &self,
        account: &AccountInventory,
        region: &RegionInventory,
        vpc: &Vpc,
    ) -> Result<Volume, String> {
        let share = self.assumptions.reject_share;
        if let Some((gb, f, detail)) = self.direct(account, region, vpc, &TrafficType::All) {
            let reject = self.direct(account, region, vpc, &TrafficType::Reject);
            return Ok(Volume {
                all_gb_per_month: gb,
                reject_gb_per_month: reject.map_or(gb * share, |r| r.0),
                basis: Basis::Measured,
                detail: format!("flow log {}: {detail}", f.flow_log_id),
            });
        }
        if let Some((gb, f, detail)) = self.direct(account, region, vpc, &TrafficType::Reject) {
            if share > 0.0 {
                return Ok(Volume {
                    all_gb_per_month: gb / share,
                    reject_gb_per_month: gb,
                    basis: Basis::Estimated,
                    detail: format!(
                        "REJECT-only flow log {}: {detail}; ALL at the assumed REJECT share {share}",
                        f.flow_log_id
                    ),
                });
            }
        }
        let Some(n) = vpc.network_interface_count else {
            return Err(format!(
                "the number of network interfaces of {} was not collected: its volume cannot be estimated",
                vpc.vpc_id
            ));
        };
        let n = f64::from(n);
        let (per, basis, detail) = match self.rates.get(account.account_id.as_str()) {
            Some(rate) => (
                rate.gb_per_interface,
                Basis::Estimated,
                format!(
                    "{n} interface(s) at {:.4} GB per interface-month, measured on {} ALL flow log(s) of account {} ({})",
                    rate.gb_per_interface,
                    rate.flow_logs.len(),
                    account.account_id,
                    rate.flow_logs.join(", ")
                ),
            ),
            None => (
                self.assumptions.default_gb_per_interface_month,
                Basis::Default,
                format!(
                    "{n} interface(s) at the default {} GB per interface-month (no measured ALL flow log in account {})",
                    self.assumptions.default_gb_per_interface_month, account.account_id
                ),
            ),
        };
        Ok(Volume {
            all_gb_per_month: n * per,
            reject_gb_per_month: n * per * share,
            basis,
            detail,
        })
    }

    /// Each flow log attached to the VPC, its subnets or its interfaces, with
    /// its monthly volume (measured, or the VPC's estimate for its traffic type).
    pub fn flow_logs_of<'b>(
        &self,
        account: &AccountInventory,
        region: &'b RegionInventory,
        vpc: &Vpc,
    ) -> Result<Vec<FlowLogVolume<'b>>, String> {
        let subnets: BTreeSet<&str> = region
            .subnets
            .iter()
            .filter(|s| s.vpc_id == vpc.vpc_id)
            .map(|s| s.subnet_id.as_str())
            .collect();
        let interfaces: BTreeSet<&str> = region
            .network_interfaces
            .iter()
            .filter(|n| n.vpc_id == vpc.vpc_id)
            .map(|n| n.network_interface_id.as_str())
            .collect();
        let mut out = Vec::new();
        for f in region.flow_logs.iter().filter(|f| {
            f.resource_id == vpc.vpc_id
                || subnets.contains(f.resource_id.as_str())
                || interfaces.contains(f.resource_id.as_str())
        }) {
            match self.get(account, region, f) {
                Measurement::Measured { gb, detail, .. } => out.push(FlowLogVolume {
                    flow_log: f,
                    gb: *gb,
                    basis: Basis::Measured,
                    detail: detail.clone(),
                }),
                Measurement::Failed(why) => return Err(why.clone()),
                Measurement::Unmeasured => {
                    let v = self.vpc(account, region, vpc)?;
                    let gb = match f.traffic_type {
                        TrafficType::All => v.all_gb_per_month,
                        TrafficType::Reject => v.reject_gb_per_month,
                        TrafficType::Accept => v.all_gb_per_month - v.reject_gb_per_month,
                        TrafficType::Other(ref t) => {
                            return Err(format!(
                            "flow log {} has traffic type `{t}`, which flowaudit cannot estimate",
                            f.flow_log_id
                        ))
                        }
                    };
                    let basis = match v.basis {
                        Basis::Default => Basis::Default,
                        _ => Basis::Estimated,
                    };
                    out.push(FlowLogVolume {
                        flow_log: f,
                        gb,
                        basis,
                        detail: format!("not measured; the VPC's volume: {}", v.detail),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Retention of the flow log's log group (`None`: never expires).
    pub fn retention_of(&self, region: &RegionInventory, flow_log: &FlowLog) -> Option<u32> {
        let name = flow_log.cloudwatch_log_group()?;
        region
            .log_groups
            .iter()
            .find(|g| g.log_group_name == name)
            .and_then(|g| g.retention_in_days)
    }

    /// Lifecycle expiration of the flow log's bucket (`None`: never expires).
    pub fn expiration_of(&self, account: &AccountInventory, flow_log: &FlowLog) -> Option<u32> {
        let name = flow_log.s3_bucket()?;
        account
            .s3_buckets
            .iter()
            .find(|b| b.bucket_name == name)
            .and_then(|b| b.expiration_days)
    }
}
