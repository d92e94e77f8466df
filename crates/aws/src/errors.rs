//! Turning SDK errors into short, useful reasons: `Code: message` where AWS gave
//! one, the whole error chain otherwise (timeouts, connection failures).

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// A one-line reason for a failed call.
pub fn reason<E, R>(err: &SdkError<E, R>) -> String
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if let Some(service) = err.as_service_error() {
        match (service.code(), service.message()) {
            (Some(code), Some(message)) => return format!("{code}: {message}"),
            (Some(code), None) => return code.to_string(),
            _ => {}
        }
    }
    match err {
        SdkError::TimeoutError(_) => "timed out".to_string(),
        _ => DisplayErrorContext(err).to_string(),
    }
}

/// The error code AWS returned, if any.
pub fn code<E, R>(err: &SdkError<E, R>) -> Option<&str>
where
    E: ProvideErrorMetadata,
{
    err.as_service_error().and_then(|e| e.code())
}
