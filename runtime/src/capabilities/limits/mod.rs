//! Per-plugin resource limits a manifest may ask for (`[limits]`): today the
//! linear memory one call may grow to. The host holds every plugin to its
//! limit (the store's limiter) and every limit to the operator's cap (the
//! pooling allocator's slot size), and refuses a plugin that asks for more
//! than the cap before compiling it.

pub mod grant;
pub mod section;
