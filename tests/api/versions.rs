//! Offer versions count publishes: a PUT keeps the version, a publish takes the draft as the
//! next one, a go-live makes it live; `versions/{n}` reads what was published or declared.

use serde_json::{Value, json};

use crate::helpers::{TestApp, cpp_error, header, json, spawn_app, spawn_app_at_scale};

async fn offer(app: &TestApp, tail: &str) -> reqwest::Response {
    app.get_offer("contoso", "draft-offer", tail).await
}

/// The draft-offer document with a new display text.
async fn edited(app: &TestApp, text: &str) -> Value {
    let mut document = json(offer(app, "").await).await;
    document["definition"]["displayText"] = json!(text);
    let response = app
        .put_offer("contoso", "draft-offer", &document, Some("*"))
        .await;
    assert_eq!(response.status(), 200);
    json(response).await
}

#[tokio::test]
async fn a_put_keeps_the_version_and_a_publish_takes_the_draft_as_the_next_one() {
    let app = spawn_app_at_scale(0.0).await;
    let written = edited(&app, "First edit").await;
    assert_eq!(written["version"], 1);

    let publish = app
        .post_offer("contoso", "draft-offer", "/publish", None)
        .await;
    assert_eq!(publish.status(), 202);
    let operation = json(app.get(&header(&publish, "location")).await).await;

    assert_eq!(operation["offerVersion"], 2);
    assert_eq!(json(offer(&app, "").await).await["version"], 2);
    let published = json(offer(&app, "/versions/2").await).await;
    assert_eq!(published["version"], 2);
    assert_eq!(published["definition"]["displayText"], "First edit");

    // An edit after the publish changes the draft, not version 2.
    let later = edited(&app, "Second edit").await;
    assert_eq!(later["version"], 2);
    let still = json(offer(&app, "/versions/2").await).await;
    assert_eq!(still["definition"]["displayText"], "First edit");
    assert_eq!(
        json(offer(&app, "/slot/preview").await).await["definition"]["displayText"],
        "First edit"
    );

    // Going live makes version 2 live; the edit waits in the draft.
    let golive = app.go_live("contoso", "draft-offer").await;
    assert_eq!(golive.status(), 202);
    let operation = json(app.get(&header(&golive, "location")).await).await;
    assert_eq!(operation["offerVersion"], 2);
    let live = json(offer(&app, "/slot/production").await).await;
    assert_eq!(live["version"], 2);
    assert_eq!(live["definition"]["displayText"], "First edit");

    // Publishing the edit makes version 3.
    let again = app
        .post_offer("contoso", "draft-offer", "/publish", None)
        .await;
    let operation = json(app.get(&header(&again, "location")).await).await;
    assert_eq!(operation["offerVersion"], 3);
    let third = json(offer(&app, "/versions/3").await).await;
    assert_eq!(third["definition"]["displayText"], "Second edit");
}

#[tokio::test]
async fn versions_are_those_published_here_or_declared_by_the_fixture() {
    let app = spawn_app().await;

    // draft-offer declares version 1 and was never published.
    let declared = offer(&app, "/versions/1").await;
    let next = offer(&app, "/versions/2").await;
    // An offer a PUT created has published nothing.
    let mut document = json(offer(&app, "").await).await;
    document["id"] = json!("brand-new");
    assert_eq!(
        app.put_offer("contoso", "brand-new", &document, None)
            .await
            .status(),
        200
    );
    let created = app.get_offer("contoso", "brand-new", "/versions/1").await;

    assert_eq!(declared.status(), 200);
    assert_eq!(cpp_error(next).await.0, 404);
    assert_eq!(cpp_error(created).await.0, 404);
    assert_eq!(
        json(app.get_offer("contoso", "brand-new", "").await).await["version"],
        1
    );
}

#[tokio::test]
async fn a_publish_after_an_edit_is_not_the_running_publish() {
    let app = spawn_app().await;
    let first = app
        .post_offer("contoso", "draft-offer", "/publish", None)
        .await;
    let same = app
        .post_offer("contoso", "draft-offer", "/publish", None)
        .await;
    assert_eq!(header(&same, "location"), header(&first, "location"));

    edited(&app, "Changed while publishing").await;
    let (status, code, _) = cpp_error(
        app.post_offer("contoso", "draft-offer", "/publish", None)
            .await,
    )
    .await;

    assert_eq!((status, code.as_str()), (409, "Conflict"));
}
