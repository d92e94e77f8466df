//! The tables `flowaudit query` offers: their columns, types and meaning, and
//! how each row is read from the inventory. One declaration serves the loader,
//! `--schema` and the README.

use std::collections::HashMap;

use flowaudit_core::model::{AccountInventory, FlowLog, FlowLogResourceType, RegionInventory};
use flowaudit_core::Inventory;
use rusqlite::types::Value;

/// A column's SQL type. `Json` columns hold JSON text, for SQLite's JSON
/// functions (`json_extract`, `json_each`, `->>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    /// 0 or 1.
    Boolean,
    /// RFC 3339 text.
    Time,
    Json,
}

impl Kind {
    /// The type SQLite is told.
    pub fn sql(self) -> &'static str {
        match self {
            Kind::Text | Kind::Time | Kind::Json => "TEXT",
            Kind::Integer | Kind::Boolean => "INTEGER",
        }
    }

    /// The name `--schema` shows.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Integer => "integer",
            Kind::Boolean => "boolean (0/1)",
            Kind::Time => "time (RFC 3339)",
            Kind::Json => "json",
        }
    }
}

/// One column.
#[derive(Debug)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub about: &'static str,
}

/// One table: its columns and how its rows come from the inventory.
pub struct Table {
    pub name: &'static str,
    pub about: &'static str,
    pub columns: &'static [Column],
    pub rows: fn(&Inventory) -> Vec<Vec<Value>>,
}

const fn col(name: &'static str, kind: Kind, about: &'static str) -> Column {
    Column { name, kind, about }
}

const ACCOUNT: Column = col("account_id", Kind::Text, "the AWS account");
const REGION: Column = col("region", Kind::Text, "the AWS region");
const ERROR: Column = col(
    "error",
    Kind::Text,
    "why it could not be read; NULL when it was",
);

