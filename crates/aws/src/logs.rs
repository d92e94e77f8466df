//! CloudWatch Logs groups referenced by flow logs: one paginated listing by their
//! common name prefix, and their newest delivery (and, for `cost`, the bytes
//! delivered in a window) from `GetMetricData` in batches of 500 groups, never one
//! call per group.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};
use chrono::{DateTime, Duration, Utc};
use flowaudit_core::model::{FirehoseStream, LogGroup, Measured};

use crate::clients::list_all;
use crate::ec2::to_chrono;
use crate::errors::reason;

/// `GetMetricData` takes at most this many queries a call.
pub const METRIC_QUERIES_PER_CALL: usize = 500;
/// Metric period, seconds: hourly points keep a week within one page per batch.
const PERIOD: i32 = 3600;

/// The longest common prefix of the names (on a character boundary).
pub fn common_prefix<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut iter = names.into_iter();
    let Some(first) = iter.next() else {
        return String::new();
    };
    let mut prefix = first.to_string();
    for name in iter {
        let common = prefix
            .char_indices()
            .zip(name.chars())
            .find(|((_, a), b)| a != b)
            .map(|((i, _), _)| i)
            .unwrap_or_else(|| prefix.len().min(name.len()));
        prefix.truncate(common);
    }
    prefix
}

/// Reads the referenced groups of one region.
pub async fn collect(
    logs: &aws_sdk_cloudwatchlogs::Client,
    metrics: &aws_sdk_cloudwatch::Client,
    names: &BTreeSet<String>,
    collected_at: DateTime<Utc>,
    lookback_days: u32,
    volume_days: Option<u32>,
    page: Option<i32>,
) -> Vec<LogGroup> {
    if names.is_empty() {
        return Vec::new();
    }
    let prefix = common_prefix(names.iter().map(String::as_str));
    let listed: Result<Vec<_>, String> = list_all!(
        logs.describe_log_groups()
            .set_log_group_name_prefix((!prefix.is_empty()).then_some(prefix))
            .limit(page.unwrap_or(50).clamp(1, 50)),
        "logs:DescribeLogGroups"
    )
    .await;
    let listed = match listed {
        Ok(listed) => listed,
        Err(why) => {
            return names
                .iter()
                .map(|name| absent(name, Some(why.clone())))
                .collect();
        }
    };
    let found: BTreeMap<&str, &aws_sdk_cloudwatchlogs::types::LogGroup> = listed
        .iter()
        .filter_map(|g| Some((g.log_group_name()?, g)))
        .filter(|(name, _)| names.contains(*name))
        .collect();
    let existing: Vec<&str> = found.keys().copied().collect();
    let newest = newest_events(metrics, &existing, collected_at, lookback_days).await;
    let volume = match volume_days {
        Some(days) => Some((
            days,
            incoming_bytes(metrics, &existing, collected_at, days).await,
        )),
        None => None,
    };
    names
        .iter()
        .map(|name| match found.get(name.as_str()) {
            Some(g) => {
                let (last_event_time, last_event_error) = match &newest {
                    Ok(map) => (map.get(name.as_str()).copied(), None),
                    Err(why) => (None, Some(why.clone())),
                };
                LogGroup {
                    log_group_name: name.clone(),
                    exists: true,
                    retention_in_days: g.retention_in_days().and_then(|d| u32::try_from(d).ok()),
                    kms_key_id: g.kms_key_id().map(str::to_string),
                    last_event_time,
                    last_event_error,
                    error: None,
                    incoming_bytes: match &volume {
                        Some((days, Ok(map))) => map
                            .get(name.as_str())
                            .map(|&bytes| Measured { days: *days, bytes }),
                        _ => None,
                    },
                    stored_bytes: volume
                        .as_ref()
                        .and_then(|_| g.stored_bytes())
                        .and_then(|b| u64::try_from(b).ok()),
                    volume_error: match &volume {
                        Some((_, Err(why))) => Some(why.clone()),
                        _ => None,
                    },
                }
            }
            None => absent(name, None),
        })
        .collect()
}

/// A group that was not found (`error: None`) or could not be listed.
fn absent(name: &str, error: Option<String>) -> LogGroup {
    LogGroup {
        log_group_name: name.to_string(),
        exists: false,
        retention_in_days: None,
        kms_key_id: None,
        last_event_time: None,
        last_event_error: None,
        error,
        incoming_bytes: None,
        stored_bytes: None,
        volume_error: None,
    }
}

/// Newest hour with incoming events per group, from `AWS/Logs IncomingLogEvents`.
async fn newest_events<'a>(
    client: &aws_sdk_cloudwatch::Client,
    groups: &[&'a str],
    collected_at: DateTime<Utc>,
    lookback_days: u32,
) -> Result<BTreeMap<&'a str, DateTime<Utc>>, String> {
    let start = collected_at - Duration::days(i64::from(lookback_days.max(1)));
    let points = group_metric(
        client,
        ("AWS/Logs", "LogGroupName", "IncomingLogEvents"),
        groups,
        (start, collected_at),
        PERIOD,
    )
    .await?;
    Ok(points
        .into_iter()
        .filter_map(|(group, points)| {
            let latest = points
                .iter()
                .filter(|(_, v)| *v > 0.0)
                .map(|(t, _)| *t)
                .max()?;
            Some((group, latest))
        })
        .collect())
}

