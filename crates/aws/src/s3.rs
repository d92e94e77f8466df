//! S3 destinations, once per bucket: where it is, whether a lifecycle rule expires
//! flow-log objects, and the newest flow-log object.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_s3::types::{ExpirationStatus, LifecycleRule};
use chrono::{DateTime, Duration, Utc};
use flowaudit_core::model::{ObjectVolume, S3Bucket};
use flowaudit_core::remediation::lifecycle;

use crate::clients::{client, Ctx};
use crate::ec2::to_chrono;
use crate::errors::{code, reason};

/// Where one bucket receives flow logs from: key prefix, region, layout.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Delivery {
    pub prefix: String,
    pub region: String,
    pub hive: bool,
}

/// Reads one bucket.
pub async fn collect_bucket(
    ctx: &Ctx,
    name: &str,
    deliveries: &BTreeSet<Delivery>,
    account_id: &str,
    collected_at: DateTime<Utc>,
    (lookback_days, volume_days): (u32, Option<u32>),
) -> S3Bucket {
    let mut bucket = S3Bucket {
        bucket_name: name.to_string(),
        exists: false,
        expiration_days: None,
        newest_object_time: None,
        newest_object_error: None,
        default_encryption: None,
        default_encryption_error: None,
        error: None,
        object_volume: None,
        volume_error: None,
    };
    let home = ctx.home_region();
    let global = s3_client(ctx, &home);
    let region = match global.get_bucket_location().bucket(name).send().await {
        Ok(out) => region_of(out.location_constraint().map(|c| c.as_str())),
        Err(e) if code(&e) == Some("NoSuchBucket") => return bucket,
        Err(e) => {
            let mut why = format!("s3:GetBucketLocation: {}", reason(&e));
            if code(&e) == Some("AccessDenied") {
                why.push_str(" (the bucket may belong to another account)");
            }
            bucket.error = Some(why);
            return bucket;
        }
    };
    bucket.exists = true;
    let client = s3_client(ctx, &region);
    match client
        .get_bucket_lifecycle_configuration()
        .bucket(name)
        .send()
        .await
    {
        Ok(out) => {
            bucket.expiration_days = deliveries
                .iter()
                .filter_map(|d| shortest_expiration(out.rules(), &d.prefix))
                .min();
        }
        Err(e) if code(&e) == Some("NoSuchLifecycleConfiguration") => {}
        Err(e) => {
            bucket.error = Some(format!(
                "s3:GetBucketLifecycleConfiguration: {}",
                reason(&e)
            ));
            return bucket;
        }
    }
    match newest_object(
        &client,
        name,
        deliveries,
        account_id,
        collected_at,
        lookback_days,
    )
    .await
    {
        Ok(t) => bucket.newest_object_time = t,
        Err(why) => bucket.newest_object_error = Some(why),
    }
    match default_encryption(&client, name).await {
        Ok(algorithm) => bucket.default_encryption = Some(algorithm),
        Err(why) => bucket.default_encryption_error = Some(why),
    }
    if let Some(days) = volume_days {
        match object_volume(&client, name, deliveries, account_id, collected_at, days).await {
            Ok(volume) => bucket.object_volume = Some(volume),
            Err(why) => bucket.volume_error = Some(why),
        }
    }
    bucket
}

/// The bytes of flow-log objects written in the last `days` days, per flow log:
/// one listing of each day folder of the window per delivery, never one call
/// per flow log or object.
async fn object_volume(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    deliveries: &BTreeSet<Delivery>,
    account_id: &str,
    collected_at: DateTime<Utc>,
    days: u32,
) -> Result<ObjectVolume, String> {
    let since = collected_at - Duration::days(i64::from(days));
    let mut by_flow_log: BTreeMap<String, u64> = BTreeMap::new();
    let mut listed = BTreeSet::new();
    for delivery in deliveries {
        for back in 0..=i64::from(days) {
            let key_prefix = day_prefix(delivery, account_id, collected_at - Duration::days(back));
            // Two deliveries of one region with the same prefix share their folders.
            if !listed.insert(key_prefix.clone()) {
                continue;
            }
            for object in list(client, bucket, &key_prefix).await? {
                let in_window = object
                    .last_modified()
                    .and_then(to_chrono)
                    .is_some_and(|t| t > since && t <= collected_at);
                let (Some(key), Some(size)) = (object.key(), object.size()) else {
                    continue;
                };
                let (Some(id), true) = (flow_log_of_key(key), in_window) else {
                    continue;
                };
                *by_flow_log.entry(id.to_string()).or_default() += u64::try_from(size).unwrap_or(0);
            }
        }
    }
    Ok(ObjectVolume { days, by_flow_log })
}

