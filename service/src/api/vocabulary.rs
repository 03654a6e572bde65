//! The product's vocabulary and field catalogue, for integrators (the web UI compiles in the
//! same data as `frontend/src/domain/vocabulary.gen.ts`).

use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use super::ApiTags;
use crate::auth::StaffAuth;
use crate::domain::fields::{Catalogue, catalogue};
use crate::error::Fails;
use crate::error::status::GUARDED;

pub struct VocabularyApi;

#[OpenApi(prefix_path = "/api/vocabulary", tag = "ApiTags::System")]
impl VocabularyApi {
    /// Every enumerated value with its Chinese label, and every customer fact
    ///
    /// Codes are what the API sends and accepts; labels are what the UI, spreadsheets and the
    /// report print (imports accept them too). Facts list label, unit, kind, range, form group and
    /// whether they are personal information.
    #[oai(path = "/", method = "get", operation_id = "getVocabulary")]
    async fn get(&self, _auth: StaffAuth) -> Result<Json<Catalogue>, Fails<GUARDED>> {
        Ok(Json(catalogue()))
    }
}
