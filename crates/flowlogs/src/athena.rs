//! The same questions for Amazon Athena (or Trino) over years of data: the table
//! DDL with partition projection on the S3 layout AWS writes
//! (`AWSLogs/<account>/vpcflowlogs/<region>/<yyyy>/<MM>/<dd>/`), and each
//! detection as SQL with the same thresholds.

use crate::detect::Thresholds;

/// A regular expression that matches private, shared, loopback and link-local
/// IPv4 and unique-local/link-local IPv6 addresses (the complement of public).
const PRIVATE: &str = r"^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.|127\.|169\.254\.|f[cd]|fe[89ab]|::1$)";

/// DDL and queries for flow logs under `location` (`s3://bucket/prefix`).
pub fn export(location: &str, table: &str, t: &Thresholds) -> String {
    let base = location.trim_end_matches('/');
    let ports: Vec<String> = t.exposed_ports.iter().map(u16::to_string).collect();
    let lateral: Vec<String> = t.lateral_ports.iter().map(u16::to_string).collect();
    let public = |col: &str| format!("NOT regexp_like({col}, '{PRIVATE}')");
    let private = |col: &str| format!("regexp_like({col}, '{PRIVATE}')");
    let src_public_any = format!("bool_or({})", public("srcaddr"));
    format!(
        r#"-- flowaudit analyze --athena: run the DDL once, then the queries (set the day range).
CREATE EXTERNAL TABLE IF NOT EXISTS {table} (
  version int, account_id string, interface_id string, srcaddr string, dstaddr string,
  srcport int, dstport int, protocol bigint, packets bigint, bytes bigint,
  `start` bigint, `end` bigint, action string, log_status string
)
PARTITIONED BY (account string, region string, day string)
ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '
LOCATION '{base}/AWSLogs/'
TBLPROPERTIES (
  'skip.header.line.count' = '1',
  'projection.enabled' = 'true',
  'projection.account.type' = 'injected',
  'projection.region.type' = 'injected',
  'projection.day.type' = 'date',
  'projection.day.range' = '2015/01/01,NOW',
  'projection.day.format' = 'yyyy/MM/dd',
  'storage.location.template' = '{base}/AWSLogs/${{account}}/vpcflowlogs/${{region}}/${{day}}'
);

-- flowlog-port-scan (T1046): one source, >= {scan_ports} ports of one host, >= {share:.0}% rejected
SELECT srcaddr, dstaddr, count(DISTINCT dstport) AS ports, count(*) AS flows,
       sum(CASE WHEN action = 'REJECT' THEN 1 ELSE 0 END) AS rejected
FROM {table}
WHERE account = '<ACCOUNT>' AND region = '<REGION>' AND day BETWEEN '<FROM yyyy/MM/dd>' AND '<TO yyyy/MM/dd>'
  AND log_status = 'OK'
GROUP BY srcaddr, dstaddr
HAVING count(DISTINCT dstport) >= {scan_ports}
   AND sum(CASE WHEN action = 'REJECT' THEN 1 ELSE 0 END) >= {share_fraction} * count(*);

-- flowlog-host-sweep (T1046): one source, >= {sweep_hosts} of our hosts on one port, from the internet or mostly rejected
SELECT srcaddr, dstport, count(DISTINCT dstaddr) AS hosts, count(*) AS flows,
       sum(CASE WHEN action = 'REJECT' THEN 1 ELSE 0 END) AS rejected
FROM {table}
WHERE account = '<ACCOUNT>' AND region = '<REGION>' AND day BETWEEN '<FROM yyyy/MM/dd>' AND '<TO yyyy/MM/dd>'
  AND log_status = 'OK' AND {dst_private}
GROUP BY srcaddr, dstport
HAVING count(DISTINCT dstaddr) >= {sweep_hosts}
   AND ({src_public_any} OR sum(CASE WHEN action = 'REJECT' THEN 1 ELSE 0 END) >= 0.5 * count(*));

-- flowlog-exposed-admin-port (T1133): accepted from the internet on admin and database ports
SELECT dstaddr, dstport, count(*) AS flows, sum(bytes) AS bytes, count(DISTINCT srcaddr) AS public_sources
FROM {table}
WHERE account = '<ACCOUNT>' AND region = '<REGION>' AND day BETWEEN '<FROM yyyy/MM/dd>' AND '<TO yyyy/MM/dd>'
  AND action = 'ACCEPT' AND dstport IN ({ports}) AND {src_public} AND {dst_private}
GROUP BY dstaddr, dstport;

-- flowlog-exfiltration (T1048): >= {exfil_mib} MiB from one internal host to the internet in one hour
SELECT srcaddr, floor("start" / 3600) * 3600 AS hour_start, sum(bytes) AS bytes
FROM {table}
WHERE account = '<ACCOUNT>' AND region = '<REGION>' AND day BETWEEN '<FROM yyyy/MM/dd>' AND '<TO yyyy/MM/dd>'
  AND action = 'ACCEPT' AND {src_private} AND {dst_public}
GROUP BY srcaddr, floor("start" / 3600) * 3600
HAVING sum(bytes) >= {exfil_bytes};

-- flowlog-rejected-hotspot (T1595): top sources of rejected flows
SELECT srcaddr, count(*) AS rejected
FROM {table}
WHERE account = '<ACCOUNT>' AND region = '<REGION>' AND day BETWEEN '<FROM yyyy/MM/dd>' AND '<TO yyyy/MM/dd>'
  AND action = 'REJECT'
GROUP BY srcaddr
HAVING count(*) >= {hotspot}
ORDER BY rejected DESC
LIMIT {top};

-- flowlog-lateral-movement (T1021): internal pairs on remote-access ports first seen after the baseline (the first {baseline} h of the range)
WITH pairs AS (
  SELECT srcaddr, dstaddr, dstport, min("start") AS first_seen, max("start") AS last_seen,
         count(*) AS flows, sum(bytes) AS bytes
  FROM {table}
  WHERE account = '<ACCOUNT>' AND region = '<REGION>' AND day BETWEEN '<FROM yyyy/MM/dd>' AND '<TO yyyy/MM/dd>'
    AND action = 'ACCEPT' AND dstport IN ({lateral_ports}) AND {src_private} AND {dst_private}
  GROUP BY srcaddr, dstaddr, dstport
), bounds AS (
  SELECT min("start") AS oldest
  FROM {table}
  WHERE account = '<ACCOUNT>' AND region = '<REGION>' AND day BETWEEN '<FROM yyyy/MM/dd>' AND '<TO yyyy/MM/dd>'
)
SELECT p.* FROM pairs p CROSS JOIN bounds b
WHERE p.first_seen >= b.oldest + {baseline} * 3600
ORDER BY p.srcaddr, p.first_seen;

-- flowlog-skipdata: records lost
SELECT interface_id, count(*) AS skipdata
FROM {table}
WHERE account = '<ACCOUNT>' AND region = '<REGION>' AND day BETWEEN '<FROM yyyy/MM/dd>' AND '<TO yyyy/MM/dd>'
  AND log_status = 'SKIPDATA'
GROUP BY interface_id;

-- flowlog-interface-silent: interfaces whose records stop >= {silent} h (and 20 of their own intervals) before the newest record
WITH interfaces AS (
  SELECT interface_id, min("start") AS first_seen, max("end") AS last_seen, count(*) AS records
  FROM {table}
  WHERE account = '<ACCOUNT>' AND region = '<REGION>' AND day BETWEEN '<FROM yyyy/MM/dd>' AND '<TO yyyy/MM/dd>'
  GROUP BY interface_id
), newest AS (
  SELECT max("end") AS newest
  FROM {table}
  WHERE account = '<ACCOUNT>' AND region = '<REGION>' AND day BETWEEN '<FROM yyyy/MM/dd>' AND '<TO yyyy/MM/dd>'
)
SELECT i.*, n.newest - i.last_seen AS silent_seconds FROM interfaces i CROSS JOIN newest n
WHERE i.records >= 10
  AND n.newest - i.last_seen >= greatest({silent} * 3600, 20 * (i.last_seen - i.first_seen) / (i.records - 1));

-- flowlog-delivery-gap: >= {gap} clock hour(s) without a single record inside the range
WITH hours AS (
  SELECT DISTINCT floor("start" / 3600) AS h
  FROM {table}
  WHERE account = '<ACCOUNT>' AND region = '<REGION>' AND day BETWEEN '<FROM yyyy/MM/dd>' AND '<TO yyyy/MM/dd>'
), ordered AS (
  SELECT h, lead(h) OVER (ORDER BY h) AS next_h FROM hours
)
SELECT from_unixtime((h + 1) * 3600) AS gap_from, from_unixtime(next_h * 3600) AS gap_to,
       next_h - h - 1 AS empty_hours
FROM ordered
WHERE next_h - h - 1 >= {gap};
"#,
        scan_ports = t.scan_ports,
        share = t.scan_reject_share * 100.0,
        share_fraction = t.scan_reject_share,
        sweep_hosts = t.sweep_hosts,
        exfil_mib = t.exfil_bytes_per_hour >> 20,
        exfil_bytes = t.exfil_bytes_per_hour,
        hotspot = t.hotspot_min_rejected,
        top = t.top_rejected,
        ports = ports.join(", "),
        lateral_ports = lateral.join(", "),
        baseline = t.lateral_baseline_hours,
        silent = t.silent_hours,
        gap = t.gap_hours,
        src_public = public("srcaddr"),
        src_public_any = src_public_any,
        dst_public = public("dstaddr"),
        src_private = private("srcaddr"),
        dst_private = private("dstaddr"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_and_queries_carry_the_thresholds() {
        let t = Thresholds {
            scan_ports: 31,
            ..Thresholds::default()
        };
        let sql = export("s3://acme-flow-logs/vpc/", "flows", &t);
        assert!(sql.contains("LOCATION 's3://acme-flow-logs/vpc/AWSLogs/'"));
        assert!(sql.contains("'storage.location.template' = 's3://acme-flow-logs/vpc/AWSLogs/${account}/vpcflowlogs/${region}/${day}'"));
        assert!(sql.contains("HAVING count(DISTINCT dstport) >= 31"));
        assert!(sql.contains("dstport IN (22, 3389"));
        for check in [
            "port-scan",
            "host-sweep",
            "exposed-admin-port",
            "exfiltration",
            "rejected-hotspot",
            "lateral-movement",
            "skipdata",
            "interface-silent",
            "delivery-gap",
        ] {
            assert_eq!(
                sql.matches(&format!("-- flowlog-{check}")).count(),
                1,
                "one query per detection: {check}"
            );
        }
        assert!(sql.contains("dstport IN (22, 23, 135"), "lateral ports");
        assert!(!sql.contains("`start` /"), "Athena DML quotes with \"");
    }
}
