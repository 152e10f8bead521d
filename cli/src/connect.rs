//! `plugboard instance connect NAME`: the consent flow from a terminal. The
//! authorize URL is printed (and opened on a desktop unless `--no-browser`);
//! the admin allows; the browser is redirected to a listener on loopback
//! (`http://127.0.0.1:PORT/callback`, a port the OS picks unless `--listen`
//! names one), where the callback is judged, the code exchanged and the
//! refresh token sealed into the store.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use axum::extract::{RawQuery, State};
use axum::response::Html;
use axum::routing::get;
use plugboard_host::capabilities::auth::AuthError;
use plugboard_host::host::Host;
use plugboard_host::instance::InstanceError;
use plugboard_host::instance::connect::{begin, finish};
use tokio::sync::{mpsc, oneshot};

/// The callback's path on the loopback listener.
pub const CALLBACK_PATH: &str = "/callback";

/// `instance connect` arguments.
#[derive(Debug, clap::Args)]
pub struct ConnectArgs {
    /// Instance name.
    pub name: String,
    /// The consent-flow auth profile, when the instance's settings select more
    /// than one.
    #[arg(long)]
    pub profile: Option<String>,
    /// Print the authorize URL only; do not open a browser.
    #[arg(long)]
    pub no_browser: bool,
    /// The loopback address the callback listener binds (the app must allow
    /// `http://ADDR/callback` as a redirect URI; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Seconds to wait for the callback.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    pub timeout: u64,
}

type Callback = (Option<String>, oneshot::Sender<Result<(), String>>);

async fn callback(
    State(tx): State<mpsc::Sender<Callback>>,
    RawQuery(query): RawQuery,
) -> Html<String> {
    let (reply, result) = oneshot::channel();
    if tx.send((query, reply)).await.is_err() {
        return Html(page("This connect request is over; run it again.".into()));
    }
    Html(match result.await {
        Ok(Ok(())) => page("Connected. You may close this window.".into()),
        Ok(Err(e)) => page(format!("Not connected: {e}")),
        Err(_) => page("Not connected; see the terminal.".into()),
    })
}

fn page(text: String) -> String {
    let text = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!("<!doctype html><title>Plugboard</title><p>{text}</p>")
}

/// Opens `url` in the desktop's browser, if there is a desktop.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        Some("open")
    } else if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
    {
        Some("xdg-open")
    } else {
        None
    };
    if let Some(cmd) = opener {
        let spawned = std::process::Command::new(cmd)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if let Err(e) = spawned {
            tracing::debug!(%e, "could not open a browser");
        }
    }
}

/// Run `instance connect`.
pub async fn connect(app: &Host, args: ConnectArgs) -> anyhow::Result<()> {
    if !args.listen.ip().is_loopback() {
        return Err(InstanceError::NotLoopback(args.listen.to_string()).into());
    }
    let (_plugin, ctx) = app.open_instance(&args.name).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding the callback listener on {}", args.listen))?;
    let local = listener.local_addr()?;
    let redirect_uri = format!("http://{local}{CALLBACK_PATH}");
    let pending = begin(ctx, args.profile.as_deref(), &redirect_uri)?;
    let profile = pending.profile.clone();
    {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "To connect instance {} (auth profile {profile}), open this URL and allow:",
            args.name
        )?;
        writeln!(out, "  {}", pending.authorize_url())?;
        writeln!(
            out,
            "Waiting up to {} s for the callback on {redirect_uri} ...",
            args.timeout
        )?;
        out.flush()?;
    }
    if !args.no_browser {
        open_browser(pending.authorize_url());
    }
    let (tx, mut rx) = mpsc::channel::<Callback>(4);
    let router = axum::Router::new()
        .route(CALLBACK_PATH, get(callback))
        .with_state(tx);
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    let waited = Duration::from_secs(args.timeout);
    let received = tokio::time::timeout(waited, rx.recv()).await;
    let result = match received {
        Ok(Some((query, reply))) => {
            let store = app.store()?;
            let key = app.master_key()?;
            let outcome = finish(pending, query.as_deref().unwrap_or_default(), store, &key).await;
            let _ = reply.send(outcome.as_ref().map(|_| ()).map_err(ToString::to_string));
            outcome
        }
        Ok(None) | Err(_) => Err(InstanceError::Auth(AuthError::NoCallback {
            profile: profile.clone(),
            seconds: args.timeout,
        })),
    };
    drop(rx);
    let _ = stop.send(());
    // Let the browser's page go out; never wait long for it.
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    result?;
    println!(
        "connected instance {} (auth profile {profile}); scan it with `plugboard scan {}`",
        args.name, args.name
    );
    Ok(())
}
