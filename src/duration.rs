//! Go-style durations for `--wait`, so kind's flag values work unchanged.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DurationError {
    #[error("invalid duration {0:?}: use a number with a unit, e.g. 30s, 5m, 1h30m")]
    Syntax(String),
    #[error("invalid duration {0:?}: the longest is {max} (Go's limit, as for kind)", max = format(MAX))]
    TooLong(String),
}

/// Go's longest duration (2^63-1 ns, about 292 years): kind rejects longer
/// values, and kina's deadlines stay far from `Instant`'s limits.
pub(crate) const MAX: Duration = Duration::new(9_223_372_036, 854_775_807);

/// Parses Go's `time.ParseDuration` syntax: `0`, `90s`, `1m30s`, `1.5h`,
/// `500ms`. A bare non-zero number is rejected, as Go does.
pub(crate) fn parse(text: &str) -> Result<Duration, DurationError> {
    let err = || DurationError::Syntax(text.to_string());
    let s = text.trim();
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err(err());
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(err)?;
        if number_len == 0 {
            return Err(err());
        }
        let value: f64 = rest[..number_len].parse().map_err(|_| err())?;
        rest = &rest[number_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(err()),
        };
        total += value * seconds_per_unit;
        rest = &rest[unit_len..];
    }
    let duration = Duration::try_from_secs_f64(total).map_err(|_| DurationError::TooLong(text.to_string()))?;
    if duration > MAX {
        return Err(DurationError::TooLong(text.to_string()));
    }
    Ok(duration)
}

/// Formats like Go's `Duration.String()`: `1m0s`, `2m30s`, `1h0m0s`, `45s`.
pub(crate) fn format(d: Duration) -> String {
    let total = d.as_secs();
    let millis = d.subsec_millis();
    if total == 0 && millis == 0 {
        return "0s".into();
    }
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    let seconds =
        if millis == 0 { format!("{s}s") } else { format!("{s}.{}s", format!("{millis:03}").trim_end_matches('0')) };
    match (h, m) {
        (0, 0) => seconds,
        (0, m) => format!("{m}m{seconds}"),
        (h, m) => format!("{h}h{m}m{seconds}"),
    }
}

/// How long a step took, for people: `0.4s`, `12.3s`, then `1m5s`.
pub(crate) fn format_elapsed(d: Duration) -> String {
    if d < Duration::from_secs(60) {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        format(Duration::from_secs(d.as_secs()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        let cases = [
            ("0", 0.0),
            ("30s", 30.0),
            ("1m", 60.0),
            ("1m30s", 90.0),
            ("1.5h", 5400.0),
            ("500ms", 0.5),
            ("2h3m4s", 7384.0),
        ];
        for (text, secs) in cases {
            assert_eq!(parse(text).unwrap(), Duration::from_secs_f64(secs), "{text}");
        }
        for bad in ["5", "", "s", "1x", "-1s", "1m-", "99999999999999999999h"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn stops_at_gos_longest_duration() {
        assert!(parse("2562047h").is_ok());
        for long in ["2562048h", "2562047788015216h", "99999999999999999999h"] {
            assert_eq!(parse(long), Err(DurationError::TooLong(long.into())), "{long}");
        }
        assert_eq!(
            parse("2562048h").unwrap_err().to_string(),
            "invalid duration \"2562048h\": the longest is 2562047h47m16.854s (Go's limit, as for kind)"
        );
    }

    #[test]
    fn elapsed_times_are_short() {
        assert_eq!(format_elapsed(Duration::from_millis(430)), "0.4s");
        assert_eq!(format_elapsed(Duration::from_millis(12_340)), "12.3s");
        assert_eq!(format_elapsed(Duration::from_millis(65_900)), "1m5s");
    }

    #[test]
    fn formats_like_go() {
        assert_eq!(format(Duration::from_secs(60)), "1m0s");
        assert_eq!(format(Duration::from_secs(45)), "45s");
        assert_eq!(format(Duration::from_secs(150)), "2m30s");
        assert_eq!(format(Duration::from_secs(3600)), "1h0m0s");
        assert_eq!(format(Duration::ZERO), "0s");
        assert_eq!(format(Duration::from_millis(1500)), "1.5s");
    }
}
