//! Plugboard benchmarks.