/// Every table, in the order `--schema` lists them.
pub static TABLES: &[Table] = &[
    Table {
        name: "accounts",
        about: "One row per account read.",
        columns: &[ACCOUNT, ERROR],
        rows: accounts,
    },
    Table {
        name: "regions",
        about: "One row per region of each account.",
        columns: &[ACCOUNT, REGION, ERROR],
        rows: regions,
    },
    Table {
        name: "vpcs",
        about: "One row per VPC.",
        columns: &[
            ACCOUNT,
            REGION,
            col("vpc_id", Kind::Text, "the VPC"),
            col("name", Kind::Text, "its Name tag; NULL without one"),
            col(
                "owner_id",
                Kind::Text,
                "the owning account (another one for a VPC shared through AWS RAM); NULL when AWS gave none",
            ),
            col("cidr_blocks", Kind::Json, "its IPv4 CIDR blocks, a JSON array"),
            col("is_default", Kind::Boolean, "whether it is the region's default VPC"),
            col(
                "internet_gateway_attached",
                Kind::Boolean,
                "whether an internet gateway is attached",
            ),
            col(
                "network_interface_count",
                Kind::Integer,
                "its network interfaces; NULL when not collected",
            ),
            col("tags", Kind::Json, "its tags, a JSON object"),
        ],
        rows: vpcs,
    },
    Table {
        name: "subnets",
        about: "Subnets that flow logs are attached to (at least those), with their VPC.",
        columns: &[
            ACCOUNT,
            REGION,
            col("subnet_id", Kind::Text, "the subnet"),
            col("vpc_id", Kind::Text, "its VPC"),
        ],
        rows: subnets,
    },
    Table {
        name: "network_interfaces",
        about: "Network interfaces that flow logs are attached to (at least those), with their VPC.",
        columns: &[
            ACCOUNT,
            REGION,
            col("network_interface_id", Kind::Text, "the interface"),
            col("vpc_id", Kind::Text, "its VPC"),
        ],
        rows: network_interfaces,
    },
    Table {
        name: "transit_gateways",
        about: "Transit Gateways, per region (none for a region whose gateways were not listed; see flow_logs for theirs).",
        columns: &[
            ACCOUNT,
            REGION,
            col("transit_gateway_id", Kind::Text, "the Transit Gateway"),
            col("name", Kind::Text, "its Name tag; NULL without one"),
            col("state", Kind::Text, "available, pending, deleting, deleted, or other text as AWS gave it"),
            col("owner_id", Kind::Text, "the owning account; NULL when AWS gave none"),
            col("tags", Kind::Json, "its tags, a JSON object"),
        ],
        rows: transit_gateways,
    },
    Table {
        name: "flow_logs",
        about: "One row per flow log, as DescribeFlowLogs returns it.",
        columns: &[
            ACCOUNT,
            REGION,
            col("flow_log_id", Kind::Text, "the flow log"),
            col(
                "resource_id",
                Kind::Text,
                "what it is attached to (VPC, subnet, interface, transit gateway)",
            ),
            col(
                "resource_type",
                Kind::Text,
                "VPC, Subnet, NetworkInterface, TransitGateway or TransitGatewayAttachment",
            ),
            col(
                "vpc_id",
                Kind::Text,
                "the VPC it logs (all of it, or one subnet or interface of it); NULL when that VPC is not in the inventory",
            ),
            col(
                "flow_log_status",
                Kind::Text,
                "FlowLogStatus: ACTIVE, or other text as AWS gave it",
            ),
            col(
                "deliver_logs_status",
                Kind::Text,
                "DeliverLogsStatus: SUCCESS, FAILED, other text, or NULL when AWS gave none",
            ),
            col(
                "deliver_logs_error_message",
                Kind::Text,
                "why delivery failed",
            ),
            col("traffic_type", Kind::Text, "ACCEPT, REJECT, ALL, or other text"),
            col(
                "destination_type",
                Kind::Text,
                "cloud-watch-logs, s3, kinesis-data-firehose, or other text",
            ),
            col("log_destination", Kind::Text, "the destination's ARN"),
            col(
                "log_group_name",
                Kind::Text,
                "the CloudWatch Logs group (from LogGroupName or the ARN)",
            ),
            col("bucket_name", Kind::Text, "the S3 bucket (from the ARN)"),
            col(
                "deliver_logs_permission_arn",
                Kind::Text,
                "the IAM role it publishes with",
            ),
            col("log_format", Kind::Text, "its LogFormat; NULL for the default format"),
            col(
                "max_aggregation_interval",
                Kind::Integer,
                "MaxAggregationInterval in seconds (60 or 600)",
            ),
            col("creation_time", Kind::Time, "when it was created"),
            col("tags", Kind::Json, "its tags, a JSON object"),
        ],
        rows: flow_logs,
    },
    Table {
        name: "log_groups",
        about: "CloudWatch Logs groups that flow logs write to.",
        columns: &[
            ACCOUNT,
            REGION,
            col("log_group_name", Kind::Text, "the group"),
            col("present", Kind::Boolean, "whether it exists (the inventory's exists field)"),
            col(
                "retention_in_days",
                Kind::Integer,
                "its retention; NULL when events never expire",
            ),
            col("kms_key_id", Kind::Text, "its KMS key; NULL when none"),
            col("last_event_time", Kind::Time, "its newest event, when known"),
            col(
                "last_event_error",
                Kind::Text,
                "why the newest event could not be read",
            ),
            ERROR,
        ],
        rows: log_groups,
    },
    Table {
        name: "s3_buckets",
        about: "S3 buckets that flow logs write to (S3 names are global: no region).",
        columns: &[
            ACCOUNT,
            col("bucket_name", Kind::Text, "the bucket"),
            col("present", Kind::Boolean, "whether it exists (the inventory's exists field)"),
            col(
                "expiration_days",
                Kind::Integer,
                "the shortest expiration of an enabled lifecycle rule that applies to flow-log objects; NULL when none expires them",
            ),
            col(
                "newest_object_time",
                Kind::Time,
                "its newest flow-log object, when known",
            ),
            col(
                "newest_object_error",
                Kind::Text,
                "why the newest object could not be listed",
            ),
            ERROR,
        ],
        rows: s3_buckets,
    },
    Table {
        name: "iam_roles",
        about: "IAM roles that flow logs publish with (IAM is global: no region).",
        columns: &[
            ACCOUNT,
            col("role_arn", Kind::Text, "the role"),
            col("present", Kind::Boolean, "whether it exists (the inventory's exists field)"),
            col(
                "trust_policy",
                Kind::Json,
                "its trust policy document; NULL when not known",
            ),
            col(
                "permission_policies",
                Kind::Json,
                "its inline and attached policies: a JSON array of {name, document}",
            ),
            ERROR,
        ],
        rows: iam_roles,
    },
];

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn opt_text(s: Option<&str>) -> Value {
    s.map_or(Value::Null, text)
}

