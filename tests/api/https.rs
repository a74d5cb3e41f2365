//! HTTPS interception: the mock as an HTTPS proxy for the hosts it intercepts, with
//! certificates from its own CA; the CA kept across restarts; the direct HTTPS listener.
//! Every connection stays on loopback: the proxy is the mock itself.

use std::time::Duration;

use cloudpartner_mock::{Config, MockServer};
use reqwest::{Certificate, Client, Proxy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{API_VERSION, BEARER, header, json, spawn_app_with, test_config};

/// The mock's CA, as `/_mock/ca.pem` serves it.
async fn ca(base_url: &str) -> Certificate {
    let pem = reqwest::get(format!("{base_url}/_mock/ca.pem"))
        .await
        .expect("answered")
        .bytes()
        .await
        .expect("a body");
    Certificate::from_pem(&pem).expect("a PEM certificate")
}

/// A client that trusts the mock's CA only, and uses the mock as its HTTPS proxy.
async fn proxied(base_url: &str) -> Client {
    Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca(base_url).await)
        .proxy(Proxy::all(base_url).expect("a proxy URL"))
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a client")
}

#[tokio::test]
async fn a_tool_reaches_the_real_cpp_host_through_the_mock_as_its_https_proxy() {
    let app = spawn_app_with(Config {
        // Inside the tunnel the real host wins over the base URL of plain requests.
        public_base_url: Some("http://somewhere-else:1234".to_owned()),
        ..test_config()
    })
    .await;
    let client = proxied(&app.base_url).await;

    let response = client
        .post(format!(
            "https://cloudpartner.azure.com/api/publishers/contoso/offers/ready-to-go-live/golive?{API_VERSION}"
        ))
        .header("Authorization", BEARER)
        .send()
        .await
        .expect("answered through the tunnel");

    assert_eq!(response.status(), 202);
    let location = header(&response, "location");
    assert!(location.starts_with("/api/publishers/contoso/offers/ready-to-go-live/operations/"));
    assert_eq!(
        header(&response, "operation-location"),
        format!("https://cloudpartner.azure.com{location}")
    );
    // What azure-img-utils does next: the real host + Location, through the same proxy.
    let operation = client
        .get(format!("https://cloudpartner.azure.com{location}"))
        .header("Authorization", BEARER)
        .send()
        .await
        .expect("answered");
    assert_eq!(operation.status(), 200);
    assert_eq!(json(operation).await["submissionType"], "goLive");
    // The plain port still answers plain requests with the base URL.
    let plain = app.go_live("contoso", "slow-golive").await;
    assert!(header(&plain, "operation-location").starts_with("http://somewhere-else:1234/api/"));
}

#[tokio::test]
async fn a_connect_to_a_host_the_mock_does_not_intercept_is_refused_with_403() {
    let app = spawn_app_with(test_config()).await;
    let mut stream = TcpStream::connect(app.server.addr())
        .await
        .expect("connects");

    stream
        .write_all(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
        .await
        .expect("sent");
    let mut answer = vec![0; 4096];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("an answer in time")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer[..read]);

    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("example.com:443"), "{answer}");
    assert!(answer.contains("--intercept-host"), "{answer}");
}

#[tokio::test]
async fn plain_absolute_form_requests_to_the_real_host_are_served() {
    let app = spawn_app_with(test_config()).await;
    let client = Client::builder()
        .proxy(Proxy::http(&app.base_url).expect("a proxy URL"))
        .build()
        .expect("a client");

    let response = client
        .get(format!(
            "http://cloudpartner.azure.com/api/publishers/contoso/offers/draft-offer?{API_VERSION}"
        ))
        .header("Authorization", BEARER)
        .send()
        .await
        .expect("answered");

    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await["id"], "draft-offer");
}

#[tokio::test]
async fn the_ca_is_made_once_per_directory_and_kept_across_restarts() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = Config {
        ca_dir: Some(dir.path().to_owned()),
        ..test_config()
    };
    let first = MockServer::start(config.clone()).await.expect("starts");
    let pem = reqwest::get(format!("{}/_mock/ca.pem", first.base_url()))
        .await
        .expect("answered")
        .text()
        .await
        .expect("text");
    first.shutdown().await;

    let second = MockServer::start(config.clone())
        .await
        .expect("starts again");
    let again = reqwest::get(format!("{}/_mock/ca.pem", second.base_url()))
        .await
        .expect("answered")
        .text()
        .await
        .expect("text");

    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    assert_eq!(again, pem);
    assert_eq!(
        cloudpartner_mock::ca_certificate(&config).expect("the CA"),
        pem
    );
    // The key stays in the directory, readable by its owner only, and is never served.
    let key = dir.path().join("ca-key.pem");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key)
            .expect("the key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let key_text = std::fs::read_to_string(&key).expect("the key");
    assert!(!pem.contains(key_text.lines().nth(1).unwrap_or("-")));
}

