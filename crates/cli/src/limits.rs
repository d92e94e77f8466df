//! The ranges of the numeric options, written once: the command line's value
//! parsers (`clap::value_parser!(u16).range(limits::CONCURRENCY)`) and the config
//! file's deserializers (`deserialize_with = "limits::concurrency"`) both read
//! them, so the two can never accept different values.

use std::fmt::Display;
use std::ops::RangeInclusive;

use serde::{Deserialize, Deserializer};

/// `--concurrency`, `[scan] concurrency`: regions read at once.
pub const CONCURRENCY: RangeInclusive<i64> = 1..=64;
/// `--account-concurrency`, `[scan] account_concurrency`.
pub const ACCOUNT_CONCURRENCY: RangeInclusive<i64> = 1..=64;
/// `--call-timeout`, `[scan] call_timeout`: seconds per attempt of one call.
pub const CALL_TIMEOUT: RangeInclusive<u64> = 1..=600;
/// `--max-attempts`, `[scan] max_attempts`.
pub const MAX_ATTEMPTS: RangeInclusive<i64> = 1..=10;
/// `--page-size`, `[scan] page_size`.
pub const PAGE_SIZE: RangeInclusive<i64> = 5..=1000;
/// `--timeout`, `[scan] timeout`: the scan's whole budget, in seconds (a day).
pub const TIMEOUT: RangeInclusive<u64> = 1..=86_400;
/// `query --time-limit`, seconds.
pub const QUERY_TIME_LIMIT: RangeInclusive<u64> = 1..=3_600;
/// `cost --days`: the window of measured deliveries (CloudWatch keeps hourly
/// points 63 days and daily ones 455; each day is one S3 listing per prefix).
pub const COST_DAYS: RangeInclusive<i64> = 1..=90;
/// `--threads`, `[analyze] threads`.
pub const THREADS: RangeInclusive<i64> = 1..=256;
/// `--gap-hours`, `[analyze] gap_hours` (a year).
pub const GAP_HOURS: RangeInclusive<i64> = 1..=8_760;

/// `--scan-ports`, `[analyze] scan_ports`: distinct ports that make a scan.
pub const SCAN_PORTS: RangeInclusive<i64> = 2..=65_536;
/// `--sweep-hosts`, `[analyze] sweep_hosts`.
pub const SWEEP_HOSTS: RangeInclusive<i64> = 2..=1_000_000;
/// `--exfil-mib-per-hour`, `[analyze] exfil_mib_per_hour` (up to a TiB).
pub const EXFIL_MIB_PER_HOUR: RangeInclusive<u64> = 1..=1_048_576;
/// `--lateral-baseline-hours`, `[analyze] lateral_baseline_hours` (a year).
pub const LATERAL_BASELINE_HOURS: RangeInclusive<i64> = 1..=8_760;
/// `--silent-hours`, `[analyze] silent_hours` (a year).
pub const SILENT_HOURS: RangeInclusive<i64> = 1..=8_760;
/// `[analyze] top_rejected`.
pub const TOP_REJECTED: RangeInclusive<i64> = 1..=10_000;
/// `[analyze] hotspot_min_rejected`.
pub const HOTSPOT_MIN_REJECTED: RangeInclusive<u64> = 1..=1_000_000_000;
/// `--min-retention-days`, `[checks] min_retention_days` (a century).
pub const MIN_RETENTION_DAYS: RangeInclusive<i64> = 1..=36_500;
/// `--max-delivery-age-hours`, `[checks] max_delivery_age_hours` (a year).
pub const MAX_DELIVERY_AGE_HOURS: RangeInclusive<i64> = 1..=8_760;
/// `--delivery-grace-minutes`, `[checks] delivery_grace_minutes` (a week).
pub const DELIVERY_GRACE_MINUTES: RangeInclusive<i64> = 0..=10_080;
/// `--fix-retention-days`, `[remediation] retention_days` (CloudWatch Logs' longest).
pub const FIX_RETENTION_DAYS: RangeInclusive<i64> = 1..=3_653;

/// A number from the file, refused outside `lo..=hi` with both bounds named.
fn within<'de, T, D>(d: D, lo: i128, hi: i128) -> Result<Option<T>, D::Error>
where
    T: Deserialize<'de> + Copy + Into<i128> + Display,
    D: Deserializer<'de>,
{
    let v = T::deserialize(d)?;
    if (lo..=hi).contains(&v.into()) {
        Ok(Some(v))
    } else {
        Err(serde::de::Error::custom(format!(
            "{v} is out of range: expected {lo} to {hi}"
        )))
    }
}

macro_rules! from_file {
    ($($name:ident: $t:ty = $range:ident;)*) => {$(
        #[doc = concat!("The file's `", stringify!($name), "`, within [`", stringify!($range), "`].")]
        pub fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<$t>, D::Error> {
            within(d, i128::from(*$range.start()), i128::from(*$range.end()))
        }
    )*};
}

from_file! {
    concurrency: u16 = CONCURRENCY;
    account_concurrency: u16 = ACCOUNT_CONCURRENCY;
    call_timeout: u64 = CALL_TIMEOUT;
    max_attempts: u32 = MAX_ATTEMPTS;
    page_size: i32 = PAGE_SIZE;
    timeout: u64 = TIMEOUT;
    threads: u16 = THREADS;
    gap_hours: u32 = GAP_HOURS;
    scan_ports: u32 = SCAN_PORTS;
    sweep_hosts: u32 = SWEEP_HOSTS;
    exfil_mib_per_hour: u64 = EXFIL_MIB_PER_HOUR;
    lateral_baseline_hours: u32 = LATERAL_BASELINE_HOURS;
    silent_hours: u32 = SILENT_HOURS;
    top_rejected: u32 = TOP_REJECTED;
    hotspot_min_rejected: u64 = HOTSPOT_MIN_REJECTED;
    min_retention_days: u32 = MIN_RETENTION_DAYS;
    max_delivery_age_hours: u32 = MAX_DELIVERY_AGE_HOURS;
    delivery_grace_minutes: u32 = DELIVERY_GRACE_MINUTES;
    fix_retention_days: u32 = FIX_RETENTION_DAYS;
}

/// `[checks] required_fields`, each checked as `--required-fields` is.
pub fn required_fields<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    let names = Vec::<String>::deserialize(d)?;
    names
        .iter()
        .map(|n| flowaudit_core::fields::field_option(n))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// `[checks] approved_destinations`, each checked as `--approved-destinations` is.
pub fn approved_destinations<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<String>>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|p| flowaudit_core::checks::approved_destination::pattern_option(p))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// `[remediation] role_name`, checked as `--fix-role-name` is.
pub fn role_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    flowaudit_core::remediation::validate::role_name_option(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// `[remediation] bucket_arn`, checked as `--fix-bucket-arn` is.
pub fn bucket_arn<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    flowaudit_core::remediation::validate::bucket_arn_option(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}
