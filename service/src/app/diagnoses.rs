//! Financing diagnosis (融资体检), the what-if simulator, and improvement plans (改造方案).

use std::sync::Arc;

use rusqlite::Connection;
use serde_json::json;

use super::customers::{in_scope, live, load_visible};
use super::{Error, Result};
use crate::auth::{CurrentUser, Scope};
use crate::db::audit::{Actor, Change, Resource};
use crate::db::catalog::{self, Model, ModelCache};
use crate::db::diagnoses::{self, DiagnosisRecord, Plan, PlanStatus};
use crate::db::{Db, UnitOfWork, customers};
use crate::domain::customer::{Customer, CustomerInput, Stage};
use crate::domain::engine::{self, Diagnosis, Product, RuleSet};
use crate::domain::facts::facts_of;
use crate::domain::ids::{CustomerId, DiagnosisId, PlanId, RulesVersion};
use crate::domain::vocab::AuditAction;

/// The rules and active products the engine runs on now.
fn current_model(cache: &ModelCache, conn: &Connection) -> Result<Arc<Model>> {
    cache
        .get(conn)?
        .ok_or_else(|| Error::internal("no rule set"))
}

fn load_diagnosis(conn: &Connection, id: DiagnosisId) -> Result<(DiagnosisRecord, engine::Facts)> {
    diagnoses::get(conn, id)?.ok_or_else(|| Error::not_found(format!("诊断 #{id} 不存在")))
}

/// The diagnosis, if `user` may see its customer (else it does not exist for them).
pub(crate) fn visible_diagnosis(
    conn: &Connection,
    user: &CurrentUser,
    id: DiagnosisId,
) -> Result<(DiagnosisRecord, engine::Facts)> {
    let found = load_diagnosis(conn, id)?;
    in_scope(conn, user, found.0.customer_id, || {
        Error::not_found(format!("诊断 #{id} 不存在"))
    })?;
    Ok(found)
}

fn load_plan(conn: &Connection, id: PlanId) -> Result<Plan> {
    diagnoses::plan(conn, id)?.ok_or_else(|| Error::not_found(format!("方案 #{id} 不存在")))
}

fn visible_plan(conn: &Connection, user: &CurrentUser, id: PlanId) -> Result<Plan> {
    let plan = load_plan(conn, id)?;
    in_scope(conn, user, plan.customer_id, || {
        Error::not_found(format!("方案 #{id} 不存在"))
    })?;
    Ok(plan)
}

/// Diagnoses one customer and stores the result; moves a new lead to 已诊断.
pub async fn run(
    db: &Db,
    cache: Arc<ModelCache>,
    actor: Actor,
    viewer: &CurrentUser,
    customer_id: CustomerId,
    today: chrono::NaiveDate,
) -> Result<DiagnosisRecord> {
    let user = actor.user_id;
    let viewer = viewer.clone();
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let model = current_model(&cache, &uow)?;
        load_visible(&uow, &viewer, customer_id)?;
        let input = live(&uow, customer_id)?;
        let facts = facts_of(&input);
        let result = engine::diagnose(&facts, &model.rules, &model.products, today);
        let id = diagnoses::insert(&uow, customer_id, model.rules_version, &facts, &result, user)?;
        if matches!(input.stage, Stage::New | Stage::Contacted) {
            customers::set_stage(&uow, customer_id, Stage::Diagnosed)?;
        }
        let (record, _) = load_diagnosis(&uow, id)?;
        let after = json!({"diagnosis_id": id, "category": record.result.category, "total": record.result.total, "recommended_wan": record.result.recommended_wan});
        let change = Change {
            resource: Resource::Customer(customer_id),
            before: None,
            after: Some(after),
        };
        Ok(uow.commit(AuditAction::DiagnosisCreate, change, record)?)
    })
    .await
}

/// A customer's diagnoses, newest first (at most 100).
pub async fn history(
    db: &Db,
    user: &CurrentUser,
    customer_id: CustomerId,
) -> Result<Vec<DiagnosisRecord>> {
    let user = user.clone();
    db.read(move |c| {
        load_visible(c, &user, customer_id)?;
        Ok(diagnoses::for_customer(c, customer_id, 100)?)
    })
    .await
}

pub async fn get(db: &Db, user: &CurrentUser, id: DiagnosisId) -> Result<DiagnosisRecord> {
    let user = user.clone();
    db.read(move |c| visible_diagnosis(c, &user, id).map(|(d, _)| d))
        .await
}

/// Runs the engine on edited facts without storing anything.
pub async fn simulate(
    db: &Db,
    cache: Arc<ModelCache>,
    mut input: CustomerInput,
    today: chrono::NaiveDate,
) -> Result<Diagnosis> {
    if input.name.trim().is_empty() {
        input.name = "模拟".into();
    }
    input.validate(today)?;
    db.read(move |c| {
        let model = current_model(&cache, c)?;
        Ok(engine::diagnose(
            &facts_of(&input),
            &model.rules,
            &model.products,
            today,
        ))
    })
    .await
}

