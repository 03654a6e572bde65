//! Diagnosis engine: pure functions over customer facts, rule data and product data.
//! No I/O, no database, no HTTP. Every number of the scoring model is data
//! (`default_rules.json`, `default_products.json`), editable by admins and validated here.
//!
//! Entry points:
//! - [`diagnose`] — facts + rules + products + today → [`Diagnosis`] (API-ready, amounts in 万).
//! - [`generate_plans`] — one [`PlanDraft`] per improvable gap, valued by re-running `diagnose`.
//! - [`RuleSet::default_rules`], [`Product::default_products`] — shipped data.
//! - [`parse_rules`] / [`validate`] and [`parse_product`] / [`validate_product`] /
//!   [`validate_products`] — admin edits, errors as [`RuleError`] { path, message }.
//!
//! Conventions: money is integer 元 inside ([`Facts`] `*_yuan`), 万 in rule data (`*_wan`)
//! and in outputs (`*_wan`, 2 decimals). Unknown facts are `None`: scores use neutral
//! points, vetoes/caps never fire on them, "bad event" gates (overdue, inquiries…) pass,
//! "requirement" gates (company age, tax, invoice, flow, grade) fail with a 资料待补充
//! reason, and the field is listed in `missing_fields`.

mod combine;
mod context;
mod diagnose;
mod facts;
mod industry;
mod plans;
mod products;
mod rules;
mod sample;
mod score;
mod validate;

pub use diagnose::{
    Category, CombinationItem, Diagnosis, Dimension, Finding, ProductResult, RuleHit, Scores,
    diagnose,
};
pub use facts::{BusinessStatus, Collateral, CollateralKind, Facts, TaxGrade, months_between};
pub use industry::{
    GbCode, IndustryCode, IndustryMatch, IndustrySource, IndustryTexts, IndustryVerdict,
    SupplierPhrase, TextClass,
};
pub use plans::{FactChange, PlanDraft, PlanKind, ProductDelta, ProviderCategory, generate_plans};
pub use products::{AmountFormula, Blocker, BlockerKind, Gate, Product, ProductFamily};
pub use rules::{
    AssetRules, Band, BandTable, CategoryRules, CreditRules, DatedTask, DecidingFacts,
    DimensionRules, FlowRules, Haircut, IndustryClass, IndustryEntry, IndustryMap,
    IndustryScoreRules, InquiryWindow, InvoiceTaxRules, MoneyBand, MoneyTier, PlanPolicy,
    PlanTemplate, PlanTemplates, PointsMap, QualificationRules, RangeBand, RangeTable, RatioRule,
    RecommendationRules, RuleSet, Tier, TierTable, Trigger, TriggerRule, VerdictTemplates, Weights,
};
pub use sample::sample_facts;
pub use validate::{
    FORBIDDEN_PHRASES, RuleError, forbidden_phrases_in, parse_product, parse_rules, validate,
    validate_product, validate_products,
};

#[cfg(test)]
mod cases;
#[cfg(test)]
mod testkit;
