//! Rate limiting: one paced bucket per instance × manifest bucket (× partition).
//!
//! Upstream limits are shared with the customer's other apps, so the host
//! paces at [`DEFAULT_SAFETY_FRACTION`] of the documented quota with a burst of
//! one unless the manifest documents a token bucket (smooth pacing never
//! bunches requests into one second). A 429 pauses the whole bucket until
//! `Retry-After`, else until the reset the manifest's header profile reads
//! ([`window`]); an answer showing the window spent or nearly spent pauses or
//! spaces the bucket before a 429 happens. Daily caps are counted per UTC
//! day; `max_in_flight` caps the requests on the wire. Buckets with a
//! `partition` (Azure: per subscription) get one independent bucket per key.
//! A request no manifest bucket matches is paced by the [`UNMATCHED`]
//! bucket, so a plugin cannot send unpaced traffic by avoiding its own
//! matchers.

mod bucket;
pub mod grant;
mod retry_after;
pub mod section;
pub mod window;

pub use bucket::{BucketStats, RateBucket, RateLimitError, Slot};
pub use retry_after::{MAX_RETRY_AFTER, parse_retry_after};

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::capabilities::network::section::Method;
use crate::limits::UNMATCHED_PER_SECOND;
use section::{Partition, Quota, RateLimitSpec};

/// Fraction of a documented limit the host uses by default.
pub const DEFAULT_SAFETY_FRACTION: f64 = 0.8;

/// Partitions one bucket may split into. A plugin choosing path values cannot
/// grow host memory past this; later keys share one overflow bucket.
pub const MAX_PARTITIONS_PER_BUCKET: usize = 1024;

pub use section::UNMATCHED_BUCKET as UNMATCHED;

/// Key of the shared bucket used once a bucket has too many partitions.
const OVERFLOW_KEY: &str = "*overflow*";

#[derive(Debug)]
struct BucketPlan {
    quota: Option<Quota>,
    partition: Option<Partition>,
    max_in_flight: Option<u32>,
}

/// The rate buckets of one instance.
#[derive(Debug, Default)]
pub struct RateBuckets {
    plans: BTreeMap<String, BucketPlan>,
    safety: f64,
    live: Mutex<BTreeMap<(String, String), Arc<RateBucket>>>,
}

impl RateBuckets {
    /// The buckets of one instance: `spec` on the plan its settings name
    /// (`plan_config`), each at `safety` × its quota.
    pub fn for_instance(
        spec: &RateLimitSpec,
        config: &BTreeMap<String, String>,
        safety: f64,
    ) -> Self {
        let plan = spec.plan_config.as_ref().and_then(|k| config.get(k));
        Self::new(spec, plan.map(String::as_str), safety)
    }

    /// Build the buckets for `spec` at `plan`, each at `safety` × its quota,
    /// plus the [`UNMATCHED`] bucket at `safety` × [`UNMATCHED_PER_SECOND`].
    /// (`RateBuckets::default()` paces nothing: benchmarks and inert contexts.)
    pub fn new(spec: &RateLimitSpec, plan: Option<&str>, safety: f64) -> Self {
        let mut plans: BTreeMap<String, BucketPlan> = spec
            .buckets
            .iter()
            .map(|b| {
                (
                    b.name.clone(),
                    BucketPlan {
                        quota: b.quota_for(plan).copied(),
                        partition: b.partition,
                        max_in_flight: b.max_in_flight,
                    },
                )
            })
            .collect();
        plans.insert(
            UNMATCHED.to_string(),
            BucketPlan {
                quota: Some(Quota {
                    per_second: Some(UNMATCHED_PER_SECOND),
                    per_minute: None,
                    per_day: None,
                    burst: None,
                }),
                partition: None,
                max_in_flight: None,
            },
        );
        RateBuckets {
            plans,
            safety,
            live: Mutex::new(BTreeMap::new()),
        }
    }

