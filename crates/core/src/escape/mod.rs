//! One quoting or escaping function per output language. Every string that comes
//! from AWS, a template, a flow-log file or a config is untrusted: each renderer
//! passes it through the function of its language here, and nowhere else quotes
//! by hand. Each function is tested by a round trip through the language's own
//! parser (bash, an HCL parser, a CSV reader, an XML reader, a Markdown parser).

pub mod csv;
pub mod hcl;
pub mod markdown;
pub mod names;
pub mod shell;
pub mod terminal;
pub mod xml;

#[cfg(test)]
pub(crate) mod hostile;
