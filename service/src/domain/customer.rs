//! The customer (企业客户): its facts declared once, in [`customer_facts!`] below. Each entry
//! is the API field, its catalogue data (label, unit, kind, range, group, sensitivity, column,
//! spreadsheet headers) and, for facts the diagnosis reads, the engine fact it becomes. The API
//! types (`CustomerInput`, `CustomerPatch`), storage, import/export columns, validation,
//! `missing_fields` and the UI's labels all come from it. Unknown facts are `null`, never 0.
//!
//! Adding a fact: one entry here, one migration adding its column, and (if the diagnosis uses
//! it) the rule in the engine.

use chrono::NaiveDate;
use poem_openapi::Object;
use poem_openapi::types::MaybeUndefined;
use serde::{Deserialize, Serialize};

use super::facts::{Known, collaterals, count, same, wan};
pub use super::fields::FieldError;
use super::fields::{
    Choice, Fact, Field, FieldGroup as G, Kind, Slot, checked_date, checked_free_text, checked_wan,
};
use super::ids::{CustomerId, DiagnosisId, UserId};
use super::masking;
use super::timestamp::Timestamp;
pub use super::vocab::{BusinessStatus, Category, CollateralKind, Stage, TaxGrade};

#[derive(Object, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Collateral {
    pub kind: CollateralKind,
    /// Free text, e.g. the address.
    #[oai(nullable)]
    pub description: Option<String>,
    /// 评估价值（万元）
    #[oai(nullable)]
    pub appraisal_wan: Option<f64>,
    /// 已抵押余额（万元）
    #[oai(nullable)]
    pub lien_wan: Option<f64>,
    /// 持有起始日期
    #[oai(nullable)]
    pub held_since: Option<NaiveDate>,
}

