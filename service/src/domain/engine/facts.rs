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

/// Diagnosis input. Stored verbatim as the diagnosis input snapshot.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(default)]
pub struct Facts {
    pub established_on: Option<NaiveDate>,
    pub reg_capital_yuan: Option<i64>,
    pub legal_person_age: Option<u32>,
    pub annual_invoice_yuan: Option<i64>,
    pub invoice_gap_months: Option<u32>,
    pub annual_tax_yuan: Option<i64>,
    pub tax_grade: Option<TaxGrade>,
    pub monthly_flow_yuan: Option<i64>,
    pub current_overdue: Option<bool>,
    pub overdue_count_24m: Option<u32>,
    pub lian3lei6_24m: Option<bool>,
    pub severe_record_5y: Option<bool>,
    pub inquiries_1m: Option<u32>,
    pub inquiries_3m: Option<u32>,
    pub inquiries_6m: Option<u32>,
    pub card_utilization_pct: Option<f64>,
    pub credit_institutions: Option<u32>,
    pub business_loan_count: Option<u32>,
    pub business_loan_balance_yuan: Option<i64>,
    pub dishonest_debtor: Option<bool>,
    pub business_status: Option<BusinessStatus>,
    pub industry: Option<String>,
    pub collaterals: Vec<Collateral>,
    pub loan_demand_yuan: Option<i64>,
}

impl Facts {
    /// Tax grade with `None` folded into `Unknown`.
    pub fn grade(&self) -> TaxGrade {
        self.tax_grade.unwrap_or(TaxGrade::Unknown)
    }

    /// Company age in whole months on `today` (None when the founding date is unknown).
    pub fn company_age_months(&self, today: NaiveDate) -> Option<u32> {
        self.established_on.map(|d| months_between(d, today))
    }

    /// API field names (the `_wan` spelling) of every fact the diagnosis had to assume.
    pub fn missing_fields(&self) -> Vec<String> {
        let scalar: [(&str, bool); 23] = [
            ("established_on", self.established_on.is_none()),
            ("reg_capital_wan", self.reg_capital_yuan.is_none()),
            ("legal_person_age", self.legal_person_age.is_none()),
            ("annual_invoice_wan", self.annual_invoice_yuan.is_none()),
            ("invoice_gap_months", self.invoice_gap_months.is_none()),
            ("annual_tax_wan", self.annual_tax_yuan.is_none()),
            ("tax_grade", matches!(self.grade(), TaxGrade::Unknown)),
            ("monthly_flow_wan", self.monthly_flow_yuan.is_none()),
            ("current_overdue", self.current_overdue.is_none()),
            ("overdue_count_24m", self.overdue_count_24m.is_none()),
            ("lian3lei6_24m", self.lian3lei6_24m.is_none()),
            ("severe_record_5y", self.severe_record_5y.is_none()),
            ("inquiries_1m", self.inquiries_1m.is_none()),
            ("inquiries_3m", self.inquiries_3m.is_none()),
            ("inquiries_6m", self.inquiries_6m.is_none()),
            ("card_utilization_pct", self.card_utilization_pct.is_none()),
            ("credit_institutions", self.credit_institutions.is_none()),
            ("business_loan_count", self.business_loan_count.is_none()),
            (
                "business_loan_balance_wan",
                self.business_loan_balance_yuan.is_none(),
            ),
            ("dishonest_debtor", self.dishonest_debtor.is_none()),
            ("business_status", self.business_status.is_none()),
            (
                "industry",
                self.industry.as_deref().is_none_or(|s| s.trim().is_empty()),
            ),
            ("loan_demand_wan", self.loan_demand_yuan.is_none()),
        ];
        let mut out: Vec<String> = scalar
            .iter()
            .filter(|(_, missing)| *missing)
            .map(|(n, _)| (*n).to_owned())
            .collect();
        for (i, c) in self.collaterals.iter().enumerate() {
            let sub = [
                ("appraisal_wan", c.appraisal_yuan.is_none()),
                ("lien_wan", c.lien_yuan.is_none()),
                ("held_since", c.held_since.is_none()),
            ];
            out.extend(
                sub.iter()
                    .filter(|(_, m)| *m)
                    .map(|(n, _)| format!("collaterals[{i}].{n}")),
            );
        }
        out
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
        assert_eq!(m.len(), 23 + 3);
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
