//! The rate-limit part of approval: each bucket, and every change that lets
//! more requests through or moves requests to another quota — a raised
//! quota, a concurrency cap raised or removed, a different header profile
//! (which decides when the host waits and when it sends again).

use std::collections::BTreeSet;

use super::super::grant::{Capability, Changes, Grant, Unit, line};
use super::section::{BucketSpec, Quota, RateLimitSpec};

/// Rate buckets.
pub struct Buckets;

fn change(detail: String) -> Capability {
    Capability::new("rate-bucket-change", "rate bucket", detail)
}

fn names(m: &RateLimitSpec) -> Vec<Capability> {
    m.buckets
        .iter()
        .map(|b| Capability::new("rate-bucket", "rate bucket", b.name.clone()))
        .collect()
}

/// The text of a quota, for messages.
fn quota_text(q: Option<&Quota>) -> String {
    let Some(q) = q else {
        return "unlimited".into();
    };
    let mut parts = Vec::new();
    if let Some(v) = q.per_second {
        parts.push(format!("{v}/s"));
    }
    if let Some(v) = q.per_minute {
        parts.push(format!("{v}/min"));
    }
    if let Some(v) = q.per_day {
        parts.push(format!("{v}/day"));
    }
    if let Some(v) = q.burst {
        parts.push(format!("burst {v}"));
    }
    parts.join(", ")
}

/// Whether `new` lets more requests through than `old`: a higher rate,
/// daily cap or burst, or a limit that is gone.
fn raises(old: Option<&Quota>, new: Option<&Quota>) -> bool {
    let Some(old) = old else {
        return false;
    };
    let Some(new) = new else {
        return true;
    };
    let more_f = |o: Option<f64>, n: Option<f64>| o.is_some_and(|o| n.is_none_or(|n| n > o));
    let more_u = |o: Option<u64>, n: Option<u64>| o.is_some_and(|o| n.is_none_or(|n| n > o));
    more_f(old.per_second, new.per_second)
        || more_f(old.per_minute, new.per_minute)
        || more_u(old.per_day, new.per_day)
        || new.burst.unwrap_or(1) > old.burst.unwrap_or(1)
}

/// How each bucket of `new` that `previous` also has paces less or
/// classifies other requests; buckets removed or reordered (the first
/// matching bucket wins, so either moves requests to another quota); a plan
/// taken from another setting.
fn bucket_changes(previous: &RateLimitSpec, new: &RateLimitSpec) -> Vec<Capability> {
    let mut out = Vec::new();
    if previous.plan_config != new.plan_config {
        out.push(change(format!(
            "plan taken from {} (was {})",
            new.plan_config
                .as_deref()
                .map_or("no setting".into(), |c| format!("config `{c}`")),
            previous
                .plan_config
                .as_deref()
                .map_or("no setting".into(), |c| format!("config `{c}`")),
        )));
    }
    let names = |m: &RateLimitSpec, keep: &dyn Fn(&str) -> bool| -> Vec<String> {
        m.buckets
            .iter()
            .map(|b| b.name.clone())
            .filter(|n| keep(n))
            .collect()
    };
    let in_new = |n: &str| new.buckets.iter().any(|b| b.name == n);
    let in_old = |n: &str| previous.buckets.iter().any(|b| b.name == n);
    let (old_order, new_order) = (names(previous, &in_new), names(new, &in_old));
    if old_order != new_order {
        out.push(change(format!(
            "order {} (was {})",
            new_order.join(", "),
            old_order.join(", ")
        )));
    }
    for gone in names(previous, &|n| !in_new(n)) {
        out.push(change(format!(
            "{gone}: removed, so its requests are paced by another bucket"
        )));
    }
    let (was, now) = (&previous.headers, &new.headers);
    if was != now {
        out.push(change(format!(
            "rate-limit headers {} (was {})",
            now.describe(),
            was.describe()
        )));
    }
    for b in &new.buckets {
        let Some(old) = previous.buckets.iter().find(|o| o.name == b.name) else {
            continue;
        };
        // A cap raised or gone puts more of the bucket's requests on the
        // wire at once.
        if let Some(was) = old.max_in_flight
            && b.max_in_flight.is_none_or(|n| n > was)
        {
            out.push(change(format!(
                "{}: {} in flight (was at most {was})",
                b.name,
                b.max_in_flight
                    .map_or("no cap on requests".into(), |n| format!("at most {n}")),
            )));
        }
        let matchers = |s: &BucketSpec| {
            s.matchers
                .iter()
                .map(|m| {
                    let methods: Vec<&str> = m.methods.iter().map(|m| m.as_str()).collect();
                    match methods.is_empty() {
                        true => m.path.text.clone(),
                        false => format!("{} {}", methods.join(","), m.path.text),
                    }
                })
                .collect::<Vec<_>>()
        };
        if matchers(b) != matchers(old) {
            out.push(change(format!(
                "{}: matches {} (was {})",
                b.name,
                matchers(b).join("; "),
                matchers(old).join("; ")
            )));
        }
        if b.partition != old.partition {
            out.push(change(format!(
                "{}: partition {:?} (was {:?})",
                b.name, b.partition, old.partition
            )));
        }
        // Every plan either names, plus "no plan" (which falls back to
        // `default` or the only quota) unless `default` is named anyway.
        let mut plans: BTreeSet<Option<&str>> = b
            .quota
            .keys()
            .chain(old.quota.keys())
            .map(|k| Some(k.as_str()))
            .collect();
        if !plans.contains(&Some("default")) {
            plans.insert(None);
        }
        for plan in plans {
            let (was, now) = (old.quota_for(plan), b.quota_for(plan));
            if raises(was, now) {
                out.push(change(format!(
                    "{}: quota for plan {} raised to {} (was {})",
                    b.name,
                    plan.unwrap_or("default"),
                    quota_text(now),
                    quota_text(was)
                )));
            }
        }
    }
    out
}

impl Unit for Buckets {
    type Section<'m> = &'m RateLimitSpec;

    fn prompt(&self, m: &RateLimitSpec, _reveal: bool, out: &mut Vec<String>) {
        for b in &m.buckets {
            let cap = b
                .max_in_flight
                .map(|n| format!(", at most {n} in flight"))
                .unwrap_or_default();
            out.push(line(
                "rate bucket",
                format_args!("{} ({}){cap}", b.name, b.label),
            ));
        }
        if !m.headers.is_empty() {
            out.push(line("rate-limit headers", m.headers.describe()));
        }
    }

    /// Every approval covers all of the previous version's buckets.
    fn compare(
        &self,
        _: &Grant,
        previous: &RateLimitSpec,
        new: &RateLimitSpec,
        _: bool,
    ) -> Changes {
        let mut changes = Changes::of_sets(&names(previous), &names(new));
        changes.added.extend(bucket_changes(previous, new));
        changes
    }
}
