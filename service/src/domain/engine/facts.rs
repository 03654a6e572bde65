//! The customer's diagnosis-relevant facts (the engine's only input besides data).
//! Every fact is optional because "unknown" must never be read as zero.

pub use crate::domain::vocab::{BusinessStatus, CollateralKind, TaxGrade};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Collateral {
    pub kind: CollateralKind,
    pub appraisal_yuan: Option<i64>,
    pub lien_yuan: Option<i64>,
    pub held_since: Option<NaiveDate>,
}

/// Diagnosis input, generated from the field catalogue (`domain::customer`).
pub use crate::domain::customer::Facts;

impl Facts {
    /// Tax grade with `None` folded into `Unknown`.
    pub fn grade(&self) -> TaxGrade {
        self.tax_grade.unwrap_or(TaxGrade::Unknown)
    }

    /// The same business `months` later, expressed as facts read today: founding, purchase and
    /// 法人变更 dates move back, each inquiry window keeps at most what a shorter window held
    /// (no new applications — every plan asks for that), the legal person ages in whole years.
    pub fn aged(&self, months: u32) -> Facts {
        if months == 0 {
            return self.clone();
        }
        let back = |d: Option<NaiveDate>| d.map(|d| months_before(d, months));
        let mut f = self.clone();
        f.established_on = back(self.established_on);
        f.legal_person_changed_on = back(self.legal_person_changed_on);
        for c in &mut f.collaterals {
            c.held_since = back(c.held_since);
        }
        f.legal_person_age = self.legal_person_age.map(|a| a + months / 12);
        let windows = [
            (1, self.inquiries_1m),
            (3, self.inquiries_3m),
            (6, self.inquiries_6m),
        ];
        // What is left of a w-month window after `months` is its last (w − months) months today,
        // which holds at most the count of any window at least that long.
        let slide = |w: u32| match w.checked_sub(months).filter(|r| *r > 0) {
            None => 0,
            Some(remaining) => windows
                .iter()
                .filter(|(m, _)| *m >= remaining && *m <= w)
                .filter_map(|(_, n)| *n)
                .min()
                .unwrap_or(0),
        };
        let aged = |w: u32, now: Option<u32>| now.map(|n| slide(w).min(n));
        f.inquiries_1m = aged(1, self.inquiries_1m);
        f.inquiries_3m = aged(3, self.inquiries_3m);
        f.inquiries_6m = aged(6, self.inquiries_6m);
        f
    }

    /// Company age in whole months on `today` (None when the founding date is unknown).
    pub fn company_age_months(&self, today: NaiveDate) -> Option<u32> {
        self.established_on.map(|d| months_between(d, today))
    }
}

/// Whole months from `from` to `to` (0 when `to` is earlier): a day-of-month not yet
/// reached does not count, matching how banks count "成立满24个月".
pub fn months_between(from: NaiveDate, to: NaiveDate) -> u32 {
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    let months = if to.day() < from.day() {
        months - 1
    } else {
        months
    };
    months.max(0) as u32
}

/// The date `months` whole months before `to` (clamped to month end), used by plans that
/// move a date back so an age/holding gate is met.
pub fn months_before(to: NaiveDate, months: u32) -> NaiveDate {
    to.checked_sub_months(chrono::Months::new(months))
        .unwrap_or(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn months_between_counts_whole_months() {
        let cases = [
            (d(2023, 1, 15), d(2025, 1, 15), 24),
            (d(2023, 1, 15), d(2025, 1, 14), 23),
            (d(2025, 1, 31), d(2025, 2, 28), 0),
            (d(2025, 3, 1), d(2024, 1, 1), 0),
            (d(2024, 2, 29), d(2025, 2, 28), 11),
        ];
        for (from, to, want) in cases {
            assert_eq!(months_between(from, to), want, "{from} → {to}");
        }
        assert_eq!(
            months_between(months_before(d(2025, 6, 30), 24), d(2025, 6, 30)),
            24
        );
    }

    #[test]
    fn missing_fields_use_api_names() {
        let mut f = Facts {
            collaterals: vec![Collateral {
                kind: CollateralKind::Residential,
                appraisal_yuan: None,
                lien_yuan: None,
                held_since: None,
            }],
            ..Facts::default()
        };
        let m = f.missing_fields();
        assert!(m.contains(&"annual_tax_wan".to_owned()));
        assert!(m.contains(&"collaterals[0].appraisal_wan".to_owned()));
        // Every engine fact but the collateral list is unknown, plus the collateral's three figures.
        let facts = serde_json::to_value(Facts::default()).unwrap();
        let scalars = facts.as_object().unwrap().len() - 1;
        assert!(scalars >= 23);
        assert_eq!(m.len(), scalars + 3);
        f.tax_grade = Some(TaxGrade::Unknown);
        assert!(f.missing_fields().contains(&"tax_grade".to_owned()));
        f.tax_grade = Some(TaxGrade::B);
        assert!(!f.missing_fields().contains(&"tax_grade".to_owned()));
    }

    #[test]
    fn tax_grade_serialises_as_letters() {
        assert_eq!(serde_json::to_string(&TaxGrade::A).unwrap(), "\"A\"");
        assert_eq!(
            serde_json::to_string(&TaxGrade::Unknown).unwrap(),
            "\"unknown\""
        );
        assert_eq!(
            serde_json::to_string(&BusinessStatus::Abnormal).unwrap(),
            "\"abnormal\""
        );
    }
}
