//! Read queries in PostgreSQL.

use std::collections::BTreeMap;

use tokio_postgres::types::ToSql;

use super::{PgStore, count};
use crate::model::{Account, AccountStatus, Activity, Group, RoleAssignment};
use crate::store::{
    AccountQuery, AccountRow, ActivityQuery, Backend, GroupQuery, GroupRow, InstanceCounts,
    MAX_QUERY_LIMIT, MemberQuery, MemberRow, QueryStore, RoleQuery, RoleRow, StoreError,
};

/// `WHERE` clauses and their parameters, built only from the filters given so
/// each combination gets a plan that uses the indexes.
#[derive(Default)]
struct Filter {
    clauses: Vec<String>,
    values: Vec<String>,
}

impl Filter {
    /// Add `column op $n` when `value` is given.
    fn push(&mut self, column: &str, op: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.values.push(v.to_string());
            self.clauses
                .push(format!("{column} {op} ${}", self.values.len()));
        }
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// ` LIMIT $n OFFSET $n+1` after the filter's own parameters: limits are
    /// parameters, not text, so the statements prepared (and cached per
    /// connection) stay one per combination of filters.
    fn page_sql(&self) -> String {
        let n = self.values.len();
        format!(" LIMIT ${} OFFSET ${}", n + 1, n + 2)
    }

    /// The filter's parameters, then `limit` and `offset`.
    fn params<'a>(&'a self, limit: &'a i64, offset: &'a i64) -> Vec<&'a (dyn ToSql + Sync)> {
        let mut params: Vec<&(dyn ToSql + Sync)> = self
            .values
            .iter()
            .map(|v| v as &(dyn ToSql + Sync))
            .collect();
        params.push(limit);
        params.push(offset);
        params
    }
}

/// A query's limit (capped at [`MAX_QUERY_LIMIT`]) and offset, as parameters.
fn window(limit: u32, offset: u32) -> (i64, i64) {
    (i64::from(limit.min(MAX_QUERY_LIMIT)), i64::from(offset))
}

/// "This account holds a privileged role in its instance", as SQL over `a`.
const IS_ADMIN: &str = "EXISTS (SELECT 1 FROM role_assignments r WHERE \
     r.instance_id = a.instance_id AND r.account_id = a.id AND r.privileged)";

impl QueryStore for PgStore {
    fn accounts(&self, q: &AccountQuery) -> Result<Vec<AccountRow>, StoreError> {
        let mut f = Filter::default();
        f.push("a.instance_id", "=", q.instance.as_deref());
        f.push("a.status", "=", q.status.map(AccountStatus::as_str));
        if q.admins_only {
            f.clauses.push(IS_ADMIN.to_string());
        }
        let sql = format!(
            "SELECT a.instance_id, a.id, a.email, a.display_name, a.status, a.user_type, \
             a.created_at, a.last_login_at, a.raw, a.first_seen, a.last_seen, {IS_ADMIN}, \
             ARRAY(SELECT DISTINCT r.role_name FROM role_assignments r \
              WHERE r.instance_id = a.instance_id AND r.account_id = a.id ORDER BY r.role_name) \
             FROM accounts a{} ORDER BY a.instance_id, a.email, a.id{}",
            f.sql(),
            f.page_sql()
        );
        let (limit, offset) = window(q.limit, q.offset);
        self.block(async {
            let c = self.client().await?;
            let rows = self
                .rows(&c, "listing accounts", &sql, &f.params(&limit, &offset))
                .await?;
            self.decode("listing accounts", &rows, |r| {
                let status: String = r.try_get(4)?;
                Ok(AccountRow {
                    instance: r.try_get(0)?,
                    account: Account {
                        id: r.try_get(1)?,
                        email: r.try_get(2)?,
                        display_name: r.try_get(3)?,
                        status: AccountStatus::from_label(&status),
                        user_type: r.try_get(5)?,
                        created_at: r.try_get(6)?,
                        last_login_at: r.try_get(7)?,
                        raw: r.try_get(8)?,
                    },
                    first_seen: r.try_get(9)?,
                    last_seen: r.try_get(10)?,
                    is_admin: r.try_get(11)?,
                    roles: r.try_get(12)?,
                })
            })
        })
    }

