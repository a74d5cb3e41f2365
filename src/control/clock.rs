//! The mock's clock over HTTP: read it, move it forward.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::state::{AppState, InWorld};

use super::docs::{ControlAuth, ControlErrorBody};
use super::error::{ControlError, Result, parse};
use crate::reply::json;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClockView {
    now: String,
    /// How far the clock runs ahead of the wall time.
    offset_seconds: f64,
    /// Whether it stands still (`--frozen-clock`) but for advances.
    frozen: bool,
}

pub(crate) fn view(state: &AppState) -> ClockView {
    ClockView {
        now: state.now().to_string(),
        offset_seconds: state.clock().offset().as_secs_f64(),
        frozen: state.clock().is_frozen(),
    }
}

/// Moves the clock forward: operations progress as if that time had passed.
pub(crate) fn advance(state: &AppState, by: Duration) -> Result<ClockView, crate::state::Unsaved> {
    state.clock().advance(by);
    // The offset is saved with the store.
    state.change(|w| {
        w.store.clock_moved();
        Ok(view(state))
    })
}

/// `GET /_mock/clock`.
#[utoipa::path(
    get,
    path = "/_mock/clock",
    tag = "control",
    summary = "Read the clock",
    responses(
        (status = 200, description = "The mock's time", body = ClockView),
        ControlAuth,
    )
)]
pub(crate) async fn get_clock(InWorld(state): InWorld) -> Response {
    json(StatusCode::OK, &view(&state))
}

/// The largest single move of the clock: a hundred years.
const MAX_ADVANCE_SECONDS: f64 = 3_153_600_000.0;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Advance {
    /// Up to a hundred years.
    #[schema(minimum = 0.0, maximum = 3_153_600_000.0)]
    seconds: f64,
}

/// `POST /_mock/clock/advance` with `{"seconds": 3600}`.
#[utoipa::path(
    post,
    path = "/_mock/clock/advance",
    tag = "control",
    summary = "Move the clock forward",
    request_body(content = Advance, content_type = "application/json"),
    responses(
        (status = 200, description = "The clock, moved", body = ClockView),
        (status = 400, description = "Not a duration", body = ControlErrorBody),
        ControlAuth,
    )
)]
pub(crate) async fn post_advance(InWorld(state): InWorld, body: Bytes) -> Result<Response> {
    let Advance { seconds } = parse(&body)?;
    if !(0.0..=MAX_ADVANCE_SECONDS).contains(&seconds) {
        return Err(ControlError::BadRequest(format!(
            "seconds: {seconds} is not between 0 and {MAX_ADVANCE_SECONDS} (a hundred years)."
        )));
    }
    let by = Duration::from_secs_f64(seconds);
    Ok(json(StatusCode::OK, &advance(&state, by)?))
}
