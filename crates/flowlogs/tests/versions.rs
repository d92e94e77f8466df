//! Every flow-log version (2 to 8) and Transit Gateway records, each with every
//! field of its version, in the shapes deliveries take: with and without a
//! header, plain and gzip, CRLF line ends, a byte-order mark, two deliveries
//! joined into one file, and CloudWatch Logs JSON (one payload, one per line,
//! back to back, with a CONTROL_MESSAGE). Record counts and field values are
//! checked in each. Fixtures written here, field by field, from AWS's field
//! list.

use std::io::Write;

use flowaudit_flowlogs::read::{read_input, Input, ReadStats};
use flowaudit_flowlogs::record::{DEFAULT_FIELDS, LATER_FIELDS};
use flowaudit_flowlogs::Format;

/// The fields each version adds (version 6 is Transit Gateway's).
fn version_fields(v: u8) -> Vec<&'static str> {
    let later = |range: std::ops::Range<usize>| LATER_FIELDS[range].to_vec();
    let mut fields = DEFAULT_FIELDS.to_vec();
    if v >= 3 {
        fields.extend(later(0..7)); // vpc-id … pkt-dstaddr
    }
    if v >= 4 {
        fields.extend(later(7..11)); // region … sublocation-id
    }
    if v >= 5 {
        fields.extend(later(11..15)); // pkt-src-aws-service … traffic-path
    }
    if v >= 7 {
        fields.extend(later(15..25)); // ecs-*
    }
    if v >= 8 {
        fields.push("reject-reason");
    }
    fields
}

const TGW: &[&str] = &[
    "version",
    "resource-type",
    "account-id",
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
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "log-status",
    "type",
    "packets-lost-no-route",
    "packets-lost-blackhole",
    "packets-lost-mtu-exceeded",
    "packets-lost-ttl-expired",
    "tcp-flags",
    "region",
    "flow-direction",
    "pkt-src-aws-service",
    "pkt-dst-aws-service",
];

/// A value for `field` in record `n` of a file of `version`.
fn value(field: &str, version: u8, n: u16) -> String {
    match field {
        "version" => version.to_string(),
        "account-id" | "tgw-src-vpc-account-id" | "tgw-dst-vpc-account-id" => "123456789012".into(),
        "interface-id" | "tgw-src-eni" | "tgw-dst-eni" => "eni-0a1b2c3d4e5f60001".into(),
        "srcaddr" => "10.0.0.5".into(),
        "dstaddr" => "198.51.100.7".into(),
        "srcport" => "49152".into(),
        "dstport" => (1000 + n).to_string(),
        "protocol" => "6".into(),
        "packets" => "3".into(),
        "bytes" => "180".into(),
        "start" => "1764676800".into(),
        "end" => "1764676860".into(),
        "action" => "REJECT".into(),
        "log-status" => "OK".into(),
        "vpc-id" | "tgw-src-vpc-id" | "tgw-dst-vpc-id" => "vpc-0a1b2c3d4e5f60001".into(),
        "subnet-id" | "tgw-src-subnet-id" | "tgw-dst-subnet-id" => {
            "subnet-0a1b2c3d4e5f60001".into()
        }
        "instance-id" => "i-0a1b2c3d4e5f60001".into(),
        "tcp-flags" => "2".into(),
        "type" => "IPv4".into(),
        "pkt-srcaddr" => "10.0.0.6".into(),
        "pkt-dstaddr" => "198.51.100.8".into(),
        "region" => "eu-west-1".into(),
        "az-id" | "tgw-src-az-id" | "tgw-dst-az-id" => "euw1-az1".into(),
        "flow-direction" => "egress".into(),
        "resource-type" => "TransitGateway".into(),
        "tgw-id" => "tgw-0a1b2c3d4e5f60001".into(),
        "tgw-attachment-id" | "tgw-pair-attachment-id" => "tgw-attach-0a1b2c3d4e5f6".into(),
        "reject-reason" => "BPA".into(),
        f if f.starts_with("packets-lost") => "0".into(),
        _ => "-".into(),
    }
}

