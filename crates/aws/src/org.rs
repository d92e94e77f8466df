//! Organization scanning: the member accounts, and a session in each.
//!
//! Accounts come from `organizations:ListAccounts` (the management account or a
//! delegated administrator). Each member is read through a role assumed in it
//! (`--org-role`, default `OrganizationAccountAccessRole`) with the session name
//! `flowaudit-scan`; the SDK's assume-role provider caches the credentials and
//! refreshes them before they expire, so long scans keep working. The account the
//! scan runs in is read with its own credentials.

use aws_config::sts::AssumeRoleProvider;
use aws_types::sdk_config::SharedCredentialsProvider;

use crate::clients::{client, Ctx};
use crate::errors::reason;
pub use crate::options::OrgOptions;

/// The session name member-account roles are assumed with (visible in CloudTrail).
pub const SESSION_NAME: &str = "flowaudit-scan";

/// The organization's ACTIVE accounts, filtered, sorted.
pub async fn accounts(base: &Ctx, opts: &OrgOptions) -> Result<Vec<String>, String> {
    let home = base.home_region();
    let orgs = client!(aws_sdk_organizations, base, Some(home.as_str()), "global");
    let pages: Vec<aws_sdk_organizations::operation::list_accounts::ListAccountsOutput> = orgs
        .list_accounts()
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| format!("organizations:ListAccounts: {}", reason(&e)))?;
    let listed: Vec<&aws_sdk_organizations::types::Account> =
        pages.iter().flat_map(|p| p.accounts()).collect();
    let mut ids: Vec<String> = listed
        .iter()
        .filter(|a| {
            a.status()
                .is_none_or(|s| *s == aws_sdk_organizations::types::AccountStatus::Active)
        })
        .filter_map(|a| a.id().map(str::to_string))
        .filter(|id| opts.accounts.is_empty() || opts.accounts.contains(id))
        .filter(|id| !opts.exclude.contains(id))
        .collect();
    ids.sort();
    ids.dedup();
    if let Some(missing) = opts
        .accounts
        .iter()
        .find(|a| !ids.contains(a) && !opts.exclude.contains(a))
    {
        return Err(format!(
            "--accounts: {missing} is not an active account of the organization"
        ));
    }
    Ok(ids)
}

/// A session in `account_id` through the org role. One explicit `AssumeRole`
/// (counted in `--stats`) proves the role can be assumed and gives AWS's reason
/// when it cannot; the session itself uses the SDK's assume-role provider, which
/// caches the credentials and refreshes them before they expire.
pub async fn session(base: &Ctx, account_id: &str, opts: &OrgOptions) -> Result<Ctx, String> {
    let partition = flowaudit_core::arn::partition(&base.home_region());
    let role_arn = format!("arn:{partition}:iam::{account_id}:role/{}", opts.role_name);
    let sts = client!(aws_sdk_sts, base, None, "global");
    let assumed = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name(SESSION_NAME)
        .set_external_id(opts.external_id.clone())
        .send()
        .await
        .map_err(|e| format!("could not assume {role_arn}: {}", reason(&e)))?;
    let arn = assumed
        .assumed_role_user()
        .map(|u| u.arn().to_string())
        .unwrap_or_default();
    if flowaudit_core::arn::account_of(&arn).is_some_and(|a| a != account_id) {
        return Err(format!(
            "assuming {role_arn} gave a session in another account ({arn})"
        ));
    }
    let mut builder = AssumeRoleProvider::builder(role_arn)
        .session_name(SESSION_NAME)
        .configure(&base.config);
    if let Some(external_id) = &opts.external_id {
        builder = builder.external_id(external_id.clone());
    }
    let provider = builder.build().await;
    Ok(Ctx {
        config: base
            .config
            .clone()
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build(),
        stats: base.stats.clone(),
        opts: base.opts.clone(),
    })
}
