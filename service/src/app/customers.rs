//! Customers: create, change, move to and from the recycle bin, look up and list.

use rusqlite::Connection;

use super::{Error, Result, consents};
use crate::auth::CurrentUser;
use crate::db::audit::{Actor, Change, Resource};
use crate::db::customers::{self, ListFilter, Sort};
use crate::db::{Db, UnitOfWork, users};
use crate::domain::consents::ConsentInput;
use crate::domain::customer::{Customer, CustomerInput, CustomerPatch};
use crate::domain::ids::CustomerId;
use crate::domain::vocab::AuditAction;

pub struct Page {
    pub items: Vec<Customer>,
    pub total: i64,
}

/// The customer, also from the recycle bin.
pub(crate) fn load(conn: &Connection, id: CustomerId) -> Result<Customer> {
    customers::get(conn, id)?.ok_or_else(|| Error::not_found(format!("客户 #{id} 不存在")))
}

/// The one place that decides whether `user` may see `customer_id` and what belongs to it
/// (documents, follow-ups, applications, agreements). Today every signed-in account sees every
/// customer; a customer in the recycle bin shows none of its records (they are kept and come back
/// with the customer).
pub(crate) fn may_see_customer(
    conn: &Connection,
    _user: &CurrentUser,
    customer_id: CustomerId,
) -> Result<()> {
    let customer = load(conn, customer_id)?;
    if customer.deleted_at.is_some() {
        return Err(Error::refused(
            "deleted",
            "客户在回收站中，其资料和记录暂不可用，请先恢复客户",
        ));
    }
    Ok(())
}

/// The facts of a customer that is not in the recycle bin.
pub(crate) fn live(conn: &Connection, id: CustomerId) -> Result<CustomerInput> {
    match customers::get(conn, id)? {
        Some(c) if c.deleted_at.is_none() => Ok(c.data),
        Some(_) => Err(Error::refused("deleted", "客户在回收站中，请先恢复")),
        None => Err(Error::not_found(format!("客户 #{id} 不存在"))),
    }
}

/// Refuses a second customer with the same 统一社会信用代码, and unknown owners.
fn check_unique_and_owner(
    conn: &Connection,
    input: &CustomerInput,
    except: Option<CustomerId>,
) -> Result<()> {
    if let Some(code) = &input.uscc
        && let Some((id, deleted)) = customers::find_by_uscc(conn, code, except)?
    {
        let where_ = if deleted {
            "（在回收站中，可恢复）"
        } else {
            ""
        };
        return Err(Error::conflict(
            "uscc",
            format!("统一社会信用代码 {code} 已被客户 #{id} 使用{where_}"),
        ));
    }
    if let Some(owner) = input.owner_id
        && users::by_id(conn, owner)?.is_none()
    {
        return Err(Error::validation("owner_id", "负责人不存在"));
    }
    Ok(())
}

pub async fn list(
    db: &Db,
    filter: ListFilter,
    sort: Sort,
    limit: u64,
    offset: u64,
) -> Result<Page> {
    db.read(move |c| {
        let (items, total) = customers::list(c, &filter, sort, limit, offset)?;
        Ok(Page { items, total })
    })
    .await
}

pub async fn get(db: &Db, id: CustomerId) -> Result<Customer> {
    db.read(move |c| load(c, id)).await
}

pub async fn create(
    db: &Db,
    actor: Actor,
    input: CustomerInput,
    today: chrono::NaiveDate,
) -> Result<Customer> {
    create_with_consent(db, actor, input, None, today).await
}

/// A new customer, with the consent the client signed recorded in the same transaction (sensitive
/// facts need one, see [`super::consents::require_for_write`]).
pub async fn create_with_consent(
    db: &Db,
    actor: Actor,
    mut input: CustomerInput,
    consent: Option<ConsentInput>,
    today: chrono::NaiveDate,
) -> Result<Customer> {
    input.validate(today)?;
    let created_by = actor.user_id;
    db.change(actor, move |uow: UnitOfWork<'_>| {
        check_unique_and_owner(&uow, &input, None)?;
        let id = customers::insert(&uow, &input, created_by)?;
        if let Some(consent) = &consent {
            let (cid, terms) = consents::record(&uow, id, consent, today, "consent.")?;
            uow.also(
                AuditAction::ConsentCreate,
                consents::created(cid, id, &terms),
            )?;
        }
        consents::require_for_write(&uow, id, None, &input)?;
        let after = load(&uow, id)?;
        let change = Change::on(Resource::Customer(id)).after(&after);
        Ok(uow.commit(AuditAction::CustomerCreate, change, after)?)
    })
    .await
}

pub async fn update(
    db: &Db,
    actor: Actor,
    id: CustomerId,
    patch: CustomerPatch,
    today: chrono::NaiveDate,
) -> Result<Customer> {
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let before = load(&uow, id)?;
        if before.deleted_at.is_some() {
            return Err(Error::refused("deleted", "客户在回收站中，请先恢复再修改"));
        }
        let mut input = patch.apply(&before.data);
        input.validate(today)?;
        check_unique_and_owner(&uow, &input, Some(id))?;
        consents::require_for_write(&uow, id, Some(&before.data), &input)?;
        customers::update(&uow, id, &input)?;
        let after = load(&uow, id)?;
        let change = Change::on(Resource::Customer(id))
            .before(&before)
            .after(&after);
        Ok(uow.commit(AuditAction::CustomerUpdate, change, after)?)
    })
    .await
}

/// Moves the customer to the recycle bin (`deleted`) or back out of it.
pub async fn set_deleted(db: &Db, actor: Actor, id: CustomerId, deleted: bool) -> Result<Customer> {
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let before = load(&uow, id)?;
        if before.deleted_at.is_some() == deleted {
            let msg = if deleted {
                "客户已在回收站中"
            } else {
                "客户不在回收站中"
            };
            return Err(Error::refused("state", msg));
        }
        customers::set_deleted(&uow, id, deleted)?;
        let after = load(&uow, id)?;
        let action = if deleted {
            AuditAction::CustomerDelete
        } else {
            AuditAction::CustomerRestore
        };
        let change = Change::on(Resource::Customer(id))
            .before(&before)
            .after(&after);
        Ok(uow.commit(action, change, after)?)
    })
    .await
}
