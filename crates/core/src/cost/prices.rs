//! The price table `flowaudit cost` applies: built in (`prices.toml`, with its
//! date and source), any key overridable by a prices file of the same shape.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Deserializer, Serialize};

/// The built-in table.
pub const BUILT_IN: &str = include_str!("prices.toml");

/// Bytes in a GB, as AWS bills them.
pub const GB: f64 = 1_073_741_824.0;
/// Days in a month, for monthly figures from a window and months from days.
pub const DAYS_PER_MONTH: f64 = 30.0;
/// GB in a TB of a pricing tier.
const GB_PER_TB: f64 = 1024.0;

/// A prices file (and the built-in table): every key optional, so that a file
/// names only what it changes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceFile {
    pub date: Option<String>,
    pub currency: Option<String>,
    pub source: Option<String>,
    #[serde(default)]
    pub assumptions: AssumptionFile,
    #[serde(default)]
    pub regions: BTreeMap<String, RegionFile>,
}

/// `[assumptions]` of a prices file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssumptionFile {
    pub default_gb_per_interface_month: Option<Amount>,
    pub reject_share: Option<Share>,
    pub gzip_ratio: Option<Ratio>,
    pub parquet_size: Option<Ratio>,
    pub months_kept_without_expiry: Option<u32>,
    pub archive_after_days: Option<u32>,
}

/// `[regions.NAME]` of a prices file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionFile {
    pub cloudwatch_logs_delivery: Option<Tiers>,
    pub s3_delivery: Option<Tiers>,
    pub parquet_conversion_per_gb: Option<Amount>,
    pub cloudwatch_logs_storage_per_gb_month: Option<Amount>,
    pub s3_storage_per_gb_month: Option<Amount>,
    pub s3_archive_per_gb_month: Option<Amount>,
    pub athena_per_tb_scanned: Option<Amount>,
}

/// A number the table accepts only within bounds: deserialising checks them,
/// so an out-of-range value is an error at its line and column.
macro_rules! bounded {
    ($(#[$doc:meta])* $name:ident, $ok:expr, $expected:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub f64);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = f64::deserialize(d)?;
                let ok: fn(f64) -> bool = $ok;
                if ok(v) {
                    Ok($name(v))
                } else {
                    Err(serde::de::Error::custom(format!(
                        concat!("expected ", $expected, ", found {}"),
                        v
                    )))
                }
            }
        }
    };
}

bounded!(
    /// An amount of money or volume: finite and not negative.
    Amount,
    |v| v.is_finite() && v >= 0.0,
    "an amount of at least 0"
);
bounded!(
    /// A share between 0 and 1.
    Share,
    |v| (0.0..=1.0).contains(&v),
    "a share from 0 to 1"
);
bounded!(
    /// A ratio above 0.
    Ratio,
    |v| v.is_finite() && v > 0.0,
    "a ratio above 0"
);

/// One price tier: up to a month's cumulative volume (the last tier has no bound).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_to_tb: Option<Amount>,
    pub per_gb: Amount,
}

/// Tiers in rising order, the last one unbounded.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Tiers(pub Vec<Tier>);

impl<'de> Deserialize<'de> for Tiers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let tiers = Vec::<Tier>::deserialize(d)?;
        let bad = |why: &str| Err(serde::de::Error::custom(why.to_string()));
        let Some((last, rest)) = tiers.split_last() else {
            return bad("expected at least one tier");
        };
        if last.up_to_tb.is_some() {
            return bad(
                "the last tier must have no `up_to_tb` (it prices everything above the others)",
            );
        }
        let mut below = 0.0;
        for tier in rest {
            match tier.up_to_tb {
                Some(Amount(up)) if up > below => below = up,
                Some(_) => return bad("each tier's `up_to_tb` must be above the one before"),
                None => return bad("only the last tier may have no `up_to_tb`"),
            }
        }
        Ok(Tiers(tiers))
    }
}

