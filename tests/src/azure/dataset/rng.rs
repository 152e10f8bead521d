//! Azure's GUID format on top of the shared [`SeededRng`].

pub(crate) use crate::common::rng::SeededRng;

/// GUIDs drawn from a [`SeededRng`].
pub(crate) trait Guids {
    /// A version-4-looking GUID, lower case.
    fn guid(&mut self) -> String;
}

impl Guids for SeededRng {
    fn guid(&mut self) -> String {
        format_guid(self.next_u64(), self.next_u64())
    }
}

/// Formats 128 bits as `8-4-4-4-12` hex with the version-4 and variant bits set.
pub(crate) fn format_guid(hi: u64, lo: u64) -> String {
    let hi = (hi & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
    let lo = (lo & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_guids() {
        let a = SeededRng::new(7).guid();
        assert_eq!(a, SeededRng::new(7).guid());
        assert_ne!(a, SeededRng::new(8).guid());
        assert_eq!(a.len(), 36);
        assert_eq!(a.chars().nth(14), Some('4'));
    }
}
