//! The fields of flow-log records, as AWS documents them, and the reading of a
//! flow log's `LogFormat`. One list for the checks (`flow-log-record-fields`),
//! the settings that name fields, and the record reader of `analyze`.

/// The default format (version 2): what a flow log without a `LogFormat`
/// writes, and what a file without a header line is read as.
pub const DEFAULT_FIELDS: [&str; 14] = [
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
];

/// The fields later versions added to the default ones: 3 (`vpc-id` …
/// `pkt-dstaddr`), 4 (`region` … `sublocation-id`), 5 (`pkt-src-aws-service` …
/// `traffic-path`), 7 (ECS), 8 (`reject-reason`) and newer (`resource-id`,
/// `encryption-status`).
pub const LATER_FIELDS: [&str; 28] = [
    "vpc-id",
    "subnet-id",
    "instance-id",
    "tcp-flags",
    "type",
    "pkt-srcaddr",
    "pkt-dstaddr",
    "region",
    "az-id",
    "sublocation-type",
    "sublocation-id",
    "pkt-src-aws-service",
    "pkt-dst-aws-service",
    "flow-direction",
    "traffic-path",
    "ecs-cluster-arn",
    "ecs-cluster-name",
    "ecs-container-instance-arn",
    "ecs-container-instance-id",
    "ecs-container-id",
    "ecs-second-container-id",
    "ecs-service-name",
    "ecs-task-definition-arn",
    "ecs-task-arn",
    "ecs-task-id",
    "reject-reason",
    "resource-id",
    "encryption-status",
];

/// The fields of Transit Gateway flow logs that VPC flow logs do not have.
pub const TGW_FIELDS: [&str; 19] = [
    "resource-type",
    "tgw-id",
    "tgw-attachment-id",
    "tgw-src-vpc-account-id",
    "tgw-dst-vpc-account-id",
    "tgw-src-vpc-id",
    "tgw-dst-vpc-id",
    "tgw-src-subnet-id",
    "tgw-dst-subnet-id",
    "tgw-src-eni",
    "tgw-dst-eni",
    "tgw-src-az-id",
    "tgw-dst-az-id",
    "tgw-pair-attachment-id",
    "packets-lost-no-route",
    "packets-lost-blackhole",
    "packets-lost-mtu-exceeded",
    "packets-lost-ttl-expired",
    "log-status",
];

/// Whether AWS documents a field of this name (VPC or Transit Gateway flow logs).
pub fn is_known_field(name: &str) -> bool {
    DEFAULT_FIELDS.contains(&name) || LATER_FIELDS.contains(&name) || TGW_FIELDS.contains(&name)
}

/// The field names of a `LogFormat` (`${version} ${srcaddr} …`), in order.
/// Names are kept as written, known or not; a token that is not `${name}`
/// (or a bare name) is an error naming it.
pub fn log_format_fields(spec: &str) -> Result<Vec<String>, String> {
    let fields: Vec<String> = spec
        .split_whitespace()
        .map(|t| t.trim_start_matches("${").trim_end_matches('}').to_string())
        .collect();
    if fields.is_empty() {
        return Err("the format names no fields".into());
    }
    if let Some(bad) = fields
        .iter()
        .find(|f| f.is_empty() || f.contains(['$', '{', '}']))
    {
        return Err(format!("`{bad}` is not a field name"));
    }
    Ok(fields)
}

/// A field name given in a setting (`--required-fields`, `[checks]
/// required_fields`): AWS's spelling (underscores read as hyphens), and known,
/// or an error naming it.
pub fn field_option(name: &str) -> Result<String, String> {
    let field = name.trim().replace('_', "-");
    if is_known_field(&field) {
        Ok(field)
    } else {
        Err(format!(
            "`{name}` is not a flow-log record field AWS documents (write them as in a LogFormat, like pkt-srcaddr or flow-direction)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_log_format_and_names_a_bad_token() {
        assert_eq!(
            log_format_fields("${version} ${srcaddr}  ${tcp-flags}"),
            Ok(vec![
                "version".to_string(),
                "srcaddr".into(),
                "tcp-flags".into()
            ])
        );
        assert!(log_format_fields("  ").is_err());
        assert_eq!(
            log_format_fields("${version} ${a}b}"),
            Err("`a}b` is not a field name".to_string())
        );
        assert!(is_known_field("pkt-srcaddr") && is_known_field("tgw-id"));
        assert!(!is_known_field("pkt_srcaddr"));
    }
}
