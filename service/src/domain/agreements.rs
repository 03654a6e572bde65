//! Fee agreements (委托协议): what the broker enters, checked, and what follows from it — the fee,
//! whether it is due, what is still outstanding and every commission (返佣) — computed from the
//! amounts actually disbursed. Pure: the disbursed applications are passed in.

use chrono::{Datelike, FixedOffset, NaiveDate, Utc};
use poem_openapi::Object;
use poem_openapi::types::MaybeUndefined;
use serde::Serialize;

use super::money::{opt_yuan_to_wan, wan_to_yuan, yuan_to_wan};
use super::vocab::{FeeDue, FeeType};

/// The highest service fee rate accepted. No national cap exists (民法典第961条 中介合同), but
/// courts void 显失公平 fees; 10 % of the disbursed amount is far above market practice.
pub const MAX_FEE_RATE_PCT: f64 = 10.0;
/// The highest commission rate a lender or provider plausibly pays.
pub const MAX_REBATE_RATE_PCT: f64 = 10.0;
/// 10 亿元: anything above is a typing error.
pub const MAX_AMOUNT_WAN: f64 = 100_000.0;
pub const MAX_REBATES: usize = 20;
pub const MAX_PAYER_CHARS: usize = 100;
pub const MAX_TERMS_CHARS: usize = 2000;
pub const MAX_NOTE_CHARS: usize = 500;

/// The business day's calendar (UTC+8).
pub fn business_today() -> NaiveDate {
    let offset = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    Utc::now().with_timezone(&offset).date_naive()
}

/// `YYYY-MM` of a date.
pub fn month_of(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The first day of a `YYYY-MM` month, if it is one.
pub fn parse_month(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if text.len() != 7 || text.as_bytes()[4] != b'-' {
        return None;
    }
    let year: i32 = text[..4].parse().ok()?;
    let month: u32 = text[5..].parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, 1)
}

/// The `n` months ending with `last` (its first day), oldest first, as `YYYY-MM`.
pub fn months_ending(last: NaiveDate, n: u32) -> Vec<String> {
    (0..n)
        .rev()
        .filter_map(|back| last.checked_sub_months(chrono::Months::new(back)))
        .map(month_of)
        .collect()
}

#[derive(Debug, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

/// One commission as entered: a rate of the disbursed amount or a fixed amount, never both.
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct RebateInput {
    /// Who pays the commission: the bank, lender or provider (e.g. "某银行 XX 支行").
    pub payer: String,
    /// Percent of the disbursed amount (0 < x ≤ 10).
    #[oai(nullable)]
    pub rate_pct: Option<f64>,
    /// A fixed amount in 万元.
    #[oai(nullable)]
    pub amount_wan: Option<f64>,
}

/// A new agreement, or with [`AgreementPatch`] the agreement after a change.
#[derive(Object, Debug, Clone, PartialEq)]
pub struct AgreementInput {
    /// The application the fee is for; null: all of the customer's disbursed applications.
    #[oai(nullable)]
    pub application_id: Option<i64>,
    pub fee_type: FeeType,
    /// With `percent`: the fee as percent of the disbursed amount (0 < x ≤ 10).
    #[oai(nullable)]
    pub fee_rate_pct: Option<f64>,
    /// With `fixed`: the fee in 万元.
    #[oai(nullable)]
    pub fee_fixed_wan: Option<f64>,
    /// When the fee is due; default `disbursement` (no upfront fee).
    #[oai(default)]
    pub due_on: FeeDue,
    /// Every commission the broker receives for this business, disclosed to the client.
    #[oai(default)]
    pub rebates: Vec<RebateInput>,
    /// Fee received so far, in 万元 (≥ 0).
    #[oai(default)]
    pub received_wan: f64,
    /// 退费条款, printed on the 委托协议.
    #[oai(nullable)]
    pub refund_terms: Option<String>,
    /// 服务内容, printed on the 委托协议.
    #[oai(nullable)]
    pub service_scope: Option<String>,
    /// The day both parties signed.
    #[oai(nullable)]
    pub signed_on: Option<NaiveDate>,
    #[oai(nullable)]
    pub note: Option<String>,
}

