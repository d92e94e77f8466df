//! Flow-log records as AWS delivers them: space-separated fields in the order of
//! the flow log's format (the default version-2 format, or any custom format of
//! any version), `-` for a value that does not apply, `NODATA`/`SKIPDATA` records.
//! Fields flowaudit does not know are kept, by name.

use std::net::IpAddr;

pub use flowaudit_core::fields::{is_known_field, DEFAULT_FIELDS, LATER_FIELDS, TGW_FIELDS};

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

/// One record, borrowing its text from the line. `None` is a `-` (or a field
/// the format does not have).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record<'a> {
    pub version: Option<u8>,
    pub account_id: Option<&'a str>,
    pub interface_id: Option<&'a str>,
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
    pub vpc_id: Option<&'a str>,
    pub subnet_id: Option<&'a str>,
    pub instance_id: Option<&'a str>,
    pub tcp_flags: Option<u16>,
    /// The original addresses behind a NAT or load balancer, when logged.
    pub pkt_srcaddr: Option<IpAddr>,
    pub pkt_dstaddr: Option<IpAddr>,
    pub flow_direction: Option<&'a str>,
    /// Fields flowaudit does not interpret, by name.
    pub extra: Vec<(&'a str, &'a str)>,
}

/// What a field of the format is, decided once per format rather than per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Version,
    AccountId,
    InterfaceId,
    SrcAddr,
    DstAddr,
    SrcPort,
    DstPort,
    Protocol,
    Packets,
    Bytes,
    Start,
    End,
    Action,
    LogStatus,
    VpcId,
    SubnetId,
    InstanceId,
    TcpFlags,
    PktSrcAddr,
    PktDstAddr,
    FlowDirection,
    /// Kept by name (index into the format's names).
    Other(usize),
}

impl Field {
    fn of(name: &str, index: usize) -> Field {
        match name {
            "version" => Field::Version,
            "account-id" => Field::AccountId,
            "interface-id" => Field::InterfaceId,
            "srcaddr" => Field::SrcAddr,
            "dstaddr" => Field::DstAddr,
            "srcport" => Field::SrcPort,
            "dstport" => Field::DstPort,
            "protocol" => Field::Protocol,
            "packets" => Field::Packets,
            "bytes" => Field::Bytes,
            "start" => Field::Start,
            "end" => Field::End,
            "action" => Field::Action,
            "log-status" => Field::LogStatus,
            "vpc-id" => Field::VpcId,
            "subnet-id" => Field::SubnetId,
            "instance-id" => Field::InstanceId,
            "tcp-flags" => Field::TcpFlags,
            "pkt-srcaddr" => Field::PktSrcAddr,
            "pkt-dstaddr" => Field::PktDstAddr,
            "flow-direction" => Field::FlowDirection,
            _ => Field::Other(index),
        }
    }
}

/// The field order of a file: from its header line, or given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    pub fields: Vec<String>,
    kinds: Vec<Field>,
}

impl Default for Format {
    fn default() -> Self {
        Format::new(DEFAULT_FIELDS.iter().map(|f| f.to_string()).collect())
    }
}

impl Format {
    /// A format of these field names, in order.
    pub fn new(fields: Vec<String>) -> Format {
        let kinds = fields
            .iter()
            .enumerate()
            .map(|(i, f)| Field::of(f, i))
            .collect();
        Format { fields, kinds }
    }

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
        Some(Format::new(tokens.iter().map(|t| t.to_string()).collect()))
    }

    /// `${version} ${srcaddr} …` (the LogFormat of a flow log) or `version srcaddr …`;
    /// the underscore spellings that Athena, Glue and Parquet use (`account_id`,
    /// `log_status`) are the same fields. A name AWS does not document is
    /// refused, naming the closest one: a field silently dropped would hide
    /// what it carries (`log_status` unread means no NODATA or SKIPDATA seen).
    pub fn parse(spec: &str) -> Result<Format, String> {
        let mut fields = Vec::new();
        for token in spec.split_whitespace() {
            let name = token.trim_start_matches("${").trim_end_matches('}');
            if name.is_empty() || name.contains(['$', '{', '}']) {
                return Err(format!("`{token}` is not a field name"));
            }
            let field = name.to_ascii_lowercase().replace('_', "-");
            if !is_known_field(&field) {
                return Err(format!(
                    "`{name}` is not a flow-log field{}",
                    closest_field(&field)
                        .map(|c| format!(" (did you mean `{c}`?)"))
                        .unwrap_or_default()
                ));
            }
            fields.push(field);
        }
        if fields.is_empty() {
            return Err("the format names no fields".into());
        }
        Ok(Format::new(fields))
    }
}

