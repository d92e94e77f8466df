//! `flowaudit scan`: one account or a whole organization, accounts × regions
//! concurrently within bounds, then the account-wide lookups (IAM roles, S3
//! buckets), into one inventory, checkpointed as it goes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use flowaudit_core::arn;
use flowaudit_core::model::{
    AccountInventory, DestinationType, IamRole, Inventory, RegionInventory, S3Bucket,
};
use futures::{stream, StreamExt, TryStreamExt};
use tokio::sync::Semaphore;

use crate::checkpoint::{self, CheckpointError};
use crate::clients::{client, load_config, Ctx};
use crate::errors::reason;
pub use crate::options::ScanOptions;
use crate::org;
use crate::s3::Delivery;
use crate::stats::{Stats, StatsSnapshot};
use crate::{ec2, iam, logs, s3};

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
    /// No credentials could be loaded from any source the SDK looks in.
    #[error("no AWS credentials could be loaded ({0}); provide them with `aws configure`, `aws sso login --profile NAME` and AWS_PROFILE=NAME, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (looked in: environment variables, the shared config and credentials files, SSO, web identity, the container and the EC2 instance metadata)")]
    NoCredentials(String),
    #[error("could not list the enabled regions: {0}")]
    Regions(String),
    #[error("no region to scan")]
    NoRegions,
    #[error("could not list the organization's accounts: {0}")]
    Organization(String),
    #[error("the organization has no account to scan (after --accounts and --exclude-accounts)")]
    NoAccounts,
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("stopped after {done} region scan(s) (FLOWAUDIT_SCAN_STOP_AFTER); the checkpoint holds what was read")]
    Stopped { done: usize },
    /// Every region failed: nothing could be judged.
    #[error("no region could be read ({tried} tried):\n{reasons}")]
    Unreadable { tried: usize, reasons: String },
}

/// Refuses an inventory in which no region could be read (the run itself
/// failed, exit 2, rather than a report of nothing but ERROR).
pub fn ensure_readable(inventory: &flowaudit_core::Inventory) -> Result<(), ScanError> {
    let regions: Vec<_> = inventory.accounts.iter().flat_map(|a| &a.regions).collect();
    if !regions.is_empty() && regions.iter().all(|r| r.error.is_some()) {
        let reasons: Vec<String> = regions
            .iter()
            .take(5)
            .map(|r| format!("  {}: {}", r.region, r.error.as_deref().unwrap_or_default()))
            .collect();
        return Err(ScanError::Unreadable {
            tried: regions.len(),
            reasons: reasons.join("\n"),
        });
    }
    Ok(())
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
    let identity =
        sts.get_caller_identity().send().await.map_err(
            |e| match crate::errors::credentials_problem(&e) {
                Some(why) => ScanError::NoCredentials(why),
                None => ScanError::Identity(reason(&e)),
            },
        )?;
    let account_id = identity
        .account()
        .ok_or_else(|| ScanError::Identity("GetCallerIdentity returned no account".to_string()))?
        .to_string();
    Ok((ctx, account_id))
}

/// An account ready to be read: its session and regions, or why it cannot be.
struct Account {
    id: String,
    setup: Result<(Ctx, Vec<String>), String>,
}