/// Every object under `prefix` (all pages).
async fn list(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
) -> Result<Vec<aws_sdk_s3::types::Object>, String> {
    let pages: Vec<_> = client
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| format!("s3:ListObjectsV2 {bucket}/{prefix}: {}", reason(&e)))?;
    Ok(pages
        .into_iter()
        .flat_map(|page| page.contents.unwrap_or_default())
        .collect())
}

/// The flow log id in a flow-log object's name
/// (`<account>_vpcflowlogs_<region>_<flow-log-id>_<time>_<hash>.log.gz`).
pub fn flow_log_of_key(key: &str) -> Option<&str> {
    let name = key.rsplit('/').next()?;
    let mut parts = name.split('_');
    if parts.nth(1)? != "vpcflowlogs" {
        return None;
    }
    parts.nth(1).filter(|id| id.starts_with("fl-"))
}

/// The algorithm of the bucket's default encryption rule (`none` without one).
async fn default_encryption(client: &aws_sdk_s3::Client, name: &str) -> Result<String, String> {
    match client.get_bucket_encryption().bucket(name).send().await {
        Ok(out) => {
            let Some(config) = out.server_side_encryption_configuration() else {
                return Err("s3:GetBucketEncryption answered without a configuration".to_string());
            };
            let algorithms: Vec<String> = config
                .rules()
                .iter()
                .filter_map(|r| r.apply_server_side_encryption_by_default())
                .map(|d| d.sse_algorithm().as_str().to_string())
                .collect();
            match algorithms.as_slice() {
                [] => Ok("none".to_string()),
                [one] => Ok(one.clone()),
                more => Err(format!(
                    "s3:GetBucketEncryption returned {} default rules ({}); which applies is not known",
                    more.len(),
                    more.join(", ")
                )),
            }
        }
        Err(e) if code(&e) == Some("ServerSideEncryptionConfigurationNotFoundError") => {
            Ok("none".to_string())
        }
        Err(e) => Err(format!("s3:GetBucketEncryption: {}", reason(&e))),
    }
}

/// An S3 client for `region`.
pub(crate) fn s3_client(ctx: &Ctx, region: &str) -> aws_sdk_s3::Client {
    let scope = "global";
    let base = client!(aws_sdk_s3, ctx, Some(region), scope);
    let conf = base
        .config()
        .to_builder()
        .force_path_style(ctx.path_style())
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// The shortest expiration, in days, of the enabled rules that apply to objects
/// written under `prefix` (flow logs write to `<prefix>AWSLogs/...`). Rules that
/// filter on tags never match flow-log objects, which carry none.
pub fn shortest_expiration(rules: &[LifecycleRule], prefix: &str) -> Option<u32> {
    rules
        .iter()
        .filter(|r| applies_to_flow_logs(r, prefix))
        .filter_map(|r| u32::try_from(r.expiration()?.days()?).ok())
        .min()
}

/// Whether an enabled rule with an expiration in days applies to objects written
/// under `<prefix>AWSLogs/` (the one definition is in core's
/// `remediation::lifecycle`, which the exported commands mirror).
pub fn applies_to_flow_logs(rule: &LifecycleRule, prefix: &str) -> bool {
    let (rule_prefix, tagged) = match rule.filter() {
        Some(f) => match f.and() {
            Some(and) => (and.prefix().unwrap_or_default(), !and.tags().is_empty()),
            None => (f.prefix().unwrap_or_default(), f.tag().is_some()),
        },
        #[allow(deprecated)]
        None => (rule.prefix().unwrap_or_default(), false),
    };
    lifecycle::applies_to_flow_logs(
        &lifecycle::Rule {
            enabled: *rule.status() == ExpirationStatus::Enabled,
            expiration_days: rule.expiration().and_then(|e| e.days()),
            prefix: rule_prefix,
            tagged,
        },
        prefix,
    )
}

/// The bucket's region (`GetBucketLocation`).
pub(crate) async fn bucket_region(ctx: &Ctx, bucket: &str) -> Result<String, String> {
    let home = ctx.home_region();
    let out = s3_client(ctx, &home)
        .get_bucket_location()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| format!("s3:GetBucketLocation {bucket}: {}", reason(&e)))?;
    Ok(region_of(out.location_constraint().map(|c| c.as_str())))
}

/// The region a `LocationConstraint` names.
fn region_of(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(other) => other.to_string(),
    }
}

