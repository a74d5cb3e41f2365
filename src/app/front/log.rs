//! The front's log lines about a request, each naming its request id: one when it is answered
//! (INFO; DEBUG for `/_mock/health`), and an ERROR line first when a route panicked or a
//! change could not be written to the state file.

use std::time::Instant;

use axum::http::{HeaderValue, Method};
use axum::response::Response;

use crate::state::Unsaved;

use super::panic::Panicked;

/// Logged at DEBUG, not INFO: a container's health check asks every few seconds.
const HEALTH_PATH: &str = "/_mock/health";

/// What the log line says of a request besides its answer.
pub(super) struct Asked<'a> {
    pub(super) method: &'a Method,
    /// The path alone, no query.
    pub(super) path: &'a str,
    pub(super) started: Instant,
    pub(super) id: &'a HeaderValue,
}

/// The lines about `asked`, answered with `response` (and, for an `/api` CPP error,
/// `error_code`).
pub(super) fn answered(asked: &Asked<'_>, response: &Response, error_code: Option<&str>) {
    let request_id = asked.id.to_str().unwrap_or("-");
    if let Some(Panicked(detail)) = response.extensions().get() {
        tracing::error!(request_id, panic = &**detail, "request handler panicked");
    }
    if let Some(unsaved) = response.extensions().get::<Unsaved>() {
        tracing::error!(
            request_id,
            path = &*unsaved.path,
            error = &*unsaved.reason,
            "the state file could not be written: the change is answered 500"
        );
    }
    macro_rules! request_line {
        ($level:ident $(, $name:ident = $value:expr)?) => {
            tracing::$level!(
                method = asked.method.as_str(),
                path = asked.path,
                status = response.status().as_u16(),
                latency_us = u64::try_from(asked.started.elapsed().as_micros()).unwrap_or(u64::MAX),
                request_id,
                $($name = $value,)?
                "request"
            )
        };
    }
    // A line without an error has no error field (five fields cost less than six with one
    // empty).
    match error_code {
        _ if asked.path == HEALTH_PATH => request_line!(debug),
        None => request_line!(info),
        Some(code) => request_line!(info, error_code = code),
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::extract::Request;
    use axum::http::StatusCode;
    use axum::response::Response;
    use tower::Layer as _;
    use tower_http::catch_panic::CatchPanicLayer;

    use crate::api::ApiError;
    use crate::reply::X_MOCK_REASON;
    use crate::state::Unsaved;

    use super::super::panic::PanicResponse;
    use super::super::{Plane, with_request_id};

    /// Log lines written while a test runs, as the JSON log writes them.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// `routes` asked `GET /api/x` with `x-request-id: req-42` through the front: the answer,
    /// and the log lines written meanwhile.
    async fn logged(routes: Router) -> (Response, String) {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_writer(move || writer.clone())
            .finish();
        let _log = tracing::subscriber::set_default(subscriber);
        let config = crate::config::Config {
            ca_dir: Some(std::env::temp_dir().join("cloudpartner-mock-unit-ca")),
            ..crate::config::Config::for_tests()
        };
        let state = crate::server::load_state(&config).expect("a state");
        let routes = CatchPanicLayer::custom(PanicResponse).layer(routes);
        let request = Request::get("/api/x")
            .header("x-request-id", "req-42")
            .body(Body::empty())
            .expect("a request");
        let response = with_request_id(&state, request, routes, Plane::Cpp).await;
        let log = String::from_utf8(captured.0.lock().expect("the log").clone()).expect("text");
        (response, log)
    }

    /// The line of `log` that says `what`.
    fn line<'a>(log: &'a str, what: &str) -> &'a str {
        log.lines()
            .find(|line| line.contains(what))
            .unwrap_or_else(|| panic!("no line saying {what} in {log}"))
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_panic_is_logged_with_the_request_id() {
        async fn boom() -> &'static str {
            panic!("boom in the handler")
        }

        let (response, log) = logged(Router::new().route("/api/x", axum::routing::get(boom))).await;

        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let line = line(&log, "request handler panicked");
        assert!(
            line.contains("req-42") && line.contains("boom in the handler"),
            "{line}"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_change_the_state_file_could_not_keep_is_logged_with_the_request_id_and_the_file() {
        async fn unkept() -> ApiError {
            ApiError::Unsaved(Unsaved {
                path: "/var/state/state.json".into(),
                reason: "No space left on device".into(),
            })
        }

        let (response, log) =
            logged(Router::new().route("/api/x", axum::routing::get(unkept))).await;

        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.headers()[X_MOCK_REASON.clone()],
            "state-file.unwritten"
        );
        let line = line(&log, "the state file could not be written");
        assert!(
            line.contains("req-42")
                && line.contains("/var/state/state.json")
                && line.contains("No space left"),
            "{line}"
        );
    }
}