#[tokio::test]
async fn the_https_listener_presents_the_certificate_of_each_name_it_is_asked_for() {
    let server = MockServer::start(Config {
        https_port: Some(0),
        ..test_config()
    })
    .await
    .expect("starts");
    let https = server.https_addr().expect("an HTTPS listener");
    let port = https.port();
    let client = Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca(&server.base_url()).await)
        .resolve("cloudpartner.azure.com", https)
        .resolve("login.microsoftonline.com", https)
        .resolve("other.example", https)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a client");

    for (host, path) in [
        ("cloudpartner.azure.com", "/_mock/health"),
        (
            "login.microsoftonline.com",
            "/common/v2.0/.well-known/openid-configuration",
        ),
    ] {
        // The client checks that the certificate names the host it asked for.
        let response = client
            .get(format!("https://{host}:{port}{path}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{host}: {e:?}"));
        assert_eq!(response.status(), 200, "{host}");
    }
    let other = client
        .get(format!("https://other.example:{port}/_mock/health"))
        .send()
        .await;
    assert!(other.is_err(), "a name the mock has no certificate for");
    server.shutdown().await;
}

/// Whether a client that trusts only the CA in `ca_dir` takes a leaf for `host` that the CA's
/// key signs (as anyone holding the key could).
fn a_client_takes_a_leaf_signed_by_the_ca(ca_dir: &std::path::Path, host: &str) -> bool {
    use rustls::client::danger::ServerCertVerifier as _;
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

    let ca_pem = std::fs::read_to_string(ca_dir.join("ca.pem")).expect("ca.pem");
    let ca_key = rcgen::KeyPair::from_pem(
        &std::fs::read_to_string(ca_dir.join("ca-key.pem")).expect("ca-key.pem"),
    )
    .expect("the CA's key");
    // The issuer as the mock rebuilds it: its name, with its key.
    let mut params = rcgen::CertificateParams::default();
    let mut name = rcgen::DistinguishedName::new();
    name.push(rcgen::DnType::CommonName, "cloudpartner-mock local CA");
    name.push(rcgen::DnType::OrganizationName, "cloudpartner-mock");
    params.distinguished_name = name;
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
    let ca = params.self_signed(&ca_key).expect("the issuer");
    let leaf_key = rcgen::KeyPair::generate().expect("a key");
    let leaf = rcgen::CertificateParams::new(vec![host.to_owned()])
        .expect("leaf params")
        .signed_by(&leaf_key, &ca, &ca_key)
        .expect("a leaf");

    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).expect("PEM"))
        .expect("a root");
    let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
        std::sync::Arc::new(roots),
        std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
    )
    .build()
    .expect("a verifier");
    verifier
        .verify_server_cert(
            leaf.der(),
            &[],
            &ServerName::try_from(host.to_owned()).expect("a name"),
            &[],
            UnixTime::now(),
        )
        .is_ok()
}

#[tokio::test]
async fn the_ca_it_makes_can_sign_only_for_the_hosts_it_intercepts() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let app = spawn_app_with(Config {
        ca_dir: Some(dir.path().to_owned()),
        ..test_config()
    })
    .await;
    assert_eq!(app.get("/_mock/health").await.status(), 200);
    let ca_dir = dir.path().to_owned();

    let (cpp, login, under, other, bank) = tokio::task::spawn_blocking(move || {
        let takes = |host: &str| a_client_takes_a_leaf_signed_by_the_ca(&ca_dir, host);
        (
            takes("cloudpartner.azure.com"),
            takes("login.microsoftonline.com"),
            takes("a.cloudpartner.azure.com"),
            takes("management.azure.com"),
            takes("bank.example"),
        )
    })
    .await
    .expect("the checking thread");

    assert!(
        cpp && login && under,
        "the intercepted hosts (and names under them)"
    );
    assert!(!other && !bank, "no other site, even with the CA's key");
}

#[tokio::test]
async fn an_intercept_host_its_ca_does_not_cover_stops_start_up_saying_how_to_make_a_new_ca() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let first = spawn_app_with(Config {
        ca_dir: Some(dir.path().to_owned()),
        ..test_config()
    })
    .await;
    first.server.shutdown().await;

    let refused = MockServer::start(Config {
        ca_dir: Some(dir.path().to_owned()),
        intercept_host: vec![
            "cloudpartner.azure.com".to_owned(),
            "other.example".to_owned(),
        ],
        ..test_config()
    })
    .await;

    let Err(error) = refused else {
        panic!("started with a CA that cannot sign for other.example");
    };
    let error = error.to_string();
    assert!(error.contains("other.example"), "{error}");
    assert!(error.contains(&dir.path().display().to_string()), "{error}");
    assert!(error.contains("delete that directory"), "{error}");
}
