//! Contract `plugboard:connector@0.1.0`: its bindings and the forwarding of
//! its imports to the newest contract's host implementation (`host.rs`).
//! It shares the newest `types` interface (the types did not change), so
//! only the `http` types, which gained `response.url` in 0.2.0, and the
//! generated enums of the other interfaces are converted here.

/// The contract version these bindings serve.
pub const VERSION: &str = "0.1.0";

mod generated {
    wasmtime::component::bindgen!({
        path: "../wit/v0.1.0",
        world: "connector",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "plugboard:connector/types@0.1.0": crate::runtime::bindings::v0_2_0::generated::plugboard::connector::types,
        },
    });
}

use generated::plugboard::connector as wit;

use super::latest::wit as now;

super::contract_calls!();

impl wit::http::Host for PluginState {
    async fn send(
        &mut self,
        req: wit::http::Request,
    ) -> wasmtime::Result<Result<wit::http::Response, wit::http::HttpError>> {
        use now::http::Method as M;
        let req = now::http::Request {
            method: match req.method {
                wit::http::Method::Get => M::Get,
                wit::http::Method::Post => M::Post,
                wit::http::Method::Put => M::Put,
                wit::http::Method::Patch => M::Patch,
                wit::http::Method::Delete => M::Delete,
            },
            url: req.url,
            headers: req.headers,
            secret_headers: req
                .secret_headers
                .into_iter()
                .map(|h| now::http::SecretHeader {
                    name: h.name,
                    secret: h.secret,
                    prefix: h.prefix,
                })
                .collect(),
            body: req.body,
        };
        use now::http::HttpError as E;
        Ok(match now::http::Host::send(self, req).await? {
            // 0.1.0 has no `url`: the plugin knows the URL it asked for.
            Ok(r) => Ok(wit::http::Response {
                status: r.status,
                headers: r.headers,
                body: r.body,
            }),
            Err(e) => Err(match e {
                E::Denied(m) => wit::http::HttpError::Denied(m),
                E::Timeout => wit::http::HttpError::Timeout,
                E::Network(m) => wit::http::HttpError::Network(m),
                E::TooLarge => wit::http::HttpError::TooLarge,
                E::RateLimited(m) => wit::http::HttpError::RateLimited(m),
                E::Auth(m) => wit::http::HttpError::Auth(m),
                E::Invalid(m) => wit::http::HttpError::Invalid(m),
            }),
        })
    }
}

impl wit::secrets::Host for PluginState {
    async fn exists(&mut self, name: String) -> wasmtime::Result<bool> {
        now::secrets::Host::exists(self, name).await
    }

    async fn reveal(&mut self, name: String) -> wasmtime::Result<Result<String, String>> {
        now::secrets::Host::reveal(self, name).await
    }
}

impl wit::ratelimit::Host for PluginState {
    async fn acquire(&mut self, bucket: String, cost: u32) -> wasmtime::Result<Result<(), String>> {
        now::ratelimit::Host::acquire(self, bucket, cost).await
    }
}

impl wit::config::Host for PluginState {
    async fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        now::config::Host::get(self, key).await
    }
}

impl wit::log::Host for PluginState {
    async fn emit(&mut self, level: wit::log::Level, message: String) -> wasmtime::Result<()> {
        use now::log::Level as L;
        let level = match level {
            wit::log::Level::Trace => L::Trace,
            wit::log::Level::Debug => L::Debug,
            wit::log::Level::Info => L::Info,
            wit::log::Level::Warn => L::Warn,
            wit::log::Level::Error => L::Error,
        };
        now::log::Host::emit(self, level, message).await
    }
}

impl wit::clock::Host for PluginState {
    async fn now_ms(&mut self) -> wasmtime::Result<u64> {
        now::clock::Host::now_ms(self).await
    }
}
