//! Diesel queries on `users`. Soft-deleted accounts are invisible here.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use shared::db::schema::users;

/// The columns a response or a login needs.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
}

/// Inserts an account; `None` when a live account already has this email.
pub fn insert(conn: &mut PgConnection, new: &NewUser) -> QueryResult<Option<User>> {
    use diesel::result::{DatabaseErrorKind, Error};
    match diesel::insert_into(users::table).values(new).returning(User::as_returning()).get_result(conn) {
        Ok(user) => Ok(Some(user)),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(None),
        Err(other) => Err(other),
    }
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// The live account with this (already normalised) email. Compared through `lower(email)` so that
/// PostgreSQL answers from the unique index `users_email_live_key` instead of scanning the table.
pub fn find_by_email(conn: &mut PgConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(lower(users::email).eq(email))
        .filter(users::deleted_at.is_null())
        .select(User::as_select())
        .first(conn)
        .optional()
}
