//! The bridge from a recorded customer (API types, 万元) to the engine's facts (元).

use super::customer::CustomerInput;
use super::engine as e;
use super::money::opt_wan_to_yuan;

fn count(v: Option<i64>) -> Option<u32> {
    v.and_then(|x| u32::try_from(x).ok())
}

pub fn facts_of(input: &CustomerInput) -> e::Facts {
    e::Facts {
        established_on: input.established_on,
        reg_capital_yuan: opt_wan_to_yuan(input.reg_capital_wan),
        legal_person_age: count(input.legal_person_age),
        annual_invoice_yuan: opt_wan_to_yuan(input.annual_invoice_wan),
        invoice_gap_months: count(input.invoice_gap_months),
        annual_tax_yuan: opt_wan_to_yuan(input.annual_tax_wan),
        tax_grade: input.tax_grade,
        monthly_flow_yuan: opt_wan_to_yuan(input.monthly_flow_wan),
        current_overdue: input.current_overdue,
        overdue_count_24m: count(input.overdue_count_24m),
        lian3lei6_24m: input.lian3lei6_24m,
        severe_record_5y: input.severe_record_5y,
        inquiries_1m: count(input.inquiries_1m),
        inquiries_3m: count(input.inquiries_3m),
        inquiries_6m: count(input.inquiries_6m),
        card_utilization_pct: input.card_utilization_pct,
        credit_institutions: count(input.credit_institutions),
        business_loan_count: count(input.business_loan_count),
        business_loan_balance_yuan: opt_wan_to_yuan(input.business_loan_balance_wan),
        dishonest_debtor: input.dishonest_debtor,
        business_status: input.business_status,
        industry: input.industry.clone(),
        collaterals: input
            .collaterals
            .iter()
            .map(|x| e::Collateral {
                kind: x.kind,
                appraisal_yuan: opt_wan_to_yuan(x.appraisal_wan),
                lien_yuan: opt_wan_to_yuan(x.lien_wan),
                held_since: x.held_since,
            })
            .collect(),
        loan_demand_yuan: opt_wan_to_yuan(input.loan_demand_wan),
    }
}
