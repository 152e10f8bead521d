//! Read queries in SQLite.

use rusqlite::types::Value;
use rusqlite::{Row, params_from_iter};

use super::SqliteStore;
use crate::model::{Account, AccountStatus, Activity, Group, RoleAssignment};
use crate::store::{
    AccountQuery, AccountRow, ActivityQuery, Backend, GroupQuery, GroupRow, InstanceCounts,
    MAX_QUERY_LIMIT, MemberQuery, MemberRow, QueryStore, RoleQuery, RoleRow, StoreError,
};

/// `WHERE` clauses and their parameters, built only from the filters given so
/// each combination gets a plan that uses the indexes.
#[derive(Default)]
struct Filter {
    clauses: Vec<&'static str>,
    values: Vec<Value>,
}

impl Filter {
    fn push(&mut self, clause: &'static str, value: Option<&str>) {
        if let Some(v) = value {
            self.clauses.push(clause);
            self.values.push(Value::Text(v.to_string()));
        }
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }
}

impl QueryStore for SqliteStore {
    /// Accounts matching `q`, by instance, email and id.
    fn accounts(&self, q: &AccountQuery) -> Result<Vec<AccountRow>, StoreError> {
        let mut f = Filter::default();
        f.push("a.instance_id = ?", q.instance.as_deref());
        f.push("a.status = ?", q.status.map(AccountStatus::as_str));
        if q.admins_only {
            f.clauses.push(IS_ADMIN);
        }
        let sql = format!(
            "SELECT a.instance_id, a.id, a.email, a.display_name, a.status, a.user_type, \
             a.created_at, a.last_login_at, a.raw, a.first_seen, a.last_seen, {IS_ADMIN}, \
             (SELECT json_group_array(DISTINCT r.role_name) FROM role_assignments r \
              WHERE r.instance_id = a.instance_id AND r.account_id = a.id) \
             FROM accounts a{} ORDER BY a.instance_id, a.email, a.id LIMIT {} OFFSET {}",
            f.sql(),
            q.limit.min(MAX_QUERY_LIMIT),
            q.offset
        );
        let conn = self.conn();
        let rows: Vec<(AccountRow, String)> = conn
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_map(params_from_iter(f.values.iter()), account_row)?
                    .collect()
            })
            .map_err(self.on("listing accounts"))?;
        rows.into_iter()
            .map(|(mut row, roles)| {
                row.roles = serde_json::from_str(&roles).map_err(|e| StoreError::Corrupt {
                    path: self.label().to_string(),
                    what: "role list",
                    reason: e.to_string(),
                })?;
                row.roles.sort();
                Ok(row)
            })
            .collect()
    }

    /// Activities matching `q` as `(instance, activity)`, newest first.
    fn activities(&self, q: &ActivityQuery) -> Result<Vec<(String, Activity)>, StoreError> {
        let mut f = Filter::default();
        f.push("instance_id = ?", q.instance.as_deref());
        f.push("occurred_at >= ?", q.since.as_deref());
        f.push("occurred_at < ?", q.until.as_deref());
        f.push("actor = ?", q.actor.as_deref());
        f.push("action = ?", q.action.as_deref());
        f.push("category = ?", q.category.as_deref());
        let sql = format!(
            "SELECT instance_id, id, occurred_at, actor, actor_ip, action, category, target, \
             outcome, raw FROM activities{} ORDER BY occurred_at DESC, id DESC \
             LIMIT {} OFFSET {}",
            f.sql(),
            q.limit.min(MAX_QUERY_LIMIT),
            q.offset
        );
        let conn = self.conn();
        conn.prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_map(params_from_iter(f.values.iter()), |r| {
                    Ok((
                        r.get(0)?,
                        Activity {
                            id: r.get(1)?,
                            occurred_at: r.get(2)?,
                            actor: r.get(3)?,
                            actor_ip: r.get(4)?,
                            action: r.get(5)?,
                            category: r.get(6)?,
                            target: r.get(7)?,
                            outcome: r.get(8)?,
                            raw: r.get(9)?,
                        },
                    ))
                })?
                .collect()
            })
            .map_err(self.on("listing activities"))
    }

    /// Groups matching `q`, by instance, name and id.
    fn groups(&self, q: &GroupQuery) -> Result<Vec<GroupRow>, StoreError> {
        let mut f = Filter::default();
        f.push("g.instance_id = ?", q.instance.as_deref());
        let sql = format!(
            "SELECT g.instance_id, g.id, g.name, g.member_count, g.raw, \
             (SELECT COUNT(*) FROM group_members m \
              WHERE m.instance_id = g.instance_id AND m.group_id = g.id) \
             FROM groups g{} ORDER BY g.instance_id, g.name, g.id LIMIT {} OFFSET {}",
            f.sql(),
            q.limit.min(MAX_QUERY_LIMIT),
            q.offset
        );
        let conn = self.conn();
        conn.prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_map(params_from_iter(f.values.iter()), |r| {
                    Ok(GroupRow {
                        instance: r.get(0)?,
                        group: Group {
                            id: r.get(1)?,
                            name: r.get(2)?,
                            member_count: r.get(3)?,
                            raw: r.get(4)?,
                        },
                        members: r.get(5)?,
                    })
                })?
                .collect()
            })
            .map_err(self.on("listing groups"))
    }

    /// Group memberships matching `q`, by instance, group name, group id and
    /// account id.
    fn group_members(&self, q: &MemberQuery) -> Result<Vec<MemberRow>, StoreError> {
        let mut f = Filter::default();
        f.push("m.instance_id = ?", q.instance.as_deref());
        f.push("m.group_id = ?", q.group.as_deref());
        f.push("m.account_id = ?", q.account.as_deref());
        let sql = format!(
            "SELECT m.instance_id, m.group_id, g.name, m.account_id, COALESCE(m.email, a.email) \
             FROM group_members m \
             LEFT JOIN groups g ON g.instance_id = m.instance_id AND g.id = m.group_id \
             LEFT JOIN accounts a ON a.instance_id = m.instance_id AND a.id = m.account_id{} \
             ORDER BY m.instance_id, COALESCE(g.name, ''), m.group_id, m.account_id \
             LIMIT {} OFFSET {}",
            f.sql(),
            q.limit.min(MAX_QUERY_LIMIT),
            q.offset
        );
        let conn = self.conn();
        conn.prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_map(params_from_iter(f.values.iter()), |r| {
                    Ok(MemberRow {
                        instance: r.get(0)?,
                        group_id: r.get(1)?,
                        group_name: r.get(2)?,
                        account_id: r.get(3)?,
                        email: r.get(4)?,
                    })
                })?
                .collect()
            })
            .map_err(self.on("listing group members"))
    }

    /// Role assignments matching `q`, by instance, role name, role id and
    /// account id.
    fn role_assignments(&self, q: &RoleQuery) -> Result<Vec<RoleRow>, StoreError> {
        let mut f = Filter::default();
        f.push("r.instance_id = ?", q.instance.as_deref());
        f.push("r.account_id = ?", q.account.as_deref());
        if q.privileged_only {
            f.clauses.push("r.privileged = 1");
        }
        let sql = format!(
            "SELECT r.instance_id, r.role_id, r.role_name, r.account_id, \
             COALESCE(r.email, a.email), r.privileged, r.raw \
             FROM role_assignments r \
             LEFT JOIN accounts a ON a.instance_id = r.instance_id AND a.id = r.account_id{} \
             ORDER BY r.instance_id, r.role_name, r.role_id, r.account_id LIMIT {} OFFSET {}",
            f.sql(),
            q.limit.min(MAX_QUERY_LIMIT),
            q.offset
        );
        let conn = self.conn();
        conn.prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_map(params_from_iter(f.values.iter()), |r| {
                    Ok(RoleRow {
                        instance: r.get(0)?,
                        assignment: RoleAssignment {
                            role_id: r.get(1)?,
                            role_name: r.get(2)?,
                            account_id: r.get(3)?,
                            email: r.get(4)?,
                            privileged: r.get(5)?,
                            raw: r.get(6)?,
                        },
                    })
                })?
                .collect()
            })
            .map_err(self.on("listing role assignments"))
    }

    /// What `instance` holds, or every instance together when `None`.
    fn counts(&self, instance: Option<&str>) -> Result<InstanceCounts, StoreError> {
        // Two texts rather than `?1 IS NULL OR ...`, so the per-instance form
        // can use the primary-key prefix instead of scanning every table.
        let scope = if instance.is_some() {
            "instance_id = ?1"
        } else {
            "1"
        };
        let sql = format!(
            "SELECT \
             (SELECT COUNT(*) FROM accounts WHERE {scope}), \
             (SELECT COUNT(*) FROM accounts WHERE {scope} AND status = 'active'), \
             (SELECT COUNT(*) FROM groups WHERE {scope}), \
             (SELECT COUNT(*) FROM group_members WHERE {scope}), \
             (SELECT COUNT(*) FROM (SELECT DISTINCT instance_id, account_id \
                FROM role_assignments WHERE {scope} AND privileged = 1)), \
             (SELECT COUNT(*) FROM activities WHERE {scope}), \
             (SELECT COUNT(*) FROM findings WHERE {scope}), \
             (SELECT COUNT(*) FROM findings WHERE {scope} AND status = 'fail')"
        );
        let conn = self.conn();
        conn.prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_row(params_from_iter(instance), |r| {
                    Ok(InstanceCounts {
                        users: r.get(0)?,
                        active_users: r.get(1)?,
                        groups: r.get(2)?,
                        group_members: r.get(3)?,
                        admins: r.get(4)?,
                        activities: r.get(5)?,
                        findings: r.get(6)?,
                        failed_findings: r.get(7)?,
                    })
                })
            })
            .map_err(self.on("counting records"))
    }

    /// Activities of `instance` per category (`sign-in`, `management`, ...).
    fn activity_categories(
        &self,
        instance: &str,
    ) -> Result<std::collections::BTreeMap<String, u64>, StoreError> {
        let conn = self.conn();
        conn.prepare_cached(
            "SELECT category, COUNT(*) FROM activities WHERE instance_id = ?1 GROUP BY category",
        )
        .and_then(|mut s| {
            s.query_map([instance], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?))
            })?
            .collect()
        })
        .map_err(self.on("counting activities by category"))
    }
}

/// "This account holds a privileged role in its instance", as SQL over `a`.
const IS_ADMIN: &str = "EXISTS (SELECT 1 FROM role_assignments r WHERE \
     r.instance_id = a.instance_id AND r.account_id = a.id AND r.privileged = 1)";

/// An account row with an empty role list, plus the roles as a JSON array to
/// decode outside the row closure.
fn account_row(r: &Row<'_>) -> rusqlite::Result<(AccountRow, String)> {
    let status: String = r.get(4)?;
    Ok((
        AccountRow {
            instance: r.get(0)?,
            account: Account {
                id: r.get(1)?,
                email: r.get(2)?,
                display_name: r.get(3)?,
                status: AccountStatus::from_label(&status),
                user_type: r.get(5)?,
                created_at: r.get(6)?,
                last_login_at: r.get(7)?,
                raw: r.get(8)?,
            },
            first_seen: r.get(9)?,
            last_seen: r.get(10)?,
            is_admin: r.get(11)?,
            roles: Vec::new(),
        },
        r.get(12)?,
    ))
}
