//! Deterministic synthetic customers for benchmarks, load tests and demo data.
//! A tiny xorshift generator keeps this dependency-free and reproducible across runs.

use chrono::NaiveDate;

use super::facts::{BusinessStatus, Collateral, CollateralKind, Facts, TaxGrade, months_before};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*; the seed is mixed so that seed 0 works too.
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }

    /// Some(value) with probability 90 %: real customer records are mostly complete.
    fn maybe<T>(&mut self, make: impl FnOnce(&mut Self) -> T) -> Option<T> {
        let v = make(self);
        self.chance(90).then_some(v)
    }
}

const INDUSTRIES: [&str; 8] = [
    "汽车零部件制造",
    "批发零售",
    "软件和信息技术服务",
    "餐饮服务",
    "建筑装饰工程",
    "道路货运",
    "房地产开发经营",
    "C3670",
];
const GRADES: [TaxGrade; 6] = [
    TaxGrade::A,
    TaxGrade::B,
    TaxGrade::B,
    TaxGrade::M,
    TaxGrade::C,
    TaxGrade::D,
];

/// A plausible small-enterprise customer derived only from `seed` and `today`.
#[allow(clippy::needless_update)]
pub fn sample_facts(seed: u64, today: NaiveDate) -> Facts {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    fn wan(r: &mut Rng, max: u64) -> i64 {
        (r.below(max * 100) as i64) * 100
    }
    let age_m = r.below(120) as u32;
    let collaterals = (0..r.below(3))
        .map(|_| Collateral {
            kind: CollateralKind::ALL[r.below(7) as usize],
            appraisal_yuan: Some(wan(&mut r, 800)),
            lien_yuan: Some(wan(&mut r, 200)),
            held_since: Some(months_before(today, r.below(60) as u32)),
        })
        .collect();
    Facts {
        established_on: r.maybe(|_| months_before(today, age_m)),
        reg_capital_yuan: r.maybe(|r| wan(r, 1000)),
        legal_person_age: r.maybe(|r| 18 + r.below(52) as u32),
        annual_invoice_yuan: r.maybe(|r| wan(r, 2000)),
        invoice_gap_months: r.maybe(|r| r.below(7) as u32),
        annual_tax_yuan: r.maybe(|r| wan(r, 40)),
        tax_grade: r.maybe(|r| GRADES[r.below(6) as usize]),
        monthly_flow_yuan: r.maybe(|r| wan(r, 200)),
        current_overdue: r.maybe(|r| r.chance(8)),
        overdue_count_24m: r.maybe(|r| r.below(8) as u32),
        lian3lei6_24m: r.maybe(|r| r.chance(5)),
        severe_record_5y: r.maybe(|r| r.chance(3)),
        inquiries_1m: r.maybe(|r| r.below(6) as u32),
        inquiries_3m: r.maybe(|r| r.below(10) as u32),
        inquiries_6m: r.maybe(|r| r.below(14) as u32),
        card_utilization_pct: r.maybe(|r| r.below(100) as f64),
        credit_institutions: r.maybe(|r| r.below(6) as u32),
        business_loan_count: r.maybe(|r| r.below(4) as u32),
        business_loan_balance_yuan: r.maybe(|r| wan(r, 600)),
        dishonest_debtor: r.maybe(|r| r.chance(3)),
        business_status: r.maybe(|r| {
            if r.chance(5) {
                BusinessStatus::Abnormal
            } else {
                BusinessStatus::Normal
            }
        }),
        industry: r.maybe(|r| INDUSTRIES[r.below(8) as usize].to_owned()),
        collaterals,
        loan_demand_yuan: r.maybe(|r| wan(r, 500)),
        // A fact added to the catalogue is unknown here until a rule needs samples of it.
        ..Default::default()
    }
}
