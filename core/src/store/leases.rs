//! Leases with fencing: which node works on which instance, the interface.
//!
//! Threat: two nodes working on one instance at once store a page twice or
//! move a cursor backwards, and on Zoom their two live tokens revoke each
//! other. Decision: each instance is owned through a lease (owner node,
//! expiry, fencing token) kept in the database and judged by the database's
//! clock, never a node's. Taking over a lease from another node (after it
//! expired, or was released) raises its fencing token, and
//! [`RecordStore::commit_page_fenced`](crate::store::RecordStore::commit_page_fenced)
//! checks the token in the page's own transaction: an owner that was paused
//! or cut off past its lease cannot commit after another node took over.
//!
//! Both backends implement the same rules; SQLite, with one writer at a time,
//! serves one node, and PostgreSQL serialises takeovers and fenced commits of
//! an instance on its lease row.

use std::time::Duration;

use super::StoreError;

/// A lease held by a node, as the node remembers it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Lease {
    /// The instance leased.
    pub instance: String,
    /// The node holding it.
    pub node: String,
    /// The fencing token: raised whenever the lease changes hands.
    pub token: i64,
    /// When it expires unless renewed, in milliseconds since the Unix epoch
    /// by the database's clock.
    pub expires_at_ms: i64,
}

/// Leases.
pub trait LeaseStore {
    /// Take the lease of `instance` for `node` for `ttl`, if it is free,
    /// expired, released or already `node`'s. Taking it from another node
    /// raises the fencing token; `node` renewing its own keeps it. `None`
    /// when another node holds a live lease. `NotFound` for an unknown
    /// instance.
    fn acquire_lease(
        &self,
        instance: &str,
        node: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError>;

    /// Extend `lease` by `ttl` from now. `LeaseLost` (naming the new holder)
    /// when another node took it over since.
    fn renew_lease(&self, lease: &Lease, ttl: Duration) -> Result<Lease, StoreError>;

    /// Give `lease` up, so another node may take it at once. Releasing a
    /// lease already lost does nothing.
    fn release_lease(&self, lease: &Lease) -> Result<(), StoreError>;

    /// Every lease, live or not, by instance.
    fn leases(&self) -> Result<Vec<Lease>, StoreError>;
}

/// `ttl` in whole milliseconds, saturating.
pub(crate) fn ttl_ms(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::Blame;
    use crate::model::{Account, AccountStatus, Page, Record};
    use crate::store::StoreError;
    use crate::store::fixtures::stores_with_instance;

    const LONG: Duration = Duration::from_secs(3600);

    fn page(id: &str) -> Page {
        Page {
            records: vec![Record::Account(Account {
                id: id.into(),
                email: None,
                display_name: None,
                status: AccountStatus::Active,
                user_type: None,
                created_at: None,
                last_login_at: None,
                raw: "{}".into(),
            })],
            cursor: Some(format!("after-{id}")),
            more: true,
        }
    }

    #[test]
    fn a_free_lease_is_taken_and_renewing_it_keeps_its_token()
    -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores_with_instance("lease_renew")? {
            println!("backend: {backend}");
            let lease = store
                .acquire_lease("i", "node-a", LONG)?
                .ok_or("not taken")?;
            assert_eq!(
                (lease.node.as_str(), lease.instance.as_str()),
                ("node-a", "i")
            );
            let renewed = store.renew_lease(&lease, LONG)?;
            assert_eq!(renewed.token, lease.token, "{backend}");
            assert!(renewed.expires_at_ms >= lease.expires_at_ms, "{backend}");
            let again = store
                .acquire_lease("i", "node-a", LONG)?
                .ok_or("not re-taken")?;
            assert_eq!(again.token, lease.token, "{backend}: its own lease");
            assert_eq!(store.leases()?, vec![again], "{backend}");
        }
        Ok(())
    }

