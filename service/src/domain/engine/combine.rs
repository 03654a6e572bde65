//! The combined amount (domain.md §2.5): what a broker files for at once — the best eligible
//! product per institution (per family for generic products), at most N of them, unsecured
//! ones limited together by the working-capital cap, secured ones beside it.

use super::context::Ctx;
use super::products::{Product, ProductEval};
use super::rules::RuleSet;
use crate::domain::money::{fmt_num, fmt_wan};

/// The unsecured working-capital cap and how it was computed, in words.
#[derive(Clone, Debug, PartialEq)]
pub struct Cap {
    pub yuan: i64,
    /// "25% × 申报收入300万元 − 已有信用类经营贷20万元 = 55万元".
    pub arithmetic: String,
}

/// Total unsecured credit allowed: ratio × business size − existing unsecured business loans.
/// Existing loans secured by a recorded lien are netted in the mortgage formula already, so
/// only the rest counts here. None when the business size is unknown.
pub fn unsecured_cap(rules: &RuleSet, ctx: &Ctx) -> Option<Cap> {
    let r = &rules.recommendation;
    let f = ctx.facts;
    let scale = ctx.business_scale()?;
    let gross = super::products::scale(scale.yuan, r.unsecured_cap_ratio);
    let liens: i64 = f
        .collaterals
        .iter()
        .map(|c| c.lien_yuan.unwrap_or(0).max(0))
        .sum();
    let unsecured_loans = if r.subtract_unsecured_loans {
        (f.business_loan_balance_yuan.unwrap_or(0) - liens).max(0)
    } else {
        0
    };
    let yuan = (gross - unsecured_loans).max(0);
    let mut arithmetic = format!(
        "{}% × {}{}",
        fmt_num(r.unsecured_cap_ratio * 100.0),
        scale.basis,
        fmt_wan(scale.yuan)
    );
    if unsecured_loans > 0 {
        arithmetic.push_str(&format!(" − 已有信用类经营贷{}", fmt_wan(unsecured_loans)));
    }
    arithmetic.push_str(&format!(" = {}", fmt_wan(yuan)));
    Some(Cap { yuan, arithmetic })
}

