//! Flow logs read where AWS delivers them: the objects under an
//! `s3://bucket/prefix` (selected by the date in the S3 layout) and the events
//! of a CloudWatch Logs group (selected by event time), fetched with the SDK and
//! handed to the readers as they arrive, through a bounded channel so that
//! memory holds only a few objects at a time. A failure is sent as an input that
//! could not be read, so it shows in the report instead of vanishing.

use chrono::{DateTime, NaiveDate, Utc};
use flowaudit_flowlogs::{Format, Input};
use futures::StreamExt;
use tokio::sync::mpsc::Sender;

use crate::clients::{client, Ctx};
use crate::errors::reason;
use crate::s3::{bucket_region, s3_client};

/// Objects fetched at once.
const FETCH_CONCURRENCY: usize = 8;

/// The largest S3 object read into memory (objects are held whole while they
/// are read, up to [`FETCH_CONCURRENCY`] at once). AWS delivers flow-log files
/// of a few MB to tens of MB; a larger object is an ERROR naming it, with how to
/// read it from a local copy (local files are streamed).
const MAX_OBJECT_BYTES: usize = 256 << 20;

/// The body of an object, chunk by chunk, refused once it passes `cap` bytes
/// (whatever its Content-Length said).
async fn read_capped(
    mut body: aws_sdk_s3::primitives::ByteStream,
    cap: usize,
) -> Result<Vec<u8>, String> {
    let mut data = Vec::new();
    while let Some(chunk) = body.try_next().await.map_err(|e| e.to_string())? {
        if data.len() + chunk.len() > cap {
            return Err(format!(
                "the object is larger than {} MiB, more than flowaudit reads from S3 into memory; \
                 copy it (aws s3 cp) and run flowaudit analyze on the local file, which is streamed",
                cap >> 20
            ));
        }
        data.extend_from_slice(&chunk);
    }
    Ok(data)
}

/// Where flow logs are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remote {
    S3 { bucket: String, prefix: String },
    LogGroup(String),
}

impl Remote {
    /// `s3://bucket[/prefix]`.
    pub fn parse_s3(url: &str) -> Result<Remote, String> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| format!("`{url}` is not an s3:// location"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("`{url}` names no bucket"));
        }
        Ok(Remote::S3 {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }
}

/// The time window read: `[start, end)`; either end open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

impl Window {
    /// Whether an object of this day (from its key) may hold records in the
    /// window.
    pub fn has_day(&self, day: NaiveDate) -> bool {
        let after_start = self.start.is_none_or(|s| day >= s.date_naive());
        let before_end = self.end.is_none_or(|e| {
            day < e.date_naive() || (day == e.date_naive() && e.time() != chrono::NaiveTime::MIN)
        });
        after_start && before_end
    }
}

impl Window {
    /// The days the window touches, when it has a start (the end defaults to
    /// now); `None` when it is open at the start or longer than ten years.
    pub fn days(&self) -> Option<Vec<NaiveDate>> {
        let start = self.start?.date_naive();
        let end = self.end.unwrap_or_else(Utc::now);
        let last = (end - chrono::Duration::seconds(1)).date_naive();
        let n = (last - start).num_days();
        if !(0..=3660).contains(&n) {
            return None;
        }
        Some(start.iter_days().take(n as usize + 1).collect())
    }
}

/// How many levels of the key hierarchy are walked looking for the date part.
const MAX_DEPTH: usize = 8;

/// The day folders of a date-layout level: `2026/11/20/` under a folder of
/// years, `year=2026/month=11/day=20/` under a Hive-compatible one.
fn day_folder(parent: &str, hive: bool, day: NaiveDate) -> String {
    use chrono::Datelike;
    if hive {
        format!(
            "{parent}year={:04}/month={:02}/day={:02}/",
            day.year(),
            day.month(),
            day.day()
        )
    } else {
        format!(
            "{parent}{:04}/{:02}/{:02}/",
            day.year(),
            day.month(),
            day.day()
        )
    }
}

/// Whether a folder name is a year of the date layout, and of which kind.
fn year_folder(name: &str) -> Option<bool> {
    let digits = |v: &str| v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit());
    match name.strip_prefix("year=") {
        Some(v) if digits(v) => Some(true),
        None if digits(name) => Some(false),
        _ => None,
    }
}