/// A delivery of `version` with `records` records: (header, lines).
fn delivery(version: u8, fields: &[&str], records: u16) -> (String, Vec<String>) {
    let lines = (0..records)
        .map(|n| {
            fields
                .iter()
                .map(|f| value(f, version, n))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    (fields.join(" "), lines)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    g.write_all(data).unwrap_or_else(|e| panic!("{e}"));
    g.finish().unwrap_or_else(|e| panic!("{e}"))
}

/// What was read: per record (dstport, srcaddr, action, vpc_id, pkt_srcaddr,
/// flow direction, how many fields were kept by name).
type SeenRecord = (
    Option<u16>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    usize,
);
type Seen = Vec<SeenRecord>;

fn read(data: Vec<u8>, format: Option<&Format>) -> (Seen, ReadStats) {
    let mut seen = Vec::new();
    let stats = read_input(
        Input::Bytes {
            name: "t".into(),
            data,
        },
        format,
        &mut |r| {
            seen.push((
                r.dstport,
                r.srcaddr.map(|a| a.to_string()).unwrap_or_default(),
                format!("{:?}", r.action),
                r.vpc_id.map(str::to_string),
                r.pkt_srcaddr.map(|a| a.to_string()),
                r.flow_direction.map(str::to_string),
                r.extra.len(),
            ))
        },
    );
    (seen, stats)
}

/// Checks the records read from `records` lines of `version`.
fn check(what: &str, version: u8, fields: &[&str], seen: &[SeenRecord], records: u16) {
    assert_eq!(seen.len(), usize::from(records), "{what}");
    for (n, r) in seen.iter().enumerate() {
        let n = u16::try_from(n).unwrap_or(u16::MAX);
        assert_eq!(r.0, Some(1000 + n), "{what}: dstport");
        assert_eq!(r.1, "10.0.0.5", "{what}: srcaddr");
        let has = |f: &str| fields.contains(&f);
        // Transit Gateway records have no action.
        let action = if has("action") {
            "Some(Reject)"
        } else {
            "None"
        };
        assert_eq!(r.2, action, "{what}: action");
        assert_eq!(r.3.is_some(), has("vpc-id"), "{what}: vpc-id");
        assert_eq!(
            r.4.as_deref(),
            has("pkt-srcaddr").then_some("10.0.0.6"),
            "{what}"
        );
        assert_eq!(
            r.5.as_deref(),
            has("flow-direction").then_some("egress"),
            "{what}"
        );
        // Every field flowaudit does not interpret is kept by name.
        let interpreted = fields.iter().filter(|f| interpreted(f)).count();
        assert_eq!(
            r.6,
            fields.len() - interpreted,
            "{what}: kept fields (v{version})"
        );
    }
}

fn interpreted(f: &str) -> bool {
    [
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
        "vpc-id",
        "subnet-id",
        "instance-id",
        "tcp-flags",
        "pkt-srcaddr",
        "pkt-dstaddr",
        "flow-direction",
    ]
    .contains(&f)
}

fn payload(lines: &[String]) -> String {
    let events: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, m)| {
            serde_json::json!({"id": i.to_string(), "timestamp": 1, "message": m}).to_string()
        })
        .collect();
    format!(
        "{{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"123456789012\",\"logGroup\":\"/vpc/flow\",\"logStream\":\"eni-1-all\",\"subscriptionFilters\":[\"f\"],\"logEvents\":[{}]}}",
        events.join(",")
    )
}

const CONTROL: &str = "{\"messageType\":\"CONTROL_MESSAGE\",\"owner\":\"CloudwatchLogs\",\"logGroup\":\"\",\"logStream\":\"\",\"subscriptionFilters\":[],\"logEvents\":[{\"id\":\"\",\"timestamp\":1,\"message\":\"CWL CONTROL MESSAGE: Checking health of destination Firehose.\"}]}";

#[test]
fn every_version_in_every_shape_reads_exactly() {
    let records = 5;
    let mut cases: Vec<(u8, Vec<&str>)> = [2u8, 3, 4, 5, 7, 8]
        .into_iter()
        .map(|v| (v, version_fields(v)))
        .collect();
    cases.push((6, TGW.to_vec()));
    for (version, fields) in &cases {
        let (header, lines) = delivery(*version, fields, records);
        let body = lines.join("\n") + "\n";
        let with_header = format!("{header}\n{body}");
        let given = Format::parse(&fields.join(" ")).unwrap_or_else(|e| panic!("v{version}: {e}"));
        let shapes: Vec<(&str, Vec<u8>, Option<&Format>)> = vec![
            ("header, plain", with_header.clone().into_bytes(), None),
            ("header, gzip", gzip(with_header.as_bytes()), None),
            ("CRLF", with_header.replace('\n', "\r\n").into_bytes(), None),
            ("BOM", format!("\u{feff}{with_header}").into_bytes(), None),
            (
                "no header, --format-fields",
                body.clone().into_bytes(),
                Some(&given),
            ),
            ("one payload", payload(&lines).into_bytes(), Some(&given)),
            (
                "one payload per line",
                lines
                    .iter()
                    .map(|l| payload(std::slice::from_ref(l)))
                    .collect::<Vec<_>>()
                    .join("\n")
                    .into_bytes(),
                Some(&given),
            ),
            (
                "back to back with a CONTROL_MESSAGE",
                gzip(
                    format!("{}{CONTROL}{}", payload(&lines[..2]), payload(&lines[2..])).as_bytes(),
                ),
                Some(&given),
            ),
        ];
        for (shape, data, format) in shapes {
            let what = format!("v{version} {shape}");
            let (seen, stats) = read(data, format);
            assert_eq!(
                (stats.records, stats.malformed),
                (u64::from(records), 0),
                "{what}"
            );
            check(&what, *version, fields, &seen, records);
            assert_eq!(
                stats.control_messages,
                u64::from(shape.contains("CONTROL")),
                "{what}"
            );
        }
    }
    // Two deliveries of different versions joined into one file (and as two
    // gzip members): each read with its own header's fields.
    let (h2, l2) = delivery(2, &version_fields(2), records);
    let (h8, l8) = delivery(8, &version_fields(8), records);
    let a = format!("{h2}\n{}\n", l2.join("\n"));
    let b = format!("{h8}\n{}\n", l8.join("\n"));
    for (shape, data) in [
        ("joined", format!("{a}{b}").into_bytes()),
        (
            "two gzip members",
            [gzip(a.as_bytes()), gzip(b.as_bytes())].concat(),
        ),
    ] {
        let (seen, stats) = read(data, None);
        check(
            &format!("{shape}: v2"),
            2,
            &version_fields(2),
            &seen[..5],
            records,
        );
        check(
            &format!("{shape}: v8"),
            8,
            &version_fields(8),
            &seen[5..],
            records,
        );
        assert_eq!((stats.records, stats.malformed), (10, 0), "{shape}");
    }
}
