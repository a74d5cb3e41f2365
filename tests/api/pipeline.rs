//! The whole pipeline, as a publisher's tool runs it: read, update with the ETag, publish,
//! wait for preview, check sign-off, go live, wait, check — over HTTP, host + `Location`.

use reqwest::Client;
use serde_json::{Value, json};

use crate::helpers::{API_VERSION, spawn_app};

/// A minimal CPP client, written the way azure-img-utils and mash are: it knows the host and
/// builds every URL itself; operation URLs are `host + Location`.
struct Client2017 {
    host: String,
    http: Client,
}

impl Client2017 {
    fn offer_url(&self, tail: &str) -> String {
        format!(
            "{}/api/publishers/fabrikam/offers/fabrikam-linux{tail}?{API_VERSION}",
            self.host
        )
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> reqwest::Response {
        request
            .header("Authorization", "Bearer pipeline-token")
            .header("Accept", "application/json")
            .send()
            .await
            .expect("answered")
    }

    /// GET of `…/offers/fabrikam-linux{tail}` as JSON.
    async fn get_json(&self, tail: &str) -> Value {
        self.send(self.http.get(self.offer_url(tail)))
            .await
            .json()
            .await
            .expect("JSON")
    }

    /// Polls `host + location` until the operation is no longer running; returns it. Between
    /// polls, where a real client sleeps, the test moves the mock's clock a second.
    async fn wait(&self, location: &str) -> Value {
        for _ in 0..300 {
            let operation: Value = self
                .send(self.http.get(format!("{}{location}", self.host)))
                .await
                .json()
                .await
                .expect("JSON");
            if operation["status"] != "running" {
                return operation;
            }
            let advanced = self
                .http
                .post(format!("{}/_mock/clock/advance", self.host))
                .json(&serde_json::json!({"seconds": 1}))
                .send()
                .await
                .expect("answered");
            assert_eq!(advanced.status(), 200);
        }
        panic!("the operation at {location} was still running after 300 polls");
    }
}

#[tokio::test]
async fn a_whole_publish_and_go_live_pipeline_runs_as_a_real_client_would() {
    // Publish takes 10 s and go-live 5 s of the mock's clock, which `wait` moves on.
    let app = spawn_app().await;
    let client = Client2017 {
        host: app.base_url.clone(),
        http: Client::new(),
    };

    // GET the offer, keeping its ETag.
    let response = client.send(client.http.get(client.offer_url(""))).await;
    assert_eq!(response.status(), 200);
    let etag = response.headers()["etag"]
        .to_str()
        .expect("text")
        .to_owned();
    let mut offer: Value = response.json().await.expect("JSON");
    assert_eq!(offer["version"], 4);

    // PUT a new image version with If-Match: the ETag.
    offer["definition"]["plans"][0]["microsoft-azure-corevm.vmImagesPublicAzure"]["2024.03.15"] = json!({
        "osVhdUrl": "https://fabrikamimages.blob.core.windows.net/vhds/fabrikam-linux-20240315.vhd",
        "label": "Fabrikam Linux 2024.03.15",
        "mediaName": "fabrikam-linux-v20240315",
        "publishedDate": "03/15/2024",
        "showInGui": true,
        "lunVhdDetails": []
    });
    let response = client
        .send(
            client
                .http
                .put(client.offer_url(""))
                .header("If-Match", &etag)
                .json(&offer),
        )
        .await;
    assert_eq!(response.status(), 200);

    // Publish, then wait on host + Location until it ends.
    let response = client
        .send(
            client
                .http
                .post(client.offer_url("/publish"))
                .json(&json!({"metadata": {"notification-emails": "release@fabrikam.com"}})),
        )
        .await;
    assert_eq!(response.status(), 202);
    let location = response.headers()["location"]
        .to_str()
        .expect("text")
        .to_owned();
    let publish = client.wait(&location).await;
    assert_eq!(publish["status"], "complete");
    assert_eq!(publish["offerVersion"], 5);

    // The status page says sign-off is waiting.
    let status = client.get_json("/status").await;
    assert_eq!(status["status"], "running");
    let signoff = status["steps"]
        .as_array()
        .and_then(|s| {
            s.iter()
                .find(|step| step["stepName"] == "publisher-signoff")
        })
        .expect("a sign-off step");
    assert_eq!(signoff["status"], "waitingForPublisherReview");

    // Go live and wait.
    let response = client
        .send(client.http.post(client.offer_url("/golive")))
        .await;
    assert_eq!(response.status(), 202);
    let location = response.headers()["location"]
        .to_str()
        .expect("text")
        .to_owned();
    let go_live = client.wait(&location).await;
    assert_eq!(go_live["status"], "complete");
    assert_eq!(go_live["submissionType"], "goLive");

    // The offer has succeeded and shows the new version, live.
    let status = client.get_json("/status").await;
    assert_eq!(status["status"], "succeeded");
    let offer = client.get_json("").await;
    assert_eq!(offer["version"], 5);
    assert_eq!(offer["status"], "succeeded");
    let images = &offer["definition"]["plans"][0]["microsoft-azure-corevm.vmImagesPublicAzure"];
    assert!(images.get("2024.03.15").is_some(), "{images}");
    let production = client.get_json("/slot/production").await;
    assert_eq!(production["version"], 5);
    assert_eq!(production["definition"], offer["definition"]);
}
