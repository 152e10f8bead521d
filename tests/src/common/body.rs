//! Reading a request body with the simulators' size limit.

use axum::body::{Body, Bytes};

/// The largest request body read; larger bodies get the vendor's 413.
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The whole body, or `None` when it is over [`MAX_BODY_BYTES`] or unreadable.
pub(crate) async fn read_body(body: Body) -> Option<Bytes> {
    axum::body::to_bytes(body, MAX_BODY_BYTES).await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bodies_over_the_limit_are_refused() {
        let small = read_body(Body::from("abc")).await;
        assert_eq!(small.as_deref(), Some(&b"abc"[..]));
        let large = read_body(Body::from(vec![b'x'; MAX_BODY_BYTES + 1])).await;
        assert!(large.is_none());
    }
}
