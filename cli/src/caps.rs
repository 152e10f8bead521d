//! The operator's write caps: how much one instance may store per scan and
//! per day (global flags, also read from the environment).

use plugboard_host::limits::WriteCaps;

/// Write-cap flags; each defaults to [`WriteCaps::default`].
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct CapArgs {
    /// Records one instance may store in one scan (all streams); a page past
    /// it is not stored and its stream fails, blamed on the plugin.
    #[arg(long, global = true, env = "PLUGBOARD_MAX_RECORDS_PER_SCAN", value_name = "N", default_value_t = WriteCaps::default().records_per_scan)]
    pub max_records_per_scan: u64,
    /// Bytes of record text one instance may store in one scan.
    #[arg(long, global = true, env = "PLUGBOARD_MAX_BYTES_PER_SCAN", value_name = "BYTES", default_value_t = WriteCaps::default().bytes_per_scan)]
    pub max_bytes_per_scan: u64,
    /// Records one instance may store per UTC day.
    #[arg(long, global = true, env = "PLUGBOARD_MAX_RECORDS_PER_DAY", value_name = "N", default_value_t = WriteCaps::default().records_per_day)]
    pub max_records_per_day: u64,
    /// Bytes of record text one instance may store per UTC day.
    #[arg(long, global = true, env = "PLUGBOARD_MAX_BYTES_PER_DAY", value_name = "BYTES", default_value_t = WriteCaps::default().bytes_per_day)]
    pub max_bytes_per_day: u64,
}

impl From<CapArgs> for WriteCaps {
    fn from(a: CapArgs) -> Self {
        WriteCaps {
            records_per_scan: a.max_records_per_scan,
            bytes_per_scan: a.max_bytes_per_scan,
            records_per_day: a.max_records_per_day,
            bytes_per_day: a.max_bytes_per_day,
        }
    }
}
