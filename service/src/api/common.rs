//! Small pieces every API file uses: who is acting, paging, created resources.

use poem::http::StatusCode;
use poem::{IntoResponse, Request, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::{Json, Payload};
use poem_openapi::registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::{ToJSON, Type};

use crate::app::Error;
use crate::auth::CurrentUser;
use crate::db::audit::Actor;
use crate::state::AppState;
use crate::web::client_ip;

pub const MAX_PAGE_SIZE: u64 = 100;

pub fn actor(state: &AppState, req: &Request, user: Option<&CurrentUser>) -> Actor {
    Actor {
        user_id: user.map(|u| u.id),
        username: user.map(|u| u.username.clone()),
        ip: client_ip(req, &state.settings.trusted_proxies),
    }
}

/// Page number and size, checked; returns (page, page_size, offset).
pub fn paging(page: Option<u64>, page_size: Option<u64>) -> Result<(u64, u64, u64), Error> {
    let page = page.unwrap_or(1);
    let size = page_size.unwrap_or(20);
    if page == 0 || page > 1_000_000 {
        return Err(Error::validation(
            "page",
            "页码应为 1 到 1000000 之间的整数",
        ));
    }
    if size == 0 || size > MAX_PAGE_SIZE {
        return Err(Error::validation(
            "page_size",
            format!("每页条数应在 1 到 {MAX_PAGE_SIZE} 之间"),
        ));
    }
    Ok((page, size, (page - 1) * size))
}

/// `201 Created`: the new resource in the body, its address in `Location`.
pub struct Created<T> {
    pub body: T,
    pub location: String,
}

impl<T> Created<T> {
    pub fn at(location: String, body: T) -> Self {
        Self { body, location }
    }
}

impl<T: ToJSON + Send> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        let mut resp = Json(self.body).into_response();
        resp.set_status(StatusCode::CREATED);
        if let Ok(value) = self.location.parse() {
            resp.headers_mut()
                .insert(poem::http::header::LOCATION, value);
        }
        resp
    }
}

impl<T: ToJSON + Send> ApiResponse for Created<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "Created; `Location` is the new resource's address.",
                status: Some(201),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: <Json<T> as Payload>::CONTENT_TYPE,
                    schema: <Json<T> as Payload>::schema_ref(),
                }],
                headers: vec![MetaHeader {
                    name: "LOCATION".into(),
                    description: Some("The created resource.".into()),
                    required: true,
                    deprecated: false,
                    schema: String::schema_ref(),
                }],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        <Json<T> as Payload>::register(registry);
    }
}
