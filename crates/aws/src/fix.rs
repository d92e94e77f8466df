//! `flowaudit fix`: applies remediation actions through the SDK, journaling each
//! change before the next (`rollback.rs` undoes them).

use aws_sdk_ec2::types::{
    DestinationFileFormat, DestinationOptionsRequest, Filter, FlowLogsResourceType,
    LogDestinationType, ResourceType, Tag as Ec2Tag, TagSpecification, TrafficType as Ec2Traffic,
};
use flowaudit_core::remediation::{
    client_token, delivery_policy, trust_policy, Action, FlowLogTarget, DELIVERY_POLICY_NAME,
    MANAGED_BY_KEY, MANAGED_BY_VALUE,
};

use flowaudit_core::checks::delivery_role::FLOW_LOGS_SERVICE;

use crate::clients::{client, Ctx};
use crate::errors::{code, reason};
use crate::journal::{Change, Journal};

pub use flowaudit_core::remediation::outcome::Outcome;

/// Why applying stopped.
#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error("{0}")]
    Failed(String),
    /// Stopped on purpose after this many journaled changes
    /// (`FLOWAUDIT_FIX_STOP_AFTER`, for testing interruption).
    #[error("stopped after {0} change(s) as FLOWAUDIT_FIX_STOP_AFTER asks")]
    Interrupted(usize),
}

fn ec2_tag() -> Ec2Tag {
    Ec2Tag::builder()
        .key(MANAGED_BY_KEY)
        .value(MANAGED_BY_VALUE)
        .build()
}

/// Applies the actions in order. `stop_after` simulates an interruption after that
/// many journaled changes.
pub async fn apply(
    ctx: &Ctx,
    actions: &[Action],
    journal: &mut Journal,
    stop_after: Option<usize>,
) -> Result<Vec<Outcome>, FixError> {
    let mut outcomes = Vec::new();
    let mut rec = Recorder {
        journal,
        changes: 0,
        stop_after,
    };
    let iam = client!(aws_sdk_iam, ctx, None, "fix");
    for action in actions {
        match action {
            Action::CreateLogGroup { .. } => {
                create_log_group(ctx, &mut rec, &mut outcomes, action).await?
            }
            Action::PutRetentionPolicy { .. } => {
                put_retention_policy(ctx, &mut rec, &mut outcomes, action).await?
            }
            Action::CreateDeliveryRole { .. } => {
                create_delivery_role(&iam, &mut rec, &mut outcomes, action).await?
            }
            Action::UpdateTrustPolicy { .. } => {
                update_trust_policy(&iam, &mut rec, &mut outcomes, action).await?
            }
            Action::PutDeliveryPolicy {
                account_id,
                role_name,
                extra_log_groups,
            } => {
                ensure_policy(
                    &iam,
                    &mut rec,
                    &mut outcomes,
                    account_id,
                    role_name,
                    extra_log_groups,
                )
                .await?;
            }
            Action::CreateFlowLog { .. } => {
                create_flow_log(ctx, &mut rec, &mut outcomes, action).await?
            }
            Action::RaiseBucketExpiration { .. } => {
                raise_bucket_expiration(ctx, &mut rec, &mut outcomes, action).await?
            }
            Action::DeleteFlowLog { flow_log_id, .. } => {
                outcomes.push(Outcome::LeftForYou(format!(
                    "delete {flow_log_id} once the new flow log delivers: {}",
                    flowaudit_core::remediation::render_cli(action).join("; ")
                )))
            }
            Action::Investigate { what, .. } => outcomes.push(Outcome::LeftForYou(what.clone())),
        }
    }
    Ok(outcomes)
}

/// Applies one `CreateLogGroup` (journaled before the next change).
async fn create_log_group(
    ctx: &Ctx,
    rec: &mut Recorder<'_>,
    outcomes: &mut Vec<Outcome>,
    action: &Action,
) -> Result<(), FixError> {
    let Action::CreateLogGroup {
        region,
        log_group_name,
        retention_days,
    } = action
    else {
        return Ok(());
    };
    let logs = client!(aws_sdk_cloudwatchlogs, ctx, Some(region.as_str()), "fix");
    match logs
        .create_log_group()
        .log_group_name(log_group_name)
        .tags(MANAGED_BY_KEY, MANAGED_BY_VALUE)
        .send()
        .await
    {
        Ok(_) => {
            rec.record(Change::CreatedLogGroup {
                region: region.clone(),
                log_group_name: log_group_name.clone(),
            })?;
            put_retention(&logs, log_group_name, *retention_days)
                .await
                .map_err(FixError::Failed)?;
            outcomes.push(Outcome::Done(format!(
                "created log group {log_group_name} in {region} ({retention_days} days)"
            )));
        }
        Err(e) if code(&e) == Some("ResourceAlreadyExistsException") => {
            outcomes.push(Outcome::AlreadyDone(format!(
                "log group {log_group_name} exists in {region}"
            )));
        }
        Err(e) => {
            return Err(FixError::Failed(format!(
                "logs:CreateLogGroup {log_group_name}: {}",
                reason(&e)
            )))
        }
    }

    Ok(())
}

