//! Governance actions: the checks every `act` starts with.

use crate::{Action, Error};

/// The trimmed target of `action` once its name is one of `supported`;
/// otherwise an `invalid-config` error (the operator asked for it) naming
/// what `app`'s connector supports, or, for an empty target, what it needs
/// (`target`: "user id", "login").
///
/// ```
/// # use plugboard_sdk::{Action, ErrorKind, action};
/// let suspend = Action { name: "suspend-user".into(), target: " u1 ".into(), dry_run: true };
/// assert_eq!(action::target(&suspend, "Zoom", &["suspend-user"], "user id").unwrap(), "u1");
/// let other = Action { name: "delete-user".into(), ..suspend.clone() };
/// let e = action::target(&other, "Zoom", &["suspend-user"], "user id").unwrap_err();
/// assert_eq!(e.kind, ErrorKind::InvalidConfig);
/// assert!(e.message.contains("the Zoom connector supports suspend-user"));
/// ```
pub fn target<'a>(
    action: &'a Action,
    app: &str,
    supported: &[&str],
    target: &str,
) -> Result<&'a str, Error> {
    let name = action.name.as_str();
    if !supported.contains(&name) {
        return Err(Error::config(format!(
            "unknown action `{name}`; the {app} connector supports {}",
            supported.join(", ")
        )));
    }
    match action.target.trim() {
        "" => Err(Error::config(format!("`{name}` needs a target {target}"))),
        trimmed => Ok(trimmed),
    }
}
