//! `plugboard matrix`: the capability table of the added plugins, from each
//! plugin's own `describe()`.

use plugboard_core::model::Ability;

use super::table::{print_json, table};
use plugboard_host::host::Host;

const COLUMNS: [(Ability, &str); 8] = [
    (Ability::AccountInfo, "account info"),
    (Ability::Users, "users"),
    (Ability::Groups, "groups"),
    (Ability::AdminRoles, "admins"),
    (Ability::AuditTrail, "audit trail"),
    (Ability::Governance, "governance"),
    (Ability::Posture, "posture"),
    (Ability::DataScan, "data scan"),
];

/// `matrix` arguments.
#[derive(Debug, clap::Args)]
pub struct MatrixArgs {
    /// Print JSON: one object per app with a boolean per ability.
    #[arg(long)]
    pub json: bool,
}

/// Print the matrix.
pub async fn run(app: &Host, a: MatrixArgs) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for p in app.store()?.plugins()? {
        let Ok(info) = p.info() else { continue };
        rows.push((p.id.clone(), info));
    }
    if a.json {
        let out: Vec<_> = rows
            .iter()
            .map(|(id, info)| {
                let mut abilities = serde_json::Map::new();
                for (ability, _) in COLUMNS {
                    let key = serde_json::to_value(ability).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
                    abilities.insert(key, info.abilities.contains(&ability).into());
                }
                serde_json::json!({ "plugin": id, "app": info.app, "version": info.version, "abilities": abilities, "actions": info.actions })
            })
            .collect();
        return print_json(&out);
    }
    let mut header = vec!["app"];
    header.extend(COLUMNS.iter().map(|(_, h)| *h));
    let mut t = table(&header);
    for (_, info) in &rows {
        let mut row = vec![info.app.clone()];
        row.extend(COLUMNS.iter().map(|(a, _)| {
            if info.abilities.contains(a) {
                "✓".to_string()
            } else {
                "–".to_string()
            }
        }));
        t.add_row(row);
    }
    t.print()?;
    Ok(())
}
