//! The running totals behind the detections, folded record by record, in memory
//! bounded by the number of distinct keys tracked: the sets kept per key are
//! capped just above the thresholds that need them, so they count exactly up to
//! the threshold and a key's memory never grows with the input; past the cap, a
//! small HyperLogLog sketch (`sketch.rs`, only for the keys that get there)
//! estimates how many distinct values there were. The findings are in
//! `findings.rs`.

use std::collections::hash_map::Entry;
use std::collections::BTreeMap;
use std::net::IpAddr;

use flowaudit_core::report::ResourceType;

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::sketch::Sketch;

use crate::record::{Action, LogStatus, Record};

/// Thresholds of the detections.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    /// Port scan: distinct destination ports from one source to one host.
    pub scan_ports: usize,
    /// Port scan: share of those flows that were rejected.
    pub scan_reject_share: f64,
    /// Host sweep: distinct hosts one source reached on one port.
    pub sweep_hosts: usize,
    /// Exfiltration: bytes from one internal host to public addresses in one hour.
    pub exfil_bytes_per_hour: u64,
    /// Admin and database ports that must not accept traffic from the internet.
    pub exposed_ports: Vec<u16>,
    /// Remote-access ports watched for lateral movement between internal hosts.
    pub lateral_ports: Vec<u16>,
    /// Lateral movement: the first hours of the data are the baseline; a pair
    /// (source, destination, port) first seen after it is new.
    pub lateral_baseline_hours: u32,
    /// An interface is silent when its last record is this many hours (at least)
    /// before the newest record read.
    pub silent_hours: u32,
    /// A delivery gap is this many consecutive clock hours without a single
    /// record inside the span read.
    pub gap_hours: u32,
    /// How many top rejected sources are reported.
    pub top_rejected: usize,
    /// A source is a rejected-traffic hot spot from this many rejected flows.
    pub hotspot_min_rejected: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            scan_ports: 25,
            scan_reject_share: 0.8,
            sweep_hosts: 25,
            exfil_bytes_per_hour: 1 << 30,
            exposed_ports: vec![
                22, 3389, 3306, 5432, 1433, 1521, 6379, 9200, 27017, 5984, 11211, 2375,
            ],
            lateral_ports: vec![22, 23, 135, 139, 445, 3389, 5900, 5985, 5986],
            lateral_baseline_hours: 24,
            silent_hours: 2,
            gap_hours: 1,
            top_rejected: 5,
            hotspot_min_rejected: 500,
        }
    }
}

/// What a record is about: its interface, or, for records without one
/// (Transit Gateway, some ECS tasks), the attachment, gateway or task it names.
pub(crate) fn subject<'a>(r: &Record<'a>) -> Option<&'a str> {
    r.interface_id.or_else(|| {
        ["tgw-attachment-id", "tgw-id", "ecs-task-id"]
            .iter()
            .find_map(|name| {
                r.extra
                    .iter()
                    .find(|(k, v)| k == name && *v != "-" && !v.is_empty())
                    .map(|(_, v)| *v)
            })
    })
}

/// The kind of what [`subject`] named, and how messages name it.
pub(crate) fn subject_kind(id: &str) -> (ResourceType, String) {
    if id.starts_with("eni-") {
        (ResourceType::NetworkInterface, id.to_string())
    } else if id.starts_with("tgw-attach-") {
        (
            ResourceType::TransitGatewayAttachment,
            format!("Transit Gateway attachment {id}"),
        )
    } else if id.starts_with("tgw-") {
        (
            ResourceType::TransitGateway,
            format!("Transit Gateway {id}"),
        )
    } else if id == "-" {
        (
            ResourceType::NetworkInterface,
            "records that name no interface or other resource".to_string(),
        )
    } else {
        (ResourceType::EcsTask, format!("ECS task {id}"))
    }
}

/// Whether an address can be an interface's own as flow logs record it: a
/// private IPv4 address (a public IPv4 address is translated and never
/// recorded as the interface's), or any IPv6 address (AWS assigns global
/// unicast IPv6 addresses to interfaces directly).
pub fn may_be_own(a: &IpAddr) -> bool {
    a.is_ipv6() || !is_public(a)
}