impl Tiers {
    /// What `gb` in one month costs, each tier's price applied to the part of
    /// the volume within it.
    pub fn cost(&self, gb: f64) -> f64 {
        let mut cost = 0.0;
        let mut below = 0.0;
        for tier in &self.0 {
            let top = tier.up_to_tb.map_or(f64::INFINITY, |t| t.0 * GB_PER_TB);
            if gb > below {
                cost += (gb.min(top) - below) * tier.per_gb.0;
            }
            below = top;
        }
        cost
    }

    /// What adding `gb` to a month that already has `base` GB costs.
    pub fn marginal(&self, base: f64, gb: f64) -> f64 {
        self.cost(base + gb) - self.cost(base)
    }
}

/// One region's prices, every key resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionPrices {
    pub cloudwatch_logs_delivery: Tiers,
    pub s3_delivery: Tiers,
    pub parquet_conversion_per_gb: f64,
    pub cloudwatch_logs_storage_per_gb_month: f64,
    pub s3_storage_per_gb_month: f64,
    pub s3_archive_per_gb_month: f64,
    pub athena_per_tb_scanned: f64,
}

/// The assumptions, every key resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assumptions {
    pub default_gb_per_interface_month: f64,
    pub reject_share: f64,
    pub gzip_ratio: f64,
    pub parquet_size: f64,
    pub months_kept_without_expiry: u32,
    pub archive_after_days: u32,
}

/// The table in force: the built-in one with a file's keys over it.
#[derive(Debug, Clone)]
pub struct Prices {
    pub date: String,
    pub currency: String,
    pub source: String,
    /// The prices file that overrode keys, if any.
    pub file: Option<String>,
    pub assumptions: Assumptions,
    regions: BTreeMap<String, RegionFile>,
}

/// A prices file that could not be read: the message, and where in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceError {
    pub message: String,
    pub span: Option<Range<usize>>,
}

/// Parses a prices file's text.
pub fn parse(text: &str) -> Result<PriceFile, PriceError> {
    toml::from_str(text).map_err(|e| PriceError {
        message: e.message().to_string(),
        span: e.span(),
    })
}

impl Prices {
    /// The built-in table.
    pub fn built_in() -> Result<Prices, String> {
        let file = parse(BUILT_IN).map_err(|e| format!("built-in prices: {}", e.message))?;
        Prices::resolve(PriceFile::default(), file, None)
    }

    /// The built-in table with `file`'s keys over it (`name` is the file's name).
    pub fn with_file(file: PriceFile, name: &str) -> Result<Prices, String> {
        let built_in = parse(BUILT_IN).map_err(|e| format!("built-in prices: {}", e.message))?;
        Prices::resolve(file, built_in, Some(name.to_string()))
    }

