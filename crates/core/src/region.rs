//! Where a result applies: one region, every region of an account, or none.
//!
//! Written in reports as a plain string: the region's name, `"all"` for an
//! account that could not be read at all, and `"-"` for what no region holds
//! (a template checked before deployment, a flow-log file read from disk).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The region of a result.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResultRegion {
    /// One AWS region, by name.
    Named(String),
    /// Every region of the account (the account could not be read).
    All,
    /// No region: a template, a flow-log file.
    NotRegional,
}

impl ResultRegion {
    /// A region by name; `"all"` and `"-"` read as the other two kinds, so a
    /// report written earlier reads back the same.
    pub fn parse(text: &str) -> Self {
        match text {
            "all" => Self::All,
            "-" => Self::NotRegional,
            name => Self::Named(name.to_string()),
        }
    }

    /// The text reports show.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Named(name) => name,
            Self::All => "all",
            Self::NotRegional => "-",
        }
    }

    /// The region's name, when the result is in exactly one region.
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Named(name) => Some(name),
            Self::All | Self::NotRegional => None,
        }
    }
}

impl From<&str> for ResultRegion {
    fn from(text: &str) -> Self {
        Self::parse(text)
    }
}

impl fmt::Display for ResultRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Ordered as the text reads, as reports sorted before this type were.
impl Ord for ResultRegion {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for ResultRegion {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq<str> for ResultRegion {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ResultRegion {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for ResultRegion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ResultRegion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(Self::parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_it_writes() {
        for text in ["eu-west-1", "all", "-"] {
            let region = ResultRegion::parse(text);
            let json = serde_json::to_string(&region).unwrap_or_default();
            assert_eq!(json, format!("\"{text}\""));
            let back: ResultRegion = serde_json::from_str(&json).unwrap_or(ResultRegion::All);
            assert_eq!(back, region);
        }
        assert_eq!(ResultRegion::parse("all").name(), None);
        assert_eq!(ResultRegion::parse("-").name(), None);
        assert_eq!(ResultRegion::parse("us-east-1").name(), Some("us-east-1"));
    }

    #[test]
    fn sorts_as_its_text() {
        let mut list = [
            ResultRegion::parse("us-east-1"),
            ResultRegion::NotRegional,
            ResultRegion::All,
            ResultRegion::parse("af-south-1"),
        ];
        list.sort();
        let text: Vec<&str> = list.iter().map(ResultRegion::as_str).collect();
        assert_eq!(text, ["-", "af-south-1", "all", "us-east-1"]);
    }
}
