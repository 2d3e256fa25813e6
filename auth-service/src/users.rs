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

/// What [`renormalize_emails`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Renormalized {
    /// Live accounts whose email was rewritten into its stored form.
    pub updated: usize,
    /// Live accounts left as they were, because their stored form is another live account's
    /// email: (id, email as stored, the form it would take). An operator decides which stays.
    pub collisions: Vec<(UserId, String, String)>,
    /// Live accounts whose email has no stored form (invisible characters): (id, email).
    pub invalid: Vec<(UserId, String)>,
}

/// Rewrites the emails of accounts made before `crate::email::normalize` into its form, so their
/// owners keep signing in, and reports (never drops) the ones that would collide. Only emails
/// that are not plain lower-case ASCII can change, so only those are read; running it again
/// changes nothing. `migrate up` runs it after the SQL migrations.
pub fn renormalize_emails(conn: &mut PgConnection) -> QueryResult<Renormalized> {
    use diesel::dsl::sql;
    use diesel::sql_types::Bool;
    conn.transaction(|conn| {
        let candidates: Vec<(UserId, String)> = users::table
            .filter(users::deleted_at.is_null())
            .filter(sql::<Bool>("(email ~ '[^\\x20-\\x7e]' OR email <> lower(email))"))
            .select((users::id, users::email))
            .order(users::id)
            .load(conn)?;
        let mut report = Renormalized::default();
        for (id, email) in candidates {
            let Ok(form) = crate::email::normalize(&email) else {
                report.invalid.push((id, email));
                continue;
            };
            if form == email {
                continue;
            }
            let taken: i64 = users::table
                .filter(lower(users::email).eq(&form))
                .filter(users::deleted_at.is_null())
                .filter(users::id.ne(id))
                .count()
                .get_result(conn)?;
            if taken > 0 {
                report.collisions.push((id, email, form));
            } else {
                diesel::update(users::table.find(id)).set(users::email.eq(&form)).execute(conn)?;
                report.updated += 1;
            }
        }
        Ok(report)
    })
}

/// The live account with this id.
pub fn find_live(conn: &mut PgConnection, id: UserId) -> QueryResult<Option<UserRow>> {
    users::table.find(id).filter(users::deleted_at.is_null()).select(UserRow::as_select()).first(conn).optional()
}

/// Stores a new password hash for the account.
pub fn set_password(conn: &mut PgConnection, id: UserId, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .map(drop)
}

/// Soft-deletes the live account: it signs in no more, its email is free, and the purge removes
/// it (and its tasks) after the retention.
pub fn soft_delete(conn: &mut PgConnection, id: UserId) -> QueryResult<()> {
    diesel::update(users::table.find(id).filter(users::deleted_at.is_null()))
        .set((users::deleted_at.eq(diesel::dsl::now), users::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .map(drop)
}
