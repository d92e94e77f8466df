//! `flowaudit scan`: regions concurrently with a bound, then the account-wide
//! lookups (IAM roles, S3 buckets), into one inventory.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use flowaudit_core::arn;
use flowaudit_core::model::{AccountInventory, DestinationType, Inventory, RegionInventory};
use futures::{stream, StreamExt};

use crate::clients::{client, load_config, Ctx};
use crate::errors::reason;
use crate::s3::Delivery;
use crate::stats::{Stats, StatsSnapshot};
use crate::{ec2, iam, logs, s3};

/// How to scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub profile: Option<String>,
    /// Assume this role first.
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    /// Endpoint for every service (an emulator); `AWS_ENDPOINT_URL` also works.
    pub endpoint_url: Option<String>,
    /// Endpoint overrides for single regions.
    pub region_endpoints: Vec<(String, String)>,
    /// Regions to read; `None` for every region enabled for the account.
    pub regions: Option<Vec<String>>,
    /// Regions read at once.
    pub concurrency: usize,
    /// Page size for list calls (`None`: the services' maximum).
    pub page_size: Option<i32>,
    /// Timeout of one attempt of one call.
    pub call_timeout: Duration,
    /// Attempts per call, first included (retries with backoff).
    pub max_attempts: u32,
    /// How far back to look for the newest delivery, in days.
    pub delivery_lookback_days: u32,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            profile: None,
            role_arn: None,
            external_id: None,
            endpoint_url: None,
            region_endpoints: Vec::new(),
            regions: None,
            concurrency: 8,
            page_size: None,
            call_timeout: Duration::from_secs(20),
            max_attempts: 4,
            delivery_lookback_days: 2,
        }
    }
}

/// Progress reporting hooks (a progress bar in the CLI).
pub trait Progress: Send + Sync {
    fn regions_known(&self, count: usize);
    fn region_done(&self, region: &str, error: Option<&str>);
    fn phase(&self, message: &str);
}

/// No progress reporting.
pub struct Silent;

impl Progress for Silent {
    fn regions_known(&self, _: usize) {}
    fn region_done(&self, _: &str, _: Option<&str>) {}
    fn phase(&self, _: &str) {}
}

/// What a scan produced.
pub struct ScanOutcome {
    pub inventory: Inventory,
    pub stats: StatsSnapshot,
    /// The session the scan ran in, for follow-up calls (Security Hub import).
    pub session: Ctx,
}

/// Why a scan could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("could not identify the AWS account (no usable credentials?): {0}")]
    Identity(String),
    #[error("could not list the enabled regions: {0}")]
    Regions(String),
    #[error("no region to scan")]
    NoRegions,
}

/// Loads the configuration and identifies the account (`GetCallerIdentity`).
pub async fn connect(opts: ScanOptions) -> Result<(Ctx, String), ScanError> {
    let config = load_config(&opts).await;
    let ctx = Ctx {
        config,
        stats: Stats::default(),
        opts,
    };
    let sts = client!(aws_sdk_sts, &ctx, None, "global");
    let identity = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| ScanError::Identity(reason(&e)))?;
    let account_id = identity
        .account()
        .ok_or_else(|| ScanError::Identity("GetCallerIdentity returned no account".to_string()))?
        .to_string();
    Ok((ctx, account_id))
}

