//! Stop signals, listened for from the moment they are asked for: a command
//! asks before it prints the banner that invites them, so a signal sent
//! right after the banner is never lost to the default action (which would
//! kill the process without its clean stop).

use std::future::Future;
use std::pin::Pin;

use futures::FutureExt as _;

/// A future that completes on Ctrl-C (SIGINT) and, when `sigterm` is set
/// and the platform has it, on SIGTERM. Both handlers are installed before
/// this returns. Must be called inside a Tokio runtime. If a handler cannot
/// be installed, that signal is simply never seen.
pub fn stop_requested(sigterm: bool) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    let mut ctrl_c = Box::pin(tokio::signal::ctrl_c());
    // The first poll installs the SIGINT handler.
    let first = (&mut ctrl_c).now_or_never();
    #[cfg(unix)]
    let term = sigterm
        .then(|| tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok())
        .flatten();
    #[cfg(not(unix))]
    let _ = sigterm;
    Box::pin(async move {
        let ctrl_c = async move {
            match first {
                Some(Ok(())) => {}
                // No SIGINT handler: wait for the other signal only.
                Some(Err(_)) => std::future::pending().await,
                None => {
                    if ctrl_c.await.is_err() {
                        std::future::pending::<()>().await;
                    }
                }
            }
        };
        #[cfg(unix)]
        if let Some(mut term) = term {
            tokio::select! {
                _ = term.recv() => {}
                () = ctrl_c => {}
            }
            return;
        }
        ctrl_c.await;
    })
}
