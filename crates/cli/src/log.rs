//! Logs on standard error (tracing): warnings by default, more with `-v`, only
//! errors with `--quiet`. Reports go only to standard output or their files.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing::level_filters::LevelFilter;

static QUIET: AtomicBool = AtomicBool::new(false);

/// Starts the logger; `verbose` counts `-v`.
pub fn init(verbose: u8, quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
    let level = match (quiet, verbose) {
        (true, _) => LevelFilter::ERROR,
        (false, 0) => LevelFilter::WARN,
        (false, 1) => LevelFilter::INFO,
        (false, 2) => LevelFilter::DEBUG,
        (false, _) => LevelFilter::TRACE,
    };
    let color = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .without_time()
        .with_target(verbose >= 2)
        .try_init();
}

/// Whether `--quiet` was given: no progress bar either.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}