/// Whether an address is on the public internet (not private, shared, loopback,
/// link-local or unique-local).
pub fn is_public(a: &IpAddr) -> bool {
    match a {
        IpAddr::V4(v) => {
            let o = v.octets();
            !(v.is_private()
                || v.is_loopback()
                || v.is_link_local()
                || v.is_unspecified()
                || v.is_broadcast()
                || (o[0] == 100 && (64..128).contains(&o[1])))
        }
        IpAddr::V6(v) => {
            let s = v.segments()[0];
            !(v.is_loopback()
                || v.is_unspecified()
                || (s & 0xfe00) == 0xfc00
                || (s & 0xffc0) == 0xfe80)
        }
    }
}

/// A set that keeps at most `cap` members (linear search: caps are small). The
/// first few members live inline: most keys (a client and its server) have one.
/// Past the cap, a HyperLogLog sketch (of every member, kept ones included)
/// estimates how many distinct values there were.
#[derive(Debug, Clone)]
pub(crate) struct Capped<T, const N: usize> {
    pub members: SmallVec<[T; N]>,
    /// Flows and rejected flows of the key (saturating: 4,294,967,295 flow
    /// records of one key is past any window; 32 bits keep the maps small).
    pub flows: u32,
    pub rejected: u32,
    pub overflow: Option<Sketch>,
}

impl<T, const N: usize> Default for Capped<T, N> {
    fn default() -> Self {
        Capped {
            members: SmallVec::new(),
            flows: 0,
            rejected: 0,
            overflow: None,
        }
    }
}

impl<T: PartialEq + std::hash::Hash, const N: usize> Capped<T, N> {
    fn insert(&mut self, v: T, cap: usize) {
        if let Some(sketch) = &mut self.overflow {
            sketch.add(&v);
            if self.members.len() < cap && !self.members.contains(&v) {
                self.members.push(v);
            }
        } else if !self.members.contains(&v) {
            if self.members.len() < cap {
                self.members.push(v);
            } else {
                let mut sketch = Sketch::default();
                self.members.iter().for_each(|m| sketch.add(m));
                sketch.add(&v);
                self.overflow = Some(sketch);
            }
        }
    }

    fn add(&mut self, v: T, cap: usize, rejected: bool) {
        self.flows = self.flows.saturating_add(1);
        self.rejected = self.rejected.saturating_add(u32::from(rejected));
        self.insert(v, cap);
    }

    pub(crate) fn absorb(&mut self, other: Capped<T, N>, cap: usize) {
        self.flows = self.flows.saturating_add(other.flows);
        self.rejected = self.rejected.saturating_add(other.rejected);
        if let Some(theirs) = &other.overflow {
            let mine = self.overflow.get_or_insert_with(|| {
                let mut s = Sketch::default();
                self.members.iter().for_each(|m| s.add(m));
                s
            });
            mine.merge(theirs);
        }
        for v in other.members {
            self.insert(v, cap);
        }
    }

    /// How many distinct members: exact up to the cap, estimated past it.
    pub(crate) fn distinct(&self) -> (u64, bool) {
        match &self.overflow {
            None => (self.members.len() as u64, false),
            Some(s) => (s.estimate().max(self.members.len() as u64 + 1), true),
        }
    }
}

/// A pair seen on a remote-access port: when first and last, how much.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pair {
    pub first: i64,
    pub last: i64,
    pub flows: u64,
    pub bytes: u64,
}

/// What one network interface reported.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Interface {
    pub first: i64,
    pub last: i64,
    pub records: u64,
    pub skipdata: u64,
    /// Records that name an address (NODATA and SKIPDATA records name none):
    /// the share of them that carry an address makes it the interface's own.
    pub addressed: u64,
}

/// Totals that fold another thread's totals of the same key into themselves.
trait Absorb {
    fn absorb(&mut self, other: Self);
}

impl Absorb for u64 {
    fn absorb(&mut self, other: u64) {
        *self += other;
    }
}

impl Absorb for Pair {
    fn absorb(&mut self, o: Pair) {
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        self.flows += o.flows;
        self.bytes += o.bytes;
    }
}