    fn activities(&self, q: &ActivityQuery) -> Result<Vec<(String, Activity)>, StoreError> {
        let mut f = Filter::default();
        f.push("instance_id", "=", q.instance.as_deref());
        f.push("occurred_at", ">=", q.since.as_deref());
        f.push("occurred_at", "<", q.until.as_deref());
        f.push("actor", "=", q.actor.as_deref());
        f.push("action", "=", q.action.as_deref());
        f.push("category", "=", q.category.as_deref());
        let sql = format!(
            "SELECT instance_id, id, occurred_at, actor, actor_ip, action, category, target, \
             outcome, raw FROM activities{} ORDER BY occurred_at DESC, id DESC{}",
            f.sql(),
            f.page_sql()
        );
        let (limit, offset) = window(q.limit, q.offset);
        self.block(async {
            let c = self.client().await?;
            let rows = self
                .rows(&c, "listing activities", &sql, &f.params(&limit, &offset))
                .await?;
            self.decode("listing activities", &rows, |r| {
                Ok((
                    r.try_get(0)?,
                    Activity {
                        id: r.try_get(1)?,
                        occurred_at: r.try_get(2)?,
                        actor: r.try_get(3)?,
                        actor_ip: r.try_get(4)?,
                        action: r.try_get(5)?,
                        category: r.try_get(6)?,
                        target: r.try_get(7)?,
                        outcome: r.try_get(8)?,
                        raw: r.try_get(9)?,
                    },
                ))
            })
        })
    }

    fn groups(&self, q: &GroupQuery) -> Result<Vec<GroupRow>, StoreError> {
        let mut f = Filter::default();
        f.push("g.instance_id", "=", q.instance.as_deref());
        let sql = format!(
            "SELECT g.instance_id, g.id, g.name, g.member_count, g.raw, \
             (SELECT COUNT(*) FROM group_members m \
              WHERE m.instance_id = g.instance_id AND m.group_id = g.id) \
             FROM groups g{} ORDER BY g.instance_id, g.name, g.id{}",
            f.sql(),
            f.page_sql()
        );
        let (limit, offset) = window(q.limit, q.offset);
        self.block(async {
            let c = self.client().await?;
            let rows = self
                .rows(&c, "listing groups", &sql, &f.params(&limit, &offset))
                .await?;
            let rows: Vec<(GroupRow, i64)> = self.decode("listing groups", &rows, |r| {
                let member_count: Option<i64> = r.try_get(3)?;
                Ok((
                    GroupRow {
                        instance: r.try_get(0)?,
                        group: Group {
                            id: r.try_get(1)?,
                            name: r.try_get(2)?,
                            member_count: member_count.and_then(|n| u32::try_from(n).ok()),
                            raw: r.try_get(4)?,
                        },
                        members: 0,
                    },
                    r.try_get(5)?,
                ))
            })?;
            rows.into_iter()
                .map(|(mut row, members)| {
                    row.members = count(self.label(), members)?;
                    Ok(row)
                })
                .collect()
        })
    }

    fn group_members(&self, q: &MemberQuery) -> Result<Vec<MemberRow>, StoreError> {
        let mut f = Filter::default();
        f.push("m.instance_id", "=", q.instance.as_deref());
        f.push("m.group_id", "=", q.group.as_deref());
        f.push("m.account_id", "=", q.account.as_deref());
        let sql = format!(
            "SELECT m.instance_id, m.group_id, g.name, m.account_id, COALESCE(m.email, a.email) \
             FROM group_members m \
             LEFT JOIN groups g ON g.instance_id = m.instance_id AND g.id = m.group_id \
             LEFT JOIN accounts a ON a.instance_id = m.instance_id AND a.id = m.account_id{} \
             ORDER BY m.instance_id, COALESCE(g.name, ''), m.group_id, m.account_id{}",
            f.sql(),
            f.page_sql()
        );
        let (limit, offset) = window(q.limit, q.offset);
        self.block(async {
            let c = self.client().await?;
            let rows = self
                .rows(
                    &c,
                    "listing group members",
                    &sql,
                    &f.params(&limit, &offset),
                )
                .await?;
            self.decode("listing group members", &rows, |r| {
                Ok(MemberRow {
                    instance: r.try_get(0)?,
                    group_id: r.try_get(1)?,
                    group_name: r.try_get(2)?,
                    account_id: r.try_get(3)?,
                    email: r.try_get(4)?,
                })
            })
        })
    }

