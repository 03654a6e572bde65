//! Derived values computed once per diagnosis so rules and gates stay cheap and consistent.

use chrono::NaiveDate;

use super::facts::{Collateral, Facts, months_between};
use super::rules::{IndustryClass, InquiryWindow, RuleSet};

pub struct Ctx<'a> {
    pub facts: &'a Facts,
    pub today: NaiveDate,
    pub company_age_m: Option<u32>,
    pub industry_class: Option<IndustryClass>,
}

impl<'a> Ctx<'a> {
    pub fn new(facts: &'a Facts, rules: &RuleSet, today: NaiveDate) -> Self {
        let industry_class = facts
            .industry
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| rules.industry.classify(s));
        Ctx {
            facts,
            today,
            company_age_m: facts.company_age_months(today),
            industry_class,
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
