//! Timing samples and resident memory.

use std::time::Duration;

/// Durations of repeated runs of one operation.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    durations: Vec<Duration>,
}

impl Samples {
    /// Room for `n` samples.
    pub fn with_capacity(n: usize) -> Self {
        Samples {
            durations: Vec::with_capacity(n),
        }
    }

    /// Add one run.
    pub fn push(&mut self, d: Duration) {
        self.durations.push(d);
    }

    /// Number of runs.
    pub fn len(&self) -> usize {
        self.durations.len()
    }

    /// Median, in seconds: robust against the odd descheduled run on a noisy machine.
    pub fn median_s(&self) -> f64 {
        let mut v: Vec<f64> = self.durations.iter().map(Duration::as_secs_f64).collect();
        v.sort_by(f64::total_cmp);
        match v.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => v.get(n / 2).copied().unwrap_or(f64::NAN),
            n => match (v.get(n / 2 - 1), v.get(n / 2)) {
                (Some(a), Some(b)) => (a + b) / 2.0,
                _ => f64::NAN,
            },
        }
    }
}

/// The process's resident set size in bytes (`VmRSS` in `/proc/self/status`).
pub fn resident_bytes() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .ok_or_else(|| anyhow::anyhow!("no VmRSS line in /proc/self/status"))?;
    Ok(kib * 1024)
}

/// Facts about the machine the numbers came from.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Machine {
    /// Logical CPUs available to this process.
    pub cpus: usize,
    /// CPU model, from `/proc/cpuinfo`.
    pub cpu_model: String,
    /// Total memory in MiB, from `/proc/meminfo`.
    pub memory_mib: u64,
    /// Target triple family.
    pub os: &'static str,
}

impl Machine {
    /// Read what Linux tells us; unknowns stay empty.
    pub fn detect() -> Machine {
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("model name"))
                    .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
            })
            .unwrap_or_default();
        let memory_mib = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("MemTotal:"))
                    .and_then(|r| r.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
            .map_or(0, |kib| kib / 1024);
        Machine {
            cpus: std::thread::available_parallelism().map_or(0, usize::from),
            cpu_model,
            memory_mib,
            os: std::env::consts::OS,
        }
    }
}
