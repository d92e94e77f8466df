//! Reading a root module and the local modules it calls, each directory
//! parsed once.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use hcl::Value;

use super::file::{parse_files, Parsed};
use super::module::Module;
use flowaudit_core::declared::Declared;

/// What the reading of one tree of modules shares.
#[derive(Default)]
pub struct Reading {
    /// The local module directories read as children, which are not read again
    /// as roots.
    pub local_dirs: BTreeSet<PathBuf>,
    pub(super) parsed: BTreeMap<PathBuf, Rc<Parsed>>,
    /// Module calls of the current root.
    pub(super) calls: usize,
    /// Bytes evaluation has allocated for the current root (bounded, see [`bound`]).
    pub(super) work: Rc<Cell<u64>>,
}

impl Reading {
    /// Reads the root module in `dir` (its `.tf` and `.tf.json` `files`).
    pub fn root(&mut self, dir: &Path, files: &[PathBuf]) -> Declared {
        self.calls = 0;
        self.work = Rc::new(Cell::new(0));
        let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        read_dir(dir, files, &BTreeMap::new(), "", self, &[canonical])
    }

    pub(super) fn parse(&mut self, dir: &Path, files: &[PathBuf]) -> (Rc<Parsed>, bool) {
        let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        if let Some(p) = self.parsed.get(&key) {
            return (Rc::clone(p), false);
        }
        let parsed = Rc::new(parse_files(files));
        self.parsed.insert(key, Rc::clone(&parsed));
        (parsed, true)
    }
}

/// Reads the module in `dir` from `files` (its `.tf` and `.tf.json` files).
/// `inputs` are the values a parent passes to a local module; `prefix` is the
/// address prefix (`module.net.`); `chain` the canonical directories of the
/// modules that led here, this one last.
pub(super) fn read_dir(
    dir: &Path,
    files: &[PathBuf],
    inputs: &BTreeMap<String, Value>,
    prefix: &str,
    reading: &mut Reading,
    chain: &[PathBuf],
) -> Declared {
    let (parsed, first) = reading.parse(dir, files);
    let mut declared = Declared::default();
    if first {
        declared.files = files.len();
        declared.broken.extend(parsed.broken.iter().cloned());
    }
    let module = Module::new(&parsed.files, inputs, prefix, Rc::clone(&reading.work));
    declared.broken.extend(module.scope_errors.iter().cloned());
    module.declare(dir, &mut declared, reading, chain);
    declared
}
