//! `flowaudit rollback`: undoes what a fix journal says flowaudit changed, in
//! reverse order, and only what is still as flowaudit left it.
//!
//! The journal is a file anyone with write access to it could have crafted, so
//! before changing anything every entry is checked against AWS: a created flow
//! log, log group or role must carry the `managed-by=flowaudit` tag (and the flow
//! log must still be the VPC's the journal names); a removed policy must be the
//! delivery policy flowaudit puts; a retention, trust policy or lifecycle rule
//! is restored only while it still holds the value flowaudit set. One entry that
//! fails this refuses the whole rollback, listing every such entry.

use flowaudit_core::remediation::{
    trust_policy, DELIVERY_POLICY_NAME, MANAGED_BY_KEY, MANAGED_BY_VALUE,
};

use crate::clients::{client, Ctx};
use crate::errors::{code, reason};
use crate::fix::put_retention;
use crate::journal::{Change, Entry};

/// Whether a tag list holds flowaudit's own tag.
fn managed<'a>(mut tags: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
    tags.any(|(k, v)| k == MANAGED_BY_KEY && v == MANAGED_BY_VALUE)
}

/// What undoing one journal entry would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Undo it (or report its resource already gone).
    Undo,
    /// Not flowaudit's, or changed since: undoing could harm; why.
    Refuse(String),
    /// Already back to what it was before flowaudit changed it (a rollback
    /// that ran before): nothing to do, and what to say.
    Restored(String),
}