/// The bucket's region, a client there, and its lifecycle rules.
async fn lifecycle_rules(
    ctx: &Ctx,
    bucket: &str,
) -> Result<(String, aws_sdk_s3::Client, Vec<LifecycleRule>), String> {
    let region = bucket_region(ctx, bucket).await?;
    let client = s3_client(ctx, &region);
    let current = client
        .get_bucket_lifecycle_configuration()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| {
            format!(
                "s3:GetBucketLifecycleConfiguration {bucket}: {}",
                reason(&e)
            )
        })?;
    Ok((region, client, current.rules().to_vec()))
}

/// Each lifecycle rule's id and expiration in days (if it expires by days).
pub(crate) async fn expirations(
    ctx: &Ctx,
    bucket: &str,
) -> Result<Vec<(String, Option<i32>)>, String> {
    let (_, _, rules) = lifecycle_rules(ctx, bucket).await?;
    Ok(rules
        .iter()
        .enumerate()
        .map(|(i, r)| (rule_key(i, r), r.expiration().and_then(|e| e.days())))
        .collect())
}

/// How the journal names a lifecycle rule: its id, or, for a rule without one,
/// its position (`#2`), so that two unnamed rules are never taken for each other.
pub(crate) fn rule_key(index: usize, rule: &LifecycleRule) -> String {
    match rule.id().filter(|id| !id.is_empty()) {
        Some(id) => id.to_string(),
        None => format!("#{}", index + 1),
    }
}

/// Sets the expiration days of the rules for which `change(rule)` says so, and
/// returns the bucket's region and the (rule id, previous days) of the rules
/// changed. Every other part of the configuration is kept as it is.
pub(crate) async fn change_expirations(
    ctx: &Ctx,
    bucket: &str,
    change: impl Fn(&str, &LifecycleRule) -> Option<i32>,
) -> Result<(String, Vec<(String, i32)>), String> {
    let (region, client, current) = lifecycle_rules(ctx, bucket).await?;
    let mut changed = Vec::new();
    let mut rules = Vec::new();
    for (i, rule) in current.iter().enumerate() {
        let key = rule_key(i, rule);
        let Some(days) = change(&key, rule) else {
            rules.push(rule.clone());
            continue;
        };
        let previous = rule.expiration().and_then(|e| e.days()).unwrap_or(0);
        changed.push((key, previous));
        let expiration = aws_sdk_s3::types::LifecycleExpiration::builder()
            .days(days)
            .set_expired_object_delete_marker(
                rule.expiration()
                    .and_then(|e| e.expired_object_delete_marker()),
            )
            .build();
        #[allow(deprecated)]
        let rebuilt = LifecycleRule::builder()
            .set_id(rule.id().map(str::to_string))
            .set_prefix(rule.prefix().map(str::to_string))
            .set_filter(rule.filter().cloned())
            .status(rule.status().clone())
            .set_transitions(Some(rule.transitions().to_vec()).filter(|t| !t.is_empty()))
            .set_noncurrent_version_transitions(
                Some(rule.noncurrent_version_transitions().to_vec()).filter(|t| !t.is_empty()),
            )
            .set_noncurrent_version_expiration(rule.noncurrent_version_expiration().cloned())
            .set_abort_incomplete_multipart_upload(
                rule.abort_incomplete_multipart_upload().cloned(),
            )
            .expiration(expiration)
            .build()
            .map_err(|e| format!("could not rebuild lifecycle rule: {e}"))?;
        rules.push(rebuilt);
    }
    if changed.is_empty() {
        return Ok((region, changed));
    }
    let configuration = aws_sdk_s3::types::BucketLifecycleConfiguration::builder()
        .set_rules(Some(rules))
        .build()
        .map_err(|e| format!("could not build lifecycle configuration: {e}"))?;
    client
        .put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(configuration)
        .send()
        .await
        .map_err(|e| {
            format!(
                "s3:PutBucketLifecycleConfiguration {bucket}: {}",
                reason(&e)
            )
        })?;
    Ok((region, changed))
}

/// The newest object under the flow-log key layout of each delivery, looking at
/// the most recent days first and stopping at the first day with objects.
async fn newest_object(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    deliveries: &BTreeSet<Delivery>,
    account_id: &str,
    collected_at: DateTime<Utc>,
    lookback_days: u32,
) -> Result<Option<DateTime<Utc>>, String> {
    let mut newest: Option<DateTime<Utc>> = None;
    for delivery in deliveries {
        for back in 0..=i64::from(lookback_days) {
            let day = collected_at - Duration::days(back);
            let key_prefix = day_prefix(delivery, account_id, day);
            let day_newest = list(client, bucket, &key_prefix)
                .await?
                .iter()
                .filter_map(|o| o.last_modified().and_then(to_chrono))
                .max();
            if let Some(t) = day_newest {
                newest = Some(newest.map_or(t, |n| n.max(t)));
                break;
            }
        }
    }
    Ok(newest)
}

