//! The flow-log reader on arbitrary bytes: header detection, record parsing in
//! the default and a custom format, gzip, CloudWatch Logs JSON, and the
//! detections the records feed. Nothing may panic. The body is
//! `flowaudit_flowlogs::fuzzing::flow_records`, which the regular tests also run
//! on the seeds and the corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: {
    // Panics inside the Parquet reader are caught and reported (see
    // parquet.rs); any other panic still aborts and counts as a crash.
    flowaudit_flowlogs::quiet_reader_panics();
}, |data: &[u8]| {
    flowaudit_flowlogs::fuzzing::flow_records(data);
});
