//! Times as Terraform writes them (RFC 3339, UTC).

/// `secs` since 1970-01-01 UTC as `YYYY-MM-DDTHH:MM:SSZ`, or with
/// `micros` as `…SS.ffffffZ`.
pub fn rfc3339(secs: i64, micros: Option<u32>) -> String {
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days since 1970-01-01 to a civil date (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let fraction = micros.map(|m| format!(".{m:06}")).unwrap_or_default();
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{fraction}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::rfc3339(0, None), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(951_782_400, None), "2000-02-29T00:00:00Z");
        assert_eq!(
            super::rfc3339(1_795_983_412, Some(7)),
            "2026-11-29T20:16:52.000007Z"
        );
    }
}