    /// The bucket `name` for partition `key` (`""` when unpartitioned).
    pub fn bucket(&self, name: &str, key: &str) -> Option<Arc<RateBucket>> {
        let plan = self.plans.get(name)?;
        let key = if plan.partition.is_some() { key } else { "" };
        // A poisoned lock must not turn pacing off: the map stays usable.
        let mut live = self
            .live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(b) = live.get(&(name.to_string(), key.to_string())) {
            return Some(b.clone());
        }
        let partitions = live.keys().filter(|(n, _)| n == name).count();
        let key = if partitions >= MAX_PARTITIONS_PER_BUCKET {
            OVERFLOW_KEY
        } else {
            key
        };
        let label = if key.is_empty() {
            name.to_string()
        } else {
            format!("{name}[{key}]")
        };
        let b = live
            .entry((name.to_string(), key.to_string()))
            .or_insert_with(|| {
                Arc::new(RateBucket::new(
                    &label,
                    plan.quota,
                    self.safety,
                    plan.max_in_flight,
                ))
            })
            .clone();
        Some(b)
    }

    /// The bucket a request falls into: its manifest bucket, else
    /// [`UNMATCHED`] (`None` only when the buckets pace nothing).
    pub fn for_request(
        &self,
        spec: &RateLimitSpec,
        method: Method,
        path: &str,
    ) -> Option<Arc<RateBucket>> {
        match spec.classify(method, path) {
            Some(b) => {
                let key = b.partition.map(|p| p.key(path)).unwrap_or("");
                self.bucket(&b.name, key)
            }
            None => self.bucket(UNMATCHED, ""),
        }
    }

    /// Every bucket created so far, by label.
    pub fn snapshot(&self) -> Vec<Arc<RateBucket>> {
        self.live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `[ratelimit]` section of the Azure test manifest.
    fn azure() -> RateLimitSpec {
        #[derive(serde::Deserialize)]
        struct Raw {
            ratelimit: section::RawRateLimit,
        }
        let raw: Raw = toml::from_str(include_str!("../../../testdata/azure.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
        section::parse(raw.ratelimit, &[]).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn partitioned_buckets_are_independent_per_key() {
        let m = azure();
        let buckets = RateBuckets::new(&m, None, 0.8);
        let path = |s: &str| {
            format!("/subscriptions/{s}/providers/microsoft.insights/eventtypes/management/values")
        };
        let a = buckets
            .for_request(&m, Method::Get, &path("a"))
            .map(|b| b.name().to_string());
        let b = buckets
            .for_request(&m, Method::Get, &path("b"))
            .map(|b| b.name().to_string());
        let a2 = buckets
            .for_request(&m, Method::Get, &path("a"))
            .map(|b| b.name().to_string());
        assert_eq!(a.as_deref(), Some("arm-subscription-reads[a]"));
        assert_eq!(b.as_deref(), Some("arm-subscription-reads[b]"));
        assert_eq!(a, a2);
        let tenant = buckets
            .for_request(&m, Method::Get, "/subscriptions")
            .map(|b| b.name().to_string());
        assert_eq!(tenant.as_deref(), Some("arm-tenant-reads"));
    }

    #[test]
    fn a_request_no_bucket_matches_is_paced_by_the_unmatched_bucket() {
        let m = azure();
        let buckets = RateBuckets::new(&m, None, 0.8);
        let b = buckets.for_request(&m, Method::Get, "/no/bucket/matches/this");
        assert_eq!(b.as_ref().map(|b| b.name()), Some(UNMATCHED));
        assert!(
            RateBuckets::default()
                .for_request(&m, Method::Get, "/no/bucket")
                .is_none(),
            "default buckets pace nothing"
        );
    }

    #[test]
    fn a_plugin_cannot_grow_partitions_without_bound() {
        let m = azure();
        let buckets = RateBuckets::new(&m, None, 0.8);
        for i in 0..(MAX_PARTITIONS_PER_BUCKET + 50) {
            buckets.bucket("arm-subscription-reads", &i.to_string());
        }
        assert_eq!(
            buckets.snapshot().len(),
            MAX_PARTITIONS_PER_BUCKET + 1,
            "one overflow bucket beyond the cap"
        );
    }
}
