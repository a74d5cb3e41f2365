//! The benchmark's calibration server: answers the benchmark's three requests with the bytes
//! cloudpartner-mock answers them with, and does nothing else — what a hyper server on this
//! machine can do at best.
//!
//! Usage: bare-hyper PORT DIR, where DIR holds the captured answers `golive.head`,
//! `unauthorized.head` + `unauthorized.body`, `poll.head` + `poll.body` (head: the header
//! lines `name: value`, one per line, status on the first line).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// A captured answer: status, headers, body.
struct Answer {
    status: StatusCode,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl Answer {
    fn load(dir: &str, name: &str) -> Answer {
        let head = std::fs::read_to_string(format!("{dir}/{name}.head")).expect("a head file");
        let body = std::fs::read(format!("{dir}/{name}.body")).unwrap_or_default();
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.trim().parse::<u16>().ok())
            .and_then(|s| StatusCode::from_u16(s).ok())
            .expect("a status on the first line");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        Answer {
            status,
            headers,
            body: Bytes::from(body),
        }
    }

    fn respond(&self) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::new(self.body.clone()));
        *response.status_mut() = self.status;
        for (name, value) in &self.headers {
            if let (Ok(n), Ok(v)) = (
                hyper::header::HeaderName::try_from(name.as_str()),
                hyper::header::HeaderValue::try_from(value.as_str()),
            ) {
                response.headers_mut().append(n, v);
            }
        }
        response
    }
}

struct Answers {
    golive: Answer,
    unauthorized: Answer,
    poll: Answer,
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args
        .next()
        .and_then(|p| p.parse().ok())
        .expect("usage: bare-hyper PORT DIR");
    let dir = args.next().expect("usage: bare-hyper PORT DIR");
    let answers = Arc::new(Answers {
        golive: Answer::load(&dir, "golive"),
        unauthorized: Answer::load(&dir, "unauthorized"),
        poll: Answer::load(&dir, "poll"),
    });
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .expect("bind");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let answers = answers.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let answers = answers.clone();
                async move {
                    let answer = if request.method() == Method::GET {
                        &answers.poll
                    } else if request.headers().contains_key(hyper::header::AUTHORIZATION) {
                        &answers.golive
                    } else {
                        &answers.unauthorized
                    };
                    Ok::<_, Infallible>(answer.respond())
                }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
