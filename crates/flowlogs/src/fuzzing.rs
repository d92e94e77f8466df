//! The body of the `flow_records` fuzz target (`fuzz/`), here so that the
//! regular tests replay the fuzz seeds and corpus through exactly the code the
//! fuzzer runs (`tests/fuzz_replay.rs`).

use crate::read::{read_input, Input};
use crate::{Analysis, Format, Thresholds};

/// The flow-log reader on arbitrary bytes, in the default and a custom format:
/// header detection, record parsing, gzip, CloudWatch Logs JSON, Parquet, and
/// the detections the records feed. Nothing may panic.
pub fn flow_records(data: &[u8]) {
    let t = Thresholds {
        scan_ports: 3,
        sweep_hosts: 3,
        lateral_baseline_hours: 0,
        silent_hours: 0,
        hotspot_min_rejected: 1,
        ..Thresholds::default()
    };
    let custom = Format::parse(
        "${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${bytes} ${start} ${action} ${log-status} ${pkt-srcaddr} ${flow-direction} ${tcp-flags}",
    )
    .ok();
    for format in [None, custom.as_ref()] {
        let mut a = Analysis::new(&t, true);
        let input = Input::Bytes {
            name: "fuzz".into(),
            data: data.to_vec(),
        };
        let stats = read_input(input, format, &mut |r| a.add(r));
        assert!(stats.examples.len() <= stats.malformed as usize);
        let _ = a.findings(&t);
        let _ = a.suggestions();
    }
}
