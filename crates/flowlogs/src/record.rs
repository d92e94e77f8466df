//! Flow-log records as AWS delivers them: space-separated fields in the order of
//! the flow log's format (the default version-2 format, or any custom format of
//! any version), `-` for a value that does not apply, `NODATA`/`SKIPDATA` records.
//! Fields flowaudit does not know are kept, by name.

use std::net::IpAddr;

/// The default format (version 2), used when a file has no header line.
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

/// The fields versions 3 to 5 added to the default ones.
pub const LATER_FIELDS: [&str; 15] = [
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
];

/// Whether AWS documents a field of this name (versions 2 to 5).
pub fn is_known_field(name: &str) -> bool {
    DEFAULT_FIELDS.contains(&name) || LATER_FIELDS.contains(&name)
}

/// ACCEPT or REJECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Accept,
    Reject,
}

/// OK, NODATA (no traffic in the window) or SKIPDATA (records lost).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogStatus {
    Ok,
    NoData,
    SkipData,
}

/// One record. `None` is a `-` (or a field the format does not have).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    pub version: Option<u8>,
    pub account_id: Option<String>,
    pub interface_id: Option<String>,
    pub srcaddr: Option<IpAddr>,
    pub dstaddr: Option<IpAddr>,
    pub srcport: Option<u16>,
    pub dstport: Option<u16>,
    pub protocol: Option<u8>,
    pub packets: Option<u64>,
    pub bytes: Option<u64>,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub action: Option<Action>,
    pub log_status: Option<LogStatus>,
    pub vpc_id: Option<String>,
    pub subnet_id: Option<String>,
    pub instance_id: Option<String>,
    /// The original addresses behind a NAT or load balancer, when logged.
    pub pkt_srcaddr: Option<IpAddr>,
    pub pkt_dstaddr: Option<IpAddr>,
    pub flow_direction: Option<String>,
    /// Fields flowaudit does not interpret, by name.
    pub extra: Vec<(String, String)>,
}

/// The field order of a file: from its header line, or given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    pub fields: Vec<String>,
}

impl Default for Format {
    fn default() -> Self {
        Format {
            fields: DEFAULT_FIELDS.iter().map(|f| f.to_string()).collect(),
        }
    }
}

impl Format {
    /// A format from a header line, if `line` is one: every token a field name,
    /// and `srcaddr` or `interface-id` among them (custom formats may use any
    /// subset).
    pub fn from_header(line: &str) -> Option<Format> {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let known =
            |t: &str| is_known_field(t) || t.chars().all(|c| c.is_ascii_lowercase() || c == '-');
        if tokens.is_empty() || !tokens.iter().all(|t| known(t)) {
            return None;
        }
        if !tokens
            .iter()
            .any(|t| ["srcaddr", "interface-id", "version", "dstaddr"].contains(t))
        {
            return None;
        }
        Some(Format {
            fields: tokens.iter().map(|t| t.to_string()).collect(),
        })
    }

    /// `${version} ${srcaddr} …` (the LogFormat of a flow log) or `version srcaddr …`.
    pub fn parse(spec: &str) -> Result<Format, String> {
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
        Ok(Format { fields })
    }
}

fn opt(v: &str) -> Option<&str> {
    (v != "-" && !v.is_empty()).then_some(v)
}

fn number<T: std::str::FromStr>(name: &str, v: &str) -> Result<Option<T>, String> {
    match opt(v) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| format!("{name} `{v}` is not a number")),
    }
}

fn addr(name: &str, v: &str) -> Result<Option<IpAddr>, String> {
    match opt(v) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| format!("{name} `{v}` is not an IP address")),
    }
}