/// A change: only the fields present change; `null` clears an optional one. Changing
/// `fee_type` without the other kind's amount drops the old one (a rate is not kept for a
/// fixed fee).
#[derive(Object, Debug, Clone, Default)]
pub struct AgreementPatch {
    #[oai(nullable)]
    pub application_id: MaybeUndefined<i64>,
    pub fee_type: Option<FeeType>,
    #[oai(nullable)]
    pub fee_rate_pct: MaybeUndefined<f64>,
    #[oai(nullable)]
    pub fee_fixed_wan: MaybeUndefined<f64>,
    pub due_on: Option<FeeDue>,
    pub rebates: Option<Vec<RebateInput>>,
    pub received_wan: Option<f64>,
    #[oai(nullable)]
    pub refund_terms: MaybeUndefined<String>,
    #[oai(nullable)]
    pub service_scope: MaybeUndefined<String>,
    #[oai(nullable)]
    pub signed_on: MaybeUndefined<NaiveDate>,
    #[oai(nullable)]
    pub note: MaybeUndefined<String>,
}

fn apply<T: Clone>(slot: &mut Option<T>, change: &MaybeUndefined<T>) {
    match change {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *slot = None,
        MaybeUndefined::Value(v) => *slot = Some(v.clone()),
    }
}

impl AgreementPatch {
    pub fn applied_to(&self, current: &Terms) -> AgreementInput {
        let mut out = current.to_input();
        apply(&mut out.application_id, &self.application_id);
        if let Some(t) = self.fee_type {
            out.fee_type = t;
        }
        apply(&mut out.fee_rate_pct, &self.fee_rate_pct);
        apply(&mut out.fee_fixed_wan, &self.fee_fixed_wan);
        if self.fee_type == Some(FeeType::Fixed) && self.fee_rate_pct.is_undefined() {
            out.fee_rate_pct = None;
        }
        if self.fee_type == Some(FeeType::Percent) && self.fee_fixed_wan.is_undefined() {
            out.fee_fixed_wan = None;
        }
        if let Some(d) = self.due_on {
            out.due_on = d;
        }
        if let Some(r) = &self.rebates {
            out.rebates = r.clone();
        }
        if let Some(r) = self.received_wan {
            out.received_wan = r;
        }
        apply(&mut out.refund_terms, &self.refund_terms);
        apply(&mut out.service_scope, &self.service_scope);
        apply(&mut out.signed_on, &self.signed_on);
        apply(&mut out.note, &self.note);
        out
    }
}

/// A commission as stored (元).
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Rebate {
    pub payer: String,
    pub rate_pct: Option<f64>,
    pub amount_yuan: Option<i64>,
}

/// The agreement's terms as stored (amounts in 元), checked.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Terms {
    pub application_id: Option<i64>,
    pub fee_type: FeeType,
    pub fee_rate_pct: Option<f64>,
    pub fee_fixed_yuan: Option<i64>,
    pub due_on: FeeDue,
    pub rebates: Vec<Rebate>,
    pub received_yuan: i64,
    pub refund_terms: Option<String>,
    pub service_scope: Option<String>,
    pub signed_on: Option<NaiveDate>,
    pub note: Option<String>,
}

impl Terms {
    pub fn to_input(&self) -> AgreementInput {
        AgreementInput {
            application_id: self.application_id,
            fee_type: self.fee_type,
            fee_rate_pct: self.fee_rate_pct,
            fee_fixed_wan: opt_yuan_to_wan(self.fee_fixed_yuan),
            due_on: self.due_on,
            rebates: self
                .rebates
                .iter()
                .map(|r| RebateInput {
                    payer: r.payer.clone(),
                    rate_pct: r.rate_pct,
                    amount_wan: opt_yuan_to_wan(r.amount_yuan),
                })
                .collect(),
            received_wan: yuan_to_wan(self.received_yuan),
            refund_terms: self.refund_terms.clone(),
            service_scope: self.service_scope.clone(),
            signed_on: self.signed_on,
            note: self.note.clone(),
        }
    }
}

