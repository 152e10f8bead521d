//! One path component from outside the host (a plugin id, a version).
//!
//! Threat: a name joined onto a directory can leave it (`..`, `/abs`, `a/b`,
//! `a\b` on Windows, `C:`), hide (`.name`), or smuggle bytes a terminal or
//! a file system treats specially (NUL, control characters). The manifest
//! already refuses such ids and versions, but a store row written by an
//! older host may still carry one. Decision: [`Home`](super::Home) joins
//! only a [`Component`]: ASCII letters, digits, `-`, `_`, `+` and `.`, 1 to
//! 255 bytes, not starting with `.` (so never `.` or `..`). Anything else is
//! an error, never a path.

use std::path::Path;

use plugboard_core::Blame;

/// The longest component (the usual file-name limit).
pub const MAX_COMPONENT_BYTES: usize = 255;

/// A name that is exactly one safe path component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component<'a>(&'a str);

/// A name cannot be used as a path component under the home.
#[derive(Debug, thiserror::Error)]
#[error("{what} {shown} is not a safe file name: {reason}")]
pub struct UnsafeName {
    /// What the name is ("plugin id", "plugin version").
    pub what: &'static str,
    /// The name, quoted and cut for display.
    pub shown: String,
    /// Why.
    pub reason: &'static str,
}

impl UnsafeName {
    /// Names come from a manifest, an argument or a stored row the operator
    /// keeps; the operator decides what to do with them.
    pub fn blame(&self) -> Blame {
        Blame::Operator
    }
}

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '.')
}

impl<'a> Component<'a> {
    /// `name` as one component; `what` names it in the error.
    pub fn new(what: &'static str, name: &'a str) -> Result<Self, UnsafeName> {
        let reason = if name.is_empty() {
            Some("it is empty")
        } else if name.len() > MAX_COMPONENT_BYTES {
            Some("it is longer than 255 bytes")
        } else if name.starts_with('.') {
            Some("it starts with `.`")
        } else if !name.chars().all(allowed) {
            Some("only ASCII letters, digits, `-`, `_`, `+` and `.` are allowed")
        } else {
            None
        };
        match reason {
            None => Ok(Component(name)),
            Some(reason) => Err(UnsafeName {
                what,
                shown: plugboard_core::text::quoted(name),
                reason,
            }),
        }
    }

    /// The component as a path.
    pub fn as_path(&self) -> &'a Path {
        Path::new(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_is_not_exactly_one_plain_component_is_refused() {
        let long = "a".repeat(MAX_COMPONENT_BYTES + 1);
        let cases = [
            ("", "it is empty"),
            (".", "it starts with `.`"),
            ("..", "it starts with `.`"),
            (".hidden", "it starts with `.`"),
            ("../..", "it starts with `.`"),
            ("/abs/victim", "only ASCII"),
            ("a/b", "only ASCII"),
            ("a\\b", "only ASCII"),
            ("C:", "only ASCII"),
            ("a\0b", "only ASCII"),
            ("a\nb", "only ASCII"),
            ("caf\u{e9}", "only ASCII"),
            ("a b", "only ASCII"),
            (long.as_str(), "longer than 255 bytes"),
        ];
        for (name, why) in cases {
            match Component::new("plugin version", name) {
                Ok(c) => panic!("{name:?} was accepted as {c:?}"),
                Err(e) => {
                    assert_eq!(e.blame(), Blame::Operator, "{name:?}");
                    let message = e.to_string();
                    assert!(
                        message.starts_with("plugin version \"")
                            && message.contains("is not a safe file name")
                            && message.contains(why),
                        "{name:?}: {message}"
                    );
                    assert!(
                        !message.contains('\0') && !message.contains('\n'),
                        "{name:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn ids_and_semantic_versions_are_components() {
        let at_limit = "a".repeat(MAX_COMPONENT_BYTES);
        for name in [
            "zoom",
            "1.0.0",
            "2.0.0-beta.1",
            "1.0.0+build.5",
            "x_y",
            at_limit.as_str(),
        ] {
            let c = Component::new("name", name).unwrap_or_else(|e| panic!("{e}"));
            let mut parts = c.as_path().components();
            assert!(
                matches!(parts.next(), Some(std::path::Component::Normal(n)) if n == name),
                "{name:?}"
            );
            assert!(parts.next().is_none(), "{name:?}");
        }
    }
}