/// What undoing `entry` would do, judged against AWS now.
async fn verdict(ctx: &Ctx, iam: &aws_sdk_iam::Client, entry: &Entry) -> Result<Verdict, String> {
    let why = match &entry.change {
        Change::CreatedFlowLog {
            region,
            vpc_id,
            flow_log_id,
        } => {
            let ec2 = client!(aws_sdk_ec2, ctx, Some(region.as_str()), "fix");
            let out = ec2
                .describe_flow_logs()
                .flow_log_ids(flow_log_id)
                .send()
                .await
                .map_err(|e| format!("ec2:DescribeFlowLogs {flow_log_id}: {}", reason(&e)))?;
            match out.flow_logs().first() {
                None => None,
                Some(f) if f.resource_id() != Some(vpc_id.as_str()) => Some(format!(
                    "flow log {flow_log_id} logs {}, not {vpc_id} as the journal says",
                    f.resource_id().unwrap_or("an unnamed resource")
                )),
                Some(f)
                    if !managed(
                        f.tags()
                            .iter()
                            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
                    ) =>
                {
                    Some(format!(
                        "flow log {flow_log_id} is not tagged {MANAGED_BY_KEY}={MANAGED_BY_VALUE}"
                    ))
                }
                Some(_) => None,
            }
        }
        Change::CreatedLogGroup {
            region,
            log_group_name,
        } => {
            let logs = client!(aws_sdk_cloudwatchlogs, ctx, Some(region.as_str()), "fix");
            #[allow(deprecated)]
            let got = logs
                .list_tags_log_group()
                .log_group_name(log_group_name)
                .send()
                .await;
            match got {
                Err(e) if code(&e) == Some("ResourceNotFoundException") => None,
                Err(e) => {
                    return Err(format!(
                        "logs:ListTagsLogGroup {log_group_name}: {}",
                        reason(&e)
                    ))
                }
                Ok(out) => {
                    let tags = out.tags();
                    let tagged = tags.is_some_and(|t| {
                        managed(t.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                    });
                    (!tagged).then(|| {
                        format!(
                            "log group {log_group_name} in {region} is not tagged {MANAGED_BY_KEY}={MANAGED_BY_VALUE}"
                        )
                    })
                }
            }
        }
        Change::CreatedRole { role_name } => {
            match iam.get_role().role_name(role_name).send().await {
                Err(e) if code(&e) == Some("NoSuchEntity") => None,
                Err(e) => return Err(format!("iam:GetRole {role_name}: {}", reason(&e))),
                Ok(out) => {
                    let tagged = out
                        .role()
                        .is_some_and(|r| managed(r.tags().iter().map(|t| (t.key(), t.value()))));
                    (!tagged).then(|| {
                        format!("role {role_name} is not tagged {MANAGED_BY_KEY}={MANAGED_BY_VALUE}")
                    })
                }
            }
        }
        Change::PutRolePolicy {
            role_name,
            policy_name,
        } => (policy_name != DELIVERY_POLICY_NAME).then(|| {
            format!(
                "policy {policy_name} of role {role_name} is not the delivery policy flowaudit puts ({DELIVERY_POLICY_NAME})"
            )
        }),
        Change::ChangedTrustPolicy { role_name, previous } => {
            let out = iam
                .get_role()
                .role_name(role_name)
                .send()
                .await
                .map_err(|e| format!("iam:GetRole {role_name}: {}", reason(&e)))?;
            let current = out
                .role()
                .and_then(|r| r.assume_role_policy_document())
                .and_then(|d| crate::iam::parse_document(d).ok());
            let before = previous
                .as_deref()
                .filter(|p| !p.is_empty())
                .and_then(|p| crate::iam::parse_document(p).ok());
            if current.is_some() && current == before {
                return Ok(Verdict::Restored(format!(
                    "the trust policy of {role_name} was already restored"
                )));
            }
            (current != Some(trust_policy(&entry.account_id))).then(|| {
                format!(
                    "the trust policy of role {role_name} is no longer the one flowaudit set"
                )
            })
        }
        Change::ChangedRetention {
            region,
            log_group_name,
            set_days,
            previous_days,
        } => {
            let logs = client!(aws_sdk_cloudwatchlogs, ctx, Some(region.as_str()), "fix");
            let out = logs
                .describe_log_groups()
                .log_group_name_prefix(log_group_name)
                .send()
                .await
                .map_err(|e| {
                    format!("logs:DescribeLogGroups {log_group_name}: {}", reason(&e))
                })?;
            let group = out
                .log_groups()
                .iter()
                .find(|g| g.log_group_name() == Some(log_group_name.as_str()));
            let before = previous_days.map(|d| i32::try_from(d).ok());
            match group {
                None => Some(format!("log group {log_group_name} in {region} is gone")),
                Some(g) if Some(g.retention_in_days()) == before || (before.is_none() && g.retention_in_days().is_none()) => {
                    return Ok(Verdict::Restored(format!(
                        "the retention of {log_group_name} was already restored"
                    )));
                }
                Some(g) if g.retention_in_days() != i32::try_from(*set_days).ok() => {
                    Some(format!(
                        "the retention of {log_group_name} is {}, not the {set_days} days flowaudit set",
                        g.retention_in_days()
                            .map_or("never expire".to_string(), |d| format!("{d} days"))
                    ))
                }
                Some(_) => None,
            }
        }
        Change::ChangedBucketExpiration {
            bucket,
            previous,
            set_days,
        } => {
            let current = crate::s3::expirations(ctx, bucket).await?;
            let restored = previous
                .iter()
                .all(|(id, days)| current.iter().any(|(c, d)| c == id && *d == Some(*days)));
            if restored && !previous.is_empty() {
                return Ok(Verdict::Restored(format!(
                    "the expiration of {} lifecycle rule(s) of {bucket} was already restored",
                    previous.len()
                )));
            }
            let moved: Vec<&str> = previous
                .iter()
                .filter(|(id, _)| {
                    !current
                        .iter()
                        .any(|(c, days)| c == id && *days == Some(*set_days))
                })
                .map(|(id, _)| id.as_str())
                .collect();
            (!moved.is_empty()).then(|| {
                format!(
                    "lifecycle rule(s) {} of bucket {bucket} no longer expire after the {set_days} days flowaudit set",
                    moved.join(", ")
                )
            })
        }
    };
    Ok(match why {
        Some(why) => Verdict::Refuse(why),
        None => Verdict::Undo,
    })
}

/// Judges every entry against AWS, in journal order.
pub async fn verify(ctx: &Ctx, entries: &[Entry]) -> Result<Vec<Verdict>, String> {
    let iam = client!(aws_sdk_iam, ctx, None, "fix");
    let mut verdicts = Vec::with_capacity(entries.len());
    for entry in entries {
        verdicts.push(verdict(ctx, &iam, entry).await?);
    }
    Ok(verdicts)
}

/// Why a rollback stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Entries (one line each) that do not match what flowaudit created or set:
    /// nothing was undone.
    Refused(Vec<String>),
    /// A step failed after the changes in `undone` were undone (the journal's
    /// later entries; the earlier ones are left).
    Step { undone: Vec<String>, error: String },
}

/// Undoes the journal's changes in reverse order once [`verify`] finds nothing
/// to refuse; returns one line per change. Something already gone is reported,
/// not an error.
pub async fn rollback(ctx: &Ctx, entries: &[Entry]) -> Result<Vec<String>, Failure> {
    let verdicts = verify(ctx, entries).await.map_err(|error| Failure::Step {
        undone: Vec::new(),
        error,
    })?;
    let refused: Vec<String> = verdicts
        .iter()
        .enumerate()
        .filter_map(|(i, v)| match v {
            Verdict::Refuse(why) => Some(format!("entry {}: {why}", i + 1)),
            _ => None,
        })
        .collect();
    if !refused.is_empty() {
        return Err(Failure::Refused(refused));
    }
    let iam = client!(aws_sdk_iam, ctx, None, "fix");
    let mut done = Vec::new();
    for (entry, verdict) in entries.iter().zip(&verdicts).rev() {
        if let Verdict::Restored(what) = verdict {
            done.push(what.clone());
            continue;
        }
        match undo(ctx, &iam, entry).await {
            Ok(line) => done.push(line),
            Err(error) => {
                return Err(Failure::Step {
                    undone: done,
                    error,
                })
            }
        }
    }
    Ok(done)
}

