//! Writing presenters' output into an `io::Write`: text through [`Sink`], JSON
//! serialised straight into the writer.

use std::fmt;
use std::io;

/// What a writer function writes, as a string; an error is written in place.
pub fn to_string(write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>) -> String {
    let mut buf = Vec::new();
    if let Err(e) = write(&mut buf) {
        buf.extend_from_slice(format!("error: {e}\n").as_bytes());
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// An `io::Write` seen as a `fmt::Write`, so presenters `write!` their text
/// straight into the file or standard output. The first I/O error stops the
/// writing and is returned by [`Sink::finish`], never dropped.
pub struct Sink<'a> {
    out: &'a mut dyn io::Write,
    error: Option<io::Error>,
}

impl<'a> Sink<'a> {
    pub fn new(out: &'a mut dyn io::Write) -> Sink<'a> {
        Sink { out, error: None }
    }

    /// The first I/O error, if writing failed.
    pub fn finish(self) -> io::Result<()> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl fmt::Write for Sink<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.error.is_some() {
            return Err(fmt::Error);
        }
        self.out.write_all(s.as_bytes()).map_err(|e| {
            self.error = Some(e);
            fmt::Error
        })
    }
}

/// Serialises the items as a pretty JSON array straight into `out`, each made
/// as it is written, with a final newline (the same text as a `Vec` of them).
pub fn write_json_seq<T: serde::Serialize>(
    items: impl IntoIterator<Item = T>,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    use serde::Serializer as _;
    let mut ser = serde_json::Serializer::pretty(&mut *out);
    ser.collect_seq(items).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// Serialises `value` as pretty JSON straight into `out`, with a final newline.
pub fn write_json<T: serde::Serialize + ?Sized>(
    value: &T,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::other)?;
    out.write_all(b"\n")
}