impl Absorb for Interface {
    fn absorb(&mut self, o: Interface) {
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        self.records += o.records;
        self.skipdata += o.skipdata;
        self.addressed += o.addressed;
    }
}

/// Folds `theirs` into `mine`, key by key.
fn absorb_map<K: std::hash::Hash + Eq, V: Absorb>(
    mine: &mut FxHashMap<K, V>,
    theirs: FxHashMap<K, V>,
) {
    for (k, v) in theirs {
        match mine.entry(k) {
            Entry::Occupied(mut o) => o.get_mut().absorb(v),
            Entry::Vacant(e) => {
                e.insert(v);
            }
        }
    }
}

/// Accepted inbound traffic to one service of one interface (for the
/// security-group suggestions).
#[derive(Debug, Clone, Default)]
pub(crate) struct Service {
    pub sources: Capped<IpAddr, 2>,
    pub bytes: u64,
}

/// (interface, destination address, protocol, port).
pub(crate) type ServiceKey = (Box<str>, IpAddr, u8, u16);

/// How many sources a service keeps before it is "many".
pub(crate) const SERVICE_SOURCES: usize = 1024;
/// How many public sources an exposure keeps.
const EXPOSURE_SOURCES: usize = 256;

/// The public sources of accepted flows to one address and port, and their bytes.
pub(crate) type Exposure = (Capped<IpAddr, 2>, u64);

/// The running totals of every detection.
#[derive(Debug, Default, Clone)]
pub struct Analysis {
    pub(crate) cap: usize,
    pub(crate) scans: FxHashMap<(IpAddr, IpAddr), Capped<u16, 4>>,
    pub(crate) sweeps: FxHashMap<(IpAddr, u16), Capped<IpAddr, 2>>,
    pub(crate) exposed: FxHashMap<(IpAddr, u16), Exposure>,
    /// Accepted flows from the internet to a global IPv6 address on an exposed
    /// port, per interface, when the record does not say the direction: an
    /// exposure once the address is found to be the interface's own.
    pub(crate) exposed_v6: FxHashMap<(Box<str>, IpAddr, u16), Exposure>,
    /// (internal source, hour) → bytes to public addresses.
    pub(crate) outbound: FxHashMap<(IpAddr, i64), u64>,
    /// Internal source → its heaviest public destinations (for exfiltration).
    pub(crate) destinations: FxHashMap<IpAddr, crate::top::TopDestinations>,
    pub(crate) rejected_by_source: FxHashMap<IpAddr, u64>,
    /// (internal source, internal destination, remote-access port).
    pub(crate) lateral: FxHashMap<(IpAddr, IpAddr, u16), Pair>,
    pub(crate) interfaces: FxHashMap<Box<str>, Interface>,
    /// (interface, protocol, port) → accepted inbound sources; only when
    /// security groups are to be suggested.
    pub(crate) services: Option<FxHashMap<ServiceKey, Service>>,
    /// (interface, address that may be its own) → records naming the address; an
    /// interface's own addresses are on (nearly) all of its records. Only with
    /// `services`.
    pub(crate) addresses: FxHashMap<(Box<str>, IpAddr), u64>,
    /// The oldest start and the newest end seen.
    pub(crate) span: Option<(i64, i64)>,
    /// Records per clock hour (by start).
    pub(crate) hours: FxHashMap<i64, u64>,
    /// The account and region the records name, while they all name the same
    /// one (`Seen::Many` once two differ).
    pub(crate) account: Seen,
    pub(crate) region: Seen,
    pub records: u64,
    /// Records read but outside the time window asked for.
    pub outside_window: u64,
    exposed_ports: PortMask,
    lateral_ports: PortMask,
}

/// One value seen on every record so far, or several.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Seen {
    #[default]
    None,
    One(Box<str>),
    Many,
}

impl Seen {
    fn see(&mut self, v: Option<&str>) {
        let Some(v) = v else { return };
        match self {
            Seen::None => *self = Seen::One(v.into()),
            Seen::One(one) if &**one != v => *self = Seen::Many,
            _ => {}
        }
    }

