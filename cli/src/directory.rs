//! `plugboard groups [--members]|roles`: the groups, memberships and role
//! assignments scans stored, paged like `accounts`. JSON shapes: the
//! store's `GroupRow`, `MemberRow` and `RoleRow` in a [`Paged`] list.

use plugboard_core::store::{GroupQuery, MemberQuery, RoleQuery};

use super::rows::{PageArgs, Paged};
use super::table::{cell, print_json, table};
use plugboard_host::host::Host;

/// `groups` arguments.
#[derive(Debug, clap::Args)]
pub struct GroupsArgs {
    /// Only this instance.
    #[arg(long)]
    pub instance: Option<String>,
    /// List memberships (one row per group and member) instead of groups.
    #[arg(long)]
    pub members: bool,
    /// With --members: only members of the group with this id.
    #[arg(long, value_name = "ID", requires = "members")]
    pub group: Option<String>,
    /// With --members: only the groups of the account with this id.
    #[arg(long, value_name = "ID", requires = "members")]
    pub account: Option<String>,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
    /// Print JSON: `{items, limit, offset, next_offset}`.
    #[arg(long)]
    pub json: bool,
}

/// `roles` arguments.
#[derive(Debug, clap::Args)]
pub struct RolesArgs {
    /// Only this instance.
    #[arg(long)]
    pub instance: Option<String>,
    /// Only roles that grant administrative power.
    #[arg(long)]
    pub privileged: bool,
    /// Only roles held by the account with this id.
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
    /// Print JSON: `{items, limit, offset, next_offset}`.
    #[arg(long)]
    pub json: bool,
}

/// List groups, or with `--members` their memberships.
pub async fn groups(app: &Host, a: GroupsArgs) -> anyhow::Result<()> {
    let (limit, offset) = (a.page.limit, a.page.offset);
    let store = app.store()?;
    if a.members {
        let rows = store.group_members(&MemberQuery {
            instance: a.instance,
            group: a.group,
            account: a.account,
            limit,
            offset,
        })?;
        if a.json {
            return print_json(&Paged::new(rows, limit, offset));
        }
        let mut t = table(&["instance", "group", "group id", "account", "email"]);
        for r in &rows {
            t.add_row(vec![
                r.instance.clone(),
                cell(&r.group_name),
                r.group_id.clone(),
                r.account_id.clone(),
                cell(&r.email),
            ]);
        }
        t.print()?;
        return Ok(());
    }
    let rows = store.groups(&GroupQuery {
        instance: a.instance,
        limit,
        offset,
    })?;
    if a.json {
        return print_json(&Paged::new(rows, limit, offset));
    }
    let mut t = table(&["instance", "group", "id", "members", "reported"]);
    for r in &rows {
        t.add_row(vec![
            r.instance.clone(),
            r.group.name.clone(),
            r.group.id.clone(),
            r.members.to_string(),
            r.group
                .member_count
                .map(|n| n.to_string())
                .unwrap_or_default(),
        ]);
    }
    t.print()?;
    Ok(())
}

/// List role assignments.
pub async fn roles(app: &Host, a: RolesArgs) -> anyhow::Result<()> {
    let (limit, offset) = (a.page.limit, a.page.offset);
    let rows = app.store()?.role_assignments(&RoleQuery {
        instance: a.instance,
        privileged_only: a.privileged,
        account: a.account,
        limit,
        offset,
    })?;
    if a.json {
        return print_json(&Paged::new(rows, limit, offset));
    }
    let mut t = table(&[
        "instance",
        "role",
        "role id",
        "account",
        "email",
        "privileged",
    ]);
    for r in &rows {
        let ra = &r.assignment;
        t.add_row(vec![
            r.instance.clone(),
            ra.role_name.clone(),
            ra.role_id.clone(),
            ra.account_id.clone(),
            cell(&ra.email),
            if ra.privileged { "yes" } else { "" }.to_string(),
        ]);
    }
    t.print()?;
    Ok(())
}
