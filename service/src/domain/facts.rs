//! How a recorded fact (API types, 万元) becomes what the engine reads (元, counts), and what
//! "unknown" means for each engine type. The catalogue (`customer_facts!`) names, per fact,
//! which conversion applies; `Facts`, `facts_of` and `missing_fields` are generated from it.

use chrono::NaiveDate;

use super::customer::Collateral;
pub use super::customer::facts_of;
use super::engine;
use super::money::opt_wan_to_yuan;
use super::vocab::{BusinessStatus, TaxGrade};

pub fn same<T: Clone>(v: &T) -> T {
    v.clone()
}

pub fn wan(v: &Option<f64>) -> Option<i64> {
    opt_wan_to_yuan(*v)
}

/// A count the engine reads as `u32`; a negative value (refused by validation) is unknown.
pub fn count(v: &Option<i64>) -> Option<u32> {
    v.and_then(|x| u32::try_from(x).ok())
}

pub fn collaterals(items: &[Collateral]) -> Vec<engine::Collateral> {
    items
        .iter()
        .map(|x| engine::Collateral {
            kind: x.kind,
            appraisal_yuan: opt_wan_to_yuan(x.appraisal_wan),
            lien_yuan: opt_wan_to_yuan(x.lien_wan),
            held_since: x.held_since,
        })
        .collect()
}

/// Whether an engine fact is known; unknown ones are listed (by API name) in `missing_fields`.
pub trait Known {
    fn missing(&self, key: &str, out: &mut Vec<String>);
}

macro_rules! known_when_some {
    ($($ty:ty),+) => {$(
        impl Known for Option<$ty> {
            fn missing(&self, key: &str, out: &mut Vec<String>) {
                if self.is_none() {
                    out.push(key.to_owned());
                }
            }
        }
    )+};
}
known_when_some!(NaiveDate, i64, u32, f64, bool, BusinessStatus);

/// 未评级 is as unknown as no answer.
impl Known for Option<TaxGrade> {
    fn missing(&self, key: &str, out: &mut Vec<String>) {
        if matches!(self, None | Some(TaxGrade::Unknown)) {
            out.push(key.to_owned());
        }
    }
}

impl Known for Option<String> {
    fn missing(&self, key: &str, out: &mut Vec<String>) {
        if self.as_deref().is_none_or(|s| s.trim().is_empty()) {
            out.push(key.to_owned());
        }
    }
}

/// Each collateral's unknown figures, as `collaterals[0].lien_wan`.
impl Known for Vec<engine::Collateral> {
    fn missing(&self, key: &str, out: &mut Vec<String>) {
        for (i, c) in self.iter().enumerate() {
            let sub = [
                ("appraisal_wan", c.appraisal_yuan.is_none()),
                ("lien_wan", c.lien_yuan.is_none()),
                ("held_since", c.held_since.is_none()),
            ];
            out.extend(
                sub.iter()
                    .filter(|(_, m)| *m)
                    .map(|(n, _)| format!("{key}[{i}].{n}")),
            );
        }
    }
}