/// Declares the customer's facts; see the module documentation.
macro_rules! customer_facts {
    ($(
        $(#[$attr:meta])*
        $api:ident : $ty:ty = $spec:expr
            $(, fact $fact:ident : $fty:ty = $conv:path)?
    );+ $(;)?) => {
        /// Everything a broker records about a customer; `null` means "not known yet".
        #[derive(Object, Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
        pub struct CustomerInput {
            $( $(#[$attr])* pub $api: $ty, )+
        }

        /// A partial change: absent fields keep their value, `null` clears a fact back to
        /// "unknown" (lists to empty, the stage to 新客户). Fields as in `CustomerInput`.
        #[derive(Object, Debug, Clone, Default)]
        pub struct CustomerPatch {
            $( #[oai(nullable)] pub $api: MaybeUndefined<<$ty as Slot>::Inner>, )+
        }

        impl CustomerPatch {
            /// The current facts with the present fields applied; the result still needs `validate`.
            pub fn apply(&self, current: &CustomerInput) -> CustomerInput {
                let mut out = current.clone();
                $(
                    match &self.$api {
                        MaybeUndefined::Undefined => {}
                        MaybeUndefined::Null => out.$api = Slot::cleared(),
                        MaybeUndefined::Value(v) => out.$api = Slot::from_inner(v.clone()),
                    }
                )+
                out
            }
        }

        /// The catalogue, in form order.
        pub const FIELDS: &[Field] = &[
            $(
                ($spec).bind(
                    stringify!($api),
                    <$ty as Slot>::NULLABLE,
                    |c: &CustomerInput| Slot::fact(&c.$api),
                    |c: &mut CustomerInput, f| {
                        c.$api = Slot::from_fact(f)?;
                        Ok(())
                    },
                ),
            )+
        ];

        /// What the diagnosis reads (money in 元). Stored verbatim as a diagnosis's input snapshot.
        #[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
        #[serde(default)]
        pub struct Facts {
            $($( pub $fact: $fty, )?)+
        }

        /// The bridge from a recorded customer (API types, 万元) to the engine's facts (元).
        pub fn facts_of(input: &CustomerInput) -> Facts {
            Facts {
                $($( $fact: $conv(&input.$api), )?)+
            }
        }

        impl Facts {
            /// API field names of every fact the diagnosis had to assume.
            pub fn missing_fields(&self) -> Vec<String> {
                let mut out = vec![];
                $($( Known::missing(&self.$fact, stringify!($api), &mut out); )?)+
                out
            }
        }
    };
}

customer_facts! {
    /// 企业名称 (required; an empty or missing name is refused with a field error)
    #[oai(default)]
    #[serde(default)]
    name: String = Field::new("企业名称", Kind::Name, G::Basic)
        .aliases(&["公司名称", "客户名称", "企业"]).help("必填，最多 100 字").width(32.0);
    /// 统一社会信用代码 (checked against GB 32100)
    #[oai(nullable)]
    uscc: Option<String> = Field::new("统一社会信用代码", Kind::Uscc, G::Basic)
        .aliases(&["信用代码", "社会信用代码", "统一代码"])
        .help("18 位，按 GB 32100 校验；用于导入时匹配已有客户").width(22.0);
    #[oai(nullable)]
    established_on: Option<NaiveDate> = Field::new("成立日期", Kind::Date, G::Basic)
        .aliases(&["成立时间", "注册日期"]).help("如 2020-01-02、2020/1/2、2020年1月2日").width(12.0),
        fact established_on: Option<NaiveDate> = same;
    #[oai(nullable)]
    reg_capital_wan: Option<f64> = Field::wan("注册资本", G::Basic, "reg_capital_yuan"),
        fact reg_capital_yuan: Option<i64> = wan;
    #[oai(nullable)]
    legal_person: Option<String> = Field::text("法人", 50, G::Basic)
        .aliases(&["法定代表人", "法人代表"]).personal();
    /// 法人身份证号 (checked against GB 11643; 隐号 for all but the owner and admins)
    #[oai(nullable)]
    legal_person_id_no: Option<String> = Field::new("法人身份证号", Kind::IdNumber, G::Basic)
        .aliases(&["法人身份证", "身份证号", "身份证号码"])
        .help("18 位，按 GB 11643 校验；请将此列设为文本格式").width(22.0).personal();
    #[oai(nullable)]
    legal_person_age: Option<i64> = Field::new("法人年龄", Kind::Int { min: 18, max: 100 }, G::Basic)
        .unit("岁").help("18–100").width(8.0).personal(),
        fact legal_person_age: Option<u32> = count;
    /// Some products refuse a legal representative changed less than 6 months ago (domain.md K4).
    #[oai(nullable)]
    legal_person_changed_on: Option<NaiveDate> = Field::new("法人变更日期", Kind::Date, G::Basic)
        .aliases(&["法人变更时间", "最近法人变更日期"]).help("最近一次法定代表人变更的日期；未变更过可不填").width(12.0),
        fact legal_person_changed_on: Option<NaiveDate> = same;
    /// 近 12 个月开票金额（万元）
    #[oai(nullable)]
    annual_invoice_wan: Option<f64> = Field::wan("近12个月开票额", G::InvoiceTax, "annual_invoice_yuan")
        .aliases(&["年开票额", "年开票(万元)", "年开票", "近12个月开票"])
        .help("近 12 个月开票金额，单位：万元").knob(),
        fact annual_invoice_yuan: Option<i64> = wan;
    /// 近 12 个月断票月数
    #[oai(nullable)]
    invoice_gap_months: Option<i64> = Field::new("断票月数", Kind::Int { min: 0, max: 12 }, G::InvoiceTax)
        .aliases(&["断票"]).help("近 12 个月无开票的月数，0–12").width(8.0).knob(),
        fact invoice_gap_months: Option<u32> = count;
    /// 近 12 个月申报收入（万元）：增值税/所得税申报的营业收入
    #[oai(nullable)]
    annual_revenue_wan: Option<f64> = Field::wan("近12个月申报收入", G::InvoiceTax, "annual_revenue_yuan")
        .aliases(&["申报收入", "年申报收入", "营业收入", "年营收"])
        .help("近 12 个月纳税申报的营业收入，单位：万元").knob(),
        fact annual_revenue_yuan: Option<i64> = wan;
    /// 近 12 个月纳税总额（万元）
    #[oai(nullable)]
    annual_tax_wan: Option<f64> = Field::wan("近12个月纳税额", G::InvoiceTax, "annual_tax_yuan")
        .aliases(&["年纳税额", "年纳税(万元)", "年纳税", "近12个月纳税"])
        .help("近 12 个月纳税总额，单位：万元").knob(),
        fact annual_tax_yuan: Option<i64> = wan;
    #[oai(nullable)]
    tax_grade: Option<TaxGrade> = Field::new("纳税信用等级", Kind::Choice(Choice::of::<TaxGrade>()), G::InvoiceTax)
        .aliases(&["纳税等级", "纳税信用"]).help("A级、B级、M级、C级、D级 或 未评级").knob(),
        fact tax_grade: Option<TaxGrade> = same;
    /// 欠税 or 非正常户 blocks every tax and invoice product (domain.md V5).
    #[oai(nullable)]
    tax_abnormal: Option<bool> = Field::yes_no("欠税或非正常户", G::InvoiceTax)
        .aliases(&["欠税", "非正常户", "是否欠税"]).help("目前是否有欠税，或被认定为非正常户；是 / 否"),
        fact tax_abnormal: Option<bool> = same;
    /// 对公流水月均（万元）
    #[oai(nullable)]
    monthly_flow_wan: Option<f64> = Field::wan("对公流水月均", G::Flow, "monthly_flow_yuan")
        .aliases(&["月均流水", "对公流水", "月均流水（万元）"]).width(14.0).knob(),
        fact monthly_flow_yuan: Option<i64> = wan;
    /// Business receipts into the owner's personal accounts: real income a flow plan can route to the company account.
    #[oai(nullable)]
    personal_receipts_wan: Option<f64> = Field::wan("个人账户经营收款月均", G::Flow, "personal_receipts_yuan")
        .aliases(&["个人账户收款", "个人卡收款月均", "个人流水月均"])
        .help("用法人或股东个人账户收取的经营款，月均，单位：万元").knob(),
        fact personal_receipts_yuan: Option<i64> = wan;
    #[oai(nullable)]
    current_overdue: Option<bool> = Field::yes_no("当前逾期", G::Credit).aliases(&["是否当前逾期"]).knob(),
        fact current_overdue: Option<bool> = same;
    #[oai(nullable)]
    overdue_count_24m: Option<i64> = Field::count("近24个月逾期次数", G::Credit)
        .aliases(&["近两年逾期次数"]),
        fact overdue_count_24m: Option<u32> = count;
    /// 近 24 个月是否有"连三累六"
    #[oai(nullable)]
    lian3lei6_24m: Option<bool> = Field::yes_no("近24个月连三累六", G::Credit).aliases(&["连三累六"]),
        fact lian3lei6_24m: Option<bool> = same;
    /// 近 5 年呆账 / 代偿 / 资产处置等严重记录
    #[oai(nullable)]
    severe_record_5y: Option<bool> = Field::yes_no("近5年严重不良记录", G::Credit)
        .aliases(&["严重不良记录", "呆账代偿记录", "近5年严重不良"])
        .help("近 5 年呆账、代偿、资产处置等；是 / 否").width(10.0),
        fact severe_record_5y: Option<bool> = same;
    #[oai(nullable)]
    inquiries_1m: Option<i64> = Field::count("近1个月查询次数", G::Credit)
        .aliases(&["近1月查询"]).help("贷款/信用卡/担保审批查询").knob(),
        fact inquiries_1m: Option<u32> = count;
    #[oai(nullable)]
    inquiries_3m: Option<i64> = Field::count("近3个月查询次数", G::Credit)
        .aliases(&["近3月查询"]).help("不少于近 1 个月").knob(),
        fact inquiries_3m: Option<u32> = count;
    #[oai(nullable)]
    inquiries_6m: Option<i64> = Field::count("近6个月查询次数", G::Credit)
        .aliases(&["近6月查询"]).help("不少于近 3 个月").knob(),
        fact inquiries_6m: Option<u32> = count;
    #[oai(nullable)]
    card_utilization_pct: Option<f64> = Field::new("信用卡使用率", Kind::Percent { max: 200.0 }, G::Credit)
        .unit("%").help("已用额度 ÷ 总额度，0–200，单位：%").knob(),
        fact card_utilization_pct: Option<f64> = same;
    #[oai(nullable)]
    credit_institutions: Option<i64> = Field::count("信用类贷款机构数", G::Credit).aliases(&["授信机构数", "信用贷款机构数"]),
        fact credit_institutions: Option<u32> = count;
    #[oai(nullable)]
    business_loan_count: Option<i64> = Field::count("经营贷笔数", G::Credit),
        fact business_loan_count: Option<u32> = count;
    #[oai(nullable)]
    business_loan_balance_wan: Option<f64> = Field::wan("经营贷余额", G::Credit, "business_loan_balance_yuan").knob(),
        fact business_loan_balance_yuan: Option<i64> = wan;
    /// 失信被执行人
    #[oai(nullable)]
    dishonest_debtor: Option<bool> = Field::yes_no("失信被执行人", G::Credit).aliases(&["是否失信"]),
        fact dishonest_debtor: Option<bool> = same;
    #[oai(nullable)]
    business_status: Option<BusinessStatus> = Field::new("经营状态", Kind::Choice(Choice::of::<BusinessStatus>()), G::Basic)
        .aliases(&["登记状态"]).help("存续、经营异常、吊销/注销"),
        fact business_status: Option<BusinessStatus> = same;
    #[oai(nullable)]
    main_business: Option<String> = Field::text("主营业务", 500, G::Basic).aliases(&["经营范围"]).width(24.0),
        fact main_business: Option<String> = same;
    #[oai(nullable)]
    industry: Option<String> = Field::text("行业", 50, G::Basic)
        .aliases(&["所属行业"]).help("按国民经济行业分类填写，如 批发业").width(16.0),
        fact industry: Option<String> = same;
    #[oai(nullable)]
    loan_demand_wan: Option<f64> = Field::wan("贷款需求", G::Basic, "loan_demand_yuan")
        .aliases(&["融资需求"]).knob(),
        fact loan_demand_yuan: Option<i64> = wan;
    #[oai(default)]
    #[serde(default)]
    collaterals: Vec<Collateral> = Field::new("抵押物", Kind::Collaterals, G::Assets)
        .aliases(&["抵押物情况"])
        .help("每项：类型/评估价值万元/已抵押万元/持有起始日期/说明，多项用；分隔。例：住宅/380/120/2018-06-01/西湖区住宅")
        .width(36.0),
        fact collaterals: Vec<super::engine::Collateral> = collaterals;
    #[oai(nullable)]
    contact_name: Option<String> = Field::text("联系人", 50, G::Follow).personal();
    #[oai(nullable)]
    contact_phone: Option<String> = Field::new("联系电话", Kind::Phone, G::Follow)
        .aliases(&["电话", "手机"]).width(14.0).personal();
    #[oai(nullable)]
    owner_id: Option<UserId> = Field::new("负责人", Kind::Owner, G::Follow)
        .aliases(&["客户经理"]).help("负责员工的用户名");
    #[oai(default)]
    #[serde(default)]
    stage: Stage = Field::new("跟进阶段", Kind::Choice(Choice::of::<Stage>()), G::Follow)
        .aliases(&["阶段"]).help("新客户、已联系、已诊断、改造中、申请中、已放款、已流失");
    #[oai(nullable)]
    notes: Option<String> = Field::text("备注", 5000, G::Follow).aliases(&["说明"]).width(30.0);
}

impl CustomerInput {
    /// Normalises text (trim, empty → null) and checks every fact, in catalogue order, then the
    /// rules that span facts; the first error wins.
    pub fn validate(&mut self, today: NaiveDate) -> Result<(), FieldError> {
        for field in FIELDS {
            field.check(self, today)?;
        }
        self.check_inquiry_windows()?;
        self.validate_collaterals(today)
    }

    /// A longer window always contains the shorter one.
    fn check_inquiry_windows(&self) -> Result<(), FieldError> {
        let windows = [
            ("inquiries_1m", self.inquiries_1m),
            ("inquiries_3m", self.inquiries_3m),
            ("inquiries_6m", self.inquiries_6m),
        ];
        for pair in windows.windows(2) {
            if let ((_, Some(short)), (field, Some(long))) = (pair[0], pair[1])
                && long < short
            {
                return Err(FieldError::new(
                    field,
                    "较长时间段的查询次数不能少于较短时间段",
                ));
            }
        }
        Ok(())
    }

    fn validate_collaterals(&mut self, today: NaiveDate) -> Result<(), FieldError> {
        if self.collaterals.len() > 50 {
            return Err(FieldError::new("collaterals", "抵押物最多 50 项"));
        }
        for (i, c) in self.collaterals.iter_mut().enumerate() {
            let f = |name: &str| format!("collaterals[{i}].{name}");
            checked_free_text(&f("description"), "抵押物说明", &mut c.description, 200)?;
            checked_wan(&f("appraisal_wan"), "评估价值", c.appraisal_wan)?;
            checked_wan(&f("lien_wan"), "已抵押余额", c.lien_wan)?;
            checked_date(&f("held_since"), "持有起始日期", c.held_since, today)?;
        }
        Ok(())
    }
}

/// A stored customer: the recorded facts plus bookkeeping and the latest diagnosis summary.
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: CustomerId,
    #[oai(flatten)]
    #[serde(flatten)]
    pub data: CustomerInput,
    /// A / B / C of the latest diagnosis, if any.
    #[oai(nullable)]
    pub latest_category: Option<Category>,
    #[oai(nullable)]
    pub latest_total: Option<f64>,
    #[oai(nullable)]
    pub latest_recommended_wan: Option<f64>,
    #[oai(nullable)]
    pub latest_diagnosis_id: Option<DiagnosisId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Set when the customer is in the recycle bin (soft-deleted).
    #[oai(nullable)]
    pub deleted_at: Option<Timestamp>,
    /// Phone and ID numbers are shown as 隐号 (138****1234): the caller is neither the owner nor
    /// an admin. `POST /api/customers/{id}/reveal` shows them in full (audited).
    #[oai(default)]
    #[serde(default)]
    pub masked: bool,
}

impl Customer {
    /// A customer that is not stored (templates, round-trip tests, benches): no id, no diagnosis.
    pub fn unsaved(id: i64, data: CustomerInput) -> Self {
        Self {
            id: CustomerId(id),
            data,
            latest_category: None,
            latest_total: None,
            latest_recommended_wan: None,
            latest_diagnosis_id: None,
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
            deleted_at: None,
            masked: false,
        }
    }

    /// Shows phone and ID numbers as 隐号; `masked` says whether there was anything to hide.
    pub fn mask_numbers(&mut self) {
        for field in FIELDS.iter().filter(|f| f.kind.masked()) {
            if let Fact::Text(t) = (field.get)(&self.data) {
                let _ = field.put(&mut self.data, Fact::Text(masking::mask(&t)));
                self.masked = true;
            }
        }
    }
}

impl CustomerInput {
    /// A number sent back as the 隐号 it was shown as keeps its stored value: a form saved by
    /// someone who saw only the mask must not overwrite the number with stars.
    pub fn keep_masked_numbers(&mut self, stored: &CustomerInput) {
        for field in FIELDS.iter().filter(|f| f.kind.masked()) {
            if let (Fact::Text(new), Fact::Text(old)) = ((field.get)(self), (field.get)(stored))
                && masking::is_mask_of(&new, &old)
            {
                let _ = field.put(self, Fact::Text(old));
            }
        }
    }

    /// The phone and ID numbers held, in full, by field key.
    pub fn numbers(&self) -> Vec<(&'static str, String)> {
        FIELDS
            .iter()
            .filter(|f| f.kind.masked())
            .filter_map(|f| match (f.get)(self) {
                Fact::Text(t) => Some((f.key, t)),
                _ => None,
            })
            .collect()
    }
}
