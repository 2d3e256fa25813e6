//! `migrate up` creates the database if it is missing and applies pending migrations (once, even
//! when several run at the same time); `migrate down` reverts the latest one; `migrate purge`
//! removes rows past their retention (see `.env.example`). Reads `DATABASE_URL`.

use diesel::{Connection, PgConnection};
use migrate::Retention;
use secrecy::ExposeSecret;
use shared::config::{DatabaseConfig, from_env};
use shared::db;

fn main() {
    let command = std::env::args().nth(1).unwrap_or_default();
    let result = from_env::<DatabaseConfig>().map_err(|e| e.to_string()).and_then(|config| {
        let url = config.database_url.expose_secret();
        if command == "up" && db::create_database_if_missing(url)? {
            println!("migrate: created the database");
        }
        let mut conn = PgConnection::establish(url).map_err(|e| format!("cannot connect: {e}"))?;
        match command.as_str() {
            "up" => db::migrate_up(&mut conn).and_then(|done| {
                let applied = match done.as_slice() {
                    [] => "no pending migrations".to_owned(),
                    _ => format!("applied {}", done.join(", ")),
                };
                let emails = auth_service::users::renormalize_emails(&mut conn).map_err(|e| e.to_string())?;
                for (id, email, form) in &emails.collisions {
                    eprintln!("migrate: user {id}: {email:?} is {form:?}, another live account's email; left as it is");
                }
                for (id, email) in &emails.invalid {
                    eprintln!("migrate: user {id}: {email:?} has invisible characters; left as it is");
                }
                Ok(match emails.updated {
                    0 => applied,
                    n => format!("{applied}; {n} emails rewritten into their stored form"),
                })
            }),
            "down" => db::migrate_down(&mut conn).map(|v| format!("reverted {v}")),
            "purge" => Retention::from_env()
                .map_err(|e| e.to_string())
                .and_then(|retention| migrate::purge(&mut conn, &retention).map_err(|e| e.to_string()))
                .map(|p| {
                    format!(
                        "purged {} tasks, {} users, {} audit events, {} throttle windows, {} idempotency keys, {} sessions",
                        p.tasks, p.users, p.audit_events, p.throttle_windows, p.idempotency_keys, p.sessions
                    )
                }),
            _ => Err("usage: migrate up|down|purge".to_owned()),
        }
    });
    match result {
        Ok(message) => println!("migrate: {message}"),
        Err(error) => {
            eprintln!("migrate: {error}");
            std::process::exit(1);
        }
    }
}