/// Scans one account, or every account of the organization: accounts × regions
/// under one scheduler with a global bound (`concurrency`) and a per-account bound
/// (`account_concurrency`), then each account's IAM roles and S3 buckets once.
/// Every region and account read goes to the checkpoint as soon as it is done.
pub async fn scan(opts: ScanOptions, progress: &dyn Progress) -> Result<ScanOutcome, ScanError> {
    let started = Instant::now();
    let deadline = opts.timeout.map(|t| tokio::time::Instant::now() + t);
    let fingerprint = opts.fingerprint();
    let now = Utc::now();
    let (loaded, writer) = open_checkpoint(&opts, now, &fingerprint)?;
    let collected_at = loaded.as_ref().map_or(now, |l| l.collected_at);
    let prior = loaded.map(|l| l.accounts).unwrap_or_default();
    let (base, caller) = connect(opts).await?;

    let account_ids = match &base.opts.org {
        Some(org) => {
            progress.phase("listing the organization's accounts");
            org::accounts(&base, org)
                .await
                .map_err(ScanError::Organization)?
        }
        None => vec![caller.clone()],
    };
    if account_ids.is_empty() {
        return Err(ScanError::NoAccounts);
    }
    let multi = base.opts.org.is_some();
    let budget = base.opts.timeout;
    let out_of_time = move || {
        format!(
            "not read: the scan's time budget (--timeout {} s) ran out",
            budget.map_or(0, |b| b.as_secs())
        )
    };

    // 1. Accounts: a session in each (assume role) and its regions.
    progress.phase("setting up accounts");
    let concurrency = base.opts.concurrency.max(1);
    let accounts = set_up_accounts(
        &base,
        &caller,
        &prior,
        &account_ids,
        deadline,
        &out_of_time,
        concurrency,
    )
    .await;
    if let Some(w) = &writer {
        record_setups(w, &accounts, &prior)?;
    }
    if !multi {
        if let Some(Err(why)) = accounts.first().map(|a| &a.setup) {
            return Err(ScanError::Regions(why.clone()));
        }
    }

    // 2. Regions: interleaved across accounts so the global bound spreads over
    //    them; a per-account semaphore keeps any one account's load bounded.
    let total: usize = accounts
        .iter()
        .map(|a| a.setup.as_ref().map_or(0, |(_, r)| r.len()))
        .sum();
    if total == 0 && !multi {
        return Err(ScanError::NoRegions);
    }
    progress.regions_known(total);
    let per_account: Vec<Arc<Semaphore>> = accounts
        .iter()
        .map(|_| Arc::new(Semaphore::new(base.opts.account_concurrency.max(1))))
        .collect();
    let tasks = interleave(&accounts);
    let done = AtomicUsize::new(0);
    let started_count = AtomicUsize::new(0);
    let stopped = AtomicBool::new(false);
    let stop_after = base.opts.stop_after;
    let fresh: Vec<(usize, RegionInventory, BTreeSet<String>)> = stream::iter(tasks)
        .map(|(i, region)| {
            let (accounts, per_account, writer, prior) = (&accounts, &per_account, &writer, &prior);
            let (done, stopped, started_count) = (&done, &stopped, &started_count);
            async move {
                let account = &accounts[i];
                let label = if multi {
                    format!("{}/{region}", account.id)
                } else {
                    region.clone()
                };
                if let Some((inv, hive)) =
                    prior.get(&account.id).and_then(|a| a.regions.get(&region))
                {
                    progress.region_done(&label, inv.error.as_deref());
                    return Ok(Some((i, inv.clone(), hive.clone())));
                }
                let Ok((ctx, _)) = &account.setup else {
                    return Ok(None);
                };
                let _permit = per_account[i].acquire().await;
                let n = started_count.fetch_add(1, Ordering::SeqCst) + 1;
                if stop_after.is_some_and(|k| n > k) {
                    stopped.store(true, Ordering::SeqCst);
                    return Ok(None);
                }
                let t0 = Instant::now();
                let (inv, hive) = match deadline {
                    Some(d) if tokio::time::Instant::now() >= d => {
                        (unread(&region, out_of_time()), BTreeSet::new())
                    }
                    Some(d) => tokio::time::timeout_at(
                        d,
                        collect_region(ctx, &region, &account.id, collected_at, &label),
                    )
                    .await
                    .unwrap_or_else(|_| (unread(&region, out_of_time()), BTreeSet::new())),
                    None => collect_region(ctx, &region, &account.id, collected_at, &label).await,
                };
                ctx.stats.record_wall(&label, t0.elapsed());
                if let Some(w) = writer {
                    w.region(&account.id, &inv, &hive)?;
                }
                progress.region_done(&label, inv.error.as_deref());
                done.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ScanError>(Some((i, inv, hive)))
            }
        })
        .buffer_unordered(concurrency)
        .try_filter_map(|x| async move { Ok(x) })
        .try_collect()
        .await?;
    if stopped.load(Ordering::SeqCst) {
        return Err(ScanError::Stopped {
            done: done.load(Ordering::SeqCst),
        });
    }
    let mut read: Vec<Vec<(RegionInventory, BTreeSet<String>)>> =
        accounts.iter().map(|_| Vec::new()).collect();
    for (i, inv, hive) in fresh {
        read[i].push((inv, hive));
    }

    // 3. Per account, once: the delivery roles and buckets its flow logs name.
    progress.phase("reading delivery roles and buckets");
    let lookback = (base.opts.delivery_lookback_days, base.opts.volume_days);
    let globals = read_globals(
        &accounts,
        &read,
        writer.as_ref(),
        &prior,
        collected_at,
        lookback,
        concurrency,
    )
    .await?;

    Ok(ScanOutcome {
        inventory: assemble(collected_at, accounts, read, globals),
        stats: base.stats.snapshot(started.elapsed()),
        session: base,
    })
}

