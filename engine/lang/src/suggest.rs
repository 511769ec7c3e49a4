//! "Did you mean …?" suggestions for misspelled names.

/// Returns ` Did you mean "x"?` for the closest candidate, or an empty
/// string when nothing is close enough.
pub fn did_you_mean<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    match closest(given, candidates) {
        Some(c) => format!(" Did you mean \"{c}\"?"),
        None => String::new(),
    }
}

pub fn closest<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(given, c), c))
        .filter(|(d, c)| *d < 3 && *d < c.len().max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