    #[test]
    fn a_live_lease_is_not_taken_by_another_node() -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores_with_instance("lease_live")? {
            println!("backend: {backend}");
            store
                .acquire_lease("i", "node-a", LONG)?
                .ok_or("not taken")?;
            assert_eq!(store.acquire_lease("i", "node-b", LONG)?, None, "{backend}");
            assert!(
                matches!(
                    store.acquire_lease("nope", "node-a", LONG),
                    Err(StoreError::NotFound { .. })
                ),
                "{backend}"
            );
        }
        Ok(())
    }

    #[test]
    fn an_expired_or_released_lease_is_taken_over_with_a_higher_token()
    -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores_with_instance("lease_takeover")? {
            println!("backend: {backend}");
            // A lease of no length has expired by the time anyone looks.
            let a = store
                .acquire_lease("i", "node-a", Duration::ZERO)?
                .ok_or("a")?;
            let b = store
                .acquire_lease("i", "node-b", LONG)?
                .ok_or("expired, not taken")?;
            assert!(b.token > a.token, "{backend}: {b:?} after {a:?}");
            store.release_lease(&a)?; // lost already: nothing happens
            assert_eq!(store.leases()?, vec![b.clone()], "{backend}");
            store.release_lease(&b)?;
            let c = store
                .acquire_lease("i", "node-c", LONG)?
                .ok_or("released, not taken")?;
            assert!(c.token > b.token, "{backend}: {c:?} after {b:?}");
        }
        Ok(())
    }

    #[test]
    fn a_paused_owners_late_commit_is_refused_and_stores_nothing()
    -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores_with_instance("lease_fencing")? {
            println!("backend: {backend}");
            let a = store
                .acquire_lease("i", "node-a", Duration::ZERO)?
                .ok_or("a")?;
            store.commit_page_fenced("i", "users", &page("u1"), &a)?;
            // node-a pauses past its lease; node-b takes over and commits.
            let b = store.acquire_lease("i", "node-b", LONG)?.ok_or("b")?;
            store.commit_page_fenced("i", "users", &page("u2"), &b)?;
            // node-a wakes up and tries to commit its page in flight.
            let err = store
                .commit_page_fenced("i", "users", &page("u3"), &a)
                .err()
                .ok_or("late commit accepted")?;
            assert!(
                matches!(err, StoreError::LeaseLost { .. }),
                "{backend}: {err:?}"
            );
            assert_eq!(err.blame(), Blame::Host, "{backend}");
            let text = err.to_string();
            assert!(
                text.contains("this node (node-a) lost the lease of instance i to node node-b"),
                "{backend}: {text}"
            );
            assert_eq!(
                store.counts(Some("i"))?.users,
                2,
                "{backend}: u3 not stored"
            );
            let cp = store.checkpoint("i", "users")?.ok_or("no checkpoint")?;
            assert_eq!(cp.cursor.as_deref(), Some("after-u2"), "{backend}");
            let err = store
                .renew_lease(&a, LONG)
                .err()
                .ok_or("lost lease renewed")?;
            assert!(
                matches!(err, StoreError::LeaseLost { .. }),
                "{backend}: {err:?}"
            );
        }
        Ok(())
    }

    #[test]
    fn removing_an_instance_removes_its_lease() -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores_with_instance("lease_remove")? {
            println!("backend: {backend}");
            let a = store.acquire_lease("i", "node-a", LONG)?.ok_or("a")?;
            store.remove_instance("i")?;
            assert!(store.leases()?.is_empty(), "{backend}");
            let err = store
                .commit_page_fenced("i", "users", &page("u1"), &a)
                .err()
                .ok_or("committed to a removed instance")?;
            assert!(
                matches!(err, StoreError::NotFound { .. }),
                "{backend}: {err:?}"
            );
        }
        Ok(())
    }

    #[test]
    fn a_capped_fenced_commit_checks_the_lease_before_the_cap_and_counts_only_what_it_stores()
    -> Result<(), Box<dyn std::error::Error>> {
        use crate::store::{CommitTerms, DailyCap};
        let cap = Some(DailyCap {
            records: 1,
            bytes: 1 << 20,
        });
        for (backend, store) in stores_with_instance("lease_capped")? {
            println!("backend: {backend}");
            let a = store.acquire_lease("i", "node-a", LONG)?.ok_or("a")?;
            let by_a = CommitTerms {
                cap,
                lease: Some(&a),
            };
            store.commit_page_with("i", "users", &page("u1"), by_a)?;
            let err = store
                .commit_page_with("i", "users", &page("u2"), by_a)
                .err()
                .ok_or("a page past the cap was stored")?;
            assert!(
                matches!(err, StoreError::DailyCapReached { .. }),
                "{backend}: {err:?}"
            );
            // node-a's lease ends; node-b takes over. node-a's late page is
            // refused for its lease, though it would pass the cap too.
            store.release_lease(&a)?;
            let b = store.acquire_lease("i", "node-b", LONG)?.ok_or("b")?;
            let err = store
                .commit_page_with("i", "users", &page("u3"), by_a)
                .err()
                .ok_or("a stale lease's page was stored")?;
            assert!(
                matches!(err, StoreError::LeaseLost { .. }),
                "{backend}: {err:?}"
            );
            let by_b = CommitTerms {
                cap: None,
                lease: Some(&b),
            };
            store.commit_page_with("i", "users", &page("u4"), by_b)?;
            assert_eq!(store.usage_today("i")?.records, 2, "{backend}");
            assert_eq!(store.counts(Some("i"))?.users, 2, "{backend}");
        }
        Ok(())
    }
}
