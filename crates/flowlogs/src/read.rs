//! Reading flow-log files: plain text or gzip, each with its header line (S3
//! delivery) or in a given format, streamed line by line and spread over threads,
//! one file at a time per thread. A malformed line is counted and the first few
//! are kept with their file and line; it never stops the run.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use flate2::read::MultiGzDecoder;

use crate::record::{parse_line, Format, LogStatus, Record};

/// How many malformed lines are kept as examples.
pub const EXAMPLES: usize = 10;

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

/// What reading saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadStats {
    pub files: usize,
    pub records: u64,
    pub nodata: u64,
    pub skipdata: u64,
    pub malformed: u64,
    pub examples: Vec<Malformed>,
    /// Files that could not be opened or decompressed: (file, reason).
    pub unreadable: Vec<(String, String)>,
}

impl ReadStats {
    fn merge(&mut self, other: ReadStats) {
        self.files += other.files;
        self.records += other.records;
        self.nodata += other.nodata;
        self.skipdata += other.skipdata;
        self.malformed += other.malformed;
        for e in other.examples {
            if self.examples.len() < EXAMPLES {
                self.examples.push(e);
            }
        }
        self.unreadable.extend(other.unreadable);
    }
}

/// Every regular file under `paths`, sorted (directories recursively).
pub fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if !p.exists() {
            return Err(format!("{}: no such file or directory", p.display()));
        }
        let mut stack = vec![p.clone()];
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                let entries =
                    std::fs::read_dir(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                stack.extend(entries.filter_map(Result::ok).map(|e| e.path()));
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn open(path: &Path) -> std::io::Result<Box<dyn BufRead>> {
    let mut reader = BufReader::with_capacity(1 << 16, std::fs::File::open(path)?);
    // Gzip by its magic bytes, peeked in the buffer (the file is opened once).
    if reader.fill_buf()?.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(reader),
        )))
    } else {
        Ok(Box::new(reader))
    }
}

/// Reads one file into `sink`. The first line is a header if it names fields;
/// otherwise `format` (the default format unless given) applies.
pub fn read_file(path: &Path, format: Option<&Format>, sink: &mut dyn FnMut(&Record)) -> ReadStats {
    let name = path.display().to_string();
    let mut stats = ReadStats {
        files: 1,
        ..ReadStats::default()
    };
    let reader = match open(path) {
        Ok(r) => r,
        Err(e) => {
            stats.unreadable.push((name, e.to_string()));
            return stats;
        }
    };
    let mut current = format.cloned().unwrap_or_default();
    let mut lines = reader.lines().enumerate().peekable();
    // CloudWatch Logs JSON (subscription payloads, `filter-log-events` output):
    // the records are the events' messages.
    let json = matches!(lines.peek(), Some((_, Ok(l))) if l.trim_start().starts_with(['{', '[']));
    let candidates: Box<dyn Iterator<Item = (usize, Result<String, std::io::Error>)>> = if json {
        let mut text = String::new();
        for (_, l) in lines.by_ref() {
            match l {
                Ok(l) => {
                    text.push_str(&l);
                    text.push('\n');
                }
                Err(e) => {
                    stats.unreadable.push((name.clone(), e.to_string()));
                    return stats;
                }
            }
        }
        Box::new(
            json_messages(&text)
                .into_iter()
                .enumerate()
                .map(|(i, m)| (i, Ok(m))),
        )
    } else {
        Box::new(lines)
    };
    for (i, line) in candidates {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                stats
                    .unreadable
                    .push((name.clone(), format!("line {}: {e}", i + 1)));
                break;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        if i == 0 && !json {
            if let Some(header) = Format::from_header(&line) {
                if format.is_none() {
                    current = header;
                }
                continue;
            }
        }
        let parsed = parse_line(&current, &line).or_else(|e| {
            // A CloudWatch Logs export to S3 puts the event time first.
            match line.split_once(' ') {
                Some((stamp, rest)) if chrono::DateTime::parse_from_rfc3339(stamp).is_ok() => {
                    parse_line(&current, rest)
                }
                _ => Err(e),
            }
        });
        match parsed {
            Ok(r) => {
                match r.log_status {
                    Some(LogStatus::NoData) => stats.nodata += 1,
                    Some(LogStatus::SkipData) => stats.skipdata += 1,
                    _ => {}
                }
                stats.records += 1;
                sink(&r);
            }
            Err(reason) => {
                stats.malformed += 1;
                if stats.examples.len() < EXAMPLES {
                    stats.examples.push(Malformed {
                        file: name.clone(),
                        line: i + 1,
                        reason: if json {
                            format!("event {}: {reason}", i + 1)
                        } else {
                            reason
                        },
                    });
                }
            }
        }
    }
    stats
}

/// The messages of CloudWatch Logs JSON: one document or one per line; each a
/// subscription payload (`logEvents`), `filter-log-events` output (`events`), an
/// event (`message`), or an array of those.
pub fn json_messages(text: &str) -> Vec<String> {
    fn collect(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
            serde_json::Value::Object(o) => {
                for key in ["logEvents", "events"] {
                    if let Some(list) = o.get(key) {
                        collect(list, out);
                    }
                }
                if let Some(m) = o.get("message").and_then(serde_json::Value::as_str) {
                    out.push(m.to_string());
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => collect(&v, &mut out),
        Err(_) => {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                match serde_json::from_str::<serde_json::Value>(line) {
                    Ok(v) => collect(&v, &mut out),
                    // Kept, so that it is counted as malformed with its place.
                    Err(_) => out.push(line.to_string()),
                }
            }
        }
    }
    out
}

/// Reads `files` on `threads` threads; each thread folds its records into its
/// own accumulator made by `make`, and the accumulators are merged with `merge`.
pub fn read_parallel<A: Send>(
    files: &[PathBuf],
    format: Option<&Format>,
    threads: usize,
    make: impl Fn() -> A + Sync,
    fold: impl Fn(&mut A, &Record) + Sync,
    merge: impl Fn(&mut A, A),
) -> (A, ReadStats) {
    let next = Mutex::new(0usize);
    let threads = threads.clamp(1, files.len().max(1));
    let parts: Vec<(A, ReadStats)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut acc = make();
                    let mut stats = ReadStats::default();
                    loop {
                        let i = {
                            let mut n = next.lock().unwrap_or_else(|p| p.into_inner());
                            let i = *n;
                            *n += 1;
                            i
                        };
                        let Some(path) = files.get(i) else { break };
                        let part = read_file(path, format, &mut |r| fold(&mut acc, r));
                        stats.merge(part);
                    }
                    (acc, stats)
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut acc = make();
    let mut stats = ReadStats::default();
    for (a, s) in parts {
        merge(&mut acc, a);
        stats.merge(s);
    }
    // Examples in file and line order, whatever the threads did.
    stats
        .examples
        .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    (acc, stats)
}