/// Runs the (pure) engine and the serialisation on every core; the caller writes the results.
fn diagnose_in_parallel(
    all: &[Customer],
    rules: &RuleSet,
    products: &[Product],
    date: chrono::NaiveDate,
) -> Result<Vec<diagnoses::Encoded>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = all.len().div_ceil(threads).max(1);
    let parts: Vec<rusqlite::Result<Vec<diagnoses::Encoded>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = all
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|c| {
                            let facts = facts_of(&c.data);
                            diagnoses::encode(
                                c.id,
                                &facts,
                                &engine::diagnose(&facts, rules, products, date),
                            )
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(all.len());
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

pub struct Rediagnosed {
    pub diagnosed: u64,
    pub rules_version: RulesVersion,
}

/// Re-diagnoses every customer with the current rules, in one transaction.
pub async fn rediagnose_all(
    db: &Db,
    cache: Arc<ModelCache>,
    actor: Actor,
    today: chrono::NaiveDate,
) -> Result<Rediagnosed> {
    let user = actor.user_id;
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let model = current_model(&cache, &uow)?;
        let all = customers::all(&uow, &customers::ListFilter::default())?;
        let encoded = diagnose_in_parallel(&all, &model.rules, &model.products, today)?;
        for e in &encoded {
            diagnoses::insert_encoded(&uow, e, model.rules_version, user)?;
        }
        let after = json!({"customers": all.len(), "rules_version": model.rules_version});
        let change = Change {
            resource: Resource::Customers,
            before: None,
            after: Some(after),
        };
        let done = Rediagnosed {
            diagnosed: all.len() as u64,
            rules_version: model.rules_version,
        };
        Ok(uow.commit(AuditAction::RediagnoseAll, change, done)?)
    })
    .await
}

pub struct Generated {
    pub customer_id: CustomerId,
    pub plans: Vec<Plan>,
}

/// One plan per improvable gap of the diagnosis; each estimated increase comes from re-running
/// the engine, with the rules the diagnosis used, on the target facts.
pub async fn generate_plans(
    db: &Db,
    cache: Arc<ModelCache>,
    actor: Actor,
    viewer: &CurrentUser,
    diagnosis_id: DiagnosisId,
    today: chrono::NaiveDate,
) -> Result<Generated> {
    let user = actor.user_id;
    let viewer = viewer.clone();
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let (record, facts) = visible_diagnosis(&uow, &viewer, diagnosis_id)?;
        live(&uow, record.customer_id)?;
        // The rules the diagnosis used, so plan and diagnosis agree.
        let rules = catalog::rules_version(&uow, record.rules_version)?
            .map(|r| r.rules)
            .ok_or_else(|| Error::internal("rules version missing"))?;
        let model = current_model(&cache, &uow)?;
        // The products the diagnosis evaluated (a product added since would make the plans
        // disagree with the diagnosis they belong to).
        let products: Vec<Product> = model
            .products
            .iter()
            .filter(|p| record.result.products.iter().any(|r| r.product_id == p.id))
            .cloned()
            .collect();
        let drafts = engine::generate_plans(&facts, &rules, &products, today);
        let mut ids = vec![];
        // Generating again replaces the diagnosis' untouched plans instead of adding copies.
        let started = diagnoses::delete_pending_plans(&uow, diagnosis_id)?;
        for draft in drafts {
            if started
                .iter()
                .any(|(k, g)| *k == draft.kind && *g == draft.gap)
            {
                continue;
            }
            ids.push(diagnoses::insert_plan(
                &uow,
                record.customer_id,
                diagnosis_id,
                draft,
                user,
            )?);
        }
        let mut plans = vec![];
        for id in &ids {
            plans.extend(diagnoses::plan(&uow, *id)?);
        }
        let change = Change {
            resource: Resource::Customer(record.customer_id),
            before: None,
            after: Some(json!({"diagnosis_id": diagnosis_id, "plans": ids})),
        };
        let generated = Generated {
            customer_id: record.customer_id,
            plans,
        };
        Ok(uow.commit(AuditAction::PlanGenerate, change, generated)?)
    })
    .await
}

/// A customer's plans: newest diagnosis first, each in the engine's order (value for cost and time).
pub async fn customer_plans(
    db: &Db,
    user: &CurrentUser,
    customer_id: CustomerId,
) -> Result<Vec<Plan>> {
    let user = user.clone();
    db.read(move |c| {
        load_visible(c, &user, customer_id)?;
        Ok(diagnoses::plans_for_customer(c, customer_id)?)
    })
    .await
}

/// Plans across customers (the plans board), newest first, at most 500.
pub async fn all_plans(
    db: &Db,
    scope: Scope,
    status: Option<PlanStatus>,
    customer_id: Option<CustomerId>,
) -> Result<Vec<Plan>> {
    db.read(move |c| {
        Ok(diagnoses::plans(
            c,
            status,
            customer_id,
            scope.owner(),
            500,
        )?)
    })
    .await
}

pub async fn plan(db: &Db, user: &CurrentUser, id: PlanId) -> Result<Plan> {
    let user = user.clone();
    db.read(move |c| visible_plan(c, &user, id)).await
}

/// Sets a plan's status and ticks its tasks: `(index into the plan's tasks, done)`.
pub async fn update_plan(
    db: &Db,
    actor: Actor,
    user: &CurrentUser,
    id: PlanId,
    status: Option<PlanStatus>,
    ticks: Vec<(u32, bool)>,
) -> Result<Plan> {
    let user = user.clone();
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let before = visible_plan(&uow, &user, id)?;
        if let Some((bad, _)) = ticks
            .iter()
            .find(|(i, _)| *i as usize >= before.tasks.len())
        {
            return Err(Error::validation(
                "tasks",
                format!("任务序号 {bad} 不存在（共 {} 项）", before.tasks.len()),
            ));
        }
        let ticks: Vec<(usize, bool)> = ticks.iter().map(|(i, d)| (*i as usize, *d)).collect();
        diagnoses::update_plan(&uow, id, status, &ticks)?;
        let after = load_plan(&uow, id)?;
        let summary = |p: &Plan| json!({"status": p.status, "tasks": p.tasks});
        let change = Change {
            resource: Resource::Plan(id),
            before: Some(summary(&before)),
            after: Some(summary(&after)),
        };
        Ok(uow.commit(AuditAction::PlanUpdate, change, after)?)
    })
    .await
}