    fn resolve(over: PriceFile, base: PriceFile, name: Option<String>) -> Result<Prices, String> {
        let a = over.assumptions;
        let b = base.assumptions;
        let missing = |key: &str| format!("prices: `assumptions.{key}` is not given");
        let assumptions = Assumptions {
            default_gb_per_interface_month: a
                .default_gb_per_interface_month
                .or(b.default_gb_per_interface_month)
                .ok_or_else(|| missing("default_gb_per_interface_month"))?
                .0,
            reject_share: a
                .reject_share
                .or(b.reject_share)
                .ok_or_else(|| missing("reject_share"))?
                .0,
            gzip_ratio: a
                .gzip_ratio
                .or(b.gzip_ratio)
                .ok_or_else(|| missing("gzip_ratio"))?
                .0,
            parquet_size: a
                .parquet_size
                .or(b.parquet_size)
                .ok_or_else(|| missing("parquet_size"))?
                .0,
            months_kept_without_expiry: a
                .months_kept_without_expiry
                .or(b.months_kept_without_expiry)
                .ok_or_else(|| missing("months_kept_without_expiry"))?,
            archive_after_days: a
                .archive_after_days
                .or(b.archive_after_days)
                .ok_or_else(|| missing("archive_after_days"))?,
        };
        let mut regions = base.regions;
        for (name, region) in over.regions {
            let merged = match regions.remove(&name) {
                Some(b) => RegionFile {
                    cloudwatch_logs_delivery: region
                        .cloudwatch_logs_delivery
                        .or(b.cloudwatch_logs_delivery),
                    s3_delivery: region.s3_delivery.or(b.s3_delivery),
                    parquet_conversion_per_gb: region
                        .parquet_conversion_per_gb
                        .or(b.parquet_conversion_per_gb),
                    cloudwatch_logs_storage_per_gb_month: region
                        .cloudwatch_logs_storage_per_gb_month
                        .or(b.cloudwatch_logs_storage_per_gb_month),
                    s3_storage_per_gb_month: region
                        .s3_storage_per_gb_month
                        .or(b.s3_storage_per_gb_month),
                    s3_archive_per_gb_month: region
                        .s3_archive_per_gb_month
                        .or(b.s3_archive_per_gb_month),
                    athena_per_tb_scanned: region.athena_per_tb_scanned.or(b.athena_per_tb_scanned),
                },
                None => region,
            };
            regions.insert(name, merged);
        }
        let prices = Prices {
            date: over.date.or(base.date).unwrap_or_default(),
            currency: over
                .currency
                .or(base.currency)
                .unwrap_or_else(|| "USD".to_string()),
            source: over.source.or(base.source).unwrap_or_default(),
            file: name,
            assumptions,
            regions,
        };
        // A region the file adds must be complete: say so now, not per VPC.
        for region in prices.regions.keys() {
            prices.region(region)?;
        }
        Ok(prices)
    }

