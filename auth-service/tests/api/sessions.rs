//! Issue 18: sessions people can trust. Refresh tokens rotate and are single-use (a reused one ends
//! the session), sign out ends one session or all, the session list, the account, and the
//! security log.

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use shared::db::schema::refresh_tokens;

use crate::helpers::{TestApp, invalid_fields, parts, spawn_app, spawn_app_with};

const PASSWORD: &str = "correct horse";

fn token(body: &Value) -> &str {
    body["access_token"].as_str().expect("access_token")
}

fn refresh_token(body: &Value) -> &str {
    body["refresh_token"].as_str().expect("refresh_token")
}

async fn me(app: &TestApp, access: &str) -> u16 {
    app.call(Method::GET, "/api/auth/me", Some(access), None).await.status().as_u16()
}

#[actix_web::test]
async fn login_adds_a_refresh_token_to_the_contracts_fields() {
    let app = spawn_app();
    let body = app.signed_up("ada@example.com", PASSWORD).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 86_400, "the contract's 24 h access lifetime stays");
    assert_eq!(body["refresh_expires_in"], 14 * 86_400);
    let refresh = refresh_token(&body);
    assert!(refresh.len() >= 43, "at least 256 bits: {refresh}");
    // Stored only as its SHA-256.
    let stored: Vec<Vec<u8>> =
        refresh_tokens::table.select(refresh_tokens::token_hash).load(&mut app.db.conn()).unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], refresh.as_bytes());
    assert_eq!(stored[0].len(), 32);
}

#[actix_web::test]
async fn a_refresh_answers_new_tokens_and_uses_the_old_one_up() {
    let app = spawn_app();
    let first = app.signed_up("ada@example.com", PASSWORD).await;
    let (status, second) = parts(app.refresh(refresh_token(&first)).await).await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(refresh_token(&second), refresh_token(&first));
    assert_eq!(me(&app, token(&second)).await, 200);
    assert_eq!(me(&app, token(&first)).await, 200, "the session goes on: its earlier access token too");
    let (status, third) = parts(app.refresh(refresh_token(&second)).await).await;
    assert_eq!(status, 200, "{third}");
}

#[actix_web::test]
async fn a_reused_refresh_token_ends_the_session_and_its_access_tokens() {
    let app = spawn_app();
    let first = app.signed_up("ada@example.com", PASSWORD).await;
    let other = app.signed_in("ada@example.com", PASSWORD).await;
    let (_, second) = parts(app.refresh(refresh_token(&first)).await).await;
    // The used token again: an attacker (or the owner) holds a copy.
    let (status, body) = parts(app.refresh(refresh_token(&first)).await).await;
    assert_eq!((status, body), (401, json!({"detail": "Unauthorized"})));
    assert_eq!(me(&app, token(&first)).await, 401);
    assert_eq!(me(&app, token(&second)).await, 401, "the successor's access token too");
    assert_eq!(app.refresh(refresh_token(&second)).await.status(), 401, "and its refresh token");
    assert_eq!(me(&app, token(&other)).await, 200, "another session is untouched");
    let reuse: i64 = shared::db::schema::audit_events::table
        .filter(shared::db::schema::audit_events::action.eq("refresh_reused"))
        .count()
        .get_result(&mut app.db.conn())
        .unwrap();
    assert_eq!(reuse, 1, "audited");
}

#[actix_web::test]
async fn bad_refresh_tokens_get_the_contracts_401_and_bad_bodies_a_422() {
    let app = spawn_app();
    for bad in ["", "x".repeat(129).as_str()] {
        let (status, body) = parts(app.refresh(bad).await).await;
        assert_eq!((status, invalid_fields(&body)), (422, vec!["refresh_token"]), "{bad:?}");
    }
    let (status, body) = parts(app.refresh("not-a-token-we-issued").await).await;
    assert_eq!((status, body), (401, json!({"detail": "Unauthorized"})));
    let (status, body) = parts(app.post("/api/auth/refresh", &json!({})).await).await;
    assert_eq!((status, invalid_fields(&body)), (422, vec!["refresh_token"]));
}

#[actix_web::test]
async fn an_expired_session_cannot_be_refreshed() {
    let app = spawn_app_with(|c| c.sessions.session_idle_days = 1);
    let body = app.signed_up("ada@example.com", PASSWORD).await;
    diesel::sql_query("UPDATE sessions SET last_used_at = now() - interval '25 hours'")
        .execute(&mut app.db.conn())
        .unwrap();
    assert_eq!(app.refresh(refresh_token(&body)).await.status(), 401);
}

