//! What several presenters say the same way about a result: its ARN, its
//! resource type, a stable id, and the remediation in a few words.

pub use crate::arn::partition;
use crate::report::{CheckResult, Report, ResourceType};

/// Where the check's documentation lives (`flowaudit explain ID` prints the same).
pub const DOCS_URL: &str = "https://github.com/flowaudit/flowaudit#the-checks";

/// The ARN of the resource a result is about. Unreadable regions and accounts
/// have no resource ARN; they are named as the account (`AWS::::Account:ID`, as
/// AWS Security Hub names accounts).
pub fn resource_arn(r: &CheckResult) -> String {
    if r.location.is_some() {
        // Declared in a template (`flowaudit iac`): no ARN yet, the address.
        return r.resource_id.clone();
    }
    let p = partition(r.region.as_str());
    match r.resource_type {
        ResourceType::Vpc => format!(
            "arn:{p}:ec2:{}:{}:vpc/{}",
            r.region, r.account_id, r.resource_id
        ),
        ResourceType::FlowLog => format!(
            "arn:{p}:ec2:{}:{}:vpc-flow-log/{}",
            r.region, r.account_id, r.resource_id
        ),
        ResourceType::TransitGateway => format!(
            "arn:{p}:ec2:{}:{}:transit-gateway/{}",
            r.region, r.account_id, r.resource_id
        ),
        _ => format!("AWS::::Account:{}", r.account_id),
    }
}

/// The CloudFormation-style resource type (`AWS::EC2::VPC`).
pub fn cloudformation_type(r: &CheckResult) -> &'static str {
    match r.resource_type {
        ResourceType::Vpc => "AWS::EC2::VPC",
        ResourceType::FlowLog => "AWS::EC2::FlowLog",
        ResourceType::TransitGateway => "AWS::EC2::TransitGateway",
        _ => "AWS::::Account",
    }
}

/// A stable id of the finding across runs: check, account, region, resource.
pub fn finding_uid(r: &CheckResult) -> String {
    format!(
        "flowaudit/{}/{}/{}/{}",
        r.check_id, r.account_id, r.region, r.resource_id
    )
}

/// The check's title from the catalog, or the custom control's from the
/// report (the id if neither knows it).
pub fn title<'a>(report: &'a Report, r: &'a CheckResult) -> &'a str {
    if let Some(c) = crate::checks::find(&r.check_id) {
        return c.meta.title;
    }
    control(report, r).map_or(r.check_id.as_str(), |c| c.title.as_str())
}

/// The custom control a result comes from, as the report keeps it.
fn control<'a>(report: &'a Report, r: &CheckResult) -> Option<&'a crate::controls::ControlInfo> {
    report.controls.iter().find(|c| c.id == r.check_id)
}

/// The remediation in words: the plan's steps for a FAIL result, else the
/// catalog's outline, or the custom control's remediation.
pub fn remediation_text(report: &Report, r: &CheckResult) -> String {
    match &r.remediation {
        Some(plan) if !plan.actions.is_empty() => {
            format!("{}: {}", plan.title, plan.steps().join(" "))
        }
        _ => match crate::checks::find(&r.check_id) {
            Some(c) => c.meta.remediation.to_string(),
            None => control(report, r)
                .and_then(|c| c.remediation.clone())
                .unwrap_or_default(),
        },
    }
}

/// Compliance references as `framework/control`.
pub fn requirements(r: &CheckResult) -> Vec<String> {
    r.compliance
        .iter()
        .map(|c| format!("{}/{}", c.framework, c.control))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_and_arns() {
        assert_eq!(partition("eu-west-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
        let inv = crate::demo::inventory().unwrap_or_else(|e| panic!("{e}"));
        let report = crate::build_report(&inv, &crate::Settings::default(), &crate::Source::Demo);
        let arns: std::collections::BTreeSet<String> = report
            .results
            .iter()
            .map(|r| {
                resource_arn(r)
                    .split('/')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        assert_eq!(
            arns.into_iter().collect::<Vec<_>>(),
            [
                "AWS::::Account:123456789012",
                "arn:aws:ec2:eu-west-1:123456789012:transit-gateway",
                "arn:aws:ec2:eu-west-1:123456789012:vpc",
                "arn:aws:ec2:eu-west-1:123456789012:vpc-flow-log",
                "arn:aws:ec2:us-east-1:123456789012:transit-gateway",
                "arn:aws:ec2:us-east-1:123456789012:vpc",
                "arn:aws:ec2:us-east-1:123456789012:vpc-flow-log",
            ]
        );
        let ids: std::collections::HashSet<String> =
            report.results.iter().map(finding_uid).collect();
        assert_eq!(ids.len(), report.results.len(), "finding ids are unique");
    }
}