/// Bytes delivered to each group over the last `days` days, from `AWS/Logs
/// IncomingBytes` (daily sums, added up). A group without data points received
/// nothing in the window.
async fn incoming_bytes<'a>(
    client: &aws_sdk_cloudwatch::Client,
    groups: &[&'a str],
    collected_at: DateTime<Utc>,
    days: u32,
) -> Result<BTreeMap<&'a str, u64>, String> {
    daily_sums(
        client,
        ("AWS/Logs", "LogGroupName", "IncomingBytes"),
        groups,
        collected_at,
        days,
    )
    .await
}

/// What each Kinesis Data Firehose delivery stream received over the last
/// `days` days (`AWS/Firehose IncomingBytes`, 500 streams a call).
pub async fn firehose_streams(
    client: &aws_sdk_cloudwatch::Client,
    names: &BTreeSet<String>,
    collected_at: DateTime<Utc>,
    days: u32,
) -> Vec<FirehoseStream> {
    let list: Vec<&str> = names.iter().map(String::as_str).collect();
    let sums = daily_sums(
        client,
        ("AWS/Firehose", "DeliveryStreamName", "IncomingBytes"),
        &list,
        collected_at,
        days,
    )
    .await;
    list.iter()
        .map(|name| FirehoseStream {
            name: name.to_string(),
            incoming_bytes: sums
                .as_ref()
                .ok()
                .and_then(|m| m.get(name))
                .map(|&bytes| Measured { days, bytes }),
            volume_error: sums.as_ref().err().cloned(),
        })
        .collect()
}

/// The sum of a metric's daily `Sum` points over the last `days` days, per
/// dimension value; a value without points had none.
async fn daily_sums<'a>(
    client: &aws_sdk_cloudwatch::Client,
    metric: (&str, &str, &str),
    values: &[&'a str],
    collected_at: DateTime<Utc>,
    days: u32,
) -> Result<BTreeMap<&'a str, u64>, String> {
    let start = collected_at - Duration::days(i64::from(days.max(1)));
    let points = group_metric(client, metric, values, (start, collected_at), 86_400).await?;
    Ok(values
        .iter()
        .map(|value| {
            let sum: f64 = points
                .get(value)
                .map_or(0.0, |p| p.iter().map(|(_, v)| v.max(0.0)).sum());
            // Sums of byte counts are whole numbers; rounding only removes float noise.
            (*value, sum.round() as u64)
        })
        .collect())
}

/// The `Sum` data points of one metric (namespace, dimension, name) per
/// dimension value between `start` and `end`, 500 values per `GetMetricData`
/// call (paginated).
async fn group_metric<'a>(
    client: &aws_sdk_cloudwatch::Client,
    (namespace, dimension, metric_name): (&str, &str, &str),
    groups: &[&'a str],
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    period: i32,
) -> Result<BTreeMap<&'a str, Vec<(DateTime<Utc>, f64)>>, String> {
    let mut out: BTreeMap<&str, Vec<(DateTime<Utc>, f64)>> = BTreeMap::new();
    for batch in groups.chunks(METRIC_QUERIES_PER_CALL) {
        let queries: Vec<MetricDataQuery> = batch
            .iter()
            .enumerate()
            .map(|(i, group)| {
                let metric = Metric::builder()
                    .namespace(namespace)
                    .metric_name(metric_name)
                    .dimensions(Dimension::builder().name(dimension).value(*group).build())
                    .build();
                MetricDataQuery::builder()
                    .id(format!("g{i}"))
                    .metric_stat(
                        MetricStat::builder()
                            .metric(metric)
                            .period(period)
                            .stat("Sum")
                            .build(),
                    )
                    .return_data(true)
                    .build()
            })
            .collect();
        let pages: Vec<_> = client
            .get_metric_data()
            .set_metric_data_queries(Some(queries))
            .start_time(aws_smithy_types::DateTime::from_secs(start.timestamp()))
            .end_time(aws_smithy_types::DateTime::from_secs(end.timestamp() + 1))
            .scan_by(ScanBy::TimestampDescending)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| format!("cloudwatch:GetMetricData: {}", reason(&e)))?;
        for page in &pages {
            for result in page.metric_data_results() {
                let Some(index) = result
                    .id()
                    .and_then(|id| id.strip_prefix('g'))
                    .and_then(|i| i.parse::<usize>().ok())
                else {
                    continue;
                };
                let Some(group) = batch.get(index) else {
                    continue;
                };
                let points = out.entry(*group).or_default();
                for (t, v) in result.timestamps().iter().zip(result.values()) {
                    if let Some(t) = to_chrono(t) {
                        points.push((t, *v));
                    }
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::common_prefix;

    #[test]
    fn prefixes() {
        assert_eq!(
            common_prefix(["/aws/vpc-flow-logs/vpc-1", "/aws/vpc-flow-logs/vpc-2"]),
            "/aws/vpc-flow-logs/vpc-"
        );
        assert_eq!(common_prefix(["/a/b", "/c"]), "/");
        assert_eq!(common_prefix(["abc", "xyz"]), "");
        assert_eq!(common_prefix(["only"]), "only");
        assert_eq!(common_prefix(["ab", "abc"]), "ab");
        assert_eq!(common_prefix(Vec::<&str>::new()), "");
    }
}
