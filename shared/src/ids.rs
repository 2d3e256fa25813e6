//! Typed ids: a `UserId`, a `TaskId` and a `SessionId` cannot be swapped, in a function call or in a query. Both
//! are a `BIGINT` in PostgreSQL and a plain integer in JSON and in the OpenAPI document.

use serde::{Deserialize, Serialize};

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "db", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow))]
        #[cfg_attr(feature = "db", diesel(sql_type = diesel::sql_types::BigInt))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                <i64 as utoipa::PartialSchema>::schema()
            }
        }

        impl utoipa::ToSchema for $name {}

        #[cfg(feature = "db")]
        impl diesel::serialize::ToSql<diesel::sql_types::BigInt, diesel::pg::Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>) -> diesel::serialize::Result {
                <i64 as diesel::serialize::ToSql<diesel::sql_types::BigInt, diesel::pg::Pg>>::to_sql(&self.0, out)
            }
        }

        #[cfg(feature = "db")]
        impl diesel::deserialize::FromSql<diesel::sql_types::BigInt, diesel::pg::Pg> for $name {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                <i64 as diesel::deserialize::FromSql<diesel::sql_types::BigInt, diesel::pg::Pg>>::from_sql(bytes).map(Self)
            }
        }
    };
}

id!(
    /// A user's id (`users.id`); also a token's `sub`.
    UserId
);
id!(
    /// A task's id (`tasks.id`).
    TaskId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_integers_in_json() {
        assert_eq!(serde_json::to_string(&TaskId(7)).unwrap(), "7");
        assert_eq!(serde_json::from_str::<UserId>("42").unwrap(), UserId(42));
        assert!(serde_json::from_str::<UserId>("\"42\"").is_err());
    }
}
id!(
    /// A sign-in's id (`sessions.id`); also an access token's `sid`.
    SessionId
);
