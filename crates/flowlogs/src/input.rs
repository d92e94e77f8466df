//! One input of `analyze`: a local file, fetched bytes, or what could not be
//! fetched; opened as text, gzip detected by its magic bytes.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use flate2::read::MultiGzDecoder;

/// One input: a local file, or bytes fetched from elsewhere (an S3 object, a
/// page of CloudWatch Logs events), or what could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Path(PathBuf),
    Bytes { name: String, data: Vec<u8> },
    Failed { name: String, reason: String },
}

impl Input {
    /// How reports name the input.
    pub fn name(&self) -> String {
        match self {
            Input::Path(p) => p.display().to_string(),
            Input::Bytes { name, .. } | Input::Failed { name, .. } => name.clone(),
        }
    }

    pub(crate) fn open(self) -> std::io::Result<Box<dyn BufRead>> {
        let mut reader: Box<dyn BufRead> = match self {
            Input::Path(p) => Box::new(BufReader::with_capacity(1 << 16, std::fs::File::open(p)?)),
            Input::Bytes { data, .. } => Box::new(std::io::Cursor::new(data)),
            Input::Failed { reason, .. } => return Err(std::io::Error::other(reason)),
        };
        // Gzip by its magic bytes, peeked in the buffer (the file is opened once).
        if reader.fill_buf()?.starts_with(&[0x1f, 0x8b]) {
            reader = Box::new(BufReader::with_capacity(
                1 << 16,
                MultiGzDecoder::new(reader),
            ));
        }
        Ok(reader)
    }
}
