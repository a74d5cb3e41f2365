//! Extractors whose rejections are `ApiError`s, so no framework text ever reaches a client.

use std::sync::Arc;

use axum::body::{Bytes, HttpBody};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};

use crate::domain::without_bom;

use crate::origin::{SecureOrigin, WorldPrefix};

use super::error::ApiError;

/// `axum::extract::Path`, rejecting with a CPP `400`.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub(crate) struct Path<T>(pub(crate) T);

/// The raw request body without a leading UTF-8 byte-order mark (PowerShell clients send one;
/// the .NET service took it), rejecting with a CPP `400` or `413`.
#[derive(Debug)]
pub(crate) struct RawBody(pub(crate) Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Most CPP calls have no body: nothing to collect.
        if request.body().is_end_stream() {
            return Ok(Self(Bytes::new()));
        }
        let body = Bytes::from_request(request, state).await?;
        let start = body.len() - without_bom(&body).len();
        Ok(Self(body.slice(start..)))
    }
}

/// Where the client reached the mock, for the URLs an answer gives: the world prefix its
/// path began with, if any, and for absolute URLs its host.
#[derive(Debug)]
pub(crate) struct Origin {
    pub(crate) host: Host,
    /// `/_world/{name}`, when the path named the request's world (docs/worlds.md).
    pub(crate) prefix: Option<Arc<str>>,
}

/// `https://` and the intercepted host inside TLS the mock terminated, else the `Host`
/// header (read without copying the other headers, which the `HeaderMap` extractor would
/// clone).
#[derive(Debug)]
pub(crate) enum Host {
    Secure(Arc<str>),
    Plain(Option<HeaderValue>),
}

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let host = match parts.extensions.get::<SecureOrigin>() {
            Some(SecureOrigin(host)) => Host::Secure(Arc::clone(host)),
            None => Host::Plain(parts.headers.get(header::HOST).cloned()),
        };
        let prefix = parts
            .extensions
            .get::<WorldPrefix>()
            .map(|WorldPrefix(prefix)| Arc::clone(prefix));
        Ok(Self { host, prefix })
    }
}
