//! Echoing client input in error messages, shortened the same way in both simulators.

/// The longest piece of client input echoed back in an error message.
const ECHO_LIMIT: usize = 120;

/// Client input shortened for echoing in a message.
pub(crate) fn echo(input: &str) -> String {
    input.chars().take(ECHO_LIMIT).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_input_is_cut_at_the_limit_by_characters() {
        assert_eq!(echo("short"), "short");
        let long = "é".repeat(ECHO_LIMIT + 5);
        assert_eq!(echo(&long).chars().count(), ECHO_LIMIT);
    }
}
