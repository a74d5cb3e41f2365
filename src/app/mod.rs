//! The whole HTTP application, pure (no sockets, no files): [`router`] and [`service`] for
//! embedding it and for tests through tower, `App` for the server. All three are the same
//! front ([`front::Front`]) around the same route table (`routes.rs`).

mod access;
mod coverage;
pub(crate) mod front;
mod known;
mod openapi;
mod redact;
mod routes;
mod worlds;

pub use routes::openapi_json;

pub(crate) use crate::origin::SecureOrigin;

use std::convert::Infallible;
use std::future::Future;

use axum::Router;
use axum::body::{Body, HttpBody as _};
use axum::extract::Request;
use axum::response::Response;
use hyper::body::Incoming;
use tower::Service;

use crate::state::AppState;

use front::Front;

/// The application as an axum `Router` (to nest or merge into another): the CPP routes and
/// the `/_mock` control plane, with CPP-shaped 404/405, behind the front (each request's
/// world chosen, its trailing slash trimmed: docs/behaviour.md "Routing"). The server's
/// answers, but for the emulated sign-in's host, which [`service`] serves too.
pub fn router(state: AppState) -> Router {
    Router::new().fallback_service(front(state))
}

/// The application as one tower service: the same answers as the server's, the emulated
/// sign-in's host included.
pub fn service(
    state: AppState,
) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send>
+ Clone
+ Send
+ Sync
+ 'static {
    let app = App::new(state);
    tower::service_fn(move |request: Request| {
        let app = app.clone();
        async move { Ok(app.answer(request).await) }
    })
}

/// What the server runs: the front around the routes. Requests to the identity host go to the
/// emulated identity platform instead, behind a front of its own. Its future is the caller's
/// to hold in place, where a tower `Service` would box it per request.
#[derive(Clone, Debug)]
pub(crate) struct App {
    cpp: Front,
    identity: Front,
}

impl App {
    pub(crate) fn new(state: AppState) -> Self {
        let identity = Front::identity(state.clone(), crate::identity::router(state.clone()));
        Self {
            cpp: front(state),
            identity,
        }
    }

    /// Whether `request` is addressed to the identity platform's host (inside a tunnel, in
    /// absolute form, or by `Host`).
    fn is_identity<B>(request: &hyper::Request<B>) -> bool {
        let host = match request.extensions().get::<SecureOrigin>() {
            Some(SecureOrigin(host)) => Some(host.as_bytes()),
            None => match request.uri().host() {
                Some(host) => Some(host.as_bytes()),
                None => request
                    .headers()
                    .get(axum::http::header::HOST)
                    .map(|h| h.as_bytes()),
            },
        };
        // The identity host, with or without a port.
        let identity = crate::origin::IDENTITY_HOST.as_bytes();
        host.is_some_and(|h| {
            h.len() >= identity.len()
                && h[..identity.len()].eq_ignore_ascii_case(identity)
                && matches!(h.get(identity.len()), None | Some(b':'))
        })
    }

    /// The answer to a request as hyper hands it over. A request without a body gets
    /// `Body::empty()`, which allocates nothing.
    pub(crate) async fn answer_incoming(&self, request: hyper::Request<Incoming>) -> Response {
        let request = request.map(|body| {
            if body.is_end_stream() {
                Body::empty()
            } else {
                Body::new(body)
            }
        });
        // The front's future (kilobytes) is made where it is awaited, once, and pinned there:
        // the same expression here and in `answer`, not a helper that would move it.
        let answering =
            std::pin::pin!(async move { self.front_for(&request).clone().answer(request).await });
        answered_even_if_it_panics(answering).await
    }

    /// The answer to `request`: the identity platform's when it is addressed to its host,
    /// else the CPP API's of the request's world (the default one unless it names one). Only
    /// the front that answers is cloned for the request.
    pub(crate) async fn answer(&self, request: Request) -> Response {
        let answering =
            std::pin::pin!(async move { self.front_for(&request).clone().answer(request).await });
        answered_even_if_it_panics(answering).await
    }

    /// The front that answers `request`: the identity platform's or the CPP API's.
    fn front_for(&self, request: &Request) -> &Front {
        if Self::is_identity(request) {
            &self.identity
        } else {
            &self.cpp
        }
    }
}

/// The answer `answering` gives, or — if anything on the request's way panics, the world's
/// choice and the front included — the CPP `500` (its message logged, not sent): every request
/// gets an HTTP answer, never a closed connection. The routes' own catch-panic (in the front)
/// answers first where it can, so the journal sees those. Takes the future pinned where it
/// was made, so it is never moved (a copy of kilobytes a request).
async fn answered_even_if_it_panics(
    answering: std::pin::Pin<&mut impl Future<Output = Response>>,
) -> Response {
    use futures_util::FutureExt as _;
    match std::panic::AssertUnwindSafe(answering).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => {
            // Before the front gave the request its id: logged without one.
            let response = front::panic_response(panic);
            if let Some(front::Panicked(detail)) = response.extensions().get() {
                tracing::error!(
                    panic = &**detail,
                    "request panicked before it had a request id"
                );
            }
            response
        }
    }
}

/// The front around the router of both planes.
fn front(state: AppState) -> Front {
    let router = routes::router(&state);
    Front::new(state, router)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_outside_the_routes_is_answered_with_the_cpp_500() {
        let answering = std::pin::pin!(async {
            if true {
                panic!("in the front");
            }
            Response::new(Body::empty())
        });

        let response = answered_even_if_it_panics(answering).await;

        assert_eq!(
            response.status(),
            axum::http::StatusCode::INTERNAL_SERVER_ERROR
        );
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("a body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(body["error"]["code"], "InternalServerError");
    }
}
