//! The flow-log findings of `flowaudit analyze`: their ids and metadata, in the
//! same shape as the checks' ([`CheckMeta`]), so `flowaudit checks`, `explain`,
//! `[[exception]]`, SARIF rules and the generated docs cover them. The detections
//! themselves live in the flow-log crate, which takes each finding's severity and
//! compliance mapping from here.

use crate::checks::meta::{CheckId, CheckMeta, Scope};
use crate::report::Severity;

/// Every flow-log finding, in catalog order.
pub static REGISTRY: &[&CheckMeta] = &[
    &PORT_SCAN,
    &HOST_SWEEP,
    &EXPOSED_ADMIN_PORT,
    &EXFILTRATION,
    &LATERAL_MOVEMENT,
    &REJECTED_HOTSPOT,
    &SKIPDATA,
    &INTERFACE_SILENT,
    &DELIVERY_GAP,
    &INPUT,
];

/// Why no finding has an automatic fix (for explain and the generated docs).
pub const NO_FIX: &str = "No automatic fix: a finding in traffic calls for an investigation, \
not a change flowaudit can make for you.";

pub static PORT_SCAN: CheckMeta = CheckMeta {
    id: CheckId::new("flowlog-port-scan"),
    title: "One source probed many ports of one host",
    severity: Severity::High,
    scope: Scope::Records,
    rationale: "Reconnaissance precedes most intrusions: a source trying many ports of one \
host, mostly refused, is looking for a service to attack.",
    passes_when: "No source reached --scan-ports (default 25) distinct ports of one host with \
at least 80% of its flows rejected.",
    fails_when: "One source probed 25 (`--scan-ports`, `scan_ports`) or more destination ports of \
one host, at least 80% (`scan_reject_share`) of those flows rejected; one finding per (source, \
host). Distinct ports are counted exactly up to a bound, then estimated (marked approximate).",
    other_statuses: "None: a finding is FAIL; input that could not be read is a \
flowlog-input ERROR.",
    remediation: "Find who owns the source; block it in the network ACL or security group if \
it is not an authorised scanner. No automatic fix.",
    compliance: &[("MITRE ATT&CK", "T1046 Network Service Discovery")],
    equivalents: &[("Amazon GuardDuty", "Recon:EC2/Portscan")],
};

pub static HOST_SWEEP: CheckMeta = CheckMeta {
    id: CheckId::new("flowlog-host-sweep"),
    title: "One source reached many hosts on one port",
    severity: Severity::High,
    scope: Scope::Records,
    rationale: "A source touching the same port on many hosts is mapping the network for one \
service (SSH, RDP, SMB), the usual first step of a worm or an intruder moving on.",
    passes_when: "No source reached --sweep-hosts (default 25) hosts on one port, from the \
internet or with at least half its flows rejected (a busy client of many servers is not a \
sweep).",
    fails_when: "One source reached 25 (`--sweep-hosts`, `sweep_hosts`) or more of our (private) \
hosts on one port, from the internet or with most flows rejected; one finding per (source, port).",
    other_statuses: "None: a finding is FAIL; input that could not be read is a \
flowlog-input ERROR.",
    remediation: "Identify the source; if internal, isolate and inspect the host. No \
automatic fix.",
    compliance: &[("MITRE ATT&CK", "T1046 Network Service Discovery")],
    equivalents: &[],
};

pub static EXPOSED_ADMIN_PORT: CheckMeta = CheckMeta {
    id: CheckId::new("flowlog-exposed-admin-port"),
    title: "An administration or database port accepted traffic from the internet",
    severity: Severity::Critical,
    scope: Scope::Records,
    rationale: "SSH, RDP and database ports open to the internet are the most attacked \
surface in the cloud; an ACCEPT record proves the port is reachable, not just configured so.",
    passes_when: "No ACCEPT record from a public address to one of the admin and database \
ports (22, 3389, 3306, 5432, 1433, 1521, 6379, 9200, 27017, 5984, 11211, 2375).",
    fails_when: "A public address was accepted on an admin or database port of a private address: \
22, 3389, 3306, 5432, 1433, 1521, 6379, 9200, 27017, 5984, 11211, 2375 (`exposed_ports`); one \
finding per (destination, port), with the number of sources and examples.",
    other_statuses: "None: a finding is FAIL; input that could not be read is a \
flowlog-input ERROR.",
    remediation: "Close the port to the internet in the security group (use Session Manager \
or a VPN for administration); `analyze --suggest` proposes rules from the traffic seen. No \
automatic fix.",
    compliance: &[("MITRE ATT&CK", "T1133 External Remote Services")],
    equivalents: &[("Amazon GuardDuty", "Recon:EC2/PortProbeUnprotectedPort")],
};

