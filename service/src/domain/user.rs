//! Accounts as the API sees them.

use poem_openapi::Object;
use serde::Serialize;

use super::ids::UserId;
use super::timestamp::Timestamp;
pub use super::vocab::{DataScope, Role};

#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub must_change_password: bool,
    pub locked: bool,
    /// Which customers the account sees: `own` (those it is 负责人 of) or `all`. Admins see all.
    pub data_scope: DataScope,
    /// May export customer and application lists (admins always may).
    pub can_export: bool,
    /// May move customers to the recycle bin and delete documents (admins always may).
    pub can_delete: bool,
    /// Customers (not in the recycle bin) this account is 负责人 of: what a handover moves.
    pub owned_customers: i64,
    #[oai(nullable)]
    pub last_login_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// The one spelling of a username that is stored, looked up and counted against: surrounding
/// whitespace of any kind removed (a pasted `"admin\u{3000}"` or `"\tadmin"` is `admin`),
/// full-width ASCII (`ａｄｍｉｎ`, typed with a Chinese IME) folded to ASCII, and lower case.
/// Every path that takes a username from outside goes through this, so that a lookup, a
/// uniqueness check and a failure count can never disagree about which account is meant.
pub fn normalize_username(raw: &str) -> String {
    raw.trim_matches(is_invisible)
        .chars()
        .map(fold_full_width)
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whitespace (incl. U+3000 and NBSP) and the zero-width characters a copy-paste can carry.
fn is_invisible(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// U+FF01..=U+FF5E are the full-width forms of `!`..=`~`.
fn fold_full_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Usernames are ASCII so they can be typed on any keyboard and used in CLI commands.
/// Expects a name that went through [`normalize_username`].
pub fn validate_username(name: &str) -> Result<(), String> {
    let ok_len = (3..=32).contains(&name.len());
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok_len
        && ok_chars
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        Ok(())
    } else {
        Err("用户名须为 3–32 位字母、数字或 . _ -，且以字母或数字开头".into())
    }
}

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// The password policy: 10–128 characters, no control characters, two of letters / digits /
/// symbols, and hard to guess by zxcvbn's estimate (score ≥ 3, i.e. ≥ 10^8 guesses) with the
/// account's own words (username, display name, brand) counted as known to the attacker.
pub fn validate_password(password: &str, known_words: &[&str]) -> Result<(), String> {
    if password.chars().any(char::is_control) {
        return Err("密码不能包含控制字符（如换行、制表符或空字符）".into());
    }
    let len = password.chars().count();
    if len < MIN_PASSWORD_CHARS {
        return Err(format!("密码至少 {MIN_PASSWORD_CHARS} 位"));
    }
    if len > MAX_PASSWORD_CHARS {
        return Err(format!("密码不能超过 {MAX_PASSWORD_CHARS} 位"));
    }
    let classes = [
        password.chars().any(char::is_alphabetic),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if classes.iter().filter(|x| **x).count() < 2 {
        return Err("密码须包含字母、数字、符号中的至少两类".into());
    }
    let estimate = zxcvbn::zxcvbn(password, known_words);
    if estimate.score() < zxcvbn::Score::Three {
        let why = estimate
            .feedback()
            .and_then(|f| f.warning())
            .map_or("容易被猜到", warning_in_chinese);
        return Err(format!(
            "密码太弱（{why}），请换一个更长、不含常见单词、用户名或品牌名的密码"
        ));
    }
    Ok(())
}

fn warning_in_chinese(warning: zxcvbn::feedback::Warning) -> &'static str {
    use zxcvbn::feedback::Warning as W;
    match warning {
        W::StraightRowsOfKeysAreEasyToGuess | W::ShortKeyboardPatternsAreEasyToGuess => {
            "键盘上连续的按键很容易被猜到"
        }
        W::RepeatsLikeAaaAreEasyToGuess | W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => {
            "重复的字符或片段很容易被猜到"
        }
        W::ThisIsATop10Password | W::ThisIsATop100Password | W::ThisIsACommonPassword => {
            "这是常见密码"
        }
        W::ThisIsSimilarToACommonlyUsedPassword => "与常见密码或用户名、品牌名过于相似",
        W::SequencesLikeAbcAreEasyToGuess => "abc、6543 这样的顺序很容易被猜到",
        W::RecentYearsAreEasyToGuess | W::DatesAreOftenEasyToGuess => "年份和日期很容易被猜到",
        W::AWordByItselfIsEasyToGuess => "单个单词很容易被猜到",
        W::NamesAndSurnamesByThemselvesAreEasyToGuess | W::CommonNamesAndSurnamesAreEasyToGuess => {
            "常见姓名很容易被猜到"
        }
    }
}

pub fn validate_display_name(name: &str) -> Result<(), String> {
    let len = name.trim().chars().count();
    if (1..=50).contains(&len) {
        Ok(())
    } else {
        Err("姓名须为 1–50 个字符".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: [&str; 4] = ["admin", "管理员", "贷款助手", "loan-broker"];

    #[test]
    fn the_password_policy_refuses_weak_passwords_and_says_why() {
        let refused = [
            ("Password12", "太弱"),
            ("admin12345", "太弱"),
            ("PasswordAbc", "至少两类"),
            ("         a", "太弱"),
            ("Admin-Passw0rd\0", "控制字符"),
            ("Good-Pass\tw0rd-2026", "控制字符"),
            ("short-1", "至少 10 位"),
            ("abcdefghijklmnop", "至少两类"),
            ("贷款助手贷款助手2026", "太弱"),
        ];
        for (pw, why) in refused {
            let err = validate_password(pw, &WORDS).expect_err(pw);
            assert!(err.contains(why), "{pw:?}: {err}");
        }
        let accepted = [
            "Admin-Passw0rd-2026",
            "Staff-initial-1",
            "Staff-Passw0rd-x",
            "Passw0rd-12345",
            "correct horse battery staple",
            "E2e-Passw0rd!2026",
            "Fuzz-initial-1",
            "Bench-Passw0rd-2026",
        ];
        for pw in accepted {
            assert_eq!(validate_password(pw, &WORDS), Ok(()), "{pw:?}");
        }
        assert!(
            validate_password(&"aB3$x9".repeat(22), &WORDS).is_err(),
            "over 128"
        );
    }

    #[test]
    fn usernames_have_one_spelling() {
        for raw in [
            "admin ",
            " admin",
            "\tadmin",
            "admin\u{3000}",
            "ADMIN ",
            "ａｄｍｉｎ",
            "\u{200b}Admin",
        ] {
            assert_eq!(normalize_username(raw), "admin", "{raw:?}");
        }
        assert_eq!(normalize_username("Zhang.San_1"), "zhang.san_1");
    }
}