/// Applies one `PutRetentionPolicy` (journaled before the next change).
async fn put_retention_policy(
    ctx: &Ctx,
    rec: &mut Recorder<'_>,
    outcomes: &mut Vec<Outcome>,
    action: &Action,
) -> Result<(), FixError> {
    let Action::PutRetentionPolicy {
        region,
        log_group_name,
        retention_days,
        previous_days,
    } = action
    else {
        return Ok(());
    };
    let logs = client!(aws_sdk_cloudwatchlogs, ctx, Some(region.as_str()), "fix");
    if previous_days.is_some_and(|p| p >= *retention_days) {
        outcomes.push(Outcome::AlreadyDone(format!(
            "log group {log_group_name} keeps data long enough"
        )));
        return Ok(());
    }
    put_retention(&logs, log_group_name, *retention_days)
        .await
        .map_err(FixError::Failed)?;
    rec.record(Change::ChangedRetention {
        region: region.clone(),
        log_group_name: log_group_name.clone(),
        previous_days: *previous_days,
        set_days: *retention_days,
    })?;
    outcomes.push(Outcome::Done(format!(
        "set retention of {log_group_name} to {retention_days} days"
    )));

    Ok(())
}

/// Applies one `CreateDeliveryRole` (journaled before the next change).
async fn create_delivery_role(
    iam: &aws_sdk_iam::Client,
    rec: &mut Recorder<'_>,
    outcomes: &mut Vec<Outcome>,
    action: &Action,
) -> Result<(), FixError> {
    let Action::CreateDeliveryRole {
        account_id,
        role_name,
        extra_log_groups,
    } = action
    else {
        return Ok(());
    };
    let tag = aws_sdk_iam::types::Tag::builder()
        .key(MANAGED_BY_KEY)
        .value(MANAGED_BY_VALUE)
        .build()
        .map_err(|e| FixError::Failed(e.to_string()))?;
    match iam
        .create_role()
        .role_name(role_name)
        .assume_role_policy_document(trust_policy(account_id).to_string())
        .tags(tag)
        .send()
        .await
    {
        Ok(_) => {
            rec.record(Change::CreatedRole {
                role_name: role_name.clone(),
            })?;
            outcomes.push(Outcome::Done(format!("created role {role_name}")));
        }
        Err(e) if code(&e) == Some("EntityAlreadyExists") => {
            ensure_trusted(iam, role_name).await?;
            outcomes.push(Outcome::AlreadyDone(format!(
                "role {role_name} exists and trusts {FLOW_LOGS_SERVICE}"
            )));
        }
        Err(e) => {
            return Err(FixError::Failed(format!(
                "iam:CreateRole {role_name}: {}",
                reason(&e)
            )))
        }
    }
    ensure_policy(iam, rec, outcomes, account_id, role_name, extra_log_groups).await?;

    Ok(())
}

/// Applies one `UpdateTrustPolicy` (journaled before the next change).
async fn update_trust_policy(
    iam: &aws_sdk_iam::Client,
    rec: &mut Recorder<'_>,
    outcomes: &mut Vec<Outcome>,
    action: &Action,
) -> Result<(), FixError> {
    let Action::UpdateTrustPolicy {
        account_id,
        role_name,
        previous,
    } = action
    else {
        return Ok(());
    };
    iam.update_assume_role_policy()
        .role_name(role_name)
        .policy_document(trust_policy(account_id).to_string())
        .send()
        .await
        .map_err(|e| {
            FixError::Failed(format!(
                "iam:UpdateAssumeRolePolicy {role_name}: {}",
                reason(&e)
            ))
        })?;
    rec.record(Change::ChangedTrustPolicy {
        role_name: role_name.clone(),
        previous: previous.clone(),
    })?;
    outcomes.push(Outcome::Done(format!(
        "replaced the trust policy of {role_name}"
    )));

    Ok(())
}

