//! The server shell both simulators run in: an axum app on a loopback listener that
//! stops on `shutdown` or drop.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use rand::Rng as _;
use rand::distr::Alphanumeric;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long a simulator's `shutdown` waits for open connections to finish.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running server task and the switch that stops it.
#[derive(Debug)]
pub(crate) struct Server {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `app` on `listener` (bound to `addr`) on the current tokio runtime;
    /// `name` (`zoom`, `azure`) labels the log line if serving fails.
    pub fn spawn(listener: TcpListener, addr: SocketAddr, app: Router, name: &'static str) -> Self {
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
            if let Err(error) = served {
                tracing::warn!(%error, "{name} simulator stopped with an error");
            }
        });
        Server {
            addr,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections and lets in-flight requests finish, waiting at most
    /// [`SHUTDOWN_GRACE`] before cutting the remaining connections.
    pub async fn shutdown(mut self) {
        self.stop();
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A random alphanumeric client secret of `len` characters.
pub(crate) fn random_secret(len: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_server_answers_until_shut_down() -> std::io::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = Server::spawn(listener, addr, Router::new(), "test");
        assert_eq!(server.base_url(), format!("http://{addr}"));
        assert_eq!(server.local_addr(), addr);
        assert!(tokio::net::TcpStream::connect(addr).await.is_ok());
        server.shutdown().await;
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
        Ok(())
    }

    #[test]
    fn secrets_have_the_asked_length() {
        let secret = random_secret(40);
        assert_eq!(secret.len(), 40);
        assert!(secret.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
