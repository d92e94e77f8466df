//! The findings of an [`Analysis`], as report results: one FAIL per finding,
//! with its evidence and MITRE ATT&CK technique (or CIS control).

use std::collections::BTreeMap;
use std::net::IpAddr;

use flowaudit_core::checks::CheckMeta;
use flowaudit_core::findings;
use flowaudit_core::region::ResultRegion;
use flowaudit_core::report::{CheckResult, ResourceType, Status};
use serde_json::json;

use crate::detect::{is_public, Analysis, Thresholds};

fn hour_label(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

impl Analysis {
    /// The findings, most severe first.
    pub fn findings(&self, t: &Thresholds) -> Vec<CheckResult> {
        let mut out = Vec::new();
        let about = |approximate: bool| if approximate { "~" } else { "" };
        for ((src, dst), s) in &self.scans {
            let share = s.rejected as f64 / s.flows.max(1) as f64;
            let (ports, approximate) = s.distinct();
            if ports >= t.scan_ports as u64 && share >= t.scan_reject_share {
                out.push(finding(
                    &findings::PORT_SCAN,
                    ResourceType::Address,
                    &src.to_string(),
                    format!("{src} probed {}{ports} ports on {dst}; {:.0}% of {} flows rejected", about(approximate), share * 100.0, s.flows),
                    json!({ "source": src, "destination": dst, "distinct_ports": ports, "approximate": approximate, "flows": s.flows, "rejected": s.rejected }),
                ));
            }
        }
        for ((src, port), w) in &self.sweeps {
            // From the internet, or mostly refused: not a client of many servers.
            let refused = w.rejected as f64 / w.flows.max(1) as f64 >= 0.5;
            let (hosts, approximate) = w.distinct();
            if hosts >= t.sweep_hosts as u64 && (is_public(src) || refused) {
                out.push(finding(
                    &findings::HOST_SWEEP,
                    ResourceType::Address,
                    &src.to_string(),
                    format!("{src} reached {}{hosts} hosts on port {port} ({} flows rejected)", about(approximate), w.rejected),
                    json!({ "source": src, "port": port, "distinct_hosts": hosts, "approximate": approximate, "rejected": w.rejected }),
                ));
            }
        }
        for ((dst, port), (sources, bytes)) in &self.exposures() {
            let (public, approximate) = sources.distinct();
            out.push(finding(
                    &findings::EXPOSED_ADMIN_PORT,
                ResourceType::Address,
                &dst.to_string(),
                format!("{dst} accepted {} flows on port {port} from {}{public} public address(es)", sources.flows, about(approximate)),
                json!({ "destination": dst, "port": port, "flows": sources.flows, "bytes": bytes, "public_sources": public, "approximate": approximate, "examples": sources.members.iter().take(5).collect::<Vec<_>>() }),
            ));
        }
        self.lateral_findings(t, &mut out);
        let mut heavy: BTreeMap<IpAddr, (u64, i64)> = BTreeMap::new();
        for ((src, hour), bytes) in &self.outbound {
            if *bytes >= t.exfil_bytes_per_hour {
                let e = heavy.entry(*src).or_insert((0, *hour));
                if *bytes > e.0 {
                    *e = (*bytes, *hour);
                }
            }
        }
        for (src, (bytes, hour)) in heavy {
            let top = self.destinations.get(&src);
            let (to, listed, interface) = match top {
                Some(top) => {
                    let list = top.top(5);
                    let shown: Vec<String> = list
                        .iter()
                        .map(|d| {
                            let ports: Vec<String> = d.ports.iter().map(u16::to_string).collect();
                            format!(
                                "{} ({}{} MiB, {} flows, port {})",
                                d.addr,
                                about(top.approximate),
                                d.bytes >> 20,
                                d.flows,
                                if ports.is_empty() {
                                    "-".to_string()
                                } else {
                                    ports.join("/")
                                }
                            )
                        })
                        .collect();
                    let evidence: Vec<serde_json::Value> = list
                        .iter()
                        .map(|d| json!({ "address": d.addr, "bytes": d.bytes, "flows": d.flows, "ports": d.ports.to_vec() }))
                        .collect();
                    (
                        format!("; most to {} over the whole span", shown.join(", ")),
                        json!({ "top_destinations": evidence, "approximate": top.approximate }),
                        top.interface.as_deref().map(str::to_string),
                    )
                }
                None => (String::new(), json!({}), None),
            };
            let from = interface
                .as_deref()
                .map_or_else(String::new, |i| format!(" through {i}"));
            out.push(finding(
                &findings::EXFILTRATION,
                ResourceType::Address,
                &src.to_string(),
                format!(
                    "{src}{from} sent {} MiB to public addresses in one hour (from {} UTC){to}",
                    bytes >> 20,
                    hour_label(hour * 3600)
                ),
                json!({ "source": src, "interface": interface, "bytes": bytes, "hour_start": hour * 3600, "threshold_bytes": t.exfil_bytes_per_hour, "destinations": listed }),
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
                &findings::REJECTED_HOTSPOT,
                ResourceType::Address,
                &src.to_string(),
                format!("{src} had {n} rejected flows"),
                json!({ "source": src, "rejected": n }),
            ));
        }
        self.health_findings(t, &mut out);
        self.gap_findings(t, &mut out);
        // Every record from one account (and region): the findings are theirs.
        for r in &mut out {
            if let Some(account) = self.account.one() {
                r.account_id = account.to_string();
            }
            if let Some(region) = self.region.one() {
                r.region = ResultRegion::Named(region.to_string());
            }
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

    /// Internal sources that opened remote-access connections to internal
    /// hosts they had not reached in the baseline window.
    fn lateral_findings(&self, t: &Thresholds, out: &mut Vec<CheckResult>) {
        let Some((oldest, newest)) = self.span else {
            return;
        };
        let cutoff = oldest + i64::from(t.lateral_baseline_hours) * 3600;
        if newest <= cutoff {
            return;
        }
        let mut by_source: BTreeMap<IpAddr, Vec<(IpAddr, u16, &crate::detect::Pair)>> =
            BTreeMap::new();
        for ((src, dst, port), p) in &self.lateral {
            if p.first >= cutoff {
                by_source.entry(*src).or_default().push((*dst, *port, p));
            }
        }
        for (src, mut pairs) in by_source {
            pairs.sort_by_key(|(dst, port, _)| (*dst, *port));
            let list: Vec<String> = pairs
                .iter()
                .take(5)
                .map(|(dst, port, _)| format!("{dst}:{port}"))
                .collect();
            out.push(finding(
                    &findings::LATERAL_MOVEMENT,
                ResourceType::Address,
                &src.to_string(),
                format!(
                    "{src} opened remote-access connections to {} internal host/port pair(s) not seen in the {} h baseline: {}{}",
                    pairs.len(),
                    t.lateral_baseline_hours,
                    list.join(", "),
                    if pairs.len() > 5 { ", …" } else { "" }
                ),
                json!({
                    "source": src,
                    "baseline_until": cutoff,
                    "new_pairs": pairs.iter().take(50).map(|(dst, port, p)| json!({
                        "destination": dst, "port": port, "first_seen": p.first,
                        "last_seen": p.last, "flows": p.flows, "bytes": p.bytes,
                    })).collect::<Vec<_>>(),
                }),
            ));
        }
    }

    /// Clock hours inside the span read without a single record, when the
    /// data is dense enough (at least 10 records an hour on average) for an
    /// empty hour to mean that delivery stopped rather than that all was quiet
    /// (idle interfaces still write NODATA records).
    fn gap_findings(&self, t: &Thresholds, out: &mut Vec<CheckResult>) {
        let (Some(first), Some(last)) = (self.hours.keys().min(), self.hours.keys().max()) else {
            return;
        };
        let span = last - first + 1;
        let total: u64 = self.hours.values().sum();
        if span < 3 || total < 10 * span as u64 {
            return;
        }
        let mut hour = *first;
        while hour <= *last {
            if self.hours.contains_key(&hour) {
                hour += 1;
                continue;
            }
            let from = hour;
            while hour <= *last && !self.hours.contains_key(&hour) {
                hour += 1;
            }
            let hours = hour - from;
            if hours >= i64::from(t.gap_hours.max(1)) {
                out.push(finding(
                    &findings::DELIVERY_GAP,
                    ResourceType::TimeRange,
                    &format!("{}/{}", hour_label(from * 3600), hour_label(hour * 3600)),
                    format!(
                        "no record at all for {hours} h from {} UTC, inside data averaging {} records an hour",
                        hour_label(from * 3600),
                        total / span as u64
                    ),
                    json!({ "from": from * 3600, "to": hour * 3600, "hours": hours, "records_per_hour": total / span as u64 }),
                ));
            }
        }
    }

    /// Lost records (SKIPDATA) and interfaces that stopped reporting.
    fn health_findings(&self, t: &Thresholds, out: &mut Vec<CheckResult>) {
        let newest = self.span.map(|(_, b)| b);
        for (eni, i) in &self.interfaces {
            let (kind, named) = crate::detect::subject_kind(eni);
            if i.skipdata > 0 {
                out.push(finding(
                    &findings::SKIPDATA,
                    kind.clone(),
                    eni,
                    format!(
                        "{} SKIPDATA record(s): flow records of {named} were lost",
                        i.skipdata
                    ),
                    json!({ "interface": eni, "skipdata": i.skipdata }),
                ));
            }
            // Flow logs write a record (NODATA when idle) every aggregation
            // interval, so an interface that reported steadily and then stopped
            // lost its flow log (or was deleted). Judged against its own pace.
            let Some(newest) = newest else { continue };
            if i.records < 10 || i.last < i.first {
                continue;
            }
            let pace = (i.last - i.first) / (i.records as i64 - 1);
            let gap = newest - i.last;
            if gap >= (i64::from(t.silent_hours) * 3600).max(pace.saturating_mul(20)) {
                out.push(finding(
                    &findings::INTERFACE_SILENT,
                    kind,
                    eni,
                    format!(
                        "{named} stopped reporting at {} UTC, {} h before the newest record ({} records before that)",
                        hour_label(i.last),
                        gap / 3600,
                        i.records
                    ),
                    json!({ "interface": eni, "last_record": i.last, "newest_record": newest, "silent_seconds": gap, "records": i.records }),
                ));
            }
        }
    }
}

/// One finding as a FAIL result; its severity and compliance mapping come from
/// its registry entry ([`flowaudit_core::findings`]).
fn finding(
    meta: &CheckMeta,
    resource_type: ResourceType,
    resource: &str,
    message: String,
    evidence: serde_json::Value,
) -> CheckResult {
    CheckResult {
        check_id: meta.id.to_string(),
        status: Status::Fail,
        severity: meta.severity,
        account_id: "-".into(),
        region: ResultRegion::NotRegional,
        resource_type,
        resource_id: resource.to_string(),
        vpc_id: None,
        vpc_name: None,
        message,
        evidence,
        compliance: meta.compliance_refs(),
        priority: None,
        exception: None,
        remediation: None,
        location: None,
    }
}
