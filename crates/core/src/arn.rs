//! Small helpers for the ARNs that flow logs carry.

/// The parts of an ARN: `arn:partition:service:region:account:resource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

/// Splits an ARN into its parts; `None` when it is not an ARN.
pub fn parse(arn: &str) -> Option<Arn<'_>> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    Some(Arn {
        partition: parts.next()?,
        service: parts.next()?,
        region: parts.next()?,
        account: parts.next()?,
        resource: parts.next()?,
    })
}

/// The account id inside an ARN, when it names one.
pub fn account_of(arn: &str) -> Option<&str> {
    parse(arn).map(|a| a.account).filter(|a| !a.is_empty())
}

/// `arn:aws:logs:eu-west-1:111122223333:log-group:/my/group:*` → `/my/group`.
pub fn log_group_name_from_arn(arn: &str) -> Option<String> {
    let parsed = parse(arn)?;
    if parsed.service != "logs" {
        return None;
    }
    let name = parsed.resource.strip_prefix("log-group:")?;
    let name = name.strip_suffix(":*").unwrap_or(name);
    (!name.is_empty()).then(|| name.to_string())
}

/// `arn:aws:s3:::my-bucket/some/prefix/` → `my-bucket`.
pub fn bucket_from_arn(arn: &str) -> Option<String> {
    let parsed = parse(arn)?;
    if parsed.service != "s3" {
        return None;
    }
    let bucket = parsed.resource.split('/').next()?;
    (!bucket.is_empty()).then(|| bucket.to_string())
}

/// The key prefix flow logs write under in an S3 destination ARN, as a folder:
/// `arn:aws:s3:::bucket/prefix/` and `arn:aws:s3:::bucket/prefix` → `prefix/`
/// (objects go to `<prefix>/AWSLogs/...`); empty when there is none.
pub fn bucket_prefix_from_arn(arn: &str) -> String {
    let prefix = parse(arn)
        .and_then(|p| p.resource.split_once('/').map(|(_, rest)| rest.to_string()))
        .unwrap_or_default();
    if prefix.is_empty() || prefix.ends_with('/') {
        prefix
    } else {
        format!("{prefix}/")
    }
}

/// `arn:aws:firehose:us-east-1:111122223333:deliverystream/flows` → `flows`.
pub fn delivery_stream_from_arn(arn: &str) -> Option<String> {
    let parsed = parse(arn)?;
    if parsed.service != "firehose" {
        return None;
    }
    let name = parsed.resource.strip_prefix("deliverystream/")?;
    (!name.is_empty()).then(|| name.to_string())
}

/// `arn:aws:iam::111122223333:role/path/name` → `name`.
pub fn role_name_from_arn(arn: &str) -> Option<String> {
    let parsed = parse(arn)?;
    let path = parsed.resource.strip_prefix("role/")?;
    path.rsplit('/').next().map(str::to_string)
}

/// The AWS partition of a region.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_streams() {
        assert_eq!(
            delivery_stream_from_arn("arn:aws:firehose:us-east-1:1:deliverystream/flows")
                .as_deref(),
            Some("flows")
        );
        assert_eq!(
            delivery_stream_from_arn("arn:aws:s3:::b/deliverystream/x"),
            None
        );
        assert_eq!(
            delivery_stream_from_arn("arn:aws:firehose:us-east-1:1:deliverystream/"),
            None
        );
    }

    #[test]
    fn parses_log_group_arns() {
        assert_eq!(
            log_group_name_from_arn("arn:aws:logs:eu-west-1:111122223333:log-group:/a/b:*"),
            Some("/a/b".to_string())
        );
        assert_eq!(
            log_group_name_from_arn("arn:aws:logs:eu-west-1:111122223333:log-group:grp"),
            Some("grp".to_string())
        );
        assert_eq!(log_group_name_from_arn("arn:aws:s3:::bucket"), None);
        assert_eq!(log_group_name_from_arn("not an arn"), None);
    }

    #[test]
    fn parses_bucket_arns() {
        assert_eq!(
            bucket_from_arn("arn:aws:s3:::my-bucket/flow/"),
            Some("my-bucket".to_string())
        );
        assert_eq!(
            bucket_prefix_from_arn("arn:aws:s3:::my-bucket/flow/"),
            "flow/"
        );
        assert_eq!(bucket_prefix_from_arn("arn:aws:s3:::my-bucket"), "");
        assert_eq!(
            bucket_prefix_from_arn("arn:aws:s3:::my-bucket/flow"),
            "flow/"
        );
        assert_eq!(bucket_from_arn("arn:aws:s3:::"), None);
    }

    #[test]
    fn parses_roles_and_accounts() {
        let arn = "arn:aws:iam::111122223333:role/service/flow-logs";
        assert_eq!(role_name_from_arn(arn), Some("flow-logs".to_string()));
        assert_eq!(account_of(arn), Some("111122223333"));
        assert_eq!(account_of("arn:aws:s3:::bucket"), None);
    }
}
