//! Where an internal host's bytes to the internet went: its heaviest public
//! destinations, kept in a fixed small space per host (space-saving: when the
//! list is full, a new destination takes the place of the lightest one and
//! inherits its count, so heavy destinations are never lost and counts are
//! marked approximate).

use std::net::IpAddr;

use smallvec::SmallVec;

/// Destinations kept per source.
pub(crate) const KEEP: usize = 8;

/// One destination of one source.
#[derive(Debug, Clone)]
pub(crate) struct Destination {
    pub addr: IpAddr,
    pub bytes: u64,
    pub flows: u64,
    /// Destination ports seen (the first few).
    pub ports: SmallVec<[u16; 4]>,
}

/// The heaviest destinations of one source, and the interface that sent.
#[derive(Debug, Clone, Default)]
pub(crate) struct TopDestinations {
    pub list: SmallVec<[Destination; KEEP]>,
    /// Set once a destination was displaced: counts are then upper bounds.
    pub approximate: bool,
    pub interface: Option<Box<str>>,
}

impl TopDestinations {
    pub fn add(&mut self, addr: IpAddr, bytes: u64, port: Option<u16>, interface: Option<&str>) {
        if self.interface.is_none() {
            self.interface = interface.map(Into::into);
        }
        if let Some(d) = self.list.iter_mut().find(|d| d.addr == addr) {
            d.bytes += bytes;
            d.flows += 1;
            if let Some(p) = port {
                if !d.ports.contains(&p) && d.ports.len() < 4 {
                    d.ports.push(p);
                }
            }
            return;
        }
        let fresh = |floor: u64| Destination {
            addr,
            bytes: floor + bytes,
            flows: 1,
            ports: port.into_iter().collect(),
        };
        if self.list.len() < KEEP {
            self.list.push(fresh(0));
            return;
        }
        self.approximate = true;
        if let Some(lightest) = self.list.iter_mut().min_by_key(|d| d.bytes) {
            let floor = lightest.bytes;
            *lightest = fresh(floor);
        }
    }

    /// Folds another thread's list of the same source in.
    pub fn absorb(&mut self, other: TopDestinations) {
        if self.interface.is_none() {
            self.interface = other.interface;
        }
        self.approximate |= other.approximate;
        for d in other.list {
            match self.list.iter_mut().find(|m| m.addr == d.addr) {
                Some(m) => {
                    m.bytes += d.bytes;
                    m.flows += d.flows;
                    for p in d.ports {
                        if !m.ports.contains(&p) && m.ports.len() < 4 {
                            m.ports.push(p);
                        }
                    }
                }
                None => self.list.push(d),
            }
        }
        if self.list.len() > KEEP {
            self.list
                .sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.addr.cmp(&b.addr)));
            self.list.truncate(KEEP);
            self.approximate = true;
        }
    }

    /// The `n` heaviest, heaviest first.
    pub fn top(&self, n: usize) -> Vec<&Destination> {
        let mut list: Vec<&Destination> = self.list.iter().collect();
        list.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.addr.cmp(&b.addr)));
        list.truncate(n);
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_heavy_destination_survives_many_light_ones() {
        let mut t = TopDestinations::default();
        t.add(ip("203.0.113.9"), 5_000_000, Some(443), Some("eni-1"));
        for i in 0..200u32 {
            t.add(
                ip(&format!("198.51.100.{}", i % 250)),
                10,
                Some(80),
                Some("eni-1"),
            );
        }
        t.add(ip("203.0.113.9"), 5_000_000, Some(8443), None);
        let top = t.top(1);
        assert_eq!(top[0].addr, ip("203.0.113.9"));
        assert_eq!(top[0].bytes, 10_000_000);
        assert_eq!(top[0].flows, 2);
        assert_eq!(top[0].ports.as_slice(), [443, 8443]);
        assert!(t.approximate);
        assert_eq!(t.interface.as_deref(), Some("eni-1"));
    }

    #[test]
    fn merging_keeps_the_heaviest() {
        let mut a = TopDestinations::default();
        let mut b = TopDestinations::default();
        for i in 0..KEEP as u32 {
            a.add(
                ip(&format!("198.51.100.{i}")),
                100 + u64::from(i),
                None,
                None,
            );
        }
        b.add(ip("203.0.113.1"), 1_000, Some(22), Some("eni-2"));
        b.add(ip("198.51.100.0"), 50, None, None);
        a.absorb(b);
        assert_eq!(a.list.len(), KEEP);
        let top = a.top(2);
        assert_eq!(top[0].addr, ip("203.0.113.1"));
        assert_eq!(top[1].addr, ip("198.51.100.0"), "100 + 50 bytes");
        assert_eq!(a.interface.as_deref(), Some("eni-2"));
    }
}
