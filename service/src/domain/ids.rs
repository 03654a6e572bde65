//! Typed row ids. On the wire and in the database each is the plain integer it always was (the
//! spec still says `integer`), but a user id can no longer be passed where a customer id belongs.
//! (Their database conversions live in `db::sql`.)

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

    )+};
}

ids!(
    UserId,
    CustomerId,
    DiagnosisId,
    PlanId,
    ProductId,
    ProviderId,
    RulesVersion,
    ShareId,
    DocumentId,
    FollowUpId,
    ApplicationId,
    AgreementId,
    ConsentId
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
    }
}
