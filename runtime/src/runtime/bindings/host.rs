//! The host side of the contract's imports, written once against the newest
//! contract ([`super::latest`]). Older contracts' modules forward their
//! imports here, converting only what differs.

use super::latest::wit;
use crate::capabilities::clock::Clock;
use crate::capabilities::http::{HttpError, OutboundRequest, SecretHeader};
use crate::capabilities::log;
use crate::capabilities::network::section::Method;
use crate::runtime::PluginState;

impl wit::types::Host for PluginState {}

impl wit::http::Host for PluginState {
    async fn send(
        &mut self,
        req: wit::http::Request,
    ) -> wasmtime::Result<Result<wit::http::Response, wit::http::HttpError>> {
        let req = OutboundRequest {
            method: match req.method {
                wit::http::Method::Get => Method::Get,
                wit::http::Method::Post => Method::Post,
                wit::http::Method::Put => Method::Put,
                wit::http::Method::Patch => Method::Patch,
                wit::http::Method::Delete => Method::Delete,
            },
            url: req.url,
            headers: req.headers,
            secret_headers: req
                .secret_headers
                .into_iter()
                .map(|h| SecretHeader {
                    name: h.name,
                    secret: h.secret,
                    prefix: h.prefix,
                })
                .collect(),
            body: req.body,
        };
        let ctx = self.ctx.clone();
        let writes_allowed = self.writes_allowed;
        Ok(
            match ctx
                .http
                .send_tracked(req, writes_allowed, &mut self.http)
                .await
            {
                Ok(r) => Ok(wit::http::Response {
                    status: r.status,
                    headers: r.headers,
                    body: r.body,
                    url: r.url,
                }),
                Err(e) => Err(match e {
                    HttpError::Denied(m) => {
                        // The reason quotes the plugin's own text (a secret or
                        // header name): scrubbed, neutralised and cut for the log.
                        let mut reason = m.clone();
                        ctx.scrub(&mut reason);
                        plugboard_core::text::clean_line(
                            &mut reason,
                            crate::limits::MAX_MESSAGE_BYTES,
                        );
                        tracing::warn!(instance = %ctx.instance_id, plugin = %ctx.plugin_id, %reason, "egress denied");
                        wit::http::HttpError::Denied(m)
                    }
                    HttpError::Timeout => wit::http::HttpError::Timeout,
                    HttpError::Network(m) => wit::http::HttpError::Network(m),
                    HttpError::TooLarge => wit::http::HttpError::TooLarge,
                    HttpError::RateLimited(m) => wit::http::HttpError::RateLimited(m),
                    HttpError::Auth(m) => wit::http::HttpError::Auth(m),
                    HttpError::Invalid(m) => wit::http::HttpError::Invalid(m),
                }),
            },
        )
    }
}

impl wit::secrets::Host for PluginState {
    async fn exists(&mut self, name: String) -> wasmtime::Result<bool> {
        Ok(self.ctx.secrets.contains(&name))
    }

    async fn reveal(&mut self, name: String) -> wasmtime::Result<Result<String, String>> {
        Ok(self.ctx.secrets.reveal(&name))
    }
}

impl wit::ratelimit::Host for PluginState {
    async fn acquire(&mut self, bucket: String, cost: u32) -> wasmtime::Result<Result<(), String>> {
        let ctx = self.ctx.clone();
        let Some(b) = ctx.http.buckets().bucket(&bucket, "") else {
            return Ok(Err(format!(
                "no rate bucket named `{bucket}` in the manifest"
            )));
        };
        for _ in 0..cost.min(1000) {
            if let Err(e) = b.acquire().await {
                return Ok(Err(e.to_string()));
            }
        }
        Ok(Ok(()))
    }
}

impl wit::config::Host for PluginState {
    async fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.ctx.config.get(&key).cloned())
    }
}

impl wit::log::Host for PluginState {
    async fn emit(&mut self, level: wit::log::Level, message: String) -> wasmtime::Result<()> {
        let line = log::prepare(&message, |text| self.ctx.scrub(text));
        let level = match level {
            wit::log::Level::Trace => log::Level::Trace,
            wit::log::Level::Debug => log::Level::Debug,
            wit::log::Level::Info => log::Level::Info,
            wit::log::Level::Warn => log::Level::Warn,
            wit::log::Level::Error => log::Level::Error,
        };
        log::emit(level, &self.ctx.instance_id, &self.ctx.plugin_id, &line);
        Ok(())
    }
}

impl wit::clock::Host for PluginState {
    async fn now_ms(&mut self) -> wasmtime::Result<u64> {
        // Recording or replaying a cassette: the recorded time (see `Clock`).
        Ok(Clock::new(self.ctx.http.frozen_clock_ms()).now_ms())
    }
}
