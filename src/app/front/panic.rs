//! A panic in a route: the service's own 500, its message kept for the log line, never sent.

use std::any::Any;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::ResponseForPanic;

use crate::api::ApiError;

/// The panic answer ([`panic_response`]), as a type `CatchPanic` can name.
#[derive(Debug, Clone, Copy)]
pub(super) struct PanicResponse;

impl ResponseForPanic for PanicResponse {
    type ResponseBody = Body;

    fn response_for_panic(&mut self, panic: Box<dyn Any + Send + 'static>) -> Response {
        panic_response(panic)
    }
}

/// In the extensions of a panic's answer: the panic's message, which the front logs with the
/// request's id (never sent).
#[derive(Debug, Clone)]
pub(crate) struct Panicked(pub(crate) Box<str>);

/// A panic's answer: the service's own 500, carrying the panic's message for the log.
pub(crate) fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    let mut response = ApiError::Internal.into_response();
    response.extensions_mut().insert(Panicked(detail.into()));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::extract::Request;
    use axum::http::StatusCode;
    use tower::Layer as _;
    use tower_http::catch_panic::CatchPanicLayer;

    #[tokio::test]
    async fn a_route_that_panics_is_answered_with_the_cpp_500() {
        use tower::ServiceExt;

        async fn boom() -> &'static str {
            panic!("boom")
        }
        let routes = Router::new().route("/boom", axum::routing::get(boom));
        let service = CatchPanicLayer::custom(PanicResponse).layer(routes);

        let request = Request::get("/boom")
            .body(Body::empty())
            .expect("a request");
        let response = service.oneshot(request).await.expect("answered");

        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(Body::new(response.into_body()), 1 << 16)
            .await
            .expect("a body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(body["error"]["code"], "InternalServerError");
    }

    #[tokio::test]
    async fn a_panic_becomes_a_cpp_500() {
        let response = panic_response(Box::new("boom"));

        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("a body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(body["error"]["code"], "InternalServerError");
        assert_eq!(
            body["error"]["message"],
            "We cannot complete the request now, please try again later."
        );
    }
}