/// Applies one `CreateFlowLog` (journaled before the next change).
async fn create_flow_log(
    ctx: &Ctx,
    rec: &mut Recorder<'_>,
    outcomes: &mut Vec<Outcome>,
    action: &Action,
) -> Result<(), FixError> {
    let Action::CreateFlowLog {
        region,
        vpc_id,
        traffic_type,
        target,
        ..
    } = action
    else {
        return Ok(());
    };
    let ec2 = client!(aws_sdk_ec2, ctx, Some(region.as_str()), "fix");
    if let Some(found) = own_flow_log(&ec2, vpc_id, target).await? {
        outcomes.push(Outcome::AlreadyDone(format!(
            "flow log {found} of {vpc_id} exists"
        )));
        return Ok(());
    }
    let request = ec2
        .create_flow_logs()
        .resource_type(FlowLogsResourceType::Vpc)
        .resource_ids(vpc_id)
        .traffic_type(Ec2Traffic::from(traffic_type.as_str()))
        .client_token(client_token(vpc_id, target))
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::VpcFlowLog)
                .tags(ec2_tag())
                .build(),
        );
    let out = to_destination(request, target)
        .send()
        .await
        .map_err(|e| FixError::Failed(format!("ec2:CreateFlowLogs {vpc_id}: {}", reason(&e))))?;
    if let Some(failure) = out.unsuccessful().first() {
        let why = failure
            .error()
            .and_then(|e| e.message())
            .unwrap_or("unknown error");
        return Err(FixError::Failed(format!(
            "ec2:CreateFlowLogs {vpc_id}: {why}"
        )));
    }
    if out.flow_log_ids().is_empty() {
        return Err(FixError::Failed(format!(
            "ec2:CreateFlowLogs {vpc_id}: AWS answered without a flow-log id, so whether one was made is not known; look in the console before running fix again"
        )));
    }
    for id in out.flow_log_ids() {
        rec.record(Change::CreatedFlowLog {
            region: region.clone(),
            vpc_id: vpc_id.clone(),
            flow_log_id: id.clone(),
        })?;
        outcomes.push(Outcome::Done(format!("created flow log {id} for {vpc_id}")));
    }

    Ok(())
}

/// The id of a flow log flowaudit made earlier for `vpc_id` to `target`, if
/// one exists (tagged as flowaudit's, same destination).
async fn own_flow_log(
    ec2: &aws_sdk_ec2::Client,
    vpc_id: &str,
    target: &FlowLogTarget,
) -> Result<Option<String>, FixError> {
    let existing = ec2
        .describe_flow_logs()
        .filter(Filter::builder().name("resource-id").values(vpc_id).build())
        .filter(
            Filter::builder()
                .name(format!("tag:{MANAGED_BY_KEY}"))
                .values(MANAGED_BY_VALUE)
                .build(),
        )
        .send()
        .await
        .map_err(|e| FixError::Failed(format!("ec2:DescribeFlowLogs {vpc_id}: {}", reason(&e))))?;
    Ok(existing
        .flow_logs()
        .iter()
        .find(|f| matches_target(f, target))
        .map(|f| f.flow_log_id().unwrap_or("(no id)").to_string()))
}

/// The `CreateFlowLogs` request sent to `target`: a CloudWatch Logs group with
/// its delivery role, or an S3 bucket with its file format and partitions.
fn to_destination(
    request: aws_sdk_ec2::operation::create_flow_logs::builders::CreateFlowLogsFluentBuilder,
    target: &FlowLogTarget,
) -> aws_sdk_ec2::operation::create_flow_logs::builders::CreateFlowLogsFluentBuilder {
    match target {
        FlowLogTarget::CloudWatchLogs {
            log_group_name,
            role_arn,
        } => request
            .log_destination_type(LogDestinationType::CloudWatchLogs)
            .log_group_name(log_group_name)
            .deliver_logs_permission_arn(role_arn),
        FlowLogTarget::S3 {
            bucket_arn,
            parquet,
            hourly_partitions,
        } => request
            .log_destination_type(LogDestinationType::S3)
            .log_destination(bucket_arn)
            .destination_options(
                DestinationOptionsRequest::builder()
                    .file_format(if *parquet {
                        DestinationFileFormat::Parquet
                    } else {
                        DestinationFileFormat::PlainText
                    })
                    .hive_compatible_partitions(*parquet)
                    .per_hour_partition(*hourly_partitions)
                    .build(),
            ),
    }
}

/// Applies one `RaiseBucketExpiration` (journaled before the next change).
async fn raise_bucket_expiration(
    ctx: &Ctx,
    rec: &mut Recorder<'_>,
    outcomes: &mut Vec<Outcome>,
    action: &Action,
) -> Result<(), FixError> {
    let Action::RaiseBucketExpiration {
        bucket,
        prefix,
        min_days,
        ..
    } = action
    else {
        return Ok(());
    };
    let min = i32::try_from(*min_days).unwrap_or(i32::MAX);
    let (_, previous) = crate::s3::change_expirations(ctx, bucket, |_, rule| {
        let days = rule.expiration().and_then(|e| e.days())?;
        (crate::s3::applies_to_flow_logs(rule, prefix) && days < min).then_some(min)
    })
    .await
    .map_err(FixError::Failed)?;
    if previous.is_empty() {
        outcomes.push(Outcome::AlreadyDone(format!(
            "bucket {bucket} keeps flow-log objects long enough"
        )));
    } else {
        rec.record(Change::ChangedBucketExpiration {
            bucket: bucket.clone(),
            previous: previous.clone(),
            set_days: min,
        })?;
        outcomes.push(Outcome::Done(format!(
            "raised the expiration of {} lifecycle rule(s) of {bucket} to {min_days} days",
            previous.len()
        )));
    }

    Ok(())
}