/// The day in an S3 flow-log key: `…/yyyy/MM/dd/…` (the default layout) or
/// `…/year=yyyy/month=MM/day=dd/…` (Hive-compatible prefixes).
pub fn key_day(key: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = key.split('/').collect();
    let value = |p: &str, name: &str| -> Option<u32> {
        let v = p.strip_prefix(name).unwrap_or(p);
        (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
            .then(|| v.parse().ok())
            .flatten()
    };
    for w in parts.windows(3) {
        let (y, m, d) = if w[0].starts_with("year=") {
            (
                value(w[0], "year="),
                value(w[1], "month="),
                value(w[2], "day="),
            )
        } else if w[0].len() == 4 && w[1].len() == 2 && w[2].len() == 2 {
            (value(w[0], ""), value(w[1], ""), value(w[2], ""))
        } else {
            continue;
        };
        if let (Some(y), Some(m), Some(d)) = (y, m, d) {
            if let Some(day) = i32::try_from(y)
                .ok()
                .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
            {
                return Some(day);
            }
        }
    }
    None
}

/// `flowaudit analyze` over local inputs and AWS sources: S3 objects and
/// CloudWatch Logs events are fetched as the readers take them (a few wait at
/// most) while the local files are read. Returns the analysis and the API
/// calls it made.
pub fn analyze(
    local: Vec<Input>,
    remotes: Vec<Remote>,
    opts: crate::ScanOptions,
    region: Option<String>,
    window: Window,
    options: &flowaudit_flowlogs::Options,
) -> Result<(flowaudit_flowlogs::Outcome, crate::StatsSnapshot), String> {
    let began = std::time::Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("could not start the async runtime: {e}"))?;
    let (ctx, _) = rt
        .block_on(crate::connect(opts))
        .map_err(|e| e.to_string())?;
    let calls = ctx.stats.clone();
    let (tx, mut rx) = tokio::sync::mpsc::channel(options.threads.max(1) * 2);
    let fetcher = rt.spawn(fetch(ctx, region, remotes, window, tx));
    let remote = std::iter::from_fn(move || rx.blocking_recv());
    let outcome = flowaudit_flowlogs::analyze(local.into_iter().chain(remote), options);
    rt.block_on(fetcher)
        .map_err(|e| format!("the download of the flow logs failed: {e}"))?;
    Ok((outcome, calls.snapshot(began.elapsed())))
}

/// Fetches every remote source in turn and sends what it read to `tx`; ends
/// when all is sent or the readers are gone.
pub async fn fetch(
    ctx: Ctx,
    region: Option<String>,
    remotes: Vec<Remote>,
    window: Window,
    tx: Sender<Input>,
) {
    for remote in remotes {
        match remote {
            Remote::S3 { bucket, prefix } => {
                s3_objects(&ctx, region.as_deref(), &bucket, &prefix, window, &tx).await
            }
            Remote::LogGroup(group) => {
                log_group(&ctx, region.as_deref(), &group, window, &tx).await
            }
        }
    }
}

async fn s3_objects(
    ctx: &Ctx,
    region: Option<&str>,
    bucket: &str,
    prefix: &str,
    window: Window,
    tx: &Sender<Input>,
) {
    let name = format!("s3://{bucket}/{prefix}");
    let region = match region {
        Some(r) => r.to_string(),
        None => match bucket_region(ctx, bucket).await {
            Ok(r) => r,
            Err(reason) => {
                let _ = tx.send(Input::Failed { name, reason }).await;
                return;
            }
        },
    };
    let client = s3_client(ctx, &region);
    let keys = match list_keys(&client, bucket, prefix, window).await {
        Ok(keys) => keys,
        Err(reason) => {
            let _ = tx.send(Input::Failed { name, reason }).await;
            return;
        }
    };
    tracing::info!("{name}: {} object(s) in the window", keys.len());
    let mut objects = futures::stream::iter(keys)
        .map(|key| {
            let client = client.clone();
            async move {
                let name = format!("s3://{bucket}/{key}");
                let got = client.get_object().bucket(bucket).key(&key).send().await;
                let body = match got {
                    Ok(out) => read_capped(out.body, MAX_OBJECT_BYTES).await,
                    Err(e) => Err(format!("s3:GetObject: {}", reason(&e))),
                };
                match body {
                    Ok(data) => Input::Bytes { name, data },
                    Err(reason) => Input::Failed { name, reason },
                }
            }
        })
        .buffer_unordered(FETCH_CONCURRENCY);
    while let Some(input) = objects.next().await {
        if tx.send(input).await.is_err() {
            return;
        }
    }
}