    fn join(&mut self, other: Seen) {
        match other {
            Seen::None => {}
            Seen::One(v) => self.see(Some(&v)),
            Seen::Many => *self = Seen::Many,
        }
    }

    /// The one value, if there was exactly one.
    pub(crate) fn one(&self) -> Option<&str> {
        match self {
            Seen::One(v) => Some(v),
            _ => None,
        }
    }
}

/// A set of ports as a bit per port: one test per record, whatever the list.
#[derive(Debug, Clone)]
struct PortMask(Box<[u64; 1024]>);

impl Default for PortMask {
    fn default() -> Self {
        PortMask(Box::new([0; 1024]))
    }
}

impl PortMask {
    fn of(ports: &[u16]) -> PortMask {
        let mut m = PortMask::default();
        for &p in ports {
            m.0[usize::from(p) / 64] |= 1 << (p % 64);
        }
        m
    }

    fn contains(&self, p: u16) -> bool {
        self.0[usize::from(p) / 64] & (1 << (p % 64)) != 0
    }
}

impl Analysis {
    /// Whether an address `seen` on that many of an interface's records is its
    /// own: on at least 90% of its records that name addresses (the other side of its flows varies; NODATA
    /// and SKIPDATA records name none and do not count).
    pub(crate) fn is_own(&self, eni: &str, seen: u64) -> bool {
        let total = self.interfaces.get(eni).map_or(0, |i| i.addressed);
        total > 0 && seen * 10 >= total * 9
    }

    /// Every exposure: the flows to private addresses and ingress flows to
    /// IPv6 ones, with those to a global IPv6 address that turned out to be
    /// the recording interface's own.
    pub(crate) fn exposures(&self) -> BTreeMap<(IpAddr, u16), (Capped<IpAddr, 2>, u64)> {
        let mut all: BTreeMap<(IpAddr, u16), (Capped<IpAddr, 2>, u64)> =
            self.exposed.iter().map(|(k, v)| (*k, v.clone())).collect();
        for ((eni, dst, port), (sources, bytes)) in &self.exposed_v6 {
            let seen = self
                .addresses
                .get(&(eni.clone(), *dst))
                .copied()
                .unwrap_or(0);
            if self.is_own(eni, seen) {
                let e = all.entry((*dst, *port)).or_default();
                e.0.absorb(sources.clone(), EXPOSURE_SOURCES);
                e.1 += bytes;
            }
        }
        all
    }

    /// Empty totals; `services` also collects what the security-group
    /// suggestions need.
    pub fn new(t: &Thresholds, services: bool) -> Analysis {
        Analysis {
            cap: t.scan_ports.max(t.sweep_hosts) + 1,
            services: services.then(FxHashMap::default),
            exposed_ports: PortMask::of(&t.exposed_ports),
            lateral_ports: PortMask::of(&t.lateral_ports),
            ..Analysis::default()
        }
    }