fn matches_target(f: &aws_sdk_ec2::types::FlowLog, target: &FlowLogTarget) -> bool {
    match target {
        FlowLogTarget::CloudWatchLogs { log_group_name, .. } => {
            f.log_group_name() == Some(log_group_name.as_str())
        }
        FlowLogTarget::S3 { bucket_arn, .. } => f.log_destination() == Some(bucket_arn.as_str()),
    }
}

/// Sets a log group's retention.
pub(crate) async fn put_retention(
    logs: &aws_sdk_cloudwatchlogs::Client,
    log_group_name: &str,
    days: u32,
) -> Result<(), String> {
    logs.put_retention_policy()
        .log_group_name(log_group_name)
        .retention_in_days(i32::try_from(days).unwrap_or(i32::MAX))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| format!("logs:PutRetentionPolicy {log_group_name}: {}", reason(&e)))
}

/// An existing role is reused only when the flow-logs service may assume it.
async fn ensure_trusted(iam: &aws_sdk_iam::Client, role_name: &str) -> Result<(), FixError> {
    let got = iam
        .get_role()
        .role_name(role_name)
        .send()
        .await
        .map_err(|e| FixError::Failed(format!("iam:GetRole {role_name}: {}", reason(&e))))?;
    let trusted = got
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .and_then(|doc| crate::iam::parse_document(doc).ok())
        .is_some_and(|doc| {
            let trust = flowaudit_core::policy::trust(&doc, FLOW_LOGS_SERVICE);
            trust.trusts_service && !trust.trusts_anyone
        });
    if trusted {
        Ok(())
    } else {
        Err(FixError::Failed(format!(
            "role {role_name} exists but {FLOW_LOGS_SERVICE} may not assume it; repair its trust policy or choose another --fix-role-name"
        )))
    }
}

/// Journals changes and stops after `stop_after` of them (a simulated
/// interruption).
struct Recorder<'j> {
    journal: &'j mut Journal,
    changes: usize,
    stop_after: Option<usize>,
}

impl Recorder<'_> {
    fn record(&mut self, change: Change) -> Result<(), FixError> {
        self.journal.record(change).map_err(FixError::Failed)?;
        self.changes += 1;
        if self.stop_after == Some(self.changes) {
            return Err(FixError::Interrupted(self.changes));
        }
        Ok(())
    }
}

/// Puts the delivery policy on a role (journaled) unless it has it already.
async fn ensure_policy(
    iam: &aws_sdk_iam::Client,
    rec: &mut Recorder<'_>,
    outcomes: &mut Vec<Outcome>,
    account_id: &str,
    role_name: &str,
    extra: &[String],
) -> Result<(), FixError> {
    if put_policy(iam, account_id, role_name, extra).await? {
        rec.record(Change::PutRolePolicy {
            role_name: role_name.to_string(),
            policy_name: DELIVERY_POLICY_NAME.to_string(),
        })?;
        outcomes.push(Outcome::Done(format!(
            "put policy {DELIVERY_POLICY_NAME} on {role_name}"
        )));
    } else {
        outcomes.push(Outcome::AlreadyDone(format!(
            "role {role_name} has policy {DELIVERY_POLICY_NAME}"
        )));
    }
    Ok(())
}

/// Puts the delivery policy unless the role has it already, as it is; returns
/// whether it changed anything.
async fn put_policy(
    iam: &aws_sdk_iam::Client,
    account_id: &str,
    role_name: &str,
    extra: &[String],
) -> Result<bool, FixError> {
    let wanted = delivery_policy(account_id, extra);
    if let Ok(current) = iam
        .get_role_policy()
        .role_name(role_name)
        .policy_name(DELIVERY_POLICY_NAME)
        .send()
        .await
    {
        if crate::iam::parse_document(current.policy_document()).ok() == Some(wanted.clone()) {
            return Ok(false);
        }
    }
    iam.put_role_policy()
        .role_name(role_name)
        .policy_name(DELIVERY_POLICY_NAME)
        .policy_document(wanted.to_string())
        .send()
        .await
        .map(|_| true)
        .map_err(|e| FixError::Failed(format!("iam:PutRolePolicy {role_name}: {}", reason(&e))))
}
