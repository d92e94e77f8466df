//! Detections over flow-log records, in memory bounded by the number of distinct
//! keys tracked (sets per key are capped just above the thresholds that need
//! them, so a key's memory never grows with the input).

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use flowaudit_core::report::{CheckResult, ComplianceRef, Severity, Status};
use serde_json::json;

use crate::record::{Action, LogStatus, Record};

/// Thresholds of the detections.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    /// Port scan: distinct destination ports from one source to one host.
    pub scan_ports: usize,
    /// Port scan: share of those flows that were rejected.
    pub scan_reject_share: f64,
    /// Host sweep: distinct hosts one source reached on one port.
    pub sweep_hosts: usize,
    /// Exfiltration: bytes from one internal host to public addresses in one hour.
    pub exfil_bytes_per_hour: u64,
    /// Admin and database ports that must not accept traffic from the internet.
    pub exposed_ports: Vec<u16>,
    /// How many top rejected sources are reported.
    pub top_rejected: usize,
    /// A source is a rejected-traffic hot spot from this many rejected flows.
    pub hotspot_min_rejected: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            scan_ports: 25,
            scan_reject_share: 0.8,
            sweep_hosts: 25,
            exfil_bytes_per_hour: 1 << 30,
            exposed_ports: vec![
                22, 3389, 3306, 5432, 1433, 1521, 6379, 9200, 27017, 5984, 11211, 2375,
            ],
            top_rejected: 5,
            hotspot_min_rejected: 500,
        }
    }
}

/// Whether an address is on the public internet (not private, shared, loopback,
/// link-local or unique-local).
pub fn is_public(a: &IpAddr) -> bool {
    match a {
        IpAddr::V4(v) => {
            let o = v.octets();
            !(v.is_private()
                || v.is_loopback()
                || v.is_link_local()
                || v.is_unspecified()
                || v.is_broadcast()
                || (o[0] == 100 && (64..128).contains(&o[1])))
        }
        IpAddr::V6(v) => {
            let s = v.segments()[0];
            !(v.is_loopback()
                || v.is_unspecified()
                || (s & 0xfe00) == 0xfc00
                || (s & 0xffc0) == 0xfe80)
        }
    }
}

#[derive(Debug, Default, Clone)]
struct PortSet {
    ports: HashSet<u16>,
    flows: u64,
    rejected: u64,
}

#[derive(Debug, Default, Clone)]
struct HostSet {
    hosts: HashSet<IpAddr>,
    flows: u64,
    rejected: u64,
}

#[derive(Debug, Default, Clone)]
struct Exposure {
    sources: HashSet<IpAddr>,
    flows: u64,
    bytes: u64,
}

/// The running totals of every detection.
#[derive(Debug, Default, Clone)]
pub struct Analysis {
    cap: usize,
    scans: HashMap<(IpAddr, IpAddr), PortSet>,
    sweeps: HashMap<(IpAddr, u16), HostSet>,
    exposed: HashMap<(IpAddr, u16), Exposure>,
    /// (internal source, hour) → bytes to public addresses.
    outbound: HashMap<(IpAddr, i64), u64>,
    rejected_by_source: HashMap<IpAddr, u64>,
    skipdata: HashMap<String, u64>,
    pub records: u64,
}

impl Analysis {
    pub fn new(t: &Thresholds) -> Analysis {
        Analysis {
            cap: t.scan_ports.max(t.sweep_hosts) + 1,
            ..Analysis::default()
        }
    }

