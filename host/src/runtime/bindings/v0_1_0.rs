//! Contract `plugboard:connector@0.1.0`: generated bindings, host imports and
//! conversions into domain types.

use std::time::{SystemTime, UNIX_EPOCH};

use plugboard_core::model::{
    Ability, Account, AccountInfo, AccountStatus, Activity, ConnectorError, ConnectorErrorKind,
    Finding, FindingStatus, Group, GroupMember, Page, PluginInfo, Record, RoleAssignment, Severity,
    StreamInfo, StreamKind,
};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, Store};

use super::{ActionOutcome, Call, CallOutput};
use crate::capabilities::http::{HttpError, OutboundRequest, SecretHeader};
use crate::manifest::Method;
use crate::runtime::{PluginState, RuntimeError};

/// The contract version these bindings serve.
pub const VERSION: &str = "0.1.0";

mod generated {
    wasmtime::component::bindgen!({
        path: "../wit/v0.1.0",
        world: "connector",
        imports: { default: async | trappable },
        exports: { default: async },
    });
}

use generated::plugboard::connector as wit;

/// A linked, pre-instantiated component.
pub type Pre = generated::ConnectorPre<PluginState>;

/// Link WASI (nothing granted) and the contract's host imports.
pub fn pre(engine: &Engine, component: &Component) -> Result<Pre, RuntimeError> {
    let contract = |e: wasmtime::Error| RuntimeError::Contract {
        contract: VERSION.into(),
        detail: format!("{e:#}"),
    };
    let mut linker: Linker<PluginState> = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)
        .map_err(|e| RuntimeError::Engine(format!("{e:#}")))?;
    generated::Connector::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |s| s)
        .map_err(|e| RuntimeError::Engine(format!("{e:#}")))?;
    let instance_pre = linker.instantiate_pre(component).map_err(contract)?;
    generated::ConnectorPre::new(instance_pre).map_err(contract)
}

/// A live instance of a component.
pub type Instance = generated::Connector;

/// Instantiate in `store`.
pub async fn instantiate(pre: &Pre, store: &mut Store<PluginState>) -> wasmtime::Result<Instance> {
    pre.instantiate_async(&mut *store).await
}

/// Instantiate and call one export.
pub async fn call(
    pre: &Pre,
    store: &mut Store<PluginState>,
    call: Call,
) -> wasmtime::Result<CallOutput> {
    let bindings = instantiate(pre, store).await?;
    call_instance(&bindings, store, call).await
}

/// Call one export of an instance.
pub async fn call_instance(
    bindings: &Instance,
    store: &mut Store<PluginState>,
    call: Call,
) -> wasmtime::Result<CallOutput> {
    Ok(match call {
        Call::Describe => CallOutput::Info(bindings.call_describe(&mut *store).await?.into()),
        Call::Check => CallOutput::Check(
            bindings
                .call_check(&mut *store)
                .await?
                .map(Into::into)
                .map_err(Into::into),
        ),
        Call::Sync { stream, cursor } => CallOutput::Page(
            bindings
                .call_sync(&mut *store, &stream, cursor.as_deref())
                .await?
                .map(Into::into)
                .map_err(Into::into),
        ),
        Call::Assess => CallOutput::Findings(
            bindings
                .call_assess(&mut *store)
                .await?
                .map(|v| v.into_iter().map(Into::into).collect())
                .map_err(Into::into),
        ),
        Call::Act(a) => {
            let action = wit::types::Action {
                name: a.name,
                target: a.target,
                dry_run: a.dry_run,
            };
            CallOutput::Outcome(
                bindings
                    .call_act(&mut *store, &action)
                    .await?
                    .map(|o| ActionOutcome {
                        applied: o.applied,
                        detail: o.detail,
                    })
                    .map_err(Into::into),
            )
        }
    })
}

