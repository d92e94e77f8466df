//! The sample inventory behind `flowaudit demo`: three regions of one account, one
//! of them unreadable, every check passing and failing somewhere.

use crate::load::parse_inventory;
use crate::model::Inventory;

/// The sample inventory's JSON text (also a worked example of the format).
pub const INVENTORY_JSON: &str = include_str!("demo/inventory.json");

/// The sample inventory.
pub fn inventory() -> Result<Inventory, crate::load::LoadError> {
    parse_inventory(INVENTORY_JSON, "<built-in demo inventory>")
}

/// The sample organization's approved flow-log destinations (its central
/// archive bucket and its log-group naming scheme). `flowaudit demo` leaves
/// `flow-log-approved-destination` SKIPPED unless they are given
/// (`--approved-destinations`, as the README shows); the demo test gives them.
pub const APPROVED_DESTINATIONS: [&str; 2] = [
    "arn:aws:s3:::acme-flow-logs-archive",
    "/aws/vpc-flow-logs/*",
];

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use crate::checks::REGISTRY;
    use crate::report::Status;
    use crate::{build_report, Settings, Source};

    #[test]
    fn demo_shows_every_check_passing_and_failing() {
        let inv = super::inventory().map_err(|e| e.to_string());
        let inv = match inv {
            Ok(inv) => inv,
            Err(e) => panic!("demo inventory does not load: {e}"),
        };
        // With the sample's archive approved (flow-log-approved-destination
        // is SKIPPED without a setting, as in `flowaudit demo`).
        let settings = Settings {
            approved_destinations: super::APPROVED_DESTINATIONS.map(String::from).to_vec(),
            ..Settings::default()
        };
        let report = build_report(&inv, &settings, &Source::Demo);
        let mut seen: BTreeMap<&str, BTreeSet<Status>> = BTreeMap::new();
        for r in &report.results {
            seen.entry(r.check_id.as_str())
                .or_default()
                .insert(r.status);
        }
        for check in REGISTRY {
            let statuses = seen
                .get(check.meta.id.as_str())
                .cloned()
                .unwrap_or_default();
            assert!(
                statuses.contains(&Status::Pass),
                "{}: {statuses:?}",
                check.meta.id
            );
            assert!(
                statuses.contains(&Status::Fail),
                "{}: {statuses:?}",
                check.meta.id
            );
        }
        assert!(report.count(Status::Error) > 0);
        assert!(report.count(Status::Skipped) > 0);
        assert_eq!(report.summary.regions, 3);
        assert_eq!(report.summary.regions_failed, 1);
    }
}
