//! The price table of `cost`, `scan --cost`, `check --cost` and the demo: the
//! built-in one with `--prices FILE` over it, and the cost section of a report.

use anyhow::{anyhow, Result};
use flowaudit_core::cost::{self, prices, Prices};

/// The window `scan --cost` measures, in days.
pub const REPORT_DAYS: u32 = 30;

/// Adds the cost section to a report.
pub fn attach(
    report: &mut flowaudit_core::Report,
    inventory: &flowaudit_core::Inventory,
    prices: Option<&std::path::Path>,
    settings: &flowaudit_core::Settings,
) -> Result<()> {
    let table = price_table(prices)?;
    report.cost = Some(cost::estimate(inventory, &table, settings));
    Ok(())
}

/// Reads the price table: the built-in one, with `--prices FILE` over it.
pub fn price_table(file: Option<&std::path::Path>) -> Result<Prices> {
    let Some(path) = file else {
        return Prices::built_in().map_err(|e| anyhow!(e));
    };
    let (text, origin) = crate::input::read_text(path, "prices")?;
    let parsed = prices::parse(&text).map_err(|e| {
        crate::located::located(std::path::Path::new(&origin), &text, e.span, &e.message)
    })?;
    Prices::with_file(parsed, &origin).map_err(|e| anyhow!("{origin}: {e}"))
}
