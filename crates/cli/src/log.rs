//! Logs on standard error (tracing): warnings by default, more with `-v`, only
//! errors with `--quiet`. Reports go only to standard output or their files.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use flowaudit_core::escape::terminal::show;
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
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;
    // The AWS SDK's own warnings (a region not found in IMDS, a retry) are Debug
    // dumps that flowaudit reports again in its own words where they matter:
    // shown from -v on.
    let sdk = if verbose == 0 {
        LevelFilter::ERROR
    } else {
        level
    };
    let filter = tracing_subscriber::filter::Targets::new()
        .with_default(level)
        .with_target("aws_config", sdk)
        .with_target("aws_smithy_runtime", sdk)
        .with_target("aws_smithy_runtime_api", sdk)
        .with_target("aws_smithy_http_client", sdk)
        .with_target("aws_runtime", sdk);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .without_time()
        .with_target(verbose >= 2)
        .fmt_fields(tracing_subscriber::fmt::format::debug_fn(shown_field))
        .with_filter(filter);
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// Log messages carry names from AWS, files and records: their control
/// characters are shown as escapes, never written to the terminal.
fn shown_field(
    w: &mut tracing_subscriber::fmt::format::Writer<'_>,
    field: &tracing::field::Field,
    value: &dyn std::fmt::Debug,
) -> std::fmt::Result {
    let text = format!("{value:?}");
    let text = show(&text);
    if field.name() == "message" {
        write!(w, "{text}")
    } else {
        write!(w, " {}={text}", field.name())
    }
}

/// Whether `--quiet` was given: no progress bar either.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}
