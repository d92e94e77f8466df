//! Roll-out priority: which failing VPCs to fix first, from their exposure.
//!
//! - **P1**: internet-exposed (an internet gateway is attached) and production.
//! - **P2**: internet-exposed or production.
//! - **P3**: neither, with network interfaces (or an unknown number of them).
//! - **P4**: neither, and no network interface at all (nothing to log yet).
//!
//! Within a level the score orders by the check's severity, then by the number of
//! network interfaces (more workloads, more to lose).

use crate::model::{Inventory, Vpc};
use crate::report::{CheckResult, Status};

pub mod model;
pub use model::{Level, Priority, PriorityOptions};

/// The priority of a failing result on `vpc`.
pub fn assess(vpc: &Vpc, result: &CheckResult, options: &PriorityOptions) -> Priority {
    let production_tag = options.production_tag(vpc);
    let exposed = vpc.internet_gateway_attached;
    let enis = vpc.network_interface_count;
    let level = match (exposed, production_tag.is_some(), enis) {
        (true, true, _) => Level::P1,
        (true, false, _) | (false, true, _) => Level::P2,
        (false, false, Some(0)) => Level::P4,
        (false, false, _) => Level::P3,
    };
    let mut reasons = Vec::new();
    if exposed {
        reasons.push("internet gateway attached".to_string());
    }
    if let Some(tag) = &production_tag {
        reasons.push(format!("production (tag {tag})"));
    }
    reasons.push(match enis {
        Some(0) => "no network interfaces".to_string(),
        Some(1) => "1 network interface".to_string(),
        Some(n) => format!("{n} network interfaces"),
        None => "network interfaces not counted".to_string(),
    });
    let level_weight = match level {
        Level::P1 => 3000,
        Level::P2 => 2000,
        Level::P3 => 1000,
        Level::P4 => 0,
    };
    let score = level_weight + result.severity.rank() * 100 + enis.unwrap_or(0).min(99);
    Priority {
        level,
        score,
        internet_exposed: exposed,
        production: production_tag.is_some(),
        network_interfaces: enis,
        reasons,
    }
}

/// Sets the priority of every FAIL result that concerns a VPC.
pub fn attach(results: &mut [CheckResult], inventory: &Inventory, options: &PriorityOptions) {
    let vpcs = inventory.vpc_index();
    for result in results.iter_mut().filter(|r| r.status == Status::Fail) {
        let Some(vpc_id) = result.vpc_id.as_deref() else {
            continue;
        };
        if let Some(vpc) = vpcs.get(&(result.account_id.as_str(), result.region.as_str(), vpc_id)) {
            result.priority = Some(assess(vpc, result, options));
        }
    }
}

/// Indexes of the FAIL results that carry a priority, highest first (ties keep
/// report order).
pub fn ranked(results: &[CheckResult]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..results.len())
        .filter(|&i| results[i].status == Status::Fail && results[i].priority.is_some())
        .collect();
    order.sort_by_key(|&i| {
        std::cmp::Reverse(results[i].priority.as_ref().map(|p| p.score).unwrap_or(0))
    });
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;
    use crate::{build_report, Settings, Source};

    fn vpc(tags: &[(&str, &str)], igw: bool, enis: Option<u32>) -> Vpc {
        Vpc {
            vpc_id: "vpc-1".into(),
            owner_id: "111122223333".into(),
            cidr_blocks: vec![],
            is_default: false,
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            network_interface_count: enis,
            internet_gateway_attached: igw,
        }
    }

    fn level(v: &Vpc) -> Level {
        let report = build_report(
            &demo::inventory().unwrap_or_else(|e| panic!("{e}")),
            &Settings::default(),
            &Source::Demo,
        );
        let any = &report.results[0];
        assess(v, any, &PriorityOptions::default()).level
    }

    #[test]
    fn levels_follow_exposure() {
        assert_eq!(level(&vpc(&[("env", "prod")], true, Some(3))), Level::P1);
        assert_eq!(
            level(&vpc(&[("Environment", "Production")], false, Some(3))),
            Level::P2
        );
        assert_eq!(level(&vpc(&[("env", "dev")], true, Some(0))), Level::P2);
        assert_eq!(level(&vpc(&[("env", "dev")], false, Some(3))), Level::P3);
        assert_eq!(level(&vpc(&[], false, None)), Level::P3);
        assert_eq!(level(&vpc(&[], false, Some(0))), Level::P4);
        // A value that only contains "prod" is not production.
        assert_eq!(
            level(&vpc(&[("env", "preprod")], false, Some(0))),
            Level::P4
        );
    }

    #[test]
    fn production_tags_are_configurable() {
        let options = PriorityOptions {
            production_tag_keys: vec!["tier".into()],
            production_tag_values: vec!["critical".into()],
        };
        assert_eq!(
            options.production_tag(&vpc(&[("tier", "critical")], false, None)),
            Some("tier=critical".to_string())
        );
        assert_eq!(
            options.production_tag(&vpc(&[("env", "prod")], false, None)),
            None
        );
    }

    #[test]
    fn demo_ranking_puts_exposed_production_first() {
        let report = build_report(
            &demo::inventory().unwrap_or_else(|e| panic!("{e}")),
            &Settings::default(),
            &Source::Demo,
        );
        let order = ranked(&report.results);
        assert!(!order.is_empty());
        let ranked: Vec<(Level, u32, &str, &str)> = order
            .iter()
            .map(|&i| {
                let r = &report.results[i];
                let p = r.priority.as_ref().map(|p| (p.level, p.score));
                let (l, s) = p.unwrap_or((Level::P4, 0));
                (l, s, r.vpc_id.as_deref().unwrap_or(""), r.check_id.as_str())
            })
            .collect();
        // Scores never increase down the list, and levels never improve.
        for pair in ranked.windows(2) {
            assert!(pair[0].1 >= pair[1].1, "{pair:?}");
            assert!(pair[0].0 <= pair[1].0, "{pair:?}");
        }
        // Every FAIL result on a VPC has a priority; nothing else does.
        for r in &report.results {
            assert_eq!(
                r.priority.is_some(),
                r.status == Status::Fail && r.vpc_id.is_some(),
                "{} {}",
                r.check_id,
                r.resource_id
            );
        }
        insta::assert_snapshot!(ranked
            .iter()
            .map(|(l, s, v, c)| format!("{l} {s:>4} {v} {c}"))
            .collect::<Vec<_>>()
            .join("\n"));
    }
}
