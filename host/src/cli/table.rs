//! Tables for people, JSON for scripts.
//!
//! Cells hold data from plugins and upstream apps (display names, finding
//! evidence, error messages), so every cell is neutralised on its way in: a
//! control character or bidirectional override shows as a `\u{…}` escape
//! instead of moving the cursor (newlines stay: cells may wrap).

use std::fmt;

use comfy_table::{Cell, ContentArrangement, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

/// A table whose cells cannot drive the terminal.
pub struct Table(comfy_table::Table);

impl Table {
    /// Add a row; each cell is neutralised.
    pub fn add_row<T: Into<String>>(&mut self, row: impl IntoIterator<Item = T>) -> &mut Self {
        self.0.add_row(row.into_iter().map(|c| {
            let text: String = c.into();
            Cell::new(plugboard_core::text::neutralize_multiline(&text))
        }));
        self
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A table with a header row, sized to the terminal.
pub fn table(header: &[&str]) -> Table {
    let mut t = comfy_table::Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    Table(t)
}

/// Print `value` as pretty JSON on stdout.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// An optional string for a table cell.
pub fn cell(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_from_upstreams_cannot_drive_the_terminal() {
        let mut t = table(&["name"]);
        t.add_row(["Eve\u{1b}[1A\u{1b}[2K\u{202e}nimda"]);
        let shown = t.to_string();
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{202e}'),
            "{shown:?}"
        );
        assert!(shown.contains("\\u{1b}[1A"), "{shown}");
    }
}
