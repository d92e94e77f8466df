//! Remediation plans: for every FAIL result, the exact actions that fix it, built
//! from the result and the inventory (pure, no AWS calls), and rendered as steps in
//! words, AWS CLI commands, Terraform, CloudFormation, console steps and a backout
//! plan that undoes exactly this plan.
//!
//! Defaults follow the guidance: one log group per VPC named
//! `/aws/vpc-flow-logs/<vpc-id>`, 365-day retention, traffic type ALL, and a delivery
//! role that only `vpc-flow-logs.amazonaws.com` may assume, limited by
//! `aws:SourceAccount` and `aws:SourceArn`, with permissions scoped to the flow-log
//! groups.

pub(crate) mod build;
pub mod cloudformation;
pub mod guardrails;
pub mod lifecycle;
pub mod outcome;
pub mod plan;
mod render;
pub mod script;
pub mod terraform;
pub mod validate;

use serde::Serialize;

pub use build::Planner;
pub use plan::{client_token, delivery_policy, trust_policy};
pub use plan::{
    role_arn, valid_retention, Action, FlowLogTarget, NewDestination, Plan, RemediationOptions,
    DELIVERY_POLICY_NAME, LOG_GROUP_PREFIX, MANAGED_BY_KEY, MANAGED_BY_VALUE, RETENTION_VALUES,
};
pub use render::{cli as render_cli, words as render_words};

impl Plan {
    pub fn new(
        title: String,
        account_id: &str,
        region: &str,
        vpc_id: Option<&str>,
        actions: Vec<Action>,
    ) -> Plan {
        Plan {
            title,
            account_id: account_id.to_string(),
            region: region.to_string(),
            vpc_id: vpc_id.map(str::to_string),
            actions,
        }
    }

    /// Steps in words, one per action.
    pub fn steps(&self) -> Vec<String> {
        self.actions.iter().map(render::words).collect()
    }

    /// AWS CLI commands, in order, to copy and paste. The deletion of a flow
    /// log the plan replaces is a comment: it is run by hand once the new flow
    /// log delivers, as the steps say, never right after creating it.
    pub fn cli(&self) -> Vec<String> {
        Self::rendered(self.actions.iter(), render::cli, |action| {
            matches!(action, Action::DeleteFlowLog { .. })
                .then_some("once the new flow log delivers")
        })
    }

    /// Console steps.
    pub fn console(&self) -> Vec<String> {
        self.actions.iter().flat_map(render::console).collect()
    }

    /// Commands that undo exactly this plan, in order. The delivery role is
    /// shared by every plan that needs one, so deleting it is a comment to run
    /// by hand once no other flow log delivers with it.
    pub fn backout(&self) -> Vec<String> {
        Self::rendered(self.actions.iter().rev(), render::backout, |action| {
            matches!(action, Action::CreateDeliveryRole { .. })
                .then_some("once no other flow log delivers with this role")
        })
    }

    /// The commands `render` gives each action; those of an action `by_hand`
    /// names a condition for are comments (`# <condition>: <command>`), shown
    /// but never run on paste.
    fn rendered<'a>(
        actions: impl Iterator<Item = &'a Action>,
        render: fn(&Action) -> Vec<String>,
        by_hand: fn(&Action) -> Option<&'static str>,
    ) -> Vec<String> {
        actions
            .flat_map(|action| {
                let commands = render(action);
                match by_hand(action) {
                    Some(when) => commands
                        .into_iter()
                        .map(|c| format!("# {when}: {}", crate::escape::shell::comment(&c)))
                        .collect(),
                    None => commands,
                }
            })
            .collect()
    }

    pub fn terraform(&self) -> String {
        terraform::render(&self.actions)
    }

    /// A CloudFormation template (JSON).
    pub fn cloudformation(&self) -> String {
        cloudformation::render(&self.actions)
    }
}

impl Serialize for Plan {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("Plan", 8)?;
        out.serialize_field("title", &self.title)?;
        out.serialize_field("account_id", &self.account_id)?;
        out.serialize_field("region", &self.region)?;
        if let Some(vpc_id) = &self.vpc_id {
            out.serialize_field("vpc_id", vpc_id)?;
        }
        out.serialize_field("actions", &self.actions)?;
        out.serialize_field("steps", &self.steps())?;
        out.serialize_field("cli", &self.cli())?;
        out.serialize_field("backout", &self.backout())?;
        out.end()
    }
}

