//! The HTTP API: one file per OpenAPI tag. Handlers parse and authorise (the guard is the type
//! of their auth argument: `BearerAuth`, `StaffAuth`, `AdminAuth`), call one use-case in `app`,
//! and declare their error statuses with `Fails<mask>`; rules live in `domain`, SQL in `db`.

pub mod agreements;
pub mod applications;
pub mod audit;
pub mod auth;
pub mod branding;
pub mod catalog;
pub mod common;
pub mod consents;
pub mod customers;
pub mod dashboard;
pub mod diagnoses;
pub mod documents;
pub mod engine_schema;
pub mod follow_ups;
pub mod privacy;
pub mod shares;
pub mod system;
pub mod transfer;
pub mod users;
pub mod vocabulary;

use poem_openapi::{OpenApiService, Tags};

#[derive(Tags)]
pub enum ApiTags {
    /// 登录与账户
    Auth,
    /// 用户管理（管理员）
    Users,
    /// 企业客户
    Customers,
    /// 融资体检与改造方案
    Diagnoses,
    /// 规则、产品库、服务商
    Catalog,
    /// 工作台
    Dashboard,
    /// 品牌（白标）
    Branding,
    /// 审计日志（管理员）
    Audit,
    /// 系统状态
    System,
    /// 导入导出
    Transfer,
    /// 客户资料
    Documents,
    /// 跟进记录与提醒
    FollowUps,
    /// 进件与放款
    Applications,
    /// 委托协议与收入
    Agreements,
    /// 客户授权（个人信息处理授权书）
    Consents,
}

pub type Api = (
    auth::AuthApi,
    users::UsersApi,
    customers::CustomersApi,
    branding::BrandingApi,
    audit::AuditApi,
    system::SystemApi,
    transfer::TransferApi,
    diagnoses::DiagnosesApi,
    catalog::CatalogApi,
    dashboard::DashboardApi,
    vocabulary::VocabularyApi,
    shares::SharesApi,
    documents::DocumentsApi,
    follow_ups::FollowUpsApi,
    applications::ApplicationsApi,
    // Nested: poem-openapi implements OpenApi for tuples of at most 16.
    (
        agreements::AgreementsApi,
        privacy::PrivacyApi,
        consents::ConsentsApi,
    ),
);

/// The API and its spec. `public_url`, when known, is listed as the server in the spec.
pub fn api_service(public_url: Option<&str>) -> OpenApiService<Api, ()> {
    let api = (
        auth::AuthApi,
        users::UsersApi,
        customers::CustomersApi,
        branding::BrandingApi,
        audit::AuditApi,
        system::SystemApi,
        transfer::TransferApi,
        diagnoses::DiagnosesApi,
        catalog::CatalogApi,
        dashboard::DashboardApi,
        vocabulary::VocabularyApi,
        shares::SharesApi,
        documents::DocumentsApi,
        follow_ups::FollowUpsApi,
        applications::ApplicationsApi,
        (
            agreements::AgreementsApi,
            privacy::PrivacyApi,
            consents::ConsentsApi,
        ),
    );
    let mut service = OpenApiService::new(api, "贷款助手 API", env!("CARGO_PKG_VERSION"))
        .description(
            "贷款助手 (loan-broker) — 企业客户、融资体检、改造方案。金额单位为万元（字段后缀 `_wan`），日期为 `YYYY-MM-DD`。\
             错误统一为 `{\"code\", \"message\", \"field\"}`。先调用 `POST /api/auth/login` 取得令牌，再点击 Authorize。",
        );
    if let Some(url) = public_url {
        service = service.server(url);
    }
    service
}
