//! `/_mock/coverage`: a scripted session, and the report of what it exercised and what not.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{header, json, spawn_app_at_scale};

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_report_says_what_a_session_exercised_and_what_it_never_did() {
    let app = spawn_app_at_scale(0.0).await;
    let location = app.go_live_location("contoso", "ready-to-go-live").await;
    let polled = app.get(&location).await;
    let published = app
        .post_offer("contoso", "draft-offer", "/publish", None)
        .await;
    let refused = app.go_live("contoso", "publish-failed").await;
    let unknown = app.get("/api/nothing?api-version=2017-10-31").await;

    let report = json(app.control(Method::GET, "/_mock/coverage", None).await).await;
    let page = app.control(Method::GET, "/_mock/coverage.html", None).await;

    assert_eq!(
        (
            polled.status().as_u16(),
            published.status().as_u16(),
            refused.status().as_u16(),
            unknown.status().as_u16()
        ),
        (200, 202, 400, 404)
    );
    assert_eq!(report["world"], "default");
    assert_eq!(report["requests"], 5);
    assert_eq!(report["complete"], true);
    let endpoints = report["endpoints"].as_array().expect("endpoints");
    let golive = endpoints
        .iter()
        .find(|e| {
            e["method"] == "POST"
                && e["path"] == "/api/publishers/{publisherId}/offers/{offerId}/golive"
        })
        .expect("go-live is listed");
    assert_eq!(golive["requests"], 2);
    assert_eq!(strings(&golive["statuses"]["seen"]), ["202", "400"]);
    assert!(
        strings(&golive["statuses"]["notSeen"]).contains(&"409"),
        "{golive}"
    );
    assert_eq!(
        strings(&golive["reasonsSeen"]),
        ["lifecycle.nothing-in-preview"]
    );
    let never_called = endpoints
        .iter()
        .find(|e| e["method"] == "GET" && e["path"] == "/api/offerTypes")
        .expect("offer types are listed");
    assert_eq!(never_called["requests"], 0);
    let reasons = strings(&report["reasons"]["seen"]);
    for reason in ["lifecycle.nothing-in-preview", "route.unknown"] {
        assert!(reasons.contains(&reason), "{reasons:?}");
    }
    assert!(strings(&report["reasons"]["notSeen"]).contains(&"etag.stale"));
    assert_eq!(
        strings(&report["transitions"]["seen"]),
        [
            "draft→publishing",
            "publishing→preview",
            "preview→going-live",
            "going-live→live"
        ]
    );
    assert!(strings(&report["transitions"]["notSeen"]).contains(&"going-live→failed"));
    assert_eq!(strings(&report["outcomes"]["seen"]), ["complete"]);
    assert_eq!(
        strings(&report["outcomes"]["notSeen"]),
        ["failed", "canceled"]
    );
    assert_eq!(page.status(), 200);
    assert!(header(&page, "content-type").starts_with("text/html"));
    let page = page.text().await.expect("a page");
    assert!(page.contains("Coverage of world default") && page.contains("going-live→live"));
    assert!(
        !page.contains("<script") && !page.contains("http"),
        "self-contained"
    );
}
