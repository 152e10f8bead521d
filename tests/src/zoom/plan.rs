//! Zoom account plans and API rate-limit categories, with each plan's limits.
//!
//! The numbers are Zoom's published per-account limits (`api-facts/zoom.md`). They are
//! shared by every app of one account, which is why a connector must stay well under them.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A Zoom account plan; it decides the rate limits and whether paid-only APIs answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Plan {
    /// Basic (free) account: low limits, and groups, roles, settings and reports are refused.
    Free,
    /// Pro account, the minimum the Zoom connector supports. The default.
    #[default]
    Pro,
    /// Business (and higher) account: the highest limits.
    Business,
}

/// A plan name that is not `free`, `pro` or `business`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Zoom plan {0:?}: expected one of free, pro, business")]
pub struct UnknownPlan(pub String);

impl FromStr for Plan {
    type Err = UnknownPlan;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "free" => Ok(Plan::Free),
            "pro" => Ok(Plan::Pro),
            "business" => Ok(Plan::Business),
            _ => Err(UnknownPlan(s.to_owned())),
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Plan::Free => "free",
            Plan::Pro => "pro",
            Plan::Business => "business",
        })
    }
}

/// A Zoom API rate-limit category ("Rate Limit Label" in the API reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// Cheap reads and writes of one object, e.g. `GET /users/{userId}`.
    Light,
    /// Lists, e.g. `GET /users`, `GET /groups`, `GET /roles`, account settings.
    Medium,
    /// Reports, e.g. `GET /report/activities`.
    Heavy,
    /// The most expensive reports; limited per minute.
    ResourceIntensive,
}

impl Category {
    /// Every category, in order.
    pub const ALL: [Category; 4] = [
        Category::Light,
        Category::Medium,
        Category::Heavy,
        Category::ResourceIntensive,
    ];

    /// The name Zoom uses in the `X-RateLimit-Category` header.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Light => "Light",
            Category::Medium => "Medium",
            Category::Heavy => "Heavy",
            Category::ResourceIntensive => "Resource-intensive",
        }
    }

    /// Position of the category in [`Category::ALL`], for array-backed tables.
    pub(crate) fn index(self) -> usize {
        match self {
            Category::Light => 0,
            Category::Medium => 1,
            Category::Heavy => 2,
            Category::ResourceIntensive => 3,
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rolling-window limit: at most `limit` requests in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed in one window.
    pub limit: u64,
    /// The window length: one second, or one minute for resource-intensive APIs.
    pub window: Duration,
}

/// Which daily quota a category draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DailyBucket {
    /// Free accounts' daily cap on Light APIs.
    Light,
    /// The cap that Heavy and Resource-intensive APIs share.
    HeavyShared,
}

/// A daily quota, reset at midnight UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyLimit {
    /// The quota the request draws from.
    pub bucket: DailyBucket,
    /// Requests allowed per UTC day.
    pub limit: u64,
}

const ONE_SECOND: Duration = Duration::from_secs(1);
const ONE_MINUTE: Duration = Duration::from_secs(60);

impl Plan {
    /// The rolling-window limit for `category` on this plan (Zoom's published table).
    pub fn rate_limit(self, category: Category) -> RateLimit {
        let (limit, window) = match (self, category) {
            (Plan::Free, Category::Light) => (4, ONE_SECOND),
            (Plan::Free, Category::Medium) => (2, ONE_SECOND),
            (Plan::Free, Category::Heavy) => (1, ONE_SECOND),
            (Plan::Free, Category::ResourceIntensive) => (10, ONE_MINUTE),
            (Plan::Pro, Category::Light) => (30, ONE_SECOND),
            (Plan::Pro, Category::Medium) => (20, ONE_SECOND),
            (Plan::Pro, Category::Heavy) => (10, ONE_SECOND),
            (Plan::Pro, Category::ResourceIntensive) => (10, ONE_MINUTE),
            (Plan::Business, Category::Light) => (80, ONE_SECOND),
            (Plan::Business, Category::Medium) => (60, ONE_SECOND),
            (Plan::Business, Category::Heavy) => (40, ONE_SECOND),
            (Plan::Business, Category::ResourceIntensive) => (20, ONE_MINUTE),
        };
        RateLimit { limit, window }
    }

    /// The daily quota `category` draws from on this plan, if any.
    ///
    /// Heavy and Resource-intensive share 30,000/day on Pro and 60,000/day on Business;
    /// Free has 6,000/day on Light, and its Heavy share is set like Pro's (Free accounts
    /// cannot call the reports anyway).
    pub fn daily_limit(self, category: Category) -> Option<DailyLimit> {
        match (self, category) {
            (Plan::Free, Category::Light) => Some(DailyLimit {
                bucket: DailyBucket::Light,
                limit: 6_000,
            }),
            (_, Category::Light | Category::Medium) => None,
            (Plan::Free | Plan::Pro, _) => Some(DailyLimit {
                bucket: DailyBucket::HeavyShared,
                limit: 30_000,
            }),
            (Plan::Business, _) => Some(DailyLimit {
                bucket: DailyBucket::HeavyShared,
                limit: 60_000,
            }),
        }
    }

    /// Whether the plan is paid (Pro or higher), which groups, roles, settings and
    /// reports require.
    pub fn is_paid(self) -> bool {
        !matches!(self, Plan::Free)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_names_round_trip_through_display_and_from_str() {
        for plan in [Plan::Free, Plan::Pro, Plan::Business] {
            assert_eq!(plan.to_string().parse::<Plan>(), Ok(plan), "{plan}");
        }
        assert!("enterprise".parse::<Plan>().is_err());
    }

    #[test]
    fn categories_display_as_zoom_spells_them() {
        let names: Vec<String> = Category::ALL.iter().map(|c| c.to_string()).collect();
        assert_eq!(names, ["Light", "Medium", "Heavy", "Resource-intensive"]);
    }

    #[test]
    fn pro_limits_match_the_published_table() {
        assert_eq!(Plan::Pro.rate_limit(Category::Medium).limit, 20);
        assert_eq!(Plan::Pro.rate_limit(Category::Heavy).limit, 10);
        assert_eq!(
            Plan::Business
                .rate_limit(Category::ResourceIntensive)
                .window,
            ONE_MINUTE
        );
        assert_eq!(Plan::Pro.daily_limit(Category::Medium), None);
        assert_eq!(
            Plan::Business.daily_limit(Category::Heavy).map(|d| d.limit),
            Some(60_000)
        );
    }
}