    /// Folds one record in. `exposed_ports` is from the thresholds.
    pub fn add(&mut self, r: &Record, exposed_ports: &[u16]) {
        self.records += 1;
        if r.log_status == Some(LogStatus::SkipData) {
            *self
                .skipdata
                .entry(r.interface_id.clone().unwrap_or_else(|| "-".into()))
                .or_default() += 1;
            return;
        }
        // Addresses of the packets, when logged (behind NAT the interface's
        // addresses differ from the packets').
        let (Some(src), Some(dst)) = (r.pkt_srcaddr.or(r.srcaddr), r.pkt_dstaddr.or(r.dstaddr))
        else {
            return;
        };
        let rejected = r.action == Some(Action::Reject);
        if let Some(port) = r.dstport {
            let s = self.scans.entry((src, dst)).or_default();
            s.flows += 1;
            s.rejected += u64::from(rejected);
            if s.ports.len() < self.cap {
                s.ports.insert(port);
            }
            // A sweep goes through our hosts; many public hosts on 443 is browsing.
            if !is_public(&dst) {
                let w = self.sweeps.entry((src, port)).or_default();
                w.flows += 1;
                w.rejected += u64::from(rejected);
                if w.hosts.len() < self.cap {
                    w.hosts.insert(dst);
                }
            }
            if !rejected && is_public(&src) && !is_public(&dst) && exposed_ports.contains(&port) {
                let e = self.exposed.entry((dst, port)).or_default();
                e.flows += 1;
                e.bytes += r.bytes.unwrap_or(0);
                if e.sources.len() < 256 {
                    e.sources.insert(src);
                }
            }
        }
        if rejected {
            *self.rejected_by_source.entry(src).or_default() += 1;
        }
        if !rejected && !is_public(&src) && is_public(&dst) {
            // One record per flow direction: the interface that sent the bytes
            // logs them once; counting the packet source avoids counting NAT twice.
            if r.flow_direction.as_deref() != Some("ingress") {
                let hour = r.start.unwrap_or(0) / 3600;
                *self.outbound.entry((src, hour)).or_default() += r.bytes.unwrap_or(0);
            }
        }
    }

    /// Merges another thread's totals into this one.
    pub fn merge(&mut self, other: Analysis) {
        self.records += other.records;
        for (k, v) in other.scans {
            let s = self.scans.entry(k).or_default();
            s.flows += v.flows;
            s.rejected += v.rejected;
            for p in v.ports {
                if s.ports.len() < self.cap.max(other.cap) {
                    s.ports.insert(p);
                }
            }
        }
        for (k, v) in other.sweeps {
            let s = self.sweeps.entry(k).or_default();
            s.flows += v.flows;
            s.rejected += v.rejected;
            for h in v.hosts {
                if s.hosts.len() < self.cap.max(other.cap) {
                    s.hosts.insert(h);
                }
            }
        }
        for (k, v) in other.exposed {
            let e = self.exposed.entry(k).or_default();
            e.flows += v.flows;
            e.bytes += v.bytes;
            e.sources.extend(v.sources);
        }
        for (k, v) in other.outbound {
            *self.outbound.entry(k).or_default() += v;
        }
        for (k, v) in other.rejected_by_source {
            *self.rejected_by_source.entry(k).or_default() += v;
        }
        for (k, v) in other.skipdata {
            *self.skipdata.entry(k).or_default() += v;
        }
        self.cap = self.cap.max(other.cap);
    }

