//! The PostgreSQL backend, for several `plugboard serve` nodes on one
//! database (`--database postgres://…`).
//!
//! Crate: `tokio-postgres` with the `deadpool-postgres` pool, driven by a
//! one-thread Tokio runtime owned by the store. Why:
//! - The [`Backend`] interface is synchronous and the host calls it both from
//!   `spawn_blocking` and straight from async handlers. The synchronous
//!   `postgres` crate runs its own runtime per call and panics when called on
//!   a thread that is already inside a Tokio runtime, so it would need every
//!   call site changed. Here each call enters the store's own runtime (where
//!   connections and timers live) and waits on the calling thread, which works
//!   from any thread, inside a runtime or not.
//! - What the cluster work needs next is all plain SQL or supported by
//!   `tokio-postgres`: advisory locks and `FOR UPDATE SKIP LOCKED` are SQL, and
//!   `LISTEN/NOTIFY` notifications arrive through the async connection. The
//!   daemon can later use the async side directly.
//! - Compile time: it reuses the Tokio already in the build and adds a few
//!   small crates (the protocol, types, the pool); `sqlx` would add its own
//!   driver stack, macros and a second SQLite binding next to `rusqlite`.
//!
//! TLS is not offered yet: connect over loopback, a private network or a
//! local TLS proxy; `sslmode=require` is refused with a message saying so.
//!
//! Times are stored as RFC 3339 UTC text with milliseconds, as in SQLite, and
//! every text column uses the `C` collation, so ordering, comparisons and API
//! answers are the same in both backends whatever the database's locale.

mod audit;
mod changes;
mod connections;
mod errors;
mod findings;
mod instances;
mod leases;
mod nodes;
mod pending;
mod plugins;
mod provenance;
mod queries;
mod records;
mod runs;
mod schedules;
mod schema;
mod secrets;
mod sessions;
mod target;
mod tokens;

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

use crate::store::{Backend, BackendKind, StoreError};

/// Connections a store keeps open at most, by default.
pub const DEFAULT_POOL_SIZE: usize = 8;

/// Settings for [`crate::store::Store::connect_with`]. `Default`: a pool of
/// [`DEFAULT_POOL_SIZE`], 10 s to connect, 30 s to wait for a free connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgOptions {
    /// Connections kept open at most.
    pub pool_size: usize,
    /// How long connecting (TCP and login) may take.
    pub connect_timeout: Duration,
    /// How long a call waits for a free connection of the pool.
    pub wait_timeout: Duration,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            pool_size: DEFAULT_POOL_SIZE,
            connect_timeout: Duration::from_secs(10),
            wait_timeout: Duration::from_secs(30),
        }
    }
}

/// A PostgreSQL store: a connection pool and the runtime that drives it.
pub(crate) struct PgStore {
    pool: Pool,
    /// What to connect to, for connections outside the pool (LISTEN).
    config: tokio_postgres::Config,
    /// `None` only while dropping.
    runtime: Option<tokio::runtime::Runtime>,
    label: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("database", &self.label)
            .finish_non_exhaustive()
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which panics inside another runtime;
        // shutting it down in the background does not.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Parameters of one statement.
type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

impl PgStore {
    /// Connect to `url`, check that the server answers, and migrate.
    pub(crate) fn connect(url: &str, options: PgOptions) -> Result<PgStore, StoreError> {
        let store = Self::connect_unmigrated(url, options)?;
        store.block(schema::migrate(&store))?;
        Ok(store)
    }

    /// The schema version of the database at `url`, read without migrating
    /// it: 0 when no Plugboard schema was ever applied.
    pub(crate) fn peek_version(url: &str, options: PgOptions) -> Result<i64, StoreError> {
        let store = Self::connect_unmigrated(url, options)?;
        store.block(async {
            let c = store.client().await?;
            schema::version(&store, &c).await
        })
    }

