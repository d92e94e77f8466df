//! Least-privilege security-group suggestions: per network interface, the
//! smallest set of ingress rules that covers the accepted inbound traffic seen,
//! as JSON and as Terraform `aws_security_group_rule` blocks for review.
//!
//! Inbound means towards the interface's service port: the lower of the two
//! ports (clients use ephemeral ports) and, when logged, not an egress record;
//! replies need no rule, security groups being stateful. Sources are aggregated:
//! one address is a /32 (/128); several in one /24 (/64) become that /24 (/64);
//! more than [`MAX_CIDRS`] blocks become their /16s, and if still too many (or
//! more than the tracked number of sources were seen), the private range they
//! fall in, or 0.0.0.0/0 (::/0) for sources on the internet.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use crate::detect::{is_public, Analysis, Service, SERVICE_SOURCES};
use flowaudit_core::escape::{hcl, names::Names};

/// More blocks than this for one port are widened.
pub const MAX_CIDRS: usize = 8;

/// One suggested ingress rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// `tcp`, `udp`, `icmp`, `icmpv6` or the protocol number.
    pub protocol: String,
    pub from_port: i32,
    pub to_port: i32,
    pub cidr_blocks: Vec<String>,
    pub ipv6_cidr_blocks: Vec<String>,
    /// Accepted flows and bytes the rule covers, and distinct sources seen
    /// (`sources_truncated` when more were seen than kept: then an estimate).
    pub flows: u64,
    pub bytes: u64,
    pub sources_seen: u64,
    pub sources_truncated: bool,
}

/// The rules of one interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterfaceRules {
    pub interface_id: String,
    pub rules: Vec<Rule>,
}

fn protocol_name(p: u8) -> String {
    match p {
        6 => "tcp".into(),
        17 => "udp".into(),
        1 => "icmp".into(),
        58 => "icmpv6".into(),
        n => n.to_string(),
    }
}

/// The private range an address falls in (for the widest private rule).
fn private_range(a: &IpAddr) -> &'static str {
    match a {
        IpAddr::V4(v) => match v.octets() {
            [10, ..] => "10.0.0.0/8",
            [172, b, ..] if (16..32).contains(&b) => "172.16.0.0/12",
            [192, 168, ..] => "192.168.0.0/16",
            [100, b, ..] if (64..128).contains(&b) => "100.64.0.0/10",
            [169, 254, ..] => "169.254.0.0/16",
            _ => "0.0.0.0/0",
        },
        IpAddr::V6(v) if (v.segments()[0] & 0xfe00) == 0xfc00 => "fc00::/7",
        IpAddr::V6(_) => "::/0",
    }
}

fn v4_block(a: Ipv4Addr, bits: u32) -> String {
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    format!("{}/{bits}", Ipv4Addr::from(u32::from(a) & mask))
}

fn v6_block(a: Ipv6Addr, bits: u32) -> String {
    let mask = if bits == 0 {
        0
    } else {
        u128::MAX << (128 - bits)
    };
    format!("{}/{bits}", Ipv6Addr::from(u128::from(a) & mask))
}

/// Blocks of `bits` (v4) / `bits6` (v6) covering `sources`; an address alone
/// in its block stays a host route.
fn blocks(sources: &[IpAddr], bits: u32, bits6: u32) -> BTreeSet<String> {
    let mut groups: std::collections::BTreeMap<String, Vec<IpAddr>> = Default::default();
    for a in sources {
        let key = match a {
            IpAddr::V4(v) => v4_block(*v, bits),
            IpAddr::V6(v) => v6_block(*v, bits6),
        };
        groups.entry(key).or_default().push(*a);
    }
    groups
        .into_iter()
        .map(|(block, members)| match members.as_slice() {
            [IpAddr::V4(v)] => v4_block(*v, 32),
            [IpAddr::V6(v)] => v6_block(*v, 128),
            _ => block,
        })
        .collect()
}

