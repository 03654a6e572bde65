//! Diagnosis engine: pure functions over customer facts, rule data and product data.
//! No I/O, no database, no HTTP. Every number of the scoring model is data
//! (`default_rules.json`, `default_products.json`), editable by admins and validated here.

mod context;
mod diagnose;
mod facts;
mod money;
mod plans;
mod products;
mod rules;
mod sample;
mod score;
mod validate;

pub use diagnose::{
    Category, Diagnosis, Dimension, Finding, ProductResult, RuleHit, Scores, diagnose,
};
pub use facts::{BusinessStatus, Collateral, CollateralKind, Facts, TaxGrade, months_between};
pub use money::{wan_to_yuan, yuan_to_wan};
pub use plans::{FactChange, PlanDraft, PlanKind, ProductDelta, ProviderCategory, generate_plans};
pub use products::{AmountFormula, Gate, Product, ProductFamily};
pub use rules::{
    Band, BandTable, CategoryRules, DimensionRules, IndustryClass, IndustryEntry, IndustryMap,
    InquiryWindow, MoneyBand, MoneyTier, PlanTemplate, PlanTemplates, RuleSet, Tier, TierTable,
    Trigger, TriggerRule, Weights,
};
pub use sample::sample_facts;
pub use validate::{
    FORBIDDEN_PHRASES, RuleError, forbidden_phrases_in, parse_product, parse_rules, validate,
    validate_product, validate_products,
};

#[cfg(test)]
mod testkit;