/// A session in each account (assuming the role in members) and its enabled
/// regions, from the checkpoint where it holds them; within the time budget.
async fn set_up_accounts(
    base: &Ctx,
    caller: &str,
    prior: &BTreeMap<String, checkpoint::AccountState>,
    account_ids: &[String],
    deadline: Option<tokio::time::Instant>,
    out_of_time: &(dyn Fn() -> String + Sync),
    concurrency: usize,
) -> Vec<Account> {
    stream::iter(account_ids.iter())
        .map(|id| {
            async move {
                let known = prior.get(id).and_then(|a| a.setup.clone());
                let complete = prior.get(id).is_some_and(|a| {
                    a.globals.is_some()
                        && matches!(&a.setup, Some(Ok(regions)) if regions.iter().all(|r| a.regions.contains_key(r)))
                });
                let setup = match (known, deadline) {
                    (Some(Err(why)), _) => Err(why),
                    // Everything of this account is in the checkpoint: no session needed.
                    (Some(Ok(regions)), _) if complete => Ok((base.clone(), regions)),
                    (_, Some(d)) if tokio::time::Instant::now() >= d => Err(out_of_time()),
                    (known, _) => {
                        let work = set_up(base, id, caller, known.and_then(Result::ok));
                        match deadline {
                            Some(d) => tokio::time::timeout_at(d, work)
                                .await
                                .unwrap_or_else(|_| Err(out_of_time())),
                            None => work.await,
                        }
                    }
                };
                Account {
                    id: id.clone(),
                    setup,
                }
            }
        })
        .buffered(concurrency)
        .collect()
        .await
}

/// Per account, once: the delivery roles and buckets its flow logs name (from
/// the checkpoint when it holds them), recorded as they are read.
async fn read_globals(
    accounts: &[Account],
    read: &[Vec<(RegionInventory, BTreeSet<String>)>],
    writer: Option<&checkpoint::Writer>,
    prior: &BTreeMap<String, checkpoint::AccountState>,
    collected_at: DateTime<Utc>,
    lookback: (u32, Option<u32>),
    concurrency: usize,
) -> Result<Vec<(Vec<IamRole>, Vec<S3Bucket>)>, ScanError> {
    stream::iter(accounts.iter().zip(read))
        .map(|(account, regions)| async move {
            if let Some(g) = prior.get(&account.id).and_then(|a| a.globals.clone()) {
                return Ok::<_, ScanError>(g);
            }
            let Ok((ctx, _)) = &account.setup else {
                return Ok((Vec::new(), Vec::new()));
            };
            let (roles, buckets) = referenced(regions, &account.id);
            let iam_client = client!(aws_sdk_iam, ctx, None, "global");
            let role_reads = stream::iter(roles.iter())
                .map(|role| iam::collect_role(&iam_client, role))
                .buffered(4)
                .collect::<Vec<_>>();
            let bucket_reads = stream::iter(buckets.iter())
                .map(|(name, deliveries)| {
                    s3::collect_bucket(ctx, name, deliveries, &account.id, collected_at, lookback)
                })
                .buffered(4)
                .collect::<Vec<_>>();
            let (iam_roles, s3_buckets) = tokio::join!(role_reads, bucket_reads);
            if let Some(w) = writer {
                w.globals(&account.id, &iam_roles, &s3_buckets)?;
            }
            Ok((iam_roles, s3_buckets))
        })
        .buffered(concurrency)
        .try_collect()
        .await
}

/// The checkpoint of this scan: what an interrupted one read (with `--resume`)
/// and the writer that records what this one reads.
fn open_checkpoint(
    opts: &ScanOptions,
    now: DateTime<Utc>,
    fingerprint: &checkpoint::Fingerprint,
) -> Result<(Option<checkpoint::Loaded>, Option<checkpoint::Writer>), ScanError> {
    Ok(match (&opts.checkpoint, opts.resume) {
        (Some(path), true) => (
            Some(checkpoint::load(path, fingerprint)?),
            Some(checkpoint::Writer::append_to(path)?),
        ),
        (Some(path), false) => (
            None,
            Some(checkpoint::Writer::create(path, now, fingerprint)?),
        ),
        (None, _) => (None, None),
    })
}

/// Records each account's set-up (its regions, or why it failed) that the
/// checkpoint does not hold yet.
fn record_setups(
    w: &checkpoint::Writer,
    accounts: &[Account],
    prior: &BTreeMap<String, checkpoint::AccountState>,
) -> Result<(), ScanError> {
    for a in accounts {
        if prior.get(&a.id).and_then(|p| p.setup.as_ref()).is_none() {
            w.account(
                &a.id,
                &a.setup
                    .as_ref()
                    .map(|(_, r)| r.clone())
                    .map_err(Clone::clone),
            )?;
        }
    }
    Ok(())
}

