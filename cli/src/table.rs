//! Tables for people, JSON for scripts.
//!
//! Cells hold data from plugins and upstream apps (display names, finding
//! evidence, error messages), so every cell is neutralised on its way in: a
//! control character or bidirectional override shows as a `\u{…}` escape
//! instead of moving the cursor (newlines stay: cells may wrap).
//!
//! Tables fit the screen: the terminal's width, or when stdout is not a
//! terminal `$COLUMNS` (if set) else [`DEFAULT_WIDTH`] columns, so
//! `plugboard findings | less` stays readable. Long cells wrap, and a row is
//! cut after [`MAX_ROW_LINES`] lines with `…`. `--wide` shows every cell
//! whole, on one line per line of its text, however wide.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use comfy_table::{Cell, ContentArrangement, Row, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

/// Columns a table may use when stdout is not a terminal and `$COLUMNS` is
/// not set.
pub const DEFAULT_WIDTH: u16 = 120;

/// Lines a row may take once its cells wrap; the rest is cut with `…`.
pub const MAX_ROW_LINES: usize = 4;

/// Narrowest `$COLUMNS` honoured; below it a table cannot show its borders.
const MIN_WIDTH: u16 = 20;

/// `--wide`, set once per process by the command line.
static WIDE: AtomicBool = AtomicBool::new(false);

/// Show every cell whole from now on (`--wide`).
pub fn set_wide(wide: bool) {
    WIDE.store(wide, Ordering::Relaxed);
}

/// How a table uses the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// At most `width` columns; long cells wrap, rows are cut with `…`.
    Fit {
        /// Columns available.
        width: u16,
    },
    /// Every cell whole, however wide (`--wide`).
    Wide,
}

impl Layout {
    /// The layout for this process: `--wide`, else the terminal's width,
    /// else `$COLUMNS`, else [`DEFAULT_WIDTH`].
    pub fn current() -> Layout {
        if WIDE.load(Ordering::Relaxed) {
            return Layout::Wide;
        }
        // `width()` is the terminal's when stdout is one, else `None`.
        let width = comfy_table::Table::new()
            .width()
            .or_else(|| columns(std::env::var("COLUMNS").ok().as_deref()))
            .unwrap_or(DEFAULT_WIDTH);
        Layout::Fit { width }
    }
}

/// A usable `$COLUMNS` value.
fn columns(value: Option<&str>) -> Option<u16> {
    value
        .and_then(|v| v.trim().parse::<u16>().ok())
        .filter(|w| *w >= MIN_WIDTH)
}

/// A table whose cells cannot drive the terminal.
pub struct Table {
    inner: comfy_table::Table,
    layout: Layout,
}

impl Table {
    /// Add a row; each cell is neutralised.
    pub fn add_row<T: Into<String>>(&mut self, row: impl IntoIterator<Item = T>) -> &mut Self {
        let mut row = Row::from(row.into_iter().map(|c| {
            let text: String = c.into();
            Cell::new(plugboard_core::text::neutralize_multiline(&text))
        }));
        if let Layout::Fit { .. } = self.layout {
            row.max_height(MAX_ROW_LINES);
        }
        self.inner.add_row(row);
        self
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// A table with a header row, laid out by [`Layout::current`].
pub fn table(header: &[&str]) -> Table {
    table_with(header, Layout::current())
}

/// A table with a header row, laid out by `layout`.
pub fn table_with(header: &[&str], layout: Layout) -> Table {
    let mut t = comfy_table::Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_truncation_indicator("…")
        .set_header(header.to_vec());
    match layout {
        Layout::Fit { width } => {
            t.set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(width);
        }
        Layout::Wide => {
            t.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    Table { inner: t, layout }
}

impl Table {
    /// Print the table on stdout (see [`emit`]).
    pub fn print(&self) -> anyhow::Result<()> {
        emit(&self.to_string())
    }
}

/// Print `value` as pretty JSON on stdout (see [`emit`]).
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    emit(&serde_json::to_string_pretty(value)?)
}

/// Stdout was closed before everything was written (`plugboard findings |
/// head`): the reader has what it wanted, so this is not a failure and
/// nothing is said.
#[derive(Debug, thiserror::Error)]
#[error("stdout was closed by its reader")]
pub struct OutputClosed;

/// Print `text` and a line break on stdout; a closed pipe is
/// [`OutputClosed`] rather than the panic of `println!`.
pub fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let written = out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(OutputClosed.into()),
        other => Ok(other?),
    }
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
        for layout in [Layout::Fit { width: 60 }, Layout::Wide] {
            let mut t = table_with(&["name"], layout);
            t.add_row(["Eve\u{1b}[1A\u{1b}[2K\u{202e}nimda"]);
            let shown = t.to_string();
            assert!(
                !shown.contains('\u{1b}') && !shown.contains('\u{202e}'),
                "{layout:?}: {shown:?}"
            );
            assert!(shown.contains("\\u{1b}[1A"), "{layout:?}: {shown}");
        }
    }

    fn long_row(t: &mut Table) -> String {
        let evidence = "evidence ".repeat(400);
        t.add_row(["acme".to_string(), evidence.clone(), "fix it".into()]);
        evidence
    }

    #[test]
    fn a_fitted_table_stays_within_its_width_and_cuts_long_cells() {
        for width in [40u16, 80, 120] {
            let mut t = table_with(&["instance", "evidence", "fix"], Layout::Fit { width });
            long_row(&mut t);
            let shown = t.to_string();
            for line in shown.lines() {
                assert!(
                    line.chars().count() <= usize::from(width),
                    "width {width}: a line of {} columns: {line}",
                    line.chars().count()
                );
            }
            // Header, its rule, borders, and at most MAX_ROW_LINES of the row.
            assert!(shown.lines().count() <= MAX_ROW_LINES + 4, "{shown}");
            assert!(shown.contains('…'), "width {width}: not cut: {shown}");
        }
    }

    #[test]
    fn a_wide_table_shows_every_cell_whole() {
        let mut t = table_with(&["instance", "evidence", "fix"], Layout::Wide);
        let evidence = long_row(&mut t);
        let shown = t.to_string();
        assert!(shown.contains(evidence.trim_end()), "{shown}");
        assert!(!shown.contains('…'), "{shown}");
    }

    #[test]
    fn columns_must_be_a_usable_width() {
        for (value, want) in [
            (None, None),
            (Some("200"), Some(200)),
            (Some(" 90 "), Some(90)),
            (Some("5"), None),
            (Some("wide"), None),
            (Some("-80"), None),
        ] {
            assert_eq!(columns(value), want, "COLUMNS={value:?}");
        }
    }
}
