//! The HTTP/1.1 server loop: poem's endpoints on hyper, with the limits poem's `Server` does not
//! expose. A client gets `header_read_timeout` to send its headers (hyper's timer; this also ends
//! kept-alive connections that idle that long), a connection that moves no byte either way for
//! [`INACTIVITY`] is closed (a client that stops reading its answer), and at most
//! `max_connections` are served at once: the rest wait in the kernel's listen queue. Each
//! connection is a task on the runtime, never a thread of its own. Body deadlines are
//! [`crate::web::BodyReadTimeout`]'s.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use poem::endpoint::BoxEndpoint;
use poem::http::uri::Scheme;
use poem::listener::{Acceptor, TcpAcceptor};
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Endpoint, Response};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc, watch};

use crate::config::Settings;

/// A connection on which nothing was read or written for this long is closed.
pub const INACTIVITY: Duration = Duration::from_secs(60);
/// Requests in flight at shutdown get this long to finish.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub header_read: Duration,
    pub inactivity: Duration,
    pub max_connections: usize,
}

impl From<&Settings> for ConnectionLimits {
    fn from(s: &Settings) -> Self {
        Self {
            header_read: Duration::from_secs(u64::from(s.header_read_timeout_secs)),
            inactivity: INACTIVITY,
            max_connections: s.max_connections as usize,
        }
    }
}

type App = Arc<BoxEndpoint<'static, Response>>;

/// Serves until `shutdown` resolves, then lets requests in flight finish (up to [`SHUTDOWN_GRACE`]).
pub async fn serve(
    mut acceptor: TcpAcceptor,
    app: App,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = watch::channel(());
    // Every connection task holds a sender; `recv` answers `None` once all have ended.
    let (open_tx, mut open_rx) = mpsc::channel::<()>(1);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
        };
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            accepted = acceptor.accept() => accepted,
        };
        let (io, local, remote, scheme) = match accepted {
            Ok(conn) => conn,
            Err(err) => {
                // Out of file descriptors, typically: back off instead of spinning.
                tracing::warn!(error = %err, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let app = app.clone();
        let stop = stop_rx.clone();
        let open = open_tx.clone();
        tokio::spawn(async move {
            serve_connection(
                io,
                Peer {
                    local,
                    remote,
                    scheme,
                },
                app,
                limits,
                stop,
            )
            .await;
            drop(permit);
            drop(open);
        });
    }
    drop(acceptor);
    tracing::info!("no longer accepting connections; finishing requests in flight");
    drop(stop_tx);
    drop(open_tx);
    if tokio::time::timeout(SHUTDOWN_GRACE, open_rx.recv())
        .await
        .is_err()
    {
        tracing::warn!(
            grace_secs = SHUTDOWN_GRACE.as_secs(),
            "connections still open after the grace period are dropped"
        );
    }
    Ok(())
}

/// Who a connection is between, as poem's requests carry it.
struct Peer {
    local: LocalAddr,
    remote: RemoteAddr,
    scheme: Scheme,
}

async fn serve_connection(
    io: TcpStream,
    peer: Peer,
    app: App,
    limits: ConnectionLimits,
    mut stop: watch::Receiver<()>,
) {
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let app = app.clone();
        let request = poem::Request::from((
            req,
            peer.local.clone(),
            peer.remote.clone(),
            peer.scheme.clone(),
        ));
        async move {
            let resp: hyper::Response<_> = app.get_response(request).await.into();
            Ok::<_, Infallible>(resp)
        }
    });
    let _ = io.set_nodelay(true);
    let activity = Activity::new();
    let io = Watched {
        inner: io,
        activity: activity.clone(),
    };
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let mut check = tokio::time::interval(limits.inactivity / 4);
    let mut stopping = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = stop.changed(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
            _ = check.tick() => {
                if activity.idle_for() >= limits.inactivity {
                    tracing::debug!("closing a connection that moved no data");
                    return;
                }
            }
        }
    }
}

/// When a connection last moved data, in milliseconds since it was accepted.
#[derive(Clone)]
struct Activity {
    since: Instant,
    last_ms: Arc<AtomicU64>,
}

impl Activity {
    fn new() -> Self {
        Self {
            since: Instant::now(),
            last_ms: Arc::new(AtomicU64::new(0)),
        }
    }
    fn touch(&self) {
        self.last_ms
            .store(self.since.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
    fn idle_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.since.elapsed().saturating_sub(last)
    }
}

/// A socket that records when it last moved data.
struct Watched {
    inner: TcpStream,
    activity: Activity,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        poll
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        poll
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        poll
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
