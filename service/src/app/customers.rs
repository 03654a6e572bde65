//! Customers: create, change, move to and from the recycle bin, look up and list.

use rusqlite::Connection;

use super::{Error, Result};
use crate::auth::{CurrentUser, Scope};
use crate::db::audit::{Actor, Change, Resource};
use crate::db::customers::{self, ListFilter, Sort};
use crate::db::{Db, UnitOfWork, users};
use crate::domain::customer::{Customer, CustomerInput, CustomerPatch};
use crate::domain::ids::CustomerId;
use crate::domain::vocab::AuditAction;

pub struct Page {
    pub items: Vec<Customer>,
    pub total: i64,
}

/// The customer, also from the recycle bin.
pub(crate) fn load(conn: &Connection, id: CustomerId) -> Result<Customer> {
    customers::get(conn, id)?.ok_or_else(|| no_such_customer(id))
}

fn no_such_customer(id: CustomerId) -> Error {
    Error::not_found(format!("客户 #{id} 不存在"))
}

/// The one place that decides whether `user` may see `customer_id` and what belongs to it
/// (diagnoses, plans, shares, documents, follow-ups, applications, agreements, consents). An
/// account limited to its own customers gets the very answer a missing customer gets — it never
/// learns that another's customer exists. A customer in the recycle bin shows none of its records
/// (they are kept and come back with the customer).
pub(crate) fn may_see_customer(
    conn: &Connection,
    user: &CurrentUser,
    customer_id: CustomerId,
) -> Result<()> {
    match customers::owner_and_deleted(conn, customer_id)? {
        Some((owner, _)) if !user.scope().includes(owner) => Err(no_such_customer(customer_id)),
        None => Err(no_such_customer(customer_id)),
        Some((_, true)) => Err(Error::refused(
            "deleted",
            "客户在回收站中，其资料和记录暂不可用，请先恢复客户",
        )),
        Some((_, false)) => Ok(()),
    }
}

/// [`may_see_customer`] for a record found by its own id: hidden, it is `missing` — the answer
/// names neither the record's customer nor that the record exists.
pub(crate) fn may_see_record(
    conn: &Connection,
    user: &CurrentUser,
    customer_id: CustomerId,
    missing: impl FnOnce() -> Error,
) -> Result<()> {
    match may_see_customer(conn, user, customer_id) {
        Err(Error::NotFound(_)) => Err(missing()),
        other => other,
    }
}

/// Whether `user` may read the records of `customer_id` at all (also of one in the recycle bin:
/// diagnoses and plans stay readable there); hidden, the record is `missing`.
pub(crate) fn in_scope(
    conn: &Connection,
    user: &CurrentUser,
    customer_id: CustomerId,
    missing: impl FnOnce() -> Error,
) -> Result<()> {
    match customers::owner_and_deleted(conn, customer_id)? {
        Some((owner, _)) if user.scope().includes(owner) => Ok(()),
        _ => Err(missing()),
    }
}

/// The customer, also from the recycle bin, if `user` may see it at all.
pub(crate) fn load_visible(
    conn: &Connection,
    user: &CurrentUser,
    id: CustomerId,
) -> Result<Customer> {
    let customer = load(conn, id)?;
    if !user.scope().includes(customer.data.owner_id) {
        return Err(no_such_customer(id));
    }
    Ok(customer)
}

/// The customer as `user` may be shown it: phone and ID numbers as 隐号 unless `user` owns the
/// customer or is an admin.
pub(crate) fn shown_to(user: &CurrentUser, mut customer: Customer) -> Customer {
    if !user.sees_numbers_of(customer.data.owner_id) {
        customer.mask_numbers();
    }
    customer
}

/// The facts of a customer that is not in the recycle bin.
pub(crate) fn live(conn: &Connection, id: CustomerId) -> Result<CustomerInput> {
    match customers::get(conn, id)? {
        Some(c) if c.deleted_at.is_none() => Ok(c.data),
        Some(_) => Err(Error::refused("deleted", "客户在回收站中，请先恢复")),
        None => Err(Error::not_found(format!("客户 #{id} 不存在"))),
    }
}

