//! Plugboard connector for a GitHub organization (WASI p2 component): members
//! and their role, owners, outside collaborators, teams and their members, the
//! audit log and the settings' posture; removes members or converts them to
//! outside collaborators. The host brokers the credential (a GitHub App's
//! installation token or a fine-grained token), paces requests and waits out
//! GitHub's limits; every stream is declared with [`plugboard_sdk::stream`].

pub mod client;
pub mod governance;
pub mod posture;
pub mod streams;

use plugboard_sdk::stream::{Env, Host};
use plugboard_sdk::{
    Ability, AccountInfo, Action, Connector, Error, Finding, Info, Outcome, Page, config,
};

/// GitHub keeps 180 days of organization audit log.
pub const MAX_ACTIVITY_DAYS: u32 = 180;

/// The GitHub connector.
pub struct GithubConnector;

impl Connector for GithubConnector {
    fn describe() -> Info {
        let also = [Ability::AdminRoles, Ability::Posture];
        let version = env!("CARGO_PKG_VERSION");
        streams::CATALOG.describe("github", version, &also, &governance::ACTIONS)
    }

    /// `GET /orgs/{org}`: proves the credential reaches the organization.
    fn check() -> Result<AccountInfo, Error> {
        let org = client::organization()?;
        let text = |path: &[&str]| plugboard_sdk::json::text_at(&org, path);
        Ok(AccountInfo {
            id: text(&["login"]).map_or_else(client::org, Ok)?,
            name: text(&["name"]),
            plan: text(&["plan", "name"]),
            owner: None,
            raw: serde_json::json!({ "seats": org.pointer("/plan/filled_seats") }).to_string(),
        })
    }

    fn sync(stream: String, cursor: Option<String>) -> Result<Page, Error> {
        let days = config::get("activity_days");
        let lookback = config::days("activity_days", days.as_deref(), 30, MAX_ACTIVITY_DAYS)?;
        streams::CATALOG.sync(&stream, cursor.as_deref(), Env::now(lookback), &mut Host)
    }

    fn assess() -> Result<Vec<Finding>, Error> {
        Ok(posture::findings(&client::organization()?))
    }

    fn act(action: Action) -> Result<Outcome, Error> {
        governance::plan(&action, &client::org()?)?.apply(action.dry_run, &client::ERRORS)
    }
}

plugboard_sdk::export_connector!(GithubConnector);
