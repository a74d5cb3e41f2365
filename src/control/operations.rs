//! Operations from the control plane: list them all; end one — complete it, fail it at a
//! step, cancel it.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::domain::{Force, OperationId, force};
use crate::state::{AppState, InWorld};

use super::docs::{ControlAuth, ControlErrorBody, OperationFilters, OperationPath};
use super::error::{ControlError, Result, parse};
use crate::reply::{json, status_str};

/// One operation in the control plane's list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListedOperation {
    id: String,
    publisher: String,
    offer: String,
    /// `publish` or `goLive`.
    #[serde(rename = "type")]
    kind: &'static str,
    /// As the CPP API would answer it now.
    status: &'static str,
    publishing_version: u32,
    created: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct OperationList {
    count: usize,
    /// Newest first.
    pub(super) operations: Vec<ListedOperation>,
}

/// Which operations to list: every given field must match (names ignore case).
#[derive(Debug, Default)]
pub(super) struct Filter {
    publisher: Option<String>,
    offer: Option<String>,
    kind: Option<String>,
    status: Option<String>,
}

impl Filter {
    pub(super) fn parse(query: &str) -> Result<Self> {
        let mut filter = Filter::default();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let value = Some(value.into_owned());
            match key.as_ref() {
                "publisher" => filter.publisher = value,
                "offer" => filter.offer = value,
                "type" => filter.kind = value,
                "status" => filter.status = value,
                other => {
                    return Err(ControlError::BadRequest(format!(
                        "'{other}' is not an operation filter: use publisher, offer, type or status."
                    )));
                }
            }
        }
        Ok(filter)
    }

    fn keeps(&self, operation: &ListedOperation) -> bool {
        let same = |wanted: &Option<String>, got: &str| {
            wanted
                .as_deref()
                .is_none_or(|w| w.eq_ignore_ascii_case(got))
        };
        same(&self.publisher, &operation.publisher)
            && same(&self.offer, &operation.offer)
            && same(&self.kind, operation.kind)
            && same(&self.status, operation.status)
    }
}

/// Every operation of the world `filter` keeps, newest first.
pub(super) fn list(state: &AppState, filter: &Filter) -> OperationList {
    let now = state.now();
    let success = state.settings().config.success_status;
    let mut listed: Vec<(crate::domain::Timestamp, ListedOperation)> = state.with_world(|w| {
        let mut listed = Vec::new();
        for publisher in w.store.publishers() {
            for offer in publisher.offers() {
                for op in &offer.operations {
                    let entry = ListedOperation {
                        id: op.id.to_string(),
                        publisher: publisher.id.clone(),
                        offer: offer.id.clone(),
                        kind: op.kind().as_str(),
                        status: status_str(op.status_at(now), success),
                        publishing_version: op.publishing_version,
                        created: op.created.to_string(),
                    };
                    if filter.keeps(&entry) {
                        listed.push((op.created, entry));
                    }
                }
            }
        }
        listed
    });
    listed.sort_by(|(a, x), (b, y)| b.cmp(a).then_with(|| y.id.cmp(&x.id)));
    let operations: Vec<ListedOperation> = listed.into_iter().map(|(_, op)| op).collect();
    OperationList {
        count: operations.len(),
        operations,
    }
}

/// `GET /_mock/operations`.
#[utoipa::path(
    get,
    path = "/_mock/operations",
    tag = "control",
    summary = "List every operation",
    params(OperationFilters),
    responses(
        (status = 200, description = "Operations of every offer, newest first", body = OperationList),
        (status = 400, description = "An unknown filter", body = ControlErrorBody),
        ControlAuth,
    )
)]
pub(crate) async fn get_operations(InWorld(state): InWorld, uri: Uri) -> Result<Response> {
    let filter = Filter::parse(uri.query().unwrap_or(""))?;
    Ok(json(StatusCode::OK, &list(&state, &filter)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Forced {
    id: String,
    ended: &'static str,
}

/// The answers of a forced ending, as the OpenAPI document describes them.
#[derive(Debug, utoipa::IntoResponses)]
#[expect(
    dead_code,
    reason = "describes the answers in the OpenAPI document; never built"
)]
pub(crate) enum ForcedAnswers {
    /// Ended
    #[response(status = 200)]
    Ended(Forced),
    /// Not a GUID, or not a step of this operation
    #[response(status = 400)]
    BadRequest(ControlErrorBody),
    /// No such operation
    #[response(status = 404)]
    NotFound(ControlErrorBody),
    /// It had already ended
    #[response(status = 409)]
    Conflict(ControlErrorBody),
}

/// Ends the running operation `id` as `how` says.
pub(crate) fn end(state: &AppState, id: &str, how: Force) -> Result<()> {
    let id = OperationId::parse(id)?;
    let now = state.now();
    state.change(|w| Ok::<_, ControlError>(force(&mut w.store, id, how, now)?))
}

fn answer(id: String, ended: &'static str) -> Response {
    json(StatusCode::OK, &Forced { id, ended })
}

/// `POST /_mock/operations/{id}/complete`.
#[utoipa::path(
    post,
    path = "/_mock/operations/{id}/complete",
    tag = "control",
    summary = "Complete an operation now",
    params(OperationPath),
    responses(ForcedAnswers, ControlAuth,)
)]
pub(crate) async fn complete(InWorld(state): InWorld, Path(id): Path<String>) -> Result<Response> {
    end(&state, &id, Force::Complete)?;
    Ok(answer(id, "complete"))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Fail {
    #[schema(min_length = 1)]
    step: String,
    message: Option<String>,
}

/// `POST /_mock/operations/{id}/fail` with `{"step": "live", "message": "…"}`.
#[utoipa::path(
    post,
    path = "/_mock/operations/{id}/fail",
    tag = "control",
    summary = "Fail an operation now at a step",
    params(OperationPath),
    request_body(content = Fail, content_type = "application/json"),
    responses(
        ForcedAnswers,
        ControlAuth,
    )
)]
pub(crate) async fn fail(
    InWorld(state): InWorld,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let Fail { step, message } = parse(&body)?;
    let message = message.unwrap_or_else(|| format!("The operation failed at step '{step}'."));
    end(&state, &id, Force::Fail { step, message })?;
    Ok(answer(id, "failed"))
}

/// `POST /_mock/operations/{id}/cancel`.
#[utoipa::path(
    post,
    path = "/_mock/operations/{id}/cancel",
    tag = "control",
    summary = "Cancel an operation now",
    params(OperationPath),
    responses(ForcedAnswers, ControlAuth,)
)]
pub(crate) async fn cancel(InWorld(state): InWorld, Path(id): Path<String>) -> Result<Response> {
    end(&state, &id, Force::Cancel)?;
    Ok(answer(id, "canceled"))
}