/// Parses one record line in `format`.
pub fn parse_line(format: &Format, line: &str) -> Result<Record, String> {
    let values: Vec<&str> = line.split_whitespace().collect();
    if values.len() != format.fields.len() {
        return Err(format!(
            "{} fields, the format has {}",
            values.len(),
            format.fields.len()
        ));
    }
    let mut r = Record::default();
    for (name, v) in format.fields.iter().zip(values) {
        match name.as_str() {
            "version" => r.version = number(name, v)?,
            "account-id" => r.account_id = opt(v).map(str::to_string),
            "interface-id" => r.interface_id = opt(v).map(str::to_string),
            "srcaddr" => r.srcaddr = addr(name, v)?,
            "dstaddr" => r.dstaddr = addr(name, v)?,
            "srcport" => r.srcport = number(name, v)?,
            "dstport" => r.dstport = number(name, v)?,
            "protocol" => r.protocol = number(name, v)?,
            "packets" => r.packets = number(name, v)?,
            "bytes" => r.bytes = number(name, v)?,
            "start" => r.start = number(name, v)?,
            "end" => r.end = number(name, v)?,
            "action" => {
                r.action = match opt(v) {
                    None => None,
                    Some("ACCEPT") => Some(Action::Accept),
                    Some("REJECT") => Some(Action::Reject),
                    Some(other) => return Err(format!("action `{other}` is not ACCEPT or REJECT")),
                }
            }
            "log-status" => {
                r.log_status = match opt(v) {
                    None => None,
                    Some("OK") => Some(LogStatus::Ok),
                    Some("NODATA") => Some(LogStatus::NoData),
                    Some("SKIPDATA") => Some(LogStatus::SkipData),
                    Some(other) => {
                        return Err(format!(
                            "log-status `{other}` is not OK, NODATA or SKIPDATA"
                        ))
                    }
                }
            }
            "vpc-id" => r.vpc_id = opt(v).map(str::to_string),
            "subnet-id" => r.subnet_id = opt(v).map(str::to_string),
            "instance-id" => r.instance_id = opt(v).map(str::to_string),
            "pkt-srcaddr" => r.pkt_srcaddr = addr(name, v)?,
            "pkt-dstaddr" => r.pkt_dstaddr = addr(name, v)?,
            "flow-direction" => r.flow_direction = opt(v).map(str::to_string),
            _ => r.extra.push((name.clone(), v.to_string())),
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_format_with_dashes_nodata_and_ipv6() {
        let f = Format::default();
        let r = parse_line(&f, "2 123456789012 eni-0a1 10.0.1.5 203.0.113.9 443 51234 6 10 8400 1700000000 1700000060 ACCEPT OK")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.dstport, Some(51234));
        assert_eq!(r.action, Some(Action::Accept));
        let r = parse_line(
            &f,
            "2 123456789012 eni-0a1 - - - - - - - 1700000000 1700000060 - NODATA",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.log_status, Some(LogStatus::NoData));
        assert_eq!(r.srcaddr, None);
        let r = parse_line(
            &f,
            "2 123456789012 eni-0a1 2001:db8::1 2001:db8::2 22 40000 6 1 60 1 2 REJECT OK",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(r.srcaddr.is_some_and(|a| a.is_ipv6()));
    }

    #[test]
    fn custom_format_keeps_unknown_fields() {
        let f = Format::from_header(
            "version vpc-id srcaddr dstaddr dstport action pkt-srcaddr flow-direction future-field",
        )
        .unwrap_or_else(|| panic!("not a header"));
        let r = parse_line(
            &f,
            "5 vpc-1 10.0.0.1 10.0.0.2 22 ACCEPT 192.0.2.7 ingress xyz",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.vpc_id.as_deref(), Some("vpc-1"));
        assert_eq!(
            r.pkt_srcaddr.map(|a| a.to_string()).as_deref(),
            Some("192.0.2.7")
        );
        assert_eq!(
            r.extra,
            vec![("future-field".to_string(), "xyz".to_string())]
        );
        assert_eq!(
            Format::parse("${version} ${srcaddr}").map(|f| f.fields.len()),
            Ok(2)
        );
    }

    #[test]
    fn malformed_lines_say_why() {
        let f = Format::default();
        let cases = [
            ("2 1 eni 10.0.0.1", "4 fields"),
            (
                "2 1 eni 10.0.0.999 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK",
                "not an IP address",
            ),
            (
                "2 1 eni 10.0.0.1 10.0.0.2 99999 2 6 1 1 1 2 ACCEPT OK",
                "not a number",
            ),
            (
                "2 1 eni 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 DROP OK",
                "not ACCEPT or REJECT",
            ),
        ];
        for (line, want) in cases {
            let err = parse_line(&f, line).err().unwrap_or_default();
            assert!(err.contains(want), "{line}: {err}");
        }
        assert!(Format::from_header("2 123 eni-1 10.0.0.1").is_none());
    }
}
