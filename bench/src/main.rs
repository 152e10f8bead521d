//! `plugboard-bench`.
fn main() {}
