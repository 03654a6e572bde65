//! 统一社会信用代码 (GB 32100-2015): 18 characters, the last one a check character.

const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn value_of(c: char) -> Option<u32> {
    CHARSET.find(c).map(|i| i as u32)
}

/// The check character for the first 17 characters, or `None` when one is not allowed.
pub fn check_char(first17: &str) -> Option<char> {
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += value_of(c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    CHARSET.chars().nth(check as usize)
}

/// Normalises (trim, upper-case) and validates; the error is a Chinese message for the user.
pub fn parse(raw: &str) -> Result<String, String> {
    let code = raw.trim().to_ascii_uppercase();
    if code.chars().count() != 18 {
        return Err(format!(
            "统一社会信用代码应为 18 位，当前为 {} 位",
            code.chars().count()
        ));
    }
    if let Some(bad) = code.chars().find(|c| value_of(*c).is_none()) {
        return Err(format!(
            "统一社会信用代码含有不允许的字符「{bad}」（不使用 I、O、Z、S、V）"
        ));
    }
    let expected = check_char(&code[..17]).ok_or("统一社会信用代码格式错误")?;
    if code.ends_with(expected) {
        Ok(code)
    } else {
        Err("统一社会信用代码校验位不正确，请核对后重新输入".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_codes_and_rejects_altered_ones() {
        for good in [
            "91350100M000100Y43",
            "91110000600037341L",
            "91440300708461136T",
        ] {
            assert_eq!(parse(good), Ok(good.to_string()), "{good}");
        }
        assert_eq!(
            parse(" 91350100m000100y43 "),
            Ok("91350100M000100Y43".into())
        );
        assert!(parse("91350100M000100Y44").unwrap_err().contains("校验位"));
        assert!(parse("91350100M000100Y4").unwrap_err().contains("18 位"));
        assert!(
            parse("91350100M00010OY43")
                .unwrap_err()
                .contains("不允许的字符")
        );
    }

    #[test]
    fn check_char_completes_any_prefix() {
        let code = format!("9111010800000000{}", "1");
        let full = format!("{code}{}", check_char(&code).unwrap());
        assert!(parse(&full).is_ok());
    }
}
