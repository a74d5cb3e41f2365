//! Starting and stopping in-process.

use std::time::Duration;

use crate::helpers::{spawn_app, test_config};
use cloudpartner_mock::MockServer;

#[tokio::test]
async fn two_servers_get_two_ports_on_loopback() {
    let a = MockServer::start(test_config()).await.expect("starts");
    let b = MockServer::start(test_config()).await.expect("starts");

    assert_ne!(a.addr(), b.addr());
    assert!(a.addr().ip().is_loopback());
    assert_eq!(a.base_url(), format!("http://{}", a.addr()));
}

#[tokio::test]
async fn after_shutdown_the_port_refuses_connections() {
    let app = spawn_app().await;
    let url = app.url("/api/nothing");
    assert_eq!(
        app.client
            .get(&url)
            .send()
            .await
            .expect("answered")
            .status(),
        404
    );

    tokio::time::timeout(Duration::from_secs(5), app.server.shutdown())
        .await
        .expect("shutdown completes");

    let fresh = reqwest::Client::new();
    assert!(fresh.get(&url).send().await.is_err());
}