/// OWASP's device-cookie idea for refresh: an attacker who runs up the account's failed logins
/// cannot sign its owner out of a device that holds a session.
#[actix_web::test]
async fn refresh_is_not_subject_to_the_login_failure_limits() {
    let app = spawn_app_with(|c| c.limits.login_max_failures_per_account = 2);
    let body = app.signed_up("ada@example.com", PASSWORD).await;
    for _ in 0..3 {
        app.login("ada@example.com", "wrong password").await;
    }
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), 429, "the account is locked");
    assert_eq!(app.refresh(refresh_token(&body)).await.status(), 200, "the device that holds a session is not");
}

#[actix_web::test]
async fn refresh_has_its_own_per_address_limit() {
    let app = spawn_app_with(|c| c.limits.refresh_max_failures_per_addr = 3);
    let body = app.signed_up("ada@example.com", PASSWORD).await;
    for _ in 0..3 {
        assert_eq!(app.refresh("guess").await.status(), 401);
    }
    let response = app.refresh("guess").await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(app.refresh(refresh_token(&body)).await.status(), 429, "the address waits out its window");
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), 200, "logins are not affected");
}

#[actix_web::test]
async fn logout_ends_this_session_only() {
    let app = spawn_app();
    let laptop = app.signed_up("ada@example.com", PASSWORD).await;
    let phone = app.signed_in("ada@example.com", PASSWORD).await;
    let response = app.call(Method::POST, "/api/auth/logout", Some(token(&laptop)), None).await;
    assert_eq!(response.status(), 204);
    assert_eq!(me(&app, token(&laptop)).await, 401);
    assert_eq!(app.refresh(refresh_token(&laptop)).await.status(), 401);
    assert_eq!(me(&app, token(&phone)).await, 200);
    let (status, body) = parts(app.call(Method::POST, "/api/auth/logout", None, None).await).await;
    assert_eq!((status, body), (401, json!({"detail": "Unauthorized"})));
}

#[actix_web::test]
async fn logout_all_ends_every_session() {
    let app = spawn_app();
    let laptop = app.signed_up("ada@example.com", PASSWORD).await;
    let phone = app.signed_in("ada@example.com", PASSWORD).await;
    assert_eq!(app.call(Method::POST, "/api/auth/logout-all", Some(token(&phone)), None).await.status(), 204);
    for session in [&laptop, &phone] {
        assert_eq!(me(&app, token(session)).await, 401);
        assert_eq!(app.refresh(refresh_token(session)).await.status(), 401);
    }
    let again = app.signed_in("ada@example.com", PASSWORD).await;
    assert_eq!(me(&app, token(&again)).await, 200, "signing in again works");
}

