//! Turning SDK errors into short, useful reasons: `Code: message` where AWS gave
//! one, the whole error chain otherwise (timeouts, connection failures).

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// A one-line reason for a failed call.
pub fn reason<E>(err: &SdkError<E, HttpResponse>) -> String
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
{
    if let SdkError::ServiceError(service) = err {
        let e = service.err();
        return match (e.code(), e.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_string(),
            _ => format!(
                "unexpected HTTP {} response the SDK could not read",
                service.raw().status().as_u16()
            ),
        };
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