// ---- host imports ----

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
                }),
                Err(e) => Err(match e {
                    HttpError::Denied(m) => {
                        // The reason quotes the plugin's own text (a secret or
                        // header name): scrubbed, neutralised and cut for the log.
                        let mut reason = m.clone();
                        ctx.scrub(&mut reason);
                        plugboard_core::text::clean_line(
                            &mut reason,
                            crate::runtime::limits::MAX_MESSAGE_BYTES,
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
        // Scrub before the final cut, so no part of a secret survives it (the
        // first cut only bounds the work; what lies past it is dropped anyway).
        let mut message: String = message.chars().take(16 << 10).collect();
        self.ctx.scrub(&mut message);
        // No control characters: a `\r` or `\n` would forge a log line.
        plugboard_core::text::clean_line(&mut message, crate::runtime::limits::MAX_MESSAGE_BYTES);
        let (instance, plugin) = (&self.ctx.instance_id, &self.ctx.plugin_id);
        match level {
            wit::log::Level::Trace => tracing::trace!(%instance, %plugin, "{message}"),
            wit::log::Level::Debug => tracing::debug!(%instance, %plugin, "{message}"),
            wit::log::Level::Info => tracing::info!(%instance, %plugin, "{message}"),
            wit::log::Level::Warn => tracing::warn!(%instance, %plugin, "{message}"),
            wit::log::Level::Error => tracing::error!(%instance, %plugin, "{message}"),
        }
        Ok(())
    }
}

impl wit::clock::Host for PluginState {
    async fn now_ms(&mut self) -> wasmtime::Result<u64> {
        Ok(SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0))
    }
}

// ---- conversions ----

impl From<wit::types::Error> for ConnectorError {
    fn from(e: wit::types::Error) -> Self {
        use wit::types::ErrorKind as K;
        let kind = match e.kind {
            K::Auth => ConnectorErrorKind::Auth,
            K::Permission => ConnectorErrorKind::Permission,
            K::NotFound => ConnectorErrorKind::NotFound,
            K::RateLimited => ConnectorErrorKind::RateLimited,
            K::Upstream => ConnectorErrorKind::Upstream,
            K::InvalidConfig => ConnectorErrorKind::InvalidConfig,
            K::Unavailable => ConnectorErrorKind::Unavailable,
            K::Plugin => ConnectorErrorKind::Plugin,
        };
        ConnectorError {
            kind,
            message: e.message,
        }
    }
}

impl From<wit::types::Info> for PluginInfo {
    fn from(i: wit::types::Info) -> Self {
        use wit::types::Ability as A;
        PluginInfo {
            id: i.id,
            version: i.version,
            app: i.app,
            abilities: i
                .abilities
                .into_iter()
                .map(|a| match a {
                    A::AccountInfo => Ability::AccountInfo,
                    A::Users => Ability::Users,
                    A::Groups => Ability::Groups,
                    A::AdminRoles => Ability::AdminRoles,
                    A::AuditTrail => Ability::AuditTrail,
                    A::Governance => Ability::Governance,
                    A::Posture => Ability::Posture,
                    A::DataScan => Ability::DataScan,
                })
                .collect(),
            streams: i
                .streams
                .into_iter()
                .map(|s| StreamInfo {
                    name: s.name,
                    kind: match s.kind {
                        wit::types::StreamKind::Accounts => StreamKind::Accounts,
                        wit::types::StreamKind::Groups => StreamKind::Groups,
                        wit::types::StreamKind::Roles => StreamKind::Roles,
                        wit::types::StreamKind::Activities => StreamKind::Activities,
                    },
                    description: s.description,
                })
                .collect(),
            actions: i.actions,
        }
    }
}

impl From<wit::types::AccountInfo> for AccountInfo {
    fn from(a: wit::types::AccountInfo) -> Self {
        AccountInfo {
            id: a.id,
            name: a.name,
            plan: a.plan,
            owner: a.owner,
            raw: a.raw,
        }
    }
}

impl From<wit::types::Record> for Record {
    fn from(r: wit::types::Record) -> Self {
        use wit::types::Record as R;
        match r {
            R::Account(a) => Record::Account(Account {
                id: a.id,
                email: a.email,
                display_name: a.display_name,
                status: match a.status {
                    wit::types::AccountStatus::Active => AccountStatus::Active,
                    wit::types::AccountStatus::Inactive => AccountStatus::Inactive,
                    wit::types::AccountStatus::Pending => AccountStatus::Pending,
                    wit::types::AccountStatus::Unknown => AccountStatus::Unknown,
                },
                user_type: a.user_type,
                created_at: a.created_at,
                last_login_at: a.last_login_at,
                raw: a.raw,
            }),
            R::Group(g) => Record::Group(Group {
                id: g.id,
                name: g.name,
                member_count: g.member_count,
                raw: g.raw,
            }),
            R::GroupMember(m) => Record::GroupMember(GroupMember {
                group_id: m.group_id,
                account_id: m.account_id,
                email: m.email,
            }),
            R::RoleAssignment(r) => Record::RoleAssignment(RoleAssignment {
                role_id: r.role_id,
                role_name: r.role_name,
                account_id: r.account_id,
                email: r.email,
                privileged: r.privileged,
                raw: r.raw,
            }),
            R::Activity(a) => Record::Activity(Activity {
                id: a.id,
                occurred_at: a.occurred_at,
                actor: a.actor,
                actor_ip: a.actor_ip,
                action: a.action,
                category: a.category,
                target: a.target,
                outcome: a.outcome,
                raw: a.raw,
            }),
        }
    }
}

impl From<wit::types::Page> for Page {
    fn from(p: wit::types::Page) -> Self {
        Page {
            records: p.records.into_iter().map(Into::into).collect(),
            cursor: p.cursor,
            more: p.more,
        }
    }
}

impl From<wit::types::Finding> for Finding {
    fn from(f: wit::types::Finding) -> Self {
        use wit::types::{FindingStatus as S, Severity as V};
        Finding {
            id: f.id,
            title: f.title,
            severity: match f.severity {
                V::Info => Severity::Info,
                V::Low => Severity::Low,
                V::Medium => Severity::Medium,
                V::High => Severity::High,
                V::Critical => Severity::Critical,
            },
            status: match f.status {
                S::Pass => FindingStatus::Pass,
                S::Fail => FindingStatus::Fail,
                S::Partial => FindingStatus::Partial,
                S::Unknown => FindingStatus::Unknown,
            },
            evidence: f.evidence,
            remediation: f.remediation,
        }
    }
}