/// `<prefix>AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/`, or the
/// Hive-compatible form.
pub fn day_prefix(d: &Delivery, account_id: &str, day: DateTime<Utc>) -> String {
    if d.hive {
        format!(
            "{}AWSLogs/aws-account-id={account_id}/aws-service=vpcflowlogs/aws-region={}/year={}/month={}/day={}/",
            d.prefix,
            d.region,
            day.format("%Y"),
            day.format("%m"),
            day.format("%d")
        )
    } else {
        format!(
            "{}AWSLogs/{account_id}/vpcflowlogs/{}/{}/",
            d.prefix,
            d.region,
            day.format("%Y/%m/%d")
        )
    }
}

#[cfg(test)]
mod tests {

    /// Rules without an id are told apart by their position.
    #[test]
    fn unnamed_rules_are_keyed_by_position() {
        let rule = |id: Option<&str>| {
            aws_sdk_s3::types::LifecycleRule::builder()
                .set_id(id.map(str::to_string))
                .status(aws_sdk_s3::types::ExpirationStatus::Enabled)
                .build()
                .unwrap_or_else(|e| panic!("{e}"))
        };
        assert_eq!(super::rule_key(0, &rule(Some("logs"))), "logs");
        assert_eq!(super::rule_key(1, &rule(None)), "#2");
        assert_eq!(super::rule_key(2, &rule(Some(""))), "#3");
        assert_ne!(
            super::rule_key(1, &rule(None)),
            super::rule_key(2, &rule(None))
        );
    }
    use super::*;
    use aws_sdk_s3::types::{LifecycleExpiration, LifecycleRuleFilter, Tag};

    fn rule(prefix: &str, days: i32, enabled: bool) -> LifecycleRule {
        LifecycleRule::builder()
            .filter(LifecycleRuleFilter::builder().prefix(prefix).build())
            .expiration(LifecycleExpiration::builder().days(days).build())
            .status(if enabled {
                ExpirationStatus::Enabled
            } else {
                ExpirationStatus::Disabled
            })
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn lifecycle_rules_that_apply() {
        let rules = vec![
            rule("other/", 1, true),
            rule("flow/", 90, true),
            rule("", 400, true),
            rule("flow/AWSLogs/", 7, false),
        ];
        assert_eq!(shortest_expiration(&rules, "flow/"), Some(90));
        assert_eq!(shortest_expiration(&rules, ""), Some(400));
        assert_eq!(shortest_expiration(&[], ""), None);
        let tagged = LifecycleRule::builder()
            .filter(
                LifecycleRuleFilter::builder()
                    .tag(
                        Tag::builder()
                            .key("k")
                            .value("v")
                            .build()
                            .unwrap_or_else(|e| panic!("{e}")),
                    )
                    .build(),
            )
            .expiration(LifecycleExpiration::builder().days(1).build())
            .status(ExpirationStatus::Enabled)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(shortest_expiration(&[tagged], ""), None);
    }

    #[test]
    fn flow_log_ids_in_keys() {
        assert_eq!(
            flow_log_of_key("p/AWSLogs/1/vpcflowlogs/us-east-1/2026/12/01/1_vpcflowlogs_us-east-1_fl-0abc_20261201T0005Z_9f.log.gz"),
            Some("fl-0abc")
        );
        assert_eq!(
            flow_log_of_key("x/year=2026/month=12/day=01/12/1_vpcflowlogs_us-east-1_fl-1_20261201T1200Z_a.log.parquet"),
            Some("fl-1")
        );
        assert_eq!(
            flow_log_of_key("p/AWSLogs/1/vpcflowlogs/us-east-1/2026/12/01/notes.txt"),
            None
        );
        assert_eq!(
            flow_log_of_key("1_cloudtrail_us-east-1_fl-1_x.json.gz"),
            None
        );
    }

    #[test]
    fn key_layouts() {
        let day = DateTime::from_timestamp(1_763_640_000, 0).unwrap_or_default();
        let plain = Delivery {
            prefix: "flow/".into(),
            region: "eu-west-1".into(),
            hive: false,
        };
        assert_eq!(
            day_prefix(&plain, "1", day),
            "flow/AWSLogs/1/vpcflowlogs/eu-west-1/2025/11/20/"
        );
        let hive = Delivery {
            hive: true,
            ..plain
        };
        assert_eq!(
            day_prefix(&hive, "1", day),
            "flow/AWSLogs/aws-account-id=1/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2025/month=11/day=20/"
        );
    }
}
