//! The `connector` world's exports, wired to the host imports.

use crate::{client, governance, posture, settings, streams, subscriptions};
use plugboard_sdk::stream::Host;
use plugboard_sdk::{
    Ability, AccountInfo, Action, Connector, Error, Finding, Info, Outcome, Page, clock, config,
};

/// The Azure connector.
pub struct AzureConnector;

impl Connector for AzureConnector {
    fn describe() -> Info {
        let also = [Ability::Posture];
        let version = env!("CARGO_PKG_VERSION");
        streams::CATALOG.describe("azure", version, &also, &governance::ACTIONS)
    }

    /// Lists every subscription (proves the ARM token and shows which
    /// subscriptions the activity log stream reads), then one
    /// `GET /v1.0/users?$top=1` (proves the Graph token and `User.Read.All`).
    fn check() -> Result<AccountInfo, Error> {
        let id = config::require("tenant_id")?;
        settings::activity_days(config::get("activity_days").as_deref())?;
        settings::signin_days(config::get("signin_days").as_deref())?;
        let all = subscriptions::list_all(&mut client::get)?;
        let probe = client::with_query(client::graph(&["users"]), &[("$top", "1")]);
        crate::users::parse_users_page(&client::get(&probe)?)?;
        Ok(AccountInfo {
            id,
            name: None,
            plan: None,
            owner: None,
            raw: subscriptions::summary(&all).to_string(),
        })
    }

    fn sync(stream: String, cursor: Option<String>) -> Result<Page, Error> {
        let env = streams::SyncEnv {
            now_ms: clock::now_ms(),
            activity_days: settings::activity_days(config::get("activity_days").as_deref())?,
            signin_days: settings::signin_days(config::get("signin_days").as_deref())?,
        };
        streams::sync(&stream, cursor.as_deref(), env, &mut Host)
    }

    fn assess() -> Result<Vec<Finding>, Error> {
        posture::assess(&mut client::get)
    }

    fn act(action: Action) -> Result<Outcome, Error> {
        governance::plan(&action)?.apply(action.dry_run, &client::ERRORS)
    }
}