#[actix_web::test]
async fn the_session_list_shows_mine_and_marks_this_one() {
    let app = spawn_app();
    let laptop = app.signed_up("ada@example.com", PASSWORD).await;
    let phone = app
        .client
        .post(format!("{}/api/auth/login", app.url))
        .header("user-agent", "Phone Browser/1.0")
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    app.signed_up("bob@example.com", PASSWORD).await;
    let (status, body) = parts(app.call(Method::GET, "/api/auth/sessions", Some(token(&laptop)), None).await).await;
    assert_eq!(status, 200);
    let sessions = body["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "only mine: {body}");
    assert_eq!(sessions[0]["user_agent"], "Phone Browser/1.0", "most recently used first");
    assert_eq!((sessions[0]["current"].as_bool(), sessions[1]["current"].as_bool()), (Some(false), Some(true)));
    assert_eq!(sessions[1]["client_addr"], "127.0.0.1");
    for field in ["id", "created_at", "last_used_at"] {
        assert!(!sessions[0][field].is_null(), "{field}");
    }
    // Ending the phone's session from the laptop.
    let phone_id = sessions[0]["id"].as_i64().unwrap();
    let path = format!("/api/auth/sessions/{phone_id}");
    assert_eq!(app.call(Method::DELETE, &path, Some(token(&laptop)), None).await.status(), 204);
    assert_eq!(me(&app, token(&phone)).await, 401);
    assert_eq!(app.call(Method::DELETE, &path, Some(token(&laptop)), None).await.status(), 404, "already ended");
    let (_, body) = parts(app.call(Method::GET, "/api/auth/sessions", Some(token(&laptop)), None).await).await;
    assert_eq!(body["sessions"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn another_users_session_is_not_found() {
    let app = spawn_app();
    let ada = app.signed_up("ada@example.com", PASSWORD).await;
    let bob = app.signed_up("bob@example.com", PASSWORD).await;
    let (_, body) = parts(app.call(Method::GET, "/api/auth/sessions", Some(token(&bob)), None).await).await;
    let bobs = body["sessions"][0]["id"].as_i64().unwrap();
    let (status, body) =
        parts(app.call(Method::DELETE, &format!("/api/auth/sessions/{bobs}"), Some(token(&ada)), None).await).await;
    assert_eq!((status, body["error_code"].as_str()), (404, Some("NOT_FOUND")));
    assert_eq!(me(&app, token(&bob)).await, 200, "Bob's session goes on");
    for bad in ["abc", "0", "-1", "99999999999999999999"] {
        let status =
            app.call(Method::DELETE, &format!("/api/auth/sessions/{bad}"), Some(token(&ada)), None).await.status();
        assert_eq!(status, 404, "{bad}");
    }
}

#[actix_web::test]
async fn me_answers_my_account() {
    let app = spawn_app();
    let body = app.signed_up("Ada@Example.com", PASSWORD).await;
    let (status, me) = parts(app.call(Method::GET, "/api/auth/me", Some(token(&body)), None).await).await;
    assert_eq!(status, 200);
    assert_eq!(me["email"], "ada@example.com");
    assert!(me["id"].as_i64().is_some() && me["created_at"].is_string(), "{me}");
    assert_eq!(me.as_object().unwrap().len(), 3, "no password hash or anything else: {me}");
}

#[actix_web::test]
async fn a_password_change_ends_the_other_sessions_but_not_mine() {
    let app = spawn_app();
    let mine = app.signed_up("ada@example.com", PASSWORD).await;
    let other = app.signed_in("ada@example.com", PASSWORD).await;
    let change = json!({"current_password": PASSWORD, "new_password": "a brand new secret"});
    let response = app.call(Method::PUT, "/api/auth/password", Some(token(&mine)), Some(&change)).await;
    assert_eq!(response.status(), 204);
    assert_eq!(me(&app, token(&mine)).await, 200, "my session stays");
    assert_eq!(app.refresh(refresh_token(&mine)).await.status(), 200);
    assert_eq!(me(&app, token(&other)).await, 401, "the other session ended");
    assert_eq!(app.refresh(refresh_token(&other)).await.status(), 401);
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), 401);
    assert_eq!(app.login("ada@example.com", "a brand new secret").await.status(), 200);
}

#[actix_web::test]
async fn a_wrong_current_password_counts_as_a_failed_login() {
    let app = spawn_app_with(|c| c.limits.login_max_failures_per_account = 2);
    let mine = app.signed_up("ada@example.com", PASSWORD).await;
    let wrong = json!({"current_password": "not my password", "new_password": "a brand new secret"});
    for _ in 0..2 {
        let (status, body) =
            parts(app.call(Method::PUT, "/api/auth/password", Some(token(&mine)), Some(&wrong)).await).await;
        assert_eq!((status, body["detail"].as_str()), (401, Some("Invalid credentials")));
    }
    let response = app.call(Method::PUT, "/api/auth/password", Some(token(&mine)), Some(&wrong)).await;
    assert_eq!(response.status(), 429, "the login's limit");
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), 429, "and the same counter");
    assert_eq!(me(&app, token(&mine)).await, 200, "the session itself is not ended");
}

#[actix_web::test]
async fn a_new_password_follows_the_register_rules() {
    let app = spawn_app();
    let mine = app.signed_up("ada@example.com", PASSWORD).await;
    for (body, field) in [
        (json!({"current_password": PASSWORD, "new_password": "short"}), "new_password"),
        (json!({"current_password": PASSWORD, "new_password": "x".repeat(129)}), "new_password"),
        (json!({"new_password": "long enough"}), "current_password"),
    ] {
        let (status, answer) =
            parts(app.call(Method::PUT, "/api/auth/password", Some(token(&mine)), Some(&body)).await).await;
        assert_eq!((status, invalid_fields(&answer)), (422, vec![field]), "{body}");
    }
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), 200, "nothing changed");
}

