//! The building blocks of fix plans: what a check's plan builder
//! ([`crate::checks::Fix::Plan`]) composes from the inventory.

use crate::arn;
use crate::model::{AccountInventory, DestinationType, FlowLog, RegionInventory, TrafficType};
use crate::policy::{self, FLOW_LOGS_SERVICE, REQUIRED_ACTIONS};

use super::plan::{
    role_arn, valid_retention, Action, FlowLogTarget, NewDestination, RemediationOptions,
    LOG_GROUP_PREFIX,
};
use crate::escape::shell::command;

/// What a check's plan builder ([`crate::checks::Fix::Plan`]) looks up: the
/// failing result's account, region, VPC and flow log, and the options.
pub struct Planner<'a> {
    pub(crate) account: &'a AccountInventory,
    pub(crate) region: &'a RegionInventory,
    pub options: &'a RemediationOptions,
    pub vpc_id: &'a str,
    /// The failing flow log, for a flow-log-level check.
    pub flow_log: Option<&'a FlowLog>,
}

/// The traffic a replacement flow log captures: the broader of the one it
/// replaces and the configured one. A traffic type flowaudit does not know is
/// not carried over into a command.
pub(crate) fn broader(old: &TrafficType, configured: &TrafficType) -> TrafficType {
    match old {
        TrafficType::Other(_) => configured.clone(),
        known => known.clone().max(configured.clone()),
    }
}