/// Aggregates the sources of one port into CIDR blocks.
pub fn aggregate(sources: &[IpAddr], truncated: bool) -> BTreeSet<String> {
    if !truncated {
        let fine = blocks(sources, 24, 64);
        if fine.len() <= MAX_CIDRS {
            return fine;
        }
        let coarse = blocks(sources, 16, 48);
        if coarse.len() <= MAX_CIDRS {
            return coarse;
        }
    }
    sources
        .iter()
        .map(|a| {
            if is_public(a) {
                if a.is_ipv4() { "0.0.0.0/0" } else { "::/0" }.to_string()
            } else {
                private_range(a).to_string()
            }
        })
        .collect()
}

impl Analysis {
    /// The suggested rules per interface (empty unless the analysis was made
    /// with `services`).
    pub fn suggestions(&self) -> Vec<InterfaceRules> {
        let Some(services) = &self.services else {
            return Vec::new();
        };
        // An interface's own addresses (`Analysis::is_own`).
        let own: std::collections::HashSet<(&str, IpAddr)> = self
            .addresses
            .iter()
            .filter(|((eni, _), seen)| self.is_own(eni, **seen))
            .map(|((eni, a), _)| (&**eni, *a))
            .collect();
        // Sources of one (interface, protocol, port), over its own addresses.
        let mut merged: std::collections::BTreeMap<(&str, u8, u16), Service> = Default::default();
        for ((eni, dst, proto, port), s) in services {
            if own.contains(&(&**eni, *dst)) {
                let m = merged.entry((eni, *proto, *port)).or_default();
                m.sources.absorb(s.sources.clone(), SERVICE_SOURCES);
                m.bytes += s.bytes;
            }
        }
        let mut by_eni: std::collections::BTreeMap<&str, Vec<Rule>> = Default::default();
        for ((eni, proto, port), s) in &merged {
            let (seen, truncated) = s.sources.distinct();
            let cidrs = aggregate(&s.sources.members, truncated);
            let (v6, v4): (Vec<String>, Vec<String>) =
                cidrs.into_iter().partition(|c| c.contains(':'));
            let (from, to) = match proto {
                6 | 17 => (i32::from(*port), i32::from(*port)),
                // ICMP: every type and code (flow logs do not keep them apart).
                1 | 58 => (-1, -1),
                _ => (0, 0),
            };
            by_eni.entry(eni).or_default().push(Rule {
                protocol: protocol_name(*proto),
                from_port: from,
                to_port: to,
                cidr_blocks: v4,
                ipv6_cidr_blocks: v6,
                flows: u64::from(s.sources.flows),
                bytes: s.bytes,
                sources_seen: seen,
                sources_truncated: truncated,
            });
        }
        by_eni
            .into_iter()
            .map(|(eni, mut rules)| {
                // ICMP and other protocols have no ports: one rule each.
                rules.dedup_by(|a, b| {
                    a.protocol == b.protocol && a.from_port == b.from_port && {
                        b.cidr_blocks.append(&mut a.cidr_blocks);
                        b.ipv6_cidr_blocks.append(&mut a.ipv6_cidr_blocks);
                        b.flows += a.flows;
                        b.bytes += a.bytes;
                        b.sources_seen += a.sources_seen;
                        b.cidr_blocks.sort();
                        b.cidr_blocks.dedup();
                        b.ipv6_cidr_blocks.sort();
                        b.ipv6_cidr_blocks.dedup();
                        true
                    }
                });
                InterfaceRules {
                    interface_id: eni.to_string(),
                    rules,
                }
            })
            .collect()
    }
}

