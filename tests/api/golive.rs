//! E9 go-live: every answer of the error table, the headers of a 202, and the operation it
//! starts, polled to its end.

use cloudpartner_mock::{Config, OperationLocationStyle, SuccessStatus};
use reqwest::Method;

use crate::helpers::{
    API_VERSION, BEARER, cpp_error, golive_path, header, json, spawn_app, spawn_app_at_scale,
    spawn_app_with, test_config,
};

const GUID_TAIL: usize = 36 + "?api-version=2017-10-31".len();

#[tokio::test]
async fn golive_on_an_offer_waiting_in_preview_returns_202_with_both_headers() {
    let app = spawn_app().await;

    let response = app.go_live("contoso", "ready-to-go-live").await;

    assert_eq!(response.status(), 202);
    let location = header(&response, "location");
    let operation_location = header(&response, "operation-location");
    let prefix = "/api/publishers/contoso/offers/ready-to-go-live/operations/";
    assert!(location.starts_with(prefix), "{location}");
    assert!(location.ends_with("?api-version=2017-10-31"), "{location}");
    assert_eq!(location.len(), prefix.len() + GUID_TAIL, "{location}");
    let id = &location[prefix.len()..prefix.len() + 36];
    let guid = uuid_version(id);
    assert_eq!(guid, Some(4), "{id} is not a v4 GUID");
    // Absolute, on the host the client called: never the real CPP host.
    assert_eq!(operation_location, format!("{}{location}", app.base_url));
    assert_eq!(header(&response, "content-length"), "0");
    assert_eq!(response.text().await.expect("body"), "");
}

/// The version nibble of a hyphenated GUID, if `id` is one.
fn uuid_version(id: &str) -> Option<u32> {
    let groups: Vec<&str> = id.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    if lengths != [8, 4, 4, 4, 12] || !id.replace('-', "").chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    groups[2].chars().next()?.to_digit(16)
}

#[tokio::test]
async fn the_operation_is_the_same_through_location_and_operation_location() {
    let app = spawn_app().await;
    let response = app.go_live("contoso", "ready-to-go-live").await;
    let location = header(&response, "location");
    let operation_location = header(&response, "operation-location");

    // What azure-img-utils and mash do: host + Location.
    let via_location = json(app.get(&location).await).await;
    // What a client of the 2018 docs does: the absolute Operation-Location.
    let via_operation_location = json(app.get_url(&operation_location).await).await;

    assert_eq!(via_location["id"], via_operation_location["id"]);
    assert_eq!(via_location["submissionType"], "goLive");
    assert_eq!(via_operation_location["submissionType"], "goLive");
    assert!(location.contains(via_location["id"].as_str().expect("id")));
}