impl Planner<'_> {
    pub(crate) fn vpc_flow_logs<'s>(
        &'s self,
        vpc_id: &'s str,
    ) -> impl Iterator<Item = &'s FlowLog> + 's {
        self.region
            .flow_logs
            .iter()
            .filter(move |f| f.resource_id == vpc_id)
    }

    fn group_exists(&self, name: &str) -> bool {
        self.region
            .log_groups
            .iter()
            .any(|g| g.log_group_name == name && g.exists)
    }

    /// Whether a role in the inventory may deliver flow logs.
    fn role_is_sound(&self, arn: &str) -> bool {
        self.account.iam_roles.iter().any(|r| {
            r.role_arn == arn
                && r.exists
                && r.trust_policy
                    .as_ref()
                    .is_some_and(|t| policy::trust(t, FLOW_LOGS_SERVICE).trusts_service)
                && REQUIRED_ACTIONS
                    .iter()
                    .all(|a| policy::allows(r.permission_policies.iter().map(|p| &p.document), a))
        })
    }

    /// Log group + delivery role (unless a sound one exists) + flow log, or a flow
    /// log into the chosen bucket.
    pub(crate) fn new_flow_log(&self, vpc_id: &str, traffic_type: TrafficType) -> Vec<Action> {
        let account_id = self.account.account_id.clone();
        let region = self.region.region.clone();
        let mut actions = Vec::new();
        let target = match &self.options.destination {
            NewDestination::CloudWatchLogs => {
                let log_group_name = format!("{LOG_GROUP_PREFIX}{vpc_id}");
                if !self.group_exists(&log_group_name) {
                    actions.push(Action::CreateLogGroup {
                        region: region.clone(),
                        log_group_name: log_group_name.clone(),
                        retention_days: valid_retention(self.options.retention_days),
                    });
                }
                let role = role_arn(&account_id, &self.options.role_name);
                if !self.role_is_sound(&role) {
                    actions.push(Action::CreateDeliveryRole {
                        account_id: account_id.clone(),
                        role_name: self.options.role_name.clone(),
                        extra_log_groups: Vec::new(),
                    });
                }
                FlowLogTarget::CloudWatchLogs {
                    log_group_name,
                    role_arn: role,
                }
            }
            NewDestination::S3 {
                bucket_arn,
                parquet,
                hourly_partitions,
            } => FlowLogTarget::S3 {
                bucket_arn: bucket_arn.clone(),
                parquet: *parquet,
                hourly_partitions: *hourly_partitions,
            },
        };
        actions.push(Action::CreateFlowLog {
            account_id,
            region,
            vpc_id: vpc_id.to_string(),
            traffic_type,
            target,
        });
        actions
    }

    /// Deletes a flow log the plan replaces; the backout recreates it as it was.
    pub(crate) fn delete(&self, f: &FlowLog) -> Action {
        Action::DeleteFlowLog {
            region: self.region.region.clone(),
            flow_log_id: f.flow_log_id.clone(),
            recreate: recreate_cli(&self.region.region, f),
        }
    }

    pub(crate) fn repair_delivery(&self, vpc_id: &str) -> Vec<Action> {
        let mut actions = Vec::new();
        for f in self.vpc_flow_logs(vpc_id).filter(|f| f.delivery_failed()) {
            let before = actions.len();
            if f.destination_type == DestinationType::CloudWatchLogs {
                if let Some(group) = f.cloudwatch_log_group() {
                    if !self.group_exists(&group) && self.is_own(f) {
                        actions.push(self.create_group(&group));
                    }
                }
                actions.extend(self.role_repairs(f));
            } else {
                actions.extend(self.recreate_destination(f));
            }
            if actions.len() == before {
                actions.push(self.investigate_delivery(f));
            }
        }
        actions
    }

    fn is_own(&self, f: &FlowLog) -> bool {
        f.log_destination
            .as_deref()
            .and_then(arn::account_of)
            .is_none_or(|a| a == self.account.account_id)
    }

    fn create_group(&self, name: &str) -> Action {
        Action::CreateLogGroup {
            region: self.region.region.clone(),
            log_group_name: name.to_string(),
            retention_days: valid_retention(self.options.retention_days),
        }
    }

    pub(crate) fn recreate_destination(&self, f: &FlowLog) -> Vec<Action> {
        match (&f.destination_type, f.cloudwatch_log_group()) {
            (DestinationType::CloudWatchLogs, Some(group)) => vec![self.create_group(&group)],
            _ => {
                let bucket = f
                    .s3_bucket()
                    .unwrap_or_else(|| "the destination".to_string());
                vec![Action::Investigate {
                    region: self.region.region.clone(),
                    what: format!(
                        "Recreate bucket {bucket} with a bucket policy that lets delivery.logs.amazonaws.com write to it (s3:PutObject, aws:SourceAccount {}), or delete flow log {} and create one into an existing destination.",
                        self.account.account_id, f.flow_log_id
                    ),
                    commands: vec![
                        command(["aws", "s3api", "head-bucket", "--bucket", &bucket]),
                        command([
                            "aws", "ec2", "describe-flow-logs", "--region", &self.region.region,
                            "--flow-log-ids", &f.flow_log_id,
                        ]),
                    ],
                }]
            }
        }
    }

    pub(crate) fn retention(&self, f: &FlowLog) -> Vec<Action> {
        match f.cloudwatch_log_group() {
            Some(group) => {
                let previous_days = self
                    .region
                    .log_groups
                    .iter()
                    .find(|g| g.log_group_name == group)
                    .and_then(|g| g.retention_in_days);
                vec![Action::PutRetentionPolicy {
                    region: self.region.region.clone(),
                    log_group_name: group,
                    retention_days: valid_retention(self.options.retention_days),
                    previous_days,
                }]
            }
            None => {
                let bucket = f.s3_bucket().unwrap_or_default();
                let current_days = self
                    .account
                    .s3_buckets
                    .iter()
                    .find(|b| b.bucket_name == bucket)
                    .and_then(|b| b.expiration_days)
                    .unwrap_or(0);
                let prefix = f
                    .log_destination
                    .as_deref()
                    .map(arn::bucket_prefix_from_arn)
                    .unwrap_or_default();
                vec![Action::RaiseBucketExpiration {
                    bucket,
                    prefix,
                    min_days: self.options.retention_days,
                    current_days,
                }]
            }
        }
    }

    /// Repairs of the flow log's role: recreate a missing one, fix trust and
    /// permissions of an unsound one.
    fn role_repairs(&self, f: &FlowLog) -> Vec<Action> {
        let Some(role_arn) = f.deliver_logs_permission_arn.as_deref() else {
            return Vec::new();
        };
        let Some(role_name) = arn::role_name_from_arn(role_arn) else {
            return Vec::new();
        };
        if arn::account_of(role_arn) != Some(self.account.account_id.as_str()) {
            return Vec::new();
        }
        let account_id = self.account.account_id.clone();
        let extra: Vec<String> = f
            .cloudwatch_log_group()
            .filter(|g| !g.starts_with(LOG_GROUP_PREFIX))
            .into_iter()
            .collect();
        let Some(role) = self
            .account
            .iam_roles
            .iter()
            .find(|r| r.role_arn == role_arn)
        else {
            return Vec::new();
        };
        if !role.exists {
            return vec![Action::CreateDeliveryRole {
                account_id,
                role_name,
                extra_log_groups: extra,
            }];
        }
        let mut actions = Vec::new();
        let trust = role
            .trust_policy
            .as_ref()
            .map(|t| policy::trust(t, FLOW_LOGS_SERVICE));
        if !trust.is_some_and(|t| t.trusts_service && !t.trusts_anyone) {
            actions.push(Action::UpdateTrustPolicy {
                account_id: account_id.clone(),
                role_name: role_name.clone(),
                previous: role.trust_policy.as_ref().map(|t| t.to_string()),
            });
        }
        let allowed = REQUIRED_ACTIONS
            .iter()
            .all(|a| policy::allows(role.permission_policies.iter().map(|p| &p.document), a));
        if !allowed {
            actions.push(Action::PutDeliveryPolicy {
                account_id,
                role_name,
                extra_log_groups: extra,
            });
        }
        actions
    }

    pub(crate) fn repair_role(&self, vpc_id: &str, f: &FlowLog) -> Vec<Action> {
        if f.deliver_logs_permission_arn.is_none() {
            // A flow log's role cannot be changed: replace the flow log.
            let mut actions =
                self.new_flow_log(vpc_id, broader(&f.traffic_type, &self.options.traffic_type));
            actions.push(self.delete(f));
            return actions;
        }
        let actions = self.role_repairs(f);
        if actions.is_empty() {
            vec![self.investigate_delivery(f)]
        } else {
            actions
        }
    }

    pub(crate) fn investigate_delivery(&self, f: &FlowLog) -> Action {
        let region = &self.region.region;
        let mut commands = vec![command([
            "aws",
            "ec2",
            "describe-flow-logs",
            "--region",
            region,
            "--flow-log-ids",
            &f.flow_log_id,
            "--query",
            "FlowLogs[].[FlowLogStatus,DeliverLogsStatus,DeliverLogsErrorMessage]",
        ])];
        if let Some(group) = f.cloudwatch_log_group() {
            commands.push(command([
                "aws",
                "logs",
                "describe-log-streams",
                "--region",
                region,
                "--log-group-name",
                &group,
                "--order-by",
                "LastEventTime",
                "--descending",
                "--max-items",
                "3",
            ]));
        }
        if let Some(role) = &f.deliver_logs_permission_arn {
            if let Some(name) = arn::role_name_from_arn(role) {
                commands.push(command(["aws", "iam", "get-role", "--role-name", &name]));
            }
        }
        Action::Investigate {
            region: region.clone(),
            what: format!(
                "Find out why flow log {} delivers nothing: its DeliverLogsErrorMessage, the delivery role's trust and permissions, the KMS key policy of the destination, and (for S3) the bucket policy.",
                f.flow_log_id
            ),
            commands,
        }
    }
}

