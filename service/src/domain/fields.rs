//! The field catalogue's machinery: what a customer fact is (label, unit, kind, range, group,
//! sensitivity, storage column, spreadsheet header), the dynamic value every generic path reads
//! and writes ([`Fact`]), and the one validation every entry point runs. The entries themselves
//! are declared once, in `customer.rs` (`customer_facts!`), where the API types are generated.

use std::borrow::Cow;

use chrono::NaiveDate;
use poem_openapi::Object;
use serde::Serialize;

use super::customer::{Collateral, CustomerInput};
use super::vocab::{self, Vocabulary};

/// What kind of value a fact holds, with the limits validation applies.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// The company name: required, at most 100 characters.
    Name,
    /// Free text of at most `max` characters; blank means "unknown".
    Text {
        max: usize,
    },
    /// 统一社会信用代码, checked against GB 32100.
    Uscc,
    /// Digits, spaces, `+ - ( )`.
    Phone,
    /// 居民身份证号码, checked against GB 11643.
    IdNumber,
    /// A day no later than today and not before 1949.
    Date,
    /// Money in 万元 (stored as integer 元), 0 to [`MAX_WAN`].
    Wan,
    Int {
        min: i64,
        max: i64,
    },
    /// A percentage from 0 to `max`.
    Percent {
        max: f64,
    },
    /// 是 / 否.
    Bool,
    /// One value of a vocabulary.
    Choice(Choice),
    /// The list of collaterals (stored in their own table).
    Collaterals,
    /// An account: stored as its id, shown and imported as its username.
    Owner,
}

impl Kind {
    /// The most characters a text fact may hold (validation and the UI's `maxLength`).
    pub fn max_length(self) -> Option<usize> {
        match self {
            Self::Name => Some(100),
            Self::Text { max } => Some(max),
            Self::Uscc => Some(18),
            Self::Phone => Some(30),
            Self::IdNumber => Some(18),
            _ => None,
        }
    }

    /// Numbers shown as 隐号 to anyone but the customer's owner and admins.
    pub fn masked(self) -> bool {
        matches!(self, Self::Phone | Self::IdNumber)
    }
}

/// 1,000 亿元: beyond any SME's figures, below f64 trouble.
pub const MAX_WAN: f64 = 10_000_000.0;

/// A vocabulary as a fact's kind: its name and how to read its codes and spellings.
#[derive(Clone, Copy)]
pub struct Choice {
    pub vocabulary: &'static str,
    /// Exactly a wire code → that code.
    pub from_code: fn(&str) -> Option<&'static str>,
    /// Any spelling the product accepts (code, label, older labels) → the code.
    pub parse: fn(&str) -> Option<&'static str>,
    /// A code → its label.
    pub label: fn(&str) -> Option<&'static str>,
    pub labels: fn() -> Vec<&'static str>,
}

impl std::fmt::Debug for Choice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.vocabulary)
    }
}

impl Choice {
    pub const fn of<V: Vocabulary>() -> Self {
        fn from_code<V: Vocabulary>(s: &str) -> Option<&'static str> {
            V::ALL.iter().find(|v| v.code() == s).map(|v| v.code())
        }
        fn parse<V: Vocabulary>(s: &str) -> Option<&'static str> {
            V::parse(s).map(|v| v.code())
        }
        fn label<V: Vocabulary>(s: &str) -> Option<&'static str> {
            V::ALL.iter().find(|v| v.code() == s).map(|v| v.label())
        }
        fn labels<V: Vocabulary>() -> Vec<&'static str> {
            V::ALL.iter().map(|v| v.label()).collect()
        }
        Self {
            vocabulary: V::NAME,
            from_code: from_code::<V>,
            parse: parse::<V>,
            label: label::<V>,
            labels: labels::<V>,
        }
    }
}

/// Personal information (PIPL) is shown, exported and kept under stricter rules than business facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitivity {
    Business,
    Personal,
}

vocab::vocabulary! {
    /// The sections of the customer form and the diagnosis inputs.
    pub enum FieldGroup {
        Basic = "basic" => "基本信息",
        InvoiceTax = "invoice_tax" => "开票与纳税",
        Flow = "flow" => "流水",
        Credit = "credit" => "征信",
        Assets = "assets" => "资产",
        Follow = "follow" => "跟进",
    }
}

/// A value as the generic paths see it (storage, import, export, validation).
#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    Null,
    Text(String),
    Int(i64),
    Num(f64),
    Bool(bool),
    Date(NaiveDate),
    Code(&'static str),
    Collaterals(Vec<Collateral>),
}

