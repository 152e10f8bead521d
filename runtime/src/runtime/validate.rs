//! Output validation: everything a plugin returns must fit the host's limits
//! before it reaches the store — every string of every record kind, finding,
//! action outcome, account info and `describe()` answer is bounded, so a
//! plugin cannot fill the disk or the screen through one field.

use plugboard_core::model::{AccountInfo, Finding, Page, PluginInfo, Record};

use crate::limits::{
    MAX_CURSOR_BYTES, MAX_DESCRIBED, MAX_FINDING_TEXT, MAX_FINDINGS, MAX_LABEL_BYTES,
    MAX_RAW_BYTES, MAX_RECORDS_PER_PAGE, MAX_SHORT_STRING,
};

fn bounded(field: &str, v: &str, max: usize) -> Result<(), String> {
    if v.len() > max {
        return Err(format!("{field} is {} bytes (limit {max})", v.len()));
    }
    Ok(())
}

fn short(field: &str, v: &str) -> Result<(), String> {
    bounded(field, v, MAX_SHORT_STRING)
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
    if holds_nul(v) {
        return Err("raw JSON holds the character U+0000 (\\u0000), which the store cannot keep (PostgreSQL's jsonb refuses it)".into());
    }
    Ok(())
}

/// Whether valid JSON `v` has U+0000 in a string or a key. It can only be
/// written `\u0000` (JSON has no raw control characters), so a text without
/// that sequence is not parsed again; one with it is parsed to tell an escaped
/// NUL from an escaped backslash followed by `u0000`.
fn holds_nul(v: &str) -> bool {
    fn walk(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(a) => a.iter().any(walk),
            serde_json::Value::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || walk(v)),
            _ => false,
        }
    }
    v.contains("\\u0000") && serde_json::from_str(v).is_ok_and(|v| walk(&v))
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
    // Stored as text, and PostgreSQL's text cannot hold U+0000.
    if page.cursor.as_deref().is_some_and(|c| c.contains('\0')) {
        return Err("cursor holds the character U+0000, which the store cannot keep".into());
    }
    for (i, r) in page.records.iter().enumerate() {
        let res = match r {
            Record::Account(a) => id("account.id", &a.id)
                .and(opt("account.email", &a.email))
                .and(opt("account.display-name", &a.display_name))
                .and(opt("account.user-type", &a.user_type))
                .and(opt("account.created-at", &a.created_at))
                .and(opt("account.last-login-at", &a.last_login_at))
                .and(raw(&a.raw)),
            Record::Group(g) => id("group.id", &g.id)
                .and(short("group.name", &g.name))
                .and(raw(&g.raw)),
            Record::GroupMember(m) => id("group-member.group-id", &m.group_id)
                .and(id("group-member.account-id", &m.account_id))
                .and(opt("group-member.email", &m.email)),
            Record::RoleAssignment(r) => id("role.role-id", &r.role_id)
                .and(id("role.account-id", &r.account_id))
                .and(short("role.role-name", &r.role_name))
                .and(opt("role.email", &r.email))
                .and(raw(&r.raw)),
            Record::Activity(a) => id("activity.id", &a.id)
                .and(id("activity.occurred-at", &a.occurred_at))
                .and(short("activity.action", &a.action))
                .and(short("activity.category", &a.category))
                .and(opt("activity.actor", &a.actor))
                .and(opt("activity.actor-ip", &a.actor_ip))
                .and(opt("activity.target", &a.target))
                .and(opt("activity.outcome", &a.outcome))
                .and(raw(&a.raw)),
        };
        res.map_err(|e| format!("record {i}: {e}"))?;
    }
    Ok(())
}

/// Check `assess()`'s findings against the limits.
pub fn validate_findings(findings: &[Finding]) -> Result<(), String> {
    if findings.len() > MAX_FINDINGS {
        return Err(format!(
            "{} findings (limit {MAX_FINDINGS})",
            findings.len()
        ));
    }
    for (i, f) in findings.iter().enumerate() {
        id("finding.id", &f.id)
            .and(short("finding.title", &f.title))
            .and(bounded("finding.evidence", &f.evidence, MAX_FINDING_TEXT))
            .and(bounded(
                "finding.remediation",
                &f.remediation,
                MAX_FINDING_TEXT,
            ))
            .map_err(|e| format!("finding {i}: {e}"))?;
    }
    Ok(())
}

/// Check `check()`'s account info against the limits.
pub fn validate_account_info(a: &AccountInfo) -> Result<(), String> {
    short("account-info.id", &a.id)
        .and(opt("account-info.name", &a.name))
        .and(opt("account-info.plan", &a.plan))
        .and(opt("account-info.owner", &a.owner))
        .and(raw(&a.raw))
}

/// Check `describe()`'s answer against the limits.
pub fn validate_info(i: &PluginInfo) -> Result<(), String> {
    if i.streams.len() > MAX_DESCRIBED || i.actions.len() > MAX_DESCRIBED {
        return Err(format!(
            "{} streams and {} actions (limit {MAX_DESCRIBED} each)",
            i.streams.len(),
            i.actions.len()
        ));
    }
    bounded("info.version", &i.version, MAX_LABEL_BYTES).and(bounded(
        "info.app",
        &i.app,
        MAX_LABEL_BYTES,
    ))?;
    for s in &i.streams {
        id("stream.name", &s.name)
            .and(bounded("stream.name", &s.name, MAX_LABEL_BYTES))
            .and(bounded(
                "stream.description",
                &s.description,
                MAX_SHORT_STRING,
            ))?;
    }
    i.actions
        .iter()
        .try_for_each(|a| id("action", a).and(bounded("action", a, MAX_LABEL_BYTES)))
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
    fn raw_json_holding_an_escaped_nul_is_refused_and_an_escaped_backslash_is_not() {
        let cases = [
            (r#"{"a":"x\u0000y"}"#, false),
            (r#"{"\u0000":1}"#, false),
            (r#"[1,{"b":["\u0000"]}]"#, false),
            (r#""\u0000""#, false),
            (r#"{"path":"C:\\u0000"}"#, true),
            (r#"{"a":"\u0001"}"#, true),
        ];
        for (json, ok) in cases {
            let page = Page {
                records: vec![activity("a", json)],
                cursor: None,
                more: false,
            };
            let got = validate_page(&page);
            assert_eq!(got.is_ok(), ok, "{json}: {got:?}");
            if let Err(e) = got {
                assert!(e.starts_with("record 0: raw JSON holds"), "{e}");
            }
        }
    }

    #[test]
    fn a_cursor_holding_a_nul_is_refused() {
        let page = Page {
            records: vec![],
            cursor: Some("next\0page".into()),
            more: true,
        };
        assert!(validate_page(&page).is_err());
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
