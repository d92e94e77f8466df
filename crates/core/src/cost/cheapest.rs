//! `--fix-destination cheapest`: the destination whose new flow logs cost the
//! least a month over every VPC the fix plan would log, at the plan's traffic
//! type and retention.

use std::collections::BTreeMap;

use super::{estimate, Prices};
use crate::model::Inventory;
use crate::remediation::NewDestination;
use crate::settings::Settings;

/// The destinations compared, with their monthly totals (cheapest first), and
/// the one chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub destination: NewDestination,
    /// (label, monthly total) per destination, cheapest first.
    pub totals: Vec<(String, f64)>,
    /// VPCs the fix plan would log (priced ones).
    pub vpcs: usize,
}

/// Chooses among a log group per VPC and `bucket_arn` (text or Parquet).
pub fn choose(
    inventory: &Inventory,
    prices: &Prices,
    settings: &Settings,
    bucket_arn: &str,
    hourly_partitions: bool,
) -> Choice {
    let report = estimate(inventory, prices, settings);
    let traffic = settings.remediation.traffic_type.as_str();
    let mut totals: BTreeMap<(String, bool), f64> = BTreeMap::new();
    let mut vpcs = 0;
    for v in report
        .vpcs
        .iter()
        .filter(|v| !v.covered && v.error.is_none())
    {
        vpcs += 1;
        // Plans create flow logs, not lifecycle transitions: no archive option.
        for o in v
            .options
            .iter()
            .filter(|o| o.traffic_type == traffic && !o.archive)
        {
            *totals
                .entry((o.destination.clone(), o.parquet))
                .or_default() += o.cost.total;
        }
    }
    let mut ranked: Vec<((String, bool), f64)> = totals.into_iter().collect();
    // Cheapest first; on a tie the log group, then text before Parquet.
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    let destination = match ranked.first() {
        Some(((d, parquet), _)) if d == "s3" => NewDestination::S3 {
            bucket_arn: bucket_arn.to_string(),
            parquet: *parquet,
            hourly_partitions,
        },
        _ => NewDestination::CloudWatchLogs,
    };
    Choice {
        destination,
        totals: ranked
            .into_iter()
            .map(|((d, parquet), total)| {
                (if parquet { "s3 parquet".to_string() } else { d }, total)
            })
            .collect(),
        vpcs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{self, flow_log, vpc};
    use crate::model::Measured;

    #[test]
    fn s3_text_wins_at_the_built_in_prices_and_the_log_group_when_s3_costs_more() {
        let mut inv = testkit::inventory(
            vec![vpc("vpc-a"), vpc("vpc-b")],
            vec![flow_log("fl-a", "vpc-a")],
        );
        let region = testkit::region_mut(&mut inv);
        region.region = "us-east-1".to_string();
        region.log_groups[0].incoming_bytes = Some(Measured {
            days: 30,
            bytes: 30 << 30,
        });
        let prices = Prices::built_in().unwrap_or_else(|e| panic!("{e}"));
        let settings = Settings::default();
        let choice = choose(&inv, &prices, &settings, "arn:aws:s3:::b", false);
        assert_eq!(choice.vpcs, 1);
        assert_eq!(
            choice.destination,
            NewDestination::S3 {
                bucket_arn: "arn:aws:s3:::b".to_string(),
                parquet: false,
                hourly_partitions: false
            }
        );
        assert_eq!(choice.totals.len(), 3);
        assert_eq!(choice.totals[0].0, "s3");

        let file =
            super::super::prices::parse("[regions.us-east-1]\ns3_delivery = [{ per_gb = 5.0 }]\n")
                .unwrap_or_else(|e| panic!("{e:?}"));
        let dear = Prices::with_file(file, "p.toml").unwrap_or_else(|e| panic!("{e}"));
        let choice = choose(&inv, &dear, &settings, "arn:aws:s3:::b", false);
        assert_eq!(choice.destination, NewDestination::CloudWatchLogs);
    }
}
