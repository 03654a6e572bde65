//! Money conversions. Internally every amount is integer 元 (exact); rule data and the
//! API speak 万元 as decimals, so conversion happens only at these two edges.

/// 1 万元 in 元.
pub const YUAN_PER_WAN: i64 = 10_000;

/// Converts a 万 amount from rule data to integer 元 (rounded to the nearest 元).
pub fn wan_to_yuan(wan: f64) -> i64 {
    (wan * YUAN_PER_WAN as f64).round() as i64
}

/// Converts 元 to 万 rounded to 2 decimals (i.e. to the nearest 100 元), the API's precision.
pub fn yuan_to_wan(yuan: i64) -> f64 {
    (yuan as f64 / 100.0).round() / 100.0
}

/// Rounds a score to one decimal so totals are stable when serialised.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Human-readable 万 amount for Chinese reasons: "12.5万元" (no trailing zeros).
pub fn fmt_wan(yuan: i64) -> String {
    format!("{}万元", fmt_num(yuan_to_wan(yuan)))
}

/// Formats a decimal without trailing zeros ("3", "2.5", "0.35").
pub fn fmt_num(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
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
            assert_eq!(yuan_to_wan(yuan), wan, "{yuan}");
        }
        assert_eq!(yuan_to_wan(12_345), 1.23);
        assert_eq!(yuan_to_wan(12_351), 1.24);
    }

    #[test]
    fn formatting_drops_trailing_zeros() {
        assert_eq!(fmt_wan(300_000), "30万元");
        assert_eq!(fmt_wan(25_000), "2.5万元");
        assert_eq!(fmt_num(0.35), "0.35");
        assert_eq!(round1(72.46), 72.5);
    }
}
