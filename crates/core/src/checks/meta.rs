//! What every check and flow-log finding is described by: its typed id, its
//! scope, its metadata, and a check's decision for one resource. Plain data,
//! read by the engine, the context, the presenters and the generated docs.

use std::fmt;

use serde_json::Value;

use crate::report::{ComplianceRef, Severity, Status};

/// The id of a check or of a flow-log finding. Only the registries make them
/// ([`CheckId::parse`] finds one from text), so an id that crosses a crate is one
/// flowaudit knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckId(&'static str);

impl CheckId {
    pub(crate) const fn new(id: &'static str) -> CheckId {
        CheckId(id)
    }
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.0)
    }
}

impl serde::Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl PartialEq<str> for CheckId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<String> for CheckId {
    fn eq(&self, other: &String) -> bool {
        self.0 == other
    }
}

/// What a check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Exactly one result per VPC in scope.
    Vpc,
    /// One result per flow log of a VPC in scope, where the check applies.
    FlowLog,
    /// Flow-log records read by `flowaudit analyze`: one result per finding.
    Records,
    /// One PASS per region, or one FAIL per resource of the region at fault.
    Region,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Vpc => "vpc",
            Scope::FlowLog => "flow-log",
            Scope::Records => "records",
            Scope::Region => "region",
        }
    }
    /// How many results, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Scope::Vpc => "one result per vpc",
            Scope::FlowLog => "one result per flow-log",
            Scope::Records => "one result per finding in flow-log records",
            Scope::Region => "one result per region, or per resource at fault",
        }
    }
}

/// Everything `flowaudit checks`, `flowaudit explain` and the generated docs say
/// about a check or a flow-log finding.
#[derive(Debug)]
pub struct CheckMeta {
    pub id: CheckId,
    pub title: &'static str,
    pub severity: Severity,
    pub scope: Scope,
    /// Why this matters.
    pub rationale: &'static str,
    pub passes_when: &'static str,
    pub fails_when: &'static str,
    /// Other statuses and when they occur.
    pub other_statuses: &'static str,
    /// Remediation outline.
    pub remediation: &'static str,
    /// (framework, control id).
    pub compliance: &'static [(&'static str, &'static str)],
    /// (tool, id) of the same control in other tools.
    pub equivalents: &'static [(&'static str, &'static str)],
}

impl CheckMeta {
    /// The prose doc sections, with their headings, in the order every
    /// rendering (explain, the generated pages) shows them.
    pub fn sections(&self) -> [(&'static str, &'static str); 5] {
        [
            ("Why it matters", self.rationale),
            ("Passes when", self.passes_when),
            ("Fails when", self.fails_when),
            ("Other statuses", self.other_statuses),
            ("Remediation", self.remediation),
        ]
    }

    pub fn compliance_refs(&self) -> Vec<ComplianceRef> {
        self.compliance
            .iter()
            .map(|(framework, control)| ComplianceRef {
                framework: (*framework).into(),
                control: (*control).into(),
            })
            .collect()
    }
}

/// A check's decision for one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub message: String,
    pub evidence: Value,
}

impl Outcome {
    pub fn new(status: Status, message: impl Into<String>, evidence: Value) -> Self {
        Outcome {
            status,
            message: message.into(),
            evidence,
        }
    }
    pub fn pass(message: impl Into<String>, evidence: Value) -> Self {
        Self::new(Status::Pass, message, evidence)
    }
    pub fn fail(message: impl Into<String>, evidence: Value) -> Self {
        Self::new(Status::Fail, message, evidence)
    }
    pub fn skipped(message: impl Into<String>, evidence: Value) -> Self {
        Self::new(Status::Skipped, message, evidence)
    }
    pub fn error(message: impl Into<String>, evidence: Value) -> Self {
        Self::new(Status::Error, message, evidence)
    }
}
