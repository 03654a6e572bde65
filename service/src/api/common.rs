//! Small pieces every API file uses: who is acting, paging, field errors.

use poem::Request;

use crate::auth::CurrentUser;
use crate::db::audit::Actor;
use crate::domain::customer::FieldError;
use crate::error::ApiError;
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

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::validation(&e.field, e.message)
    }
}

/// Page number and size, checked; returns (page, page_size, offset).
pub fn paging(page: Option<u64>, page_size: Option<u64>) -> Result<(u64, u64, u64), ApiError> {
    let page = page.unwrap_or(1);
    let size = page_size.unwrap_or(20);
    if page == 0 || page > 1_000_000 {
        return Err(ApiError::validation(
            "page",
            "页码应为 1 到 1000000 之间的整数",
        ));
    }
    if size == 0 || size > MAX_PAGE_SIZE {
        return Err(ApiError::validation(
            "page_size",
            format!("每页条数应在 1 到 {MAX_PAGE_SIZE} 之间"),
        ));
    }
    Ok((page, size, (page - 1) * size))
}

pub fn to_json<T: serde::Serialize>(value: &T) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

pub fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}
