//! Prometheus metrics of the daemon, served at `/metrics`.
//!
//! Counters advance by the difference between an instance's live counters
//! (HTTP, rate buckets, token broker) before and after each phase, so they
//! stay monotonic when an instance's context is rebuilt (plugin upgrade).

use std::collections::BTreeMap;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::runtime::InstanceContext;
use crate::scan::{ScanReport, StreamStatus};

type Labels = Vec<(String, String)>;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.1, 2.0, 16))
}

/// Live counters of one instance context, read before and after a phase.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CounterSnapshot {
    requests: u64,
    throttled: u64,
    mints: u64,
    buckets: BTreeMap<String, (u64, u64)>,
    /// Refused requests by `DenyReason` label.
    denied: BTreeMap<&'static str, u64>,
}

impl CounterSnapshot {
    /// Read `ctx`'s counters now.
    pub fn of(ctx: &InstanceContext) -> Self {
        let http = ctx.http.stats();
        let buckets = ctx
            .http
            .buckets()
            .snapshot()
            .iter()
            .map(|b| {
                let s = b.stats();
                (b.name().to_string(), (s.granted, s.throttled))
            })
            .collect();
        CounterSnapshot {
            requests: http.requests,
            throttled: http.throttled,
            mints: ctx.http.broker().mints(),
            buckets,
            denied: http.denied_by,
        }
    }
}

/// One finished phase, for [`Metrics::phase_done`].
#[derive(Debug)]
pub struct PhaseSample<'a> {
    /// Instance id.
    pub instance: &'a str,
    /// Plugin id.
    pub plugin: &'a str,
    /// Phase name.
    pub phase: &'a str,
    /// Counters before the phase.
    pub before: &'a CounterSnapshot,
    /// Counters after it.
    pub after: &'a CounterSnapshot,
    /// The report, or whether the failure was the plugin's fault.
    pub report: Result<&'a ScanReport, bool>,
    /// Wall time.
    pub seconds: f64,
}

