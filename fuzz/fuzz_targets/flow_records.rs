//! The flow-log reader on arbitrary bytes: header detection, record parsing in
//! the default and a custom format, gzip, CloudWatch Logs JSON, and the
//! detections the records feed. Nothing may panic.
#![no_main]

use flowaudit_flowlogs::read::{read_input, Input};
use flowaudit_flowlogs::{Analysis, Format, Thresholds};
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: {
    // Panics inside the Parquet reader are caught and reported (see
    // parquet.rs); any other panic still aborts and counts as a crash.
    flowaudit_flowlogs::quiet_reader_panics();
}, |data: &[u8]| {
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
});
