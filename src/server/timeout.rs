//! The request timeout for request lines and headers, kept per connection rather than per
//! request: a connection that receives no complete request head, answers nothing and has no
//! request in hand for the whole timeout is closed. A client that trickles its headers, or
//! holds an idle keep-alive connection, is dropped after the timeout (to 1¼ × it: the check
//! runs four times per timeout); one that reads a long answer slowly, or waits on a slow
//! route, is not.
//!
//! hyper's own header-read timeout does this with a timer armed for every request, about 4 %
//! of what a request cost. Here each connection has one interval, and a request costs a few
//! uncontended atomic operations.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, MissedTickBehavior};

/// What one connection has done lately.
#[derive(Debug, Default)]
pub(crate) struct Activity {
    /// Bumped by every request head received, every request answered and every write.
    progress: AtomicU64,
    /// Requests being answered.
    busy: AtomicU64,
}

impl Activity {
    /// A request head has arrived: the connection is busy until the returned guard is dropped.
    pub(crate) fn request(self: &Arc<Self>) -> Busy {
        self.progress.fetch_add(1, Ordering::Relaxed);
        self.busy.fetch_add(1, Ordering::Relaxed);
        Busy(Arc::clone(self))
    }

    /// Resolves once the connection has made no progress and had no request in hand for
    /// `timeout` (checked every quarter of it).
    pub(crate) async fn stalled(&self, timeout: Duration) {
        let tick = (timeout / 4).max(Duration::from_millis(1));
        let mut ticks = tokio::time::interval_at(Instant::now() + tick, tick);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let (mut seen, mut quiet) = (0, 0);
        loop {
            ticks.tick().await;
            let progress = self.progress.load(Ordering::Relaxed);
            if progress != seen || self.busy.load(Ordering::Relaxed) > 0 {
                (seen, quiet) = (progress, 0);
            } else {
                quiet += 1;
                if quiet == 4 {
                    return;
                }
            }
        }
    }
}

/// A request in hand (see [`Activity::request`]).
#[derive(Debug)]
pub(crate) struct Busy(Arc<Activity>);

impl Drop for Busy {
    /// The end of a request is progress too: the timeout runs from it.
    fn drop(&mut self) {
        self.0.progress.fetch_add(1, Ordering::Relaxed);
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A connection's socket that counts its writes as progress.
#[derive(Debug)]
pub(crate) struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl Watched {
    pub(crate) fn new(stream: TcpStream, activity: Arc<Activity>) -> Self {
        Self { stream, activity }
    }

    fn wrote(&self, written: &Poll<io::Result<usize>>) {
        if matches!(written, Poll::Ready(Ok(n)) if *n > 0) {
            self.activity.progress.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.wrote(&written);
        written
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.wrote(&written);
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt as _;
    use tokio::net::TcpListener;

    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(60);

    /// How long `stalled` takes to resolve, if it does within an hour.
    async fn stalled_after(activity: &Activity) -> Option<Duration> {
        let started = Instant::now();
        tokio::time::timeout(Duration::from_secs(3600), activity.stalled(TIMEOUT))
            .await
            .ok()
            .map(|()| started.elapsed())
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_connection_stalls_after_the_timeout_to_a_quarter_more() {
        let after = stalled_after(&Activity::default()).await.expect("stalls");

        assert!(after >= TIMEOUT && after <= TIMEOUT * 5 / 4, "{after:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_in_hand_keeps_it_open_and_the_timeout_runs_from_its_end() {
        let activity = Arc::new(Activity::default());
        let busy = activity.request();
        let watching = activity.clone();
        let watch = tokio::spawn(async move { stalled_after(&watching).await });

        tokio::time::sleep(TIMEOUT * 3).await;
        assert!(!watch.is_finished());
        drop(busy);
        let after = watch.await.expect("watched").expect("stalls");

        assert!(
            after >= TIMEOUT * 4 && after <= TIMEOUT * 4 + TIMEOUT * 5 / 4,
            "{after:?}"
        );
    }

    #[tokio::test]
    async fn every_write_is_progress() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let client = TcpStream::connect(listener.local_addr().expect("an address"));
        let (client, accepted) = tokio::join!(client, listener.accept());
        let (stream, _) = accepted.expect("accepts");
        let _client = client.expect("connects");
        let activity = Arc::new(Activity::default());
        let mut watched = Watched::new(stream, activity.clone());

        watched
            .write_all(b"HTTP/1.1 200 OK\r\n")
            .await
            .expect("written");
        watched.flush().await.expect("flushed");

        assert_eq!(activity.progress.load(Ordering::Relaxed), 1);
        assert_eq!(activity.busy.load(Ordering::Relaxed), 0);
    }
}
