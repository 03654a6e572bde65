//! 居民身份证号码 (GB 11643-1999): 17 digits (6 of region, 8 of birth date, 3 of sequence) and a
//! check character (a digit or X).

use chrono::NaiveDate;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

/// The check character for 17 digits.
pub fn check_char(first17: &str) -> Option<char> {
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    Some(CHECK[(sum % 11) as usize] as char)
}

/// Normalises (trim, upper-case x) and validates; the error is a Chinese message for the user.
pub fn parse(raw: &str) -> Result<String, String> {
    let code = raw.trim().to_ascii_uppercase();
    let n = code.chars().count();
    if n != 18 {
        return Err(format!("身份证号应为 18 位，当前为 {n} 位"));
    }
    let (body, last) = code.split_at(17);
    if !body.chars().all(|c| c.is_ascii_digit())
        || !last.chars().all(|c| c == 'X' || c.is_ascii_digit())
    {
        return Err("身份证号前 17 位应为数字，最后一位为数字或 X".into());
    }
    if NaiveDate::parse_from_str(&body[6..14], "%Y%m%d").is_err() {
        return Err(format!(
            "身份证号中的出生日期 {} 不是有效日期",
            &body[6..14]
        ));
    }
    match check_char(body) {
        Some(c) if last.starts_with(c) => Ok(code),
        _ => Err("身份证号校验位不正确，请核对后重新输入".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_numbers_and_rejects_altered_ones() {
        // The example number of GB 11643's own annex.
        assert_eq!(parse("11010519491231002X"), Ok("11010519491231002X".into()));
        assert_eq!(
            parse(" 11010519491231002x "),
            Ok("11010519491231002X".into())
        );
        assert!(parse("110105194912310021").unwrap_err().contains("校验位"));
        assert!(
            parse("11010519491331002X")
                .unwrap_err()
                .contains("出生日期")
        );
        assert!(parse("1101051949123100").unwrap_err().contains("18 位"));
        assert!(parse("11010519491231A02X").unwrap_err().contains("数字"));
    }
}