fn int(n: impl Into<i64>) -> Value {
    Value::Integer(n.into())
}

fn opt_int(n: Option<impl Into<i64>>) -> Value {
    n.map_or(Value::Null, int)
}

fn boolean(b: bool) -> Value {
    Value::Integer(i64::from(b))
}

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> Value {
    t.map_or(Value::Null, |t| {
        Value::Text(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    })
}

fn json<T: serde::Serialize>(value: &T) -> Value {
    // Serialising plain data (maps, strings, JSON values) does not fail.
    serde_json::to_string(value).map_or(Value::Null, Value::Text)
}

fn each_region(
    inv: &Inventory,
    mut f: impl FnMut(&AccountInventory, &RegionInventory, &mut Vec<Vec<Value>>),
) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for a in &inv.accounts {
        for r in &a.regions {
            f(a, r, &mut out);
        }
    }
    out
}

fn accounts(inv: &Inventory) -> Vec<Vec<Value>> {
    inv.accounts
        .iter()
        .map(|a| vec![text(&a.account_id), opt_text(a.error.as_deref())])
        .collect()
}

fn regions(inv: &Inventory) -> Vec<Vec<Value>> {
    each_region(inv, |a, r, out| {
        out.push(vec![
            text(&a.account_id),
            text(&r.region),
            opt_text(r.error.as_deref()),
        ]);
    })
}

fn vpcs(inv: &Inventory) -> Vec<Vec<Value>> {
    each_region(inv, |a, r, out| {
        for v in &r.vpcs {
            out.push(vec![
                text(&a.account_id),
                text(&r.region),
                text(&v.vpc_id),
                opt_text(v.name()),
                opt_text(Some(v.owner_id.as_str()).filter(|o| !o.is_empty())),
                json(&v.cidr_blocks),
                boolean(v.is_default),
                boolean(v.internet_gateway_attached),
                opt_int(v.network_interface_count),
                json(&v.tags),
            ]);
        }
    })
}

fn subnets(inv: &Inventory) -> Vec<Vec<Value>> {
    each_region(inv, |a, r, out| {
        for s in &r.subnets {
            out.push(vec![
                text(&a.account_id),
                text(&r.region),
                text(&s.subnet_id),
                text(&s.vpc_id),
            ]);
        }
    })
}

fn transit_gateways(inv: &Inventory) -> Vec<Vec<Value>> {
    each_region(inv, |a, r, out| {
        for g in r.transit_gateways.iter().flatten() {
            out.push(vec![
                text(&a.account_id),
                text(&r.region),
                text(&g.transit_gateway_id),
                opt_text(g.name()),
                text(&g.state),
                opt_text(Some(g.owner_id.as_str()).filter(|o| !o.is_empty())),
                json(&g.tags),
            ]);
        }
    })
}

fn network_interfaces(inv: &Inventory) -> Vec<Vec<Value>> {
    each_region(inv, |a, r, out| {
        for n in &r.network_interfaces {
            out.push(vec![
                text(&a.account_id),
                text(&r.region),
                text(&n.network_interface_id),
                text(&n.vpc_id),
            ]);
        }
    })
}

/// The VPC a flow log logs, when that VPC is in the region's inventory.
fn logged_vpc<'r>(
    r: &'r RegionInventory,
    parents: &HashMap<&str, &'r str>,
    f: &FlowLog,
) -> Option<&'r str> {
    let vpc = match f.resource_type {
        FlowLogResourceType::Vpc => r
            .vpcs
            .iter()
            .find(|v| v.vpc_id == f.resource_id)
            .map(|v| v.vpc_id.as_str()),
        FlowLogResourceType::Subnet | FlowLogResourceType::NetworkInterface => {
            parents.get(f.resource_id.as_str()).copied()
        }
        FlowLogResourceType::TransitGateway | FlowLogResourceType::TransitGatewayAttachment => None,
    }?;
    r.vpcs.iter().any(|v| v.vpc_id == vpc).then_some(vpc)
}

