//! The `plugboard` binary: parse the command line, run it, and map failures
//! to an exit code by who is to blame.

use std::io::IsTerminal;

use clap::Parser;
use plugboard_cli::{Cli, keep_run_recorder, report_failure, run};
use plugboard_host::telemetry::{LogFormat, Pipeline};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // Before the async runtime: the OTLP exporter's blocking client has its own.
    let pipeline = match cli.traces().map(|export| Pipeline::start(&export)) {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(e)) => return std::process::ExitCode::from(report_failure(&e.into())),
    };
    let log = tracing_subscriber::fmt::layer()
        .event_format(LogFormat)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_filter(
            EnvFilter::try_new(cli.log_filter()).unwrap_or_else(|_| EnvFilter::new("warn")),
        );
    // Not `.with(Option<layer>)`: an optional layer is not told of its
    // dispatcher, which the trace ids of log lines need.
    let logged = tracing_subscriber::registry().with(log);
    match &pipeline {
        Some(p) => logged.with(p.layer()).init(),
        None => logged.init(),
    }
    if let Some(p) = &pipeline {
        keep_run_recorder(p.recorder.clone());
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let outcome = runtime.block_on(run(cli));
    drop(runtime);
    if let Some(p) = pipeline {
        p.shutdown();
    }
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => std::process::ExitCode::from(report_failure(&e)),
    }
}