/// One product in the combination with the amount it contributes (after the cap).
#[derive(Clone, Debug, PartialEq)]
pub struct Pick {
    pub index: usize,
    pub yuan: i64,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Combination {
    pub picks: Vec<Pick>,
    pub total_yuan: i64,
    /// The largest single eligible product (its own estimate, uncapped).
    pub single_best_yuan: i64,
    /// Unsecured estimates together exceed the cap, which lowers the combination.
    pub cap_binding: bool,
}

/// Chooses the combination with the largest total; ties go to fewer products, then to the
/// catalogue order. With secured products counted in full and unsecured ones together up to the
/// cap, the best set of size N takes the k largest secured and the N − k largest unsecured
/// products for some k, so trying every k finds it.
pub fn combine(
    products: &[&Product],
    evals: &[ProductEval],
    cap: Option<&Cap>,
    max_products: u32,
) -> Combination {
    let single_best_yuan = evals.iter().map(|e| e.estimate_yuan).max().unwrap_or(0);
    let mut candidates = best_per_institution(products, evals);
    candidates.sort_by_key(|i| (std::cmp::Reverse(evals[*i].estimate_yuan), *i));
    let (secured, unsecured): (Vec<usize>, Vec<usize>) = candidates
        .into_iter()
        .partition(|i| products[*i].family.is_secured());
    let n = max_products.max(1) as usize;
    let mut best: Option<(i64, Vec<usize>)> = None;
    for k in 0..=n.min(secured.len()) {
        let secured_sum: i64 = secured[..k].iter().map(|i| evals[*i].estimate_yuan).sum();
        let room = n - k;
        let pool = &unsecured[..room.min(unsecured.len())];
        let full: i64 = pool.iter().map(|i| evals[*i].estimate_yuan).sum();
        let reach = cap.map_or(full, |c| full.min(c.yuan));
        // The fewest of the largest unsecured products that already reach what the pool gives.
        let mut sum = 0;
        let mut m = 0;
        while sum < reach && m < pool.len() {
            sum += evals[pool[m]].estimate_yuan;
            m += 1;
        }
        let total = secured_sum + reach;
        let set: Vec<usize> = secured[..k].iter().chain(&pool[..m]).copied().collect();
        let better = match &best {
            None => true,
            Some((t, s)) => total > *t || (total == *t && set.len() < s.len()),
        };
        if better {
            best = Some((total, set));
        }
    }
    let Some((_, set)) = best.filter(|(t, _)| *t > 0) else {
        return Combination {
            single_best_yuan,
            // Eligible unsecured products and a cap with no room left: the cap is what binds.
            cap_binding: !unsecured.is_empty() && cap.is_some(),
            ..Default::default()
        };
    };
    let (total_yuan, picks, cap_binding) = value(&set, products, evals, cap);
    Combination {
        picks,
        total_yuan,
        single_best_yuan,
        cap_binding,
    }
}

/// Index of the best eligible product of each institution, in catalogue order.
fn best_per_institution(products: &[&Product], evals: &[ProductEval]) -> Vec<usize> {
    let mut best: Vec<usize> = Vec::new();
    for (i, (p, e)) in products.iter().zip(evals).enumerate() {
        if !e.eligible() || e.estimate_yuan <= 0 {
            continue;
        }
        match best
            .iter_mut()
            .find(|j| products[**j].filing_key() == p.filing_key())
        {
            Some(j) if evals[*j].estimate_yuan < e.estimate_yuan => *j = i,
            Some(_) => {}
            None => best.push(i),
        }
    }
    best
}

/// Total of a set: secured products in full, unsecured ones filled largest first up to the cap.
fn value(
    set: &[usize],
    products: &[&Product],
    evals: &[ProductEval],
    cap: Option<&Cap>,
) -> (i64, Vec<Pick>, bool) {
    let mut order = set.to_vec();
    order.sort_by_key(|i| (std::cmp::Reverse(evals[*i].estimate_yuan), *i));
    let mut room = cap.map(|c| c.yuan);
    let mut picks = Vec::with_capacity(order.len());
    let mut binding = false;
    for i in order {
        let own = evals[i].estimate_yuan;
        let yuan = if products[i].family.is_secured() {
            own
        } else {
            match room.as_mut() {
                None => own,
                Some(r) => {
                    let take = own.min(*r);
                    binding |= take < own;
                    *r -= take;
                    take
                }
            }
        };
        if yuan > 0 {
            picks.push(Pick { index: i, yuan });
        }
    }
    (picks.iter().map(|p| p.yuan).sum(), picks, binding)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::engine::ProductFamily;
    use crate::domain::engine::testkit::products;

    fn eval(yuan: i64) -> ProductEval {
        ProductEval {
            estimate_yuan: yuan,
            blockers: vec![],
            notes: vec![],
        }
    }

    /// Every subset of at most n institutions, valued the same way: the reference answer.
    fn brute_force(ps: &[&Product], es: &[ProductEval], cap: Option<&Cap>, n: usize) -> i64 {
        let items = best_per_institution(ps, es);
        let mut best = 0;
        for mask in 0u32..(1 << items.len()) {
            if mask.count_ones() as usize > n {
                continue;
            }
            let set: Vec<usize> = (0..items.len())
                .filter(|b| mask & (1 << b) != 0)
                .map(|b| items[b])
                .collect();
            best = best.max(value(&set, ps, es, cap).0);
        }
        best
    }

    proptest! {
        #[test]
        fn the_combination_is_the_best_set(
            amounts in prop::collection::vec(0i64..3_000_000, 11),
            families in prop::collection::vec(0usize..6, 11),
            cap in prop::option::of(0i64..5_000_000),
            n in 1u32..5,
        ) {
            let fams = [
                ProductFamily::TaxLoan, ProductFamily::InvoiceLoan, ProductFamily::FlowLoan,
                ProductFamily::Mortgage, ProductFamily::CreditLoan, ProductFamily::Platform,
            ];
            let mut catalogue = products();
            catalogue.truncate(11);
            for (p, f) in catalogue.iter_mut().zip(&families) {
                p.family = fams[*f];
            }
            let refs: Vec<&Product> = catalogue.iter().collect();
            let evals: Vec<ProductEval> = amounts.iter().take(refs.len()).map(|a| eval(*a)).collect();
            let cap = cap.map(|yuan| Cap { yuan, arithmetic: String::new() });
            let got = combine(&refs, &evals, cap.as_ref(), n);
            prop_assert_eq!(got.total_yuan, brute_force(&refs, &evals, cap.as_ref(), n as usize));
            prop_assert!(got.picks.len() <= n as usize);
            let keys: std::collections::HashSet<&str> =
                got.picks.iter().map(|p| refs[p.index].filing_key()).collect();
            prop_assert_eq!(keys.len(), got.picks.len(), "one product per institution");
        }
    }
}
