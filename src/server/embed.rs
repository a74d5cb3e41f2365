//! The in-process server: [`MockServer`] starts it, [`RunningServer`] is the handle.
//!
//! By default the server runs on a thread and a Tokio runtime of its own, so that the test
//! that started it may block its own thread (a blocking HTTP client, `std::process::Command`
//! running the tool under test) without starving the server, whatever runtime the test has,
//! if any. Dropping the handle stops the server; its runtime is shut down on its own thread.

use std::io;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::{Launched, StartError, launch};
use crate::config::Config;
use crate::control::Control;

/// How many worker threads the runtime of an in-process server has: enough for a test's
/// concurrent requests, few enough for many servers in one test binary.
const WORKERS: usize = 2;

/// Entry point for running cloudpartner-mock in-process.
#[derive(Debug)]
pub struct MockServer;

impl MockServer {
    /// Loads the fixtures, binds `config.host:config.port` (port 0 picks a free one) and
    /// serves on a thread and runtime of its own. The server accepts connections when this
    /// returns; a broken fixture means no server. Works from any runtime, and the caller may
    /// block its thread while the server answers.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), cloudpartner_mock::StartError> {
    /// use cloudpartner_mock::{Config, MockServer};
    /// let server = MockServer::start(Config::for_tests()).await?;
    /// println!("CPP at {}", server.base_url());
    /// server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn start(config: Config) -> Result<RunningServer, StartError> {
        let (report, started) = oneshot::channel();
        let thread = spawn_thread(config, move |result| {
            let _ = report.send(result);
        })?;
        let started = started.await.map_err(|_| thread_ended())?;
        Ok(RunningServer::on_thread(started?, thread))
    }

    /// [`MockServer::start`] for code without a runtime (a plain `#[test]`).
    ///
    /// ```no_run
    /// # fn main() -> Result<(), cloudpartner_mock::StartError> {
    /// use cloudpartner_mock::{Config, MockServer};
    /// let server = MockServer::start_blocking(Config::for_tests())?;
    /// let health = format!("{}/_mock/health", server.base_url());
    /// # let _ = health;
    /// server.shutdown_blocking();
    /// # Ok(()) }
    /// ```
    pub fn start_blocking(config: Config) -> Result<RunningServer, StartError> {
        let (report, started) = mpsc::channel();
        let thread = spawn_thread(config, move |result| {
            let _ = report.send(result);
        })?;
        let started = started.recv().map_err(|_| thread_ended())?;
        Ok(RunningServer::on_thread(started?, thread))
    }

    /// Serves on the caller's own Tokio runtime, with no thread of its own: for a program
    /// whose `main` runs the server (the `cloudpartner-mock` binary does). A caller that
    /// blocks its runtime's threads stops the server too; tests should use
    /// [`MockServer::start`].
    pub async fn start_on_current_runtime(config: Config) -> Result<RunningServer, StartError> {
        let launched = launch(config).await?;
        Ok(RunningServer {
            addr: launched.addr,
            https_addr: launched.https_addr,
            control: launched.control,
            stop: Some(launched.stop),
            end: End::Task(Some(launched.task)),
        })
    }
}

/// What the server's thread sends back once it is listening (or why it is not).
struct Started {
    addr: SocketAddr,
    https_addr: Option<SocketAddr>,
    control: Control,
    stop: oneshot::Sender<()>,
    ended: oneshot::Receiver<()>,
}

/// Starts the server's thread: it builds a runtime, launches the server on it, reports, and
/// serves until told to stop; then the runtime is dropped there.
fn spawn_thread(
    config: Config,
    report: impl FnOnce(Result<Started, StartError>) + Send + 'static,
) -> Result<thread::JoinHandle<()>, StartError> {
    thread::Builder::new()
        .name("cloudpartner-mock".to_owned())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .thread_name("cloudpartner-mock-worker")
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => return report(Err(StartError::Runtime(e))),
            };
            runtime.block_on(async move {
                let Launched {
                    addr,
                    https_addr,
                    control,
                    stop,
                    task,
                } = match launch(config).await {
                    Ok(launched) => launched,
                    Err(e) => return report(Err(e)),
                };
                let (end, ended) = oneshot::channel();
                report(Ok(Started {
                    addr,
                    https_addr,
                    control,
                    stop,
                    ended,
                }));
                log_end(task.await);
                let _ = end.send(());
            });
        })
        .map_err(StartError::Runtime)
}

fn thread_ended() -> StartError {
    StartError::Runtime(io::Error::other(
        "the server's thread ended before it started",
    ))
}

fn log_end(ended: Result<io::Result<()>, tokio::task::JoinError>) {
    match ended {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "server ended with an error"),
        Err(e) => tracing::error!(error = %e, "server task failed"),
    }
}

/// A server started by [`MockServer`]. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    https_addr: Option<SocketAddr>,
    control: Control,
    stop: Option<oneshot::Sender<()>>,
    end: End,
}

/// How the end of the server is awaited.
#[derive(Debug)]
enum End {
    /// Its own thread: a signal once the server ended, then the thread drops the runtime.
    Thread {
        ended: Option<oneshot::Receiver<()>>,
        thread: Option<thread::JoinHandle<()>>,
    },
    /// The caller's runtime.
    Task(Option<JoinHandle<io::Result<()>>>),
}

impl RunningServer {
    fn on_thread(started: Started, thread: thread::JoinHandle<()>) -> Self {
        RunningServer {
            addr: started.addr,
            https_addr: started.https_addr,
            control: started.control,
            stop: Some(started.stop),
            end: End::Thread {
                ended: Some(started.ended),
                thread: Some(thread),
            },
        }
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address of the HTTPS listener, when `https_port` asked for one.
    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.https_addr
    }

    /// The control plane, called in-process (the same as the `/_mock` endpoints); callable
    /// from any thread, with or without a runtime.
    pub fn control(&self) -> &Control {
        &self.control
    }

    /// `http://{addr}`, with no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets in-flight requests finish, and returns when the server ended.
    pub async fn shutdown(mut self) {
        self.send_stop();
        match &mut self.end {
            End::Thread { ended, .. } => {
                if let Some(ended) = ended.take() {
                    let _ = ended.await;
                }
            }
            End::Task(task) => {
                if let Some(task) = task.take() {
                    log_end(task.await);
                }
            }
        }
    }

    /// [`RunningServer::shutdown`] for code without a runtime: returns when the server's
    /// thread ended. A server started on the caller's runtime is only told to stop.
    pub fn shutdown_blocking(mut self) {
        self.send_stop();
        if let End::Thread { thread, .. } = &mut self.end {
            if let Some(thread) = thread.take() {
                let _ = thread.join();
            }
        }
    }

    fn send_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for RunningServer {
    /// Tells the server to stop and returns at once: the server drains and its runtime shuts
    /// down on its own thread, so dropping the handle inside an async test is safe.
    fn drop(&mut self) {
        self.send_stop();
    }
}