    /// Folds one record in.
    pub fn add(&mut self, r: &Record) {
        self.records += 1;
        let start = r.start.or(r.end);
        let end = r.end.or(r.start);
        if let (Some(start), Some(end)) = (start, end) {
            self.span = Some(match self.span {
                None => (start, end),
                Some((a, b)) => (a.min(start), b.max(end)),
            });
            *self.hours.entry(start.div_euclid(3600)).or_default() += 1;
        }
        let skipped = r.log_status == Some(LogStatus::SkipData);
        self.account.see(r.account_id.filter(|a| *a != "unknown"));
        self.region.see(
            r.extra
                .iter()
                .find(|(k, _)| *k == "region")
                .map(|(_, v)| *v),
        );
        if let Some(eni) = subject(r) {
            let seen = Interface {
                first: start.unwrap_or(i64::MAX),
                last: end.unwrap_or(i64::MIN),
                records: 1,
                skipdata: u64::from(skipped),
                addressed: u64::from(!skipped && (r.srcaddr.is_some() || r.dstaddr.is_some())),
            };
            match self.interfaces.get_mut(eni) {
                Some(i) => i.absorb(seen),
                None => {
                    self.interfaces.insert(eni.into(), seen);
                }
            }
        } else if skipped {
            // SKIPDATA without an interface id still means lost records.
            self.interfaces.entry("-".into()).or_default().skipdata += 1;
        }
        if skipped {
            return;
        }
        // Addresses of the packets, when logged (behind NAT the interface's
        // addresses differ from the packets').
        let (Some(src), Some(dst)) = (r.pkt_srcaddr.or(r.srcaddr), r.pkt_dstaddr.or(r.dstaddr))
        else {
            return;
        };
        let rejected = r.action == Some(Action::Reject);
        let src_public = is_public(&src);
        let dst_public = is_public(&dst);
        if let Some(port) = r.dstport {
            self.scans
                .entry((src, dst))
                .or_default()
                .add(port, self.cap, rejected);
            // A sweep goes through our hosts; many public hosts on 443 is browsing.
            if !dst_public {
                self.sweeps
                    .entry((src, port))
                    .or_default()
                    .add(dst, self.cap, rejected);
            }
            if !rejected && src_public && !dst_public && self.exposed_ports.contains(port) {
                let (sources, bytes) = self.exposed.entry((dst, port)).or_default();
                sources.add(src, EXPOSURE_SOURCES, false);
                *bytes += r.bytes.unwrap_or(0);
            }
            if !rejected && !src_public && !dst_public && self.lateral_ports.contains(port) {
                if let Some(start) = start {
                    let seen = Pair {
                        first: start,
                        last: start,
                        flows: 1,
                        bytes: r.bytes.unwrap_or(0),
                    };
                    match self.lateral.entry((src, dst, port)) {
                        Entry::Occupied(mut o) => o.get_mut().absorb(seen),
                        Entry::Vacant(v) => {
                            v.insert(seen);
                        }
                    }
                }
            }
            // AWS assigns global IPv6 addresses to interfaces directly: the
            // destination is the interface's own on an ingress record; without
            // a direction, it is decided at the end by whether the address is
            // on (nearly) all of the interface's records.
            if !rejected
                && src_public
                && dst_public
                && dst.is_ipv6()
                && self.exposed_ports.contains(port)
            {
                let entry = match (r.flow_direction, r.interface_id) {
                    (Some("ingress"), _) => Some(self.exposed.entry((dst, port)).or_default()),
                    (Some("egress"), _) | (_, None) => None,
                    (_, Some(eni)) => {
                        Some(self.exposed_v6.entry((eni.into(), dst, port)).or_default())
                    }
                };
                if let Some((sources, bytes)) = entry {
                    sources.add(src, EXPOSURE_SOURCES, false);
                    *bytes += r.bytes.unwrap_or(0);
                }
            }
            if let (None, Some(eni)) = (self.services.as_ref(), r.interface_id) {
                // IPv6 addresses always (see above); the rest only for suggestions.
                for a in [r.srcaddr, r.dstaddr]
                    .into_iter()
                    .flatten()
                    .filter(IpAddr::is_ipv6)
                {
                    *self.addresses.entry((eni.into(), a)).or_default() += 1;
                }
            }
            if let (Some(services), Some(eni)) = (self.services.as_mut(), r.interface_id) {
                for a in [r.srcaddr, r.dstaddr].into_iter().flatten() {
                    if may_be_own(&a) {
                        *self.addresses.entry((eni.into(), a)).or_default() += 1;
                    }
                }
                // The service side of a flow is the lower port (clients use
                // ephemeral ports); replies need no rule (groups are stateful).
                // Whether the destination is the interface's own address is
                // decided at the end (see `suggest.rs`).
                let inbound = !rejected
                    && r.flow_direction != Some("egress")
                    && r.srcport.is_none_or(|sp| port <= sp);
                if let (true, Some(d), Some(from)) = (inbound, r.dstaddr, r.srcaddr) {
                    if may_be_own(&d) {
                        let s = services
                            .entry((eni.into(), d, r.protocol.unwrap_or(0), port))
                            .or_default();
                        s.sources.add(from, SERVICE_SOURCES, false);
                        s.bytes += r.bytes.unwrap_or(0);
                    }
                }
            }
        }
        if rejected {
            *self.rejected_by_source.entry(src).or_default() += 1;
        }
        // One record per flow direction: the interface that sent the bytes logs
        // them once; counting the packet source avoids counting NAT twice.
        if !rejected && !src_public && dst_public && r.flow_direction != Some("ingress") {
            let hour = start.unwrap_or(0).div_euclid(3600);
            *self.outbound.entry((src, hour)).or_default() += r.bytes.unwrap_or(0);
            self.destinations.entry(src).or_default().add(
                dst,
                r.bytes.unwrap_or(0),
                r.dstport,
                r.interface_id,
            );
        }
    }