/// One catalogue entry. `get`/`set` reach the typed field of [`CustomerInput`]; the rest is data.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The API field name, e.g. `annual_tax_wan`.
    pub key: &'static str,
    /// The broker's name for it: UI label, messages, plan and reason wording.
    pub label: &'static str,
    pub unit: Option<&'static str>,
    pub kind: Kind,
    /// Whether it can be unknown (`null`); the name, the stage and the collateral list cannot.
    pub nullable: bool,
    pub group: FieldGroup,
    pub sensitivity: Sensitivity,
    /// One of the figures the simulator (模拟测算) lets a broker change.
    pub knob: bool,
    /// The `customers` column; empty means "the key" (money columns are named `_yuan`).
    pub column: &'static str,
    /// Other spreadsheet headers that mean this column (older templates, common synonyms).
    pub aliases: &'static [&'static str],
    /// Help shown in the spreadsheet template.
    pub help: &'static str,
    /// Column width in the xlsx (characters).
    pub width: f64,
    pub get: fn(&CustomerInput) -> Fact,
    pub set: fn(&mut CustomerInput, Fact) -> Result<(), Fact>,
}

fn unset_get(_: &CustomerInput) -> Fact {
    Fact::Null
}
fn unset_set(_: &mut CustomerInput, f: Fact) -> Result<(), Fact> {
    Err(f)
}

impl Field {
    /// An entry with its label and kind; the macro fills in key, get and set.
    pub const fn new(label: &'static str, kind: Kind, group: FieldGroup) -> Self {
        Self {
            key: "",
            label,
            unit: None,
            kind,
            nullable: true,
            group,
            sensitivity: Sensitivity::Business,
            knob: false,
            column: "",
            aliases: &[],
            help: "",
            width: 10.0,
            get: unset_get,
            set: unset_set,
        }
    }
    pub const fn wan(label: &'static str, group: FieldGroup, column: &'static str) -> Self {
        Self::new(label, Kind::Wan, group)
            .unit("万元")
            .column(column)
            .help("单位：万元")
            .width(12.0)
    }
    pub const fn count(label: &'static str, group: FieldGroup) -> Self {
        Self::new(label, Kind::Int { min: 0, max: 999 }, group)
    }
    pub const fn yes_no(label: &'static str, group: FieldGroup) -> Self {
        Self::new(label, Kind::Bool, group)
            .help("是 / 否")
            .width(8.0)
    }
    pub const fn text(label: &'static str, max: usize, group: FieldGroup) -> Self {
        Self::new(label, Kind::Text { max }, group)
    }
    pub const fn unit(mut self, unit: &'static str) -> Self {
        self.unit = Some(unit);
        self
    }
    pub const fn column(mut self, column: &'static str) -> Self {
        self.column = column;
        self
    }
    pub const fn aliases(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }
    pub const fn help(mut self, help: &'static str) -> Self {
        self.help = help;
        self
    }
    pub const fn width(mut self, width: f64) -> Self {
        self.width = width;
        self
    }
    pub const fn knob(mut self) -> Self {
        self.knob = true;
        self
    }
    pub const fn personal(mut self) -> Self {
        self.sensitivity = Sensitivity::Personal;
        self
    }
    /// Used by the macro only.
    pub const fn bind(
        mut self,
        key: &'static str,
        nullable: bool,
        get: fn(&CustomerInput) -> Fact,
        set: fn(&mut CustomerInput, Fact) -> Result<(), Fact>,
    ) -> Self {
        self.key = key;
        self.nullable = nullable;
        self.get = get;
        self.set = set;
        self
    }

    /// The `customers` column holding it, if it has one.
    pub fn stored_in(&self) -> Option<&'static str> {
        match self.kind {
            Kind::Collaterals => None,
            _ if self.column.is_empty() => Some(self.key),
            _ => Some(self.column),
        }
    }

    /// The spreadsheet header: the label with its unit, e.g. `年纳税额(万元)`.
    pub fn header(&self) -> Cow<'static, str> {
        match self.unit {
            Some(unit) => Cow::Owned(format!("{}({unit})", self.label)),
            None => Cow::Borrowed(self.label),
        }
    }

    /// Writes `fact` into `input`; a fact of the wrong shape is a programming error reported as such.
    pub fn put(&self, input: &mut CustomerInput, fact: Fact) -> Result<(), String> {
        (self.set)(input, fact).map_err(|f| format!("{}: cannot hold {f:?}", self.key))
    }
}

/// The entry for an API field name (`collaterals[0].lien_wan` → `collaterals`).
pub fn field(key: &str) -> Option<&'static Field> {
    let base = key.split(['[', '.']).next().unwrap_or(key);
    super::customer::FIELDS.iter().find(|f| f.key == base)
}

