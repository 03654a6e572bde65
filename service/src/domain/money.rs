//! Money, the one module: amounts are integer 元 inside (exact) and 万元 decimals at the edges
//! (the API's `_wan` fields, rule data). Recorded facts convert back exactly; computed amounts
//! (limits, gains) are shown to 2 decimals — two named functions, so neither is used by mistake.

/// 1 万元 in 元.
pub const YUAN_PER_WAN: i64 = 10_000;

/// A recorded fact from 元 back to 万, exactly (a stored 123.4567 万 reads back as entered).
pub fn yuan_to_wan(yuan: i64) -> f64 {
    yuan as f64 / YUAN_PER_WAN as f64
}

pub fn opt_wan_to_yuan(wan: Option<f64>) -> Option<i64> {
    wan.map(wan_to_yuan)
}

pub fn opt_yuan_to_wan(yuan: Option<i64>) -> Option<f64> {
    yuan.map(yuan_to_wan)
}

/// Converts a 万 amount from rule data to integer 元 (rounded to the nearest 元).
pub fn wan_to_yuan(wan: f64) -> i64 {
    (wan * YUAN_PER_WAN as f64).round() as i64
}

/// Converts a computed amount (a limit, a gain) from 元 to 万 rounded to 2 decimals, i.e. to the
/// nearest 100 元: the precision diagnoses and plans show.
pub fn yuan_to_wan_rounded(yuan: i64) -> f64 {
    (yuan as f64 / 100.0).round() / 100.0
}

/// Rounds a score to one decimal so totals are stable when serialised.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Human-readable 万 amount for Chinese reasons: "12.5万元" (no trailing zeros).
pub fn fmt_wan(yuan: i64) -> String {
    let mut s = fmt_hundredths((yuan as f64 / 100.0).round() as i64);
    s.push_str("万元");
    s
}

/// Formats a decimal to at most 2 places without trailing zeros ("3", "2.5", "0.35").
pub fn fmt_num(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    fmt_hundredths((x * 100.0).round() as i64)
}

/// Integer formatting of a value given in hundredths: float formatting dominated the
/// engine's profile, and reasons are built for every diagnosis.
fn fmt_hundredths(n: i64) -> String {
    let (sign, n) = if n < 0 {
        ("-", n.unsigned_abs())
    } else {
        ("", n as u64)
    };
    let (int, frac) = (n / 100, n % 100);
    match frac {
        0 => format!("{sign}{int}"),
        f if f % 10 == 0 => format!("{sign}{int}.{}", f / 10),
        f => format!("{sign}{int}.{f:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_trip() {
        let cases = [
            (0.0, 0),
            (3.0, 30_000),
            (2.5, 25_000),
            (0.01, 100),
            (123.45, 1_234_500),
        ];
        for (wan, yuan) in cases {
            assert_eq!(wan_to_yuan(wan), yuan, "{wan}");
            assert_eq!(yuan_to_wan_rounded(yuan), wan, "{yuan}");
        }
        assert_eq!(yuan_to_wan_rounded(12_345), 1.23);
        assert_eq!(yuan_to_wan_rounded(12_351), 1.24);
    }

    #[test]
    fn recorded_facts_round_trip_to_the_yuan() {
        for wan in [0.0, 0.0001, 1.5, 123.4567, 99_999.999_9] {
            assert_eq!(yuan_to_wan(wan_to_yuan(wan)), wan);
        }
        assert_eq!(wan_to_yuan(0.00004), 0);
        assert_eq!(wan_to_yuan(0.00005), 1);
    }

    #[test]
    fn formatting_drops_trailing_zeros() {
        assert_eq!(fmt_wan(300_000), "30万元");
        assert_eq!(fmt_wan(25_000), "2.5万元");
        assert_eq!(fmt_num(0.35), "0.35");
        assert_eq!(round1(72.46), 72.5);
        assert_eq!(fmt_num(-10.0), "-10");
        assert_eq!(fmt_num(1.05), "1.05");
        assert_eq!(fmt_num(0.004), "0");
        assert_eq!(fmt_wan(-25_000), "-2.5万元");
    }
}