impl Format {
    /// The `LogFormat` a flow log reports (`${version} ${srcaddr} …`), as AWS
    /// writes it: a field name flowaudit does not know yet (one AWS added later)
    /// is kept in its place, so that the fields after it are still read right.
    pub fn from_log_format(spec: &str) -> Result<Format, String> {
        flowaudit_core::fields::log_format_fields(spec).map(Format::new)
    }
}

/// The documented field nearest to `name` (edit distance at most 3).
fn closest_field(name: &str) -> Option<&'static str> {
    DEFAULT_FIELDS
        .iter()
        .chain(LATER_FIELDS.iter())
        .chain(TGW_FIELDS.iter())
        .map(|f| (edit_distance(name, f), *f))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, f)| f)
}

/// Levenshtein distance, over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

fn opt(v: &str) -> Option<&str> {
    (v != "-" && !v.is_empty()).then_some(v)
}

/// Decimal digits only (what flow logs write), overflow-checked; faster than
/// `str::parse`, which this hot path would otherwise spend a tenth of its time in.
fn number<T: TryFrom<u64>>(name: &str, v: &str) -> Result<Option<T>, String> {
    let Some(v) = opt(v) else {
        return Ok(None);
    };
    let mut n: u64 = 0;
    for b in v.bytes() {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return Err(format!("{name} `{v}` is not a number"));
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(d)))
            .ok_or_else(|| format!("{name} `{v}` is not a number"))?;
    }
    T::try_from(n)
        .map(Some)
        .map_err(|_| format!("{name} `{v}` is not a number"))
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

/// The fields of a line: runs of bytes above the space (so spaces, tabs and
/// line ends all separate). A byte loop: faster than `split_ascii_whitespace`
/// on this hot path, and slicing at ASCII bytes keeps UTF-8 intact.
struct Fields<'a> {
    line: &'a str,
    at: usize,
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.line.as_bytes();
        let mut i = self.at;
        while i < bytes.len() && bytes[i] <= b' ' {
            i += 1;
        }
        if i == bytes.len() {
            self.at = i;
            return None;
        }
        let start = i;
        while i < bytes.len() && bytes[i] > b' ' {
            i += 1;
        }
        self.at = i;
        self.line.get(start..i)
    }
}

