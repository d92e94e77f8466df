//! Reading flow-log files: plain text or gzip, each with its header line (S3
//! delivery) or in a given format, streamed line by line and spread over threads,
//! one file at a time per thread. A malformed line is counted and the first few
//! are kept with their file and line; it never stops the run.

use std::io::{BufRead, Read};
use std::path::PathBuf;
use std::sync::Mutex;

pub use crate::input::Input;
use crate::record::{parse_line, Format, LogStatus, Record};

/// How many malformed lines are kept as examples.
pub const EXAMPLES: usize = 10;

/// The longest line read, in bytes. A flow-log record with every field of a
/// custom format is well under 2 KiB; a longer line (a decompression bomb that
/// is one line, a file that is not flow logs) is counted as malformed and
/// skipped without being held in memory.
pub const MAX_LINE: usize = 64 * 1024;

/// The most CloudWatch Logs JSON read from one input (it is parsed whole).
pub const MAX_JSON: u64 = 256 * 1024 * 1024;

/// The most of a line or reason quoted in a message.
const QUOTED: usize = 200;

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
    /// CloudWatch Logs subscription payloads of `messageType` CONTROL_MESSAGE:
    /// the destination's health checks, not records.
    pub control_messages: u64,
    /// Records outside the time window asked for (read, then left out).
    pub outside_window: u64,
    pub examples: Vec<Malformed>,
    /// Every input with malformed lines: (input, how many), so that each is
    /// named even when its lines are not among the kept examples.
    pub malformed_inputs: Vec<(String, u64)>,
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
        self.control_messages += other.control_messages;
        for e in other.examples {
            if self.examples.len() < EXAMPLES {
                self.examples.push(e);
            }
        }
        self.unreadable.extend(other.unreadable);
        self.malformed_inputs.extend(other.malformed_inputs);
    }
}

/// Every regular file under `paths`, each once (links followed once per file
/// and directory, so a loop ends), sorted; anything else found (a FIFO, a
/// socket, a device, a dangling link) is a [`Input::Failed`] naming it, so that
/// it is an ERROR of the run and never a hang.
pub fn files(paths: &[PathBuf]) -> Result<Vec<Input>, String> {
    let walked = flowaudit_core::walk::walk(paths, |_| true, |_| true)?;
    let mut out: Vec<Input> = walked.files.into_iter().map(Input::Path).collect();
    out.extend(
        walked
            .skipped
            .into_iter()
            .map(|(path, reason)| Input::Failed {
                name: path.display().to_string(),
                reason,
            }),
    );
    Ok(out)
}

/// Reads one input into `sink`. The first line is a header if it names fields;
/// otherwise `format` (the default format unless given) applies. CloudWatch
/// Logs JSON is recognised by its first character.
pub fn read_input(
    input: Input,
    format: Option<&Format>,
    sink: &mut dyn FnMut(&Record),
) -> ReadStats {
    let name = input.name();
    let mut stats = read_one(input, format, sink);
    if stats.malformed > 0 {
        stats.malformed_inputs.push((name, stats.malformed));
    }
    stats
}