/// Undoes one journal entry; what was done, in one line.
async fn undo(ctx: &Ctx, iam: &aws_sdk_iam::Client, entry: &Entry) -> Result<String, String> {
    let line = match &entry.change {
        Change::CreatedFlowLog {
            region,
            flow_log_id,
            ..
        } => {
            let ec2 = client!(aws_sdk_ec2, ctx, Some(region.as_str()), "fix");
            let gone = format!("flow log {flow_log_id} was already gone");
            match ec2
                .delete_flow_logs()
                .flow_log_ids(flow_log_id)
                .send()
                .await
            {
                Err(e) if code(&e) == Some("InvalidFlowLogId.NotFound") => gone,
                Err(e) => {
                    return Err(format!("ec2:DeleteFlowLogs {flow_log_id}: {}", reason(&e)))
                }
                Ok(out) => match out.unsuccessful().first().map(|u| u.error()) {
                    None => format!("deleted flow log {flow_log_id}"),
                    Some(Some(e)) if e.code() == Some("InvalidFlowLogId.NotFound") => gone,
                    Some(e) => {
                        return Err(format!(
                            "ec2:DeleteFlowLogs {flow_log_id}: {}",
                            e.and_then(|e| e.message().or(e.code()))
                                .unwrap_or("unsuccessful, no reason given")
                        ))
                    }
                },
            }
        }
        Change::PutRolePolicy {
            role_name,
            policy_name,
        } => deleted(
            iam.delete_role_policy()
                .role_name(role_name)
                .policy_name(policy_name)
                .send()
                .await,
            "NoSuchEntity",
            &format!("iam:DeleteRolePolicy {role_name}"),
            format!("deleted policy {policy_name} of role {role_name}"),
            format!("policy {policy_name} of {role_name} was already gone"),
        )?,
        Change::CreatedRole { role_name } => deleted(
            iam.delete_role().role_name(role_name).send().await,
            "NoSuchEntity",
            &format!("iam:DeleteRole {role_name}"),
            format!("deleted role {role_name}"),
            format!("role {role_name} was already gone"),
        )?,
        Change::ChangedTrustPolicy {
            role_name,
            previous,
        } => match previous.as_deref().filter(|p| !p.is_empty()) {
            Some(previous) => {
                iam.update_assume_role_policy()
                    .role_name(role_name)
                    .policy_document(previous)
                    .send()
                    .await
                    .map_err(|e| {
                        format!("iam:UpdateAssumeRolePolicy {role_name}: {}", reason(&e))
                    })?;
                format!("restored the trust policy of {role_name}")
            }
            None => format!(
                "left the trust policy of {role_name} as flowaudit set it: the one before was not known when it was changed; set it by hand"
            ),
        },
        Change::ChangedBucketExpiration {
            bucket, previous, ..
        } => {
            crate::s3::change_expirations(ctx, bucket, |key, _| {
                previous
                    .iter()
                    .find(|(p, _)| p == key)
                    .map(|(_, days)| *days)
            })
            .await?;
            format!(
                "restored the expiration of {} lifecycle rule(s) of {bucket}",
                previous.len()
            )
        }
        Change::CreatedLogGroup {
            region,
            log_group_name,
        } => {
            let logs = client!(aws_sdk_cloudwatchlogs, ctx, Some(region.as_str()), "fix");
            deleted(
                logs.delete_log_group()
                    .log_group_name(log_group_name)
                    .send()
                    .await,
                "ResourceNotFoundException",
                &format!("logs:DeleteLogGroup {log_group_name}"),
                format!("deleted log group {log_group_name} in {region}"),
                format!("log group {log_group_name} was already gone"),
            )?
        }
        Change::ChangedRetention {
            region,
            log_group_name,
            previous_days,
            ..
        } => {
            let logs = client!(aws_sdk_cloudwatchlogs, ctx, Some(region.as_str()), "fix");
            match previous_days {
                Some(days) => put_retention(&logs, log_group_name, *days).await?,
                None => logs
                    .delete_retention_policy()
                    .log_group_name(log_group_name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| {
                        format!(
                            "logs:DeleteRetentionPolicy {log_group_name}: {}",
                            reason(&e)
                        )
                    })?,
            }
            format!("restored the retention of {log_group_name}")
        }
    };
    Ok(line)
}

/// The line for a deletion: `done` when it went through, `gone` when AWS says
/// `not_found` (a rollback that ran before), the error with `op` otherwise.
fn deleted<T, E>(
    result: Result<
        T,
        aws_smithy_runtime_api::client::result::SdkError<
            E,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
    >,
    not_found: &str,
    op: &str,
    done: String,
    gone: String,
) -> Result<String, String>
where
    E: std::error::Error
        + aws_smithy_types::error::metadata::ProvideErrorMetadata
        + Send
        + Sync
        + 'static,
{
    match result {
        Ok(_) => Ok(done),
        Err(e) if code(&e) == Some(not_found) => Ok(gone),
        Err(e) => Err(format!("{op}: {}", reason(&e))),
    }
}
