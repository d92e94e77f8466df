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
/// `--threads`, `[analyze] threads`.
pub const THREADS: RangeInclusive<i64> = 1..=256;
/// `--gap-hours`, `[analyze] gap_hours` (a year).
pub const GAP_HOURS: RangeInclusive<i64> = 1..=8_760;

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
}
