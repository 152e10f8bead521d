//! Zoom's id format on top of the shared [`SeededRng`].

pub(crate) use crate::common::rng::SeededRng;

/// Zoom-shaped ids drawn from a [`SeededRng`].
pub(crate) trait ZoomIds {
    /// A Zoom-looking opaque id: 22 characters of URL-safe base64.
    fn zoom_id(&mut self) -> String;
}

impl ZoomIds for SeededRng {
    fn zoom_id(&mut self) -> String {
        use base64::Engine as _;
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_ids_are_22_characters_and_seeded() {
        let a = SeededRng::new(1).zoom_id();
        assert_eq!(a.len(), 22);
        assert_eq!(a, SeededRng::new(1).zoom_id());
    }
}
