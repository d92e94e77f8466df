//! Journals and checkpoints: files only their owner may read (0600), opened
//! without following a symbolic link, and only if they are regular files.
//!
//! A journal names every resource flowaudit changed and a checkpoint holds a
//! whole inventory; neither belongs to the other users of a shared machine, and
//! a link planted where one is written must not redirect the write.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// How to open the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// Create it; fail if anything (a file, a link) is already there.
    CreateNew,
    /// Create it or empty an existing regular file.
    Replace,
    /// Append to an existing regular file.
    Append,
}

/// Opens `path` as `how` says; a symbolic link or anything but a regular file is
/// refused with an error that says so.
pub fn open(path: &Path, how: Open) -> io::Result<File> {
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.file_type().is_symlink() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "it is a symbolic link, which flowaudit does not follow for journals and checkpoints",
            ));
        }
        if !meta.is_file() {
            return Err(not_regular());
        }
    }
    let mut options = OpenOptions::new();
    match how {
        Open::CreateNew => options.create_new(true).append(true),
        Open::Replace => options.create(true).truncate(true).write(true),
        Open::Append => options.append(true),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NOFOLLOW closes the gap between the check above and the open; a
        // FIFO is opened without blocking so it can be refused below.
        options
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    #[cfg(unix)]
    if how != Open::CreateNew {
        // An existing file keeps its content but not a wider mode.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

fn not_regular() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "it is not a regular file")
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn new_files_are_private_and_links_are_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("journal.jsonl");
        drop(open(&path, Open::CreateNew).unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(mode(&path), 0o600);
        assert!(open(&path, Open::CreateNew).is_err(), "never overwrites");

        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644))
            .unwrap_or_else(|e| panic!("{e}"));
        let link = dir.path().join("planted");
        std::os::unix::fs::symlink(&victim, &link).unwrap_or_else(|e| panic!("{e}"));
        for how in [Open::CreateNew, Open::Replace, Open::Append] {
            let err = open(&link, how).err().map(|e| e.to_string());
            assert!(
                err.as_deref().is_some_and(|e| e.contains("symbolic link")),
                "{how:?}: {err:?}"
            );
        }
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap_or_else(|e| panic!("{e}")),
            "keep"
        );
        assert_eq!(mode(&victim), 0o644, "the link's target is untouched");
    }

    #[test]
    fn an_existing_file_is_narrowed_and_a_fifo_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("checkpoint.jsonl");
        std::fs::write(&path, "old").unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))
            .unwrap_or_else(|e| panic!("{e}"));
        drop(open(&path, Open::Replace).unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(mode(&path), 0o600);
        assert_eq!(std::fs::metadata(&path).map(|m| m.len()).ok(), Some(0));

        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap_or_else(|e| panic!("mkfifo: {e}"));
        assert!(made.success());
        let err = open(&fifo, Open::Append).err().map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("not a regular file")),
            "{err:?}"
        );
    }
}
