//! One shared `SdkConfig`, and per-service clients built from it with the
//! call-counting interceptor, the region, and endpoint overrides.

use std::time::Duration;

use aws_config::environment::EnvironmentVariableRegionProvider;
use aws_config::imds::region::ImdsRegionProvider;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileRegionProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use aws_smithy_runtime::client::retries::{RetryPartition, TokenBucket};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_types::sdk_config::SharedCredentialsProvider;

use crate::options::ScanOptions;
use crate::stats::Stats;

/// Loads the shared configuration: credential chain, profile, endpoint, retries
/// with backoff, timeouts, and an assumed role when asked.
pub async fn load_config(opts: &ScanOptions) -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(opts.call_timeout)
        .operation_timeout(opts.call_timeout * 3)
        .build();
    let http = https_client();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http.clone())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(opts.max_attempts)
                .with_initial_backoff(Duration::from_millis(200)),
        )
        .timeout_config(timeouts)
        .region(region_chain(http));
    if let Some(profile) = &opts.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let base = loader.load().await;
    let Some(role_arn) = &opts.role_arn else {
        return base;
    };
    let mut builder = AssumeRoleProvider::builder(role_arn.clone())
        .session_name("flowaudit")
        .configure(&base);
    if let Some(external_id) = &opts.external_id {
        builder = builder.external_id(external_id.clone());
    }
    let provider = builder.build().await;
    base.into_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
}

/// Where the region comes from: the environment, the shared config file, the
/// instance metadata service (through `http`; the SDK's own default chain would
/// build an IMDS client without one), else us-east-1.
fn region_chain(http: SharedHttpClient) -> RegionProviderChain {
    let conf = ProviderConfig::default().with_http_client(http);
    RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
        .or_else(
            ProfileFileRegionProvider::builder()
                .configure(&conf)
                .build(),
        )
        .or_else(ImdsRegionProvider::builder().configure(&conf).build())
        .or_else(Region::new("us-east-1"))
}

/// The HTTPS client of every AWS call, the credential providers' included: hyper
/// with rustls on ring's cryptography and the system's root certificates. ring
/// instead of the SDK's default aws-lc-rs: it builds in seconds where aws-lc-sys
/// takes minutes, at the cost of the hybrid post-quantum key exchange (README,
/// "Build time and size").
fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The retry partition every client shares: retries are bounded per call by
/// `--max-attempts` with exponential backoff, and not by the SDK's shared retry
/// quota, which a long scan under throttling would drain, turning later throttled
/// calls into failures without a single retry.
pub fn retry_partition() -> RetryPartition {
    static PARTITION: std::sync::OnceLock<RetryPartition> = std::sync::OnceLock::new();
    PARTITION
        .get_or_init(|| {
            RetryPartition::custom("flowaudit")
                .token_bucket(TokenBucket::unlimited())
                .build()
        })
        .clone()
}

/// Builds a client of one service for `region` (`None`: the configured region),
/// counting its calls under `scope`.
macro_rules! client {
    ($krate:ident, $ctx:expr, $region:expr, $scope:expr) => {{
        let ctx: &$crate::clients::Ctx = $ctx;
        let region: Option<&str> = $region;
        let mut builder = $krate::config::Builder::from(&ctx.config)
            .interceptor(ctx.stats.interceptor($scope))
            .retry_partition($crate::clients::retry_partition());
        if let Some(region) = region {
            builder = builder.region(aws_config::Region::new(region.to_string()));
            if let Some(url) = ctx.endpoint_for(region) {
                builder = builder.endpoint_url(url);
            }
        }
        $krate::Client::from_conf(builder.build())
    }};
}
pub(crate) use client;

/// Runs a paginated list request to the end and collects its items; a failure
/// becomes `"<operation>: <reason>"`.
macro_rules! list_all {
    ($request:expr, $operation:literal) => {
        async {
            $request
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| format!("{}: {}", $operation, $crate::errors::reason(&e)))
        }
    };
}
pub(crate) use list_all;

/// What every collector function needs.
#[derive(Clone)]
pub struct Ctx {
    pub config: SdkConfig,
    pub stats: Stats,
    pub opts: ScanOptions,
}

impl Ctx {
    /// An endpoint override for one region (`--endpoint-url-region`).
    pub fn endpoint_for(&self, region: &str) -> Option<String> {
        self.opts
            .region_endpoints
            .iter()
            .find(|(r, _)| r == region)
            .map(|(_, url)| url.clone())
    }

    /// The region of the shared configuration.
    pub fn home_region(&self) -> String {
        self.config
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".to_string())
    }

    /// Whether S3 must be addressed path-style (an emulator endpoint).
    pub fn path_style(&self) -> bool {
        self.opts.endpoint_url.is_some() || std::env::var_os("AWS_ENDPOINT_URL").is_some()
    }
}