pub static EXFILTRATION: CheckMeta = CheckMeta {
    id: CheckId::new("flowlog-exfiltration"),
    title: "An internal host sent unusually much to the internet in one hour",
    severity: Severity::High,
    scope: Scope::Records,
    rationale: "Data theft shows in flow logs as volume: one internal host sending gigabytes \
to public addresses within an hour.",
    passes_when: "No internal address sent --exfil-mib (default 1024 MiB) or more to public \
addresses in any clock hour.",
    fails_when:
        "One internal host sent 1024 MiB (`--exfil-mib-per-hour`, `exfil_mib_per_hour`) or \
more to public addresses within one clock hour; packet-level addresses are used when logged and \
ingress records are not counted, so NAT traffic is not counted twice. One finding per source, at \
its heaviest hour.",
    other_statuses: "None: a finding is FAIL; input that could not be read is a \
flowlog-input ERROR.",
    remediation: "Confirm whether the transfer was expected (backups, updates); if not, \
isolate the host and review its credentials. No automatic fix.",
    compliance: &[(
        "MITRE ATT&CK",
        "T1048 Exfiltration Over Alternative Protocol",
    )],
    equivalents: &[("Amazon GuardDuty", "Behavior:EC2/TrafficVolumeUnusual")],
};

pub static LATERAL_MOVEMENT: CheckMeta = CheckMeta {
    id: CheckId::new("flowlog-lateral-movement"),
    title: "An internal host opened remote-access connections it had not made before",
    severity: Severity::High,
    scope: Scope::Records,
    rationale: "After a first foothold, intruders move between hosts over SSH, RDP, SMB and \
WinRM. A host that starts reaching new internal peers on those ports is worth a look.",
    passes_when: "Every internal (source, destination, remote-access port) triple seen after \
the baseline (the first --lateral-baseline-hours, default 24, of the data) was already seen \
in it, or the data does not reach past the baseline.",
    fails_when: "An internal host was accepted on a remote-access port (22, 23, 135, 139, 445, \
3389, 5900, 5985, 5986: `lateral_ports`) of another internal host, as a (source, destination, \
port) not seen in the baseline: the first 24 hours of the data (`--lateral-baseline-hours`, \
`lateral_baseline_hours`). One finding per source, listing the new pairs.",
    other_statuses: "None: a finding is FAIL; input that could not be read is a \
flowlog-input ERROR.",
    remediation: "Check whether the new connections were planned (deployments, admins); if \
not, investigate the source host. No automatic fix.",
    compliance: &[("MITRE ATT&CK", "T1021 Remote Services")],
    equivalents: &[],
};

pub static REJECTED_HOTSPOT: CheckMeta = CheckMeta {
    id: CheckId::new("flowlog-rejected-hotspot"),
    title: "A source with many rejected flows",
    severity: Severity::Info,
    scope: Scope::Records,
    rationale: "The sources refused most often show who is knocking: scanners, \
misconfigured clients, or attacks worth blocking further upstream.",
    passes_when: "No source has --hotspot-min-rejected (default 500) rejected flows.",
    fails_when: "The top 5 (`top_rejected`) sources with at least 500 (`hotspot_min_rejected`) \
rejected flows, one finding each.",
    other_statuses: "None: a finding is FAIL; input that could not be read is a \
flowlog-input ERROR.",
    remediation: "Informational: consider blocking persistent sources in the network ACL. \
No automatic fix.",
    compliance: &[("MITRE ATT&CK", "T1595 Active Scanning")],
    equivalents: &[],
};