/// Scans one account.
pub async fn scan(opts: ScanOptions, progress: &dyn Progress) -> Result<ScanOutcome, ScanError> {
    let started = Instant::now();
    let collected_at = Utc::now();
    let (ctx, account_id) = connect(opts).await?;

    let regions = match &ctx.opts.regions {
        Some(list) => list.clone(),
        None => {
            let home = ctx.home_region();
            let ec2 = client!(aws_sdk_ec2, &ctx, Some(home.as_str()), &home);
            ec2::enabled_regions(&ec2)
                .await
                .map_err(ScanError::Regions)?
        }
    };
    if regions.is_empty() {
        return Err(ScanError::NoRegions);
    }
    progress.regions_known(regions.len());

    let concurrency = ctx.opts.concurrency.max(1);
    let mut read: Vec<(RegionInventory, HashSet<String>)> = stream::iter(regions.iter())
        .map(|region| {
            let ctx = &ctx;
            let account_id = account_id.as_str();
            async move {
                let t0 = Instant::now();
                let out = collect_region(ctx, region, account_id, collected_at).await;
                ctx.stats.record_wall(region, t0.elapsed());
                progress.region_done(region, out.0.error.as_deref());
                out
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    read.sort_by(|a, b| a.0.region.cmp(&b.0.region));

    progress.phase("reading delivery roles and buckets");
    let (roles, buckets) = referenced(&read, &account_id);
    let iam_client = client!(aws_sdk_iam, &ctx, None, "global");
    let lookback = ctx.opts.delivery_lookback_days;
    let role_reads = stream::iter(roles.iter())
        .map(|role| iam::collect_role(&iam_client, role))
        .buffered(4)
        .collect::<Vec<_>>();
    let bucket_reads = stream::iter(buckets.iter())
        .map(|(name, deliveries)| {
            s3::collect_bucket(&ctx, name, deliveries, &account_id, collected_at, lookback)
        })
        .buffered(4)
        .collect::<Vec<_>>();
    let (iam_roles, s3_buckets) = tokio::join!(role_reads, bucket_reads);

    let mut inventory = Inventory::new(collected_at);
    inventory.accounts.push(AccountInventory {
        account_id,
        error: None,
        regions: read.into_iter().map(|(r, _)| r).collect(),
        iam_roles,
        s3_buckets,
    });
    Ok(ScanOutcome {
        inventory,
        stats: ctx.stats.snapshot(started.elapsed()),
        session: ctx,
    })
}

/// The delivery roles (of this account) and S3 buckets that the flow logs of all
/// regions reference, each once.
fn referenced(
    read: &[(RegionInventory, HashSet<String>)],
    account_id: &str,
) -> (BTreeSet<String>, BTreeMap<String, BTreeSet<Delivery>>) {
    let mut roles = BTreeSet::new();
    let mut buckets: BTreeMap<String, BTreeSet<Delivery>> = BTreeMap::new();
    for (region, hive_flow_logs) in read {
        for flow_log in &region.flow_logs {
            if let Some(role) = &flow_log.deliver_logs_permission_arn {
                if flow_log.destination_type == DestinationType::CloudWatchLogs
                    && arn::account_of(role) == Some(account_id)
                {
                    roles.insert(role.clone());
                }
            }
            let (Some(name), Some(dest)) = (flow_log.s3_bucket(), &flow_log.log_destination) else {
                continue;
            };
            buckets.entry(name).or_default().insert(Delivery {
                prefix: arn::bucket_prefix_from_arn(dest),
                region: region.region.clone(),
                hive: hive_flow_logs.contains(&flow_log.flow_log_id),
            });
        }
    }
    (roles, buckets)
}

/// Reads one region. A failure of the EC2 lists makes the whole region `ERROR`;
/// a failure reading log groups marks those groups.
async fn collect_region(
    ctx: &Ctx,
    region: &str,
    account_id: &str,
    collected_at: DateTime<Utc>,
) -> (RegionInventory, HashSet<String>) {
    let mut out = RegionInventory {
        region: region.to_string(),
        error: None,
        vpcs: Vec::new(),
        subnets: Vec::new(),
        network_interfaces: Vec::new(),
        flow_logs: Vec::new(),
        log_groups: Vec::new(),
    };
    let ec2_client = client!(aws_sdk_ec2, ctx, Some(region), region);
    let ec2 = match ec2::collect(&ec2_client, ctx.opts.page_size).await {
        Ok(ec2) => ec2,
        Err(why) => {
            out.error = Some(why);
            return (out, HashSet::new());
        }
    };
    let groups: BTreeSet<String> = ec2
        .flow_logs
        .iter()
        .filter(|f| {
            // Groups in other accounts cannot be listed from here.
            let owner = f.log_destination.as_deref().and_then(arn::account_of);
            owner.is_none_or(|owner| owner == account_id)
        })
        .filter_map(|f| f.cloudwatch_log_group())
        .collect();
    let logs_client = client!(aws_sdk_cloudwatchlogs, ctx, Some(region), region);
    let metrics_client = client!(aws_sdk_cloudwatch, ctx, Some(region), region);
    out.log_groups = logs::collect(
        &logs_client,
        &metrics_client,
        &groups,
        collected_at,
        ctx.opts.delivery_lookback_days,
        ctx.opts.page_size,
    )
    .await;
    let hive = ec2.hive_partitions;
    out.vpcs = ec2.vpcs;
    out.subnets = ec2.subnets;
    out.network_interfaces = ec2.network_interfaces;
    out.flow_logs = ec2.flow_logs;
    (out, hive)
}
