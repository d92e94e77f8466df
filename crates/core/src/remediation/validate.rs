//! Every identifier a plan acts on, checked against what AWS allows for its
//! type before the plan is offered: a value that cannot be valid (a VPC id with
//! a space, a region with a `;`, an account id of letters) is refused and named.
//! Escaping already makes every value inert in every output; this is the second
//! line, and it keeps a plan from naming what cannot exist.
//!
//! The rules are AWS's documented patterns: resource ids are a prefix and
//! lowercase hex; account ids twelve digits; IAM role names `[\w+=,.@-]{1,64}`
//! and role paths `/` or `/…/` of printable ASCII (so a path may hold `$(`; it
//! is valid, and escaping is what keeps it inert); log group names
//! `[.\-_/#A-Za-z0-9]{1,512}`; bucket names 3–63 of `[a-z0-9.-]`.

use super::plan::{Action, FlowLogTarget, Plan};

/// Why `plan` cannot be offered: the first identifier that is not valid for its
/// type, named with the value (quoted with Rust's escapes, so control
/// characters are visible).
pub fn check(plan: &Plan) -> Result<(), String> {
    account_id(&plan.account_id)?;
    region(&plan.region)?;
    if let Some(vpc) = &plan.vpc_id {
        resource_id("VPC id", "vpc-", vpc)?;
    }
    for action in &plan.actions {
        check_action(action)?;
    }
    Ok(())
}

fn check_action(action: &Action) -> Result<(), String> {
    match action {
        Action::CreateLogGroup {
            region: r,
            log_group_name,
            ..
        }
        | Action::PutRetentionPolicy {
            region: r,
            log_group_name,
            ..
        } => {
            region(r)?;
            log_group(log_group_name)
        }
        Action::CreateDeliveryRole {
            account_id: a,
            role_name: n,
            extra_log_groups,
        }
        | Action::PutDeliveryPolicy {
            account_id: a,
            role_name: n,
            extra_log_groups,
        } => {
            account_id(a)?;
            role_name(n)?;
            extra_log_groups.iter().try_for_each(|g| log_group(g))
        }
        Action::UpdateTrustPolicy {
            account_id: a,
            role_name: n,
            ..
        } => {
            account_id(a)?;
            role_name(n)
        }
        Action::CreateFlowLog {
            account_id: a,
            region: r,
            vpc_id,
            target,
            ..
        } => {
            account_id(a)?;
            region(r)?;
            resource_id("VPC id", "vpc-", vpc_id)?;
            match target {
                FlowLogTarget::CloudWatchLogs {
                    log_group_name,
                    role_arn: arn,
                } => {
                    log_group(log_group_name)?;
                    role_arn(arn)
                }
                FlowLogTarget::S3 { bucket_arn, .. } => bucket_arn_of(bucket_arn),
            }
        }
        Action::RaiseBucketExpiration { bucket, .. } => bucket_name(bucket),
        Action::DeleteFlowLog {
            region: r,
            flow_log_id,
            ..
        } => {
            region(r)?;
            resource_id("flow log id", "fl-", flow_log_id)
        }
        Action::Investigate { region: r, .. } => region(r),
    }
}

fn refuse(kind: &str, value: &str) -> Result<(), String> {
    let shown: String = value.chars().take(200).collect();
    Err(format!("{shown:?} is not a valid {kind}"))
}

/// `vpc-` or `fl-` and up to 17 lowercase hexadecimal digits (AWS issues 8 or
/// 17; shorter ones are kept for hand-written inventories).
fn resource_id(kind: &str, prefix: &str, value: &str) -> Result<(), String> {
    let ok = value.strip_prefix(prefix).is_some_and(|hex| {
        (1..=17).contains(&hex.len())
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    if ok {
        Ok(())
    } else {
        refuse(kind, value)
    }
}

fn account_id(value: &str) -> Result<(), String> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        refuse("AWS account id", value)
    }
}

/// `us-east-1`, `us-gov-west-1`, `eu-central-2`, `us-isob-east-1`: lowercase
/// words joined by `-`, ending in a number.
fn region(value: &str) -> Result<(), String> {
    let parts: Vec<&str> = value.split('-').collect();
    let ok = parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        refuse("AWS region", value)
    }
}

fn log_group(value: &str) -> Result<(), String> {
    let ok = (1..=512).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-_/#".contains(&b));
    if ok {
        Ok(())
    } else {
        refuse("log group name", value)
    }
}

