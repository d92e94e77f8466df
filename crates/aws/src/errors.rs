//! Turning SDK errors into short, useful reasons: `Code: message` where AWS gave
//! one, the error chain's messages otherwise (timeouts, connection failures),
//! never a Debug dump.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
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
        _ => chain(err),
    }
}

/// Why credentials could not be loaded, when that is why a call failed: the
/// credential provider's own error, found in the error's sources.
pub fn credentials_problem(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    use aws_credential_types::provider::error::CredentialsError;
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(c) = e.downcast_ref::<CredentialsError>() {
            return Some(chain(c));
        }
        next = e.source();
    }
    None
}

/// The messages of an error and its sources, joined by ": ", each once (a
/// source's text that its parent already quotes is not repeated).
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        // Some messages are several lines (the credential chain lists each
        // provider it tried): one line, the lines joined by "; ".
        let mut text = String::new();
        for line in e
            .to_string()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            if !text.is_empty() {
                text.push_str(if text.ends_with(':') { " " } else { "; " });
            }
            text.push_str(line);
        }
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// The error code AWS returned, if any.
pub fn code<E, R>(err: &SdkError<E, R>) -> Option<&str>
where
    E: ProvideErrorMetadata,
{
    err.as_service_error().and_then(|e| e.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    struct Msg(&'static str, #[source] Option<Box<Msg>>);

    #[test]
    fn the_chain_reads_as_one_line_without_debug_or_repeats() {
        let inner = Msg("Connection refused (os error 111)", None);
        let mid = Msg("tcp connect error", Some(Box::new(inner)));
        let outer = Msg("dispatch failure", Some(Box::new(mid)));
        assert_eq!(
            chain(&outer),
            "dispatch failure: tcp connect error: Connection refused (os error 111)"
        );
        let repeats = Msg(
            "io error: timed out",
            Some(Box::new(Msg("timed out", None))),
        );
        assert_eq!(chain(&repeats), "io error: timed out");
    }
}