fn text(
    field: &str,
    label: &str,
    value: Option<String>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    let value = value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    if value.as_deref().is_some_and(|v| v.chars().count() > max) {
        return Err(err(field, format!("{label} {field} 最多 {max} 个字符")));
    }
    Ok(value)
}

fn rate(field: &str, label: &str, value: f64, max: f64) -> Result<f64, FieldError> {
    if !value.is_finite() || value <= 0.0 || value > max {
        return Err(err(
            field,
            format!("{label} {field} 应大于 0 且不超过 {max}%（按放款金额的百分比）"),
        ));
    }
    Ok(value)
}

fn amount(field: &str, label: &str, value: f64, zero_ok: bool) -> Result<i64, FieldError> {
    let low_ok = if zero_ok { value >= 0.0 } else { value > 0.0 };
    if !value.is_finite() || !low_ok || value > MAX_AMOUNT_WAN {
        let low = if zero_ok {
            "不能为负数"
        } else {
            "应大于 0"
        };
        return Err(err(
            field,
            format!("{label} {field} {low}，且不超过 {MAX_AMOUNT_WAN} 万元"),
        ));
    }
    Ok(wan_to_yuan(value))
}

impl AgreementInput {
    /// Checks every field (the application's owner is checked by the caller, who knows it).
    pub fn validate(self, today: NaiveDate) -> Result<Terms, FieldError> {
        let (fee_rate_pct, fee_fixed_yuan) = match self.fee_type {
            FeeType::Percent => {
                if self.fee_fixed_wan.is_some() {
                    return Err(err(
                        "fee_fixed_wan",
                        "按放款金额比例收费时不填固定金额 fee_fixed_wan",
                    ));
                }
                let r = self.fee_rate_pct.ok_or_else(|| {
                    err(
                        "fee_rate_pct",
                        "按放款金额比例收费时必须填写费率 fee_rate_pct（%）",
                    )
                })?;
                (
                    Some(rate("fee_rate_pct", "服务费率", r, MAX_FEE_RATE_PCT)?),
                    None,
                )
            }
            FeeType::Fixed => {
                if self.fee_rate_pct.is_some() {
                    return Err(err("fee_rate_pct", "固定金额收费时不填费率 fee_rate_pct"));
                }
                let a = self.fee_fixed_wan.ok_or_else(|| {
                    err(
                        "fee_fixed_wan",
                        "固定金额收费时必须填写金额 fee_fixed_wan（万元）",
                    )
                })?;
                (None, Some(amount("fee_fixed_wan", "服务费金额", a, false)?))
            }
        };
        if self.rebates.len() > MAX_REBATES {
            return Err(err(
                "rebates",
                format!("返佣 rebates 最多 {MAX_REBATES} 项"),
            ));
        }
        let mut rebates = vec![];
        for (i, r) in self.rebates.into_iter().enumerate() {
            let n = i + 1;
            let payer = r.payer.trim().to_string();
            if payer.is_empty() {
                return Err(err(
                    format!("rebates[{i}].payer"),
                    format!("第 {n} 项返佣的支付方 payer 不能为空（填写支付返佣的银行或机构）"),
                ));
            }
            if payer.chars().count() > MAX_PAYER_CHARS {
                return Err(err(
                    format!("rebates[{i}].payer"),
                    format!("第 {n} 项返佣的支付方 payer 最多 {MAX_PAYER_CHARS} 个字符"),
                ));
            }
            let (rate_pct, amount_yuan) = match (r.rate_pct, r.amount_wan) {
                (Some(_), Some(_)) => {
                    return Err(err(
                        format!("rebates[{i}]"),
                        format!(
                            "第 {n} 项返佣只能填写比例 rate_pct 或金额 amount_wan 之一，不能同时填写"
                        ),
                    ));
                }
                (None, None) => {
                    return Err(err(
                        format!("rebates[{i}]"),
                        format!("第 {n} 项返佣须填写比例 rate_pct 或金额 amount_wan"),
                    ));
                }
                (Some(p), None) => (
                    Some(rate(
                        &format!("rebates[{i}].rate_pct"),
                        "返佣比例",
                        p,
                        MAX_REBATE_RATE_PCT,
                    )?),
                    None,
                ),
                (None, Some(a)) => (
                    None,
                    Some(amount(
                        &format!("rebates[{i}].amount_wan"),
                        "返佣金额",
                        a,
                        false,
                    )?),
                ),
            };
            rebates.push(Rebate {
                payer,
                rate_pct,
                amount_yuan,
            });
        }
        let received_yuan = amount("received_wan", "已收服务费", self.received_wan, true)?;
        if let Some(d) = self.signed_on
            && d > today
        {
            return Err(err("signed_on", "签约日期 signed_on 不能晚于今天"));
        }
        Ok(Terms {
            application_id: self.application_id,
            fee_type: self.fee_type,
            fee_rate_pct,
            fee_fixed_yuan,
            due_on: self.due_on,
            rebates,
            received_yuan,
            refund_terms: text(
                "refund_terms",
                "退费条款",
                self.refund_terms,
                MAX_TERMS_CHARS,
            )?,
            service_scope: text(
                "service_scope",
                "服务内容",
                self.service_scope,
                MAX_TERMS_CHARS,
            )?,
            signed_on: self.signed_on,
            note: text("note", "备注", self.note, MAX_NOTE_CHARS)?,
        })
    }
}