fn flow_logs(inv: &Inventory) -> Vec<Vec<Value>> {
    each_region(inv, |a, r, out| {
        let parents: HashMap<&str, &str> = r
            .subnets
            .iter()
            .map(|s| (s.subnet_id.as_str(), s.vpc_id.as_str()))
            .chain(
                r.network_interfaces
                    .iter()
                    .map(|n| (n.network_interface_id.as_str(), n.vpc_id.as_str())),
            )
            .collect();
        for f in &r.flow_logs {
            out.push(vec![
                text(&a.account_id),
                text(&r.region),
                text(&f.flow_log_id),
                text(&f.resource_id),
                text(f.resource_type.as_str()),
                opt_text(logged_vpc(r, &parents, f)),
                text(f.flow_log_status.as_str()),
                opt_text(f.deliver_logs_status.as_ref().map(|s| s.as_str())),
                opt_text(f.deliver_logs_error_message.as_deref()),
                text(f.traffic_type.as_str()),
                text(f.destination_type.as_str()),
                opt_text(f.log_destination.as_deref()),
                opt_text(f.cloudwatch_log_group().as_deref()),
                opt_text(f.s3_bucket().as_deref()),
                opt_text(f.deliver_logs_permission_arn.as_deref()),
                opt_text(f.log_format.as_deref()),
                opt_int(f.max_aggregation_interval),
                time(f.creation_time),
                json(&f.tags),
            ]);
        }
    })
}

fn log_groups(inv: &Inventory) -> Vec<Vec<Value>> {
    each_region(inv, |a, r, out| {
        for g in &r.log_groups {
            out.push(vec![
                text(&a.account_id),
                text(&r.region),
                text(&g.log_group_name),
                boolean(g.exists),
                opt_int(g.retention_in_days),
                opt_text(g.kms_key_id.as_deref()),
                time(g.last_event_time),
                opt_text(g.last_event_error.as_deref()),
                opt_text(g.error.as_deref()),
            ]);
        }
    })
}

fn s3_buckets(inv: &Inventory) -> Vec<Vec<Value>> {
    inv.accounts
        .iter()
        .flat_map(|a| {
            a.s3_buckets.iter().map(|b| {
                vec![
                    text(&a.account_id),
                    text(&b.bucket_name),
                    boolean(b.exists),
                    opt_int(b.expiration_days),
                    time(b.newest_object_time),
                    opt_text(b.newest_object_error.as_deref()),
                    opt_text(b.error.as_deref()),
                ]
            })
        })
        .collect()
}

fn iam_roles(inv: &Inventory) -> Vec<Vec<Value>> {
    inv.accounts
        .iter()
        .flat_map(|a| {
            a.iam_roles.iter().map(|role| {
                vec![
                    text(&a.account_id),
                    text(&role.role_arn),
                    boolean(role.exists),
                    role.trust_policy.as_ref().map_or(Value::Null, json),
                    json(&role.permission_policies),
                    opt_text(role.error.as_deref()),
                ]
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row of every table has one value per column, of the column's
    /// kind (or NULL), on the demo inventory; every table has rows there.
    #[test]
    fn rows_match_their_columns_on_the_demo() {
        let inv = flowaudit_core::demo::inventory().unwrap_or_else(|e| panic!("{e}"));
        for table in TABLES {
            let rows = (table.rows)(&inv);
            // The demo attaches no flow log to a network interface.
            if table.name != "network_interfaces" {
                assert!(!rows.is_empty(), "{} has no rows in the demo", table.name);
            }
            for row in &rows {
                assert_eq!(row.len(), table.columns.len(), "{}", table.name);
                for (value, column) in row.iter().zip(table.columns) {
                    let fits = match (value, column.kind) {
                        (Value::Null, _) => true,
                        (Value::Integer(_), Kind::Integer) => true,
                        (Value::Integer(0 | 1), Kind::Boolean) => true,
                        (Value::Text(_), Kind::Text) => true,
                        (Value::Text(t), Kind::Time) => {
                            chrono::DateTime::parse_from_rfc3339(t).is_ok()
                        }
                        (Value::Text(t), Kind::Json) => {
                            serde_json::from_str::<serde_json::Value>(t).is_ok()
                        }
                        _ => false,
                    };
                    assert!(fits, "{}.{}: {value:?}", table.name, column.name);
                }
            }
        }
    }

    #[test]
    fn names_are_unique_and_plain() {
        let mut tables = std::collections::BTreeSet::new();
        for table in TABLES {
            assert!(tables.insert(table.name), "{}", table.name);
            let mut columns = std::collections::BTreeSet::new();
            for c in table.columns {
                assert!(columns.insert(c.name), "{}.{}", table.name, c.name);
                assert!(c
                    .name
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '_'));
            }
        }
    }
}