    /// The findings, as report results (one FAIL per finding).
    pub fn findings(&self, t: &Thresholds) -> Vec<CheckResult> {
        let mut out = Vec::new();
        for ((src, dst), s) in &self.scans {
            let share = s.rejected as f64 / s.flows.max(1) as f64;
            if s.ports.len() >= t.scan_ports && share >= t.scan_reject_share {
                out.push(finding(
                    "flowlog-port-scan",
                    Severity::High,
                    "address",
                    &src.to_string(),
                    format!("{src} probed {}{} ports on {dst}; {:.0}% of {} flows rejected", s.ports.len(), if s.ports.len() >= self.cap { "+" } else { "" }, share * 100.0, s.flows),
                    json!({ "source": src, "destination": dst, "distinct_ports": s.ports.len(), "flows": s.flows, "rejected": s.rejected }),
                    ("MITRE ATT&CK", "T1046 Network Service Discovery"),
                ));
            }
        }
        for ((src, port), w) in &self.sweeps {
            // From the internet, or mostly refused: not a client of many servers.
            let refused = w.rejected as f64 / w.flows.max(1) as f64 >= 0.5;
            if w.hosts.len() >= t.sweep_hosts && (is_public(src) || refused) {
                out.push(finding(
                    "flowlog-host-sweep",
                    Severity::High,
                    "address",
                    &src.to_string(),
                    format!("{src} reached {}{} hosts on port {port} ({} flows rejected)", w.hosts.len(), if w.hosts.len() >= self.cap { "+" } else { "" }, w.rejected),
                    json!({ "source": src, "port": port, "distinct_hosts": w.hosts.len(), "rejected": w.rejected }),
                    ("MITRE ATT&CK", "T1046 Network Service Discovery"),
                ));
            }
        }
        for ((dst, port), e) in &self.exposed {
            out.push(finding(
                "flowlog-exposed-admin-port",
                Severity::Critical,
                "address",
                &dst.to_string(),
                format!("{dst} accepted {} flows on port {port} from {} public address(es)", e.flows, e.sources.len()),
                json!({ "destination": dst, "port": port, "flows": e.flows, "bytes": e.bytes, "public_sources": e.sources.len(), "examples": e.sources.iter().take(5).collect::<Vec<_>>() }),
                ("MITRE ATT&CK", "T1133 External Remote Services"),
            ));
        }
        let mut heavy: HashMap<IpAddr, (u64, i64)> = HashMap::new();
        for ((src, hour), bytes) in &self.outbound {
            if *bytes >= t.exfil_bytes_per_hour {
                let e = heavy.entry(*src).or_insert((0, *hour));
                if *bytes > e.0 {
                    *e = (*bytes, *hour);
                }
            }
        }
        for (src, (bytes, hour)) in heavy {
            out.push(finding(
                "flowlog-exfiltration",
                Severity::High,
                "address",
                &src.to_string(),
                format!("{src} sent {} MiB to public addresses in one hour (from {} UTC)", bytes >> 20, chrono::DateTime::from_timestamp(hour * 3600, 0).map(|d| d.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()),
                json!({ "source": src, "bytes": bytes, "hour_start": hour * 3600, "threshold_bytes": t.exfil_bytes_per_hour }),
                ("MITRE ATT&CK", "T1048 Exfiltration Over Alternative Protocol"),
            ));
        }
        let mut top: Vec<(&IpAddr, &u64)> = self.rejected_by_source.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (src, n) in top
            .into_iter()
            .filter(|(_, n)| **n >= t.hotspot_min_rejected)
            .take(t.top_rejected)
        {
            out.push(finding(
                "flowlog-rejected-hotspot",
                Severity::Info,
                "address",
                &src.to_string(),
                format!("{src} had {n} rejected flows"),
                json!({ "source": src, "rejected": n }),
                ("MITRE ATT&CK", "T1595 Active Scanning"),
            ));
        }
        for (eni, n) in &self.skipdata {
            out.push(finding(
                "flowlog-skipdata",
                Severity::Medium,
                "network-interface",
                eni,
                format!("{n} SKIPDATA record(s): flow records of {eni} were lost"),
                json!({ "interface": eni, "skipdata": n }),
                ("CIS AWS Foundations Benchmark v3.0.0", "3.7"),
            ));
        }
        out.sort_by(|a, b| {
            (b.severity, &a.check_id, &a.resource_id).cmp(&(
                a.severity,
                &b.check_id,
                &b.resource_id,
            ))
        });
        out
    }
}

fn finding(
    check: &str,
    severity: Severity,
    resource_type: &str,
    resource: &str,
    message: String,
    evidence: serde_json::Value,
    (framework, control): (&str, &str),
) -> CheckResult {
    CheckResult {
        check_id: check.to_string(),
        status: Status::Fail,
        severity,
        account_id: "-".into(),
        region: "-".into(),
        resource_type: resource_type.into(),
        resource_id: resource.to_string(),
        vpc_id: None,
        vpc_name: None,
        message,
        evidence,
        compliance: vec![ComplianceRef {
            framework: framework.into(),
            control: control.into(),
        }],
        priority: None,
        exception: None,
        remediation: None,
        location: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_and_private() {
        for (a, public) in [
            ("10.1.2.3", false),
            ("172.20.0.1", false),
            ("192.168.1.1", false),
            ("100.64.0.1", false),
            ("203.0.113.5", true),
            ("8.8.8.8", true),
            ("fd00::1", false),
            ("fe80::1", false),
            ("2001:4860::8888", true),
        ] {
            let ip: IpAddr = a.parse().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(is_public(&ip), public, "{a}");
        }
    }
}
