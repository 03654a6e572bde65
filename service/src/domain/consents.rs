//! Customer consents (个人信息处理授权, PIPL Art. 23/28/29): what a consent says, how it is checked,
//! and which sensitive facts of a customer need which consent. The sensitive facts are the field
//! catalogue's groups (征信 → `credit_report`, 流水 → `bank_flow`), never a hand-written list of
//! field names. Pure: the stored consents are passed in.

use chrono::NaiveDate;
use poem_openapi::Object;
use serde::Serialize;

use super::customer::{CustomerInput, FIELDS};
use super::fields::{Fact, FieldError, FieldGroup};
use super::ids::DocumentId;
use super::vocab::{ConsentData, ConsentMethod, ConsentPurpose};

pub const MAX_NOTE_CHARS: usize = 500;
pub const MAX_REASON_CHARS: usize = 500;

/// A consent as the broker records it (from the signed 授权书).
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct ConsentInput {
    /// What the customer allowed, each ticked separately on the form (at least one).
    pub purposes: Vec<ConsentPurpose>,
    /// The sensitive personal information covered (at least one).
    pub data: Vec<ConsentData>,
    /// 纸质签字 (default) or 电子.
    #[oai(default)]
    pub method: ConsentMethod,
    /// The day the customer signed; not in the future.
    pub obtained_on: NaiveDate,
    /// The scanned, signed form: a document uploaded to this customer.
    #[oai(nullable)]
    pub document_id: Option<DocumentId>,
    #[oai(nullable)]
    pub note: Option<String>,
}

/// A checked consent: sets canonical (vocabulary order, no repeats), text trimmed.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Terms {
    pub purposes: Vec<ConsentPurpose>,
    pub data: Vec<ConsentData>,
    pub method: ConsentMethod,
    pub obtained_on: NaiveDate,
    pub document_id: Option<DocumentId>,
    pub note: Option<String>,
}

fn err(field: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(field, message)
}

/// The members of `set` in vocabulary order, each once.
pub fn canonical<V: Copy + PartialEq>(all: &[V], set: &[V]) -> Vec<V> {
    all.iter().copied().filter(|v| set.contains(v)).collect()
}

/// The stored form of a set: codes in vocabulary order joined by commas (see 012_consents.sql).
pub fn encode<V: super::vocab::Vocabulary + PartialEq>(set: &[V]) -> String {
    canonical(V::ALL, set)
        .iter()
        .map(|v| v.code())
        .collect::<Vec<_>>()
        .join(",")
}

/// The set of a stored text; `None` when a code is unknown.
pub fn decode<V: super::vocab::Vocabulary>(text: &str) -> Option<Vec<V>> {
    text.split(',')
        .map(|code| V::ALL.iter().copied().find(|v| v.code() == code))
        .collect()
}

/// Labels joined by 、 (e.g. "征信、银行流水").
pub fn labels<V: super::vocab::Vocabulary>(set: &[V]) -> String {
    set.iter().map(|v| v.label()).collect::<Vec<_>>().join("、")
}

impl ConsentInput {
    pub fn validate(&self, today: NaiveDate) -> Result<Terms, FieldError> {
        if self.purposes.is_empty() {
            return Err(err(
                "purposes",
                "请至少勾选一项授权用途 purposes（诊断评估、向金融机构提交、向服务商推荐）",
            ));
        }
        if self.data.is_empty() {
            return Err(err(
                "data",
                "请至少勾选一项授权的信息 data（征信、银行流水、身份证件）",
            ));
        }
        if self.obtained_on > today {
            return Err(err(
                "obtained_on",
                format!("授权日期 obtained_on 不能晚于今天（{today}）"),
            ));
        }
        if self.obtained_on < NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN) {
            return Err(err("obtained_on", "授权日期 obtained_on 不能早于 2000 年"));
        }
        let note = self
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        if let Some(n) = &note
            && n.chars().count() > MAX_NOTE_CHARS
        {
            return Err(err("note", format!("备注 note 最多 {MAX_NOTE_CHARS} 个字")));
        }
        Ok(Terms {
            purposes: canonical(ConsentPurpose::ALL, &self.purposes),
            data: canonical(ConsentData::ALL, &self.data),
            method: self.method,
            obtained_on: self.obtained_on,
            document_id: self.document_id,
            note,
        })
    }
}

/// The data kind a field group's facts are, if they are sensitive.
pub fn data_of(group: FieldGroup) -> Option<ConsentData> {
    match group {
        FieldGroup::Credit => Some(ConsentData::CreditReport),
        FieldGroup::Flow => Some(ConsentData::BankFlow),
        _ => None,
    }
}

/// The sensitive kinds `after` writes over `before` (`None`: a new customer): a known value that
/// differs from the stored one. Clearing a fact (back to unknown) needs no consent.
pub fn written(before: Option<&CustomerInput>, after: &CustomerInput) -> Vec<ConsentData> {
    let mut out = vec![];
    for field in FIELDS {
        let Some(kind) = data_of(field.group) else {
            continue;
        };
        let new = (field.get)(after);
        if new == Fact::Null {
            continue;
        }
        if before.is_some_and(|b| (field.get)(b) == new) {
            continue;
        }
        if !out.contains(&kind) {
            out.push(kind);
        }
    }
    canonical(ConsentData::ALL, &out)
}