/// A disbursed application the agreement's fee is computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct Disbursed {
    pub application_id: i64,
    pub yuan: i64,
    pub on: Option<NaiveDate>,
}

/// What follows from the terms and the disbursed applications.
#[derive(Debug, Clone, PartialEq)]
pub struct Computed {
    /// The disbursed amount the percentages apply to.
    pub disbursed_yuan: i64,
    pub fee_yuan: i64,
    pub due: bool,
    /// The day the fee fell due: the signing day, or the (last) disbursement day.
    pub due_date: Option<NaiveDate>,
    pub outstanding_yuan: i64,
    /// Each commission, in the order of the terms.
    pub rebate_yuan: Vec<i64>,
    pub rebates_total_yuan: i64,
}

fn pct_of(base: i64, pct: f64) -> i64 {
    (base as f64 * pct / 100.0).round() as i64
}

/// `disbursed`: the agreement's application when it names one (if disbursed), else every
/// disbursed application of the customer.
pub fn compute(terms: &Terms, disbursed: &[Disbursed]) -> Computed {
    let base: i64 = disbursed.iter().map(|d| d.yuan).sum();
    let fee_yuan = match terms.fee_type {
        FeeType::Percent => pct_of(base, terms.fee_rate_pct.unwrap_or(0.0)),
        FeeType::Fixed => terms.fee_fixed_yuan.unwrap_or(0),
    };
    let (due, due_date) = match terms.due_on {
        FeeDue::Signing => (terms.signed_on.is_some(), terms.signed_on),
        FeeDue::Disbursement => (
            !disbursed.is_empty(),
            disbursed.iter().filter_map(|d| d.on).max(),
        ),
    };
    let outstanding_yuan = if due {
        (fee_yuan - terms.received_yuan).max(0)
    } else {
        0
    };
    let rebate_yuan: Vec<i64> = terms
        .rebates
        .iter()
        .map(|r| match (r.rate_pct, r.amount_yuan) {
            (Some(p), _) => pct_of(base, p),
            (None, Some(a)) => a,
            (None, None) => 0,
        })
        .collect();
    Computed {
        disbursed_yuan: base,
        fee_yuan,
        due,
        due_date,
        outstanding_yuan,
        rebates_total_yuan: rebate_yuan.iter().sum(),
        rebate_yuan,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn percent(rate: f64) -> AgreementInput {
        AgreementInput {
            application_id: None,
            fee_type: FeeType::Percent,
            fee_rate_pct: Some(rate),
            fee_fixed_wan: None,
            due_on: FeeDue::Disbursement,
            rebates: vec![],
            received_wan: 0.0,
            refund_terms: None,
            service_scope: None,
            signed_on: None,
            note: None,
        }
    }

    #[test]
    fn percent_of_disbursed_is_due_only_after_disbursement() {
        let mut input = percent(1.5);
        input.received_wan = 1.0;
        input.rebates = vec![
            RebateInput {
                payer: "某银行".into(),
                rate_pct: Some(0.5),
                amount_wan: None,
            },
            RebateInput {
                payer: "担保公司".into(),
                rate_pct: None,
                amount_wan: Some(0.3),
            },
        ];
        let terms = input.validate(day("2026-12-01")).unwrap();
        let none = compute(&terms, &[]);
        assert_eq!(
            (none.fee_yuan, none.due, none.outstanding_yuan),
            (0, false, 0)
        );
        let paid = [Disbursed {
            application_id: 1,
            yuan: 2_000_000,
            on: Some(day("2026-11-20")),
        }];
        let c = compute(&terms, &paid);
        assert_eq!(c.fee_yuan, 30_000);
        assert!(c.due);
        assert_eq!(c.outstanding_yuan, 20_000);
        assert_eq!(c.rebate_yuan, vec![10_000, 3_000]);
        assert_eq!(c.due_date, Some(day("2026-11-20")));
    }

    #[test]
    fn signing_fees_are_due_once_signed() {
        let mut input = percent(1.0);
        input.fee_type = FeeType::Fixed;
        input.fee_rate_pct = None;
        input.fee_fixed_wan = Some(2.0);
        input.due_on = FeeDue::Signing;
        let terms = input.clone().validate(day("2026-12-01")).unwrap();
        assert!(!compute(&terms, &[]).due);
        input.signed_on = Some(day("2026-12-01"));
        let terms = input.validate(day("2026-12-01")).unwrap();
        let c = compute(&terms, &[]);
        assert!(c.due);
        assert_eq!(c.outstanding_yuan, 20_000);
    }

    #[test]
    fn bad_input_names_the_field() {
        let today = day("2026-12-01");
        let mut no_rate = percent(1.0);
        no_rate.fee_rate_pct = None;
        assert_eq!(no_rate.validate(today).unwrap_err().field, "fee_rate_pct");
        assert_eq!(
            percent(10.5).validate(today).unwrap_err().field,
            "fee_rate_pct"
        );
        assert_eq!(
            percent(0.0).validate(today).unwrap_err().field,
            "fee_rate_pct"
        );
        let mut both = percent(1.0);
        both.rebates = vec![RebateInput {
            payer: "银行".into(),
            rate_pct: Some(1.0),
            amount_wan: Some(1.0),
        }];
        assert_eq!(both.validate(today).unwrap_err().field, "rebates[0]");
        let mut negative = percent(1.0);
        negative.received_wan = -1.0;
        assert_eq!(negative.validate(today).unwrap_err().field, "received_wan");
        let mut future = percent(1.0);
        future.signed_on = Some(day("2026-12-02"));
        assert_eq!(future.validate(today).unwrap_err().field, "signed_on");
    }

    #[test]
    fn months() {
        assert_eq!(parse_month("2026-02"), Some(day("2026-02-01")));
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("2026-2"), None);
        let m = months_ending(day("2026-02-01"), 3);
        assert_eq!(m, vec!["2025-12", "2026-01", "2026-02"]);
    }
}