/// (account index, region) tasks, interleaved across accounts (each account's
/// first region, then each one's second, ...), so the global bound spreads over
/// them.
fn interleave(accounts: &[Account]) -> Vec<(usize, String)> {
    let longest = accounts
        .iter()
        .map(|a| a.setup.as_ref().map_or(0, |(_, r)| r.len()))
        .max()
        .unwrap_or(0);
    let mut tasks = Vec::new();
    for round in 0..longest {
        for (i, a) in accounts.iter().enumerate() {
            if let Ok((_, regions)) = &a.setup {
                if let Some(region) = regions.get(round) {
                    tasks.push((i, region.clone()));
                }
            }
        }
    }
    tasks
}

/// The inventory: per account, its regions in name order and its roles and
/// buckets; an account that could not be set up carries why.
fn assemble(
    collected_at: DateTime<Utc>,
    accounts: Vec<Account>,
    read: Vec<Vec<(RegionInventory, BTreeSet<String>)>>,
    globals: Vec<(Vec<IamRole>, Vec<S3Bucket>)>,
) -> Inventory {
    let mut inventory = Inventory::new(collected_at);
    for ((account, mut regions), (iam_roles, s3_buckets)) in
        accounts.into_iter().zip(read).zip(globals)
    {
        regions.sort_by(|a, b| a.0.region.cmp(&b.0.region));
        inventory.accounts.push(AccountInventory {
            account_id: account.id,
            error: account.setup.err(),
            regions: regions.into_iter().map(|(r, _)| r).collect(),
            iam_roles,
            s3_buckets,
        });
    }
    inventory
}

/// A session in one account and the regions to read there. The account the
/// scan runs in uses its own credentials; the others assume the org role.
async fn set_up(
    base: &Ctx,
    account_id: &str,
    caller: &str,
    known_regions: Option<Vec<String>>,
) -> Result<(Ctx, Vec<String>), String> {
    let ctx = match &base.opts.org {
        Some(org) if account_id != caller => org::session(base, account_id, org).await?,
        _ => base.clone(),
    };
    let regions = match (known_regions, &ctx.opts.regions) {
        (Some(regions), _) => regions,
        (None, Some(list)) => list.clone(),
        (None, None) => {
            let home = ctx.home_region();
            let ec2 = client!(aws_sdk_ec2, &ctx, Some(home.as_str()), "global");
            ec2::enabled_regions(&ec2).await?
        }
    };
    Ok((ctx, regions))
}

/// A region with nothing read yet.
fn empty_region(region: &str) -> RegionInventory {
    RegionInventory {
        region: region.to_string(),
        error: None,
        vpcs: Vec::new(),
        subnets: Vec::new(),
        network_interfaces: Vec::new(),
        flow_logs: Vec::new(),
        log_groups: Vec::new(),
        transit_gateways: None,
        transit_gateways_error: None,
        firehose_streams: vec![],
    }
}

/// A region that was not read, and why.
fn unread(region: &str, why: String) -> RegionInventory {
    RegionInventory {
        error: Some(why),
        ..empty_region(region)
    }
}

/// The delivery roles (of this account) and S3 buckets that the flow logs of all
/// regions reference, each once.
fn referenced(
    read: &[(RegionInventory, BTreeSet<String>)],
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
    scope: &str,
) -> (RegionInventory, BTreeSet<String>) {
    let mut out = empty_region(region);
    let ec2_client = client!(aws_sdk_ec2, ctx, Some(region), scope);
    let ec2 = match ec2::collect(&ec2_client, ctx.opts.page_size).await {
        Ok(ec2) => ec2,
        Err(why) => {
            out.error = Some(why);
            return (out, BTreeSet::new());
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
    let logs_client = client!(aws_sdk_cloudwatchlogs, ctx, Some(region), scope);
    let metrics_client = client!(aws_sdk_cloudwatch, ctx, Some(region), scope);
    out.log_groups = logs::collect(
        &logs_client,
        &metrics_client,
        &groups,
        collected_at,
        ctx.opts.delivery_lookback_days,
        ctx.opts.volume_days,
        ctx.opts.page_size,
    )
    .await;
    if let Some(days) = ctx.opts.volume_days {
        let streams: BTreeSet<String> = ec2
            .flow_logs
            .iter()
            .filter_map(|f| f.firehose_stream())
            .collect();
        if !streams.is_empty() {
            out.firehose_streams =
                logs::firehose_streams(&metrics_client, &streams, collected_at, days).await;
        }
    }
    let hive = ec2.hive_partitions.into_iter().collect();
    out.vpcs = ec2.vpcs;
    out.subnets = ec2.subnets;
    out.network_interfaces = ec2.network_interfaces;
    out.flow_logs = ec2.flow_logs;
    match ec2.transit_gateways {
        Ok(list) => out.transit_gateways = Some(list),
        Err(why) => out.transit_gateways_error = Some(why),
    }
    (out, hive)
}