impl Action {
    /// The region the action happens in; `None` for IAM (global).
    pub fn region(&self) -> Option<&str> {
        match self {
            Action::CreateLogGroup { region, .. }
            | Action::PutRetentionPolicy { region, .. }
            | Action::CreateFlowLog { region, .. }
            | Action::DeleteFlowLog { region, .. }
            | Action::Investigate { region, .. } => Some(region),
            Action::CreateDeliveryRole { .. }
            | Action::UpdateTrustPolicy { .. }
            | Action::PutDeliveryPolicy { .. }
            | Action::RaiseBucketExpiration { .. } => None,
        }
    }

    /// Actions with the same key do the same thing to the same resource and are
    /// merged when plans are combined: the delivery policy of one role, or else
    /// identical actions.
    fn key(&self) -> MergeKey<'_> {
        match self {
            Action::CreateDeliveryRole { role_name, .. }
            | Action::PutDeliveryPolicy { role_name, .. } => MergeKey::RolePolicy(role_name),
            other => MergeKey::Same(other),
        }
    }

    fn extra_log_groups(&self) -> &[String] {
        match self {
            Action::CreateDeliveryRole {
                extra_log_groups, ..
            }
            | Action::PutDeliveryPolicy {
                extra_log_groups, ..
            } => extra_log_groups,
            _ => &[],
        }
    }

    fn extra_log_groups_mut(&mut self) -> Option<&mut Vec<String>> {
        match self {
            Action::CreateDeliveryRole {
                extra_log_groups, ..
            }
            | Action::PutDeliveryPolicy {
                extra_log_groups, ..
            } => Some(extra_log_groups),
            _ => None,
        }
    }
}

#[derive(PartialEq, Eq, Hash)]
enum MergeKey<'a> {
    RolePolicy(&'a str),
    Same(&'a Action),
}

/// The actions of several plans, each once, in first-seen order: identical
/// actions appear once (several VPCs' plans share the delivery role), and the
/// delivery-policy actions on one role are merged into one that covers every log
/// group they name. Also returns, per plan, the indexes of the merged actions
/// that plan introduced first.
pub fn merge_actions<'p>(
    plans: impl IntoIterator<Item = &'p Plan>,
) -> (Vec<Action>, Vec<Vec<usize>>) {
    let mut merged: Vec<Action> = Vec::new();
    let mut index: std::collections::HashMap<MergeKey<'p>, usize> =
        std::collections::HashMap::new();
    let mut introduced = Vec::new();
    for plan in plans {
        let mut mine = Vec::new();
        for action in &plan.actions {
            match index.get(&action.key()) {
                Some(&i) => {
                    if let Some(groups) = merged[i].extra_log_groups_mut() {
                        for g in action.extra_log_groups() {
                            if !groups.contains(g) {
                                groups.push(g.clone());
                            }
                        }
                    }
                }
                None => {
                    index.insert(action.key(), merged.len());
                    mine.push(merged.len());
                    merged.push(action.clone());
                }
            }
        }
        introduced.push(mine);
    }
    (merged, introduced)
}

/// [`merge_actions`] without the per-plan indexes.
pub fn unique_actions<'p>(plans: impl IntoIterator<Item = &'p Plan>) -> Vec<Action> {
    merge_actions(plans).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_rounds_up_to_an_accepted_value() {
        assert_eq!(valid_retention(365), 365);
        assert_eq!(valid_retention(200), 365);
        assert_eq!(valid_retention(0), 1);
        assert_eq!(valid_retention(9999), 3653);
    }

    #[test]
    fn client_tokens_are_stable_and_distinct() {
        let a = FlowLogTarget::CloudWatchLogs {
            log_group_name: "/g".into(),
            role_arn: "r".into(),
        };
        let b = FlowLogTarget::CloudWatchLogs {
            log_group_name: "/h".into(),
            role_arn: "r".into(),
        };
        assert_eq!(client_token("vpc-1", &a), client_token("vpc-1", &a));
        assert_ne!(client_token("vpc-1", &a), client_token("vpc-1", &b));
        assert!(client_token("vpc-0123456789abcdef0", &a).len() <= 64);
    }
}
