//! Entra ID's admin consent for a multi-tenant app ("connect a tenant"):
//! `GET /{tenant|organizations}/v2.0/adminconsent?client_id&scope&redirect_uri&state`
//! serves the consent form; submitting it redirects to
//! `{redirect_uri}?admin_consent=True&tenant={guid}&state=…&scope=…`, or with
//! `error=consent_required` when the admin declines. Until the tenant has
//! consented, client credentials there fail with AADSTS700016.

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::Rng as _;

use crate::azure::state::{SimState, lock};
use crate::common::consent::{consent_page, redirect_allowed, redirect_to};
use crate::common::query::{KeyMatch, Query, percent_decode};

/// Path suffix the consent form posts to.
const SUBMIT: &str = "adminconsent/submit";
/// Pending consent pages kept at most.
const MAX_PENDING: usize = 1_000;

#[derive(Debug, Clone)]
struct Pending {
    redirect_uri: String,
    state: Option<String>,
    scope: String,
}

/// Whether the app needs admin consent in the tenant, and whether it has it.
#[derive(Debug, Default)]
pub(crate) struct AdminConsent {
    /// Consent is needed before client credentials work (off: the app is
    /// already consented, as in every test that does not ask).
    pub required: bool,
    pub consented: bool,
    pub redirect_uris: Vec<String>,
    pending: HashMap<String, Pending>,
}

impl AdminConsent {
    /// An app that needs consent, with these registered redirect URIs.
    pub fn required(redirect_uris: Vec<String>) -> Self {
        AdminConsent {
            required: true,
            redirect_uris,
            ..AdminConsent::default()
        }
    }

    /// Whether client credentials work in the tenant.
    pub fn allows_tokens(&self) -> bool {
        !self.required || self.consented
    }
}

/// The admin consent route of `path`: `(tenant, is_submit)`.
pub(crate) fn consent_route(path: &str) -> Option<(String, bool)> {
    let parts: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    match parts.as_slice() {
        [tenant, "v2.0", "adminconsent"] if !tenant.is_empty() => {
            Some((percent_decode(tenant), false))
        }
        [tenant, "v2.0", "adminconsent", "submit"] if !tenant.is_empty() => {
            Some((percent_decode(tenant), true))
        }
        _ => None,
    }
}

fn page_error(code: u32, message: &str) -> Response {
    (StatusCode::BAD_REQUEST, format!("AADSTS{code}: {message}")).into_response()
}

/// The consent page or its submission.
pub(crate) fn admin_consent(
    state: &SimState,
    tenant: &str,
    submit: bool,
    method: &Method,
    query: Option<&str>,
    body: &[u8],
) -> Response {
    let expected = &state.credentials;
    let tenant_ok = tenant.eq_ignore_ascii_case(&expected.tenant_id)
        || tenant.eq_ignore_ascii_case("organizations");
    if !tenant_ok {
        return page_error(90_002, "Tenant not found.");
    }
    let mut consent = lock(&state.consent);
    if submit {
        if *method != Method::POST {
            return page_error(900_561, "The endpoint only accepts POST requests.");
        }
        let form = Query::parse(Some(&String::from_utf8_lossy(body)), KeyMatch::Exact);
        let Some(pending) = form
            .get("consent")
            .and_then(|id| consent.pending.remove(id))
        else {
            return page_error(
                50_058,
                "This sign-in page has expired; start the consent again.",
            );
        };
        let mut params: Vec<(&str, String)> = vec![("admin_consent", "True".into())];
        if form.get("decision") == Some("allow") {
            consent.consented = true;
            params.push(("tenant", expected.tenant_id.clone()));
            params.push(("scope", pending.scope));
        } else {
            params.push(("error", "consent_required".into()));
            params.push((
                "error_description",
                "AADSTS65004: User declined to consent to access the app.".into(),
            ));
        }
        if let Some(s) = pending.state {
            params.push(("state", s));
        }
        let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        return redirect_to(&pending.redirect_uri, &pairs);
    }
    let query = Query::parse(query, KeyMatch::Exact);
    if query.get("client_id") != Some(expected.client_id.as_str()) {
        return page_error(
            700_016,
            "Application with identifier was not found in the directory.",
        );
    }
    let Some(redirect_uri) = query
        .non_empty("redirect_uri")
        .filter(|r| redirect_allowed(&consent.redirect_uris, r))
        .map(str::to_owned)
    else {
        return page_error(
            50_011,
            "The redirect URI specified in the request does not match the redirect URIs configured for the application.",
        );
    };
    let Some(scope) = query.non_empty("scope").map(str::to_owned) else {
        return page_error(
            900_144,
            "The request body must contain the following parameter: 'scope'.",
        );
    };
    if consent.pending.len() >= MAX_PENDING {
        consent.pending.clear();
    }
    let id: String = (0..16)
        .map(|_| format!("{:02x}", rand::rng().random::<u8>()))
        .collect();
    consent.pending.insert(
        id.clone(),
        Pending {
            redirect_uri,
            state: query.get("state").map(str::to_owned),
            scope,
        },
    );
    consent_page(
        "Permissions requested — accept for your organization",
        SUBMIT,
        &id,
        "This app would like to read directory data and audit logs of your organization.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_routes_are_recognised_by_path() {
        assert_eq!(
            consent_route("/organizations/v2.0/adminconsent"),
            Some(("organizations".into(), false))
        );
        assert_eq!(
            consent_route("/t/v2.0/adminconsent/submit"),
            Some(("t".into(), true))
        );
        assert_eq!(consent_route("/t/oauth2/v2.0/token"), None);
        assert_eq!(consent_route("//v2.0/adminconsent"), None);
    }
}
