//! How to scan: credentials, endpoints, bounds, organization and checkpoint.
//! Plain options, read by the session (`clients.rs`) and the scheduler
//! (`collect.rs`).

use std::path::PathBuf;
use std::time::Duration;

use crate::checkpoint::Fingerprint;

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
    /// Also measure the bytes flow logs delivered over this many days (`cost`):
    /// `IncomingBytes` of their log groups and the sizes of their S3 objects.
    pub volume_days: Option<u32>,
    /// Scan every account of the organization (`--org`).
    pub org: Option<OrgOptions>,
    /// Regions of one account read at once.
    pub account_concurrency: usize,
    /// Total time budget; what is not read by then is `ERROR`.
    pub timeout: Option<Duration>,
    /// Where the checkpoint goes, and whether to resume from it.
    pub checkpoint: Option<PathBuf>,
    pub resume: bool,
    /// Test switch: stop (as if interrupted) after this many region scans.
    pub stop_after: Option<usize>,
}

impl ScanOptions {
    /// The options a resumed scan must share with the interrupted one.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint {
            org: self.org.is_some(),
            org_role: self.org.as_ref().map(|o| o.role_name.clone()),
            accounts: self
                .org
                .as_ref()
                .map(|o| o.accounts.clone())
                .unwrap_or_default(),
            exclude_accounts: self
                .org
                .as_ref()
                .map(|o| o.exclude.clone())
                .unwrap_or_default(),
            regions: self.regions.clone(),
            role_arn: self.role_arn.clone(),
            profile: self.profile.clone(),
            delivery_lookback_days: Some(self.delivery_lookback_days),
            volume_days: self.volume_days,
        }
    }
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
            volume_days: None,
            org: None,
            account_concurrency: 4,
            timeout: None,
            checkpoint: None,
            resume: false,
            stop_after: None,
        }
    }
}

/// What `--org` scans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgOptions {
    /// Role name assumed in every member account.
    pub role_name: String,
    pub external_id: Option<String>,
    /// Only these accounts (empty: all).
    pub accounts: Vec<String>,
    /// Never these accounts.
    pub exclude: Vec<String>,
}

impl Default for OrgOptions {
    fn default() -> Self {
        OrgOptions {
            role_name: "OrganizationAccountAccessRole".to_string(),
            external_id: None,
            accounts: Vec::new(),
            exclude: Vec::new(),
        }
    }
}