/// Refuses a second customer with the same 统一社会信用代码, unknown owners, and — for an
/// account limited to its own customers — giving a customer away (it would vanish for it; a
/// handover is an admin's job).
fn check_unique_and_owner(
    conn: &Connection,
    user: &CurrentUser,
    input: &CustomerInput,
    except: Option<CustomerId>,
) -> Result<()> {
    if let Some(code) = &input.uscc
        && let Some((id, deleted)) = customers::find_by_uscc(conn, code, except)?
    {
        if !user
            .scope()
            .includes(customers::owner_and_deleted(conn, id)?.and_then(|o| o.0))
        {
            // Uniqueness must hold across all customers, but which customer holds it stays hidden.
            return Err(Error::conflict(
                "uscc",
                format!("统一社会信用代码 {code} 已被其他同事负责的客户使用，请联系管理员"),
            ));
        }
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
    if let Scope::OwnedBy(me) = user.scope()
        && input.owner_id != Some(me)
    {
        return Err(Error::validation(
            "owner_id",
            "您只能负责自己的客户：负责人须为您本人（转交客户请联系管理员）",
        ));
    }
    Ok(())
}

/// Narrows a list filter to what `user` sees: an `own` account's lists hold its customers only,
/// whatever owner it asks for.
pub(crate) fn scoped(user: &CurrentUser, mut filter: ListFilter) -> ListFilter {
    if let Scope::OwnedBy(me) = user.scope() {
        filter.only_owner = Some(me);
    }
    filter
}

pub async fn list(
    db: &Db,
    user: &CurrentUser,
    filter: ListFilter,
    sort: Sort,
    limit: u64,
    offset: u64,
) -> Result<Page> {
    let filter = scoped(user, filter);
    let user = user.clone();
    db.read(move |c| {
        let (items, total) = customers::list(c, &filter, sort, limit, offset)?;
        let items = items.into_iter().map(|cu| shown_to(&user, cu)).collect();
        Ok(Page { items, total })
    })
    .await
}

pub async fn get(db: &Db, user: &CurrentUser, id: CustomerId) -> Result<Customer> {
    let user = user.clone();
    db.read(move |c| Ok(shown_to(&user, load_visible(c, &user, id)?)))
        .await
}

/// The phone and ID numbers in full, once per call; every reveal is audited (who saw whose).
pub async fn reveal(
    db: &Db,
    actor: Actor,
    user: &CurrentUser,
    id: CustomerId,
) -> Result<Vec<(&'static str, String)>> {
    let user = user.clone();
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let customer = load_visible(&uow, &user, id)?;
        let numbers = customer.data.numbers();
        let fields: Vec<&str> = numbers.iter().map(|(k, _)| *k).collect();
        // The audit says which numbers were shown, never the numbers themselves.
        let change =
            Change::on(Resource::Customer(id)).after(&serde_json::json!({ "fields": fields }));
        Ok(uow.commit(AuditAction::CustomerReveal, change, numbers)?)
    })
    .await
}

pub async fn create(
    db: &Db,
    actor: Actor,
    user: &CurrentUser,
    mut input: CustomerInput,
    today: chrono::NaiveDate,
) -> Result<Customer> {
    if input.owner_id.is_none() && user.scope() != Scope::All {
        // An `own` account's new customer is its own, or it would vanish from its list at once.
        input.owner_id = Some(user.id);
    }
    input.validate(today)?;
    let created_by = actor.user_id;
    let user = user.clone();
    db.change(actor, move |uow: UnitOfWork<'_>| {
        check_unique_and_owner(&uow, &user, &input, None)?;
        let id = customers::insert(&uow, &input, created_by)?;
        let after = load(&uow, id)?;
        let change = Change::on(Resource::Customer(id)).after(&after);
        Ok(uow.commit(AuditAction::CustomerCreate, change, shown_to(&user, after))?)
    })
    .await
}

pub async fn update(
    db: &Db,
    actor: Actor,
    user: &CurrentUser,
    id: CustomerId,
    patch: CustomerPatch,
    today: chrono::NaiveDate,
) -> Result<Customer> {
    let user = user.clone();
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let before = load_visible(&uow, &user, id)?;
        if before.deleted_at.is_some() {
            return Err(Error::refused("deleted", "客户在回收站中，请先恢复再修改"));
        }
        let mut input = patch.apply(&before.data);
        input.keep_masked_numbers(&before.data);
        input.validate(today)?;
        check_unique_and_owner(&uow, &user, &input, Some(id))?;
        customers::update(&uow, id, &input)?;
        let after = load(&uow, id)?;
        let change = Change::on(Resource::Customer(id))
            .before(&before)
            .after(&after);
        Ok(uow.commit(AuditAction::CustomerUpdate, change, shown_to(&user, after))?)
    })
    .await
}

/// Moves the customer to the recycle bin (`deleted`, a permission an admin grants) or back out.
pub async fn set_deleted(
    db: &Db,
    actor: Actor,
    user: &CurrentUser,
    id: CustomerId,
    deleted: bool,
) -> Result<Customer> {
    let user = user.clone();
    db.change(actor, move |uow: UnitOfWork<'_>| {
        let before = load_visible(&uow, &user, id)?;
        if deleted {
            user.check_may_delete()?;
        }
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
        Ok(uow.commit(action, change, shown_to(&user, after))?)
    })
    .await
}
