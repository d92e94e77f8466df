//! Which files a command reads (`iac` its templates, `analyze` its flow-log
//! files): every file under the paths given, directories recursively, less the
//! directories the caller leaves out.
//!
//! A tree under review is untrusted: a link may point back up the tree
//! (`self -> .`), at the same file twice, or at `/dev/zero`, and a file named
//! `x.yaml` may be a FIFO. Each directory and each file is therefore taken once
//! by its identity (device and inode), so loops end and nothing is counted
//! twice, and only regular files are read; anything else that looks like an
//! input is listed with why it was not read.

use std::collections::HashSet;
use std::fs::Metadata;
use std::path::{Path, PathBuf};

/// What the walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// Regular files, each once, sorted.
    pub files: Vec<PathBuf>,
    /// Paths not read (not a regular file, unreadable), with why.
    pub skipped: Vec<(PathBuf, String)>,
}

/// A file's identity: device and inode where the platform has them, else its
/// canonical path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Identity {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

fn identity(path: &Path, meta: &Metadata) -> Identity {
    #[cfg(unix)]
    {
        let _ = path;
        use std::os::unix::fs::MetadataExt;
        Identity::Inode(meta.dev(), meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Identity::Path(path.canonicalize().unwrap_or_else(|_| path.to_path_buf()))
    }
}

#[cfg(test)]
fn name(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap_or_default()
}

/// Walks `paths`; `wanted` says which names are inputs (a non-regular file
/// with such a name is reported in `skipped`, others are ignored); `descend`
/// which directories found inside are walked (a path given is always walked).
/// `Err` names a path given that does not exist or a directory that cannot be
/// listed.
pub fn walk(
    paths: &[PathBuf],
    wanted: impl Fn(&Path) -> bool,
    descend: impl Fn(&Path) -> bool,
) -> Result<Walked, String> {
    let mut out = Walked::default();
    let mut dirs_seen = HashSet::new();
    let mut files_seen = HashSet::new();
    let mut stack = Vec::new();
    let mut take = |path: PathBuf, meta: Metadata, stack: &mut Vec<PathBuf>, out: &mut Walked| {
        if meta.is_dir() {
            if dirs_seen.insert(identity(&path, &meta)) {
                stack.push(path);
            }
        } else if meta.is_file() {
            if files_seen.insert(identity(&path, &meta)) {
                out.files.push(path);
            }
        } else if wanted(&path) {
            out.skipped.push((
                path,
                "not a regular file (a FIFO, socket or device); not read".to_string(),
            ));
        }
    };
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                format!("{}: no such file or directory", p.display())
            } else {
                format!("{}: {e}", p.display())
            }
        })?;
        take(p.clone(), meta, &mut stack, &mut out);
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            for e in entries.filter_map(Result::ok) {
                let path = e.path();
                // Follows links: a link to a directory is walked once, a loop
                // ends at a directory already seen.
                match std::fs::metadata(&path) {
                    Ok(meta) if meta.is_dir() => {
                        if descend(&path) {
                            take(path, meta, &mut stack, &mut out);
                        }
                    }
                    Ok(meta) => take(path, meta, &mut stack, &mut out),
                    Err(e) if wanted(&path) => out.skipped.push((path, e.to_string())),
                    Err(_) => {}
                }
            }
        }
    }
    out.files.sort();
    out.skipped.sort();
    Ok(out)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn yaml(p: &Path) -> bool {
        name(p).ends_with(".yaml")
    }

    #[test]
    fn loops_links_and_special_files() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path();
        std::fs::create_dir(root.join("a")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(root.join("a/vpc.yaml"), "x").unwrap_or_else(|e| panic!("{e}"));
        let link = |target: &str, at: &str| {
            std::os::unix::fs::symlink(target, root.join(at)).unwrap_or_else(|e| panic!("{e}"))
        };
        link(".", "self");
        link(".", "a/up");
        link("..", "a/parent");
        link("a/vpc.yaml", "again.yaml");
        link("/dev/zero", "zero.yaml");
        link("/nonexistent", "dangling.yaml");
        let made = std::process::Command::new("mkfifo")
            .arg(root.join("fifo.yaml"))
            .status()
            .unwrap_or_else(|e| panic!("mkfifo: {e}"));
        assert!(made.success());
        let walked = walk(&[root.to_path_buf()], yaml, |_| true).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(walked.files.len(), 1, "{walked:?}");
        let skipped: Vec<&str> = walked.skipped.iter().map(|(p, _)| name(p)).collect();
        assert_eq!(skipped, ["dangling.yaml", "fifo.yaml", "zero.yaml"]);
    }
}
