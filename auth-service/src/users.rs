//! Diesel queries on `users`. Soft-deleted accounts are invisible here.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};
use shared::UserId;
use shared::db::schema::users;

use crate::error::AuthError;

/// The unique index that keeps one live account per email (case-insensitively).
const EMAIL_LIVE_KEY: &str = "users_email_live_key";

/// A user as stored: the columns a response or a login needs.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct UserRow {
    pub id: UserId,
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

/// Inserts an account; [`AuthError::EmailTaken`] when a live account already has this email.
pub fn insert(conn: &mut PgConnection, new: &NewUser) -> Result<UserRow, AuthError> {
    diesel::insert_into(users::table).values(new).returning(UserRow::as_returning()).get_result(conn).map_err(|error| {
        match error {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
                if info.constraint_name() == Some(EMAIL_LIVE_KEY) =>
            {
                AuthError::EmailTaken
            }
            other => AuthError::Database(other),
        }
    })
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// The live account with this (already normalised) email. Compared through `lower(email)` so that
/// PostgreSQL answers from the unique index `users_email_live_key` instead of scanning the table.
pub fn find_by_email(conn: &mut PgConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(lower(users::email).eq(email))
        .filter(users::deleted_at.is_null())
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}