/// Parses one record line in `format`.
pub fn parse_line<'a>(format: &'a Format, line: &'a str) -> Result<Record<'a>, String> {
    let mut r = Record::default();
    let mut values = Fields { line, at: 0 };
    let mut n = 0;
    for (&kind, v) in format.kinds.iter().zip(values.by_ref()) {
        n += 1;
        let name = || format.fields[n - 1].as_str();
        match kind {
            Field::Version => r.version = number(name(), v)?,
            Field::AccountId => r.account_id = opt(v),
            Field::InterfaceId => r.interface_id = opt(v),
            Field::SrcAddr => r.srcaddr = addr(name(), v)?,
            Field::DstAddr => r.dstaddr = addr(name(), v)?,
            Field::SrcPort => r.srcport = number(name(), v)?,
            Field::DstPort => r.dstport = number(name(), v)?,
            Field::Protocol => r.protocol = number(name(), v)?,
            Field::Packets => r.packets = number(name(), v)?,
            Field::Bytes => r.bytes = number(name(), v)?,
            Field::Start => r.start = number(name(), v)?,
            Field::End => r.end = number(name(), v)?,
            Field::Action => {
                r.action = match opt(v) {
                    None => None,
                    Some("ACCEPT") => Some(Action::Accept),
                    Some("REJECT") => Some(Action::Reject),
                    Some(other) => return Err(format!("action `{other}` is not ACCEPT or REJECT")),
                }
            }
            Field::LogStatus => {
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
            Field::VpcId => r.vpc_id = opt(v),
            Field::SubnetId => r.subnet_id = opt(v),
            Field::InstanceId => r.instance_id = opt(v),
            Field::TcpFlags => r.tcp_flags = number(name(), v)?,
            Field::PktSrcAddr => r.pkt_srcaddr = addr(name(), v)?,
            Field::PktDstAddr => r.pkt_dstaddr = addr(name(), v)?,
            Field::FlowDirection => r.flow_direction = opt(v),
            Field::Other(i) => r.extra.push((format.fields[i].as_str(), v)),
        }
    }
    let rest = values.count();
    if n != format.kinds.len() || rest > 0 {
        return Err(format!(
            "{} fields, the format has {}",
            n + rest,
            format.kinds.len()
        ));
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
        assert_eq!(r.vpc_id, Some("vpc-1"));
        assert_eq!(
            r.pkt_srcaddr.map(|a| a.to_string()).as_deref(),
            Some("192.0.2.7")
        );
        assert_eq!(r.extra, vec![("future-field", "xyz")]);
        assert_eq!(
            Format::parse("${version} ${srcaddr}").map(|f| f.fields.len()),
            Ok(2)
        );
    }

    #[test]
    fn every_version_of_the_custom_format() {
        // Version 3: VPC, subnet, instance, TCP flags, type, packet addresses.
        let v3 = Format::parse("${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${tcp-flags} ${type} ${pkt-srcaddr} ${pkt-dstaddr} ${action}")
            .unwrap_or_else(|e| panic!("{e}"));
        let r = parse_line(&v3, "3 vpc-1 subnet-2 i-3 eni-4 10.0.0.5 10.0.1.9 43416 5001 6 18 IPv4 192.0.2.10 10.0.1.9 ACCEPT")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (r.vpc_id, r.subnet_id, r.instance_id),
            (Some("vpc-1"), Some("subnet-2"), Some("i-3"))
        );
        assert_eq!(r.tcp_flags, Some(18));
        assert_eq!(
            r.pkt_srcaddr.map(|a| a.to_string()).as_deref(),
            Some("192.0.2.10")
        );
        assert_eq!(r.extra, vec![("type", "IPv4")]);
        // Version 4: region, zone, sublocation (Wavelength, Outposts).
        let v4 = Format::from_header("version interface-id srcaddr dstaddr region az-id sublocation-type sublocation-id action log-status")
            .unwrap_or_else(|| panic!("not a header"));
        let r = parse_line(
            &v4,
            "4 eni-1 10.0.0.1 10.0.0.2 us-east-1 use1-az1 outpost op-123 REJECT OK",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.action, Some(Action::Reject));
        assert_eq!(r.extra.len(), 4);
        // Version 5: AWS services, direction, traffic path; `-` where none.
        let v5 = Format::from_header("version srcaddr dstaddr dstport pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path bytes")
            .unwrap_or_else(|| panic!("not a header"));
        let r = parse_line(&v5, "5 52.95.128.1 10.0.0.7 443 S3 - ingress - 1200")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.flow_direction, Some("ingress"));
        assert_eq!(
            r.extra,
            vec![
                ("pkt-src-aws-service", "S3"),
                ("pkt-dst-aws-service", "-"),
                ("traffic-path", "-")
            ]
        );
        // Versions 7 and 8 (ECS, reject reason) and a field from the future.
        let v8 = Format::from_header("version interface-id srcaddr dstaddr action ecs-cluster-name ecs-task-id reject-reason next-new-field")
            .unwrap_or_else(|| panic!("not a header"));
        let r = parse_line(
            &v8,
            "8 eni-1 10.0.0.1 10.0.0.2 REJECT prod 0a1b BPA something",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.extra.last(), Some(&("next-new-field", "something")));
        assert!(is_known_field("reject-reason") && is_known_field("ecs-task-arn"));
        assert!(!is_known_field("next-new-field"));
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

    /// Underscore spellings (Athena, Glue, Parquet) are the same fields; an
    /// unknown name is refused with the closest known one.
    #[test]
    fn format_names_are_known_or_refused_with_a_hint() {
        let f = Format::parse("${version} account_id interface-id srcaddr LOG_STATUS pkt_srcaddr")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            f.fields,
            [
                "version",
                "account-id",
                "interface-id",
                "srcaddr",
                "log-status",
                "pkt-srcaddr"
            ]
        );
        let line = "2 123456789012 eni-1 10.0.0.1 NODATA 10.0.0.9";
        let r = parse_line(&f, line).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.log_status, Some(LogStatus::NoData));
        assert_eq!(
            Format::parse("version srcadr dstaddr").err().as_deref(),
            Some("`srcadr` is not a flow-log field (did you mean `srcaddr`?)")
        );
        assert_eq!(
            Format::parse("version frobnicate").err().as_deref(),
            Some("`frobnicate` is not a flow-log field")
        );
    }
}
