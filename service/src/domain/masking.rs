//! 隐号: how a phone or ID number looks to someone who is neither the customer's owner nor an
//! admin. Enough stays visible to tell two numbers apart on a call list (the first 3 and the last
//! 4 characters), never enough to use it.

/// `13812341234` → `138****1234`; `11010519491231002X` → `110***********002X`. Short values are
/// hidden but for their last character, so the mask never shows most of a number.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().filter(|c| !c.is_whitespace()).collect();
    let n = chars.len();
    let (head, tail) = if n >= 11 { (3, 4) } else { (0, n.min(1)) };
    let hidden = n - head - tail;
    chars[..head]
        .iter()
        .chain(std::iter::repeat_n(&'*', hidden))
        .chain(&chars[n - tail..])
        .collect()
}

/// Whether `value` is what [`mask`] shows for `stored`: a form sent back unchanged by someone who
/// only saw the mask must not overwrite the number with its stars.
pub fn is_mask_of(value: &str, stored: &str) -> bool {
    value.contains('*') && mask(stored) == value.trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_ends_of_long_numbers_only() {
        assert_eq!(mask("13812341234"), "138****1234");
        assert_eq!(mask("11010519491231002X"), "110***********002X");
        assert_eq!(mask("0571 8888 6666"), "057*****6666");
        assert_eq!(mask("12345"), "****5");
        assert_eq!(mask(""), "");
        assert!(is_mask_of("138****1234", "13812341234"));
        assert!(!is_mask_of("13812341234", "13812341234"));
        assert!(!is_mask_of("138****9999", "13812341234"));
    }
}
