//! The clock capability: the time a plugin sees. No manifest section and no
//! grant; per instance it is either the wall clock or, while a cassette is
//! recorded or replayed, frozen at the recording's start so the requests a
//! plugin builds from "now" (date windows) are the same in both runs.

use std::time::{SystemTime, UNIX_EPOCH};

/// An instance's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// The host's wall clock.
    #[default]
    Wall,
    /// Always this instant (milliseconds since the Unix epoch).
    Frozen(u64),
}

impl Clock {
    /// The wall clock, or the frozen instant when there is one.
    pub fn new(frozen_ms: Option<u64>) -> Self {
        frozen_ms.map_or(Clock::Wall, Clock::Frozen)
    }

    /// Milliseconds since the Unix epoch (0 for a wall clock set before it).
    pub fn now_ms(self) -> u64 {
        match self {
            Clock::Frozen(ms) => ms,
            Clock::Wall => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                .unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frozen_clock_stands_still_and_the_wall_clock_moves_on() {
        assert_eq!(Clock::new(Some(7)).now_ms(), 7);
        assert_eq!(Clock::new(Some(7)).now_ms(), 7);
        // 2026-01-01 as a floor: the wall clock is the real time, not 0.
        assert!(Clock::new(None).now_ms() > 1_767_225_600_000);
    }
}
