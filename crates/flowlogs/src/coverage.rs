//! Every detection in every run: for each one without a finding, a PASS that
//! says what was evaluated, or SKIPPED saying why it could not be (the data
//! too short for a baseline, too sparse for gaps, no records at all).

use flowaudit_core::checks::CheckMeta;
use flowaudit_core::findings;
use flowaudit_core::region::ResultRegion;
use flowaudit_core::report::{CheckResult, ResourceType, Status};
use serde_json::json;

use crate::detect::{Analysis, Thresholds};

/// How long `seconds` is, for people ("1 h 01 min", "3 d 4 h").
fn duration(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    match (minutes / 1440, minutes % 1440 / 60, minutes % 60) {
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m:02} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

fn time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

impl Analysis {
    /// A PASS or SKIPPED result for every detection that `results` holds no
    /// result of (the input check included).
    pub fn coverage(&self, t: &Thresholds, results: &[CheckResult]) -> Vec<CheckResult> {
        let reported = |meta: &CheckMeta| results.iter().any(|r| r.check_id == meta.id.as_str());
        let span_label = self.span.map_or_else(
            || "no records".to_string(),
            |(a, b)| format!("{}/{}", time(a), time(b)),
        );
        let verdict = |meta: &CheckMeta, status: Status, message: String| CheckResult {
            check_id: meta.id.to_string(),
            status,
            severity: meta.severity,
            account_id: self.account.one().unwrap_or("-").to_string(),
            region: self.region.one().map_or(ResultRegion::NotRegional, |r| {
                ResultRegion::Named(r.to_string())
            }),
            resource_type: ResourceType::TimeRange,
            resource_id: span_label.clone(),
            vpc_id: None,
            vpc_name: None,
            message,
            evidence: json!({ "records": self.records, "span": self.span }),
            compliance: meta.compliance_refs(),
            priority: None,
            exception: None,
            remediation: None,
            location: None,
        };
        let mut out = Vec::new();
        let Some((oldest, newest)) = self.span else {
            for meta in findings::REGISTRY {
                if meta.id != findings::INPUT.id && !reported(meta) {
                    out.push(verdict(
                        meta,
                        Status::Skipped,
                        "no flow-log record with a time was read, so nothing could be evaluated"
                            .to_string(),
                    ));
                }
            }
            return out;
        };
        let records = self.records;
        let passes = [
            (
                &findings::PORT_SCAN,
                format!(
                    "{} source/destination pair(s) checked; none probed {} or more ports with {:.0}% or more of the flows rejected",
                    self.scans.len(),
                    t.scan_ports,
                    t.scan_reject_share * 100.0
                ),
            ),
            (
                &findings::HOST_SWEEP,
                format!(
                    "{} source/port pair(s) checked; none reached {} or more hosts",
                    self.sweeps.len(),
                    t.sweep_hosts
                ),
            ),
            (
                &findings::EXPOSED_ADMIN_PORT,
                format!(
                    "{records} record(s) checked; no flow from a public address was accepted on port(s) {}",
                    t.exposed_ports
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            (
                &findings::EXFILTRATION,
                format!(
                    "{} internal source-hour(s) checked; none sent {} MiB or more to public addresses in an hour",
                    self.outbound.len(),
                    t.exfil_bytes_per_hour >> 20
                ),
            ),
            (
                &findings::REJECTED_HOTSPOT,
                format!(
                    "{} source(s) with rejected flows checked; none had {} or more",
                    self.rejected_by_source.len(),
                    t.hotspot_min_rejected
                ),
            ),
            (
                &findings::SKIPDATA,
                format!("no SKIPDATA record among {records} record(s)"),
            ),
            (
                &findings::INTERFACE_SILENT,
                format!(
                    "{} interface(s) checked; none stopped reporting (interfaces with fewer than 10 records are not judged)",
                    self.interfaces.len()
                ),
            ),
        ];
        for (meta, message) in passes {
            if !reported(meta) {
                out.push(verdict(meta, Status::Pass, message));
            }
        }
        if !reported(&findings::LATERAL_MOVEMENT) {
            let baseline = i64::from(t.lateral_baseline_hours) * 3600;
            out.push(if newest - oldest <= baseline {
                verdict(
                    &findings::LATERAL_MOVEMENT,
                    Status::Skipped,
                    format!(
                        "needs a {} h baseline before new pairs can be told apart; the data spans {}",
                        t.lateral_baseline_hours,
                        duration(newest - oldest)
                    ),
                )
            } else {
                verdict(
                    &findings::LATERAL_MOVEMENT,
                    Status::Pass,
                    format!(
                        "{} internal remote-access pair(s) checked; none first seen after the {} h baseline",
                        self.lateral.len(),
                        t.lateral_baseline_hours
                    ),
                )
            });
        }
        if !reported(&findings::DELIVERY_GAP) {
            let hours = self.hours.len() as i64;
            let first = self.hours.keys().min().copied().unwrap_or(0);
            let last = self.hours.keys().max().copied().unwrap_or(0);
            let span = last - first + 1;
            let total: u64 = self.hours.values().sum();
            out.push(if span < 3 || total < 10 * span as u64 {
                verdict(
                    &findings::DELIVERY_GAP,
                    Status::Skipped,
                    format!(
                        "gaps are judged on at least 3 clock hours averaging 10 records an hour; the data has {total} record(s) over {span} clock hour(s)"
                    ),
                )
            } else {
                verdict(
                    &findings::DELIVERY_GAP,
                    Status::Pass,
                    format!("every one of the {span} clock hour(s) read has records ({hours} hour(s) with records)"),
                )
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(duration(59), "0 min");
        assert_eq!(duration(3660), "1 h 01 min");
        assert_eq!(duration(3 * 86_400 + 4 * 3600 + 5), "3 d 4 h");
    }
}
