//! Rate limiting: one paced bucket per instance × manifest bucket.
//!
//! Upstream limits are shared with the customer's other apps, so the host
//! paces at [`DEFAULT_SAFETY_FRACTION`] of the documented quota with a burst of
//! one (smooth pacing never bunches requests into one second). A 429 pauses the
//! whole bucket until `Retry-After`, and daily caps are counted per UTC day.

mod bucket;
mod retry_after;

pub use bucket::{BucketStats, RateBucket, RateLimitError};
pub use retry_after::{MAX_RETRY_AFTER, parse_retry_after};

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::manifest::RateLimitSpec;

/// Fraction of a documented limit the host uses by default.
pub const DEFAULT_SAFETY_FRACTION: f64 = 0.8;

/// The rate buckets of one instance.
#[derive(Debug, Default)]
pub struct RateBuckets {
    buckets: BTreeMap<String, Arc<RateBucket>>,
}

impl RateBuckets {
    /// Build the buckets for `spec` at `plan`, each at `safety` × its quota.
    pub fn new(spec: &RateLimitSpec, plan: Option<&str>, safety: f64) -> Self {
        let buckets = spec
            .buckets
            .iter()
            .map(|b| {
                let quota = b.quota_for(plan).copied();
                (
                    b.name.clone(),
                    Arc::new(RateBucket::new(&b.name, quota, safety)),
                )
            })
            .collect();
        RateBuckets { buckets }
    }

    /// The bucket named `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<RateBucket>> {
        self.buckets.get(name)
    }

    /// Every bucket, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Arc<RateBucket>)> {
        self.buckets.iter()
    }
}