fn read_one(input: Input, format: Option<&Format>, sink: &mut dyn FnMut(&Record)) -> ReadStats {
    let name = input.name();
    let mut stats = ReadStats {
        files: 1,
        ..ReadStats::default()
    };
    if crate::parquet::is_parquet(&input) {
        // Columns, not lines: the format is the file's schema.
        let mut lines = Lines {
            current: Format::default(),
            given: true,
            header_seen: true,
            name: &name,
            stats: &mut stats,
            unit: Some("row"),
        };
        let read = crate::parquet::rows(input, &mut |row| match row {
            crate::parquet::Row::Columns(names) => lines.current = Format::new(names),
            crate::parquet::Row::Values(i, text) => lines.line(i, text, sink),
        });
        if let Err(e) = read {
            stats.unreadable.push((name, e));
        }
        return stats;
    }
    let mut reader = match input.open() {
        Ok(r) => r,
        Err(e) => {
            stats.unreadable.push((name, e.to_string()));
            return stats;
        }
    };
    let mut lines = Lines {
        current: format.cloned().unwrap_or_default(),
        given: format.is_some(),
        header_seen: false,
        name: &name,
        stats: &mut stats,
        unit: None,
    };
    let first = match reader.fill_buf() {
        Ok(b) => b.iter().find(|c| !c.is_ascii_whitespace()).copied(),
        Err(e) => {
            lines.stats.unreadable.push((name.clone(), e.to_string()));
            return stats;
        }
    };
    if matches!(first, Some(b'{' | b'[')) {
        // CloudWatch Logs JSON (subscription payloads, `filter-log-events`
        // output): the records are the events' messages.
        let mut text = String::new();
        if let Err(e) = reader.by_ref().take(MAX_JSON).read_to_string(&mut text) {
            lines.stats.unreadable.push((name.clone(), e.to_string()));
            return stats;
        }
        if text.len() as u64 == MAX_JSON {
            lines.stats.unreadable.push((
                name.clone(),
                format!(
                    "CloudWatch Logs JSON larger than {MAX_JSON} bytes (decompressed); not read"
                ),
            ));
            return stats;
        }
        lines.unit = Some("event");
        let messages = json_messages(&text);
        lines.stats.control_messages += messages.control;
        for (i, m) in messages.messages.iter().enumerate() {
            lines.line(i, m, sink);
        }
        return stats;
    }
    // Lines are taken straight from the reader's buffer; only a line that
    // spans two buffers is copied (into `carry`).
    let mut carry: Vec<u8> = Vec::new();
    // Inside a line longer than MAX_LINE: its bytes are dropped up to its end.
    let mut too_long = false;
    let long = |lines: &mut Lines, i: &mut usize| {
        lines.malformed(
            *i,
            format!("the line is longer than {MAX_LINE} bytes; skipped"),
        );
        *i += 1;
    };
    let mut i = 0;
    let mut text = |lines: &mut Lines, bytes: &[u8], i: &mut usize| {
        match std::str::from_utf8(bytes) {
            Ok(line) => lines.line(*i, line, sink),
            Err(_) => lines.malformed(*i, "the line is not UTF-8 text".into()),
        }
        *i += 1;
    };
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) => {
                lines
                    .stats
                    .unreadable
                    .push((name.clone(), format!("line {}: {e}", i + 1)));
                break;
            }
        };
        if chunk.is_empty() {
            if too_long {
                long(&mut lines, &mut i);
            } else if !carry.is_empty() {
                text(&mut lines, &carry, &mut i);
            }
            break;
        }
        let mut used = 0;
        while let Some(at) = memchr::memchr(b'\n', &chunk[used..]) {
            let end = used + at;
            if too_long || carry.len() + (end - used) > MAX_LINE {
                long(&mut lines, &mut i);
                too_long = false;
                carry.clear();
            } else if carry.is_empty() {
                text(&mut lines, &chunk[used..end], &mut i);
            } else {
                carry.extend_from_slice(&chunk[used..end]);
                text(&mut lines, &carry, &mut i);
                carry.clear();
            }
            used = end + 1;
        }
        if too_long || carry.len() + (chunk.len() - used) > MAX_LINE {
            too_long = true;
            carry.clear();
        } else {
            carry.extend_from_slice(&chunk[used..]);
        }
        let n = chunk.len();
        reader.consume(n);
    }
    stats
}

/// The line-by-line state of one input.
struct Lines<'s> {
    current: Format,
    given: bool,
    /// A header line named the fields (else the default format applies).
    header_seen: bool,
    name: &'s str,
    stats: &'s mut ReadStats,
    /// What a "line" is when it is not a line of text: a JSON `event`, a
    /// Parquet `row` (and then there is no header line).
    unit: Option<&'static str>,
}