    /// The resolved prices of `region`, or why there are none.
    pub fn region(&self, region: &str) -> Result<RegionPrices, String> {
        let Some(r) = self.regions.get(region) else {
            return Err(format!(
                "no price for region {region} in the price table (built-in regions: {}); give its prices with --prices FILE",
                self.regions.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        };
        let missing = |key: &str| format!("prices: `regions.{region}.{key}` is not given");
        Ok(RegionPrices {
            cloudwatch_logs_delivery: r
                .cloudwatch_logs_delivery
                .clone()
                .ok_or_else(|| missing("cloudwatch_logs_delivery"))?,
            s3_delivery: r
                .s3_delivery
                .clone()
                .ok_or_else(|| missing("s3_delivery"))?,
            parquet_conversion_per_gb: r
                .parquet_conversion_per_gb
                .ok_or_else(|| missing("parquet_conversion_per_gb"))?
                .0,
            cloudwatch_logs_storage_per_gb_month: r
                .cloudwatch_logs_storage_per_gb_month
                .ok_or_else(|| missing("cloudwatch_logs_storage_per_gb_month"))?
                .0,
            s3_storage_per_gb_month: r
                .s3_storage_per_gb_month
                .ok_or_else(|| missing("s3_storage_per_gb_month"))?
                .0,
            s3_archive_per_gb_month: r
                .s3_archive_per_gb_month
                .ok_or_else(|| missing("s3_archive_per_gb_month"))?
                .0,
            athena_per_tb_scanned: r
                .athena_per_tb_scanned
                .ok_or_else(|| missing("athena_per_tb_scanned"))?
                .0,
        })
    }

    /// The regions the table prices.
    pub fn regions(&self) -> impl Iterator<Item = &str> {
        self.regions.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiers(text: &str) -> Tiers {
        #[derive(Deserialize)]
        struct T {
            t: Tiers,
        }
        toml::from_str::<T>(text)
            .unwrap_or_else(|e| panic!("{e}"))
            .t
    }

    #[test]
    fn the_built_in_table_reads_and_prices_its_regions() {
        let prices = Prices::built_in().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(prices.date, "2026-11-30");
        for region in ["us-east-1", "us-east-2", "us-west-2", "ap-northeast-1"] {
            assert!(prices.region(region).is_ok(), "{region}");
        }
        let none = prices.region("eu-west-1").err().unwrap_or_default();
        assert!(none.contains("no price for region eu-west-1"), "{none}");
        assert!(none.contains("--prices FILE"), "{none}");
    }

    #[test]
    fn tiers_apply_to_the_month_s_total() {
        let t = tiers("t = [{ up_to_tb = 10, per_gb = 0.5 }, { up_to_tb = 30, per_gb = 0.25 }, { per_gb = 0.05 }]");
        assert_eq!(t.cost(0.0), 0.0);
        assert_eq!(t.cost(100.0), 50.0);
        // 10 TB at 0.50, then 2,048 GB at 0.25.
        assert_eq!(t.cost(12.0 * 1024.0), 10.0 * 1024.0 * 0.5 + 2048.0 * 0.25);
        // Everything above 30 TB at 0.05.
        assert_eq!(
            t.cost(31.0 * 1024.0),
            10.0 * 1024.0 * 0.5 + 20.0 * 1024.0 * 0.25 + 1024.0 * 0.05
        );
        assert_eq!(t.marginal(10.0 * 1024.0, 1024.0), 1024.0 * 0.25);
    }

    #[test]
    fn bad_tiers_are_refused_where_they_are() {
        for (text, want) in [
            ("t = []", "at least one tier"),
            ("t = [{ up_to_tb = 10, per_gb = 1 }]", "last tier"),
            (
                "t = [{ up_to_tb = 10, per_gb = 1 }, { up_to_tb = 5, per_gb = 1 }, { per_gb = 1 }]",
                "above the one before",
            ),
            ("t = [{ per_gb = -1 }]", "at least 0"),
            ("t = [{ per_gb = 1, cost = 2 }]", "unknown field"),
        ] {
            #[derive(Debug, Deserialize)]
            #[allow(dead_code)]
            struct T {
                t: Tiers,
            }
            let err = toml::from_str::<T>(text)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains(want), "{text}: {err}");
        }
    }

    #[test]
    fn a_file_overrides_keys_and_adds_regions() {
        let file = parse(
            "[assumptions]\ngzip_ratio = 5\n[regions.us-east-1]\ns3_storage_per_gb_month = 0.02\n[regions.eu-west-1]\ncloudwatch_logs_delivery = [{ per_gb = 0.57 }]\ns3_delivery = [{ per_gb = 0.285 }]\nparquet_conversion_per_gb = 0.04\ncloudwatch_logs_storage_per_gb_month = 0.03\ns3_storage_per_gb_month = 0.023\ns3_archive_per_gb_month = 0.004\nathena_per_tb_scanned = 5\n",
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let prices = Prices::with_file(file, "p.toml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(prices.assumptions.gzip_ratio, 5.0);
        assert_eq!(prices.assumptions.reject_share, 0.1);
        let us = prices.region("us-east-1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(us.s3_storage_per_gb_month, 0.02);
        assert_eq!(us.parquet_conversion_per_gb, 0.035);
        assert!(prices.region("eu-west-1").is_ok());
        let partial = parse("[regions.eu-west-1]\ns3_delivery = [{ per_gb = 0.3 }]\n")
            .unwrap_or_else(|e| panic!("{e:?}"));
        let err = Prices::with_file(partial, "p.toml")
            .err()
            .unwrap_or_default();
        assert!(
            err.contains("regions.eu-west-1.cloudwatch_logs_delivery"),
            "{err}"
        );
    }

    #[test]
    fn a_malformed_file_is_located() {
        let err = parse("[assumptions]\nreject_share = 2\n").err();
        let err = err.unwrap_or_else(|| panic!("accepted"));
        assert!(err.message.contains("share from 0 to 1"), "{}", err.message);
        assert_eq!(err.span.map(|s| s.start), Some(29));
        assert!(parse("[regions.us-east-1]\ns3_storage = 1\n").is_err());
    }
}