    fn role_assignments(&self, q: &RoleQuery) -> Result<Vec<RoleRow>, StoreError> {
        let mut f = Filter::default();
        f.push("r.instance_id", "=", q.instance.as_deref());
        f.push("r.account_id", "=", q.account.as_deref());
        if q.privileged_only {
            f.clauses.push("r.privileged".to_string());
        }
        let sql = format!(
            "SELECT r.instance_id, r.role_id, r.role_name, r.account_id, \
             COALESCE(r.email, a.email), r.privileged, r.raw \
             FROM role_assignments r \
             LEFT JOIN accounts a ON a.instance_id = r.instance_id AND a.id = r.account_id{} \
             ORDER BY r.instance_id, r.role_name, r.role_id, r.account_id{}",
            f.sql(),
            f.page_sql()
        );
        let (limit, offset) = window(q.limit, q.offset);
        self.block(async {
            let c = self.client().await?;
            let rows = self
                .rows(
                    &c,
                    "listing role assignments",
                    &sql,
                    &f.params(&limit, &offset),
                )
                .await?;
            self.decode("listing role assignments", &rows, |r| {
                Ok(RoleRow {
                    instance: r.try_get(0)?,
                    assignment: RoleAssignment {
                        role_id: r.try_get(1)?,
                        role_name: r.try_get(2)?,
                        account_id: r.try_get(3)?,
                        email: r.try_get(4)?,
                        privileged: r.try_get(5)?,
                        raw: r.try_get(6)?,
                    },
                })
            })
        })
    }

    fn counts(&self, instance: Option<&str>) -> Result<InstanceCounts, StoreError> {
        // Two texts rather than `$1 IS NULL OR ...`, so the per-instance form
        // can use the primary-key prefix instead of scanning every table.
        let scope = if instance.is_some() {
            "instance_id = $1"
        } else {
            "TRUE"
        };
        let sql = format!(
            "SELECT \
             (SELECT COUNT(*) FROM accounts WHERE {scope}), \
             (SELECT COUNT(*) FROM accounts WHERE {scope} AND status = 'active'), \
             (SELECT COUNT(*) FROM groups WHERE {scope}), \
             (SELECT COUNT(*) FROM group_members WHERE {scope}), \
             (SELECT COUNT(*) FROM (SELECT DISTINCT instance_id, account_id \
                FROM role_assignments WHERE {scope} AND privileged) AS admins), \
             (SELECT COUNT(*) FROM activities WHERE {scope}), \
             (SELECT COUNT(*) FROM findings WHERE {scope}), \
             (SELECT COUNT(*) FROM findings WHERE {scope} AND status = 'fail')"
        );
        self.block(async {
            let c = self.client().await?;
            let params: Vec<&(dyn ToSql + Sync)> = match &instance {
                Some(id) => vec![id],
                None => vec![],
            };
            let row = self
                .row(&c, "counting records", &sql, &params)
                .await?
                .ok_or_else(|| self.fault("counting records", "the count returned no row"))?;
            let n = |i: usize| -> Result<u64, StoreError> {
                let v: i64 = row.try_get(i).map_err(self.on("counting records"))?;
                count(self.label(), v)
            };
            Ok(InstanceCounts {
                users: n(0)?,
                active_users: n(1)?,
                groups: n(2)?,
                group_members: n(3)?,
                admins: n(4)?,
                activities: n(5)?,
                findings: n(6)?,
                failed_findings: n(7)?,
            })
        })
    }

    fn activity_categories(&self, instance: &str) -> Result<BTreeMap<String, u64>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let rows = self
                .rows(
                    &c,
                    "counting activities by category",
                    "SELECT category, COUNT(*) FROM activities WHERE instance_id = $1 \
                     GROUP BY category",
                    &[&instance],
                )
                .await?;
            let pairs: Vec<(String, i64)> =
                self.decode("counting activities by category", &rows, |r| {
                    Ok((r.try_get(0)?, r.try_get(1)?))
                })?;
            pairs
                .into_iter()
                .map(|(k, v)| Ok((k, count(self.label(), v)?)))
                .collect()
        })
    }
}