#[actix_web::test]
async fn deleting_my_account_ends_every_session_and_frees_the_email() {
    let app = spawn_app();
    let mine = app.signed_up("ada@example.com", PASSWORD).await;
    let other = app.signed_in("ada@example.com", PASSWORD).await;
    let wrong =
        app.call(Method::DELETE, "/api/auth/me", Some(token(&mine)), Some(&json!({"password": "nope nope"}))).await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(me(&app, token(&mine)).await, 200, "a wrong password deletes nothing");
    let response =
        app.call(Method::DELETE, "/api/auth/me", Some(token(&mine)), Some(&json!({"password": PASSWORD}))).await;
    assert_eq!(response.status(), 204);
    for session in [&mine, &other] {
        assert_eq!(me(&app, token(session)).await, 401);
        assert_eq!(app.refresh(refresh_token(session)).await.status(), 401);
    }
    assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), 401);
    assert_eq!(app.register("ada@example.com", "another password").await.status(), 201, "the email is free again");
    let deleted: i64 = diesel::sql_query("SELECT count(*) AS n FROM users WHERE deleted_at IS NOT NULL")
        .get_result::<Count>(&mut app.db.conn())
        .unwrap()
        .n;
    assert_eq!(deleted, 1, "soft-deleted, for the purge to remove after the retention");
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[actix_web::test]
async fn the_security_log_shows_my_events_newest_first_in_pages() {
    let app = spawn_app();
    let first = app.signed_up("ada@example.com", PASSWORD).await;
    app.login("ada@example.com", "wrong password").await;
    let (_, second) = parts(app.refresh(refresh_token(&first)).await).await;
    app.signed_up("bob@example.com", PASSWORD).await;
    app.call(Method::POST, "/api/auth/logout", Some(token(&second)), None).await;
    let third = app.signed_in("ada@example.com", PASSWORD).await;
    let (status, page) =
        parts(app.call(Method::GET, "/api/auth/events?limit=3", Some(token(&third)), None).await).await;
    assert_eq!(status, 200, "{page}");
    let actions = |page: &Value| -> Vec<(String, String)> {
        page["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["action"].as_str().unwrap().to_owned(), e["outcome"].as_str().unwrap().to_owned()))
            .collect()
    };
    let pair = |a: &str, o: &str| (a.to_owned(), o.to_owned());
    assert_eq!(actions(&page), vec![pair("login", "success"), pair("logout", "success"), pair("refresh", "success")]);
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, next) = parts(
        app.call(Method::GET, &format!("/api/auth/events?limit=3&cursor={cursor}"), Some(token(&third)), None).await,
    )
    .await;
    assert_eq!(
        actions(&next),
        vec![pair("login", "failure"), pair("login", "success"), pair("register", "success")],
        "a failed login names the account it tried; Bob's events are not here"
    );
    assert!(next["next_cursor"].is_null());
    assert_eq!(next["events"][0]["client_addr"], "127.0.0.1");
    for bad in ["limit=0", "limit=201", "cursor=nonsense", "page=2"] {
        let (status, body) =
            parts(app.call(Method::GET, &format!("/api/auth/events?{bad}"), Some(token(&third)), None).await).await;
        assert_eq!(status, 422, "{bad}: {body}");
    }
}

/// The operator's `reset-password` ends every session of the account, at once everywhere.
#[actix_web::test]
async fn reset_password_ends_every_session() {
    let app = spawn_app();
    let laptop = app.signed_up("ada@example.com", PASSWORD).await;
    let phone = app.signed_in("ada@example.com", PASSWORD).await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_reset-password"))
        .env("DATABASE_URL", &app.db.url)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"ada@example.com\nan operator's new password\n").unwrap();
    let output = actix_web::web::block(move || child.wait_with_output()).await.unwrap().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("2 session(s) ended"), "{output:?}");
    // Another process ended them: this instance learns it from the notification, within a second.
    let start = std::time::Instant::now();
    for session in [&laptop, &phone] {
        while me(&app, token(session)).await != 401 {
            assert!(start.elapsed() < std::time::Duration::from_secs(1), "still accepted after a second");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(app.refresh(refresh_token(session)).await.status(), 401);
    }
    assert_eq!(app.login("ada@example.com", "an operator's new password").await.status(), 200);
}