/// The AWS CLI command that recreates a flow log as it is, every word quoted.
fn recreate_cli(region: &str, f: &FlowLog) -> String {
    let mut words = super::render::create_flow_logs_words(
        region,
        f.resource_type.as_str(),
        &f.resource_id,
        f.traffic_type.as_str(),
    );
    words.extend([
        "--log-destination-type".to_string(),
        f.destination_type.as_str().to_string(),
    ]);
    let mut add = |flag: &str, value: String| words.extend([flag.to_string(), value]);
    if let Some(group) = &f.log_group_name {
        add("--log-group-name", group.clone());
    } else if let Some(dest) = &f.log_destination {
        add("--log-destination", dest.clone());
    }
    if let Some(role) = &f.deliver_logs_permission_arn {
        add("--deliver-logs-permission-arn", role.clone());
    }
    if let Some(format) = &f.log_format {
        add("--log-format", format.clone());
    }
    if let Some(interval) = f.max_aggregation_interval {
        add("--max-aggregation-interval", interval.to_string());
    }
    command(words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::model::{Inventory, Vpc};
    use crate::remediation::Plan;
    use crate::report::Status;
    use crate::settings::Settings;
    use crate::{build_report, Source};

    fn plans_of(inv: &Inventory, options: RemediationOptions, check: &str) -> Vec<Plan> {
        let settings = Settings {
            remediation: options,
            ..Settings::default()
        };
        build_report(inv, &settings, &Source::Demo)
            .results
            .into_iter()
            .filter(|r| r.check_id == check && r.status == Status::Fail)
            .map(|r| {
                let id = r.resource_id.clone();
                r.remediation
                    .unwrap_or_else(|| panic!("FAIL without a plan: {id}"))
            })
            .collect()
    }

    fn kinds(plan: &Plan) -> Vec<&'static str> {
        plan.actions
            .iter()
            .map(|a| match a {
                Action::CreateLogGroup { .. } => "create-log-group",
                Action::PutRetentionPolicy { .. } => "put-retention",
                Action::CreateDeliveryRole { .. } => "create-role",
                Action::UpdateTrustPolicy { .. } => "update-trust",
                Action::PutDeliveryPolicy { .. } => "put-policy",
                Action::CreateFlowLog { .. } => "create-flow-log",
                Action::DeleteFlowLog { .. } => "delete-flow-log",
                Action::RaiseBucketExpiration { .. } => "raise-bucket-expiration",
                Action::Investigate { .. } => "investigate",
            })
            .collect()
    }

    #[test]
    fn every_demo_failure_has_a_plan() {
        let inv = crate::demo::inventory().unwrap_or_else(|e| panic!("{e}"));
        let report = build_report(&inv, &Settings::default(), &Source::Demo);
        // Checks without an automatic fix say so in the registry (and
        // `checks::tests::every_check_with_a_fix_plans_its_failures` holds them to it).
        let fails: Vec<_> = report
            .results
            .iter()
            .filter(|r| r.status == Status::Fail)
            .filter(|r| {
                crate::checks::find(&r.check_id)
                    .is_some_and(|c| matches!(c.fix, crate::checks::Fix::Plan(_)))
            })
            .collect();
        assert!(!fails.is_empty());
        for r in fails {
            let plan = r
                .remediation
                .as_ref()
                .unwrap_or_else(|| panic!("no plan for {r:?}"));
            assert!(!plan.actions.is_empty());
            assert_eq!(plan.steps().len(), plan.actions.len());
            assert_eq!(plan.vpc_id, r.vpc_id);
        }
        assert!(report
            .results
            .iter()
            .filter(|r| r.status != Status::Fail)
            .all(|r| r.remediation.is_none()));
    }

    #[test]
    fn missing_flow_log_gets_group_role_and_flow_log() {
        let inv = inventory(vec![vpc("vpc-1")], vec![]);
        let plans = plans_of(&inv, RemediationOptions::default(), "vpc-flow-logs-enabled");
        assert_eq!(
            kinds(&plans[0]),
            ["create-log-group", "create-role", "create-flow-log"]
        );
        let cli = plans[0].cli().join("\n");
        assert!(
            cli.contains("--log-group-name /aws/vpc-flow-logs/vpc-1"),
            "{cli}"
        );
        assert!(cli.contains("--retention-in-days 365"));
        assert!(cli.contains("--traffic-type ALL"));
        assert!(cli.contains("aws:SourceAccount"));
        // The backout undoes it in reverse: flow log, role, group.
        assert!(
            plans[0].backout()[0].contains("delete-flow-logs"),
            "{:?}",
            plans[0].backout()
        );
        assert!(plans[0]
            .backout()
            .last()
            .is_some_and(|b| b.contains("delete-log-group")));
    }

    #[test]
    fn a_sound_existing_role_is_reused() {
        let mut inv = inventory(vec![vpc("vpc-1")], vec![]);
        let mut role = role();
        role.role_arn = role_arn(ACCOUNT, "flowaudit-vpc-flow-logs");
        inv.accounts[0].iam_roles.push(role);
        let plans = plans_of(&inv, RemediationOptions::default(), "vpc-flow-logs-enabled");
        assert_eq!(kinds(&plans[0]), ["create-log-group", "create-flow-log"]);
    }

    #[test]
    fn s3_destination_option() {
        let inv = inventory(vec![vpc("vpc-1")], vec![]);
        let options = RemediationOptions {
            destination: NewDestination::S3 {
                bucket_arn: "arn:aws:s3:::central-flow-logs".into(),
                parquet: true,
                hourly_partitions: true,
            },
            ..RemediationOptions::default()
        };
        let plans = plans_of(&inv, options, "vpc-flow-logs-enabled");
        assert_eq!(kinds(&plans[0]), ["create-flow-log"]);
        assert!(plans[0].cli()[0]
            .contains("FileFormat=parquet,HiveCompatiblePartitions=true,PerHourPartition=true"));
    }

    #[test]
    fn short_retention_gets_put_retention_with_backout() {
        let mut inv = inventory(vec![vpc("vpc-1")], vec![flow_log("fl-1", "vpc-1")]);
        region_mut(&mut inv).log_groups[0].retention_in_days = Some(14);
        let plans = plans_of(&inv, RemediationOptions::default(), "flow-log-retention");
        assert_eq!(kinds(&plans[0]), ["put-retention"]);
        assert!(
            plans[0].backout()[0].ends_with("--retention-in-days 14"),
            "{:?}",
            plans[0].backout()
        );
    }

    #[test]
    fn short_s3_lifecycle_gets_its_rules_raised() {
        let mut inv = inventory(
            vec![vpc("vpc-1")],
            vec![s3_flow_log("fl-1", "vpc-1", "logs-bucket")],
        );
        inv.accounts[0].s3_buckets[0].expiration_days = Some(90);
        let plans = plans_of(&inv, RemediationOptions::default(), "flow-log-retention");
        assert_eq!(kinds(&plans[0]), ["raise-bucket-expiration"]);
        assert_eq!(
            plans[0].actions[0],
            Action::RaiseBucketExpiration {
                bucket: "logs-bucket".into(),
                prefix: "flow/".into(),
                min_days: 365,
                current_days: 90
            }
        );
        assert!(
            plans[0].cli()[2].contains("--arg stem flow/AWSLogs/"),
            "{:?}",
            plans[0].cli()
        );
        assert!(plans[0].backout()[0].ends_with(
            " lifecycle-logs-bucket.json > lifecycle-logs-bucket.json.restore  # the configuration saved before"
        ));
        assert!(plans[0].backout()[1].ends_with("file://lifecycle-logs-bucket.json.restore"));
    }

    #[test]
    fn accept_only_gets_a_new_flow_log_and_the_old_one_deleted() {
        let mut fl = flow_log("fl-1", "vpc-1");
        fl.traffic_type = TrafficType::Accept;
        let inv = inventory(vec![vpc("vpc-1")], vec![fl]);
        let plans = plans_of(
            &inv,
            RemediationOptions::default(),
            "vpc-flow-logs-capture-rejects",
        );
        assert_eq!(kinds(&plans[0]).last(), Some(&"delete-flow-log"));
        assert!(kinds(&plans[0]).contains(&"create-flow-log"));
        // The backout recreates the deleted flow log first.
        assert!(
            plans[0].backout()[0].contains("create-flow-logs")
                && plans[0].backout()[0].contains("--traffic-type ACCEPT")
        );
    }

    #[test]
    fn role_repairs_follow_the_cause() {
        let inv = {
            let mut inv = inventory(vec![vpc("vpc-1")], vec![flow_log("fl-1", "vpc-1")]);
            inv.accounts[0].iam_roles[0].trust_policy = Some(
                serde_json::json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
            );
            inv.accounts[0].iam_roles[0].permission_policies.clear();
            inv
        };
        let plans = plans_of(
            &inv,
            RemediationOptions::default(),
            "flow-log-delivery-role",
        );
        assert_eq!(kinds(&plans[0]), ["update-trust", "put-policy"]);
        assert!(
            plans[0]
                .backout()
                .iter()
                .any(|b| b.contains("ec2.amazonaws.com")),
            "previous trust restored"
        );

        let mut missing = inventory(vec![vpc("vpc-1")], vec![flow_log("fl-1", "vpc-1")]);
        missing.accounts[0].iam_roles[0].exists = false;
        let plans = plans_of(
            &missing,
            RemediationOptions::default(),
            "flow-log-delivery-role",
        );
        assert_eq!(kinds(&plans[0]), ["create-role"]);
    }

    #[test]
    fn shared_group_gets_a_group_per_vpc() {
        let mut a = flow_log("fl-1", "vpc-1");
        let mut b = flow_log("fl-2", "vpc-2");
        a.log_group_name = Some("shared".into());
        b.log_group_name = Some("shared".into());
        let inv = inventory(vec![vpc("vpc-1"), Vpc { ..vpc("vpc-2") }], vec![a, b]);
        let plans = plans_of(
            &inv,
            RemediationOptions::default(),
            "flow-log-destination-shared",
        );
        assert_eq!(plans.len(), 2);
        assert!(plans[0]
            .cli()
            .join(" ")
            .contains("/aws/vpc-flow-logs/vpc-1"));
        assert!(plans[1]
            .cli()
            .join(" ")
            .contains("/aws/vpc-flow-logs/vpc-2"));
        // Merged, both plans create the shared role once.
        let merged = crate::remediation::unique_actions(plans.iter());
        let roles = merged
            .iter()
            .filter(|a| matches!(a, Action::CreateDeliveryRole { .. }))
            .count();
        assert_eq!(roles, 1);
    }
}
