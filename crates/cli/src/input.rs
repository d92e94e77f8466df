//! Reading the files commands are given (`-`: standard input).

use anyhow::{Context, Result};
use flowaudit_core::load::parse_inventory;

/// The text of `file` (`-`: standard input) and the name errors use for it;
/// `what` says what it is in a read error.
pub fn read_text(file: &std::path::Path, what: &str) -> Result<(String, String)> {
    let path = file.display().to_string();
    if path == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .with_context(|| format!("could not read the {what} from standard input"))?;
        return Ok((text, "<stdin>".to_string()));
    }
    let text =
        std::fs::read_to_string(file).with_context(|| format!("could not read {what} {path}"))?;
    Ok((text, path))
}

/// Reads and parses an inventory file (`-`: standard input); returns it with the
/// name errors and reports use.
pub fn load_inventory(file: &std::path::Path) -> Result<(flowaudit_core::Inventory, String)> {
    let (text, path) = read_text(file, "inventory")?;
    let inventory = parse_inventory(&text, &path)?;
    Ok((inventory, path))
}
