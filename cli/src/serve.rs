//! `plugboard serve`: the scheduler plus the REST API, until SIGTERM/Ctrl-C.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;

use plugboard_host::daemon::api::router;
use plugboard_host::daemon::{Intervals, Shared};
use plugboard_host::host::Host;

/// `serve` arguments.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address of the REST API (port 0 picks a free port; the address is
    /// printed on stdout).
    #[arg(long, env = "PLUGBOARD_LISTEN", default_value = "127.0.0.1:8750")]
    pub listen: SocketAddr,
    /// How often the directory (accounts, groups, roles) is synced, e.g. 12h.
    #[arg(long, default_value = "12h", value_parser = parse_duration)]
    pub accounts_every: Duration,
    /// How often activities are synced incrementally, e.g. 5m.
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub activities_every: Duration,
    /// How often posture is assessed, e.g. 12h.
    #[arg(long, default_value = "12h", value_parser = parse_duration)]
    pub posture_every: Duration,
    /// First retry delay after a failed phase (doubles per failure, up to the
    /// phase's period).
    #[arg(long, default_value = "1m", value_parser = parse_duration)]
    pub retry_after: Duration,
    /// At shutdown, how long to wait for pages in flight before exiting
    /// (unfinished pages are fetched again on restart).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub drain_timeout: Duration,
    /// With a PostgreSQL --database: how long an instance's lease lasts
    /// unless renewed (renewed every third of it). A node that dies loses its
    /// instances to the other nodes after this long. At least 3s.
    #[arg(long, env = "PLUGBOARD_LEASE_TTL", default_value = "15s", value_parser = parse_duration)]
    pub lease_ttl: Duration,
    /// Export scan traces over OTLP/HTTP (protobuf) to this collector, e.g.
    /// http://collector:4318 (`/v1/traces` is added). Without it, the
    /// standard OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
    /// OTEL_EXPORTER_OTLP_ENDPOINT variable turns export on; without
    /// either, traces stay in the daemon (GET
    /// /v1/instances/{id}/runs/{run}/trace).
    #[arg(long, value_name = "URL")]
    pub otlp_endpoint: Option<String>,
}

/// Parse `90s`, `5m`, `12h`, `1d` or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 90s, 5m, 12h or 1d"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => return Err(format!("{text:?}: unit must be s, m, h or d")),
    };
    if secs == 0 {
        return Err("a duration must be at least 1s".into());
    }
    Ok(Duration::from_secs(secs))
}

/// Run `serve`.
pub async fn run(app: &Host, args: ServeArgs) -> anyhow::Result<()> {
    let intervals = Intervals {
        accounts: args.accounts_every,
        activities: args.activities_every,
        posture: args.posture_every,
        retry: args.retry_after,
    };
    let store = app.store()?.clone();
    let lease_ttl = (store.kind() == plugboard_core::store::BackendKind::Postgres)
        .then_some(args.lease_ttl.max(Duration::from_secs(3)));
    if store.tokens()?.iter().all(|t| t.revoked_at.is_some()) {
        eprintln!(
            "plugboard serve: no API token exists yet, so only /healthz answers; create one with `plugboard token create`"
        );
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {}: choose another address with --listen",
                args.listen
            )
        })?;
    let shared = Shared::start_traced(app, intervals, lease_ttl, super::run_recorder())?;
    if let Some(cluster) = &shared.cluster {
        eprintln!(
            "plugboard serve: node {} of the cluster on {} (lease TTL {:?})",
            cluster.node,
            shared.store.label(),
            cluster.ttl
        );
        tracing::info!(node = %cluster.node, "node started");
    }
    let addr = listener.local_addr()?;
    // Listen for SIGTERM and Ctrl-C before the address invites them.
    let stop = super::signals::stop_requested(true);
    println!("plugboard serve: listening on http://{addr}");
    std::io::stdout().flush().ok();
    let drain = args.drain_timeout;
    let on_stop = shared.clone();
    axum::serve(listener, router(shared))
        .with_graceful_shutdown(async move {
            stop.await;
            eprintln!("plugboard serve: stopping; finishing pages in flight (at most {drain:?})");
            on_stop.shutdown(drain).await;
        })
        .await
        .context("the API server failed")?;
    eprintln!("plugboard serve: stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units_and_refuse_nonsense() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5w").is_err());
        assert!(parse_duration("m").is_err());
    }
}