impl Lines<'_> {
    fn line(&mut self, i: usize, line: &str, sink: &mut dyn FnMut(&Record)) {
        // A byte-order mark (an editor's, or one per file of a concatenation)
        // is never part of a record.
        let line = line.strip_prefix('\u{feff}').unwrap_or(line);
        if line.trim().is_empty() {
            return;
        }
        // A header line anywhere in a text file: several deliveries joined into
        // one (`cat`, multi-member gzip) switch the format from there on.
        if self.unit.is_none() && (i == 0 || may_be_header(line)) {
            if let Some(header) = Format::from_header(line) {
                if !self.given {
                    self.current = header;
                }
                self.header_seen = true;
                return;
            }
        }
        let parsed = parse_line(&self.current, line).or_else(|e| {
            // A CloudWatch Logs export to S3 puts the event time first.
            match line.split_once(' ') {
                Some((stamp, rest)) if chrono::DateTime::parse_from_rfc3339(stamp).is_ok() => {
                    parse_line(&self.current, rest)
                }
                _ => Err(e),
            }
        });
        match parsed {
            Ok(r) => {
                match r.log_status {
                    Some(LogStatus::NoData) => self.stats.nodata += 1,
                    Some(LogStatus::SkipData) => self.stats.skipdata += 1,
                    _ => {}
                }
                self.stats.records += 1;
                sink(&r);
            }
            Err(reason) => {
                let reason = self.header_missing(line).unwrap_or(reason);
                self.malformed(i, reason)
            }
        }
    }

    /// For a line that does not fit the default format, with no header line
    /// and no --format-fields: that the header seems missing, and what to do.
    fn header_missing(&self, line: &str) -> Option<String> {
        let fields = line.split_ascii_whitespace().count();
        let expected = self.current.fields.len();
        (!self.given && !self.header_seen && fields != expected).then(|| {
            format!(
                "the line has {fields} fields and the default format {expected}: the header line seems missing; pass --format-fields with the flow log's LogFormat"
            )
        })
    }

    fn malformed(&mut self, i: usize, reason: String) {
        self.stats.malformed += 1;
        let reason = quoted(reason);
        if self.stats.examples.len() < EXAMPLES {
            self.stats.examples.push(Malformed {
                file: self.name.to_string(),
                line: i + 1,
                reason: match self.unit {
                    Some(unit) => format!("{unit} {}: {reason}", i + 1),
                    None => reason,
                },
            });
        }
    }
}

/// Whether `line` could be a header line: its first word is a lower-case
/// name, as no record's first field is (a cheap test before
/// [`Format::from_header`], on every line).
fn may_be_header(line: &str) -> bool {
    let word = line.split_ascii_whitespace().next().unwrap_or("");
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
}

/// `reason` cut to [`QUOTED`] characters (it may quote the line).
fn quoted(reason: String) -> String {
    match reason.char_indices().nth(QUOTED) {
        Some((at, _)) => format!("{}… ({} bytes in all)", &reason[..at], reason.len()),
        None => reason,
    }
}

/// What CloudWatch Logs JSON holds: the records' messages, and how many
/// CONTROL_MESSAGE payloads (the destination's health checks) were left out.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct JsonMessages {
    pub messages: Vec<String>,
    pub control: u64,
}

/// The messages of CloudWatch Logs JSON: documents one after another (one,
/// one per line, or back to back with nothing between, as Kinesis Data Firehose
/// writes subscription payloads to S3); each a subscription payload
/// (`logEvents`), `filter-log-events` output (`events`), an event (`message`),
/// or an array of those. A stretch that is not JSON is kept line by line, so
/// that it is counted as malformed with its place.
pub fn json_messages(text: &str) -> JsonMessages {
    fn collect(v: &serde_json::Value, out: &mut JsonMessages) {
        match v {
            serde_json::Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
            serde_json::Value::Object(o) => {
                if o.get("messageType").and_then(serde_json::Value::as_str)
                    == Some("CONTROL_MESSAGE")
                {
                    out.control += 1;
                    return;
                }
                for key in ["logEvents", "events"] {
                    if let Some(list) = o.get(key) {
                        collect(list, out);
                    }
                }
                if let Some(m) = o.get("message").and_then(serde_json::Value::as_str) {
                    out.messages.push(m.to_string());
                }
            }
            _ => {}
        }
    }
    let mut out = JsonMessages::default();
    let mut rest = text;
    while !rest.trim().is_empty() {
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<serde_json::Value>();
        match stream.next() {
            Some(Ok(v)) => {
                let end = stream.byte_offset();
                if v.is_object() || v.is_array() {
                    collect(&v, &mut out);
                } else {
                    // A bare number or string is no payload: malformed.
                    out.messages.push(rest[..end].trim().to_string());
                }
                rest = &rest[end..];
            }
            Some(Err(_)) => {
                // Not JSON up to the end of this line: kept as a malformed line.
                let start = rest.len() - rest.trim_start().len();
                let line_end = rest[start..].find('\n').map_or(rest.len(), |n| start + n);
                out.messages.push(rest[start..line_end].to_string());
                rest = &rest[line_end..];
            }
            None => break,
        }
    }
    out
}

