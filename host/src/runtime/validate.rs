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
