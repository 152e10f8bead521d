//! The `connector` world's exports, wired to the host imports.

use crate::{client, governance, posture, settings, streams};
use plugboard_sdk::stream::{Env, Host};
use plugboard_sdk::{
    Ability, AccountInfo, Action, Connector, Error, Finding, Info, Outcome, Page, clock, config,
};

/// The Zoom connector.
pub struct ZoomConnector;

impl Connector for ZoomConnector {
    fn describe() -> Info {
        let also = [Ability::Posture];
        let version = env!("CARGO_PKG_VERSION");
        streams::CATALOG.describe("zoom", version, &also, &governance::ACTIONS)
    }

    /// One `GET /users?status=active&page_size=1`: proves the token and the
    /// `user:read:admin` scope; the account id and plan come from settings.
    fn check() -> Result<AccountInfo, Error> {
        let id = config::require("account_id")?;
        let plan = settings::plan(config::get("plan").as_deref())?;
        let activity_days = settings::activity_days(config::get("activity_days").as_deref())?;
        let url = client::url(&["users"])
            .query("status", "active")
            .query("page_size", "1")
            .build();
        let page = client::ZOOM.page(&client::get(&url)?, "users page")?;
        let raw = serde_json::json!({
            "active_users": page.get("total_records"),
            "activity_days": activity_days,
        });
        Ok(AccountInfo {
            id,
            name: None,
            plan: Some(plan),
            owner: None,
            raw: raw.to_string(),
        })
    }

    fn sync(stream: String, cursor: Option<String>) -> Result<Page, Error> {
        let env = Env {
            now_ms: clock::now_ms(),
            lookback_days: settings::activity_days(config::get("activity_days").as_deref())?,
        };
        streams::CATALOG.sync(&stream, cursor.as_deref(), env, &mut Host)
    }

    fn assess() -> Result<Vec<Finding>, Error> {
        posture::assess(&mut client::get)
    }

    fn act(action: Action) -> Result<Outcome, Error> {
        governance::plan(&action)?.apply(action.dry_run, &client::ERRORS)
    }
}