pub static SKIPDATA: CheckMeta = CheckMeta {
    id: CheckId::new("flowlog-skipdata"),
    title: "Flow records were lost (SKIPDATA)",
    severity: Severity::Medium,
    scope: Scope::Records,
    rationale: "A SKIPDATA record means AWS dropped flow records of that interval (internal \
capacity or an error): the log has a hole exactly where it may be needed.",
    passes_when: "No record has log-status SKIPDATA.",
    fails_when: "An interface has SKIPDATA records (flow records were lost); one finding per \
interface, with their number.",
    other_statuses: "None: a finding is FAIL. Records read without the log-status field \
cannot show SKIPDATA.",
    remediation: "Usually transient; if it persists on an interface, open an AWS support case. \
No automatic fix.",
    compliance: &[("CIS AWS Foundations Benchmark v3.0.0", "3.7")],
    equivalents: &[],
};

pub static INTERFACE_SILENT: CheckMeta = CheckMeta {
    id: CheckId::new("flowlog-interface-silent"),
    title: "An interface stopped reporting",
    severity: Severity::Medium,
    scope: Scope::Records,
    rationale: "Flow logs write a record every aggregation interval, NODATA when idle. An \
interface that reported steadily and then fell silent lost its flow log or was deleted; an \
attacker disabling logging looks the same.",
    passes_when: "Every interface with at least 10 records reported until --silent-hours \
(default 2) and 20 of its own intervals before the newest record read.",
    fails_when: "An interface that reported at least 10 records stopped: its last record is at \
least 2 hours (`--silent-hours`, `silent_hours`) and 20 of its own average intervals before the \
newest record read (flow logs write NODATA records for idle intervals, so a steady interface does \
not simply go quiet).",
    other_statuses: "None: a finding is FAIL; input that could not be read is a \
flowlog-input ERROR.",
    remediation: "Check whether the interface still exists and whether its flow log was \
deleted (`flowaudit scan`). No automatic fix.",
    compliance: &[
        (
            "MITRE ATT&CK",
            "T1562.008 Impair Defenses: Disable or Modify Cloud Logs",
        ),
        ("CIS AWS Foundations Benchmark v3.0.0", "3.7"),
    ],
    equivalents: &[],
};

pub static DELIVERY_GAP: CheckMeta = CheckMeta {
    id: CheckId::new("flowlog-delivery-gap"),
    title: "Hours without a single record inside the data",
    severity: Severity::Medium,
    scope: Scope::Records,
    rationale: "In data dense enough (at least 10 records an hour on average), a clock hour \
with no record at all means delivery stopped, not that all was quiet.",
    passes_when: "No run of --gap-hours (default 1) empty clock hours inside the span read, or \
the data is too sparse to tell (fewer than 3 hours or 10 records an hour).",
    fails_when: "1 (`--gap-hours`, `gap_hours`) or more consecutive clock hours inside the span \
read without a single record, in data averaging at least 10 records an hour (idle interfaces still \
write NODATA, so an empty hour means delivery stopped); one finding per run of empty hours.",
    other_statuses: "None: a finding is FAIL; input that could not be read is a \
flowlog-input ERROR.",
    remediation: "Check the flow log's delivery status and destination for that time \
(`flowaudit scan`). No automatic fix.",
    compliance: &[
        (
            "MITRE ATT&CK",
            "T1562.008 Impair Defenses: Disable or Modify Cloud Logs",
        ),
        ("CIS AWS Foundations Benchmark v3.0.0", "3.7"),
    ],
    equivalents: &[],
};

pub static INPUT: CheckMeta = CheckMeta {
    id: CheckId::new("flowlog-input"),
    title: "Flow-log input that could not be read",
    severity: Severity::Medium,
    scope: Scope::Records,
    rationale: "A file or line that cannot be read is traffic no detection saw; saying \
nothing would report a clean bill of health for data never examined.",
    passes_when: "Never reported as PASS: input that was read is counted in the run's \
statistics.",
    fails_when: "Never FAIL.",
    other_statuses: "ERROR for each file that could not be read, and for each file with \
malformed lines (the first line and reason).",
    remediation: "Read the message: pass --format-fields when the files have no header line, \
or fix the file named. No automatic fix.",
    compliance: &[],
    equivalents: &[],
};