/// The broker's name for an API field name, for messages and plan wording; sub-fields of a
/// collateral are named too.
pub fn label(key: &str) -> Cow<'static, str> {
    if let Some((_, sub)) = key.split_once("].") {
        let sub = match sub {
            "appraisal_wan" => "评估价值",
            "lien_wan" => "已抵押余额",
            "held_since" => "持有起始日期",
            "description" => "说明",
            "kind" => "类型",
            other => other,
        };
        return Cow::Owned(format!("抵押物{sub}"));
    }
    field(key).map_or(Cow::Owned(key.to_string()), |f| Cow::Borrowed(f.label))
}

/// How a typed field of [`CustomerInput`] converts to and from a [`Fact`], and what a PATCH holds.
pub trait Slot: Sized {
    /// The value a PATCH carries (the field without its `Option`).
    type Inner;
    /// Whether the fact can be unknown (`null`).
    const NULLABLE: bool;
    /// What `null` in a PATCH (or a blank cell) sets: unknown, empty or the default.
    fn cleared() -> Self;
    fn from_inner(v: Self::Inner) -> Self;
    fn fact(&self) -> Fact;
    fn from_fact(f: Fact) -> Result<Self, Fact>;
}

macro_rules! optional_slot {
    ($ty:ty, $variant:ident) => {
        impl Slot for Option<$ty> {
            type Inner = $ty;
            const NULLABLE: bool = true;
            fn cleared() -> Self {
                None
            }
            fn from_inner(v: $ty) -> Self {
                Some(v)
            }
            fn fact(&self) -> Fact {
                self.clone().map_or(Fact::Null, Fact::$variant)
            }
            fn from_fact(f: Fact) -> Result<Self, Fact> {
                match f {
                    Fact::Null => Ok(None),
                    Fact::$variant(v) => Ok(Some(v)),
                    other => Err(other),
                }
            }
        }
    };
}
optional_slot!(String, Text);
optional_slot!(i64, Int);
optional_slot!(bool, Bool);
optional_slot!(NaiveDate, Date);

impl Slot for Option<f64> {
    type Inner = f64;
    const NULLABLE: bool = true;
    fn cleared() -> Self {
        None
    }
    fn from_inner(v: f64) -> Self {
        Some(v)
    }
    fn fact(&self) -> Fact {
        self.map_or(Fact::Null, Fact::Num)
    }
    fn from_fact(f: Fact) -> Result<Self, Fact> {
        match f {
            Fact::Null => Ok(None),
            Fact::Num(v) => Ok(Some(v)),
            // An integer is a decimal too (SQLite and spreadsheets hand back whole numbers so).
            Fact::Int(v) => Ok(Some(v as f64)),
            other => Err(other),
        }
    }
}

impl<V: Vocabulary> Slot for Option<V> {
    type Inner = V;
    const NULLABLE: bool = true;
    fn cleared() -> Self {
        None
    }
    fn from_inner(v: V) -> Self {
        Some(v)
    }
    fn fact(&self) -> Fact {
        self.map_or(Fact::Null, |v| Fact::Code(v.code()))
    }
    fn from_fact(f: Fact) -> Result<Self, Fact> {
        match f {
            Fact::Null => Ok(None),
            Fact::Code(c) => V::ALL
                .iter()
                .copied()
                .find(|v| v.code() == c)
                .map(Some)
                .ok_or(Fact::Code(c)),
            other => Err(other),
        }
    }
}

/// An account (the customer's owner): an integer id as a fact.
impl Slot for Option<super::ids::UserId> {
    type Inner = super::ids::UserId;
    const NULLABLE: bool = true;
    fn cleared() -> Self {
        None
    }
    fn from_inner(v: Self::Inner) -> Self {
        Some(v)
    }
    fn fact(&self) -> Fact {
        self.map_or(Fact::Null, |id| Fact::Int(id.get()))
    }
    fn from_fact(f: Fact) -> Result<Self, Fact> {
        match f {
            Fact::Null => Ok(None),
            Fact::Int(id) => Ok(Some(super::ids::UserId(id))),
            other => Err(other),
        }
    }
}

impl Slot for String {
    type Inner = String;
    const NULLABLE: bool = false;
    fn cleared() -> Self {
        String::new()
    }
    fn from_inner(v: String) -> Self {
        v
    }
    fn fact(&self) -> Fact {
        Fact::Text(self.clone())
    }
    fn from_fact(f: Fact) -> Result<Self, Fact> {
        match f {
            Fact::Null => Ok(String::new()),
            Fact::Text(s) => Ok(s),
            other => Err(other),
        }
    }
}

