//! The product's vocabulary: every enumerated value, defined once with its wire code and its one
//! Chinese label (the broker's wording). The API, the engine, import/export, the report and the UI
//! (through the generated `frontend/src/domain/vocabulary.gen.ts`) all take labels from here, and
//! import accepts every label the product prints plus the older spellings listed as aliases.

use poem_openapi::Object;
use serde::Serialize;

/// One value of a vocabulary as the UI and integrators see it.
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct Term {
    pub code: String,
    pub label: String,
    /// A longer explanation, where the label alone is terse (e.g. the categories).
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// A whole vocabulary (one enum).
#[derive(Object, Serialize, Debug, Clone, PartialEq)]
pub struct Terms {
    /// The enum's name in the spec, e.g. `TaxGrade`.
    pub name: String,
    pub terms: Vec<Term>,
}

/// What every vocabulary enum offers; implemented by [`vocabulary!`].
pub trait Vocabulary: Sized + Copy + 'static {
    const NAME: &'static str;
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    fn label(self) -> &'static str;
    fn hint(self) -> Option<&'static str>;
    fn aliases(self) -> &'static [&'static str];

    /// The wire code (any ASCII case), the label or an alias; spaces and full-width forms are
    /// ignored, so "A 级", "Ａ级" and "a级" are all `A`.
    fn parse(text: &str) -> Option<Self> {
        let wanted = fold(text);
        if wanted.is_empty() {
            return None;
        }
        Self::ALL.iter().copied().find(|v| {
            fold(v.code()) == wanted
                || fold(v.label()) == wanted
                || v.aliases().iter().any(|a| fold(a) == wanted)
        })
    }

    fn terms() -> Terms {
        Terms {
            name: Self::NAME.to_string(),
            terms: Self::ALL
                .iter()
                .map(|v| Term {
                    code: v.code().to_string(),
                    label: v.label().to_string(),
                    hint: v.hint().map(str::to_string),
                })
                .collect(),
        }
    }
}

