//! [`RouteError`]: why a request matched none of a simulator's endpoints.

/// Why a request matched no endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RouteError {
    /// No such path.
    NotFound,
    /// The path exists for other methods (named for the `Allow` header).
    MethodNotAllowed(&'static str),
}
