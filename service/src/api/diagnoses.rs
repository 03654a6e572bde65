//! Financing diagnosis (融资体检), the what-if simulator, and improvement plans (改造方案).

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::common::{Created, actor};
use crate::app::{self, diagnoses};
use crate::auth::{AdminAuth, StaffAuth};
use crate::db::diagnoses::{DiagnosisRecord, Plan, PlanStatus};
use crate::domain::customer::CustomerInput;
use crate::domain::engine::Diagnosis;
use crate::domain::ids::{CustomerId, DiagnosisId, PlanId, RulesVersion};
use crate::error::Fails;
use crate::error::status::{BAD_REQUEST, BODY, GUARDED, NOT_FOUND, PARAMS};
use crate::state::AppState;

pub struct DiagnosesApi;

#[derive(Object)]
pub struct RediagnoseResult {
    pub diagnosed: u64,
    pub rules_version: RulesVersion,
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

#[derive(ApiResponse)]
pub enum PlansGenerated {
    /// The new plans; `Location` lists all of the customer's plans.
    #[oai(status = 201)]
    Created(Json<Vec<Plan>>, #[oai(header = "Location")] String),
    /// The diagnosis leaves nothing to improve: no plan was made.
    #[oai(status = 200)]
    None(Json<Vec<Plan>>),
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
        auth: StaffAuth,
        id: Path<CustomerId>,
    ) -> Result<Created<DiagnosisRecord>, Fails<{ GUARDED | BAD_REQUEST | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        let record = diagnoses::run(
            &state.db,
            state.model.clone(),
            who,
            &auth.0,
            id.0,
            app::today(),
        )
        .await?;
        Ok(Created::at(format!("/api/diagnoses/{}", record.id), record))
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
        auth: StaffAuth,
        id: Path<CustomerId>,
    ) -> Result<Json<Vec<DiagnosisRecord>>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        Ok(Json(diagnoses::history(&state.db, &auth.0, id.0).await?))
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
        auth: StaffAuth,
        id: Path<DiagnosisId>,
    ) -> Result<Json<DiagnosisRecord>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        Ok(Json(diagnoses::get(&state.db, &auth.0, id.0).await?))
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
        _auth: StaffAuth,
        body: Json<CustomerInput>,
    ) -> Result<Json<Diagnosis>, Fails<{ GUARDED | BODY }>> {
        let result =
            diagnoses::simulate(&state.db, state.model.clone(), body.0, app::today()).await?;
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
        auth: AdminAuth,
    ) -> Result<Json<RediagnoseResult>, Fails<GUARDED>> {
        let who = actor(&state, req, Some(&auth.0));
        let started = std::time::Instant::now();
        let done =
            diagnoses::rediagnose_all(&state.db, state.model.clone(), who, app::today()).await?;
        Ok(Json(RediagnoseResult {
            diagnosed: done.diagnosed,
            rules_version: done.rules_version,
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
        auth: StaffAuth,
        id: Path<DiagnosisId>,
    ) -> Result<PlansGenerated, Fails<{ GUARDED | BAD_REQUEST | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        let generated = diagnoses::generate_plans(
            &state.db,
            state.model.clone(),
            who,
            &auth.0,
            id.0,
            app::today(),
        )
        .await?;
        Ok(if generated.plans.is_empty() {
            PlansGenerated::None(Json(generated.plans))
        } else {
            let location = format!("/api/customers/{}/plans", generated.customer_id);
            PlansGenerated::Created(Json(generated.plans), location)
        })
    }

    /// A customer's plans: newest diagnosis first, each in the engine's order (value for cost and time)
    #[oai(
        path = "/api/customers/:id/plans",
        method = "get",
        operation_id = "listPlans"
    )]
    async fn customer_plans(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<CustomerId>,
    ) -> Result<Json<Vec<Plan>>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        Ok(Json(
            diagnoses::customer_plans(&state.db, &auth.0, id.0).await?,
        ))
    }

    /// Plans across customers (the plans board), newest first, at most 500
    #[oai(path = "/api/plans", method = "get", operation_id = "listAllPlans")]
    async fn all_plans(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        status: Query<Option<PlanStatus>>,
        customer_id: Query<Option<CustomerId>>,
    ) -> Result<Json<Vec<Plan>>, Fails<{ GUARDED | PARAMS }>> {
        Ok(Json(
            diagnoses::all_plans(&state.db, auth.0.scope(), status.0, customer_id.0).await?,
        ))
    }

    /// One plan
    #[oai(path = "/api/plans/:id", method = "get", operation_id = "getPlan")]
    async fn plan(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<PlanId>,
    ) -> Result<Json<Plan>, Fails<{ GUARDED | PARAMS | NOT_FOUND }>> {
        Ok(Json(diagnoses::plan(&state.db, &auth.0, id.0).await?))
    }

    /// Change a plan's status or tick its tasks
    #[oai(path = "/api/plans/:id", method = "patch", operation_id = "updatePlan")]
    async fn update_plan(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: StaffAuth,
        id: Path<PlanId>,
        body: Json<PlanUpdate>,
    ) -> Result<Json<Plan>, Fails<{ GUARDED | BODY | NOT_FOUND }>> {
        let who = actor(&state, req, Some(&auth.0));
        let PlanUpdate { status, tasks } = body.0;
        let ticks = tasks.iter().map(|t| (t.index, t.done)).collect();
        Ok(Json(
            diagnoses::update_plan(&state.db, who, &auth.0, id.0, status, ticks).await?,
        ))
    }
}
