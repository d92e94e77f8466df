//! The fuzz target's seeds and corpus (`fuzz/seeds`, `fuzz/corpus/flow_records`)
//! replayed through the target's own body, and mutations of the seeds and of a
//! LogFormat: a regression test of everything the fuzzer ever found, in every
//! `cargo test`.

use std::path::{Path, PathBuf};

use flowaudit_core::mutate::{assert_message, mutations};
use flowaudit_flowlogs::fuzzing::flow_records;
use flowaudit_flowlogs::Format;

fn fuzz_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(sub)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

fn seeds() -> Vec<(PathBuf, Vec<u8>)> {
    let found = files(&fuzz_dir("seeds"));
    assert!(found.len() >= 5, "the fuzz seeds are missing: {found:?}");
    found
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, data)
        })
        .collect()
}

#[test]
fn the_seeds_and_corpus_replay_without_a_panic() {
    flowaudit_flowlogs::quiet_reader_panics();
    let mut replayed = 0;
    for path in files(&fuzz_dir("seeds"))
        .into_iter()
        .chain(files(&fuzz_dir("corpus/flow_records")))
    {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        flow_records(&data);
        replayed += 1;
    }
    assert!(replayed >= 5, "{replayed}");
}

#[test]
fn mutated_seeds_never_panic_the_reader() {
    flowaudit_flowlogs::quiet_reader_panics();
    for (i, (_, data)) in seeds().iter().enumerate() {
        for input in mutations(data, 150, 100 + i as u64) {
            flow_records(&input);
        }
    }
}

/// `--format-fields` and a flow log's LogFormat: mutated, parsed or refused
/// with a message, never a panic.
#[test]
fn mutated_log_formats_parse_or_are_refused_with_a_message() {
    let spec = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${pkt-srcaddr} ${tcp-flags}";
    let mut refused = 0;
    for input in mutations(spec.as_bytes(), 500, 3) {
        let text = String::from_utf8_lossy(&input);
        if let Err(e) = Format::parse(&text) {
            refused += 1;
            assert_message(&e, &input);
        }
    }
    assert!(refused > 50, "only {refused} of 500 refused");
}