/// The keys under `prefix` in the window. With a start, the key hierarchy is
/// walked folder by folder (`Delimiter=/`) down to the year level of the date
/// layout, and only the day folders of the window are listed: the calls grow
/// with the accounts, regions and days read, not with the objects the bucket
/// holds. Without a start, everything under the prefix is listed.
async fn list_keys(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
    window: Window,
) -> Result<Vec<String>, String> {
    let in_window = |k: &&str| !k.ends_with('/') && key_day(k).is_none_or(|d| window.has_day(d));
    let Some(days) = window.days() else {
        return list_all_keys(client, bucket, prefix, &in_window).await;
    };
    let mut keys = Vec::new();
    let mut folders = Vec::new();
    let mut frontier = vec![prefix.to_string()];
    for _ in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for folder in frontier {
            let mut pages = client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(&folder)
                .delimiter("/")
                .into_paginator()
                .send();
            let mut years_seen = [false; 2];
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| format!("s3:ListObjectsV2: {}", reason(&e)))?;
                keys.extend(kept_keys(&page, &in_window));
                for child in page.common_prefixes().iter().filter_map(|p| p.prefix()) {
                    let name = child
                        .strip_prefix(folder.as_str())
                        .unwrap_or(child)
                        .trim_end_matches('/');
                    match year_folder(name) {
                        Some(hive) => years_seen[usize::from(hive)] = true,
                        None => next.push(child.to_string()),
                    }
                }
            }
            for (hive, seen) in [(false, years_seen[0]), (true, years_seen[1])] {
                if seen {
                    folders.extend(days.iter().map(|d| day_folder(&folder, hive, *d)));
                }
            }
        }
        frontier = next;
        if frontier.is_empty() {
            break;
        }
    }
    // Deeper than the walk goes: list what is left whole.
    folders.extend(frontier);
    for folder in folders {
        keys.extend(list_all_keys(client, bucket, &folder, &in_window).await?);
    }
    Ok(keys)
}

/// The keys of one listing page that `keep` keeps.
fn kept_keys<'p>(
    page: &'p aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output,
    keep: &'p (dyn Fn(&&str) -> bool + Sync),
) -> impl Iterator<Item = String> + 'p {
    page.contents()
        .iter()
        .filter_map(|o| o.key())
        .filter(move |k| keep(k))
        .map(str::to_string)
}

/// Every key under `prefix` that `keep` keeps (no delimiter).
async fn list_all_keys(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
    keep: &(dyn Fn(&&str) -> bool + Sync),
) -> Result<Vec<String>, String> {
    let mut pages = client
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .into_paginator()
        .send();
    let mut keys = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| format!("s3:ListObjectsV2: {}", reason(&e)))?;
        keys.extend(kept_keys(&page, keep));
    }
    Ok(keys)
}

/// The field names of the flow log that delivers to `group`, as a header line,
/// when EC2 says (records in CloudWatch Logs carry no header).
async fn header_of(ctx: &Ctx, region: Option<&str>, group: &str) -> Option<String> {
    let ec2 = client!(aws_sdk_ec2, ctx, region, "analyze");
    let filter = aws_sdk_ec2::types::Filter::builder()
        .name("log-group-name")
        .values(group)
        .build();
    let logs: Vec<aws_sdk_ec2::types::FlowLog> = match crate::clients::list_all!(
        ec2.describe_flow_logs().filter(filter),
        "DescribeFlowLogs"
    )
    .await
    {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!("{group}: the flow log's format is unknown ({e}); reading the default format unless --format-fields says otherwise");
            return None;
        }
    };
    let format = logs.iter().find_map(|f| f.log_format())?;
    Format::from_log_format(format)
        .ok()
        .map(|f| f.fields.join(" "))
}

