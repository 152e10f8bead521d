//! The `[[secret]]` section: secret fields an instance provides, and where
//! the host may attach each (`send_to`). A field has the shape of a
//! `[[config]]` field ([`FieldSpec`]) without a default, choices or form.

use std::collections::BTreeMap;

use crate::capabilities::config::section::{FieldSpec, RawField, fields};
use crate::capabilities::network::form::HostForm;
use crate::section::ManifestError;

/// The `[[secret]]` section; `forms` are the config fields a `send_to` URL
/// may name.
pub fn parse(
    raw: Vec<RawField>,
    forms: &BTreeMap<String, HostForm>,
) -> Result<Vec<FieldSpec>, ManifestError> {
    fields("secret", raw, true, forms)
}

/// A section that uses secrets itself (auth profiles): how it uses one, for
/// the approval prompt (`sent by the host only to the token endpoint of …`).
pub trait SecretUses {
    /// How the host uses secret `name` for this section, if it does.
    fn secret_use(&self, name: &str) -> Option<String>;
}