/// The sensitive kinds a customer has stored (what a submission to a lender passes on).
pub fn stored(input: &CustomerInput) -> Vec<ConsentData> {
    written(None, input)
}

/// A consent as far as the check is concerned.
#[derive(Debug, Clone)]
pub struct Held {
    pub purposes: Vec<ConsentPurpose>,
    pub data: Vec<ConsentData>,
    pub withdrawn: bool,
}

/// What is missing for `purpose` over `kinds`, given the customer's consents: `None` when one
/// valid consent per kind covers the purpose (several consents may together cover the kinds).
pub fn missing(
    held: &[Held],
    purpose: ConsentPurpose,
    kinds: &[ConsentData],
) -> Option<Vec<ConsentData>> {
    let valid = |h: &&Held| !h.withdrawn && h.purposes.contains(&purpose);
    if kinds.is_empty() {
        // No sensitive data at stake: the purpose itself must still be consented to.
        return (!held.iter().any(|h| valid(&h))).then(Vec::new);
    }
    let lacking: Vec<ConsentData> = kinds
        .iter()
        .copied()
        .filter(|k| !held.iter().filter(valid).any(|h| h.data.contains(k)))
        .collect();
    (!lacking.is_empty()).then(|| canonical(ConsentData::ALL, &lacking))
}

/// The refusal text: "缺少客户授权：诊断评估（征信、银行流水），请先在「授权」中登记客户签署的授权书".
pub fn missing_message(purpose: ConsentPurpose, lacking: &[ConsentData]) -> String {
    let what = if lacking.is_empty() {
        purpose.label().to_string()
    } else {
        format!("{}（{}）", purpose.label(), labels(lacking))
    };
    format!("缺少客户授权：{what}，请先在「授权」中登记客户签署的授权书")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn input() -> ConsentInput {
        ConsentInput {
            purposes: vec![ConsentPurpose::LenderSubmission, ConsentPurpose::Assessment],
            data: vec![
                ConsentData::BankFlow,
                ConsentData::CreditReport,
                ConsentData::BankFlow,
            ],
            method: ConsentMethod::Paper,
            obtained_on: day("2026-03-01"),
            document_id: None,
            note: Some("  ".into()),
        }
    }

    #[test]
    fn sets_are_canonical_and_round_trip() {
        let t = input().validate(day("2026-03-02")).unwrap();
        assert_eq!(encode(&t.purposes), "assessment,lender_submission");
        assert_eq!(encode(&t.data), "credit_report,bank_flow");
        assert_eq!(
            decode::<ConsentData>("credit_report,bank_flow"),
            Some(t.data)
        );
        assert_eq!(decode::<ConsentData>("credit_report,x"), None);
        assert_eq!(t.note, None);
    }

    #[test]
    fn refuses_empty_sets_and_future_dates() {
        let today = day("2026-03-02");
        let mut i = input();
        i.purposes.clear();
        assert_eq!(i.validate(today).unwrap_err().field, "purposes");
        let mut i = input();
        i.data.clear();
        assert_eq!(i.validate(today).unwrap_err().field, "data");
        let mut i = input();
        i.obtained_on = day("2026-03-03");
        assert_eq!(i.validate(today).unwrap_err().field, "obtained_on");
    }

    #[test]
    fn sensitive_kinds_come_from_the_catalogue_groups() {
        let before = CustomerInput {
            name: "甲".into(),
            current_overdue: Some(false),
            ..Default::default()
        };
        let same = before.clone();
        assert!(written(Some(&before), &same).is_empty());
        let cleared = CustomerInput {
            current_overdue: None,
            ..before.clone()
        };
        assert!(written(Some(&before), &cleared).is_empty());
        let changed = CustomerInput {
            current_overdue: Some(true),
            monthly_flow_wan: Some(10.0),
            notes: Some("x".into()),
            ..before.clone()
        };
        assert_eq!(
            written(Some(&before), &changed),
            vec![ConsentData::CreditReport, ConsentData::BankFlow]
        );
        assert_eq!(stored(&before), vec![ConsentData::CreditReport]);
        for f in FIELDS {
            let expected = matches!(f.group, FieldGroup::Credit | FieldGroup::Flow);
            assert_eq!(data_of(f.group).is_some(), expected, "{}", f.key);
        }
    }

    #[test]
    fn withdrawn_consents_do_not_count() {
        let held = vec![Held {
            purposes: vec![ConsentPurpose::Assessment],
            data: vec![ConsentData::CreditReport],
            withdrawn: false,
        }];
        let a = ConsentPurpose::Assessment;
        assert_eq!(missing(&held, a, &[ConsentData::CreditReport]), None);
        assert_eq!(
            missing(
                &held,
                a,
                &[ConsentData::CreditReport, ConsentData::BankFlow]
            ),
            Some(vec![ConsentData::BankFlow])
        );
        assert_eq!(
            missing(&held, ConsentPurpose::LenderSubmission, &[]),
            Some(vec![])
        );
        assert_eq!(missing(&held, a, &[]), None);
        let gone = vec![Held {
            withdrawn: true,
            ..held[0].clone()
        }];
        assert_eq!(
            missing(&gone, a, &[ConsentData::CreditReport]),
            Some(vec![ConsentData::CreditReport])
        );
        assert_eq!(
            missing_message(a, &[ConsentData::CreditReport, ConsentData::BankFlow]),
            "缺少客户授权：诊断评估（征信、银行流水），请先在「授权」中登记客户签署的授权书"
        );
    }
}