/// The daemon's metric families.
pub struct Metrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    throttled: Family<Labels, Counter>,
    denied: Family<Labels, Counter>,
    bucket_requests: Family<Labels, Counter>,
    bucket_throttled: Family<Labels, Counter>,
    token_renewals: Family<Labels, Counter>,
    records: Family<Labels, Counter>,
    plugin_failures: Family<Labels, Counter>,
    phases: Family<Labels, Counter>,
    phase_seconds: Family<Labels, Histogram, fn() -> Histogram>,
    instances: Family<Labels, Gauge>,
    api_requests: Family<Labels, Counter>,
    /// Leases of this node and the cluster it sees (empty with SQLite).
    pub cluster: std::sync::Arc<super::cluster::ClusterMetrics>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Empty metric families, registered.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("plugboard");
        let m = Metrics {
            requests: Family::default(),
            throttled: Family::default(),
            denied: Family::default(),
            bucket_requests: Family::default(),
            bucket_throttled: Family::default(),
            token_renewals: Family::default(),
            records: Family::default(),
            plugin_failures: Family::default(),
            phases: Family::default(),
            phase_seconds: Family::new_with_constructor(histogram),
            instances: Family::default(),
            api_requests: Family::default(),
            cluster: std::sync::Arc::new(super::cluster::ClusterMetrics::new()),
            registry: Registry::default(),
        };
        let r = &mut registry;
        r.register(
            "upstream_requests",
            "Upstream HTTP requests put on the wire, per instance",
            m.requests.clone(),
        );
        r.register(
            "upstream_throttled",
            "429 answers from the upstream app, per instance",
            m.throttled.clone(),
        );
        r.register(
            "upstream_denied",
            "Plugin requests the host refused, per instance and reason (a DenyReason label)",
            m.denied.clone(),
        );
        r.register(
            "bucket_requests",
            "Requests paced through a rate bucket, per instance and bucket",
            m.bucket_requests.clone(),
        );
        r.register(
            "bucket_throttled",
            "429 answers per instance and rate bucket",
            m.bucket_throttled.clone(),
        );
        r.register(
            "token_renewals",
            "OAuth tokens minted by the host's broker, per instance",
            m.token_renewals.clone(),
        );
        r.register(
            "records",
            "Records committed, per instance and stream",
            m.records.clone(),
        );
        r.register(
            "plugin_failures",
            "Plugin calls that failed by the plugin's fault (traps, timeouts, bad output), per instance and plugin",
            m.plugin_failures.clone(),
        );
        r.register(
            "phases",
            "Scan phases run, per instance, phase and outcome",
            m.phases.clone(),
        );
        r.register(
            "phase_duration_seconds",
            "Wall time of scan phases, per instance and phase",
            m.phase_seconds.clone(),
        );
        r.register(
            "instances",
            "Instances known to the daemon, by state",
            m.instances.clone(),
        );
        r.register(
            "api_requests",
            "REST API requests, by route and status class",
            m.api_requests.clone(),
        );
        m.cluster.register(r);
        Metrics { registry, ..m }
    }

    /// Account for one finished phase.
    pub fn phase_done(&self, sample: PhaseSample<'_>) {
        let PhaseSample {
            instance,
            plugin,
            phase,
            before,
            after,
            report,
            seconds,
        } = sample;
        let inst = labels(&[("instance", instance)]);
        self.requests
            .get_or_create(&inst)
            .inc_by(after.requests.saturating_sub(before.requests));
        self.throttled
            .get_or_create(&inst)
            .inc_by(after.throttled.saturating_sub(before.throttled));
        self.token_renewals
            .get_or_create(&inst)
            .inc_by(after.mints.saturating_sub(before.mints));
        for (reason, count) in &after.denied {
            let was = before.denied.get(reason).copied().unwrap_or_default();
            self.denied
                .get_or_create(&labels(&[("instance", instance), ("reason", reason)]))
                .inc_by(count.saturating_sub(was));
        }
        for (bucket, (granted, throttled)) in &after.buckets {
            let (g0, t0) = before.buckets.get(bucket).copied().unwrap_or_default();
            let l = labels(&[("instance", instance), ("bucket", bucket)]);
            let (requests, throttled) = (granted.saturating_sub(g0), throttled.saturating_sub(t0));
            self.bucket_requests.get_or_create(&l).inc_by(requests);
            self.bucket_throttled.get_or_create(&l).inc_by(throttled);
        }
        let (outcome, plugin_faults) = match report {
            Ok(r) => {
                for s in &r.streams {
                    self.records
                        .get_or_create(&labels(&[("instance", instance), ("stream", &s.name)]))
                        .inc_by(s.records);
                }
                let faults = r
                    .streams
                    .iter()
                    .filter(|s| {
                        matches!(&s.status, StreamStatus::Failed { blame, .. }
                            if *blame == plugboard_core::Blame::Plugin)
                    })
                    .count() as u64;
                let outcome = if r.first_failure().is_some() {
                    "failed"
                } else {
                    "succeeded"
                };
                (outcome, faults)
            }
            Err(plugin_fault) => ("failed", u64::from(plugin_fault)),
        };
        self.plugin_failures
            .get_or_create(&labels(&[("instance", instance), ("plugin", plugin)]))
            .inc_by(plugin_faults);
        self.phases
            .get_or_create(&labels(&[
                ("instance", instance),
                ("phase", phase),
                ("outcome", outcome),
            ]))
            .inc();
        self.phase_seconds
            .get_or_create(&labels(&[("instance", instance), ("phase", phase)]))
            .observe(seconds);
    }

    /// Set the number of instances in each state.
    pub fn set_instances(&self, enabled: i64, disabled: i64) {
        self.instances
            .get_or_create(&labels(&[("state", "enabled")]))
            .set(enabled);
        self.instances
            .get_or_create(&labels(&[("state", "disabled")]))
            .set(disabled);
    }

    /// Count one API request.
    pub fn api_request(&self, route: &str, status: u16) {
        let class = format!("{}xx", status / 100);
        self.api_requests
            .get_or_create(&labels(&[("route", route), ("status", &class)]))
            .inc();
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_counters_advance_by_the_difference() {
        let m = Metrics::new();
        let before = CounterSnapshot {
            requests: 10,
            throttled: 1,
            mints: 1,
            buckets: [("light".to_string(), (5, 1))].into(),
            denied: [("outside_grant", 1)].into(),
        };
        let after = CounterSnapshot {
            requests: 25,
            throttled: 3,
            mints: 2,
            buckets: [("light".to_string(), (20, 3))].into(),
            denied: [("outside_grant", 4), ("special_address", 2)].into(),
        };
        m.phase_done(PhaseSample {
            instance: "acme",
            plugin: "zoom",
            phase: "accounts",
            before: &before,
            after: &after,
            report: Err(true),
            seconds: 1.5,
        });
        let text = m.render();
        assert!(
            text.contains(r#"plugboard_upstream_requests_total{instance="acme"} 15"#),
            "{text}"
        );
        assert!(
            text.contains(r#"plugboard_bucket_throttled_total{instance="acme",bucket="light"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(r#"plugboard_bucket_requests_total{instance="acme",bucket="light"} 15"#),
            "{text}"
        );
        assert!(
            text.contains(
                r#"plugboard_upstream_denied_total{instance="acme",reason="outside_grant"} 3"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"plugboard_upstream_denied_total{instance="acme",reason="special_address"} 2"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"plugboard_token_renewals_total{instance="acme"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"plugboard_plugin_failures_total{instance="acme",plugin="zoom"} 1"#),
            "{text}"
        );
        assert!(
            text.contains("plugboard_phase_duration_seconds_count"),
            "{text}"
        );
    }
}