impl Slot for super::vocab::Stage {
    type Inner = Self;
    const NULLABLE: bool = false;
    fn cleared() -> Self {
        Self::default()
    }
    fn from_inner(v: Self) -> Self {
        v
    }
    fn fact(&self) -> Fact {
        Fact::Code(self.code())
    }
    fn from_fact(f: Fact) -> Result<Self, Fact> {
        match f {
            Fact::Null => Ok(Self::default()),
            Fact::Code(c) => Self::from_code(c).ok_or(Fact::Code(c)),
            other => Err(other),
        }
    }
}

impl Slot for Vec<Collateral> {
    type Inner = Self;
    const NULLABLE: bool = false;
    fn cleared() -> Self {
        vec![]
    }
    fn from_inner(v: Self) -> Self {
        v
    }
    fn fact(&self) -> Fact {
        Fact::Collaterals(self.clone())
    }
    fn from_fact(f: Fact) -> Result<Self, Fact> {
        match f {
            Fact::Null => Ok(vec![]),
            Fact::Collaterals(v) => Ok(v),
            other => Err(other),
        }
    }
}

/// A field-level validation failure: the API field name and a Chinese message.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

fn checked_text(
    key: &str,
    label: &str,
    text: &str,
    max: usize,
) -> Result<Option<String>, FieldError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        Ok(None)
    } else if trimmed.chars().count() > max {
        Err(FieldError::new(
            key,
            format!("{label}不能超过 {max} 个字符"),
        ))
    } else if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        Err(FieldError::new(key, format!("{label}含有不可见的控制字符")))
    } else {
        Ok(Some(trimmed.to_string()))
    }
}

pub(super) fn checked_wan(key: &str, label: &str, v: Option<f64>) -> Result<(), FieldError> {
    match v {
        Some(v) if !v.is_finite() || v < 0.0 => {
            Err(FieldError::new(key, format!("{label}不能为负数")))
        }
        Some(v) if v > MAX_WAN => Err(FieldError::new(
            key,
            format!("{label}超出合理范围（单位为万元）"),
        )),
        _ => Ok(()),
    }
}

pub(super) fn checked_date(
    key: &str,
    label: &str,
    v: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), FieldError> {
    let earliest = NaiveDate::from_ymd_opt(1949, 1, 1).expect("valid date");
    match v {
        Some(d) if d > today => Err(FieldError::new(key, format!("{label}不能晚于今天"))),
        Some(d) if d < earliest => {
            Err(FieldError::new(key, format!("{label}早于 1949 年，请核对")))
        }
        _ => Ok(()),
    }
}

pub(super) fn checked_free_text(
    key: &str,
    label: &str,
    value: &mut Option<String>,
    max: usize,
) -> Result<(), FieldError> {
    if let Some(v) = value.as_deref() {
        *value = checked_text(key, label, v, max)?;
    }
    Ok(())
}

impl Field {
    /// Normalises (trim, blank → unknown) and checks this fact by its kind.
    pub fn check(&self, input: &mut CustomerInput, today: NaiveDate) -> Result<(), FieldError> {
        let (key, label) = (self.key, self.label);
        let value = (self.get)(input);
        let max = self.kind.max_length().unwrap_or(usize::MAX);
        let normalised = match (self.kind, value) {
            (Kind::Name, Fact::Text(t)) => match checked_text(key, label, &t, max)? {
                None => return Err(FieldError::new(key, format!("{label}不能为空"))),
                Some(t) => Fact::Text(t),
            },
            (Kind::Name, Fact::Null) => {
                return Err(FieldError::new(key, format!("{label}不能为空")));
            }
            (Kind::Text { .. }, Fact::Text(t)) => {
                checked_text(key, label, &t, max)?.map_or(Fact::Null, Fact::Text)
            }
            (Kind::Uscc, Fact::Text(t)) if t.trim().is_empty() => Fact::Null,
            (Kind::Uscc, Fact::Text(t)) => {
                Fact::Text(super::uscc::parse(t.trim()).map_err(|m| FieldError::new(key, m))?)
            }
            (Kind::IdNumber, Fact::Text(t)) if t.trim().is_empty() => Fact::Null,
            (Kind::IdNumber, Fact::Text(t)) => {
                Fact::Text(super::id_number::parse(t.trim()).map_err(|m| FieldError::new(key, m))?)
            }
            (Kind::Phone, Fact::Text(t)) => match checked_text(key, label, &t, max)? {
                Some(p) if !p.chars().all(|c| c.is_ascii_digit() || "+- ()".contains(c)) => {
                    return Err(FieldError::new(
                        key,
                        format!("{label}只能包含数字、空格、+、-、括号"),
                    ));
                }
                p => p.map_or(Fact::Null, Fact::Text),
            },
            (Kind::Date, Fact::Date(d)) => {
                checked_date(key, label, Some(d), today)?;
                return Ok(());
            }
            (Kind::Wan, Fact::Num(v)) => {
                checked_wan(key, label, Some(v))?;
                return Ok(());
            }
            (Kind::Int { min, max }, Fact::Int(v)) if v < min || v > max => {
                return Err(FieldError::new(
                    key,
                    format!("{label}应在 {min} 到 {max} 之间"),
                ));
            }
            (Kind::Percent { max }, Fact::Num(p))
                if !(p.is_finite() && (0.0..=max).contains(&p)) =>
            {
                return Err(FieldError::new(
                    key,
                    format!("{label}应在 0 到 {max}（%）之间"),
                ));
            }
            _ => return Ok(()),
        };
        self.put(input, normalised)
            .map_err(|e| FieldError::new(key, format!("内部错误：{e}")))
    }
}

