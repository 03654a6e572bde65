//! Derived values computed once per diagnosis so rules and gates stay cheap and consistent.

use chrono::NaiveDate;

use super::facts::{Collateral, Facts, months_between};
use super::industry::IndustryVerdict;
use super::rules::{IndustryClass, InquiryWindow, RuleSet};

pub struct Ctx<'a> {
    pub facts: &'a Facts,
    pub today: NaiveDate,
    pub company_age_m: Option<u32>,
    /// 行业 and 主营业务 read together, with what matched (None when both are empty).
    pub industry: Option<IndustryVerdict>,
    /// `industry`'s class, the one thing most rules need.
    pub industry_class: Option<IndustryClass>,
}

impl<'a> Ctx<'a> {
    pub fn new(facts: &'a Facts, rules: &RuleSet, today: NaiveDate) -> Self {
        let industry = rules
            .industry
            .verdict(facts.industry.as_deref(), facts.main_business.as_deref());
        Ctx {
            facts,
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
}
