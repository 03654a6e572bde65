//! Financing diagnosis (融资体检), the what-if simulator, and improvement plans (改造方案).

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use rusqlite::Connection;

use super::ApiTags;
use super::common::{actor, today};
use crate::auth::BearerAuth;
use crate::db::audit::{self, Change};
use crate::db::catalog;
use crate::db::customers;
use crate::db::diagnoses::{self, DiagnosisRecord, Plan, PlanStatus};
use crate::domain::customer::{CustomerInput, Stage};
use crate::domain::engine::{self, Diagnosis, Product, RuleSet};
use crate::domain::facts::facts_of;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct DiagnosesApi;

#[derive(Object)]
pub struct RediagnoseResult {
    pub diagnosed: u64,
    pub rules_version: i64,
    pub elapsed_ms: u64,
}

#[derive(Object)]
pub struct TaskTick {
    /// Index into the plan's `tasks`.
    pub index: u32,
    pub done: bool,
}

#[derive(Object)]
pub struct PlanUpdate {
    pub status: Option<PlanStatus>,
    #[oai(default)]
    pub tasks: Vec<TaskTick>,
}

/// The rules and active products the engine runs on now.
fn current_model(
    cache: &catalog::ModelCache,
    conn: &Connection,
) -> ApiResult<std::sync::Arc<catalog::Model>> {
    cache
        .get(conn)?
        .ok_or_else(|| ApiError::internal("no rule set"))
}

fn live_customer(conn: &Connection, id: i64) -> ApiResult<CustomerInput> {
    match customers::get(conn, id)? {
        Some(c) if c.deleted_at.is_none() => Ok(c.data),
        Some(_) => Err(ApiError::bad_request("deleted", "客户在回收站中，请先恢复")),
        None => Err(ApiError::not_found(format!("客户 #{id} 不存在"))),
    }
}

/// Diagnoses one customer inside the caller's transaction; moves a new lead to 已诊断.
fn diagnose_customer(
    conn: &Connection,
    id: i64,
    model: &catalog::Model,
    user: Option<i64>,
) -> ApiResult<i64> {
    let input = live_customer(conn, id)?;
    let facts = facts_of(&input);
    let result = engine::diagnose(&facts, &model.rules, &model.products, today());
    let diagnosis_id = diagnoses::insert(conn, id, model.rules_version, &facts, &result, user)?;
    if matches!(input.stage, Stage::New | Stage::Contacted) {
        customers::set_stage(conn, id, Stage::Diagnosed)?;
    }
    Ok(diagnosis_id)
}

