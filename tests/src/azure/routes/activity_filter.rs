//! The activity log's `$filter`: `eventTimestamp ge '<t>' and eventTimestamp le '<t>'`,
//! optionally `and resourceGroupName|resourceUri|resourceProvider|correlationId eq '<v>'`
//! (and `eventChannels eq '...'`, accepted and ignored). Both bounds are required.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, Time};

/// A parsed activity-log filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EventFilter {
    /// `eventTimestamp ge`: inclusive lower bound.
    pub ge: OffsetDateTime,
    /// `eventTimestamp le`: inclusive upper bound.
    pub le: OffsetDateTime,
    /// `resourceGroupName eq`.
    pub resource_group: Option<String>,
    /// `resourceUri eq`.
    pub resource_uri: Option<String>,
    /// `resourceProvider eq`.
    pub resource_provider: Option<String>,
    /// `correlationId eq`.
    pub correlation_id: Option<String>,
}

/// An ISO-8601 instant: RFC 3339 (any fraction, `Z` or offset), without an offset
/// (taken as UTC), or a bare date (midnight UTC).
pub(crate) fn parse_instant(raw: &str) -> Option<OffsetDateTime> {
    let raw = raw.trim();
    if let Ok(t) = OffsetDateTime::parse(raw, &Rfc3339) {
        return Some(t);
    }
    if let Ok(t) = OffsetDateTime::parse(&format!("{raw}Z"), &Rfc3339) {
        return Some(t);
    }
    Date::parse(raw, format_description!("[year]-[month]-[day]"))
        .ok()
        .map(|d| d.with_time(Time::MIDNIGHT).assume_utc())
}

/// Splits `raw` on the keyword `and` (any case), outside quotes.
fn clauses(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let words: Vec<&str> = raw.split(' ').collect();
    for word in words {
        if !quoted && word.eq_ignore_ascii_case("and") {
            out.push(std::mem::take(&mut current));
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
        quoted ^= word.matches('\'').count() % 2 == 1;
    }
    out.push(current);
    out.into_iter().map(|c| c.trim().to_owned()).collect()
}

fn unquote(value: &str) -> &str {
    let value = value.trim();
    value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .unwrap_or(value)
}

impl EventFilter {
    /// Parses a `$filter`, or says what is wrong with it.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut ge = None;
        let mut le = None;
        let mut filter = EventFilter {
            ge: OffsetDateTime::UNIX_EPOCH,
            le: OffsetDateTime::UNIX_EPOCH,
            resource_group: None,
            resource_uri: None,
            resource_provider: None,
            correlation_id: None,
        };
        for clause in clauses(raw) {
            let mut parts = clause.splitn(3, ' ');
            let (Some(field), Some(op), Some(value)) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(format!(
                    "The clause '{clause}' is not of the form <field> <op> '<value>'."
                ));
            };
            let op = op.to_ascii_lowercase();
            let value = unquote(value);
            match (field.to_ascii_lowercase().as_str(), op.as_str()) {
                ("eventtimestamp", "ge" | "le") => {
                    let t = parse_instant(value)
                        .ok_or_else(|| format!("'{value}' is not a valid ISO 8601 timestamp."))?;
                    if op == "ge" {
                        ge = Some(t)
                    } else {
                        le = Some(t)
                    }
                }
                ("resourcegroupname", "eq") => filter.resource_group = Some(value.to_owned()),
                ("resourceuri" | "resourceid", "eq") => {
                    filter.resource_uri = Some(value.to_owned())
                }
                ("resourceprovider", "eq") => filter.resource_provider = Some(value.to_owned()),
                ("correlationid", "eq") => filter.correlation_id = Some(value.to_owned()),
                ("eventchannels" | "levels", "eq") => {}
                _ => return Err(format!("The clause '{clause}' is not supported.")),
            }
        }
        match (ge, le) {
            (Some(ge), Some(le)) if ge <= le => Ok(EventFilter { ge, le, ..filter }),
            (Some(_), Some(_)) => Err("The start time must not be after the end time.".to_owned()),
            _ => Err(
                "Both eventTimestamp ge '<start>' and eventTimestamp le '<end>' are required."
                    .to_owned(),
            ),
        }
    }

    /// Whether an event with these properties passes.
    pub fn matches(
        &self,
        timestamp: OffsetDateTime,
        resource_group: &str,
        resource_id: &str,
        provider: &str,
        correlation_id: &str,
    ) -> bool {
        let eq = |want: &Option<String>, have: &str| {
            want.as_deref().is_none_or(|w| w.eq_ignore_ascii_case(have))
        };
        timestamp >= self.ge
            && timestamp <= self.le
            && eq(&self.resource_group, resource_group)
            && eq(&self.resource_uri, resource_id)
            && eq(&self.resource_provider, provider)
            && eq(&self.correlation_id, correlation_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_bounds_are_required_and_extra_clauses_are_honoured() {
        let ok = EventFilter::parse(
            "eventTimestamp ge '2026-11-01T00:00:00Z' AND eventTimestamp le '2026-11-02T00:00:00.1234567+00:00' and resourceGroupName eq 'rg-web'",
        );
        let ok = ok.map(|f| (f.le > f.ge, f.resource_group));
        assert_eq!(ok, Ok((true, Some("rg-web".to_owned()))));
        for bad in [
            "",
            "eventTimestamp ge '2026-11-01T00:00:00Z'",
            "eventTimestamp ge 'yesterday' and eventTimestamp le '2026-11-01'",
            "eventTimestamp le '2026-11-01' and eventTimestamp ge '2026-11-02'",
            "eventTimestamp ge '2026-11-01' and foo eq 'x' and eventTimestamp le '2026-11-02'",
            "and and and",
            "'''",
        ] {
            assert!(EventFilter::parse(bad).is_err(), "{bad}");
        }
        assert!(parse_instant("2026-11-01").is_some());
        assert!(parse_instant("2026-11-01T10:00:00").is_some());
    }
}
