//! Which open follow-ups are due when, counted on the business day (UTC+8), and the digest text.
//!
//! An open follow-up with a next contact time is due from that time until someone marks it done:
//! every window reaches back without limit, so a missed call never drops out of a list because a
//! day passed (the failure of lists that only show the next 24 hours).

use chrono::Duration;
use poem_openapi::Enum;

use super::timestamp::Timestamp;

/// Which due follow-ups to list.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum DueWindow {
    /// Due before the end of today (UTC+8), the overdue ones included.
    Today,
    /// Due before now and not done.
    Overdue,
    /// Due before the end of the seventh day from today, the overdue ones included.
    Week,
}

impl DueWindow {
    /// The exclusive upper bound of the window (there is no lower one).
    pub fn before(self, now: Timestamp) -> Timestamp {
        let today = Timestamp::start_of_business_day(now.business_date());
        match self {
            Self::Overdue => now,
            Self::Today => Timestamp::at(today.get() + Duration::days(1)),
            Self::Week => Timestamp::at(today.get() + Duration::days(7)),
        }
    }
}

/// An open follow-up as the digest names it.
pub struct DigestLine<'a> {
    pub customer: &'a str,
    pub next_contact_at: Timestamp,
    pub content: &'a str,
}

/// `HH:MM` on the business clock, or `M月D日 HH:MM` when not today.
fn when_text(at: Timestamp, today: chrono::NaiveDate) -> String {
    let local = at.get().with_timezone(&super::timestamp::business_zone());
    if local.date_naive() == today {
        local.format("%H:%M").to_string()
    } else {
        local.format("%-m月%-d日 %H:%M").to_string()
    }
}

fn first_chars(text: &str, n: usize) -> String {
    let mut out: String = text.chars().take(n).collect();
    if text.chars().count() > n {
        out.push('…');
    }
    out
}

/// Lines shown per section; the rest is counted.
pub const DIGEST_LINES: usize = 10;

/// The text of one user's daily digest, or `None` when nothing is due.
pub fn digest_text(
    brand: &str,
    user: &str,
    now: Timestamp,
    overdue: &[DigestLine<'_>],
    today: &[DigestLine<'_>],
) -> Option<String> {
    if overdue.is_empty() && today.is_empty() {
        return None;
    }
    let date = now.business_date();
    let mut text = format!(
        "【{brand}】{user} 的今日跟进（{}）\n已逾期 {} 条，今日待跟进 {} 条",
        date.format("%-m月%-d日"),
        overdue.len(),
        today.len()
    );
    for (title, lines) in [("已逾期", overdue), ("今日待跟进", today)] {
        if lines.is_empty() {
            continue;
        }
        text.push_str(&format!("\n{title}："));
        for l in lines.iter().take(DIGEST_LINES) {
            text.push_str(&format!(
                "\n- {} {}：{}",
                when_text(l.next_contact_at, date),
                l.customer,
                first_chars(l.content, 30)
            ));
        }
        if lines.len() > DIGEST_LINES {
            text.push_str(&format!("\n- 另有 {} 条", lines.len() - DIGEST_LINES));
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn windows_end_on_the_business_day_and_never_start() {
        // 01:00 in Beijing on 2 March is 17:00 UTC on 1 March.
        let now = at("2026-03-01T17:00:00Z");
        assert_eq!(DueWindow::Overdue.before(now), now);
        assert_eq!(
            DueWindow::Today.before(now).to_text(),
            "2026-03-02T16:00:00.000Z"
        );
        assert_eq!(
            DueWindow::Week.before(now).to_text(),
            "2026-03-08T16:00:00.000Z"
        );
    }

    #[test]
    fn the_digest_names_overdue_first_and_counts_the_rest() {
        let now = at("2026-03-02T01:00:00Z"); // 09:00 in Beijing
        let old = DigestLine {
            customer: "甲公司",
            next_contact_at: at("2026-02-27T02:00:00Z"),
            content: "催收银行流水",
        };
        let soon = DigestLine {
            customer: "乙公司",
            next_contact_at: at("2026-03-02T06:30:00Z"),
            content: "确认抵押物评估结果，并约下周面谈签约时间，带齐营业执照原件，并复印一份留底备查",
        };
        let many: Vec<DigestLine> = (0..12)
            .map(|_| DigestLine {
                customer: "丙公司",
                next_contact_at: at("2026-03-02T08:00:00Z"),
                content: "回访",
            })
            .collect();
        let text = digest_text("好融", "张三", now, &[old], &[soon]).unwrap();
        assert!(
            text.starts_with("【好融】张三 的今日跟进（3月2日）\n已逾期 1 条，今日待跟进 1 条")
        );
        assert!(text.contains("- 2月27日 10:00 甲公司：催收银行流水"));
        let line = text.lines().find(|l| l.contains("乙公司")).unwrap();
        assert_eq!(
            line.chars().count(),
            "- 14:30 乙公司：".chars().count() + 31,
            "{line}"
        );
        assert!(
            line.starts_with("- 14:30 乙公司：确认抵押物") && line.ends_with('…'),
            "{line}"
        );
        assert!(text.find("已逾期：").unwrap() < text.find("今日待跟进：").unwrap());
        let text = digest_text("好融", "张三", now, &[], &many).unwrap();
        assert!(text.contains("另有 2 条"));
        assert_eq!(digest_text("好融", "张三", now, &[], &[]), None);
    }
}
