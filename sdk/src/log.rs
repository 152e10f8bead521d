//! Structured logs; the host attributes each line to the plugin and instance.
//!
//! Never log secrets or personal data you do not need: the host stores these
//! lines.

use crate::bindings::plugboard::connector::log::{Level, emit};

/// Logs at trace level.
pub fn trace(message: &str) {
    emit(Level::Trace, message);
}

/// Logs at debug level.
pub fn debug(message: &str) {
    emit(Level::Debug, message);
}

/// Logs at info level.
pub fn info(message: &str) {
    emit(Level::Info, message);
}

/// Logs at warn level.
pub fn warn(message: &str) {
    emit(Level::Warn, message);
}

/// Logs at error level.
pub fn error(message: &str) {
    emit(Level::Error, message);
}
