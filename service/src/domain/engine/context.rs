//! Derived values computed once per diagnosis so rules and gates stay cheap and consistent.

use chrono::{Datelike, NaiveDate};

use super::facts::{Collateral, Facts, months_between};
use super::industry::IndustryVerdict;
use super::plans::PlanKind;
use super::rules::{IndustryClass, InquiryWindow, RuleSet};

pub struct Ctx<'a> {
    pub facts: &'a Facts,
    pub rules: &'a RuleSet,
    pub today: NaiveDate,
    pub company_age_m: Option<u32>,
    /// 行业 and 主营业务 read together, with what matched (None when both are empty).
    pub industry: Option<IndustryVerdict>,
    /// `industry`'s class, the one thing most rules need.
    pub industry_class: Option<IndustryClass>,
}

/// The size of the business a lender sizes working capital on, and what it was read from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    pub yuan: i64,
    pub basis: &'static str,
}

impl<'a> Ctx<'a> {
    pub fn new(facts: &'a Facts, rules: &'a RuleSet, today: NaiveDate) -> Self {
        let industry = rules
            .industry
            .verdict(facts.industry.as_deref(), facts.main_business.as_deref());
        Ctx {
            facts,
            rules,
            today,
            company_age_m: facts.company_age_months(today),
            industry_class: industry.as_ref().map(|v| v.class),
            industry,
        }
    }

    pub fn inquiries(&self, w: InquiryWindow) -> Option<u32> {
        match w {
            InquiryWindow::M1 => self.facts.inquiries_1m,
            InquiryWindow::M3 => self.facts.inquiries_3m,
            InquiryWindow::M6 => self.facts.inquiries_6m,
        }
    }

    /// Months a collateral has been held; None when the purchase date is unknown.
    pub fn held_months(&self, c: &Collateral) -> Option<u32> {
        c.held_since.map(|d| months_between(d, self.today))
    }

    /// How long the plan that clears a gate of this kind usually takes.
    pub fn plan_months(&self, kind: PlanKind) -> u32 {
        self.rules.plans.get(kind).months_to_effect
    }

    /// Months until the next publication of 纳税信用 grades (each April by default).
    pub fn months_to_grade_review(&self) -> u32 {
        let month = self.rules.plan_policy.tax_grade_review_month.clamp(1, 12);
        let this_year = NaiveDate::from_ymd_opt(self.today.year(), month, 1);
        let next = match this_year {
            Some(d) if d > self.today => d,
            _ => NaiveDate::from_ymd_opt(self.today.year() + 1, month, 1).unwrap_or(self.today),
        };
        months_between(self.today, next).max(1)
    }

    /// The larger of the declared figures, 申报收入 and 开票额.
    fn declared_scale(&self) -> Option<Scale> {
        let f = self.facts;
        [
            (f.annual_revenue_yuan, "申报收入"),
            (f.annual_invoice_yuan, "开票额"),
        ]
        .into_iter()
        .filter_map(|(v, basis)| v.map(|yuan| Scale { yuan, basis }))
        .max_by_key(|s| s.yuan)
    }

    /// max(申报收入, 开票额), or 对公流水 × 12 when both are unknown and the rules allow it.
    pub fn business_scale(&self) -> Option<Scale> {
        let f = self.facts;
        let declared = self.declared_scale();
        declared.or_else(|| {
            self.rules
                .recommendation
                .flow_as_scale_fallback
                .then_some(())
                .and(f.monthly_flow_yuan)
                .map(|m| Scale {
                    yuan: m.saturating_mul(12),
                    basis: "对公流水×12",
                })
        })
    }

    /// The scale platform lenders size on: the declared figures when known, otherwise the flows
    /// including business receipts on personal accounts (turnover is not revenue, so it only
    /// stands in when nothing is declared).
    pub fn business_scale_with_personal(&self) -> Option<Scale> {
        let f = self.facts;
        let declared = self.declared_scale();
        declared.or_else(|| match (f.monthly_flow_yuan, f.personal_receipts_yuan) {
            (None, None) => None,
            (a, b) => Some(Scale {
                yuan: a
                    .unwrap_or(0)
                    .saturating_add(b.unwrap_or(0))
                    .saturating_mul(12),
                basis: "经营流水×12",
            }),
        })
    }
}
