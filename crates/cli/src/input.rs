//! Reading the inventory files commands are given.

use anyhow::{Context, Result};
use flowaudit_core::load::parse_inventory;

/// Reads and parses an inventory file (`-`: standard input); returns it with the
/// name errors and reports use.
pub fn load_inventory(file: &std::path::Path) -> Result<(flowaudit_core::Inventory, String)> {
    let path = file.display().to_string();
    let text = if path == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("could not read the inventory from standard input")?;
        text
    } else {
        std::fs::read_to_string(file).with_context(|| format!("could not read inventory {path}"))?
    };
    let path = if path == "-" {
        "<stdin>".to_string()
    } else {
        path
    };
    let inventory = parse_inventory(&text, &path)?;
    Ok((inventory, path))
}