#[tokio::test]
async fn a_go_live_is_polled_from_running_to_complete() {
    // Default go-live steps take 1 s + 4 s of the mock's clock, which the polls move on.
    let app = spawn_app().await;
    let location = app.go_live_location("contoso", "ready-to-go-live").await;

    let first = json(app.get(&location).await).await;
    assert_eq!(first["status"], "running");
    assert_eq!(first["cancellationRequestState"], "canCancel");
    assert_eq!(first["steps"][0]["id"], "publisher-signoff");
    assert_eq!(first["steps"][0]["status"], "inProgress");

    let answers = app.poll_until_done(&location).await;
    let seen: Vec<&str> = answers
        .iter()
        .map(|a| a["status"].as_str().unwrap_or_default())
        .collect();
    let last = answers.last().expect("answers");

    assert_eq!(last["status"], "complete", "statuses seen: {seen:?}");
    // A second of the mock's clock between polls: 5 s of steps are seen running first.
    assert!(seen.len() >= 5, "statuses seen: {seen:?}");
    assert_eq!(last["cancellationRequestState"], "cannotCancel");
    let steps = last["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 2);
    for step in steps {
        assert_eq!(step["status"], "complete");
        assert_eq!(step["progressPercentage"], 100);
    }
    assert_eq!(steps[1]["id"], "live");
    assert!(last.get("error").is_none());
    // Terminal: further polls answer the same.
    assert_eq!(&json(app.get(&location).await).await, last);
}

#[tokio::test]
async fn a_slow_go_live_reports_its_step_in_progress() {
    let app = spawn_app().await;
    let location = app.go_live_location("contoso", "slow-golive").await;

    let body = json(app.get(&location).await).await;

    assert_eq!(body["status"], "running");
    assert_eq!(body["steps"][0]["status"], "inProgress");
    assert_eq!(body["steps"][0]["estimatedTimeFrame"], "< 1 hour");
    assert_eq!(body["steps"][1]["status"], "notStarted");
    assert_eq!(body["steps"][1]["progressPercentage"], 0);
    assert_eq!(body["createdDateTime"], body["lastActionDateTime"]);
}

#[tokio::test]
async fn a_go_live_the_fixture_fails_ends_failed_with_the_step_rejected() {
    let app = spawn_app_at_scale(0.0).await;
    let location = app.go_live_location("contoso", "golive-fails").await;

    let body = json(app.get(&location).await).await;

    let message = "The offer could not be pushed to production: the plan 'gen1' has no image in a supported region.";
    assert_eq!(body["status"], "failed");
    assert_eq!(body["error"], message);
    assert_eq!(body["steps"][0]["status"], "complete");
    assert_eq!(body["steps"][1]["id"], "live");
    assert_eq!(body["steps"][1]["status"], "rejected");
    assert_eq!(body["steps"][1]["messages"][0]["level"], "error");
    assert_eq!(body["steps"][1]["messages"][0]["messageHtml"], message);
    assert_eq!(body["messages"][0]["messageHtml"], message);
}

#[tokio::test]
async fn a_failed_go_live_leaves_the_version_in_preview_so_it_can_be_retried() {
    let app = spawn_app_at_scale(0.0).await;
    assert_eq!(app.go_live("contoso", "golive-fails").await.status(), 202);

    let retry = app.go_live("contoso", "golive-fails").await;

    assert_eq!(retry.status(), 202);
}

#[tokio::test]
async fn time_scale_zero_completes_a_go_live_at_once_and_the_offer_is_then_live() {
    let app = spawn_app_at_scale(0.0).await;
    let location = app.go_live_location("contoso", "ready-to-go-live").await;

    let body = json(app.get(&location).await).await;
    let again = app.go_live("contoso", "ready-to-go-live").await;

    assert_eq!(body["status"], "complete");
    assert_eq!(body["offerVersion"], 3);
    let (status, code, message) = cpp_error(again).await;
    assert_eq!((status, code.as_str()), (400, "BadRequest"));
    assert!(message.contains("offer status: succeeded"), "{message}");
    assert!(message.contains("version 3 is already live"), "{message}");
}

#[tokio::test]
async fn the_success_status_can_be_spelt_succeeded() {
    let app = spawn_app_with(Config {
        time_scale: 0.0,
        success_status: SuccessStatus::Succeeded,
        ..test_config()
    })
    .await;
    let location = app.go_live_location("contoso", "ready-to-go-live").await;

    let body = json(app.get(&location).await).await;

    assert_eq!(body["status"], "succeeded");
}

#[tokio::test]
async fn golive_with_nothing_waiting_in_preview_returns_400_naming_the_offer_status_and_why() {
    let app = spawn_app().await;
    let cases: [(&str, &[&str]); 4] = [
        (
            "draft-offer",
            &["offer status: neverPublished", "never been published"],
        ),
        (
            "publish-failed",
            &[
                "offer status: failed",
                "the last publish operation '",
                "' failed",
            ],
        ),
        (
            "publish-canceled",
            &["offer status: canceled", "was canceled"],
        ),
        (
            "already-live",
            &["offer status: succeeded", "version 7 is already live"],
        ),
    ];

    for (offer, fragments) in cases {
        let (status, code, message) = cpp_error(app.go_live("contoso", offer).await).await;

        assert_eq!((status, code.as_str()), (400, "BadRequest"), "{offer}");
        assert!(message.contains(&format!("'{offer}'")), "{message}");
        assert!(message.contains("nothing waiting in preview"), "{message}");
        for fragment in fragments {
            assert!(
                message.contains(fragment),
                "{offer}: {fragment:?} not in {message}"
            );
        }
    }
}

#[tokio::test]
async fn golive_while_a_publish_runs_returns_409_naming_the_running_operation() {
    let app = spawn_app().await;

    let (status, code, message) = cpp_error(app.go_live("contoso", "publish-running").await).await;

    assert_eq!((status, code.as_str()), (409, "Conflict"));
    assert!(message.contains("running publish operation '"), "{message}");
    // The named operation exists and is running.
    let id = message
        .split('\'')
        .find(|part| part.len() == 36 && part.matches('-').count() == 4)
        .expect("an operation id in the message");
    let body = json(
        app.get(&format!(
            "/api/publishers/contoso/offers/publish-running/operations/{id}?{API_VERSION}"
        ))
        .await,
    )
    .await;
    assert_eq!(body["status"], "running");
    assert_eq!(body["submissionType"], "publish");
    assert_eq!(body["steps"][1]["id"], "displaycertify");
    assert_eq!(body["steps"][1]["status"], "inProgress");
}

#[tokio::test]
async fn a_second_golive_while_the_first_runs_returns_409_naming_the_first() {
    let app = spawn_app().await;
    let location = app.go_live_location("contoso", "slow-golive").await;

    let (status, code, message) = cpp_error(app.go_live("contoso", "slow-golive").await).await;

    assert_eq!((status, code.as_str()), (409, "Conflict"));
    let first_id = &location[location.len() - GUID_TAIL..location.len() - GUID_TAIL + 36];
    assert!(
        message.contains(&format!("running goLive operation '{first_id}'")),
        "{message}"
    );
}

#[tokio::test]
async fn golive_on_an_unknown_offer_or_publisher_returns_404() {
    let app = spawn_app().await;

    let offer = cpp_error(app.go_live("contoso", "no-such-offer").await).await;
    let publisher = cpp_error(app.go_live("nobody", "ready-to-go-live").await).await;

    assert_eq!((offer.0, offer.1.as_str()), (404, "NotFound"));
    assert!(offer.2.contains("'no-such-offer'"), "{}", offer.2);
    assert_eq!((publisher.0, publisher.1.as_str()), (404, "NotFound"));
    assert!(publisher.2.contains("'nobody'"), "{}", publisher.2);
}

#[tokio::test]
async fn publisher_and_offer_ids_are_matched_ignoring_case_and_echoed_as_stored() {
    let app = spawn_app().await;

    let response = app.go_live("CONTOSO", "Ready-To-Go-Live").await;

    assert_eq!(response.status(), 202);
    let location = header(&response, "location");
    assert!(
        location.starts_with("/api/publishers/contoso/offers/ready-to-go-live/operations/"),
        "{location}"
    );
}

#[tokio::test]
async fn golive_accepts_no_body_null_an_empty_object_or_notification_emails() {
    let app = spawn_app_at_scale(0.0).await;
    let bodies = [
        ("ready-to-go-live", "{}"),
        ("legacy-offer", "null"),
        ("golive-fails", r#"{"metadata":{}}"#),
        (
            "slow-golive",
            r#"{"metadata":{"notification-emails":"a@contoso.com,b@contoso.com"}}"#,
        ),
    ];
    for (offer, body) in bodies {
        let response = app
            .send_as(
                Method::POST,
                &golive_path("contoso", offer),
                Some(BEARER),
                Some(body),
            )
            .await;
        assert_eq!(response.status(), 202, "{offer} with {body}");
    }
}

#[tokio::test]
async fn golive_with_a_malformed_body_returns_400_after_the_offer_was_found() {
    let app = spawn_app().await;

    let malformed = app
        .send_as(
            Method::POST,
            &golive_path("contoso", "ready-to-go-live"),
            Some(BEARER),
            Some("{not json"),
        )
        .await;
    let wrong_type = app
        .send_as(
            Method::POST,
            &golive_path("contoso", "ready-to-go-live"),
            Some(BEARER),
            Some(r#"{"metadata":5}"#),
        )
        .await;
    let unknown_offer = app
        .send_as(
            Method::POST,
            &golive_path("contoso", "no-such-offer"),
            Some(BEARER),
            Some("{not json"),
        )
        .await;

    let (status, code, message) = cpp_error(malformed).await;
    assert_eq!((status, code.as_str()), (400, "BadRequest"));
    assert!(
        message.starts_with("The request body is not valid"),
        "{message}"
    );
    assert_eq!(cpp_error(wrong_type).await.0, 400);
    // 404 comes before the body's syntax (docs/behaviour.md#order-of-checks).
    assert_eq!(cpp_error(unknown_offer).await.0, 404);
    // Nothing was started by the refused calls.
    assert_eq!(
        app.go_live("contoso", "ready-to-go-live").await.status(),
        202
    );
}

#[tokio::test]
async fn a_non_migrated_offer_answers_with_the_dollar_key_location() {
    let app = spawn_app().await;

    let response = app.go_live("contoso", "legacy-offer").await;

    assert_eq!(response.status(), 202);
    let location = header(&response, "location");
    assert_eq!(
        location,
        "/api/operations/contoso$legacy-offer$1$production?api-version=2017-10-31"
    );
    let body = json(app.get(&location).await).await;
    assert_eq!(body["submissionType"], "goLive");
    assert_eq!(body["publishingVersion"], 1);
    // Non-migrated offers still carry notification e-mails (docs/behaviour.md#migrated-and-non-migrated-offers).
    assert_eq!(body["notificationEmails"], "");
    // `$` may also arrive percent-encoded.
    let encoded = json(app.get(&location.replace('$', "%24")).await).await;
    assert_eq!(encoded["id"], body["id"]);
}

#[tokio::test]
async fn operation_location_can_be_relative() {
    let app = spawn_app_with(Config {
        operation_location: OperationLocationStyle::Relative,
        ..test_config()
    })
    .await;

    let response = app.go_live("contoso", "ready-to-go-live").await;

    let location = header(&response, "location");
    assert!(location.starts_with("/api/"), "{location}");
    assert_eq!(header(&response, "operation-location"), location);
}

#[tokio::test]
async fn operation_location_can_be_off() {
    let app = spawn_app_with(Config {
        operation_location: OperationLocationStyle::Off,
        ..test_config()
    })
    .await;

    let response = app.go_live("contoso", "ready-to-go-live").await;

    assert_eq!(response.status(), 202);
    assert!(response.headers().get("operation-location").is_none());
    assert!(header(&response, "location").starts_with("/api/"));
}

#[tokio::test]
async fn operation_location_uses_the_public_base_url_when_set() {
    let app = spawn_app_with(Config {
        public_base_url: Some("http://cppmock:8080".to_owned()),
        ..test_config()
    })
    .await;

    let response = app.go_live("contoso", "ready-to-go-live").await;

    let location = header(&response, "location");
    assert_eq!(
        header(&response, "operation-location"),
        format!("http://cppmock:8080{location}")
    );
}

#[tokio::test]
async fn operation_location_follows_the_host_header_of_the_request() {
    let app = spawn_app().await;

    let response = app
        .authed(Method::POST, &golive_path("contoso", "ready-to-go-live"))
        .header("Host", "cpp.test:9999")
        .send()
        .await
        .expect("answered");

    let location = header(&response, "location");
    assert_eq!(
        header(&response, "operation-location"),
        format!("http://cpp.test:9999{location}")
    );
}

#[tokio::test]
async fn a_body_over_the_limit_returns_413() {
    let app = spawn_app().await;
    let huge = format!(
        "{{\"metadata\":{{\"notification-emails\":\"{}\"}}}}",
        "a".repeat(3 << 20)
    );

    let response = app
        .send_as(
            Method::POST,
            &golive_path("contoso", "ready-to-go-live"),
            Some(BEARER),
            Some(&huge),
        )
        .await;

    let (status, code, _) = cpp_error(response).await;
    assert_eq!((status, code.as_str()), (413, "PayloadTooLarge"));
}