fn role_name_ok(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// An IAM role name (`--fix-role-name`, `[remediation] role_name`), checked
/// where it is given rather than when a plan is built.
pub fn role_name_option(value: &str) -> Result<String, String> {
    role_name(value).map(|()| value.to_string())
}

/// An S3 bucket ARN for new flow logs (`--fix-bucket-arn`), checked where it is
/// given.
pub fn bucket_arn_option(value: &str) -> Result<String, String> {
    bucket_arn_of(value).map(|()| value.to_string())
}

fn role_name(value: &str) -> Result<(), String> {
    if role_name_ok(value) {
        Ok(())
    } else {
        refuse("IAM role name", value)
    }
}

/// `arn:<partition>:iam::<account>:role<path><name>`, the path `/` or `/…/`
/// of printable ASCII (IAM allows `!` to `~` in paths).
fn role_arn(value: &str) -> Result<(), String> {
    let ok = crate::arn::parse(value).is_some_and(|a| {
        a.partition.starts_with("aws")
            && a.service == "iam"
            && a.region.is_empty()
            && account_id(a.account).is_ok()
            && a.resource.strip_prefix("role/").is_some_and(|rest| {
                let (path, name) = rest.rsplit_once('/').unwrap_or(("", rest));
                role_name_ok(name)
                    && path.len() <= 510
                    && path.bytes().all(|b| (0x21..=0x7e).contains(&b))
            })
    });
    if ok {
        Ok(())
    } else {
        refuse("IAM role ARN", value)
    }
}

fn bucket_name(value: &str) -> Result<(), String> {
    let ok = (3..=63).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && !value.starts_with(['.', '-'])
        && !value.ends_with(['.', '-']);
    if ok {
        Ok(())
    } else {
        refuse("S3 bucket name", value)
    }
}

/// `arn:<partition>:s3:::<bucket>` with an optional `/<prefix>`.
fn bucket_arn_of(value: &str) -> Result<(), String> {
    let ok = crate::arn::parse(value).is_some_and(|a| {
        a.partition.starts_with("aws")
            && a.service == "s3"
            && a.region.is_empty()
            && a.account.is_empty()
            && bucket_name(a.resource.split('/').next().unwrap_or_default()).is_ok()
            && !a.resource.chars().any(char::is_control)
    });
    if ok {
        Ok(())
    } else {
        refuse("S3 bucket ARN", value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_values_pass_and_each_invalid_one_is_named() {
        assert!(resource_id("VPC id", "vpc-", "vpc-0a1b2c3d4e5f60001").is_ok());
        assert!(resource_id("VPC id", "vpc-", "vpc-1").is_ok());
        for region_ok in [
            "us-east-1",
            "us-gov-west-1",
            "eu-central-2",
            "us-isob-east-1",
        ] {
            assert!(region(region_ok).is_ok(), "{region_ok}");
        }
        assert!(account_id("123456789012").is_ok());
        assert!(log_group("/aws/vpc-flow-logs/vpc-1#x").is_ok());
        assert!(role_arn("arn:aws:iam::123456789012:role/flowaudit-flow-logs").is_ok());
        // A path of printable ASCII is valid for IAM, `$(` included.
        assert!(role_arn("arn:aws:iam::123456789012:role/$(touch${IFS}x)/r").is_ok());
        assert!(role_arn("arn:aws-us-gov:iam::123456789012:role/a/b/c").is_ok());
        assert!(bucket_arn_of("arn:aws:s3:::my-bucket/flow/").is_ok());

        let refused = [
            resource_id("VPC id", "vpc-", "vpc-1; rm -rf /"),
            resource_id("VPC id", "vpc-", "vpc-ABC"),
            resource_id("VPC id", "vpc-", "subnet-1"),
            resource_id("flow log id", "fl-", "fl-1\n"),
            region("us-east-1; id"),
            region("US-EAST-1"),
            region("local"),
            account_id("12345678901x"),
            log_group("/group with space"),
            role_name("role name"),
            role_arn("arn:aws:iam::123456789012:role/a b/c"),
            role_arn("arn:aws:iam::123456789012:user/x"),
            role_arn("arn:aws:iam::12345:role/x"),
            bucket_name("Bucket"),
            bucket_arn_of("arn:aws:s3:::b"),
        ];
        for r in refused {
            let why = r.err().unwrap_or_default();
            assert!(why.contains("is not a valid"), "{why}");
        }
        assert_eq!(
            region("us-east-1\u{1b}[2J").err().unwrap_or_default(),
            "\"us-east-1\\u{1b}[2J\" is not a valid AWS region"
        );
    }
}
