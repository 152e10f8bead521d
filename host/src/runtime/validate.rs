//! Output validation: a plugin's page must fit the host's limits before it
//! reaches the store.

use plugboard_core::model::{Page, Record};

use super::limits::{MAX_CURSOR_BYTES, MAX_RAW_BYTES, MAX_RECORDS_PER_PAGE, MAX_SHORT_STRING};

fn short(field: &str, v: &str) -> Result<(), String> {
    if v.len() > MAX_SHORT_STRING {
        return Err(format!(
            "{field} is {} bytes (limit {MAX_SHORT_STRING})",
            v.len()
        ));
    }
    Ok(())
}

fn id(field: &str, v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err(format!("{field} is empty"));
    }
    short(field, v)
}

fn opt(field: &str, v: &Option<String>) -> Result<(), String> {
    v.as_deref().map_or(Ok(()), |s| short(field, s))
}

fn raw(v: &str) -> Result<(), String> {
    if v.len() > MAX_RAW_BYTES {
        return Err(format!("raw is {} bytes (limit {MAX_RAW_BYTES})", v.len()));
    }
    if !v.is_empty() && serde_json::from_str::<serde::de::IgnoredAny>(v).is_err() {
        return Err("raw is not valid JSON".into());
    }
    Ok(())
}

/// Check a page against the limits; the error says which record broke which.
pub fn validate_page(page: &Page) -> Result<(), String> {
    if page.records.len() > MAX_RECORDS_PER_PAGE {
        return Err(format!(
            "{} records in one page (limit {MAX_RECORDS_PER_PAGE})",
            page.records.len()
        ));
    }
    if let Some(c) = &page.cursor
        && c.len() > MAX_CURSOR_BYTES
    {
        return Err(format!(
            "cursor is {} bytes (limit {MAX_CURSOR_BYTES})",
            c.len()
        ));
    }
    for (i, r) in page.records.iter().enumerate() {
        let res = match r {
            Record::Account(a) => id("account.id", &a.id)
                .and(opt("account.email", &a.email))
                .and(opt("account.display-name", &a.display_name))
                .and(opt("account.user-type", &a.user_type))
                .and(raw(&a.raw)),
            Record::Group(g) => id("group.id", &g.id)
                .and(short("group.name", &g.name))
                .and(raw(&g.raw)),
            Record::GroupMember(m) => id("group-member.group-id", &m.group_id)
                .and(id("group-member.account-id", &m.account_id)),
            Record::RoleAssignment(r) => id("role.role-id", &r.role_id)
                .and(id("role.account-id", &r.account_id))
                .and(short("role.role-name", &r.role_name))
                .and(raw(&r.raw)),
            Record::Activity(a) => id("activity.id", &a.id)
                .and(id("activity.occurred-at", &a.occurred_at))
                .and(short("activity.action", &a.action))
                .and(opt("activity.actor", &a.actor))
                .and(opt("activity.target", &a.target))
                .and(raw(&a.raw)),
        };
        res.map_err(|e| format!("record {i}: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugboard_core::model::{Activity, Page, Record};

    fn activity(id: &str, raw: &str) -> Record {
        Record::Activity(Activity {
            id: id.into(),
            occurred_at: "2026-11-01T00:00:00Z".into(),
            actor: None,
            actor_ip: None,
            action: "sign-in".into(),
            category: "sign-in".into(),
            target: None,
            outcome: None,
            raw: raw.into(),
        })
    }

    #[test]
    fn bad_records_are_refused_with_their_index() {
        let cases = [
            (activity("a", "{}"), true),
            (activity("a", ""), true),
            (activity("", "{}"), false),
            (activity("a", "{not json"), false),
            (activity(&"x".repeat(MAX_SHORT_STRING + 1), "{}"), false),
        ];
        for (record, ok) in cases {
            let page = Page {
                records: vec![activity("first", "{}"), record.clone()],
                cursor: None,
                more: false,
            };
            let got = validate_page(&page);
            assert_eq!(got.is_ok(), ok, "{record:?}: {got:?}");
            if let Err(e) = got {
                assert!(e.starts_with("record 1:"), "{e}");
            }
        }
    }

    #[test]
    fn oversized_pages_and_cursors_are_refused() {
        let many = Page {
            records: vec![activity("a", "{}"); MAX_RECORDS_PER_PAGE + 1],
            cursor: None,
            more: false,
        };
        assert!(validate_page(&many).is_err());
        let cursor = Page {
            records: vec![],
            cursor: Some("c".repeat(MAX_CURSOR_BYTES + 1)),
            more: true,
        };
        assert!(validate_page(&cursor).is_err());
    }
}