    /// A pool for `url` whose schema is not checked: only for [`connect`]
    /// (which migrates next) and [`peek_version`].
    ///
    /// [`connect`]: PgStore::connect
    /// [`peek_version`]: PgStore::peek_version
    fn connect_unmigrated(url: &str, options: PgOptions) -> Result<PgStore, StoreError> {
        let target = target::Target::parse(url)?;
        let mut config = target.config;
        config
            .connect_timeout(options.connect_timeout)
            .application_name("plugboard")
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("plugboard-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Postgres {
                database: target.label.clone(),
                action: "starting the database runtime",
                code: None,
                reason: e.to_string(),
            })?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(options.wait_timeout))
            .create_timeout(Some(options.connect_timeout))
            .recycle_timeout(Some(options.connect_timeout))
            .build()
            .map_err(|e| StoreError::Postgres {
                database: target.label.clone(),
                action: "creating the connection pool",
                code: None,
                reason: e.to_string(),
            })?;
        let store = PgStore {
            pool,
            config,
            runtime: Some(runtime),
            label: target.label,
        };
        Ok(store)
    }

    /// Run `work` to completion on the calling thread, inside this store's
    /// runtime (where the pool's connections and timers live).
    ///
    /// The work runs outside Tokio's cooperative budget: a caller inside an
    /// async task (an API handler) would otherwise share that task's budget,
    /// and once a long run of store calls in one poll used it up (the
    /// pool's semaphore counts against it), every further acquire would
    /// answer "not yet" and wake itself, and this nested `block_on` would
    /// retry forever. Adding a Zoom instance compares its credentials with
    /// every stored instance's (two secret reads each), so the 65th add
    /// through the API hung its node.
    pub(crate) fn block<T>(
        &self,
        work: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let Some(rt) = &self.runtime else {
            return Err(self.fault("using the store", "the store is shutting down"));
        };
        let _entered = rt.enter();
        futures_executor::block_on(tokio::task::coop::unconstrained(work))
    }

    /// A connection from the pool.
    pub(crate) async fn client(&self) -> Result<Object, StoreError> {
        self.pool
            .get()
            .await
            .map_err(|e| errors::from_pool(&self.label, e))
    }

    /// A host fault that is not a database error.
    pub(crate) fn fault(&self, action: &'static str, reason: &str) -> StoreError {
        StoreError::Postgres {
            database: self.label.clone(),
            action,
            code: None,
            reason: reason.to_string(),
        }
    }

    /// An error-mapping closure for `map_err`.
    pub(crate) fn on(
        &self,
        action: &'static str,
    ) -> impl Fn(tokio_postgres::Error) -> StoreError + '_ {
        move |e| errors::from_pg(&self.label, action, e)
    }

    /// Every row of `sql` (prepared once per connection).
    pub(crate) async fn rows(
        &self,
        c: &impl GenericClient,
        action: &'static str,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Vec<Row>, StoreError> {
        let statement = c.prepare_cached(sql).await.map_err(self.on(action))?;
        c.query(&statement, params).await.map_err(self.on(action))
    }

    /// The row of `sql`, if any.
    pub(crate) async fn row(
        &self,
        c: &impl GenericClient,
        action: &'static str,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Option<Row>, StoreError> {
        let statement = c.prepare_cached(sql).await.map_err(self.on(action))?;
        c.query_opt(&statement, params)
            .await
            .map_err(self.on(action))
    }

    /// Run `sql`; how many rows it changed.
    pub(crate) async fn exec(
        &self,
        c: &impl GenericClient,
        action: &'static str,
        sql: &str,
        params: Params<'_>,
    ) -> Result<u64, StoreError> {
        let statement = c.prepare_cached(sql).await.map_err(self.on(action))?;
        c.execute(&statement, params).await.map_err(self.on(action))
    }

    /// Decode every row with `decode`, mapping its errors for `action`.
    pub(crate) fn decode<T>(
        &self,
        action: &'static str,
        rows: &[Row],
        decode: impl Fn(&Row) -> Result<T, tokio_postgres::Error>,
    ) -> Result<Vec<T>, StoreError> {
        rows.iter()
            .map(|r| decode(r).map_err(self.on(action)))
            .collect()
    }

    /// The row of `sql`, a write for `instance` outside a transaction:
    /// `NotFound` when the instance does not exist, or was removed by another
    /// node between the check and the write (a foreign-key violation).
    pub(crate) async fn row_for_instance(
        &self,
        c: &impl GenericClient,
        action: &'static str,
        instance: &str,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Option<Row>, StoreError> {
        self.ensure_instance(c, instance).await?;
        let statement = c.prepare_cached(sql).await.map_err(self.on(action))?;
        match c.query_opt(&statement, params).await {
            Err(e) if e.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION) => {
                Err(StoreError::NotFound {
                    what: "instance",
                    id: instance.to_string(),
                })
            }
            other => other.map_err(self.on(action)),
        }
    }

    /// Fail with [`StoreError::NotFound`] unless instance `id` exists; inside
    /// a transaction, also keep it from being removed until that ends.
    pub(crate) async fn ensure_instance(
        &self,
        c: &impl GenericClient,
        id: &str,
    ) -> Result<(), StoreError> {
        let found = self
            .row(
                c,
                "looking up the instance",
                "SELECT 1 FROM instances WHERE id = $1 FOR KEY SHARE",
                &[&id],
            )
            .await?;
        match found {
            Some(_) => Ok(()),
            None => Err(StoreError::NotFound {
                what: "instance",
                id: id.to_string(),
            }),
        }
    }
}

impl Backend for PgStore {
    fn kind(&self) -> BackendKind {
        BackendKind::Postgres
    }

    fn label(&self) -> &str {
        &self.label
    }

    fn path(&self) -> Option<&Path> {
        None
    }

    fn schema_version(&self) -> Result<i64, StoreError> {
        self.block(async {
            let c = self.client().await?;
            schema::version(self, &c).await
        })
    }
}

/// Convert a count from the database; `Corrupt` if negative.
pub(crate) fn count(label: &str, n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt {
        path: label.to_string(),
        what: "count",
        reason: format!("{n} is negative"),
    })
}

#[cfg(test)]
mod budget_tests {
    use std::time::Duration;

    use crate::store::Store;

    /// Store calls made from inside an async task, many in one poll (as the
    /// daemon's API handlers do), all complete: Tokio's cooperative budget
    /// (128 operations per poll) does not starve them.
    #[test]
    fn many_store_calls_in_one_poll_of_an_async_task_complete()
    -> Result<(), Box<dyn std::error::Error>> {
        let url = plugboard_pgcluster::database("budget")?;
        let store = Store::connect(&url)?;
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            let outcome = runtime.map_err(|e| e.to_string()).and_then(|rt| {
                rt.block_on(async {
                    for _ in 0..1_000 {
                        store.instance("none").map_err(|e| e.to_string())?;
                    }
                    Ok::<_, String>(())
                })
            });
            let _ = done.send(outcome);
        });
        // A hang guard far above the few seconds this takes.
        let outcome = finished
            .recv_timeout(Duration::from_secs(120))
            .map_err(|_| "1,000 store calls in one poll did not finish within 120 s")?;
        outcome?;
        Ok(())
    }
}
