//! Reading an inventory or a JSON report, with errors that say where and what
//! was expected.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::model::{Inventory, INVENTORY_SCHEMA};
use crate::report::{Report, REPORT_SCHEMA};

/// Why an inventory could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{origin}:{line}:{column}: {message}")]
    Syntax {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{origin}: unsupported {kind} schema `{found}` (expected `{expected}`)")]
    Schema {
        origin: String,
        kind: &'static str,
        found: String,
        expected: &'static str,
    },
}

#[derive(Deserialize)]
struct Probe {
    schema: Option<serde_json::Value>,
}

/// Parses an inventory from `text`; `origin` (a path) names it in errors.
pub fn parse_inventory(text: &str, origin: &str) -> Result<Inventory, LoadError> {
    parse(text, origin, "inventory", INVENTORY_SCHEMA)
}

/// Parses a JSON report (`--format json`) from `text`; `origin` names it in
/// errors.
pub fn parse_report(text: &str, origin: &str) -> Result<Report, LoadError> {
    parse(text, origin, "report", REPORT_SCHEMA)
}

/// A document whose `schema` must be `expected`.
fn parse<T: DeserializeOwned>(
    text: &str,
    origin: &str,
    kind: &'static str,
    expected: &'static str,
) -> Result<T, LoadError> {
    // First the schema alone, so that a document of another version is named as
    // such rather than as a pile of field errors.
    let probe: Probe = serde_json::from_str(text).map_err(|e| syntax(origin, &e, ""))?;
    let found = match probe.schema {
        Some(serde_json::Value::String(s)) if s == expected => None,
        Some(other) => Some(
            other
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| other.to_string()),
        ),
        None => Some("(missing `schema` field)".to_string()),
    };
    if let Some(found) = found {
        return Err(LoadError::Schema {
            origin: origin.to_string(),
            kind,
            found,
            expected,
        });
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        syntax(origin, e.inner(), &path)
    })?;
    de.end().map_err(|e| syntax(origin, &e, ""))?;
    Ok(value)
}

fn syntax(origin: &str, e: &serde_json::Error, path: &str) -> LoadError {
    // serde_json appends " at line L column C"; we print those in front instead.
    let text = e.to_string();
    let message = match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    let message = if path.is_empty() || path == "." {
        message
    } else {
        format!("at `{path}`: {message}")
    };
    LoadError::Syntax {
        origin: origin.to_string(),
        line: e.line(),
        column: e.column(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_file_names_line_and_column() {
        let text = "{\n  \"schema\": \"flowaudit.inventory/v1\",\n  \"accounts\": [";
        let err = parse_inventory(text, "inv.json")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("inv.json:3:15: EOF while parsing a list")
        );
    }

    #[test]
    fn wrong_schema_is_named() {
        let err = parse_inventory(r#"{"schema": "flowaudit.inventory/v9"}"#, "x.json")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("x.json: unsupported inventory schema `flowaudit.inventory/v9` (expected `flowaudit.inventory/v1`)")
        );
    }

    #[test]
    fn missing_field_names_path() {
        let text = r#"{"schema": "flowaudit.inventory/v1", "collected_at": "2026-11-20T12:00:00Z",
"accounts": [{"account_id": "1", "regions": [{"region": "r", "vpcs": [{"owner_id": "1"}]}]}]}"#;
        let err = parse_inventory(text, "x.json")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with("x.json:2:"), "{err}");
        assert!(err.contains("accounts[0].regions[0].vpcs[0]"), "{err}");
        assert!(err.contains("missing field `vpc_id`"), "{err}");
    }

    #[test]
    fn unknown_field_is_rejected() {
        let text = r#"{"schema": "flowaudit.inventory/v1", "collected_at": "2026-11-20T12:00:00Z", "acounts": []}"#;
        let err = parse_inventory(text, "x.json")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("unknown field `acounts`"), "{err}");
    }

    #[test]
    fn not_json() {
        let err = parse_inventory("hello", "x.json")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with("x.json:1:1: expected value"), "{err}");
    }
}