/// A catalogue entry as the UI and integrators see it (`GET /api/vocabulary`, the generated file).
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct FieldInfo {
    pub key: String,
    pub label: String,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// name, text, uscc, phone, date, wan, int, percent, bool, choice, collaterals, owner.
    pub kind: String,
    /// Whether the fact can be unknown (`null`).
    pub nullable: bool,
    pub group: FieldGroup,
    /// Personal information under PIPL (the legal person's and contacts' data).
    pub personal: bool,
    /// Offered as a knob by the simulator.
    pub simulator: bool,
    /// For `choice`: the vocabulary's name.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vocabulary: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    pub help: String,
}

impl From<&Field> for FieldInfo {
    fn from(f: &Field) -> Self {
        let (kind, vocabulary, min, max) = match f.kind {
            Kind::Name => ("name", None, None, None),
            Kind::Text { .. } => ("text", None, None, None),
            Kind::Uscc => ("uscc", None, None, None),
            Kind::Phone => ("phone", None, None, None),
            Kind::IdNumber => ("id_number", None, None, None),
            Kind::Date => ("date", None, None, None),
            Kind::Wan => ("wan", None, Some(0.0), Some(MAX_WAN)),
            Kind::Int { min, max } => ("int", None, Some(min as f64), Some(max as f64)),
            Kind::Percent { max } => ("percent", None, Some(0.0), Some(max)),
            Kind::Bool => ("bool", None, None, None),
            Kind::Choice(c) => ("choice", Some(c.vocabulary.to_string()), None, None),
            Kind::Collaterals => ("collaterals", None, None, None),
            Kind::Owner => ("owner", None, None, None),
        };
        let max_length = f.kind.max_length().map(|n| n as u32);
        Self {
            key: f.key.to_string(),
            label: f.label.to_string(),
            unit: f.unit.map(str::to_string),
            kind: kind.to_string(),
            nullable: f.nullable,
            group: f.group,
            personal: f.sensitivity == Sensitivity::Personal,
            simulator: f.knob,
            vocabulary,
            min,
            max,
            max_length,
            help: f.help.to_string(),
        }
    }
}

/// The product's words for the UI and integrators: every vocabulary and every customer fact.
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct Catalogue {
    /// Each vocabulary's values in order, by the enum's name in the spec (`TaxGrade`, `Stage` …).
    pub vocabularies: std::collections::BTreeMap<String, Vec<vocab::Term>>,
    /// The customer's facts, in form order.
    pub fields: Vec<FieldInfo>,
}

pub fn catalogue() -> Catalogue {
    let vocabularies = vocab::all()
        .into_iter()
        .chain([FieldGroup::terms()])
        .map(|t| (t.name, t.terms))
        .collect();
    Catalogue {
        vocabularies,
        fields: super::customer::FIELDS
            .iter()
            .map(FieldInfo::from)
            .collect(),
    }
}

/// The catalogue as the frontend's generated module (`frontend/src/domain/vocabulary.gen.ts`).
pub fn typescript() -> String {
    let json = serde_json::to_string_pretty(&catalogue()).expect("the catalogue serialises");
    format!(
        "// Generated by `make openapi` (`loan-broker vocabulary --typescript`) from\n\
         // service/src/domain/vocab.rs and the field catalogue in service/src/domain/customer.rs.\n\
         // Do not edit: `make check-spec` fails when it is stale.\n\n\
         export const CATALOGUE = {json} as const\n"
    )
}