/// The suggestions as JSON (`flowaudit.sg-suggestions/v1`).
pub fn to_json(rules: &[InterfaceRules]) -> String {
    let doc = serde_json::json!({
        "schema": "flowaudit.sg-suggestions/v1",
        "method": "per network interface, the accepted inbound flows seen, by protocol and service port; sources aggregated to /32, /24, /16, then the private range or 0.0.0.0/0",
        "interfaces": rules,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn tf_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| hcl::string(i)).collect();
    format!("[{}]", quoted.join(", "))
}

/// The suggestions as Terraform: a variable per interface for the security
/// group the rules belong to, and an `aws_security_group_rule` per rule.
pub fn to_terraform(rules: &[InterfaceRules]) -> String {
    let mut out = String::from(
        "# flowaudit analyze --suggest-security-groups: least-privilege ingress rules\n\
         # derived from the accepted inbound traffic in the flow logs read. Review\n\
         # before applying: traffic that did not occur in the window is not covered.\n",
    );
    // Interface ids and protocols come from the records read: labels are
    // derived and kept unique, every string is escaped.
    let mut names = Names::default();
    for eni in rules {
        let var = names.label(&format!("sg_{}", eni.interface_id));
        out.push_str(&format!(
            "\nvariable \"{var}\" {{\n  description = {}\n  type        = string\n}}\n",
            hcl::string(&format!("Security group of {}", eni.interface_id))
        ));
        for r in &eni.rules {
            let name = names.label(&format!(
                "{}_{}_{}",
                eni.interface_id,
                r.protocol,
                if r.from_port < 0 {
                    "all".to_string()
                } else {
                    r.from_port.to_string()
                }
            ));
            out.push_str(&format!(
                "\n# {} flow(s), {} byte(s), {}{} source(s)\nresource \"aws_security_group_rule\" \"{name}\" {{\n  type              = \"ingress\"\n  security_group_id = var.{var}\n  protocol          = {}\n  from_port         = {}\n  to_port           = {}\n",
                r.flows,
                r.bytes,
                if r.sources_truncated { "about " } else { "" },
                r.sources_seen,
                hcl::string(&r.protocol),
                r.from_port,
                r.to_port,
            ));
            if !r.cidr_blocks.is_empty() {
                out.push_str(&format!(
                    "  cidr_blocks       = {}\n",
                    tf_list(&r.cidr_blocks)
                ));
            }
            if !r.ipv6_cidr_blocks.is_empty() {
                out.push_str(&format!(
                    "  ipv6_cidr_blocks  = {}\n",
                    tf_list(&r.ipv6_cidr_blocks)
                ));
            }
            out.push_str(&format!(
                "  description       = {}\n}}\n",
                hcl::string(&format!(
                    "flowaudit: seen in flow logs of {}",
                    eni.interface_id
                ))
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ips(list: &[&str]) -> Vec<IpAddr> {
        list.iter()
            .map(|a| a.parse().unwrap_or_else(|e| panic!("{a}: {e}")))
            .collect()
    }

    #[test]
    fn sources_aggregate_sensibly() {
        let one = aggregate(&ips(&["10.0.1.5"]), false);
        assert_eq!(one.into_iter().collect::<Vec<_>>(), ["10.0.1.5/32"]);
        let subnet = aggregate(&ips(&["10.0.1.5", "10.0.1.9", "10.0.2.7"]), false);
        assert_eq!(
            subnet.into_iter().collect::<Vec<_>>(),
            ["10.0.1.0/24", "10.0.2.7/32"]
        );
        let many: Vec<String> = (0..20).map(|i| format!("10.0.{i}.1")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            aggregate(&ips(&many), false)
                .into_iter()
                .collect::<Vec<_>>(),
            ["10.0.0.0/16"]
        );
        let public: Vec<String> = (0..40).map(|i| format!("{}.9.9.9", 20 + i)).collect();
        let public: Vec<&str> = public.iter().map(String::as_str).collect();
        assert_eq!(
            aggregate(&ips(&public), false)
                .into_iter()
                .collect::<Vec<_>>(),
            ["0.0.0.0/0"]
        );
        assert_eq!(
            aggregate(&ips(&["2001:db8::1", "2001:db8::2"]), false)
                .into_iter()
                .collect::<Vec<_>>(),
            ["2001:db8::/64"]
        );
        assert_eq!(
            aggregate(&ips(&["10.0.1.5", "172.16.0.1"]), true)
                .into_iter()
                .collect::<Vec<_>>(),
            ["10.0.0.0/8", "172.16.0.0/12"]
        );
    }
}