/// Runs the (pure) engine and the serialisation on every core; the caller writes the results.
fn diagnose_in_parallel(
    all: &[crate::domain::customer::Customer],
    rules: &RuleSet,
    products: &[Product],
    date: chrono::NaiveDate,
) -> ApiResult<Vec<diagnoses::Encoded>> {
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

fn load_diagnosis(conn: &Connection, id: i64) -> ApiResult<(DiagnosisRecord, engine::Facts)> {
    diagnoses::get(conn, id)?.ok_or_else(|| ApiError::not_found(format!("诊断 #{id} 不存在")))
}

#[OpenApi(tag = "ApiTags::Diagnoses")]
impl DiagnosesApi {
    /// Run a diagnosis for a customer and store it
    #[oai(
        path = "/api/customers/:id/diagnoses",
        method = "post",
        operation_id = "runDiagnosis"
    )]
    async fn run(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<DiagnosisRecord>> {
        let user = auth.staff()?;
        let who = actor(&state, req, Some(user));
        let (customer_id, user_id) = (id.0, user.id);
        let cache = state.model.clone();
        let record = state
            .db
            .write(move |tx| {
                let model = current_model(&cache, tx)?;
                let diagnosis_id = diagnose_customer(tx, customer_id, &model, Some(user_id))?;
                let (record, _) = load_diagnosis(tx, diagnosis_id)?;
                let after = serde_json::json!({"diagnosis_id": diagnosis_id, "category": record.result.category, "total": record.result.total, "recommended_wan": record.result.recommended_wan});
                audit::record(tx, &who, Change { action: "diagnosis.create", resource_type: "customer", resource_id: Some(customer_id.to_string()), before: None, after: Some(after) })?;
                Ok(record)
            })
            .await?;
        Ok(Json(record))
    }

    /// A customer's diagnoses, newest first
    #[oai(
        path = "/api/customers/:id/diagnoses",
        method = "get",
        operation_id = "listDiagnoses"
    )]
    async fn history(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<DiagnosisRecord>>> {
        auth.staff()?;
        let id = id.0;
        let list = state
            .db
            .read(move |c| {
                customers::get(c, id)?
                    .ok_or_else(|| ApiError::not_found(format!("客户 #{id} 不存在")))?;
                Ok(diagnoses::for_customer(c, id, 100)?)
            })
            .await?;
        Ok(Json(list))
    }

    /// One stored diagnosis (explained with the rules version it used)
    #[oai(
        path = "/api/diagnoses/:id",
        method = "get",
        operation_id = "getDiagnosis"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<DiagnosisRecord>> {
        auth.staff()?;
        let id = id.0;
        Ok(Json(state.db.read(move |c| load_diagnosis(c, id)).await?.0))
    }

    /// What-if: run the engine on edited facts without storing anything
    #[oai(
        path = "/api/diagnoses/simulate",
        method = "post",
        operation_id = "simulateDiagnosis"
    )]
    async fn simulate(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<CustomerInput>,
    ) -> ApiResult<Json<Diagnosis>> {
        auth.staff()?;
        let mut input = body.0;
        if input.name.trim().is_empty() {
            input.name = "模拟".into();
        }
        input.validate(today())?;
        let cache = state.model.clone();
        let result = state
            .db
            .read(move |c| {
                let model = current_model(&cache, c)?;
                Ok(engine::diagnose(
                    &facts_of(&input),
                    &model.rules,
                    &model.products,
                    today(),
                ))
            })
            .await?;
        Ok(Json(result))
    }

    /// Re-diagnose every customer with the current rules, in one transaction
    #[oai(
        path = "/api/diagnoses/rediagnose-all",
        method = "post",
        operation_id = "rediagnoseAll"
    )]
    async fn rediagnose_all(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
    ) -> ApiResult<Json<RediagnoseResult>> {
        let user = auth.admin()?;
        let who = actor(&state, req, Some(user));
        let user_id = user.id;
        let started = std::time::Instant::now();
        let cache = state.model.clone();
        let (count, version) = state
            .db
            .write(move |tx| {
                let model = current_model(&cache, tx)?;
                let all = customers::all(tx, &customers::ListFilter::default())?;
                let encoded = diagnose_in_parallel(&all, &model.rules, &model.products, today())?;
                for e in &encoded {
                    diagnoses::insert_encoded(tx, e, model.rules_version, Some(user_id))?;
                }
                let after = serde_json::json!({"customers": all.len(), "rules_version": model.rules_version});
                audit::record(
                    tx,
                    &who,
                    Change {
                        action: "diagnosis.rediagnose_all",
                        resource_type: "customer",
                        resource_id: None,
                        before: None,
                        after: Some(after),
                    },
                )?;
                Ok((all.len() as u64, model.rules_version))
            })
            .await?;
        Ok(Json(RediagnoseResult {
            diagnosed: count,
            rules_version: version,
            elapsed_ms: started.elapsed().as_millis() as u64,
        }))
    }

    /// Generate improvement plans from a diagnosis
    ///
    /// One plan per improvable gap; each estimated increase comes from re-running the engine
    /// on the target facts.
    #[oai(
        path = "/api/diagnoses/:id/plans",
        method = "post",
        operation_id = "generatePlans"
    )]
    async fn generate(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<Plan>>> {
        let user = auth.staff()?;
        let who = actor(&state, req, Some(user));
        let (diagnosis_id, user_id) = (id.0, user.id);
        let cache = state.model.clone();
        let plans = state
            .db
            .write(move |tx| {
                let (record, facts) = load_diagnosis(tx, diagnosis_id)?;
                live_customer(tx, record.customer_id)?;
                // The rules the diagnosis used, so plan and diagnosis agree.
                let rules = catalog::rules_version(tx, record.rules_version)?
                    .map(|(_, r, _)| r)
                    .ok_or_else(|| ApiError::internal("rules version missing"))?;
                let model = current_model(&cache, tx)?;
                let drafts = engine::generate_plans(&facts, &rules, &model.products, today());
                let mut ids = vec![];
                for draft in drafts {
                    let providers = catalog::providers(tx, Some(draft.provider_category), true)?
                        .into_iter()
                        .take(3)
                        .map(|p| p.id)
                        .collect();
                    ids.push(diagnoses::insert_plan(
                        tx,
                        record.customer_id,
                        diagnosis_id,
                        draft,
                        providers,
                        Some(user_id),
                    )?);
                }
                let after = serde_json::json!({"diagnosis_id": diagnosis_id, "plans": ids});
                audit::record(
                    tx,
                    &who,
                    Change {
                        action: "plan.generate",
                        resource_type: "customer",
                        resource_id: Some(record.customer_id.to_string()),
                        before: None,
                        after: Some(after),
                    },
                )?;
                let mut plans = vec![];
                for id in ids {
                    plans.extend(diagnoses::plan(tx, id)?);
                }
                Ok(plans)
            })
            .await?;
        Ok(Json(plans))
    }

    /// A customer's plans, largest estimated increase first
    #[oai(
        path = "/api/customers/:id/plans",
        method = "get",
        operation_id = "listPlans"
    )]
    async fn customer_plans(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<Plan>>> {
        auth.staff()?;
        let id = id.0;
        let plans = state
            .db
            .read(move |c| {
                customers::get(c, id)?
                    .ok_or_else(|| ApiError::not_found(format!("客户 #{id} 不存在")))?;
                Ok(diagnoses::plans_for_customer(c, id)?)
            })
            .await?;
        Ok(Json(plans))
    }

    /// Plans across customers (the plans board), newest first, at most 500
    #[oai(path = "/api/plans", method = "get", operation_id = "listAllPlans")]
    async fn all_plans(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        status: Query<Option<PlanStatus>>,
        customer_id: Query<Option<i64>>,
    ) -> ApiResult<Json<Vec<Plan>>> {
        auth.staff()?;
        let (status, customer_id) = (status.0, customer_id.0);
        Ok(Json(
            state
                .db
                .read(move |c| Ok(diagnoses::plans(c, status, customer_id, 500)?))
                .await?,
        ))
    }

    /// One plan
    #[oai(path = "/api/plans/:id", method = "get", operation_id = "getPlan")]
    async fn plan(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Plan>> {
        auth.staff()?;
        let id = id.0;
        let plan = state
            .db
            .read(move |c| {
                diagnoses::plan(c, id)?
                    .ok_or_else(|| ApiError::not_found(format!("方案 #{id} 不存在")))
            })
            .await?;
        Ok(Json(plan))
    }

    /// Change a plan's status or tick its tasks
    #[oai(path = "/api/plans/:id", method = "patch", operation_id = "updatePlan")]
    async fn update_plan(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: BearerAuth,
        id: Path<i64>,
        body: Json<PlanUpdate>,
    ) -> ApiResult<Json<Plan>> {
        let user = auth.staff()?;
        let who = actor(&state, req, Some(user));
        let (id, update) = (id.0, body.0);
        let plan = state
            .db
            .write(move |tx| {
                let before = diagnoses::plan(tx, id)?
                    .ok_or_else(|| ApiError::not_found(format!("方案 #{id} 不存在")))?;
                if let Some(bad) = update
                    .tasks
                    .iter()
                    .find(|t| t.index as usize >= before.tasks.len())
                {
                    return Err(ApiError::validation(
                        "tasks",
                        format!(
                            "任务序号 {} 不存在（共 {} 项）",
                            bad.index,
                            before.tasks.len()
                        ),
                    ));
                }
                let ticks: Vec<(usize, bool)> = update
                    .tasks
                    .iter()
                    .map(|t| (t.index as usize, t.done))
                    .collect();
                diagnoses::update_plan(tx, id, update.status, &ticks)?;
                let after =
                    diagnoses::plan(tx, id)?.ok_or_else(|| ApiError::internal("plan vanished"))?;
                let summary = |p: &Plan| serde_json::json!({"status": p.status, "tasks": p.tasks});
                audit::record(
                    tx,
                    &who,
                    Change {
                        action: "plan.update",
                        resource_type: "plan",
                        resource_id: Some(id.to_string()),
                        before: Some(summary(&before)),
                        after: Some(summary(&after)),
                    },
                )?;
                Ok(after)
            })
            .await?;
        Ok(Json(plan))
    }
}