/// Comparison form: no whitespace of any kind, full-width ASCII folded, ASCII lower case.
fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Defines a vocabulary enum: `Variant = "code" => "label" [hint "…"] [aliases "…", "…"]`.
/// The derive list is fixed so that every vocabulary serialises, stores and documents alike.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $code:literal => $label:literal
                    $(hint $hint:literal)?
                    $(aliases [$($alias:literal),* $(,)?])?
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            poem_openapi::Enum, serde::Serialize, serde::Deserialize,
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
        )]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[oai(rename = $code)]
                #[serde(rename = $code)]
                $variant,
            )+
        }

        impl $crate::domain::vocab::Vocabulary for $name {
            const NAME: &'static str = stringify!($name);
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),+ }
            }
            fn label(self) -> &'static str {
                match self { $(Self::$variant => $label),+ }
            }
            fn hint(self) -> Option<&'static str> {
                match self { $(Self::$variant => None $(.or(Some($hint)))?),+ }
            }
            fn aliases(self) -> &'static [&'static str] {
                match self { $(Self::$variant => &[$($($alias),*)?]),+ }
            }
        }

        impl $name {
            pub const ALL: &'static [Self] = <Self as $crate::domain::vocab::Vocabulary>::ALL;
            pub fn code(self) -> &'static str {
                $crate::domain::vocab::Vocabulary::code(self)
            }
            pub fn label(self) -> &'static str {
                $crate::domain::vocab::Vocabulary::label(self)
            }
            /// Exactly the wire code: what the database and the API store (never a label).
            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }
            /// Accepts the code, the label or an older spelling (see [`Vocabulary::parse`]).
            pub fn parse(text: &str) -> Option<Self> {
                <Self as $crate::domain::vocab::Vocabulary>::parse(text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

vocabulary! {
    /// 纳税信用等级. `Unknown` and a missing value are treated alike (both are "资料待补充").
    pub enum TaxGrade {
        A = "A" => "A级",
        B = "B" => "B级",
        M = "M" => "M级",
        C = "C" => "C级",
        D = "D" => "D级",
        Unknown = "unknown" => "未评级" aliases ["未知", "无评级"],
    }
}

vocabulary! {
    /// 工商登记状态.
    pub enum BusinessStatus {
        Normal = "normal" => "存续" aliases ["存续/在业", "在业", "正常", "开业"],
        Abnormal = "abnormal" => "经营异常" aliases ["列入经营异常名录", "异常"],
        Revoked = "revoked" => "吊销/注销" aliases ["吊销", "注销", "吊销，未注销"],
    }
}

vocabulary! {
    /// 抵押物类型.
    pub enum CollateralKind {
        Residential = "residential" => "住宅" aliases ["住房", "房产"],
        Commercial = "commercial" => "商业用房" aliases ["商铺/写字楼", "商铺", "写字楼", "商业"],
        Industrial = "industrial" => "厂房" aliases ["工业厂房"],
        Land = "land" => "土地" aliases ["土地使用权"],
        Vehicle = "vehicle" => "车辆" aliases ["汽车"],
        Equipment = "equipment" => "设备" aliases ["机器设备"],
        Other = "other" => "其他",
    }
}

vocabulary! {
    /// The broker's pipeline (跟进阶段).
    #[derive(Default)]
    pub enum Stage {
        #[default]
        New = "new" => "新客户",
        Contacted = "contacted" => "已联系",
        Diagnosed = "diagnosed" => "已诊断",
        Improving = "improving" => "改造中",
        Applying = "applying" => "申请中",
        Approved = "approved" => "已放款",
        Lost = "lost" => "已流失",
    }
}

vocabulary! {
    /// 综合评级.
    pub enum Category {
        A = "A" => "A类" hint "资质良好，可直接申请",
        B = "B" => "B类" hint "需优化后申请",
        C = "C" => "C类" hint "暂不可贷",
        Incomplete = "incomplete" => "资料待补充" hint "决定能否准入的资料未知，补充后再评级",
    }
}

vocabulary! {
    /// The six scored dimensions.
    pub enum Dimension {
        Flow = "flow" => "流水",
        InvoiceTax = "invoice_tax" => "票税",
        Credit = "credit" => "征信",
        Assets = "assets" => "资产",
        Qualification = "qualification" => "资质",
        Industry = "industry" => "行业",
    }
}

vocabulary! {
    /// 改造方案类型.
    pub enum PlanKind {
        TaxIncrease = "tax_increase" => "纳税提升",
        InvoiceIncrease = "invoice_increase" => "开票提升",
        FlowIncrease = "flow_increase" => "流水提升",
        CreditRepair = "credit_repair" => "征信优化",
        Collateral = "collateral" => "抵押增信",
        Qualification = "qualification" => "资质完善",
        DebtReduction = "debt_reduction" => "压降负债",
        LegalPersonChange = "legal_person_change" => "法人变更",
        SupplementInfo = "supplement_info" => "补充资料",
        TaxCreditRepair = "tax_credit_repair" => "纳税信用修复",
    }
}

vocabulary! {
    /// 改造方案进度.
    pub enum PlanStatus {
        Pending = "pending" => "待开始",
        InProgress = "in_progress" => "进行中",
        Completed = "completed" => "已完成",
    }
}

vocabulary! {
    /// What an entry of a customer's timeline (客户动态) is about.
    pub enum TimelineKind {
        Customer = "customer" => "客户资料",
        Diagnosis = "diagnosis" => "融资体检",
        Plan = "plan" => "改造方案",
        FollowUp = "follow_up" => "跟进",
        Application = "application" => "进件",
        Document = "document" => "资料",
        Agreement = "agreement" => "委托协议",
        Share = "share" => "分享报告",
        Consent = "consent" => "客户授权",
    }
}

vocabulary! {
    /// Service-provider directory categories.
    pub enum ProviderCategory {
        TaxAgency = "tax_agency" => "财税代账",
        CreditConsulting = "credit_consulting" => "征信咨询",
        Guarantee = "guarantee" => "担保",
        Appraisal = "appraisal" => "评估",
        MortgageRegistration = "mortgage_registration" => "抵押登记",
        Legal = "legal" => "法律",
    }
}

vocabulary! {
    /// 产品类型.
    pub enum ProductFamily {
        TaxLoan = "tax_loan" => "税贷",
        InvoiceLoan = "invoice_loan" => "票贷",
        FlowLoan = "flow_loan" => "流水贷",
        Mortgage = "mortgage" => "抵押贷",
        CreditLoan = "credit_loan" => "信用贷",
        Platform = "platform_loan" => "平台贷" hint "互联网银行按经营数据授信的线上贷款",
    }
}

vocabulary! {
    /// 行业准入分类.
    pub enum IndustryClass {
        Preferred = "preferred" => "优先支持行业",
        Normal = "normal" => "一般行业",
        Cautious = "cautious" => "审慎准入行业",
        Prohibited = "prohibited" => "禁入行业",
    }
}

vocabulary! {
    /// 账号角色.
    pub enum Role {
        /// Users, settings, rules, audit — and everything staff can do.
        Admin = "admin" => "管理员",
        /// Customers, diagnoses, plans.
        Staff = "staff" => "业务员",
    }
}

vocabulary! {
    /// 数据范围: which customers an account sees (admins always see all).
    pub enum DataScope {
        Own = "own" => "仅本人负责的客户" aliases ["本人", "仅本人"],
        All = "all" => "全部客户" aliases ["全部"],
    }
}

vocabulary! {
    /// What an audit entry records.
    pub enum AuditAction {
        Login = "auth.login" => "登录",
        LoginFailed = "auth.login_failed" => "登录失败",
        LoginRefused = "auth.login_refused" => "登录被拒绝",
        Locked = "auth.locked" => "账号锁定",
        Logout = "auth.logout" => "退出登录",
        UserCreate = "user.create" => "新增用户",
        UserUpdate = "user.update" => "修改用户",
        ChangePassword = "user.change_password" => "修改密码",
        ResetPassword = "user.reset_password" => "重置密码",
        Unlock = "user.unlock" => "解锁账号",
        EndSessions = "user.end_sessions" => "结束全部会话",
        Handover = "user.handover" => "离职交接",
        CustomerCreate = "customer.create" => "新增客户",
        CustomerUpdate = "customer.update" => "修改客户",
        CustomerDelete = "customer.delete" => "删除客户",
        CustomerRestore = "customer.restore" => "恢复客户",
        CustomerReveal = "customer.reveal" => "查看完整号码",
        CustomerImport = "customer.import" => "导入客户",
        CustomerExport = "customer.export" => "导出客户",
        CustomerErase = "customer.erase" => "彻底删除客户（个人信息删除）",
        PersonalDataAccess = "personal_data.access" => "查阅个人信息",
        DiagnosisCreate = "diagnosis.create" => "运行诊断",
        RediagnoseAll = "diagnosis.rediagnose_all" => "全部重新诊断",
        PlanGenerate = "plan.generate" => "生成改造方案",
        PlanUpdate = "plan.update" => "更新改造方案",
        RulesUpdate = "rules.update" => "修改诊断规则",
        ProductCreate = "product.create" => "新增产品",
        ProductUpdate = "product.update" => "修改产品",
        ProductDelete = "product.delete" => "删除产品",
        ProviderCreate = "provider.create" => "新增服务商",
        ProviderUpdate = "provider.update" => "修改服务商",
        ProviderDelete = "provider.delete" => "删除服务商",
        BrandingUpdate = "branding.update" => "修改品牌",
        BrandingLogo = "branding.logo" => "上传 Logo",
        ShareCreate = "share.create" => "生成分享链接",
        ShareRevoke = "share.revoke" => "撤销分享链接",
        DocumentUpload = "document.upload" => "上传资料",
        DocumentDelete = "document.delete" => "删除资料",
        DocumentDownload = "document.download" => "下载资料",
        DocumentChecklistUpdate = "document_checklist.update" => "修改资料清单",
        FollowUpCreate = "follow_up.create" => "新增跟进",
        FollowUpUpdate = "follow_up.update" => "修改跟进",
        FollowUpDigestUpdate = "follow_up_digest.update" => "修改跟进提醒设置",
        ApplicationCreate = "application.create" => "新增进件",
        ApplicationUpdate = "application.update" => "更新进件",
        ApplicationExport = "application.export" => "导出进件",
        AgreementCreate = "agreement.create" => "新增委托协议",
        AgreementUpdate = "agreement.update" => "修改委托协议",
        ConsentCreate = "consent.create" => "登记客户授权",
        ConsentWithdraw = "consent.withdraw" => "撤回客户授权",
    }
}

vocabulary! {
    /// 客户资料类型.
    pub enum DocumentKind {
        BusinessLicense = "business_license" => "营业执照",
        IdCard = "id_card" => "法人身份证" aliases ["身份证"],
        CreditReport = "credit_report" => "征信报告",
        BankStatement = "bank_statement" => "银行流水",
        TaxCertificate = "tax_certificate" => "纳税证明",
        FinancialStatement = "financial_statement" => "财务报表",
        Property = "property" => "房产证/抵押物资料" aliases ["房产证", "抵押物资料"],
        Contract = "contract" => "合同",
        Other = "other" => "其他",
    }
}

vocabulary! {
    /// 跟进方式.
    pub enum FollowUpChannel {
        Phone = "phone" => "电话",
        Wechat = "wechat" => "微信",
        Meeting = "meeting" => "面谈",
        Visit = "visit" => "上门" aliases ["上门拜访"],
        Other = "other" => "其他",
    }
}

vocabulary! {
    /// 服务费类型 (委托协议).
    pub enum FeeType {
        Percent = "percent" => "按放款金额比例" aliases ["比例", "百分比"],
        Fixed = "fixed" => "固定金额" aliases ["固定"],
    }
}

vocabulary! {
    /// 进件状态: one application of one customer to one lender.
    pub enum ApplicationStatus {
        Preparing = "preparing" => "准备中",
        Submitted = "submitted" => "已进件",
        Reviewing = "reviewing" => "审批中",
        Approved = "approved" => "已批复",
        Disbursed = "disbursed" => "已放款",
        Settled = "settled" => "已结清",
        Rejected = "rejected" => "已拒绝" aliases ["拒绝", "被拒"],
        Withdrawn = "withdrawn" => "客户放弃" aliases ["放弃", "撤回"],
    }
}

vocabulary! {
    /// 还款方式 of a loan product.
    pub enum RepaymentMethod {
        EqualInstallment = "equal_installment" => "等额本息",
        InterestFirst = "interest_first" => "先息后本",
        Revolving = "revolving" => "随借随还",
        EqualPrincipal = "equal_principal" => "等额本金",
        Other = "other" => "其他",
    }
}

vocabulary! {
    /// 服务费何时收取. The default is only after 放款: no upfront fee.
    #[derive(Default)]
    pub enum FeeDue {
        #[default]
        Disbursement = "disbursement" => "放款后收取" aliases ["放款后"],
        Signing = "signing" => "签约时收取" aliases ["签约时"],
    }
}

vocabulary! {
    /// What a customer's consent (个人信息处理授权) allows: each purpose is ticked separately, as
    /// PIPL Art. 29 (sensitive information) and Art. 23 (provision to a third party) demand.
    pub enum ConsentPurpose {
        Assessment = "assessment" => "诊断评估",
        LenderSubmission = "lender_submission" => "向金融机构提交",
        ProviderReferral = "provider_referral" => "向服务商推荐",
    }
}

vocabulary! {
    /// The kinds of sensitive personal information a consent covers.
    pub enum ConsentData {
        CreditReport = "credit_report" => "征信",
        BankFlow = "bank_flow" => "银行流水",
        IdDocument = "id_document" => "身份证件",
    }
}

vocabulary! {
    /// How the customer gave the consent.
    #[derive(Default)]
    pub enum ConsentMethod {
        #[default]
        Paper = "paper" => "纸质签字" aliases ["纸质", "书面", "签字"],
        Electronic = "electronic" => "电子" aliases ["电子签", "电子签名", "线上"],
    }
}

pub(crate) use vocabulary;

/// Every vocabulary, for `GET /api/vocabulary` and the generated frontend file.
pub fn all() -> Vec<Terms> {
    vec![
        TaxGrade::terms(),
        BusinessStatus::terms(),
        CollateralKind::terms(),
        Stage::terms(),
        Category::terms(),
        Dimension::terms(),
        PlanKind::terms(),
        PlanStatus::terms(),
        TimelineKind::terms(),
        ProviderCategory::terms(),
        ProductFamily::terms(),
        IndustryClass::terms(),
        Role::terms(),
        DataScope::terms(),
        AuditAction::terms(),
        DocumentKind::terms(),
        FollowUpChannel::terms(),
        ApplicationStatus::terms(),
        RepaymentMethod::terms(),
        FeeType::terms(),
        FeeDue::terms(),
        ConsentPurpose::terms(),
        ConsentData::terms(),
        ConsentMethod::terms(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels_and_codes_parse_back<V: Vocabulary + PartialEq + std::fmt::Debug>() {
        let mut seen = std::collections::HashSet::new();
        for v in V::ALL {
            assert_eq!(
                V::parse(v.code()),
                Some(*v),
                "{}: code {}",
                V::NAME,
                v.code()
            );
            assert_eq!(
                V::parse(v.label()),
                Some(*v),
                "{}: label {}",
                V::NAME,
                v.label()
            );
            for a in v.aliases() {
                assert_eq!(V::parse(a), Some(*v), "{}: alias {a}", V::NAME);
            }
            for spelling in [v.code(), v.label()]
                .into_iter()
                .chain(v.aliases().iter().copied())
            {
                assert!(
                    seen.insert(fold(spelling)),
                    "{}: {spelling} is ambiguous",
                    V::NAME
                );
            }
        }
    }

    #[test]
    fn every_spelling_names_exactly_one_value() {
        labels_and_codes_parse_back::<TaxGrade>();
        labels_and_codes_parse_back::<BusinessStatus>();
        labels_and_codes_parse_back::<CollateralKind>();
        labels_and_codes_parse_back::<Stage>();
        labels_and_codes_parse_back::<Category>();
        labels_and_codes_parse_back::<Dimension>();
        labels_and_codes_parse_back::<PlanKind>();
        labels_and_codes_parse_back::<PlanStatus>();
        labels_and_codes_parse_back::<TimelineKind>();
        labels_and_codes_parse_back::<ProviderCategory>();
        labels_and_codes_parse_back::<ProductFamily>();
        labels_and_codes_parse_back::<IndustryClass>();
        labels_and_codes_parse_back::<Role>();
        labels_and_codes_parse_back::<DataScope>();
        labels_and_codes_parse_back::<AuditAction>();
        labels_and_codes_parse_back::<DocumentKind>();
        labels_and_codes_parse_back::<FollowUpChannel>();
        labels_and_codes_parse_back::<ApplicationStatus>();
        labels_and_codes_parse_back::<RepaymentMethod>();
        labels_and_codes_parse_back::<FeeType>();
        labels_and_codes_parse_back::<FeeDue>();
        labels_and_codes_parse_back::<ConsentPurpose>();
        labels_and_codes_parse_back::<ConsentData>();
        labels_and_codes_parse_back::<ConsentMethod>();
        assert_eq!(all().len(), 24);
    }

    #[test]
    fn spacing_and_width_do_not_matter() {
        assert_eq!(TaxGrade::parse("A 级"), Some(TaxGrade::A));
        assert_eq!(TaxGrade::parse("Ａ级"), Some(TaxGrade::A));
        assert_eq!(TaxGrade::parse("a"), Some(TaxGrade::A));
        assert_eq!(TaxGrade::parse(" "), None);
        assert_eq!(
            CollateralKind::parse("商业用房"),
            Some(CollateralKind::Commercial)
        );
        assert_eq!(Category::parse("B 类"), Some(Category::B));
    }

    #[test]
    fn wire_codes_are_the_serde_and_spec_codes() {
        for v in TaxGrade::ALL {
            assert_eq!(serde_json::to_value(v).unwrap(), v.code());
        }
        for v in AuditAction::ALL {
            assert_eq!(serde_json::to_value(v).unwrap(), v.code());
        }
    }
}
