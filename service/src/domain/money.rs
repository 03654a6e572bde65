//! Money is stored as integer 元 and exposed as decimal 万元 (`_wan` fields).

pub const YUAN_PER_WAN: f64 = 10_000.0;

pub fn wan_to_yuan(wan: f64) -> i64 {
    (wan * YUAN_PER_WAN).round() as i64
}

pub fn yuan_to_wan(yuan: i64) -> f64 {
    yuan as f64 / YUAN_PER_WAN
}

pub fn opt_wan_to_yuan(wan: Option<f64>) -> Option<i64> {
    wan.map(wan_to_yuan)
}

pub fn opt_yuan_to_wan(yuan: Option<i64>) -> Option<f64> {
    yuan.map(yuan_to_wan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_to_the_yuan() {
        for wan in [0.0, 0.0001, 1.5, 123.4567, 99_999.999_9] {
            assert_eq!(yuan_to_wan(wan_to_yuan(wan)), wan);
        }
        assert_eq!(wan_to_yuan(0.00004), 0);
        assert_eq!(wan_to_yuan(0.00005), 1);
    }
}
