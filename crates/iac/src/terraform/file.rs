//! The parsed files of a module directory, and where each block is in them.

use std::collections::HashMap;
use std::path::PathBuf;

use flowaudit_core::report::SourceLocation;
use hcl::Body;

use super::json::json_body;
use crate::source::Lines;
use flowaudit_core::declared::{Broken, Suppression};

/// A parsed file of the module.
pub(super) struct File {
    pub(super) path: String,
    pub(super) text: String,
    pub(super) body: Body,
    /// Where each block and line starts, built on first use.
    pub(super) index: std::cell::OnceCell<FileIndex>,
}

/// The files of one module directory, parsed once however often it is called.
pub(super) struct Parsed {
    pub(super) files: Vec<File>,
    /// Files that could not be read or parsed (reported by the first reading).
    pub(super) broken: Vec<Broken>,
}

pub(super) fn parse_files(files: &[PathBuf]) -> Parsed {
    let mut out = Parsed {
        files: Vec::new(),
        broken: Vec::new(),
    };
    for path in files {
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                out.broken.push(broken(&name, 1, 1, e.to_string()));
                continue;
            }
        };
        let body = if name.ends_with(".json") {
            json_body(&text).map_err(|(line, col, msg)| broken(&name, line, col, msg))
        } else {
            hcl::parse(&text).map_err(|e| match &e {
                hcl::Error::Parse(p) => broken(
                    &name,
                    p.location().line(),
                    p.location().column(),
                    p.message().to_string(),
                ),
                other => broken(&name, 1, 1, other.to_string()),
            })
        };
        match body {
            Ok(body) => out.files.push(File {
                path: name,
                text,
                body,
                index: std::cell::OnceCell::new(),
            }),
            Err(b) => out.broken.push(b),
        }
    }
    out
}

pub(super) fn broken(file: &str, line: usize, column: usize, message: String) -> Broken {
    Broken {
        location: SourceLocation {
            file: file.to_string(),
            line,
            column,
        },
        message,
    }
}

/// Where the blocks and lines of one file start.
pub(super) struct FileIndex {
    pub(super) blocks: BlockIndex,
    pub(super) lines: Lines,
}

/// Where the blocks of one file start, so that finding each of many thousand
/// resources is a look-up, not a scan of the file.
pub(super) enum BlockIndex {
    /// HCL: `keyword` and the quoted labels on a line → the line's first offset.
    Hcl(HashMap<Vec<String>, usize>),
    /// JSON: each quoted string → the offsets where it occurs, in order.
    Json(HashMap<String, Vec<usize>>),
}

/// The `"…"` strings of `text` (backslash escapes kept as written), with offsets.
pub(super) fn quoted(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while i < bytes.len() && bytes[i] != b'"' {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        if let Some(inner) = text.get(start + 1..i.min(bytes.len())) {
            out.push((start, inner));
        }
        i += 1;
    }
    out
}

impl BlockIndex {
    pub(super) fn build(file: &File) -> BlockIndex {
        if file.path.ends_with(".json") {
            let mut map: HashMap<String, Vec<usize>> = HashMap::new();
            for (at, s) in quoted(&file.text) {
                map.entry(s.to_string()).or_default().push(at);
            }
            return BlockIndex::Json(map);
        }
        let mut map = HashMap::new();
        let mut at = 0;
        for line in file.text.split_inclusive('\n') {
            let t = line.trim_start();
            let keyword: String = t.chars().take_while(char::is_ascii_alphabetic).collect();
            if !keyword.is_empty() {
                let mut key = vec![keyword];
                key.extend(quoted(t).into_iter().map(|(_, s)| s.to_string()));
                map.entry(key).or_insert(at + (line.len() - t.len()));
            }
            at += line.len();
        }
        BlockIndex::Hcl(map)
    }

    /// The offset of `keyword "a" "b"` (0 when it cannot be found).
    pub(super) fn find(&self, keyword: &str, labels: &[&str]) -> usize {
        match self {
            BlockIndex::Hcl(map) => {
                let mut key = vec![keyword.to_string()];
                key.extend(labels.iter().map(|l| l.to_string()));
                map.get(&key).copied().unwrap_or(0)
            }
            BlockIndex::Json(map) => {
                let first_after = |s: &str, from: usize| {
                    let list = map.get(s)?;
                    list.get(list.partition_point(|at| *at < from)).copied()
                };
                let mut from = first_after(keyword, 0).unwrap_or(0);
                for l in labels {
                    if let Some(at) = first_after(l, from) {
                        from = at;
                    }
                }
                from
            }
        }
    }
}

/// Where `kind "a" "b"` is declared in the file (HCL: the block's first line;
/// JSON: the last label's key).
pub(super) fn locate(
    file: &File,
    keyword: &str,
    labels: &[&str],
) -> (SourceLocation, Vec<Suppression>) {
    let index = file.index.get_or_init(|| FileIndex {
        blocks: BlockIndex::build(file),
        lines: Lines::new(&file.text),
    });
    let offset = index.blocks.find(keyword, labels);
    let (line, column) = index.lines.line_col(&file.text, offset);
    (
        SourceLocation {
            file: file.path.clone(),
            line,
            column,
        },
        index.lines.suppressions(&file.text, line),
    )
}