/// Reads `inputs` on `threads` threads; each thread folds its records into its
/// own accumulator made by `make`, and the accumulators are merged with `merge`.
/// The inputs are taken one at a time as threads become free, so a slow source
/// (a download) feeds the readers as it goes.
pub fn read_parallel<A: Send>(
    inputs: impl Iterator<Item = Input> + Send,
    format: Option<&Format>,
    threads: usize,
    make: impl Fn() -> A + Sync,
    fold: impl Fn(&mut A, &Record) + Sync,
    merge: impl Fn(&mut A, A),
) -> (A, ReadStats) {
    let next = Mutex::new(inputs);
    let threads = threads.max(1);
    let parts: Vec<std::thread::Result<(A, ReadStats)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut acc = make();
                    let mut stats = ReadStats::default();
                    loop {
                        let input = next.lock().unwrap_or_else(|p| p.into_inner()).next();
                        let Some(input) = input else { break };
                        let part = read_input(input, format, &mut |r| fold(&mut acc, r));
                        stats.merge(part);
                    }
                    (acc, stats)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    let mut acc = make();
    let mut stats = ReadStats::default();
    for part in parts {
        match part {
            Ok((a, s)) => {
                merge(&mut acc, a);
                stats.merge(s);
            }
            // A reader that panicked lost what it had read: say so.
            Err(_) => stats.unreadable.push((
                "(reader thread)".into(),
                "a reader thread failed; the records it had read are missing".into(),
            )),
        }
    }
    // Examples in file and line order, whatever the threads did.
    stats
        .examples
        .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    (acc, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(data: &[u8]) -> ReadStats {
        let input = Input::Bytes {
            name: "t".into(),
            data: data.to_vec(),
        };
        read_input(input, None, &mut |_| {})
    }

    #[test]
    fn last_line_without_newline_crlf_and_non_utf8() {
        let header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
        let rec = "2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1795176000 1795176060 ACCEPT OK";
        let stats = count(format!("{header}\r\n{rec}\r\n{rec}").as_bytes());
        assert_eq!((stats.records, stats.malformed), (2, 0), "{stats:?}");
        let mut bad = format!("{header}\n{rec}\n").into_bytes();
        bad.extend_from_slice(b"2 1 eni-\xff\n");
        let stats = count(&bad);
        assert_eq!((stats.records, stats.malformed), (1, 1), "{stats:?}");
        assert_eq!(stats.examples[0].line, 3);
        assert!(stats.examples[0].reason.contains("UTF-8"));
    }

    /// A line longer than MAX_LINE (here 8 MiB of one line, gzipped, as a
    /// decompression bomb is) is counted as malformed, not held, and not quoted
    /// whole; the lines after it are read. Exactly MAX_LINE bytes is a line.
    #[test]
    fn an_endless_line_is_skipped_not_held() {
        use std::io::Write;
        let header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n";
        let rec = "2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1795176000 1795176060 ACCEPT OK\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut write = |b: &[u8]| gz.write_all(b).unwrap_or_else(|e| panic!("{e}"));
        write(header.as_bytes());
        write(rec.as_bytes());
        let block = vec![b'x'; 1 << 20];
        for _ in 0..8 {
            write(&block);
        }
        write(b"\n");
        write(&vec![b'y'; MAX_LINE]);
        write(b"\n");
        write(rec.as_bytes());
        write(&block);
        let data = gz.finish().unwrap_or_else(|e| panic!("{e}"));
        assert!(data.len() < 1 << 20, "{} bytes compressed", data.len());
        let stats = count(&data);
        assert_eq!((stats.records, stats.malformed), (2, 3), "{stats:?}");
        let reasons: Vec<(usize, &str)> = stats
            .examples
            .iter()
            .map(|e| (e.line, e.reason.as_str()))
            .collect();
        assert_eq!(
            reasons[0],
            (3, "the line is longer than 65536 bytes; skipped")
        );
        assert_eq!(
            reasons[2],
            (6, "the line is longer than 65536 bytes; skipped")
        );
        assert_eq!(reasons[1].0, 4, "exactly MAX_LINE bytes is read as a line");
        assert!(
            reasons[1].1.len() < 400,
            "a long line is not quoted whole: {}",
            reasons[1].1.len()
        );
    }

    #[test]
    fn lines_across_buffer_boundaries_in_gzip() {
        use std::io::Write;
        let header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n";
        let mut text = String::from(header);
        for i in 0..20_000 {
            text.push_str(&format!(
                "2 123456789012 eni-{i:05} 10.0.{}.{} 203.0.113.9 443 51234 6 10 8400 1795176000 1795176060 ACCEPT OK\n",
                i / 250,
                i % 250
            ));
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        let data = gz.finish().unwrap_or_else(|e| panic!("{e}"));
        let stats = count(&data);
        assert_eq!((stats.records, stats.malformed), (20_000, 0), "{stats:?}");
    }

    fn gzip(text: &str) -> Vec<u8> {
        use std::io::Write;
        let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        g.write_all(text.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        g.finish().unwrap_or_else(|e| panic!("{e}"))
    }

    /// (dstport of each record, stats) of `data`.
    fn ports(data: &[u8]) -> (Vec<u16>, ReadStats) {
        let mut seen = Vec::new();
        let input = Input::Bytes {
            name: "t".into(),
            data: data.to_vec(),
        };
        let stats = read_input(input, None, &mut |r| seen.extend(r.dstport));
        (seen, stats)
    }

    /// Two S3 deliveries of different formats joined into one file (plain,
    /// and as two gzip members): the second header switches the format, so
    /// the second delivery's records are read with their own fields; a BOM
    /// before a header changes nothing.
    #[test]
    fn a_header_in_the_middle_switches_the_format() {
        let a = "version srcaddr dstaddr dstport action\n2 10.0.0.1 10.0.0.2 22 ACCEPT\n";
        let b =
            "\u{feff}dstport srcaddr dstaddr action log-status\n443 10.0.0.3 10.0.0.4 REJECT OK\n";
        let joined = format!("{a}{b}");
        let (seen, stats) = ports(joined.as_bytes());
        assert_eq!(seen, [22, 443], "{stats:?}");
        assert_eq!((stats.records, stats.malformed), (2, 0));
        let mut members = gzip(a);
        members.extend(gzip(b));
        let (seen, stats) = ports(&members);
        assert_eq!(seen, [22, 443], "{stats:?}");
        assert_eq!(stats.malformed, 0);
    }

    /// CloudWatch Logs subscription payloads back to back with nothing between
    /// (as Firehose writes them to S3), plain and gzip, with a CONTROL_MESSAGE
    /// among them: every record read, the health check counted apart, and a
    /// stretch that is not JSON malformed.
    #[test]
    fn subscription_payloads_back_to_back_and_control_messages() {
        let event = |port: u16| {
            format!(
                "{{\"id\":\"{port}\",\"timestamp\":1,\"message\":\"2 123456789012 eni-1 10.0.0.1 10.0.0.2 1234 {port} 6 1 40 1700000000 1700000060 ACCEPT OK\"}}"
            )
        };
        let payload = |ports: &[u16]| {
            format!(
                "{{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"123456789012\",\"logGroup\":\"g\",\"logStream\":\"s\",\"subscriptionFilters\":[\"f\"],\"logEvents\":[{}]}}",
                ports.iter().map(|p| event(*p)).collect::<Vec<_>>().join(",")
            )
        };
        let control = "{\"messageType\":\"CONTROL_MESSAGE\",\"owner\":\"CloudwatchLogs\",\"logGroup\":\"\",\"logStream\":\"\",\"subscriptionFilters\":[],\"logEvents\":[{\"id\":\"\",\"timestamp\":1,\"message\":\"CWL CONTROL MESSAGE: Checking health of destination Firehose.\"}]}";
        let text = format!("{}{control}{}", payload(&[22, 80]), payload(&[443]));
        for data in [text.as_bytes().to_vec(), gzip(&text)] {
            let (seen, stats) = ports(&data);
            assert_eq!(seen, [22, 80, 443], "{stats:?}");
            assert_eq!((stats.control_messages, stats.malformed), (1, 0));
        }
        let broken = format!("{}\nnot json at all\n{}", payload(&[22]), payload(&[443]));
        let (seen, stats) = ports(broken.as_bytes());
        assert_eq!(seen, [22, 443]);
        assert_eq!(stats.malformed, 1, "{stats:?}");
        assert_eq!(stats.examples[0].line, 2);
    }
}
