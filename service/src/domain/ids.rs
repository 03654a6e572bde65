//! Typed row ids. On the wire and in the database each is the plain integer it always was (the
//! spec still says `integer`), but a user id can no longer be passed where a customer id belongs.

use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

macro_rules! ids {
    ($($name:ident),+ $(,)?) => {$(
        // No doc comment on the type: poem-openapi would copy it into every field's schema.
        #[derive(
            poem_openapi::NewType, Serialize, Deserialize,
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                Self(id)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl From<$name> for sea_query::Value {
            fn from(id: $name) -> Self {
                id.0.into()
            }
        }

        impl sea_query::Nullable for $name {
            fn null() -> sea_query::Value {
                sea_query::Value::BigInt(None)
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(value).map(Self)
            }
        }
    )+};
}

ids!(
    UserId,
    CustomerId,
    DiagnosisId,
    PlanId,
    ProductId,
    ProviderId,
    RulesVersion
);

#[cfg(test)]
mod tests {
    use super::*;
    use poem_openapi::types::{ToJSON, Type};

    #[test]
    fn ids_are_plain_integers_on_the_wire_and_in_the_spec() {
        assert_eq!(serde_json::to_value(CustomerId(7)).unwrap(), 7);
        assert_eq!(CustomerId(7).to_json(), Some(serde_json::json!(7)));
        assert_eq!(
            serde_json::to_value(CustomerId::schema_ref()).unwrap(),
            serde_json::to_value(i64::schema_ref()).unwrap()
        );
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let back: UserId = conn
            .query_row("SELECT ?1", [UserId(42)], |r| r.get(0))
            .unwrap();
        assert_eq!(back, UserId(42));
    }
}