async fn log_group(
    ctx: &Ctx,
    region: Option<&str>,
    group: &str,
    window: Window,
    tx: &Sender<Input>,
) {
    let header = header_of(ctx, region, group).await;
    let logs = client!(aws_sdk_cloudwatchlogs, ctx, region, "analyze");
    let mut request = logs.filter_log_events().log_group_name(group);
    if let Some(s) = window.start {
        request = request.start_time(s.timestamp_millis());
    }
    if let Some(e) = window.end {
        request = request.end_time(e.timestamp_millis() - 1);
    }
    let mut pages = request.into_paginator().send();
    let mut n = 0;
    while let Some(page) = pages.next().await {
        n += 1;
        let name = format!("cloudwatch:{group} (page {n})");
        let input = match page {
            Ok(page) => {
                let mut text = header.clone().map(|h| h + "\n").unwrap_or_default();
                for e in page.events() {
                    if let Some(m) = e.message() {
                        text.push_str(m.trim_end());
                        text.push('\n');
                    }
                }
                Input::Bytes {
                    name,
                    data: text.into_bytes(),
                }
            }
            Err(e) => Input::Failed {
                name,
                reason: format!("logs:FilterLogEvents: {}", reason(&e)),
            },
        };
        let failed = matches!(input, Input::Failed { .. });
        if tx.send(input).await.is_err() || failed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An object is read whole up to the cap and refused, named, past it.
    #[test]
    fn objects_past_the_cap_are_refused() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let body = |n: usize| aws_sdk_s3::primitives::ByteStream::from(vec![7u8; n]);
        let cap = 3 << 20;
        let whole = rt.block_on(read_capped(body(cap), cap));
        assert_eq!(whole.map(|d| d.len()), Ok(cap));
        let refused = rt.block_on(read_capped(body(cap + 1), cap));
        assert!(
            refused
                .as_ref()
                .is_err_and(|e| e.contains("larger than 3 MiB") && e.contains("aws s3 cp")),
            "{refused:?}"
        );
    }

    #[test]
    fn days_from_both_s3_layouts() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(
            key_day("logs/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/11/20/123_vpcflowlogs_x.log.gz"),
            d(2026, 11, 20)
        );
        assert_eq!(
            key_day("AWSLogs/aws-account-id=1/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=01/day=02/hour=03/f.parquet"),
            d(2026, 1, 2)
        );
        assert_eq!(key_day("AWSLogs/123/vpcflowlogs/eu-west-1/f.log.gz"), None);
        assert_eq!(key_day("x/2026/13/40/f"), None);
    }

    #[test]
    fn window_selects_days() {
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&Utc))
                .ok()
        };
        let w = Window {
            start: at("2026-11-20T06:00:00Z"),
            end: at("2026-11-22T00:00:00Z"),
        };
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
        assert!(!w.has_day(day(19)));
        assert!(w.has_day(day(20)));
        assert!(w.has_day(day(21)));
        assert!(!w.has_day(day(22)), "the end is exclusive");
        assert!(Window::default().has_day(day(1)));
        assert_eq!(
            Remote::parse_s3("s3://b/p/q"),
            Ok(Remote::S3 {
                bucket: "b".into(),
                prefix: "p/q".into()
            })
        );
        assert!(Remote::parse_s3("s3:///x").is_err());
        assert_eq!(w.days().map(|d| d.len()), Some(2));
        assert_eq!(Window::default().days(), None);
    }

    #[test]
    fn day_folders_of_both_layouts() {
        let day = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap_or_default();
        assert_eq!(day_folder("a/", false, day), "a/2026/01/02/");
        assert_eq!(day_folder("a/", true, day), "a/year=2026/month=01/day=02/");
        assert_eq!(year_folder("2026"), Some(false));
        assert_eq!(year_folder("year=2026"), Some(true));
        assert_eq!(year_folder("eu-west-1"), None);
        assert_eq!(year_folder("123456789012"), None);
    }
}
