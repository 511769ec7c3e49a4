//! Durations as fleets write them: `90s`, `30m`, `12h`, `2d`, `1h30m`.

/// Seconds in `text`, or what is wrong with it.
pub(crate) fn parse(text: &str) -> Result<u64, String> {
    let bad = || {
        format!("{text:?} is not a duration: write a number and a unit (s, m, h or d), such as \"30m\", \"12h\" or \"1h30m\"")
    };
    if text.is_empty() {
        return Err(bad());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        let unit = match ch {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => return Err(bad()),
        };
        let n: u64 = digits.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(bad)?;
        digits.clear();
    }
    if !digits.is_empty() || total == 0 {
        return Err(bad());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_parse() {
        assert_eq!(super::parse("90s"), Ok(90));
        assert_eq!(super::parse("1h30m"), Ok(5400));
        assert_eq!(super::parse("2d"), Ok(172800));
        for bad in ["", "12", "h", "1x", "0m", "-1h", "1.5h"] {
            assert!(super::parse(bad).is_err(), "{bad}");
        }
    }
}