    /// Merges another thread's totals into this one.
    pub fn merge(&mut self, other: Analysis) {
        if self.records == 0
            && self.outside_window == 0
            && self.span.is_none()
            && self.interfaces.is_empty()
        {
            // Nothing here yet (the first thread's totals): take them whole.
            *self = other;
            return;
        }
        let cap = self.cap.max(other.cap);
        self.cap = cap;
        self.records += other.records;
        self.outside_window += other.outside_window;
        for (k, v) in other.scans {
            self.scans.entry(k).or_default().absorb(v, cap);
        }
        for (k, v) in other.sweeps {
            self.sweeps.entry(k).or_default().absorb(v, cap);
        }
        for (k, (sources, bytes)) in other.exposed {
            let e = self.exposed.entry(k).or_default();
            e.0.absorb(sources, EXPOSURE_SOURCES);
            e.1 += bytes;
        }
        for (k, (sources, bytes)) in other.exposed_v6 {
            let e = self.exposed_v6.entry(k).or_default();
            e.0.absorb(sources, EXPOSURE_SOURCES);
            e.1 += bytes;
        }
        self.account.join(other.account);
        self.region.join(other.region);
        absorb_map(&mut self.outbound, other.outbound);
        for (src, top) in other.destinations {
            self.destinations.entry(src).or_default().absorb(top);
        }
        absorb_map(&mut self.rejected_by_source, other.rejected_by_source);
        absorb_map(&mut self.lateral, other.lateral);
        absorb_map(&mut self.interfaces, other.interfaces);
        absorb_map(&mut self.hours, other.hours);
        absorb_map(&mut self.addresses, other.addresses);
        if let (Some(mine), Some(theirs)) = (self.services.as_mut(), other.services) {
            for (k, v) in theirs {
                let s = mine.entry(k).or_default();
                s.sources.absorb(v.sources, SERVICE_SOURCES);
                s.bytes += v.bytes;
            }
        }
        self.span = match (self.span, other.span) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (a, b) => a.or(b),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_and_private() {
        for (a, public) in [
            ("10.1.2.3", false),
            ("172.20.0.1", false),
            ("192.168.1.1", false),
            ("100.64.0.1", false),
            ("203.0.113.5", true),
            ("8.8.8.8", true),
            ("fd00::1", false),
            ("fe80::1", false),
            ("2001:4860::8888", true),
        ] {
            let ip: IpAddr = a.parse().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(is_public(&ip), public, "{a}");
        }
    }

    #[test]
    fn capped_sets_count_exactly_up_to_the_cap_and_merge() {
        let mut a: Capped<u16, 4> = Capped::default();
        let mut b: Capped<u16, 4> = Capped::default();
        for p in 0..10u16 {
            a.add(p, 6, p % 2 == 0);
            b.add(p + 3, 6, false);
        }
        assert_eq!((a.members.len(), a.flows, a.rejected), (6, 10, 5));
        assert!(a.distinct().1, "past the cap: estimated");
        a.absorb(b, 8);
        assert_eq!((a.members.len(), a.flows, a.rejected), (8, 20, 5));
        // 0..13 seen in all: the estimate is close.
        let (n, approximate) = a.distinct();
        assert!(approximate && (11..=15).contains(&n), "{n}");
        let mut exact: Capped<u16, 4> = Capped::default();
        exact.add(7, 6, false);
        exact.add(7, 6, false);
        assert_eq!(exact.distinct(), (1, false));
    }
}
