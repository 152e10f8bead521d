//! `plugboard accounts|activities|findings`: reading what scans stored.
//! Their JSON shapes are in [`super::rows`].

use plugboard_core::model::{AccountStatus, FindingStatus};
use plugboard_core::store::{AccountQuery, ActivityQuery};

use super::rows::{ActivityRow, FindingRow, Listed, PageArgs, Paged};
use super::table::{cell, print_json, table};
use plugboard_host::host::Host;

/// `accounts` arguments.
#[derive(Debug, clap::Args)]
pub struct AccountsArgs {
    /// Only this instance.
    #[arg(long)]
    pub instance: Option<String>,
    /// Only accounts holding a privileged role.
    #[arg(long)]
    pub admins: bool,
    /// Only this status.
    #[arg(long, value_parser = ["active", "inactive", "pending", "unknown"])]
    pub status: Option<String>,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
    /// Print JSON: `{items, limit, offset, next_offset}`.
    #[arg(long)]
    pub json: bool,
}

/// `activities` arguments.
#[derive(Debug, clap::Args)]
pub struct ActivitiesArgs {
    /// Only this instance.
    #[arg(long)]
    pub instance: Option<String>,
    /// Only events at or after this RFC 3339 time (or date).
    #[arg(long)]
    pub since: Option<String>,
    /// Only events before this RFC 3339 time (or date).
    #[arg(long)]
    pub until: Option<String>,
    /// Only events by this actor.
    #[arg(long)]
    pub actor: Option<String>,
    /// Only this action (e.g. `sign-in`).
    #[arg(long)]
    pub action: Option<String>,
    /// Only this category (e.g. `admin-operation`).
    #[arg(long)]
    pub category: Option<String>,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
    /// Print JSON: `{items, limit, offset, next_offset}`.
    #[arg(long)]
    pub json: bool,
}

/// `findings` arguments.
#[derive(Debug, clap::Args)]
pub struct FindingsArgs {
    /// Only this instance.
    #[arg(long)]
    pub instance: Option<String>,
    /// Print JSON: `{items}`.
    #[arg(long)]
    pub json: bool,
}

/// List accounts.
pub async fn accounts(app: &Host, a: AccountsArgs) -> anyhow::Result<()> {
    let q = AccountQuery {
        instance: a.instance,
        status: a.status.as_deref().map(AccountStatus::from_label),
        admins_only: a.admins,
        limit: a.page.limit,
        offset: a.page.offset,
    };
    let rows = app.store()?.accounts(&q)?;
    if a.json {
        return print_json(&Paged::new(rows, a.page.limit, a.page.offset));
    }
    let mut t = table(&[
        "instance",
        "id",
        "email",
        "name",
        "status",
        "admin",
        "roles",
        "last login",
    ]);
    for r in &rows {
        t.add_row(vec![
            r.instance.clone(),
            r.account.id.clone(),
            cell(&r.account.email),
            cell(&r.account.display_name),
            r.account.status.as_str().to_string(),
            if r.is_admin {
                "yes".into()
            } else {
                String::new()
            },
            r.roles.join(", "),
            cell(&r.account.last_login_at),
        ]);
    }
    t.print()?;
    Ok(())
}

/// List activities.
pub async fn activities(app: &Host, a: ActivitiesArgs) -> anyhow::Result<()> {
    let q = ActivityQuery {
        instance: a.instance,
        since: a.since,
        until: a.until,
        actor: a.actor,
        action: a.action,
        category: a.category,
        limit: a.page.limit,
        offset: a.page.offset,
    };
    let rows = app.store()?.activities(&q)?;
    if a.json {
        let items = rows
            .iter()
            .map(|(instance, activity)| ActivityRow { instance, activity })
            .collect();
        return print_json(&Paged::new(items, a.page.limit, a.page.offset));
    }
    let mut t = table(&[
        "instance", "time", "actor", "ip", "action", "category", "target",
    ]);
    for (i, act) in &rows {
        t.add_row(vec![
            i.clone(),
            act.occurred_at.clone(),
            cell(&act.actor),
            cell(&act.actor_ip),
            act.action.clone(),
            act.category.clone(),
            cell(&act.target),
        ]);
    }
    t.print()?;
    Ok(())
}

/// List findings.
pub async fn findings(app: &Host, a: FindingsArgs) -> anyhow::Result<()> {
    let rows = app.store()?.findings(a.instance.as_deref())?;
    if a.json {
        let items = rows
            .iter()
            .map(|(instance, finding)| FindingRow { instance, finding })
            .collect();
        return print_json(&Listed { items });
    }
    let mut t = table(&[
        "instance",
        "check",
        "status",
        "severity",
        "evidence",
        "remediation",
    ]);
    for (i, f) in &rows {
        let status = match f.status {
            FindingStatus::Pass => "pass",
            FindingStatus::Fail => "FAIL",
            FindingStatus::Partial => "partial",
            FindingStatus::Unknown => "unknown",
        };
        t.add_row(vec![
            i.clone(),
            f.title.clone(),
            status.into(),
            format!("{:?}", f.severity).to_lowercase(),
            f.evidence.clone(),
            f.remediation.clone(),
        ]);
    }
    t.print()?;
    Ok(())
}
